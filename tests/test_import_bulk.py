"""The bulk import pipeline: batches, people across batches, references seen, audit entries, rollback."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from msp_cli.storage import SeenRefs, open_storage
from msp_cli.storage.sqlite import bulk
from msp_cli.storage.sqlite import seen as seen_mod
from msp_cli.storage.sqlite.audit import verify
from msp_cli.storage.sqlite.audit_seal import known_keys
from tests.conftest import Run, rows
from tests.helpers import full_case, minimal_case, open_case


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 2 cases, so a handful of cases crosses several batches."""
    monkeypatch.setattr(bulk, "BATCH", 2)


def test_cases_across_batches_are_stored_whole(run: Run, initialised: Path, write_jsonl, small_batches) -> None:  # type: ignore[no-untyped-def]
    cases = [full_case(case_ref=f"C-{i}", person={"ref": f"P-{i % 3}"}) for i in range(7)]
    result = run("import", str(write_jsonl(cases)))
    assert result.exit_code == 0, result.output
    assert "7 cases added, 3 new people" in result.output
    assert rows(initialised, "SELECT count(*), count(DISTINCT person_id) FROM safeguarding_case") == [(7, 3)]
    # each case's children point at its own rows, whatever batch it was in
    assert rows(
        initialised,
        "SELECT c.case_ref, count(DISTINCT o.id), count(DISTINCT m.id), count(DISTINCT co.outcome_id)"
        " FROM safeguarding_case c JOIN desired_outcome o ON o.case_id = c.id JOIN meeting m ON m.case_id = c.id"
        " JOIN closure cl ON cl.case_id = c.id JOIN closure_outcome co ON co.closure_id = cl.id"
        " GROUP BY c.id ORDER BY c.id",
    ) == [(f"C-{i}", 1, 1, 1) for i in range(7)]
    assert rows(initialised, "SELECT count(*) FROM meeting_attendee") == [(7 * 3,)]
    shown = run("case", "show", "C-5", "--json")
    assert json.loads(shown.output)["desired_outcomes"][0]["text"] == full_case()["desired_outcomes"][0]["text"]


def test_a_later_case_fills_a_person_in_and_never_erases(  # type: ignore[no-untyped-def]
    run: Run, initialised: Path, write_jsonl, small_batches
) -> None:
    stored = minimal_case(case_ref="C-0", person_ref="P-1")
    stored["person"]["sex"] = "Female"
    assert run("import", str(write_jsonl([stored], "first.jsonl"))).exit_code == 0
    later = [minimal_case(case_ref=f"C-{i}", person_ref="P-1") for i in range(1, 6)]
    later[0]["person"]["age_band"] = "85-94"  # same batch as C-2, a batch before C-3
    later[3]["person"]["ethnicity"] = "White"
    result = run("import", str(write_jsonl(later)))
    assert result.exit_code == 0, result.output
    assert "5 cases added, 0 new people" in result.output
    assert rows(initialised, "SELECT ref, sex, age_band, ethnicity FROM person") == [
        ("P-1", "Female", "85-94", "White")
    ]
    # each case's audit entry records the person as known when it came in
    entries = rows(initialised, "SELECT row_key, changes FROM audit_log WHERE action = 'case.import' ORDER BY id")
    people = {key: json.loads(changes)["person"][1] for key, changes in entries}
    assert people["C-1"] == {"ref": "P-1", "sex": "Female", "age_band": "85-94"}
    assert people["C-5"] == {"ref": "P-1", "sex": "Female", "age_band": "85-94", "ethnicity": "White"}


def test_a_duplicate_is_named_with_its_first_line(run: Run, initialised: Path, write_jsonl, small_batches) -> None:  # type: ignore[no-untyped-def]
    cases = [minimal_case(case_ref=f"C-{i}", person_ref=f"P-{i}") for i in range(6)]
    cases.append(minimal_case(case_ref="C-2", person_ref="P-9"))
    cases.append(minimal_case(case_ref="C-4", person_ref="P-9"))
    result = run("import", str(write_jsonl(cases)))
    assert result.exit_code == 65
    assert "line 7 (case_ref C-2): case_ref appears twice in this file (first on line 3)" in result.output
    assert "line 8 (case_ref C-4): case_ref appears twice in this file (first on line 5)" in result.output
    assert "2 lines need fixing" in result.output
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == [(0,)]
    assert rows(initialised, "SELECT count(*) FROM person") == [(0,)]


def test_seen_refs_says_where_each_reference_first_came() -> None:
    with SeenRefs() as seen:
        assert seen.first_on("C-1", 1) is None
        assert seen.first_on("C-2", 2) is None
        assert seen.first_on("C-1", 3) == 1
        assert seen.first_on("C-1", 4) == 1  # the first line, not the latest
        assert seen.first_on("c-1", 5) is None  # references are exact
        assert seen.count == 3


@pytest.mark.parametrize("filter_bits", [seen_mod.FILTER_BITS, 64])  # 64: nearly every reference a false alarm
def test_seen_refs_across_written_batches(monkeypatch: pytest.MonkeyPatch, filter_bits: int) -> None:
    monkeypatch.setattr(seen_mod, "FILTER_BITS", filter_bits)
    n = seen_mod.BATCH * 2 + 7  # some written to the table, some still waiting
    with SeenRefs() as seen:
        assert all(seen.first_on(f"C-{i}", i) is None for i in range(n))
        repeats = [seen.first_on(f"C-{i}", n + i) for i in range(n)]
        assert repeats == list(range(n))
        assert seen.first_on("C-new", 0) is None
        assert seen.count == n + 1
        stored = seen.conn.execute("SELECT count(*) FROM seen").fetchone()[0]
        assert 0 < stored <= n + 1  # kept on disk, not only in memory


def test_every_imported_case_has_its_entry_and_the_chain_verifies(  # type: ignore[no-untyped-def]
    run: Run, initialised: Path, write_jsonl, small_batches
) -> None:
    cases = [full_case(case_ref=f"C-{i}", person={"ref": f"P-{i}"}) for i in range(3)]
    cases.append(open_case(case_ref="C-OPEN", person={"ref": "P-OPEN"}))
    cases.append(minimal_case())
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    entries = rows(
        initialised,
        "SELECT row_key, table_name, worker, changes, mac FROM audit_log WHERE action = 'case.import' ORDER BY id",
    )
    assert [e[0] for e in entries] == ["C-0", "C-1", "C-2", "C-OPEN", "C-MIN-1"]
    assert {(e[1], e[2]) for e in entries} == {("safeguarding_case", "Test Worker")}
    assert all(e[4] for e in entries)  # each sealed with the key outside the database
    # what each entry says was set is the case as stored, from nothing, without empty parts
    for key, _, _, changes, _ in entries:
        stored = json.loads(run("case", "show", key, "--json").output)
        set_fields = json.loads(changes)
        assert all(old is None for old, _ in set_fields.values())
        assert set(set_fields) == {k for k, v in stored.items() if v not in (None, [])}
        assert set_fields["person"][1] == {k: v for k, v in stored["person"].items() if v is not None}
        assert not any(_has_empty(new) for _, new in set_fields.values())
    conn = sqlite3.connect(initialised)
    try:
        assert verify(conn, known_keys()) == []
    finally:
        conn.close()
    checked = run("check")
    assert checked.exit_code == 0, checked.output


def _has_empty(value: Any) -> bool:
    if isinstance(value, dict):
        return any(v is None or v == [] or _has_empty(v) for v in value.values())
    return isinstance(value, list) and any(_has_empty(v) for v in value)


def _store_with_one_case(db: Path) -> Any:
    store = open_storage(db, worker="Test Worker")
    with store.write() as audit:
        writer = store.case_writer(audit, action="case.import")
        writer.add(_validated(minimal_case(case_ref="C-1", person_ref="P-1")))
        writer.flush()
    return store


def _validated(obj: dict[str, Any]) -> Any:
    from msp_cli.model import validate_case

    return validate_case(obj)


def test_a_batch_that_fails_leaves_nothing_behind(initialised: Path, small_batches) -> None:  # type: ignore[no-untyped-def]
    store = _store_with_one_case(initialised)
    entries_before = rows(initialised, "SELECT count(*) FROM audit_log")
    with pytest.raises(sqlite3.IntegrityError), store.write() as audit:
        writer = store.case_writer(audit, action="case.import")
        for ref in ("C-2", "C-3", "C-4", "C-1"):  # C-1 is stored: the second batch fails on the unique case_ref
            writer.add(_validated(minimal_case(case_ref=ref, person_ref=f"P-{ref}")))
        writer.flush()
    assert rows(initialised, "SELECT case_ref FROM safeguarding_case") == [("C-1",)]
    assert rows(initialised, "SELECT ref FROM person") == [("P-1",)]
    assert rows(initialised, "SELECT count(*) FROM audit_log") == entries_before
    # the schema's CHECKs are back on for everything after the batch
    assert store.conn.execute("PRAGMA ignore_check_constraints").fetchone() == (0,)
    with pytest.raises(sqlite3.IntegrityError), store.write():
        store.conn.execute("UPDATE person SET sex = 'Femail'")
    store.close()
    conn = sqlite3.connect(initialised)
    try:
        assert verify(conn, known_keys()) == []
    finally:
        conn.close()


def test_a_single_case_saved_keeps_the_schema_checks(initialised: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wizard's save writes one case with the CHECKs on: a value no rule caught is still refused."""
    store = open_storage(initialised, worker="Test Worker")
    record = _validated(minimal_case(case_ref="C-9", person_ref="P-9"))
    record["person"]["sex"] = "Femail"  # past validation, as a bug would be
    with pytest.raises(sqlite3.IntegrityError), store.write() as audit:
        store.save_case(audit, record)
    assert rows(initialised, "SELECT count(*) FROM safeguarding_case") == [(0,)]
    store.close()


def test_none_is_bound_as_null_through_msps_own_adapter(run: Run, initialised: Path, write_jsonl) -> None:  # type: ignore[no-untyped-def]
    """sqlite3's slow path for None (an AttributeError made and dropped a value) is skipped, and
    NULL is still NULL: a case with most fields empty stores them as SQL NULL, not '' or 'None'."""
    import msp_cli.storage.sqlite.store  # noqa: F401 (registers the adapter, as opening any database does)

    assert sqlite3.adapters[(type(None), sqlite3.PrepareProtocol)](None) is None
    assert run("import", str(write_jsonl([minimal_case(case_ref="C-1")]))).exit_code == 0
    assert rows(
        initialised,
        "SELECT typeof(enquiry_started), typeof(location_of_risk), typeof(consent_sought), typeof(p.sex)"
        " FROM safeguarding_case JOIN person p ON p.id = person_id",
    ) == [("null", "null", "null", "null")]


def test_the_cycle_collector_is_paused_while_an_import_writes_and_back_after(  # type: ignore[no-untyped-def]
    run: Run, initialised: Path, write_jsonl, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    seen_during: list[bool] = []
    flush = bulk.BulkWriter.flush
    monkeypatch.setattr(bulk.BulkWriter, "flush", lambda self: (seen_during.append(gc.isenabled()), flush(self))[1])
    assert run("import", str(write_jsonl([minimal_case(case_ref="C-1")]))).exit_code == 0
    bad = [minimal_case(case_ref="C-2"), {"case_ref": "C-3"}]
    assert run("import", str(write_jsonl(bad, "bad.jsonl"))).exit_code != 0
    assert seen_during == [False]
    assert gc.isenabled()
