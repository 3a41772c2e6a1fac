"""A larger import file from a smaller one: its cases TIMES over, references made new in each copy.

    python benchmarks/widen.py benchmarks/work/cases-100000.jsonl 10 benchmarks/work/cases-1000000.jsonl

`msp demo --cases 1000000` takes most of an hour; this takes under a minute. Copy k (from 1)
appends "-k" to every case_ref and person reference, so the cases stay valid and distinct and
people recur only within a copy, as in the original. The demonstration-data marker, if the
file begins with one, is written once, first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def widen(source: Path, times: int, target: Path) -> int:
    """Write TARGET; returns the cases written."""
    written = 0
    with target.open("w", encoding="utf-8") as out:
        for copy in range(times):
            with source.open(encoding="utf-8") as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    case = json.loads(line)
                    if "case_ref" not in case:  # the demonstration marker
                        if copy == 0:
                            out.write(line)
                        continue
                    if copy:
                        case["case_ref"] = f"{case['case_ref']}-{copy}"
                        case["person"]["ref"] = f"{case['person']['ref']}-{copy}"
                    out.write(json.dumps(case, ensure_ascii=False) + "\n")
                    written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("times", type=int)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    if args.target.exists():
        sys.exit(f"{args.target} exists; give a new file name")
    print(f"{widen(args.source, args.times, args.target):,} cases in {args.target}", file=sys.stderr)


if __name__ == "__main__":
    main()
