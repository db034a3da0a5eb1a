#!/usr/bin/env python3
"""Generates the built-in corpus of music-mcp: every corpus/*.musicxml file beside this script.

The pieces below are written out by hand from the music, in a small note language, and this
script turns them into MusicXML 4.0 `score-partwise` files. It is not needed at build time: the
generated files are committed and embedded in the binary with `include_bytes!` (src/corpus/).
Rerun it after changing a piece, then check the result with `git diff corpus/`.

    python3 corpus/make_builtin.py

Note language, one voice per string, measures separated by `|`:
    G4:q        pitch (step, optional # or b, octave) and duration (w h q e s, a trailing `.`
                dots it); the accidental is the sounding pitch, the key signature is applied
                automatically and an <accidental> is written only where one is needed
    r:h         a rest
    E4+G4:h     a chord (the first note, then <chord/> notes)
    D4~:h       a tie from this note to the same pitch at the start of the next note
    B4:q^       a fermata

Before writing, the script checks that every measure is filled exactly (the pickup and the final
measure together make one full measure) and that the four-part chorale has no parallel fifths or
octaves. The encodings are the music-mcp team's own and are dedicated to the public domain.
"""

import os
import re
import xml.dom.minidom
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
ENCODING_DATE = "2026-12-03"
SOFTWARE = "music-mcp corpus/make_builtin.py"

STEPS = "CDEFGAB"
SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
SHARP_ORDER = "FCGDAEB"
TYPES = {"w": ("whole", 4), "h": ("half", 2), "q": ("quarter", 1), "e": ("eighth", Fraction(1, 2)),
         "s": ("16th", Fraction(1, 4))}
ACCIDENTAL_NAMES = {-2: "flat-flat", -1: "flat", 0: "natural", 1: "sharp", 2: "double-sharp"}

TREBLE = ("G", 2, 0)
TREBLE_8VB = ("G", 2, -1)
BASS = ("F", 4, 0)


# ---------------------------------------------------------------------------------------------
# The pieces.
# ---------------------------------------------------------------------------------------------

def old_hundredth():
    """OLD HUNDREDTH, melody of Genevan Psalm 134 (1551), harmonised in four parts."""
    soprano = "G4 | G4 F#4 E4 D4 | G4 A4 B4^ B4 | B4 B4 A4 G4 | C5 B4 A4^ G4 | A4 B4 A4 G4 | " \
              "E4 F#4 G4^ D5 | B4 G4 A4 C5 | B4 A4 G4^"
    alto = "D4 | E4 D4 B3 B3 | B3 D4 D4^ G4 | G4 G4 F#4 E4 | E4 G4 F#4^ D4 | D4 D4 D4 D4 | " \
           "B3 D4 D4^ D4 | D4 D4 E4 E4 | D4 D4 B3^"
    tenor = "B3 | C4 A3 G3 G3 | G3 F#3 G3^ D4 | E4 D4 D4 B3 | A3 D4 D4^ B3 | A3 G3 F#3 G3 | " \
            "G3 A3 B3^ A3 | G3 G3 E3 E3 | G3 F#3 G3^"
    bass = "G2 | C3 D3 E3 B2 | E3 D3 G2^ G3 | E3 B2 D3 E3 | C3 D3 D3^ G2 | F#2 G2 D3 B2 | " \
           "E3 D3 G2^ F#2 | G2 B2 C3 A2 | D3 D3 G2^"
    quarters = lambda text: " ".join(
        " ".join(token.replace("^", ":q^") if token.endswith("^") else token + ":q"
                 for token in measure.split()) + " |"
        for measure in text.split("|")).rstrip(" |")
    voices = [quarters(v) for v in (soprano, alto, tenor, bass)]
    check_chorale(voices)
    return {
        "file": "old-hundredth.musicxml",
        "title": "Old Hundredth",
        "composer": "Louis Bourgeois (attr.)",
        "arranger": "music-mcp team",
        "rights": "Melody from the Genevan Psalter, 1551 (public domain). Harmonisation and "
                  "encoding by the music-mcp team, dedicated to the public domain.",
        "divisions": 1,
        "key": (1, "major"),
        "time": (4, 4),
        "tempo": 80,
        "pickup": True,
        "parts": [
            part("Soprano", "S.", [TREBLE], [(1, 1, voices[0])]),
            part("Alto", "A.", [TREBLE], [(1, 1, voices[1])]),
            part("Tenor", "T.", [TREBLE_8VB], [(1, 1, voices[2])]),
            part("Bass", "B.", [BASS], [(1, 1, voices[3])]),
        ],
    }


def twinkle():
    """Ah! vous dirai-je, maman: the French melody as printed in 1761, melody alone."""
    melody = ("C4:q C4:q G4:q G4:q | A4:q A4:q G4:h | F4:q F4:q E4:q E4:q | D4:q D4:q C4:h | "
              "G4:q G4:q F4:q F4:q | E4:q E4:q D4:h | G4:q G4:q F4:q F4:q | E4:q E4:q D4:h | "
              "C4:q C4:q G4:q G4:q | A4:q A4:q G4:h | F4:q F4:q E4:q E4:q | D4:q D4:q C4:h")
    return {
        "file": "twinkle.musicxml",
        "title": "Ah! vous dirai-je, maman",
        "composer": "Traditional",
        "arranger": None,
        "rights": "French traditional melody, first printed 1761 (public domain). Encoding by "
                  "the music-mcp team, dedicated to the public domain.",
        "divisions": 2,
        "key": (0, "major"),
        "time": (4, 4),
        "tempo": 100,
        "pickup": False,
        "parts": [part("Melody", "Mel.", [TREBLE], [(1, 1, melody)])],
    }


def minuet():
    """A minuet in D minor, melody and bass, written by the team for this corpus."""
    melody = ("A4:q | D5:h F5:q | E5:q D5:q C#5:q | D5:q A4:q F4:q | E4:h. | "
              "F4:q G4:q A4:q | Bb4:q A4:q G4:q | A4:h G4:q | F4:h A4:q | "
              "Bb4:q D5:q Bb4:q | A4:q C#5:q E5:q | F5:q E5:q D5:q | C#5:h E5:q | "
              "F5:q D5:q A4:q | Bb4:q G4:q E4:q | F4:q E4:q C#4:q | D4:h")
    bass = ("r:q | D3:h. | A2:h. | D3:q F3:q A3:q | A2:h. | "
            "D3:q F3:q D3:q | Bb2:h. | C3:h. | F2:h r:q | "
            "G2:q Bb2:q G2:q | A2:h. | D3:q A2:q D3:q | A2:h. | "
            "D3:h. | G2:h. | A2:h. | D3:h")
    return {
        "file": "minuet-in-d-minor.musicxml",
        "title": "Minuet in D minor",
        "composer": "music-mcp team",
        "arranger": None,
        "rights": "Composed and encoded by the music-mcp team, dedicated to the public domain.",
        "divisions": 4,
        "key": (-1, "minor"),
        "time": (3, 4),
        "tempo": 120,
        "pickup": True,
        "barlines": {8: "light-light"},
        "parts": [
            part("Melody", "Mel.", [TREBLE], [(1, 1, melody)]),
            part("Bass", "B.", [BASS], [(1, 1, bass)]),
        ],
    }


def au_clair_de_la_lune():
    """Au clair de la lune, the melody over a second voice of chords on one staff."""
    melody = ("C5:q C5:q C5:q D5:q | E5:h D5:h | C5:q E5:q D5:q D5:q | C5:w | "
              "D5:q D5:q D5:q D5:q | A4:h A4:h | D5:q C5:q B4:q A4:q | G4:w | "
              "C5:q C5:q C5:q D5:q | E5:h D5:h | C5:q E5:q D5:q D5:q | C5:w")
    accompaniment = ("r:q E4+G4:q E4+G4:q G4~:q | G4:h F4+B4:h | E4+G4:h F4+B4:h | "
                     "E4+G4:h C4+E4:h | B3+D4+G4:h B3+D4+F4:h | C4+F4:h D4+F4:h | "
                     "D4+F#4:h C4+F#4:h | B3+D4:h B3+D4~:h | D4:q C4:q E4+G4:q G4~:q | "
                     "G4:h F4+B4:h | E4+G4:h F4+B4:h | C4+E4+G4:w")
    return {
        "file": "au-clair-de-la-lune.musicxml",
        "title": "Au clair de la lune",
        "composer": "Traditional",
        "arranger": "music-mcp team",
        "rights": "French traditional melody, 18th century (public domain). Accompaniment and "
                  "encoding by the music-mcp team, dedicated to the public domain.",
        "divisions": 8,
        "key": (0, "major"),
        "time": (4, 4),
        "tempo": 100,
        "pickup": False,
        "parts": [part("Piano", "Pno.", [TREBLE], [(1, 1, melody), (1, 2, accompaniment)])],
    }


def ode_to_joy():
    """The Ode to Joy theme on a grand staff, with a minore variation in between."""
    major = "F#5:q F#5:q G5:q A5:q | A5:q G5:q F#5:q E5:q | D5:q D5:q E5:q F#5:q"
    minor = "F5:q F5:q G5:q A5:q | A5:q G5:q F5:q E5:q | D5:q D5:q E5:q F5:q"
    right = " | ".join([major, "F#5:q. E5:e E5:h", minor, "E5:q. D5:e D5:h",
                        major, "E5:q. D5:e D5:h"])
    tonic, tonic_minor, dominant = "D3+F#3+A3", "D3+F3+A3", "A2+C#3+E3"
    left = " | ".join([
        f"{tonic}:h {tonic}:h", f"{tonic}:h {tonic}:q {dominant}:q", f"{tonic}:h {tonic}:h",
        f"{tonic}:h {dominant}:h",
        f"{tonic_minor}:h {tonic_minor}:h", f"{tonic_minor}:h {tonic_minor}:q {dominant}:q",
        f"{tonic_minor}:h {tonic_minor}:h", f"{dominant}:h {tonic_minor}:h",
        f"{tonic}:h {tonic}:h", f"{tonic}:h {tonic}:q {dominant}:q", f"{tonic}:h {tonic}:h",
        f"{dominant}:h D2+A2+D3:h",
    ])
    return {
        "file": "ode-to-joy.musicxml",
        "title": "Ode to Joy (theme and minore)",
        "composer": "Ludwig van Beethoven",
        "arranger": "music-mcp team",
        "rights": "Melody from the Symphony No. 9, 1824 (public domain). Arrangement and "
                  "encoding by the music-mcp team, dedicated to the public domain.",
        "divisions": 2,
        "key": (2, "major"),
        "key_changes": {5: (-1, "minor"), 9: (2, "major")},
        "time": (4, 4),
        "tempo": 120,
        "pickup": False,
        "parts": [part("Piano", "Pno.", [TREBLE, BASS], [(1, 1, right), (2, 5, left)])],
    }


PIECES = [old_hundredth, twinkle, minuet, au_clair_de_la_lune, ode_to_joy]


def part(name, abbreviation, clefs, voices):
    """A part: its name, one clef per staff, and its voices as (staff, voice number, text)."""
    return {"name": name, "abbreviation": abbreviation, "clefs": clefs, "voices": voices}


# ---------------------------------------------------------------------------------------------
# Parsing the note language.
# ---------------------------------------------------------------------------------------------

PITCH = re.compile(r"^([A-G])(#{1,2}|b{1,2})?(-?\d)(~?)$")


def parse_event(token):
    """One token to {'pitches': [(step, alter, octave, tie_start)], 'length', 'type', 'dots'}."""
    fermata = token.endswith("^")
    token = token.rstrip("^")
    notes, duration = token.split(":")
    dots = len(duration) - len(duration.rstrip("."))
    name, base = TYPES[duration.rstrip(".")]
    length = Fraction(base)
    for i in range(dots):
        length += Fraction(base) / (2 ** (i + 1))
    pitches = []
    if notes != "r":
        for text in notes.split("+"):
            match = PITCH.match(text)
            if not match:
                raise ValueError(f"bad pitch {text!r} in {token!r}")
            step, accidental, octave, tie = match.groups()
            alter = 0 if not accidental else (len(accidental) if accidental[0] == "#"
                                              else -len(accidental))
            pitches.append((step, alter, int(octave), tie == "~"))
    return {"pitches": pitches, "length": length, "type": name, "dots": dots, "fermata": fermata}


def parse_voice(text):
    """A voice's text to a list of measures, each a list of events."""
    return [[parse_event(token) for token in measure.split()] for measure in text.split("|")]


def key_alters(fifths):
    """The alteration the key signature gives each step."""
    alters = {step: 0 for step in STEPS}
    order = SHARP_ORDER if fifths >= 0 else SHARP_ORDER[::-1]
    for step in order[:abs(fifths)]:
        alters[step] = 1 if fifths > 0 else -1
    return alters


def midi_number(step, alter, octave):
    return 12 * (octave + 1) + SEMITONES[step] + alter


# ---------------------------------------------------------------------------------------------
# Checks.
# ---------------------------------------------------------------------------------------------

def check_lengths(piece, parsed):
    """Every voice fills every measure; a pickup and the final measure make one full measure."""
    beats, beat_type = piece["time"]
    full = Fraction(beats * 4, beat_type)
    counts = {len(measures) for _, _, measures in parsed}
    if len(counts) != 1:
        raise ValueError(f"{piece['file']}: voices have different measure counts {counts}")
    count = counts.pop()
    for index in range(count):
        lengths = {sum(e["length"] for e in measures[index]) for _, _, measures in parsed}
        if len(lengths) != 1:
            raise ValueError(f"{piece['file']}: measure index {index} lengths differ: {lengths}")
        length = lengths.pop()
        if piece["pickup"] and index == 0:
            pickup = length
            if not 0 < pickup < full:
                raise ValueError(f"{piece['file']}: pickup of {pickup} quarters")
        elif piece["pickup"] and index == count - 1:
            if length + pickup != full:
                raise ValueError(f"{piece['file']}: final {length} + pickup {pickup} != {full}")
        elif length != full:
            raise ValueError(f"{piece['file']}: measure index {index} holds {length} quarters")


def check_chorale(voices):
    """No parallel fifths or octaves between any two of the four parts, no voice crossing."""
    lines = []
    for text in voices:
        events = [e for measure in parse_voice(text) for e in measure]
        lines.append([midi_number(*e["pitches"][0][:3]) for e in events])
    for index in range(len(lines[0])):
        chord = [line[index] for line in lines]
        if chord != sorted(chord, reverse=True):
            raise ValueError(f"voices cross at chorale beat {index}: {chord}")
        if index == 0:
            continue
        for upper in range(4):
            for lower in range(upper + 1, 4):
                before = lines[upper][index - 1] - lines[lower][index - 1]
                after = lines[upper][index] - lines[lower][index]
                both_move = (lines[upper][index] != lines[upper][index - 1]
                             and lines[lower][index] != lines[lower][index - 1])
                if both_move and before % 12 == after % 12 and after % 12 in (0, 7):
                    raise ValueError(f"parallel perfect interval at chorale beat {index} "
                                     f"between voices {upper} and {lower}")


# ---------------------------------------------------------------------------------------------
# Writing MusicXML.
# ---------------------------------------------------------------------------------------------

def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(piece):
    parsed = []
    for part_spec in piece["parts"]:
        for staff, voice, text in part_spec["voices"]:
            parsed.append((staff, voice, parse_voice(text)))
    check_lengths(piece, parsed)

    out = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
           '<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
           '"http://www.musicxml.org/dtds/partwise.dtd">',
           '<score-partwise version="4.0">',
           f'  <work>\n    <work-title>{escape(piece["title"])}</work-title>\n  </work>',
           f'  <movement-title>{escape(piece["title"])}</movement-title>',
           '  <identification>',
           f'    <creator type="composer">{escape(piece["composer"])}</creator>']
    if piece.get("arranger"):
        out.append(f'    <creator type="arranger">{escape(piece["arranger"])}</creator>')
    out += [f'    <rights>{escape(piece["rights"])}</rights>',
            '    <encoding>',
            f'      <software>{SOFTWARE}</software>',
            f'      <encoding-date>{ENCODING_DATE}</encoding-date>',
            '    </encoding>',
            '  </identification>',
            '  <part-list>']
    for number, part_spec in enumerate(piece["parts"], start=1):
        out += [f'    <score-part id="P{number}">',
                f'      <part-name>{escape(part_spec["name"])}</part-name>',
                f'      <part-abbreviation>{escape(part_spec["abbreviation"])}'
                '</part-abbreviation>',
                '    </score-part>']
    out.append('  </part-list>')
    for number, part_spec in enumerate(piece["parts"], start=1):
        out += render_part(piece, number, part_spec)
    out.append('</score-partwise>')
    return "\n".join(out) + "\n"


def render_part(piece, number, part_spec):
    voices = [(staff, voice, parse_voice(text)) for staff, voice, text in part_spec["voices"]]
    count = len(voices[0][2])
    divisions = piece["divisions"]
    fifths = piece["key"][0]
    ties_open = {}
    out = [f'  <part id="P{number}">']
    for index in range(count):
        measure_number = index if piece["pickup"] else index + 1
        implicit = ' implicit="yes"' if piece["pickup"] and index == 0 else ""
        out.append(f'    <measure number="{measure_number}"{implicit}>')

        # Attributes: everything in the first measure, a key change later.
        if index == 0:
            out += render_attributes(piece, part_spec)
        elif measure_number in piece.get("key_changes", {}):
            new_fifths, mode = piece["key_changes"][measure_number]
            fifths = new_fifths
            out += ['      <attributes>',
                    f'        <key>\n          <fifths>{fifths}</fifths>\n'
                    f'          <mode>{mode}</mode>\n        </key>',
                    '      </attributes>']
        if index == 0 and number == 1:
            tempo = piece["tempo"]
            out += ['      <direction placement="above">',
                    '        <direction-type>',
                    '          <metronome>',
                    '            <beat-unit>quarter</beat-unit>',
                    f'            <per-minute>{tempo}</per-minute>',
                    '          </metronome>',
                    '        </direction-type>',
                    f'        <sound tempo="{tempo}"/>',
                    '      </direction>']

        # The voices one after another, with a backup between them.
        shown = {}
        for position, (staff, voice, measures) in enumerate(voices):
            if position > 0:
                length = sum(e["length"] for e in measures[index]) * divisions
                out += ['      <backup>', f'        <duration>{int(length)}</duration>',
                        '      </backup>']
            for event in measures[index]:
                out += render_event(event, staff, voice, len(voices) > 1,
                                    len(part_spec["clefs"]) > 1, divisions, key_alters(fifths),
                                    shown, ties_open)

        barline = piece.get("barlines", {}).get(measure_number)
        if index == count - 1:
            barline = "light-heavy"
        if barline:
            out += ['      <barline location="right">',
                    f'        <bar-style>{barline}</bar-style>',
                    '      </barline>']
        out.append('    </measure>')
    out.append('  </part>')
    return out


def render_attributes(piece, part_spec):
    fifths, mode = piece["key"]
    beats, beat_type = piece["time"]
    clefs = part_spec["clefs"]
    out = ['      <attributes>',
           f'        <divisions>{piece["divisions"]}</divisions>',
           f'        <key>\n          <fifths>{fifths}</fifths>\n          <mode>{mode}</mode>\n'
           '        </key>',
           f'        <time>\n          <beats>{beats}</beats>\n'
           f'          <beat-type>{beat_type}</beat-type>\n        </time>']
    if len(clefs) > 1:
        out.append(f'        <staves>{len(clefs)}</staves>')
    for staff, (sign, line, octave_change) in enumerate(clefs, start=1):
        number = f' number="{staff}"' if len(clefs) > 1 else ""
        out.append(f'        <clef{number}>\n          <sign>{sign}</sign>\n'
                   f'          <line>{line}</line>')
        if octave_change:
            out.append(f'          <clef-octave-change>{octave_change}</clef-octave-change>')
        out.append('        </clef>')
    out.append('      </attributes>')
    return out


def render_event(event, staff, voice, several_voices, several_staves, divisions, alters, shown,
                 ties_open):
    duration = event["length"] * divisions
    if duration.denominator != 1:
        raise ValueError(f"divisions {divisions} cannot express {event['length']} quarters")
    out = []
    pitches = event["pitches"] or [None]
    for position, pitch in enumerate(pitches):
        lines = ['      <note>']
        if position > 0:
            lines.append('        <chord/>')
        tie_stop = tie_start = False
        accidental = None
        if pitch is None:
            lines.append('        <rest/>')
        else:
            step, alter, octave, tie_start = pitch
            tie_stop = ties_open.pop((voice, step, alter, octave), False)
            if tie_start:
                ties_open[(voice, step, alter, octave)] = True

            # An accidental where the sounding pitch differs from what the reader expects.
            expected = shown.get((staff, step, octave), alters[step])
            if alter != expected and not tie_stop:
                accidental = ACCIDENTAL_NAMES[alter]
            shown[(staff, step, octave)] = alter
            lines.append(f'        <pitch>\n          <step>{step}</step>')
            if alter:
                lines.append(f'          <alter>{alter}</alter>')
            lines.append(f'          <octave>{octave}</octave>\n        </pitch>')
        lines.append(f'        <duration>{int(duration)}</duration>')
        if tie_stop:
            lines.append('        <tie type="stop"/>')
        if tie_start:
            lines.append('        <tie type="start"/>')
        lines.append(f'        <voice>{voice}</voice>')
        lines.append(f'        <type>{event["type"]}</type>')
        lines += ['        <dot/>'] * event["dots"]
        if accidental:
            lines.append(f'        <accidental>{accidental}</accidental>')
        if pitch is not None and several_voices and not several_staves:
            lines.append(f'        <stem>{"up" if voice % 2 == 1 else "down"}</stem>')
        if several_staves:
            lines.append(f'        <staff>{staff}</staff>')
        notations = []
        if tie_stop:
            notations.append('          <tied type="stop"/>')
        if tie_start:
            notations.append('          <tied type="start"/>')
        if event["fermata"]:
            notations.append('          <fermata type="upright"/>')
        if notations:
            lines += ['        <notations>'] + notations + ['        </notations>']
        lines.append('      </note>')
        out += lines
    return out


def main():
    for make in PIECES:
        piece = make()
        text = render(piece)
        xml.dom.minidom.parseString(text.encode("utf-8"))
        path = os.path.join(HERE, piece["file"])
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        print(f"wrote {piece['file']}")


if __name__ == "__main__":
    main()
