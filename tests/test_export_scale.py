"""Exports at scale (issue 17): Excel's row limit refused in one line, nothing written; the keyed
hashes worked out from precomputed states equal HMAC-SHA256's; cases come in pseudonym order; the
on-disk sort gives texts back by key and a full temporary folder is a full disk; the one-walk
shaper keeps the field table's order and leaves its input alone."""

from __future__ import annotations

import copy
import csv
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from msp_cli import export
from msp_cli.export import Pseudonymiser
from msp_cli.pseudonymised.shape import Shaper
from msp_cli.record.fields import fields_of
from tests.conftest import Backend, Run
from tests.helpers import full_case, open_case
from tests.report_fixture import CASES
from tests.test_record import every_field_case


@pytest.fixture
def loaded(run: Run, backend: Backend, write_jsonl: Any) -> Backend:
    busy = full_case(case_ref="C-BUSY-1", person={"ref": "P-BUSY-1"})
    busy["meetings"] = [{**busy["meetings"][0], "date": f"2024-05-{day}"} for day in range(20, 31)]
    cases = [full_case(), open_case(case_ref="C-OPEN-7", person={"ref": "P-000123"}), busy, *CASES]
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    return backend


def _longest_table(run: Run, tmp_path: Path) -> tuple[str, int]:
    """The export table with the most rows, and how many (from a csv export of the same cases)."""
    folder = tmp_path / "tables"
    assert run("export", str(folder)).exit_code == 0
    counts = {}
    for name in export.TABLES:
        with (folder / f"{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
            counts[name] = sum(1 for _ in csv.reader(handle)) - 1
    name = max(counts, key=lambda n: counts[n])
    assert counts[name] > counts["cases"], counts  # a child table is the longest, so the limit meets it first
    return name, counts[name]


def test_xlsx_refused_when_the_cases_pass_excels_rows(
    run: Run, loaded: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = loaded.rows("SELECT count(*) FROM safeguarding_case WHERE draft_step IS NULL")[0][0]
    monkeypatch.setattr(export, "EXCEL_ROWS", cases)  # the heading and every case need one more
    folder = tmp_path / "out"
    folder.mkdir()
    result = run("export", str(folder / "x.xlsx"))
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "The cases sheet would need more than" in said and "Export to csv" in said
    assert "Small groups" not in result.output  # refused before anything else is said or done
    assert list(folder.iterdir()) == []
    assert loaded.rows("SELECT count(*) FROM audit_log WHERE substr(action, 1, 7) = 'export.'")[0][0] == 0


def test_xlsx_refused_when_a_sheet_of_rows_passes_excels_rows(
    run: Run, loaded: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, longest = _longest_table(run, tmp_path)
    monkeypatch.setattr(export, "EXCEL_ROWS", longest)  # one row short of the heading and every row
    folder = tmp_path / "out"
    folder.mkdir()
    result = run("export", str(folder / "x.xlsx"))
    assert result.exit_code == 2
    assert f"The {name} sheet would need more than the {longest - 1:,} rows an Excel sheet holds" in " ".join(
        result.output.split()
    )
    assert list(folder.iterdir()) == []  # no partial file left
    failed = loaded.rows("SELECT changes FROM audit_log WHERE action = 'export.pseudonymised.failed'")
    assert len(failed) == 1 and json.loads(failed[0][0])["error"] == [None, "UsageProblem"]


def test_xlsx_at_exactly_excels_rows_holds_every_row(
    run: Run, loaded: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl

    name, longest = _longest_table(run, tmp_path)
    monkeypatch.setattr(export, "EXCEL_ROWS", longest + 1)  # the heading and every row, just
    out = tmp_path / "x.xlsx"
    assert run("export", str(out)).exit_code == 0
    sheet = openpyxl.load_workbook(out, read_only=True)[name]
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == longest + 1


@pytest.mark.parametrize("length", [0, 1, 32, 64, 65, 200])
def test_pseudonyms_are_hmac_sha256_for_every_key_length(length: int) -> None:
    key = bytes(range(length % 256)) * (length // 256) + bytes(range(length % 256))
    pseudonym = Pseudonymiser(key)
    for value in ("P-1", "C-2024-000001", "Zoë Ñúñez", "x" * 500):
        expected = "P-" + hmac.new(key, f"person:{value}".encode(), hashlib.sha256).hexdigest()[:16]
        assert pseudonym("person", value) == expected
        assert pseudonym("person", value) == expected  # again, from the cache
    assert pseudonym("case", None) is None


def test_the_cache_of_pseudonyms_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Pseudonymiser, "CACHED", 10)
    pseudonym = Pseudonymiser(b"k" * 32)
    first = [pseudonym("case", f"C-{i}") for i in range(35)]
    assert len(pseudonym._known) <= 10
    assert [pseudonym("case", f"C-{i}") for i in range(35)] == first


def test_cases_come_in_pseudonym_order(run: Run, loaded: Backend, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    assert run("export", str(out)).exit_code == 0
    written = [json.loads(line)["case_ref"] for line in out.read_text(encoding="utf-8").splitlines()]
    key = loaded.rows("SELECT value FROM settings WHERE key = 'pseudonym_key'")[0][0]
    pseudonym = Pseudonymiser(bytes.fromhex(key))
    refs = [r[0] for r in loaded.rows("SELECT case_ref FROM safeguarding_case WHERE draft_step IS NULL")]
    assert written == sorted(str(pseudonym("case", ref)) for ref in refs) and len(written) == 10


def _keys_in_field_order(group: str, obj: dict[str, Any]) -> None:
    order = [f.key for f in fields_of(group)]
    keys = [k for k in obj if k != "intervals"]
    assert keys == sorted(keys, key=order.index), group
    for f in fields_of(group):
        value = obj.get(f.key)
        if f.sub and isinstance(value, dict):
            _keys_in_field_order(f.sub, value)
        elif f.sub and isinstance(value, list):
            for item in value:
                _keys_in_field_order(f.sub, item)


def test_the_shaper_keeps_field_order_and_leaves_its_input_alone() -> None:
    record = every_field_case()
    before = copy.deepcopy(record)
    shaped = Shaper(Pseudonymiser(b"k" * 32), with_notes=False, months=True)(record)
    assert record == before
    _keys_in_field_order("case", shaped)
    assert list(shaped)[-1] == "intervals"
    assert shaped["concern_received"] == record["concern_received"][:7]
    assert shaped["person"]["ref"].startswith("P-") and shaped["person"]["ref"] != record["person"]["ref"]
    assert "date_of_birth" not in shaped["person"] and shaped["person"]["name"] is None
    assert all(o["text"] == "[not exported]" for o in shaped["desired_outcomes"])


def test_the_spool_gives_texts_back_by_key_then_number() -> None:
    import random

    from msp_cli.storage import SortedSpool

    rng = random.Random(17)
    items = [(f"C-{rng.getrandbits(64):016x}", rng.randrange(10**6), f"case {i} ü") for i in range(1234)]
    items += [(items[0][0], items[0][1] + 1, "the same key, a later number")]
    with SortedSpool() as spool:
        for key, number, text in rng.sample(items, len(items)):  # more than one batch, in no order
            spool.add(key, number, text)
        assert list(spool.in_order()) == [text for _, _, text in sorted(items)]


def test_a_full_temporary_folder_is_a_full_disk() -> None:
    import errno
    import sqlite3

    from msp_cli.storage import SortedSpool

    class Full:
        def executemany(self, *_: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

    spool = SortedSpool()
    real, spool.conn = spool.conn, Full()  # type: ignore[assignment]
    try:
        with pytest.raises(OSError) as raised:
            for i in range(1000):
                spool.add("C-1", i, "text")
        assert raised.value.errno == errno.ENOSPC
    finally:
        real.close()


def test_an_export_whose_spool_fills_the_disk_leaves_nothing(
    run: Run, loaded: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from msp_cli.storage.sqlite import spool

    def full(self: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spool.SortedSpool, "_write", full)
    folder = tmp_path / "out"
    folder.mkdir()
    result = run("export", str(folder / "x.jsonl"))
    assert result.exit_code == 74
    assert "Could not write" in result.output and "nothing was kept" in " ".join(result.output.split())
    assert list(folder.iterdir()) == []
    failed = loaded.rows("SELECT changes FROM audit_log WHERE action = 'export.pseudonymised.failed'")
    assert len(failed) == 1 and json.loads(failed[0][0])["error"] == [None, "FileProblem"]


def test_a_text_met_again_is_scrubbed_alike_and_its_names_counted_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from msp_cli.pseudonymised import names

    monkeypatch.setattr(names, "CACHED", 2)
    scrub = names.NameScrubber(["Zoë Smith", "Dave"])
    texts = ["Zoe said Dave took her card", "nothing to take", "SMITH and smith", "Zoe said Dave took her card"]
    fresh = [names.NameScrubber(["Zoë Smith", "Dave"])(t) for t in texts]
    assert [scrub(t) for t in texts * 2] == fresh * 2  # the cache holds 2, so some are scrubbed again
    assert fresh[0] == "[name] said [name] took her card" and scrub.replaced == 2 * (2 + 0 + 2 + 2)
