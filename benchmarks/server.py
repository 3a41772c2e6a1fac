"""msp on a PostgreSQL server beside SQLite: importing N cases, and every report, as each role runs them.

    MSP_BENCH_PG=postgresql://postgres@/postgres?host=/tmp/msp-pg&port=54329 \\
        python benchmarks/server.py --cases 100000 --runs 3

The URL is a superuser's on a throwaway server (.ci/pg-server start prints one): a database and
three logins (a manager, a worker and an auditor, all of team North) are made for the run and
dropped after. The cases are a demonstration set (`msp demo`), exported identifiable and imported
with `msp import` into a new SQLite file and into the server database (as its owner); then each
report runs as its own process on the file and on the server as the owner (not under row-level
security) and as each role's login (under it). Prints Markdown: seconds (median of RUNS, whole
commands) and each one's ratio to SQLite (the target: within 2x). A worker's reports count their
own team's cases only (about a quarter of the demonstration's); the rest count every case.
A report a login may not run is shown with the first line msp said instead of a time.

A second table times the same commands from the moment msp starts, after Python has started and
psycopg has been imported (in both: SQLite's run imports it too and never uses it). The driver's
import is a fixed cost of every server command, about 0.15-0.2 s on this machine whatever the
data; the second table shows what the server itself costs a report beside SQLite.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

BREAKDOWNS = ("risk-type", "location", "source", "age-band", "sex", "ethnicity", "support-reason", "team",
              "worker", "response")  # fmt: skip
REPORTS = (
    *(f"{name} --json" for name in ("outcomes", "sac", "desired", "capacity", "time", "feedback")),
    *(f"breakdown --by {by} --json" for by in BREAKDOWNS),
    # no --json: the HTML file, its numbers drawn as charts; and with people's own words (names blanked)
    "board --html {out}",
    "board --with-quotes --html {out}",
)
YEAR = "2025-26"
ROLES = ("manager", "worker", "auditor")


class Refused(Exception):
    """msp said no (exit code 1): the first line of what it said."""


def msp(*args: str, db: str, stdin: str | None = None) -> float:
    """Seconds for one `msp ARGS` on DB as its own process."""
    env = {**os.environ, "MSP_DB": db}
    env.pop("MSP_WORKER", None)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "msp_cli", *args], env=env, capture_output=True,
                          input=stdin.encode() if stdin else None)  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        said = (done.stdout + done.stderr).decode(errors="replace").strip().splitlines()
        raise Refused(said[0] if said else f"exit code {done.returncode}")
    return seconds


# msp run in-process after the driver's import; prints the seconds from msp's start to its end
AFTER_DRIVER = """import sys, time
import psycopg
sys.argv = ["msp", *sys.argv[1:]]
start = time.perf_counter()
try:
    from msp_cli.entry import main
    main()
    code = 0
except SystemExit as stop:
    code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
sys.stdout.flush()
print(f"seconds={time.perf_counter() - start:.6f}", file=sys.stderr)
sys.exit(code)
"""


def msp_after_driver(*args: str, db: str) -> float:
    """Seconds of one `msp ARGS` on DB from msp's start, Python and psycopg already loaded."""
    env = {**os.environ, "MSP_DB": db}
    env.pop("MSP_WORKER", None)
    done = subprocess.run([sys.executable, "-c", AFTER_DRIVER, *args], env=env, capture_output=True)
    said = done.stderr.decode(errors="replace").strip().splitlines()
    if done.returncode != 0 or not said or not said[-1].startswith("seconds="):
        lines = (done.stdout + done.stderr).decode(errors="replace").strip().splitlines()
        raise Refused(lines[0] if lines else f"exit code {done.returncode}")
    return float(said[-1].removeprefix("seconds="))


def url_for(admin: str, dbname: str, user: str | None = None) -> str:
    parts = urlsplit(admin)
    host = parts.netloc.rsplit("@", 1)[-1]
    login = user or parts.username
    return urlunsplit(parts._replace(path="/" + dbname, netloc=f"{login}@{host}" if login else host))


def median_or_refusal(argv: list[str], db: str, runs: int, out: Path, timed: Callable[..., float] = msp) -> float | str:
    """The median seconds of RUNS runs (each writing any file to a new name in OUT); or what msp said."""
    try:
        return statistics.median(
            timed(*(a.replace("{out}", str(out / f"{uuid.uuid4().hex}.html")) for a in argv), db=db)
            for _ in range(runs)
        )
    except Refused as refusal:
        return str(refusal)


def cell(seconds: float | str, sqlite_s: float | str | None = None) -> str:
    """Seconds, with the ratio to SQLite's (where both ran); or what msp said instead."""
    if isinstance(seconds, str):
        return f"cannot: {seconds}"
    if not isinstance(sqlite_s, float):
        return f"{seconds:.2f}"
    return f"{seconds:.2f} ({seconds / sqlite_s:.2f}x)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reports", nargs="*", default=REPORTS, help="which reports (default: every one)")
    args = parser.parse_args()
    admin = os.environ["MSP_BENCH_PG"]
    suffix = uuid.uuid4().hex[:8]
    name = f"msp_bench_{suffix}"
    logins = {role: f"bench_{role}_{suffix}" for role in ROLES}
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server = url_for(admin, name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            demo, sqlite_db, cases = Path(tmp, "demo.db"), Path(tmp, "imported.db"), Path(tmp, "cases.jsonl")
            msp("demo", "--cases", str(args.cases), db=str(demo))
            msp("export", str(cases), "--identifiable", "--reason", "benchmark", "--yes", db=str(demo))
            msp("init", "--worker", "Bench", "--team", "North", db=str(sqlite_db))
            msp("init", "--team", "North", db=server)
            for role, login in logins.items():
                msp("user", "add", login, "--team", "North", "--role", role, "--password-stdin",
                    db=server, stdin="bench-only\n")  # fmt: skip
            file_import = msp("import", str(cases), db=str(sqlite_db))
            server_import = msp("import", str(cases), db=server)
            targets = {"SQLite": str(sqlite_db), "owner": server}
            targets.update({role: url_for(admin, name, login) for role, login in logins.items()})
            rows = [f"| import {args.cases:,} cases | {file_import:.2f} | {cell(server_import, file_import)} |"
                    + " |" * len(ROLES)]  # fmt: skip
            after_driver: list[str] = []
            for report in args.reports:
                argv = ["report", *report.split(), "--year", YEAR]
                for table, timed in ((rows, msp), (after_driver, msp_after_driver)):
                    times = {target: median_or_refusal(argv, db, args.runs, Path(tmp), timed)
                             for target, db in targets.items()}  # fmt: skip
                    file_s = times.pop("SQLite")
                    table.append(f"| report {report.replace(' {out}', ' FILE')} | {cell(file_s)} | "
                                 + " | ".join(cell(s, file_s) for s in times.values()) + " |")  # fmt: skip
        heading = "| command | SQLite | server: owner | manager | worker (own team) | auditor |\n" + "|---" * 6 + "|"
        print(f"{args.cases:,} cases, median of {args.runs} runs each (seconds, whole commands; import: one run),")
        print(f"in brackets the ratio to SQLite; {platform.platform()}, {os.cpu_count()} cores\n")
        print(heading)
        print("\n".join(rows))
        print("\nThe same reports from msp's start, after Python's start and psycopg's import (in both):\n")
        print(heading)
        print("\n".join(after_driver))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for login in logins.values():
                conn.execute(f'DROP ROLE IF EXISTS "{login}"')


if __name__ == "__main__":
    main()
