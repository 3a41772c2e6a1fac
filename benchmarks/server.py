"""msp on a PostgreSQL server beside SQLite: importing N cases, and every report, as users run them.

    MSP_BENCH_PG=postgresql://postgres@/postgres?host=/tmp/msp-pg&port=54329 \\
        python benchmarks/server.py --cases 100000 --runs 3

The URL is a superuser's on a throwaway server (.ci/pg-server start prints one): a database is
made for the run and dropped after. The cases are a demonstration set (`msp demo`), exported
identifiable and imported with `msp import` into a new SQLite file and into the server database;
then each report runs as its own process on both, as the owner and as a manager login (whose
row-level security policies are evaluated). Prints Markdown: seconds (median of RUNS) and the
server's ratio to SQLite (the target is within 2x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

REPORTS = ("outcomes", "sac", "desired", "capacity", "time", "feedback", "breakdown --by risk-type")
YEAR = "2025-26"


def msp(*args: str, db: str, stdin: str | None = None) -> float:
    """Seconds for one `msp --db DB ARGS` as its own process."""
    env = {**os.environ, "MSP_DB": db}
    env.pop("MSP_WORKER", None)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "msp_cli", *args], env=env, check=True, stdout=subprocess.DEVNULL,
                   input=stdin.encode() if stdin else None)  # fmt: skip
    return time.perf_counter() - start


def url_for(admin: str, dbname: str, user: str | None = None) -> str:
    parts = urlsplit(admin)
    host = parts.netloc.rsplit("@", 1)[-1]
    login = user or parts.username
    return urlunsplit(parts._replace(path="/" + dbname, netloc=f"{login}@{host}" if login else host))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    admin = os.environ["MSP_BENCH_PG"]
    name = f"msp_bench_{uuid.uuid4().hex[:8]}"
    manager = f"bench_mgr_{uuid.uuid4().hex[:6]}"
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
            msp("user", "add", manager, "--team", "North", "--role", "manager", "--password-stdin",
                db=server, stdin="bench-only\n")  # fmt: skip
            rows = [f"| import {args.cases:,} cases | {msp('import', str(cases), db=str(sqlite_db)):.2f} |"
                    f" {msp('import', str(cases), db=server):.2f} | | |"]  # fmt: skip
            as_manager = url_for(admin, name, manager)
            for report in REPORTS:
                argv = ("report", *report.split(), "--year", YEAR, "--json")
                times = {
                    db: statistics.median(msp(*argv, db=db) for _ in range(args.runs))
                    for db in (str(sqlite_db), server, as_manager)
                }
                file_s, owner_s, manager_s = times.values()
                rows.append(
                    f"| report {report} | {file_s:.2f} | {owner_s:.2f} | {manager_s:.2f} | {manager_s / file_s:.2f}x |"
                )
        print(f"{args.cases:,} cases, median of {args.runs} runs each (seconds, whole commands)\n")
        print("| command | SQLite | server (owner) | server (manager, RLS) | manager / SQLite |")
        print("|---|---|---|---|---|")
        print("\n".join(rows))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP ROLE IF EXISTS "{manager}"')


if __name__ == "__main__":
    main()
