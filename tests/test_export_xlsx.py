"""The xlsx export streamed (xlsxwriter's constant_memory): the workbook holds, cell for cell, the rows
table_rows makes of the very cases the JSON Lines export of the same database holds, with the
formats that matter (bold headings, frozen heading row, autofilter, column widths); its working
files sit in a private folder beside the export, gone after success and after a failure part way,
and never in $TMPDIR; a failure is one line, exit 74, audited, with nothing left and nothing
printed when the unfinished archive is collected; memory does not grow with the cases."""

from __future__ import annotations

import errno
import gc
import io
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from msp_cli import export
from msp_cli.export import COLUMN_WIDTHS, TABLES, table_rows
from tests.conftest import Run
from tests.helpers import demo_database, full_case, minimal_case
from tests.test_record import every_field_case

# texts a streamed sheet writes inline rather than in the shared table: kept exactly as they are
# (control characters are refused when a case is recorded)
AWKWARD = [
    "  leading and trailing blanks  ",
    "a line\nand another",
    "a tab\tinside",
    "_x0041_ is not an A",
    "=1+1",
    "@SUM(A1)",
    "Zoë said ‘no’ 🙂",
    "<b>&amp;</b>",
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_database(tmp_path_factory.mktemp("xlsx") / "demo300.db", 300, seed=11)


@pytest.fixture
def demo(demo_db: Path, db_path: Path) -> Path:
    """A copy of the demonstration database where MSP_DB points (an export may write its key)."""
    shutil.copyfile(demo_db, db_path)
    return db_path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder for the export, so anything else left there is seen."""
    made = tmp_path / "out"
    made.mkdir()
    return made


@pytest.fixture
def own_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$TMPDIR an empty folder of the test's own, so anything written there is seen."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)  # so the module reads TMPDIR again
    return folder


def _expected(lines_file: Path) -> dict[str, list[list[Any]]]:
    """Each table's heading and rows, from the JSON Lines export's cases (the xlsx export's own cases)."""
    sheets: dict[str, list[list[Any]]] = {name: [[c for c, _ in columns]] for name, columns in TABLES.items()}
    for line in lines_file.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if "case_ref" not in record:  # a demonstration export's marker line
            continue
        for name, rows in table_rows(record).items():
            sheets[name] += rows
    return sheets


def _assert_same_workbook(out: Path, lines_file: Path, about_file: Path) -> int:
    """Every cell of every sheet against the reference; returns how many cells were compared."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["About", *TABLES, "Data dictionary"]
    cells = 0
    for name, rows in _expected(lines_file).items():
        sheet = book[name]
        width = len(TABLES[name])
        got = [[_as_excel_reads(v) for v in r] for r in sheet.iter_rows(min_row=1, max_col=width, values_only=True)]
        assert sheet.max_column == width and got == rows, name  # empty cells read back as None
        cells += len(rows) * width
        for row, values in zip(sheet.iter_rows(min_row=2, max_col=width), rows[1:], strict=True):
            for cell, value in zip(row, values, strict=True):
                kind = "n" if isinstance(value, (int, float)) else "s"
                assert value is None or cell.data_type == kind, (name, cell.coordinate)
                assert not cell.font.b
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{get_column_letter(width)}{max(len(rows), 2)}"
        widths = _widths(sheet)
        for col, (column, _) in enumerate(TABLES[name], start=1):
            wanted = COLUMN_WIDTHS.get(column, max(12, len(column) + 2))
            assert round(widths[col] - wanted, 2) == 0.71, column  # xlsxwriter adds Excel's padding
    dictionary = book["Data dictionary"]
    assert [list(r) for r in dictionary.iter_rows(values_only=True)] == [
        ["table", "column", "meaning"],
        *([name, column, meaning] for name, columns in TABLES.items() for column, meaning in columns),
    ]
    assert all(cell.font.b for cell in dictionary[1]) and dictionary.freeze_panes == "A2"
    cover = book["About"]
    about = about_file.read_text(encoding="utf-8").splitlines()
    assert [r[0] for r in cover.iter_rows(values_only=True)] == about and len(about) > 5
    assert cover["A1"].font.b and not cover["A2"].font.b
    return cells


def _as_excel_reads(value: Any) -> Any:
    """A text cell decoded as Excel does (OOXML's _xHHHH_ escapes: xlsxwriter writes a literal '_x0041_' as
    '_x005F_x0041_'). openpyxl decodes shared strings but not the inline ones a streamed sheet holds."""
    return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), value) if isinstance(value, str) else value


_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")


def _widths(sheet: Any) -> dict[int, float]:
    """Each column's width (adjacent columns of one width are stored as one range)."""
    return {
        col: float(d.width)
        for d in sheet.column_dimensions.values()
        if d.customWidth
        for col in range(d.min, d.max + 1)
    }


def _export_both(run: Run, folder: Path, *args: str) -> tuple[Path, Path, Path]:
    out, lines, tables = folder / "x.xlsx", folder / "x.jsonl", folder / "tables"
    for target in (out, lines, tables):
        result = run("export", str(target), *args)
        assert result.exit_code == 0, result.output
    return out, lines, tables / "about.txt"


def test_a_streamed_workbook_holds_every_cell_of_a_demo_database(
    run: Run, demo: Path, folder: Path, own_tmp: Path
) -> None:
    out, lines, about = _export_both(run, folder, "--with-notes")
    cells = _assert_same_workbook(out, lines, about)
    assert cells > 300 * 30  # every case's row, and the rows of its outcomes, meetings ...
    assert sorted(p.name for p in out.parent.iterdir()) == ["tables", "x.jsonl", "x.xlsx"]  # no working folder
    assert list(own_tmp.iterdir()) == []  # no working file went to $TMPDIR


def test_awkward_texts_and_every_field_come_back_as_written(
    run: Run, initialised: Path, folder: Path, write_jsonl: Any, own_tmp: Path
) -> None:
    cases = [every_field_case(), full_case(case_ref="C-2"), minimal_case(concluded="2024-06-01")]
    for i, text in enumerate(AWKWARD):
        case = full_case(case_ref=f"C-AWK-{i}", person={"ref": f"P-AWK-{i}"}, closure_note=text)
        case["desired_outcomes"][0]["text"] = text
        cases.append(case)
    assert run("import", str(write_jsonl(cases))).exit_code == 0
    # pseudonymised with the notes: its JSON Lines are the very records the xlsx export writes
    out, lines, about = _export_both(run, folder, "--with-notes")
    _assert_same_workbook(out, lines, about)
    import openpyxl

    book = openpyxl.load_workbook(out)
    for name, column in (("cases", "closure_note"), ("desired_outcomes", "text")):
        at = [c for c, _ in TABLES[name]].index(column)
        texts = {_as_excel_reads(r[at]) for r in book[name].iter_rows(min_row=2, values_only=True)}
        assert set(AWKWARD) <= texts, name


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_the_working_folder_is_private_beside_the_export_and_gone_after(
    run: Run, demo: Path, folder: Path, own_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, int, int]] = []
    real = export.table_rows

    def looking(record: Any) -> Any:
        if not seen:  # part way: the export's partial file, and its working folder holding the sheets' rows
            for p in folder.iterdir():
                inside = len(list(p.iterdir())) if p.is_dir() else -1
                seen.append((p.name, stat.S_IMODE(p.stat().st_mode), inside))
        return real(record)

    monkeypatch.setattr(export, "table_rows", looking)
    assert run("export", str(folder / "x.xlsx")).exit_code == 0
    partial = [s for s in seen if s[2] == -1]
    working = [s for s in seen if s[2] >= 0]
    assert len(partial) == 1 and partial[0][1] == 0o600 and partial[0][0].startswith("x.xlsx.")
    assert (
        len(working) == 1 and working[0][1] == 0o700 and working[0][2] == len(TABLES) + 1
    )  # the About sheet and a table a sheet
    assert working[0][0].startswith("x.xlsx.") and working[0][0].endswith(".msp-partial")
    assert [p.name for p in folder.iterdir()] == ["x.xlsx"]
    assert stat.S_IMODE(os.stat(folder / "x.xlsx").st_mode) == 0o600
    assert list(own_tmp.iterdir()) == []


def _full_disk(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


class _FillsUp(io.FileIO):
    """The export file on a disk that fills once FULL bytes are written."""

    FULL = 20_000
    written = 0

    def write(self, data: Any) -> int:
        if self.written + len(data) > self.FULL:
            _full_disk()
        self.written += len(data)
        return super().write(data)


@pytest.mark.parametrize("where", ["rows", "sheets", "zip", "output"])
def test_a_failure_part_way_leaves_nothing_and_says_so_in_one_line(
    run: Run, demo: Path, folder: Path, own_tmp: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A full disk while the rows are written (the sheets' files), while the sheets are put together
    (xlsxwriter's own files), between two parts of the zip, or in the middle of one (the export file)."""
    import zipfile

    from xlsxwriter.worksheet import Worksheet

    if where == "rows":
        cases = []
        real = export.table_rows

        def filling(record: Any) -> Any:
            cases.append(1)
            if len(cases) == 150:
                _full_disk()
            return real(record)

        monkeypatch.setattr(export, "table_rows", filling)
    elif where == "sheets":
        monkeypatch.setattr(Worksheet, "_write_optimized_sheet_data", _full_disk)
    elif where == "zip":
        real_write = zipfile.ZipFile.write
        parts = []

        def part_way(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> None:
            parts.append(1)
            if len(parts) == 6:  # after the first few parts are in the archive
                _full_disk()
            real_write(self, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "write", part_way)
    else:
        monkeypatch.setattr(export, "private_file", lambda path: _FillsUp(path, "xb"))
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    result = run("export", str(folder / "x.xlsx"))
    code, lines = result.exit_code, result.output.strip().splitlines()
    del result
    gc.collect()  # the unfinished archive, collected now: it must neither write nor complain
    assert unraisable == []
    assert code == 74
    assert lines[-1].startswith("msp: Could not write") and "No space left on device" in lines[-1]
    assert "nothing was kept" in lines[-1] and not any("Traceback" in line for line in lines)
    assert list(folder.iterdir()) == [] and list(own_tmp.iterdir()) == []
    from msp_cli.storage.sqlite.store import open_store

    store = open_store(demo)
    try:
        last = store.conn.execute("SELECT action, changes FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        store.close()
    assert last[0] == "export.pseudonymised.failed" and json.loads(last[1])["error"] == [None, "FileProblem"]


def test_a_sheet_too_large_for_a_zip_without_zip64_is_refused_in_one_line(
    run: Run, demo: Path, folder: Path, own_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 50_000)  # the cases sheet's XML is larger than this
    result = run("export", str(folder / "x.xlsx"))
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "A sheet would be larger than an Excel workbook made here can hold" in said and "Export to csv" in said
    assert list(folder.iterdir()) == [] and list(own_tmp.iterdir()) == []


def _synthetic(n: int) -> Any:
    base = every_field_case()
    for i in range(n):
        yield {**base, "case_ref": f"C-{i:07d}"}


def _peak_bytes(tmp_path: Path, n: int) -> int:
    out = tmp_path / f"x{n}.xlsx"
    gc.collect()
    tracemalloc.start()
    try:
        assert export.write_xlsx(out, _synthetic(n), lambda: ["msp export"]) == n
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_cases(tmp_path: Path) -> None:
    _peak_bytes(tmp_path, 20)  # xlsxwriter's first workbook loads what every later one uses
    small, large = _peak_bytes(tmp_path, 150), _peak_bytes(tmp_path, 600)
    # built in memory, the workbook grew by about 20 KB a case here (9 MB more); streamed, by nothing
    assert large - small < 500_000, (small, large)
