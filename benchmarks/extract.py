"""A council's extract against JSON Lines: the same cases imported both ways, whole commands.

    python benchmarks/extract.py                  # a 100,000-row CSV extract, 3 runs each
    python benchmarks/extract.py --rows 10000 --runs 1
    python benchmarks/extract.py --reuse           # the same cases as the last run of this size

A demonstration database gives the cases; they are exported as JSON Lines and written as a
council-style CSV extract (one row per desired outcome, local labels, UK dates: the extract of
tests/test_extract_demo.py), cut at whole cases to the number of rows asked for, and the JSON
Lines cut to the same cases. Each import goes into a new database. Target: the extract within
2x of the JSON Lines. Prints Markdown.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sqlite3
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests.extract_fixture makes the extract

from run import BIN, Command, Sample, run_once  # noqa: E402 (benchmarks/run.py, beside this file)

from tests.extract_fixture import mapping_toml, to_extract  # noqa: E402

ROWS_PER_CASE = 1.1  # fewer than the demo's desired outcomes per case (about 1.15): enough cases for the rows


def make_cases(work: Path, everything: Path, rows: int, msp: list[str], env: dict[str, str]) -> None:
    """A demonstration database with enough cases for ROWS rows, exported as identifiable JSON Lines."""
    demo = work / f"extract-demo-{rows}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{demo}{suffix}").unlink(missing_ok=True)
    cases_wanted = int(rows / ROWS_PER_CASE) + 1000
    print(f"demo of {cases_wanted} cases", file=sys.stderr)
    run_once(Command("demo", [*msp, "--db", str(demo), "demo", "--cases", str(cases_wanted), "--replace"], env))
    everything.unlink(missing_ok=True)
    export = [*msp, "--db", str(demo), "export", str(everything), "--identifiable", "--reason", "bench", "--yes"]
    run_once(Command("export", export, env))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the cases of an earlier run of this size")
    args = parser.parse_args()
    work = HERE / "work"
    work.mkdir(exist_ok=True)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("MSP_PASSPHRASE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    msp = [str(BIN / "msp")]
    everything = work / f"extract-all-{args.rows}.jsonl"
    if not (args.reuse and everything.exists()):
        make_cases(work, everything, args.rows, msp, env)
    extract = work / f"extract-{args.rows}.csv"
    # lines are streamed, never all held: a child's peak memory counts the process it was forked from
    with everything.open(encoding="utf-8") as lines:
        rows, cases = to_extract(lines, extract, max_rows=args.rows)
    if rows < args.rows:
        raise SystemExit(f"the demo gave only {rows} rows; raise ROWS_PER_CASE's margin")
    same_cases = work / f"extract-{args.rows}.jsonl"
    with everything.open(encoding="utf-8") as source, same_cases.open("w", encoding="utf-8") as out:
        out.writelines(itertools.islice((line for line in source if '"case_ref"' in line), cases))  # no demo marker
    mapping = work / f"extract-map-{args.rows}.toml"
    mapping.write_text(mapping_toml(), encoding="utf-8")
    fresh = work / f"extract-import-{args.rows}.db"  # every file named by its size: runs may overlap

    def new_database() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fresh}{suffix}").unlink(missing_ok=True)
        subprocess.run([*msp, "--db", str(fresh), "init"], env=env, check=True, capture_output=True)

    into = [*msp, "--db", str(fresh), "import"]
    commands = {
        f"msp import ({cases} cases, JSON Lines)": [*into, str(same_cases)],
        f"msp import --map ({rows} rows, {cases} cases, CSV)": [*into, str(extract), "--map", str(mapping)],
        f"msp import --map --dry-run ({rows} rows)": [*into, str(extract), "--map", str(mapping), "--dry-run"],
    }
    # taken in turn, run after run: on a shared machine the load drifts, and each command meets it alike
    taken = {name: Sample() for name in commands}
    for _ in range(args.runs):
        for name, argv in commands.items():
            got = run_once(Command(name, argv, env, before=new_database))
            taken[name].seconds.append(got.seconds)
            taken[name].peaks.append(got.peak)
            print(f"  {name}: {got.seconds:.3f} s (CPU {got.cpu:.2f} s, load average {got.load:.1f})", file=sys.stderr)
    results = list(taken.values())
    conn = sqlite3.connect(fresh)  # the last import was a dry run: nothing written
    assert conn.execute("SELECT count(*) FROM safeguarding_case").fetchone()[0] == 0
    conn.close()
    ratio = results[1].median / results[0].median
    paired = [e / j for j, e in zip(results[0].seconds, results[1].seconds, strict=True)]  # the same round each
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    python = platform.python_version()
    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {python}; load average after: {load}\n")
    print(f"Extract: {extract.stat().st_size / 1e6:.1f} MB CSV; JSON Lines: {same_cases.stat().st_size / 1e6:.1f} MB\n")
    print("| command | median s | min-max s | runs | peak MB |\n|---|---|---|---|---|")
    for name, result in taken.items():
        print(f"| {name} | {result.median:.2f} | {result.spread()} | {len(result.seconds)} | {result.peak:.0f} |")
    print(f"\nThe extract takes {ratio:.2f}x the time of the same cases from JSON Lines (target: within 2x);")
    print("round by round: " + ", ".join(f"{r:.2f}x" for r in paired) + ".")


if __name__ == "__main__":
    main()
