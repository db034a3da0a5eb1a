//! Humdrum `*I` instrument codes and the names music21 gives them.
//!
//! music21 turns a known code (`*Ivioln`) into one of its instrument classes, whose name and
//! abbreviation then name the part; unknown codes name nothing.

/// `(code, music21 instrumentName, instrumentAbbreviation)`.
const INSTRUMENTS: [(&str, &str, &str); 74] = [
    ("soprn", "Soprano", "S"),
    ("cant", "Soprano", "S"),
    ("mezzo", "Mezzo-Soprano", "Mez"),
    ("calto", "Alto", "A"),
    ("tenor", "Tenor", "T"),
    ("barit", "Baritone", "Bar"),
    ("bass", "Bass", "B"),
    ("vox", "Voice", "V"),
    ("alto", "Alto", "A"),
    ("arpa", "Harp", "Hp"),
    ("banjo", "Banjo", "Bjo"),
    ("bguit", "Electric Bass", "Elec b"),
    ("cbass", "Contrabass", "Cb"),
    ("cello", "Violoncello", "Vc"),
    ("cemba", "Harpsichord", "Hpschd"),
    ("clavi", "Clavichord", "Clv"),
    ("dulc", "Dulcimer", "Dlc"),
    ("eguit", "Electric Guitar", "Elec Gtr"),
    ("guitr", "Guitar", "Gtr"),
    ("liuto", "Lute", "Lte"),
    ("koto", "Koto", "Koto"),
    ("mando", "Mandolin", "Mdln"),
    ("piano", "Piano", "Pno"),
    ("shami", "Shamisen", "Shmsn"),
    ("sitar", "Sitar", "Sit"),
    ("ukule", "Ukulele", "Uke"),
    ("viola", "Viola", "Vla"),
    ("violn", "Violin", "Vln"),
    ("accor", "Accordion", "Acc"),
    ("armon", "Harmonica", "Hmca"),
    ("bagpS", "Bagpipes", "Bag"),
    ("bagpI", "Bagpipes", "Bag"),
    ("cangl", "English Horn", "Eng Hn"),
    ("clarb", "Bass clarinet", "Bs Cl"),
    ("cor", "Horn", "Hn"),
    ("fagot", "Bassoon", "Bsn"),
    ("flt", "Flute", "Fl"),
    ("oboe", "Oboe", "Ob"),
    ("organ", "Pipe Organ", "P Org"),
    ("panpi", "Pan Flute", "P Fl"),
    ("picco", "Piccolo", "Picc"),
    ("reedo", "Reed Organ", "R Org"),
    ("saxS", "Soprano Saxophone", "S Sax"),
    ("saxA", "Alto Saxophone", "A Sax"),
    ("saxT", "Tenor Saxophone", "T Sax"),
    ("saxR", "Baritone Saxophone", "Bar Sax"),
    ("shaku", "Shakuhachi", "Shk Fl"),
    ("tromt", "Trombone", "Trb"),
    ("tromb", "Bass Trombone", "BTrb"),
    ("tromp", "Trumpet", "Tpt"),
    ("tuba", "Tuba", "Tba"),
    ("bdrum", "Bass Drum", "B Dr"),
    ("campn", "Church Bells", "Bells"),
    ("caril", "Church Bells", "Bells"),
    ("casts", "Castanets", "Cas"),
    ("chime", "Tubular Bells", "Tbells"),
    ("crshc", "Crash Cymbals", "Cym"),
    ("glock", "Glockenspiel", "Gsp"),
    ("gong", "Gong", "Gng"),
    ("marac", "Maracas", "Mrcs"),
    ("marim", "Marimba", "Mar"),
    ("piatt", "Cymbals", "Cym"),
    ("ridec", "Ride Cymbals", "Ride Cym"),
    ("sdrum", "Snare Drum", "Sn Dr"),
    ("spshc", "Splash Cymbals", "Spl Cym"),
    ("steel", "Steel Drum", "St Dr"),
    ("tambn", "Tambourine", "Tmbn"),
    ("timpa", "Timpani", "Timp"),
    ("tom", "Tom-Tom", "Tom"),
    ("trngl", "Triangle", "Tri"),
    ("vibra", "Vibraphone", "Vbp"),
    ("xylo", "Xylophone", "Xyl."),
    ("clest", "Celesta", "Clst"),
    ("hammd", "Electric Organ", "Elec Org"),
];

/// The name and abbreviation music21 gives a Humdrum instrument code.
pub(super) fn instrument(code: &str) -> Option<(&'static str, &'static str)> {
    INSTRUMENTS
        .iter()
        .find(|(known, _, _)| *known == code)
        .map(|&(_, name, abbreviation)| (name, abbreviation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_and_string_codes_name_their_parts() {
        assert_eq!(instrument("cant"), Some(("Soprano", "S")));
        assert_eq!(instrument("violn"), Some(("Violin", "Vln")));
        assert_eq!(instrument("cello"), Some(("Violoncello", "Vc")));
        assert_eq!(instrument("vioin"), None);
    }
}
