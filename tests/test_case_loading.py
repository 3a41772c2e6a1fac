"""Loading many cases at once: a chunk of cases at a time, one query a child table a chunk,
giving the same records as loading each case alone (reviews, rewordings, reopened closures)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from msp_cli.storage.sqlite import case_store
from tests.conftest import Run

CHILD_TABLES = 11  # the statements that load one chunk's child rows


def _shown(run: Run, ref: str) -> dict[str, Any]:
    result = run("case", "show", ref, "--json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


@pytest.fixture
def rich(run: Run, db_path: Path, tmp_path: Path) -> tuple[Path, list[str], list[str]]:
    """A demo database with reviewed (reworded, outcome added) and reopened-then-reclosed cases."""
    assert run("demo", "--cases", "60", "--seed", "3", "--replace").exit_code == 0
    today = dt.date.today().isoformat()
    listed = run("case", "list", "--json", "--limit", "100").stdout.splitlines()
    cases = [json.loads(line) for line in listed]
    reviewed = [c["case_ref"] for c in cases if c["concluded"] is None and c["desired_outcomes"]][:3]
    for ref in reviewed:
        count = _shown(run, ref)["desired_outcomes"]
        outcomes = [{"progress": "In progress", "text": f"New words {i}"} for i in range(len(count))]
        new = [{"text": "To be asked again", "category": "To be involved in making decisions"}]
        answers = tmp_path / "review.json"
        answers.write_text(json.dumps({"date": today, "outcomes": outcomes, "new_outcomes": new}), encoding="utf-8")
        assert run("case", "review", ref, "--answers", str(answers)).exit_code == 0
    reclosed = [c["case_ref"] for c in cases if c["concluded"] is not None][:3]
    for ref in reclosed:
        shown = _shown(run, ref)
        assert run("case", "reopen", ref, "--reason", "New information").exit_code == 0
        close = {k: shown[k] for k in ("risk_assessment_outcome", "risk_outcome", "outcomes_achieved", "responses")}
        close["concluded"] = today
        close["desired_outcomes"] = [{"achieved": o["achieved"]} for o in shown["desired_outcomes"]]
        answers = tmp_path / "close.json"
        answers.write_text(json.dumps(close), encoding="utf-8")
        assert run("case", "close", ref, "--answers", str(answers)).exit_code == 0
    return db_path, reviewed, reclosed


def _count(record: Any, key: str) -> int:
    return len(record.get(key) or [])


def _counted(db: Path) -> tuple[sqlite3.Connection, list[str]]:
    conn = sqlite3.connect(db)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    return conn, statements


def test_chunks_give_the_records_each_case_alone_gives(
    rich: tuple[Path, list[str], list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, reviewed, reclosed = rich
    monkeypatch.setattr(case_store, "CHUNK", 7)  # chunks that cut across the cases
    conn, statements = _counted(db)
    chunked = {s.record["case_ref"]: s.record for s in case_store.iter_cases(conn)}
    assert len(chunked) == 60
    chunks = -(-60 // 7)
    assert len(statements) <= 1 + chunks * CHILD_TABLES  # not a query a case
    for ref, record in chunked.items():
        alone = case_store.load_case(conn, ref)
        assert alone is not None and alone.record == record, ref
    for ref in reviewed:
        outcomes = chunked[ref]["desired_outcomes"]
        assert chunked[ref]["reviews"] and outcomes[-1]["text"] == "To be asked again"
        assert outcomes[0]["text"] == "New words 0" and outcomes[0]["earlier_wordings"]
        assert outcomes[0]["progress"][-1]["status"] == "In progress"
    for ref in reclosed:
        assert chunked[ref]["concluded"] == dt.date.today().isoformat()
        assert len(chunked[ref]["earlier_closures"]) == 1
    assert any(m["attendees"] for r in chunked.values() for m in r["meetings"])
    counts = {  # each case's rows, counted apart from the loader: nothing lands on another case
        "reviews": "SELECT count(*) FROM outcome_review_session s WHERE s.case_id = c.id",
        "earlier_closures": "SELECT count(*) FROM closure x WHERE x.case_id = c.id AND x.reopened_on IS NOT NULL",
        "meetings": "SELECT count(*) FROM meeting m WHERE m.case_id = c.id",
        "risk_types": "SELECT count(*) FROM case_risk_type r WHERE r.case_id = c.id",
    }
    for key, sql in counts.items():
        stored = dict(conn.execute(f"SELECT c.case_ref, ({sql}) FROM safeguarding_case c"))  # noqa: S608
        assert {ref: _count(r, key) for ref, r in chunked.items()} == stored, key
        assert any(stored.values()), key


def test_by_id_keeps_the_order_asked_and_skips_unknown_ids(rich: tuple[Path, list[str], list[str]]) -> None:
    db, _, _ = rich
    conn, statements = _counted(db)
    ids = [case_id for (case_id,) in conn.execute("SELECT id FROM safeguarding_case ORDER BY id DESC")]
    asked = [ids[3], 999_999, ids[0], ids[3], *ids[10:30]]
    statements.clear()
    loaded = list(case_store.load_cases_by_id(conn, asked))
    assert [s.case_id for s in loaded] == [ids[3], ids[0], ids[3], *ids[10:30]]
    assert len(statements) <= 1 + CHILD_TABLES
    for stored in loaded:
        alone = case_store.load_case_by_id(conn, stored.case_id)
        assert alone == stored
