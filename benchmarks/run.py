"""Measure msp the way users meet it: whole commands, several runs each, median and spread, peak memory.

    python benchmarks/run.py                       # 1,000, 10,000 and 100,000 cases
    python benchmarks/run.py --sizes 1000 --runs 3 # a quick look

Each size gets a demonstration database made with `msp demo`; every command runs as its own
process (as a user would run it), and its peak memory is read from the operating system.
Beside msp, in the same run: `sqlite-utils --help` and `sqlite-utils tables` on the same file,
and `sqlite3` reading every row of the case tables (what the machine can do). Prints Markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from msp_cli.storage.sqlite.case_store import CASE_TABLES

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
REPORTS = ("outcomes", "sac", "desired", "capacity", "time", "feedback")


@dataclass
class Result:
    name: str
    seconds: list[float]
    peak_mb: float

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def row(self) -> str:
        spread = f"{min(self.seconds):.3f}-{max(self.seconds):.3f}" if len(self.seconds) > 1 else "-"
        return f"| {self.name} | {self.median:.3f} | {spread} | {len(self.seconds)} | {self.peak_mb:.0f} |"


def run_once(argv: list[str], env: dict[str, str], *, before: object = None) -> tuple[float, float]:
    """Seconds and peak memory (MB) of one run of ARGV as its own process."""
    if callable(before):
        before()
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"failed ({child.returncode}): {' '.join(argv)}")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def measure(name: str, argv: list[str], env: dict[str, str], runs: int, before: object = None) -> Result:
    times, peaks = [], []
    for _ in range(runs):
        seconds, peak = run_once(argv, env, before=before)
        times.append(seconds)
        peaks.append(peak)
    result = Result(name, times, max(peaks))
    print(f"  {name}: {result.median:.3f} s", file=sys.stderr)
    return result


def wizard_open(env: dict[str, str], runs: int) -> Result:
    """From `msp case new` to its first question on the screen, in a real pseudo-terminal."""
    import pexpect

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        child = pexpect.spawn(
            str(BIN / "msp"), ["case", "new"], env={**env, "PROMPT_TOOLKIT_NO_CPR": "1"}, encoding="utf-8", timeout=30
        )
        child.expect_exact("Case reference")
        times.append(time.perf_counter() - start)
        child.sendintr()
        child.expect(pexpect.EOF)
        child.close()
    return Result("msp case new (to the first question)", times, float("nan"))


def bench_size(size: int, work: Path, runs: int, heavy_runs: int) -> list[Result]:
    print(f"size {size}", file=sys.stderr)
    db = work / f"demo-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = {**os.environ, "MSP_DB": str(db), "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("MSP_PASSPHRASE", None)
    # as on a user's machine: Python keeps compiled modules, so only the first run compiles them
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    msp = [str(BIN / "msp")]
    results = [measure(f"msp demo --cases {size}", [*msp, "demo", "--cases", str(size), "--replace"], env, 1)]
    for warm_up in (["--help"], ["report", "outcomes"], ["case", "list"], ["export", str(work / "warm.xlsx")]):
        run_once([*msp, *warm_up], env)  # not timed: writes the compiled modules a first run leaves behind
        (work / "warm.xlsx").unlink(missing_ok=True)
    cases_file = work / f"cases-{size}.jsonl"
    cases_file.unlink(missing_ok=True)
    run_once([*msp, "export", str(cases_file), "--identifiable", "--reason", "benchmark", "--yes"], env)
    conn = sqlite3.connect(db)
    case_ref = conn.execute("SELECT case_ref FROM safeguarding_case ORDER BY id DESC LIMIT 1").fetchone()[0]
    conn.close()
    results += [
        measure("msp --help", [*msp, "--help"], env, runs),
        measure("msp --version", [*msp, "--version"], env, runs),
        measure("sqlite-utils --help", [str(BIN / "sqlite-utils"), "--help"], env, runs),
        measure("sqlite-utils tables (same file)", [str(BIN / "sqlite-utils"), "tables", str(db)], env, runs),
        measure(
            "sqlite3 reading every row of the case tables",
            ["sqlite3", str(db), *(f"SELECT * FROM {t};" for t in CASE_TABLES)],  # noqa: S608
            env,
            runs,
        ),
        measure("msp case list (first page)", [*msp, "case", "list"], env, runs),
        measure("msp case show", [*msp, "case", "show", case_ref], env, runs),
        wizard_open(env, runs),
    ]
    for report in REPORTS:
        results.append(measure(f"msp report {report}", [*msp, "report", report, "--year", "2025-26"], env, runs))
        results.append(measure(f"msp report {report} --json", [*msp, "report", report, "--json"], env, runs))
    results.append(
        measure("msp report breakdown --by risk-type", [*msp, "report", "breakdown", "--by", "risk-type"], env, runs)
    )
    results.append(measure("msp audit", [*msp, "audit"], env, runs))
    for fmt, name in (("jsonl", "x.jsonl"), ("csv", "x-csv"), ("xlsx", "x.xlsx")):
        target = work / name

        def clear(target: Path = target) -> None:
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)

        results.append(
            measure(
                f"msp export --format {fmt}",
                [*msp, "export", str(target), "--format", fmt],
                env,
                heavy_runs,
                before=clear,
            )
        )
    fresh = work / f"import-{size}.db"

    def new_database() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(fresh) + suffix).unlink(missing_ok=True)
        subprocess.run([*msp, "--db", str(fresh), "init"], env=env, check=True, capture_output=True)

    results.append(
        measure(
            f"msp import ({size} cases)",
            [*msp, "--db", str(fresh), "import", str(cases_file)],
            env,
            heavy_runs,
            before=new_database,
        )
    )
    return results


QUERIES = {
    "outcomes (enquiries concluded in the period)": (
        "SELECT COUNT(*) FROM safeguarding_case c JOIN closure cl ON cl.case_id = c.id AND cl.reopened_on IS NULL"
        " WHERE cl.concluded BETWEEN '2025-04-01' AND '2026-03-31' AND c.enquiry_type IN ('Section 42', 'Other')"
    ),
    "sac SG2a (risk types of concluded Section 42 enquiries)": (
        "SELECT rt.risk_type, COUNT(*) FROM safeguarding_case c JOIN closure cl ON cl.case_id = c.id"
        " AND cl.reopened_on IS NULL JOIN case_risk_type rt ON rt.case_id = c.id"
        " WHERE cl.concluded BETWEEN '2025-04-01' AND '2026-03-31' AND c.enquiry_type = 'Section 42'"
        " GROUP BY rt.risk_type"
    ),
    "case list (newest first page)": (
        "SELECT c.case_ref FROM safeguarding_case c JOIN person p ON p.id = c.person_id"
        " LEFT JOIN closure cl ON cl.case_id = c.id AND cl.reopened_on IS NULL"
        " ORDER BY c.concern_received DESC, c.id DESC LIMIT 50"
    ),
    "history of one case": "SELECT * FROM audit_log WHERE row_key = 'C-2025-000001' ORDER BY id",
}


def query_plans(db: Path) -> str:
    conn = sqlite3.connect(db)
    out = []
    for name, sql in QUERIES.items():
        plan = "\n".join(f"    {row[3]}" for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        out.append(f"{name}:\n{plan}")
    conn.close()
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5, help="runs of each quick command")
    parser.add_argument("--heavy-runs", type=int, default=3, help="runs of each import and export")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    args.work.mkdir(exist_ok=True, mode=0o700)
    sizes = [int(s) for s in args.sizes.split(",")]
    by_size = {size: bench_size(size, args.work, args.runs, args.heavy_runs) for size in sizes}
    cpu = platform.processor() or platform.machine()
    print(
        f"Machine: {platform.platform()}, {cpu}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" SQLite {sqlite3.sqlite_version}\n"
    )
    for size, results in by_size.items():
        print(f"### {size:,} cases\n")
        print("| command | median s | min-max s | runs | peak MB |\n|---|---|---|---|---|")
        for r in results:
            print(r.row())
        print()
    if len(sizes) > 1:
        print("### How cost grows (median seconds)\n")
        print("| command | " + " | ".join(f"{s:,}" for s in sizes) + " |")
        print("|---|" + "---|" * len(sizes))
        for i, first in enumerate(by_size[sizes[0]]):
            name = first.name.replace(f" {sizes[0]}", " N").replace(f"({sizes[0]} cases)", "(N cases)")
            print(f"| {name} | " + " | ".join(f"{by_size[s][i].median:.3f}" for s in sizes) + " |")
        print()
    print("### Query plans\n\n```")
    print(query_plans(args.work / f"demo-{sizes[-1]}.db"))
    print("```")


if __name__ == "__main__":
    main()
