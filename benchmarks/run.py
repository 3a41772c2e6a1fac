"""Issue 17's results table: each msp figure beside its yardstick, measured in the same run.

    python benchmarks/run.py                                   # 10,000, 100,000 and 1,000,000 cases
    python benchmarks/run.py --sizes 10000 --runs 3            # a quick look (about a minute)
    python benchmarks/run.py --sizes 100000 --only report,audit --runs 5

Every command runs as its own process, as a user runs it; its time is wall-clock and its peak
memory the maximum resident set size the operating system reports (wait4); its CPU seconds and
the load average beside it are printed with the progress. Each msp figure and its yardstick
run in turn, run by run, so load that drifts meets both alike; the table
gives medians, the ratio msp / yardstick and the issue's target. Databases (`msp demo --cases
N`) and the cases exported from them are cached in benchmarks/work/ (not committed), so a
re-run measures without remaking them; --fresh remakes them. Query plans are those of the
reports' real queries: each report runs in this process with sqlite3's trace callback, and
every SELECT it ran is explained (EXPLAIN QUERY PLAN), so the plans follow the code.
Prints Markdown on standard output; progress on standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
REPORTS = ("outcomes", "sac", "desired", "capacity", "time", "feedback")
REPORT_ARGS = [[r, "--json"] for r in REPORTS] + [["breakdown", "--by", "risk-type", "--json"]]
EXCEL_CASES = 100_000  # xlsx exports are measured up to this many cases (a workbook is built in memory)


def case_tables() -> tuple[str, ...]:
    from msp_cli.storage.sqlite.case_store import CASE_TABLES

    return tuple(CASE_TABLES)


@dataclass
class Sample:
    """Several runs of one command: seconds and peak MB of each."""

    seconds: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds of each run
    loads: list[float] = field(default_factory=list)  # the 1-minute load average as each run ended

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.peaks)

    def spread(self) -> str:
        return f"{min(self.seconds):.2f}-{max(self.seconds):.2f}" if len(self.seconds) > 1 else "-"


@dataclass
class Command:
    label: str  # as shown in the table
    argv: list[str]
    env: dict[str, str]
    before: Callable[[], None] | None = None  # untimed set-up before each run (a fresh file)
    short: str = ""  # shown instead of the whole command line where that is too long for a table

    def shown(self) -> str:
        """The command that reproduces the line, from the repository's root."""
        if self.short:
            return self.short
        extra = {k: v for k, v in self.env.items() if k == "MSP_DB"}
        words = [f"{k}={_rel(v)}" for k, v in extra.items()]
        words += [_rel(a) if i else Path(a).name for i, a in enumerate(self.argv)]
        return " ".join(shlex.quote(w) if "=" not in w else w for w in words)


@dataclass
class Figure:
    group: str  # for --only
    msp: Command
    yardstick: Command | None
    target: float | None = None  # ratio msp / yardstick that the issue asks for
    limit: str = ""  # an absolute target where the issue gives one (at 1,000,000 cases)
    heavy: bool = False  # imports and exports: --heavy-runs
    result: Sample = field(default_factory=Sample)
    yard: Sample = field(default_factory=Sample)

    @property
    def ratio(self) -> float | None:
        return self.result.median / self.yard.median if self.yardstick and self.yard.seconds else None


def _rel(text: str) -> str:
    with contextlib.suppress(ValueError):
        return str(Path(text).relative_to(ROOT))
    return text


class Measured(NamedTuple):
    seconds: float
    peak: float  # MB
    cpu: float  # user + system seconds
    load: float  # the 1-minute load average when it ended (the machine is shared)


def run_once(cmd: Command) -> Measured:
    """Seconds, peak memory (MB), CPU seconds and the load average of one run of CMD as its own process."""
    if cmd.before:
        cmd.before()
    start = time.perf_counter()
    child = subprocess.Popen(cmd.argv, env=cmd.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    if child.returncode != 0:
        raise SystemExit(f"failed ({child.returncode}): {cmd.shown()}\n{errors.decode(errors='replace')[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(elapsed, usage.ru_maxrss / 1024, cpu, os.getloadavg()[0])  # ru_maxrss is in KiB on Linux


def measure(figure: Figure, runs: int) -> None:
    for _ in range(runs):
        for cmd, sample in ((figure.yardstick, figure.yard), (figure.msp, figure.result)):
            if cmd is None:
                continue
            got = run_once(cmd)
            sample.seconds.append(got.seconds)
            sample.peaks.append(got.peak)
            sample.cpu.append(got.cpu)
            sample.loads.append(got.load)
    ratio = f", {figure.ratio:.2f}x" if figure.ratio else ""
    r = figure.result
    print(
        f"  {figure.msp.label}: {r.median:.3f} s{ratio} (CPU {statistics.median(r.cpu):.2f} s, peak {r.peak:.0f} MB,"
        f" load average {statistics.median(r.loads):.1f})",
        file=sys.stderr,
    )


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


@dataclass
class Prepared:
    db: Path
    cases_file: Path
    case_ref: str
    demo: dict[str, float]  # seconds and peak MB of `msp demo` when the database was made


def base_env() -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    env.pop("MSP_PASSPHRASE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as on a user's machine: compiled modules are kept
    return env


def prepare(size: int, work: Path, fresh: bool, *, cases_file_needed: bool = True) -> Prepared:
    """The demonstration database and its identifiable JSON Lines export, made once and cached."""
    db, cases_file, made = work / f"demo-{size}.db", work / f"cases-{size}.jsonl", work / f"demo-{size}.json"
    env = {**base_env(), "MSP_DB": str(db)}
    msp = str(BIN / "msp")
    if fresh or not (db.exists() and made.exists()):
        remove_database(db)
        cases_file.unlink(missing_ok=True)
        print(f"making {size:,} cases with msp demo", file=sys.stderr)
        made_in = run_once(Command("demo", [msp, "demo", "--cases", str(size), "--replace"], env))
        made.write_text(json.dumps({"seconds": made_in.seconds, "peak_mb": made_in.peak}))
    if cases_file_needed and not cases_file.exists():
        partial = cases_file.with_suffix(".partial.jsonl")
        partial.unlink(missing_ok=True)
        argv = [msp, "export", str(partial), "--identifiable", "--reason", "benchmark", "--yes"]
        run_once(Command("export", argv, env))
        partial.rename(cases_file)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    case_ref = conn.execute("SELECT case_ref FROM safeguarding_case ORDER BY id DESC LIMIT 1").fetchone()[0]
    conn.close()
    return Prepared(db, cases_file, str(case_ref), json.loads(made.read_text()))


def figures(size: int, work: Path, p: Prepared) -> list[Figure]:
    env = {**base_env(), "MSP_DB": str(p.db)}
    plain = base_env()
    msp, su = str(BIN / "msp"), str(BIN / "sqlite-utils")
    full_read = Command(
        "sqlite3 reading every row of every case table",
        ["sqlite3", str(p.db), *(f"SELECT * FROM {t};" for t in case_tables())],  # noqa: S608 (msp's names)
        plain,
        short=f"sqlite3 {_rel(str(p.db))} 'SELECT * FROM person;' ... (each case table)",  # noqa: S608
    )
    tables = Command("sqlite-utils tables", [su, "tables", str(p.db)], plain)
    imported, inserted = work / f"import-{size}.db", work / f"insert-{size}.db"

    def new_msp_database() -> None:
        remove_database(imported)
        subprocess.run([msp, "--db", str(imported), "init"], env=plain, check=True, capture_output=True)

    out: list[Figure] = [
        Figure(
            "import",
            Command(
                f"msp import {size:,} cases",
                [msp, "--db", str(imported), "import", str(p.cases_file)],
                plain,
                new_msp_database,
            ),
            Command(
                "sqlite-utils insert --nl",
                [su, "insert", str(inserted), "cases", str(p.cases_file), "--nl"],
                plain,
                lambda: remove_database(inserted),
            ),
            target=1.5,
            limit="peak under 150 MB at 1,000,000",
            heavy=True,
        )
    ]
    for argv in REPORT_ARGS:
        cmd = Command(f"msp report {' '.join(argv)}", [msp, "report", *argv], env)
        out.append(Figure("report", cmd, full_read, target=1.2, limit="under 10 s at 1,000,000"))
    out.append(Figure("audit", Command("msp audit", [msp, "audit"], env), full_read, target=2.0))
    for argv in (["history", p.case_ref], ["case", "show", p.case_ref]):
        cmd = Command(f"msp {' '.join(argv[:-1])} CASE", [msp, *argv], env)
        out.append(Figure("open", cmd, tables, target=1.0))
    help_yard = Command("sqlite-utils --help", [su, "--help"], plain)
    out.append(Figure("help", Command("msp --help", [msp, "--help"], plain), help_yard, target=0.6))
    # pseudonymised (the default) in each format, and identifiable JSON Lines; xlsx where Excel can hold it
    identifiable = ["--identifiable", "--reason", "benchmark", "--yes"]
    exports = [("jsonl", "x.jsonl", []), ("jsonl", "x-id.jsonl", identifiable), ("csv", "x-csv", [])]
    if size <= EXCEL_CASES:
        exports.append(("xlsx", "x.xlsx", []))
    for fmt, name, extra in exports:
        target = work / name
        cmd = Command(
            f"msp export --format {fmt}{' --identifiable' if extra else ''}",
            [msp, "export", str(target), "--format", fmt, *extra],
            env,
            lambda target=target: remove(target),  # type: ignore[misc]
        )
        out.append(Figure("export", cmd, full_read, limit="memory flat", heavy=True))
    integrity = Command("sqlite3 PRAGMA integrity_check", ["sqlite3", str(p.db), "PRAGMA integrity_check;"], plain)
    out.append(Figure("check", Command("msp check", [msp, "check"], env), integrity, limit="under 60 s at 1,000,000"))
    return out


def bench_size(size: int, args: argparse.Namespace) -> tuple[Prepared, list[Figure]]:
    start = time.perf_counter()
    print(f"size {size:,}", file=sys.stderr)
    prepared = prepare(size, args.work, args.fresh, cases_file_needed=not args.only or "import" in args.only)
    env = {**base_env(), "MSP_DB": str(prepared.db)}
    for warm in (["--help"], ["report", "outcomes", "--json"], ["audit"]):  # compiled modules, warm page cache
        run_once(Command("warm up", [str(BIN / "msp"), *warm], env))
    chosen = [f for f in figures(size, args.work, prepared) if not args.only or f.group in args.only]
    for figure in chosen:
        measure(figure, args.heavy_runs if figure.heavy else args.runs)
    print(f"size {size:,} took {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return prepared, chosen


# -- query plans: the reports' own SELECTs, caught as they run ---------------------------------


@contextlib.contextmanager
def traced_statements() -> Iterator[list[str]]:
    """Every SQL statement run by connections opened inside the block (with its values bound)."""
    seen: list[str] = []
    real = sqlite3.connect

    def connect(*a: Any, **k: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = real(*a, **k)
        conn.set_trace_callback(seen.append)
        return conn

    sqlite3.connect = connect  # type: ignore[assignment]
    try:
        yield seen
    finally:
        sqlite3.connect = real


def run_in_process(argv: list[str]) -> None:
    from msp_cli.entry import main as msp_main

    saved = sys.argv
    sys.argv = ["msp", *argv]
    try:
        with (
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
            contextlib.suppress(SystemExit),
        ):
            msp_main()
    finally:
        sys.argv = saved


def plan_lines(conn: sqlite3.Connection, sql: str) -> list[str]:
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _, detail in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def query_plans(db: Path, case_ref: str) -> str:
    """Each report run here against DB; every SELECT on a case table it ran, with its plan."""
    os.environ["MSP_DB"] = str(db)
    explain = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    names = case_tables() + ("audit_log",)
    out = []
    for argv in [["report", *a] for a in REPORT_ARGS] + [["audit"], ["history", case_ref]]:
        with traced_statements() as seen:
            run_in_process(argv)
        shown: set[str] = set()
        out.append(f"msp {' '.join(argv)}:")
        for sql in seen:
            text = " ".join(sql.split())
            if text in shown or not text.upper().startswith(("SELECT", "WITH")):
                continue
            if not any(name in text for name in names):
                continue
            shown.add(text)
            short = text if len(text) <= 160 else text[:157] + "..."
            out.append(f"  {short}")
            out.extend(f"  {line}" for line in plan_lines(explain, sql))
        out.append("")
    explain.close()
    return "\n".join(out)


# -- the tables ---------------------------------------------------------------------------------


def results_table(size: int, prepared: Prepared, chosen: list[Figure]) -> str:
    rows = [
        f"### {size:,} cases\n",
        f"Made by `msp demo --cases {size}` in {prepared.demo['seconds']:.1f} s, peak"
        f" {prepared.demo['peak_mb']:.0f} MB; file {prepared.db.stat().st_size / 1e6:.0f} MB"
        + (
            f"; its identifiable JSON Lines export {prepared.cases_file.stat().st_size / 1e6:.0f} MB.\n"
            if prepared.cases_file.exists()
            else ".\n"
        ),
        "| figure | msp median s (min-max) | peak MB | yardstick, same run | yardstick s | ratio | target | runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in chosen:
        r, y = f.result, f.yard
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "-"
        target = ", ".join(t for t in (f"{f.target}x" if f.target else "", f.limit) if t) or "-"
        yard = f"`{f.yardstick.shown()}`" if f.yardstick else "-"
        ys = f"{y.median:.3f} ({y.spread()})" if y.seconds else "-"
        rows.append(
            f"| `{f.msp.shown()}` | {r.median:.3f} ({r.spread()}) | {r.peak:.0f} | {yard} | {ys} | {ratio}"
            f" | {target} | {len(r.seconds)} |"
        )
    return "\n".join(rows) + "\n"


def growth_table(by_size: dict[int, tuple[Prepared, list[Figure]]]) -> str:
    sizes = list(by_size)
    head = " | ".join(f"{s:,}" for s in sizes)
    rows = [
        "### How each grows (median seconds / peak MB)\n",
        f"| figure | {head} |",
        "|---|" + "---|" * len(sizes),
    ]
    demo = " | ".join(f"{p.demo['seconds']:.1f} / {p.demo['peak_mb']:.0f}" for p, _ in by_size.values())
    rows.append(f"| msp demo --cases N | {demo} |")
    labels: dict[str, dict[int, Figure]] = {}
    for size, (_, chosen) in by_size.items():
        for f in chosen:
            labels.setdefault(f.msp.label.replace(f"{size:,}", "N"), {})[size] = f
            if f.yardstick:
                labels.setdefault(f"{f.yardstick.label} (yardstick)", {}).setdefault(size, f)
    for label, per_size in labels.items():
        cells = []
        for s in sizes:
            got = per_size.get(s)
            sample = None if got is None else (got.yard if label.endswith("(yardstick)") else got.result)
            cells.append(f"{sample.median:.3f} / {sample.peak:.0f}" if sample and sample.seconds else "-")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="numbers of cases, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command and its yardstick")
    parser.add_argument("--heavy-runs", type=int, default=None, help="runs of imports and exports (default --runs)")
    parser.add_argument("--only", default="", help="groups: import,report,audit,open,help,export,check")
    parser.add_argument("--no-plans", action="store_true", help="leave out the query plans")
    parser.add_argument("--fresh", action="store_true", help="remake the cached databases and case files")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    args.heavy_runs = args.heavy_runs or args.runs
    args.only = {g for g in args.only.split(",") if g}
    args.work.mkdir(exist_ok=True, mode=0o700)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    started = time.perf_counter()
    by_size: dict[int, tuple[Prepared, list[Figure]]] = {}
    walls = {}
    for size in sizes:
        t = time.perf_counter()
        by_size[size] = bench_size(size, args)
        walls[size] = time.perf_counter() - t
    print(
        f"Machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version};"
        f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; runs: {args.runs} (imports and exports"
        f" {args.heavy_runs}); wall time of the run: "
        + ", ".join(f"{s:,} cases {w / 60:.1f} min" for s, w in walls.items())
        + f", in all {(time.perf_counter() - started) / 60:.1f} min.\n"
    )
    for size, (prepared, chosen) in by_size.items():
        print(results_table(size, prepared, chosen))
    if len(sizes) > 1:
        print(growth_table(by_size))
    if not args.no_plans:
        prepared = by_size[sizes[-1]][0]
        print(f"### Query plans ({sizes[-1]:,} cases)\n\n```")
        print(query_plans(prepared.db, prepared.case_ref))
        print("```")


if __name__ == "__main__":
    main()
