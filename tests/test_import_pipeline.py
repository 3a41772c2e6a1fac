"""The import pipeline (worker processes check the file, this process writes) against one process.

The same file must give the same output, the same rows and the same audit entries either way,
whichever line is wrong and wherever; a worker that dies ends the import with one line and the
database as it was.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from msp_cli import import_pipeline, interchange
from msp_cli.pseudonymised.dates import INTERVALS_KEY
from tests.conftest import Backend, Run, rows
from tests.helpers import full_case, minimal_case

CASE_TABLES = (
    "person", "safeguarding_case", "case_risk_type", "case_response", "desired_outcome", "meeting",
    "meeting_attendee", "feedback", "closure", "closure_outcome", "outcome_review_session", "outcome_review",
    "desired_outcome_wording",
)  # fmt: skip


def _cases(n: int) -> list[Any]:
    """N cases of both kinds; people come back in later batches, and fill in what they lacked."""
    out: list[Any] = []
    for i in range(n):
        case = full_case(case_ref=f"C-{i}") if i % 2 else minimal_case(case_ref=f"C-{i}", person_ref=f"P-{i % 7}")
        if i % 2:
            case["person"] = {**case["person"], "ref": f"P-{i % 7}"}
        out.append(case)
    return out


def _text(records: list[Any]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def _as_pipeline(monkeypatch: pytest.MonkeyPatch, on: bool) -> None:
    """Every file through the workers, in batches of 3 lines (so batches alternate between them); or none."""
    monkeypatch.setattr(import_pipeline, "MIN_BYTES", 0 if on else 10**12)
    monkeypatch.setattr(import_pipeline, "BATCH_LINES", 3)


def _stored(db: Path) -> dict[str, Any]:
    """Every case table's rows, and each audit entry's action, key and changes (exactly as stored)."""
    out: dict[str, Any] = {t: rows(db, f"SELECT * FROM {t} ORDER BY 1, 2") for t in CASE_TABLES}  # noqa: S608
    out["audit"] = rows(db, "SELECT id, action, table_name, row_key, changes FROM audit_log ORDER BY id")
    out["settings"] = rows(db, "SELECT key, value FROM settings WHERE key != 'pseudonym_key' ORDER BY key")
    return out


def _both_ways(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | bytes
) -> tuple[tuple[Any, dict[str, Any]], tuple[Any, dict[str, Any]]]:
    """(result, what was stored) of importing TEXT in one process, then through the pipeline."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(text.encode() if isinstance(text, str) else text)
    out = []
    for on in (False, True):
        db = tmp_path / f"{'pipeline' if on else 'one'}.db"
        assert run("--db", str(db), "init", "--worker", "Test Worker", "--team", "North").exit_code == 0
        _as_pipeline(monkeypatch, on)
        result = run("--db", str(db), "import", str(source))
        out.append((result, _stored(db)))
    return out[0], out[1]


def test_the_pipeline_stores_what_one_process_stores(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\ufeff" + _text(_cases(40)[:20]) + "\n  \n" + _text(_cases(40)[20:])  # a BOM, blank lines
    (one, stored_one), (piped, stored_piped) = _both_ways(run, tmp_path, monkeypatch, text)
    assert one.exit_code == piped.exit_code == 0, piped.output
    assert "40 cases added, 7 new people" in piped.output
    assert piped.output == one.output
    assert stored_piped == stored_one
    assert len(stored_piped["audit"]) > 40 and stored_piped["safeguarding_case"]
    for db in ("one", "pipeline"):
        checked = run("--db", str(tmp_path / f"{db}.db"), "check")
        assert checked.exit_code == 0, checked.output


def _late_bad_json(cases: list[Any]) -> str:
    return _text(cases[:58]) + '{"case_ref": "C-X", \n' + _text(cases[58:])


def _twice_across_batches(cases: list[Any]) -> str:
    return _text(cases + [cases[4]])


def _late_pseudonymised(cases: list[Any]) -> str:
    return _text(cases[:50] + [{**cases[50], INTERVALS_KEY: {}}] + cases[51:])


def _late_invalid_case(cases: list[Any]) -> str:
    return _text(cases[:59] + [{**cases[59], "enquiry_type": "Nonsense"}])


def _demo_marker_late(cases: list[Any]) -> str:
    return _text(cases[:10] + [interchange.DEMO_MARKER] + cases[10:])


def _demo_marker_first(cases: list[Any]) -> str:
    return interchange.demo_marker_line() + _text(cases)


def _indented_object(cases: list[Any]) -> str:
    return json.dumps(cases[1], indent=2) + "\n"


def _not_utf8(cases: list[Any]) -> bytes:
    return _text(cases[:30]).encode() + b'{"case_ref": "\xff"}\n' + _text(cases[30:]).encode()


def _blank_run_then_cases(cases: list[Any]) -> str:
    return "\n" * 10 + _text(cases[:5]) + "\n" * 7


FILES: dict[str, Callable[[list[Any]], str | bytes]] = {
    "bad JSON on line 59": _late_bad_json,
    "a case_ref twice, batches apart": _twice_across_batches,
    "a pseudonymised line late": _late_pseudonymised,
    "the last line invalid": _late_invalid_case,
    "the demonstration marker late": _demo_marker_late,
    "the demonstration marker first": _demo_marker_first,
    "one indented object": _indented_object,
    "a line that is not UTF-8": _not_utf8,
    "blank batches": _blank_run_then_cases,
}


@pytest.mark.parametrize("make", FILES.values(), ids=FILES.keys())
def test_any_file_gives_the_same_answer_both_ways(
    make: Callable[[list[Any]], str | bytes], run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (one, stored_one), (piped, stored_piped) = _both_ways(run, tmp_path, monkeypatch, make(_cases(60)))
    assert (piped.exit_code, piped.output) == (one.exit_code, one.output)
    assert stored_piped == stored_one


def test_a_bad_line_late_in_the_file_leaves_nothing(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (one, _), (piped, stored) = _both_ways(run, tmp_path, monkeypatch, _late_invalid_case(_cases(60)))
    assert piped.exit_code != 0
    assert "Nothing was imported: 1 line needs fixing.\nline 60 (case_ref C-59): enquiry_type" in piped.output
    assert all(stored[t] == [] for t in CASE_TABLES)
    assert [action for _, action, *_ in stored["audit"]] == [
        "database.init",
        "setting.set",
        "setting.set",
        "setting.set",
    ]


def test_a_line_too_long_stops_both_ways_alike(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = _cases(20)
    text = _text(cases[:13]) + '{"x": "' + "a" * 1_000_001 + '"}\n' + _text(cases[13:])
    (one, _), (piped, stored) = _both_ways(run, tmp_path, monkeypatch, text)
    assert (piped.exit_code, piped.output) == (one.exit_code, one.output)
    assert "line 14 is longer than 1,000,000 bytes" in piped.output
    assert stored["safeguarding_case"] == []


def test_the_pipeline_on_the_server_stores_what_one_process_stores(
    backend: Backend, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(_text(_cases(25)), encoding="utf-8")
    _as_pipeline(monkeypatch, on=True)
    piped = run("import", str(source))
    assert piped.exit_code == 0, piped.output
    one_db = tmp_path / "one.db"
    assert run("--db", str(one_db), "init", "--worker", "Test Worker", "--team", "North").exit_code == 0
    _as_pipeline(monkeypatch, on=False)
    assert run("--db", str(one_db), "import", str(source)).exit_code == 0
    for table in CASE_TABLES:
        assert backend.rows(f"SELECT count(*) FROM {table}") == rows(one_db, f"SELECT count(*) FROM {table}")  # noqa: S608
    sql = "SELECT row_key, changes FROM audit_log WHERE action = 'case.import' ORDER BY id"
    assert [(k, json.loads(c) if isinstance(c, str) else c) for k, c in backend.rows(sql)] == [
        (k, json.loads(c)) for k, c in rows(one_db, sql)
    ]
    assert run("check").exit_code == 0


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _ignores_ctrl_c(pid: int) -> bool:
    ignored = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("SigIgn:"))
    return bool(int(ignored.split()[1], 16) & (1 << (signal.SIGINT - 1)))


def _big_import(tmp_path: Path, run: Run) -> tuple[Path, dict[str, Any], subprocess.Popen[str]]:
    """A database, what it holds, and `msp import` of a file large enough for the pipeline, started."""
    db = tmp_path / "big.db"
    assert run("--db", str(db), "init", "--worker", "Test Worker", "--team", "North").exit_code == 0
    source = tmp_path / "big.jsonl"  # over MIN_BYTES, so the real command takes the pipeline
    cases = [full_case(case_ref=f"C-{i}", person={"ref": f"P-{i}"}) for i in range(4000)]
    source.write_text(_text(cases), encoding="utf-8")
    assert source.stat().st_size > import_pipeline.MIN_BYTES
    msp = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "msp_cli", "--db", str(db), "import", str(source)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"},
        start_new_session=True,  # its own process group, as a terminal's foreground command
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 (a shell's job may ignore it)
    )  # fmt: skip
    return db, _stored(db), msp


def _workers_of(msp: subprocess.Popen[str]) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and msp.poll() is None:
        workers = [pid for pid in _children(msp.pid) if _is_worker(pid)]
        if workers:
            return workers
        time.sleep(0.05)
    raise AssertionError("no worker process was seen")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the worker through /proc (Linux)")
def test_a_worker_killed_mid_import_ends_it_with_one_line_and_nothing_written(run: Run, tmp_path: Path) -> None:
    db, before, msp = _big_import(tmp_path, run)
    workers = _workers_of(msp)
    time.sleep(0.3)  # mid-import: the worker has started reading
    os.kill(workers[-1], signal.SIGKILL)
    out, err = msp.communicate(timeout=60)
    assert msp.returncode != 0
    said = [line for line in (out + err).splitlines() if line.strip()]
    assert len(said) == 1 and "a worker checking the file stopped unexpectedly" in said[0], said
    assert "Traceback" not in err
    assert _stored(db) == before
    assert run("--db", str(db), "check").exit_code == 0


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the workers through /proc (Linux)")
def test_ctrl_c_mid_import_stops_every_process_and_writes_nothing(run: Run, tmp_path: Path) -> None:
    db, before, msp = _big_import(tmp_path, run)
    workers = _workers_of(msp)
    # from their first instruction, so one still starting up prints no traceback: the writer stops them
    assert all(_ignores_ctrl_c(pid) for pid in workers)
    time.sleep(0.3)
    os.killpg(msp.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    _, err = msp.communicate(timeout=60)
    assert msp.returncode != 0
    assert "Traceback" not in err
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and _is_worker(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _is_worker(pid)], "a worker outlived the import"
    assert _stored(db) == before
    assert run("--db", str(db), "check").exit_code == 0


def test_the_audit_text_made_in_a_worker_is_the_text_made_from_the_whole_record() -> None:
    from msp_cli.model import validate_case
    from msp_cli.storage.sqlite import audit

    record: Any = validate_case(full_case(closure_note="Ådél said “no” ✓"))
    later = {**record["person"], "age_band": "85-94", "sex": None}
    merged = {**record, "person": later}
    assert audit.with_person(audit.new_case_changes(record), later) == audit.new_case_changes(merged)
    source = {"file": "extract.csv", "imported_on": "2026-11-30"}
    expected = audit._compact_json({"source": [None, source], **audit.created(record)})
    assert audit.with_first(audit.new_case_changes(record), "source", source) == expected


def test_a_batch_packed_for_the_writer_comes_back_exactly(tmp_path: Path) -> None:
    """Batches cross between processes as marshal bytes (quicker to read than pickle), pickle only if they must."""
    import datetime as dt

    from msp_cli import import_pipeline, interchange
    from msp_cli.storage import NewCases

    today = dt.date.today()
    made = NewCases()
    lines = [
        interchange.check((n, minimal_case(f"C-{n}", f"P-{n}") if n > 1 else full_case(), []), today)
        for n in range(1, 4)
    ] + [interchange.check((4, {"case_ref": "C-4"}, []), today)]  # refused: no rows
    checked = [interchange.made_into_rows(line, made) for line in lines]
    assert [line[5] for line in checked] == [0, 1, 2, None] and len(made) == 3
    packed = import_pipeline._pack(checked, made)
    back = import_pipeline._unpack(packed)
    assert packed[:1] == b"m" and [line[:5] for line in back] == [line[:5] for line in checked]
    batch = back[0][5][0]
    assert [line[5] for line in back[:3]] == [(batch, 0), (batch, 1), (batch, 2)] and back[3][5] is None
    assert (batch.rows, batch.refs, batch.people, batch.changes, batch.used) == made.plain()
    assert batch.refs == [full_case()["case_ref"], "C-2", "C-3"] and len(batch.rows["safeguarding_case"]) == 3
    odd = [(5, "C-5", {"when": today}, [], "case", None)]  # a value marshal cannot hold
    assert import_pipeline._pack(odd, None)[:1] == b"p"
    assert import_pipeline._unpack(import_pipeline._pack(odd, None)) == odd


def _schema(db: Path) -> list[Any]:
    return rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")


@pytest.mark.parametrize("bad_last", [False, True], ids=["imported", "refused"])
def test_indexes_set_aside_for_a_large_import_come_back_as_they_were(
    bad_last: bool, run: Run, initialised: Path, write_jsonl: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from msp_cli.storage.sqlite import bulk

    monkeypatch.setattr(bulk, "BATCH", 4)  # several full batches: into an empty database, indexes go aside
    monkeypatch.setattr(bulk, "LARGE_BATCH", 4)
    dropped: list[str] = []
    real = bulk.BulkWriter._set_indexes_aside

    def set_aside(self: bulk.BulkWriter) -> list[str]:
        dropped.extend(real(self))
        return list(dropped)

    monkeypatch.setattr(bulk.BulkWriter, "_set_indexes_aside", set_aside)
    before = _schema(initialised)
    cases = _cases(30)
    if bad_last:
        cases[-1] = {**cases[-1], "enquiry_type": "Nonsense"}
    result = run("import", str(write_jsonl(cases)))
    assert (result.exit_code != 0) == bad_last, result.output
    assert len(dropped) >= 10 and any("audit_log" in sql for sql in dropped)  # they were set aside
    assert _schema(initialised) == before  # and are back, the same, imported or not
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == [(0 if bad_last else 30,)]
    checked = run("check")
    assert checked.exit_code == 0, checked.output
