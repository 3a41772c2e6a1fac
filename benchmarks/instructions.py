"""The import's work counted in instructions (valgrind's callgrind), which a shared machine cannot blur.

    python benchmarks/instructions.py benchmarks/work/cases-10000.jsonl

On this machine wall and CPU times swing by a quarter from one minute to the next, more than
most changes to the import save. Instructions do not: this counts, for the same file, the work
of each side of the import pipeline, each in a process of its own under callgrind:

- workers: reading, parsing and checking every line and making each case's rows and audit text
  (one worker taking every batch), as import_pipeline.work does;
- writer: msp's own process taking those batches (made once beforehand, not counted) and
  writing them into a new database, as `msp import` does.

Each figure has the same process's start-up subtracted (imports, and reading the prepared
batches), so what is printed is the work that grows with the file. Needs valgrind
(apt-get install valgrind); slow: about a minute for 10,000 cases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BATCH_LINES = 500


class Batches:
    """A stand-in for a worker's pipe: keeps what the worker sends."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, message: tuple[Any, ...]) -> None:
        self.sent.append(message[1])


def work(cases: Path) -> list[bytes]:
    """Every batch of CASES as one worker taking them all would send them."""
    from msp_cli import import_pipeline

    out = Batches()
    import_pipeline.work(str(cases), dt.date.today().isoformat(), 0, 1, BATCH_LINES, True, out)
    return out.sent


def write(batches: Path, db: Path) -> None:
    from msp_cli import import_pipeline, interchange
    from msp_cli.storage import open_storage

    packed = pickle.loads(batches.read_bytes())  # noqa: S301 (made by this script)
    store = open_storage(db, worker="instructions")
    checked = (line for batch in packed for line in import_pipeline._unpack(batch))
    interchange.import_objects(store, (), checked=checked, demo_marker_from="instructions")
    store.close()


def counted(*args: str) -> int:
    """Instructions of `python instructions.py ARGS` under callgrind."""
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={scratch}/out", sys.executable, __file__, *args],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
        )
    found = re.search(r"Collected : (\d+)", result.stderr)
    assert found, result.stderr[-500:]
    return int(found.group(1))


def new_database(folder: Path, name: str) -> Path:
    db = folder / name
    subprocess.run(
        [sys.executable, "-m", "msp_cli", "--db", str(db), "init", "--worker", "instructions", "--team", "bench"],
        check=True,
        capture_output=True,
    )
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", type=Path, help="a JSON Lines file of cases (benchmarks/work/cases-N.jsonl)")
    parser.add_argument("--role", choices=("count", "work", "write"), default="count", help=argparse.SUPPRESS)
    parser.add_argument("--batches", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "work":
        work(args.cases)
        return
    if args.role == "write":
        write(args.batches, args.db)
        return
    lines = [line for line in args.cases.read_text(encoding="utf-8").splitlines(keepends=True) if line.strip()]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        first = folder / "first.jsonl"  # one batch: the same start-up, a fraction of the work
        first.write_text("".join(lines[:BATCH_LINES]), encoding="utf-8")
        figures = {}
        for name, cases in (("all", args.cases), ("first", first)):
            batches = folder / f"{name}.pickle"
            batches.write_bytes(pickle.dumps(work(cases)))
            db = new_database(folder, f"{name}.db")
            figures[name] = (
                counted(str(cases), "--role", "work"),
                counted(str(cases), "--role", "write", "--batches", str(batches), "--db", str(db)),
            )
    more = len(lines) - min(len(lines), BATCH_LINES)
    print(f"{len(lines):,} lines of {args.cases}: instructions a case, start-up left out")
    for side, i in (("workers (read, parse, check, make rows)", 0), ("writer (ids, audit, SQLite)", 1)):
        print(f"  {side}: {(figures['all'][i] - figures['first'][i]) / max(more, 1):,.0f}")


if __name__ == "__main__":
    main()
