//! Writing one `<part>`: its measures, with attributes, directions and notes positioned by a
//! running cursor moved with `<backup>` and `<forward>`.

use std::fmt::Write as _;

use super::notation::{beat_unit_for, notation_for};
use super::{PartGroup, divisions_for, escape};
use crate::music::model::{
    ChordSymbol, ChordTone, Clef, Event, EventKind, KeySignature, Measure, MetronomeMark, Notation,
    Part, Pitch, Placed, Ql, Tie, TimeSignature,
};

/// Writes a `<part>` with all its measures.
pub(super) fn write_part(group: &PartGroup<'_>, out: &mut String) {
    let divisions = divisions_for(part_values(&group.staves));
    let count = group
        .staves
        .iter()
        .map(|p| p.measures.len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "  <part id=\"{}\">", escape(&group.id));
    for index in 0..count {
        let mut writer = MeasureWriter {
            out: &mut *out,
            divisions,
            cursor: Ql::ZERO,
            multi_staff: group.staves.len() > 1,
        };
        writer.measure(group, index);
    }
    out.push_str("  </part>\n");
}

/// Every offset and duration that must be a whole number of divisions.
fn part_values<'a>(staves: &'a [&'a Part]) -> impl Iterator<Item = Ql> + 'a {
    staves
        .iter()
        .flat_map(|part| &part.measures)
        .flat_map(|measure| {
            let events = measure
                .voices
                .iter()
                .flat_map(|v| &v.events)
                .flat_map(|e| [e.offset, e.duration]);
            let marks = mark_offsets(measure);
            events.chain(marks).chain(std::iter::once(measure.duration))
        })
}

fn mark_offsets(measure: &Measure) -> impl Iterator<Item = Ql> + '_ {
    let times = measure.time_signatures.iter().map(|m| m.offset);
    let keys = measure.key_signatures.iter().map(|m| m.offset);
    let clefs = measure.clefs.iter().map(|m| m.offset);
    let tempos = measure.tempos.iter().map(|m| m.offset);
    let symbols = measure.chord_symbols.iter().map(|m| m.offset);
    times.chain(keys).chain(clefs).chain(tempos).chain(symbols)
}

/// The marks of a measure at one offset, for one staff.
struct Marks<'a> {
    offset: Ql,
    keys: Vec<&'a KeySignature>,
    times: Vec<&'a TimeSignature>,
    clefs: Vec<&'a Clef>,
    tempos: Vec<&'a MetronomeMark>,
    symbols: Vec<&'a ChordSymbol>,
}

impl<'a> Marks<'a> {
    /// The marks of `measure` at exactly `offset`.
    fn at(measure: &'a Measure, offset: Ql) -> Marks<'a> {
        fn pick<T>(list: &[Placed<T>], offset: Ql) -> Vec<&T> {
            list.iter()
                .filter(|m| m.offset == offset)
                .map(|m| &m.value)
                .collect()
        }
        Marks {
            offset,
            keys: pick(&measure.key_signatures, offset),
            times: pick(&measure.time_signatures, offset),
            clefs: pick(&measure.clefs, offset),
            tempos: pick(&measure.tempos, offset),
            symbols: pick(&measure.chord_symbols, offset),
        }
    }

    fn has_attributes(&self) -> bool {
        !(self.keys.is_empty() && self.times.is_empty() && self.clefs.is_empty())
    }
}

/// Writes one measure's XML, tracking the reader's cursor in quarter lengths.
struct MeasureWriter<'o> {
    out: &'o mut String,
    divisions: i64,
    cursor: Ql,
    multi_staff: bool,
}

/// An event to write with the voice text it belongs to.
struct Placement<'a> {
    event: &'a Event,
    voice: Option<&'a str>,
}

impl MeasureWriter<'_> {
    fn measure(&mut self, group: &PartGroup<'_>, index: usize) {
        let Some(lead) = group.staves.iter().find_map(|p| p.measures.get(index)) else {
            return;
        };
        let number = lead.number_text.clone().unwrap_or_else(|| {
            format!(
                "{}{}",
                lead.number,
                lead.number_suffix.as_deref().unwrap_or("")
            )
        });
        let implicit = if lead.implicit {
            " implicit=\"yes\""
        } else {
            ""
        };
        let _ = writeln!(
            self.out,
            "    <measure number=\"{}\"{implicit}>",
            escape(&number)
        );

        self.opening_attributes(group, index);
        let staves: Vec<(Option<u32>, &Measure)> = group
            .staves
            .iter()
            .enumerate()
            .filter_map(|(position, part)| {
                Some((self.staff_number(part, position), part.measures.get(index)?))
            })
            .collect();
        // All staves' events by offset, so one staff's notes carry the cursor over another
        // staff's silence without a <forward>.
        for (staff, placement) in placements(&staves) {
            self.event(&placement, staff);
        }
        for (staff, measure) in &staves {
            self.later_marks(measure, *staff);
        }
        self.out.push_str("    </measure>\n");
    }

    /// The staff number written for a part of a multi-staff group (`None` for single staves).
    fn staff_number(&self, part: &Part, position: usize) -> Option<u32> {
        self.multi_staff
            .then(|| part.staff.unwrap_or(position as u32 + 1))
    }

    /// Divisions, staves and transposition in the first measure, and every staff's marks at
    /// offset 0, in one `<attributes>`; then the offset-0 directions.
    fn opening_attributes(&mut self, group: &PartGroup<'_>, index: usize) {
        let mut body = String::new();
        if index == 0 {
            let _ = writeln!(body, "        <divisions>{}</divisions>", self.divisions);
        }
        let staves: Vec<(Option<u32>, &Measure)> = group
            .staves
            .iter()
            .enumerate()
            .filter_map(|(position, part)| {
                let measure = part.measures.get(index)?;
                Some((self.staff_number(part, position), measure))
            })
            .collect();
        for (staff, measure) in &staves {
            for key in Marks::at(measure, Ql::ZERO).keys {
                write_key(&mut body, key, *staff);
            }
        }
        for (staff, measure) in &staves {
            for time in Marks::at(measure, Ql::ZERO).times {
                write_time(&mut body, time, *staff);
            }
        }
        if index == 0 && self.multi_staff {
            let most = staves.iter().filter_map(|(s, _)| *s).max().unwrap_or(1);
            let _ = writeln!(body, "        <staves>{most}</staves>");
        }
        for (staff, measure) in &staves {
            for clef in Marks::at(measure, Ql::ZERO).clefs {
                write_clef(&mut body, clef, *staff);
            }
        }
        if index == 0
            && let Some(transposition) = group.staves[0].transposition
        {
            let _ = writeln!(
                body,
                "        <transpose>\n          <diatonic>{}</diatonic>\n          \
                 <chromatic>{}</chromatic>\n        </transpose>",
                transposition.diatonic, transposition.chromatic
            );
        }
        if !body.is_empty() {
            self.out.push_str("      <attributes>\n");
            self.out.push_str(&body);
            self.out.push_str("      </attributes>\n");
        }
        for (staff, measure) in &staves {
            let marks = Marks::at(measure, Ql::ZERO);
            self.directions(&marks, *staff);
        }
    }

    /// One staff's marks after offset 0, then a marker that keeps the measure's length when
    /// nothing else reaches it. Attributes need the cursor at their offset; directions past
    /// the cursor use `<offset>` instead of a `<forward>`, which would leave a hidden rest.
    fn later_marks(&mut self, measure: &Measure, staff: Option<u32>) {
        let mut later: Vec<Ql> = mark_offsets(measure).filter(|o| o.is_positive()).collect();
        later.sort();
        later.dedup();
        for offset in later {
            let marks = Marks::at(measure, offset);
            if marks.has_attributes() || offset < self.cursor {
                self.move_to(offset, None, staff);
            }
            if marks.has_attributes() {
                self.out.push_str("      <attributes>\n");
                let mut body = String::new();
                marks
                    .keys
                    .iter()
                    .for_each(|k| write_key(&mut body, k, staff));
                marks
                    .times
                    .iter()
                    .for_each(|t| write_time(&mut body, t, staff));
                marks
                    .clefs
                    .iter()
                    .for_each(|c| write_clef(&mut body, c, staff));
                self.out.push_str(&body);
                self.out.push_str("      </attributes>\n");
            }
            self.directions(&marks, staff);
        }

        let content_end = measure
            .voices
            .iter()
            .flat_map(|v| &v.events)
            .map(|e| e.offset + e.duration)
            .chain(mark_offsets(measure))
            .max()
            .unwrap_or(Ql::ZERO);
        if measure.duration > content_end {
            self.length_marker(measure.duration, staff);
        }
    }

    /// Moves the cursor to `offset`: back with `<backup>`, forward with `<forward>` (which
    /// readers turn into a hidden rest).
    fn move_to(&mut self, offset: Ql, voice: Option<&str>, staff: Option<u32>) {
        if offset < self.cursor {
            let amount = self.divisions_of(self.cursor - offset);
            let _ = writeln!(
                self.out,
                "      <backup>\n        <duration>{amount}</duration>\n      </backup>"
            );
        } else if offset > self.cursor {
            self.forward(offset - self.cursor, voice, staff);
        }
        self.cursor = offset;
    }

    fn forward(&mut self, length: Ql, voice: Option<&str>, staff: Option<u32>) {
        let amount = self.divisions_of(length);
        let _ = writeln!(
            self.out,
            "      <forward>\n        <duration>{amount}</duration>"
        );
        if let Some(voice) = voice {
            let _ = writeln!(self.out, "        <voice>{}</voice>", escape(voice));
        }
        if let Some(staff) = staff {
            let _ = writeln!(self.out, "        <staff>{staff}</staff>");
        }
        self.out.push_str("      </forward>\n");
    }

    /// A quarter-length value in divisions, rounded when divisions could not be exact.
    fn divisions_of(&self, ql: Ql) -> i64 {
        let scaled = i128::from(ql.numer()) * i128::from(self.divisions);
        let den = i128::from(ql.denom());
        let rounded = (2 * scaled + den).div_euclid(2 * den);
        i64::try_from(rounded).unwrap_or(i64::MAX)
    }

    /// A note, chord, rest or unpitched note (a hidden rest with no notated value becomes a
    /// `<forward>`, as it was read).
    fn event(&mut self, placement: &Placement<'_>, staff: Option<u32>) {
        let event = placement.event;
        self.move_to(event.offset, placement.voice, staff);
        let invisible_gap = event.hidden && event.is_rest() && event.notation.is_none();
        if invisible_gap {
            self.forward(event.duration, placement.voice, staff);
        } else {
            let mut text = String::new();
            write_note_xml(&mut text, event, placement.voice, staff, self);
            self.out.push_str(&text);
        }
        self.cursor += event.duration;
    }

    /// Tempo marks and chord symbols at the marks' offset, at or after the cursor.
    fn directions(&mut self, marks: &Marks<'_>, staff: Option<u32>) {
        let shift = self.divisions_of(marks.offset - self.cursor);
        for tempo in &marks.tempos {
            write_tempo(self.out, tempo, staff, shift);
        }
        for symbol in &marks.symbols {
            write_harmony(self.out, symbol, staff, shift);
        }
    }

    /// An empty `<words>` direction at `offset` (past the cursor, via `<offset>`), which
    /// readers keep as a zero-length mark: the measure keeps its length.
    fn length_marker(&mut self, offset: Ql, staff: Option<u32>) {
        if offset < self.cursor {
            self.move_to(offset, None, staff);
        }
        let shift = self.divisions_of(offset - self.cursor);
        self.out.push_str(
            "      <direction>\n        <direction-type>\n          <words/>\n        \
             </direction-type>\n",
        );
        let _ = writeln!(self.out, "        <offset>{shift}</offset>");
        if let Some(staff) = staff {
            let _ = writeln!(self.out, "        <staff>{staff}</staff>");
        }
        self.out.push_str("      </direction>\n");
    }
}

/// The events of every staff's measure in writing order: by offset, then staff, then voice,
/// keeping each voice's own order.
fn placements<'a>(staves: &[(Option<u32>, &'a Measure)]) -> Vec<(Option<u32>, Placement<'a>)> {
    let mut keyed: Vec<(Ql, usize, usize, usize, Option<u32>, Placement<'a>)> = Vec::new();
    for (staff_index, (staff, measure)) in staves.iter().enumerate() {
        for (voice_index, voice) in measure.voices.iter().enumerate() {
            for (sequence, event) in voice.events.iter().enumerate() {
                let placement = Placement {
                    event,
                    voice: voice.id.as_deref(),
                };
                keyed.push((
                    event.offset,
                    staff_index,
                    voice_index,
                    sequence,
                    *staff,
                    placement,
                ));
            }
        }
    }
    keyed.sort_by_key(|k| (k.0, k.1, k.2, k.3));
    keyed.into_iter().map(|k| (k.4, k.5)).collect()
}

fn staff_attribute(staff: Option<u32>) -> String {
    staff.map_or(String::new(), |s| format!(" number=\"{s}\""))
}

fn write_key(out: &mut String, key: &KeySignature, staff: Option<u32>) {
    let _ = writeln!(out, "        <key{}>", staff_attribute(staff));
    let _ = writeln!(out, "          <fifths>{}</fifths>", key.fifths);
    if let Some(mode) = key.mode {
        let _ = writeln!(out, "          <mode>{}</mode>", mode.name());
    }
    out.push_str("        </key>\n");
}

fn write_time(out: &mut String, time: &TimeSignature, staff: Option<u32>) {
    let symbol = time
        .symbol
        .as_deref()
        .map_or(String::new(), |s| format!(" symbol=\"{}\"", escape(s)));
    let _ = writeln!(out, "        <time{}{symbol}>", staff_attribute(staff));
    for group in &time.groups {
        let beats: Vec<String> = group.beats.iter().map(u32::to_string).collect();
        let _ = writeln!(out, "          <beats>{}</beats>", beats.join("+"));
        let _ = writeln!(out, "          <beat-type>{}</beat-type>", group.beat_type);
    }
    out.push_str("        </time>\n");
}

fn write_clef(out: &mut String, clef: &Clef, staff: Option<u32>) {
    let _ = writeln!(out, "        <clef{}>", staff_attribute(staff));
    let _ = writeln!(out, "          <sign>{}</sign>", escape(&clef.sign));
    if let Some(line) = clef.line {
        let _ = writeln!(out, "          <line>{line}</line>");
    }
    if clef.octave_change != 0 {
        let _ = writeln!(
            out,
            "          <clef-octave-change>{}</clef-octave-change>",
            clef.octave_change
        );
    }
    out.push_str("        </clef>\n");
}

/// A metronome mark (with `<sound tempo>` for playback), or a playback-only tempo.
fn write_tempo(out: &mut String, tempo: &MetronomeMark, staff: Option<u32>, shift: i64) {
    let mut staff_line = offset_line(shift);
    if let Some(staff) = staff {
        let _ = writeln!(staff_line, "        <staff>{staff}</staff>");
    }
    if let Some(number) = tempo.number {
        let (unit, dots) = beat_unit_for(tempo.referent).unwrap_or(("quarter", 0));
        out.push_str("      <direction placement=\"above\">\n        <direction-type>\n");
        let _ = writeln!(
            out,
            "          <metronome>\n            <beat-unit>{unit}</beat-unit>"
        );
        for _ in 0..dots {
            out.push_str("            <beat-unit-dot/>\n");
        }
        let _ = writeln!(
            out,
            "            <per-minute>{number}</per-minute>\n          </metronome>"
        );
        out.push_str("        </direction-type>\n");
        out.push_str(&staff_line);
        if let Some(bpm) = tempo.quarter_bpm() {
            let _ = writeln!(out, "        <sound tempo=\"{bpm}\"/>");
        }
        out.push_str("      </direction>\n");
    } else if let Some(sounding) = tempo.number_sounding {
        out.push_str(
            "      <direction>\n        <direction-type>\n          <words/>\n        \
             </direction-type>\n",
        );
        out.push_str(&staff_line);
        let _ = writeln!(
            out,
            "        <sound tempo=\"{sounding}\"/>\n      </direction>"
        );
    }
}

/// A direction's `<offset>` line, empty for zero.
fn offset_line(shift: i64) -> String {
    if shift == 0 {
        String::new()
    } else {
        format!("        <offset>{shift}</offset>\n")
    }
}

fn write_harmony(out: &mut String, symbol: &ChordSymbol, staff: Option<u32>, shift: i64) {
    out.push_str("      <harmony>\n");
    if let Some(root) = symbol.root.as_deref().and_then(Pitch::parse) {
        let _ = writeln!(
            out,
            "        <root>\n          <root-step>{}</root-step>",
            root.step.letter()
        );
        if root.alter != 0 {
            let _ = writeln!(out, "          <root-alter>{}</root-alter>", root.alter);
        }
        out.push_str("        </root>\n");
    }
    if let Some(kind) = &symbol.kind {
        let _ = writeln!(out, "        <kind>{}</kind>", escape(kind));
    }
    if let Some(bass) = symbol.bass.as_deref().and_then(Pitch::parse) {
        let _ = writeln!(
            out,
            "        <bass>\n          <bass-step>{}</bass-step>",
            bass.step.letter()
        );
        if bass.alter != 0 {
            let _ = writeln!(out, "          <bass-alter>{}</bass-alter>", bass.alter);
        }
        out.push_str("        </bass>\n");
    }
    out.push_str(&offset_line(shift));
    if let Some(staff) = staff {
        let _ = writeln!(out, "        <staff>{staff}</staff>");
    }
    out.push_str("      </harmony>\n");
}

/// What one `<note>` element shows.
struct NoteSpec<'a> {
    in_chord: bool,
    sound: Sound<'a>,
    tie: Option<Tie>,
}

enum Sound<'a> {
    Pitch(&'a Pitch),
    Unpitched(Option<&'a Pitch>),
    Rest { full_measure: bool },
}

/// The `<note>` elements of an event: one, or one per chord tone.
fn write_note_xml(
    out: &mut String,
    event: &Event,
    voice: Option<&str>,
    staff: Option<u32>,
    writer: &MeasureWriter<'_>,
) {
    let specs: Vec<NoteSpec<'_>> = match &event.kind {
        EventKind::Note(pitch) => vec![NoteSpec {
            in_chord: false,
            sound: Sound::Pitch(pitch),
            tie: event.tie,
        }],
        EventKind::Unpitched(pitch) => vec![NoteSpec {
            in_chord: false,
            sound: Sound::Unpitched(pitch.as_ref()),
            tie: event.tie,
        }],
        EventKind::Rest(rest) => vec![NoteSpec {
            in_chord: false,
            sound: Sound::Rest {
                full_measure: rest.full_measure,
            },
            tie: None,
        }],
        EventKind::Chord(tones) => tones.iter().enumerate().map(chord_spec).collect(),
    };
    let full_measure = matches!(&event.kind, EventKind::Rest(r) if r.full_measure);
    let notation = match &event.notation {
        Some(notation) => Some(notation.clone()),
        None if full_measure || event.grace => None,
        None => notation_for(event.duration),
    };
    for (index, spec) in specs.iter().enumerate() {
        let first = index == 0;
        let hidden = if event.hidden && first {
            " print-object=\"no\""
        } else {
            ""
        };
        let _ = writeln!(out, "      <note{hidden}>");
        if event.grace {
            out.push_str("        <grace/>\n");
        }
        if spec.in_chord {
            out.push_str("        <chord/>\n");
        }
        write_sound(out, &spec.sound);
        if !event.grace {
            let _ = writeln!(
                out,
                "        <duration>{}</duration>",
                writer.divisions_of(event.duration)
            );
        }
        write_ties(out, spec.tie, "tie");
        if let Some(voice) = voice {
            let _ = writeln!(out, "        <voice>{}</voice>", escape(voice));
        }
        write_notation(out, notation.as_ref());
        if let Some(staff) = staff {
            let _ = writeln!(out, "        <staff>{staff}</staff>");
        }
        let fermata = event.fermata && first;
        if spec.tie.is_some() || fermata {
            out.push_str("        <notations>\n");
            write_ties(out, spec.tie, "tied");
            if fermata {
                out.push_str("          <fermata/>\n");
            }
            out.push_str("        </notations>\n");
        }
        out.push_str("      </note>\n");
    }
}

fn chord_spec((index, tone): (usize, &ChordTone)) -> NoteSpec<'_> {
    NoteSpec {
        in_chord: index > 0,
        sound: if tone.unpitched {
            Sound::Unpitched(Some(&tone.pitch))
        } else {
            Sound::Pitch(&tone.pitch)
        },
        tie: tone.tie,
    }
}

fn write_sound(out: &mut String, sound: &Sound<'_>) {
    match sound {
        Sound::Pitch(pitch) => {
            let _ = writeln!(
                out,
                "        <pitch>\n          <step>{}</step>",
                pitch.step.letter()
            );
            if pitch.alter != 0 {
                let _ = writeln!(out, "          <alter>{}</alter>", pitch.alter);
            }
            let _ = writeln!(
                out,
                "          <octave>{}</octave>\n        </pitch>",
                pitch.octave
            );
        }
        Sound::Unpitched(Some(pitch)) => {
            let _ = writeln!(
                out,
                "        <unpitched>\n          <display-step>{}</display-step>\n          \
                 <display-octave>{}</display-octave>\n        </unpitched>",
                pitch.step.letter(),
                pitch.octave
            );
        }
        Sound::Unpitched(None) => out.push_str("        <unpitched/>\n"),
        Sound::Rest { full_measure: true } => out.push_str("        <rest measure=\"yes\"/>\n"),
        Sound::Rest {
            full_measure: false,
        } => out.push_str("        <rest/>\n"),
    }
}

/// `<tie>` (sound) or `<tied>` (notation) elements: a continue is a stop and a start.
fn write_ties(out: &mut String, tie: Option<Tie>, element: &str) {
    let indent = if element == "tie" {
        "        "
    } else {
        "          "
    };
    let types: &[&str] = match tie {
        None => &[],
        Some(Tie::Start) => &["start"],
        Some(Tie::Stop) => &["stop"],
        Some(Tie::Continue) => &["stop", "start"],
    };
    for kind in types {
        let _ = writeln!(out, "{indent}<{element} type=\"{kind}\"/>");
    }
}

fn write_notation(out: &mut String, notation: Option<&Notation>) {
    let Some(notation) = notation else { return };
    let _ = writeln!(out, "        <type>{}</type>", escape(&notation.note_type));
    for _ in 0..notation.dots {
        out.push_str("        <dot/>\n");
    }
    if let Some((actual, normal)) = notation.tuplet {
        let _ = writeln!(
            out,
            "        <time-modification>\n          <actual-notes>{actual}</actual-notes>\n          \
             <normal-notes>{normal}</normal-notes>\n        </time-modification>"
        );
    }
}
