#!/usr/bin/env python3
"""Check that music21, an independent reader, opens what `music-mcp convert` writes.

For every MusicXML file of a corpus folder, this converts it with our binary to MusicXML,
compressed MusicXML, MIDI and ABC, parses each output with music21, and compares with
music21's own parse of the original: the MusicXML outputs must give the same number of parts
and the same notes and chords per part; MIDI and ABC outputs must parse, with one part per
sounding part (MIDI) or at least one part (ABC, which has fewer constructs).

music21 is a check here, not a dependency: run this from a throwaway virtual environment,

    python3 -m venv /tmp/m21 && /tmp/m21/bin/pip install music21
    /tmp/m21/bin/python scripts/music21_reads_our_exports.py \
        --bin target/release/music-mcp --corpus ../shared/corpus [--limit N]

Exit status 0 when every output parsed and agreed, 1 otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings


def parse(path):
    import music21
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score = music21.converter.parse(path, forceSource=True)
    if isinstance(score, music21.stream.Opus):
        score = score.scores[0]
    parts = list(score.parts)
    return [len(p.recurse().notes) for p in parts]


def musicxml_files(corpus):
    for root, _, names in os.walk(corpus):
        for name in sorted(names):
            if name.endswith((".mxl", ".xml", ".musicxml")):
                yield os.path.join(root, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()

    files = sorted(musicxml_files(args.corpus))
    if args.limit:
        files = files[: args.limit]
    totals = {fmt: [0, 0] for fmt in ("musicxml", "mxl", "mid", "abc")}
    problems = []
    with tempfile.TemporaryDirectory() as out:
        for index, source in enumerate(files):
            name = os.path.relpath(source, args.corpus)
            try:
                original = parse(source)
            except Exception as err:  # music21 itself cannot read the source: not ours
                print(f"skip {name}: music21 cannot read the original: {err}")
                continue
            for fmt in totals:
                target = os.path.join(out, f"{index}.{fmt}")
                run = subprocess.run([args.bin, "convert", source, target],
                                     capture_output=True, text=True)
                totals[fmt][1] += 1
                if run.returncode != 0:
                    problems.append(f"{name} -> {fmt}: convert failed: {run.stderr.strip()}")
                    continue
                try:
                    ours = parse(target)
                except Exception as err:
                    problems.append(f"{name} -> {fmt}: music21 cannot parse it: {err}")
                    continue
                if fmt in ("musicxml", "mxl") and ours != original:
                    problems.append(f"{name} -> {fmt}: notes per part {ours}, "
                                    f"music21 read {original} from the original")
                    continue
                sounding = len([n for n in original if n > 0])
                if fmt == "mid" and len(ours) != sounding:
                    problems.append(f"{name} -> mid: {len(ours)} parts, {sounding} expected")
                    continue
                if fmt == "abc" and not ours:
                    problems.append(f"{name} -> abc: no parts")
                    continue
                totals[fmt][0] += 1
    for fmt, (ok, all_) in totals.items():
        print(f"{fmt:<9} {ok}/{all_} outputs parsed by music21 and agreed")
    for problem in problems:
        print("PROBLEM", problem)
    print(json.dumps({"files": len(files), "totals": totals, "problems": len(problems)}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
