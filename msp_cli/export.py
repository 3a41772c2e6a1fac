"""Data out: JSON Lines, a folder of CSV tables, or an Excel workbook; pseudonymised by default.

Pseudonymised means: person, case and worker references replaced by a keyed hash
(HMAC-SHA256 with a key kept in the database, never in the export), so one person has one
pseudonym in every export from the same database; names dropped; free text dropped unless
asked for. Ages are bands already. Months for dates, an order of their own, names out of the
notes and the small-groups check are msp_cli.pseudonymised's. Cases are read a chunk at a time
in the order they are stored and written as they come (a pseudonymised export's sorted on disk
first), so memory stays flat however many there are. No cell written to a spreadsheet can
become a formula.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from msp_cli.pseudonymised.dates import INTERVAL_COLUMNS, interval_cells
from msp_cli.record import Case
from msp_cli.record.fields import Field, Kind, fields_of
from msp_cli.storage import Storage
from msp_cli.ui import DEMO_BANNER

KEY_SETTING = "pseudonym_key"
NOT_EXPORTED = "[not exported]"

# The export tables, from the field table: (table, group of its rows, where its rows sit in a case)
TABLE_SOURCES = (
    ("cases", "case", ""),
    ("desired_outcomes", "outcome", "desired_outcomes"),
    ("meetings", "meeting", "meetings"),
    ("feedback", "feedback", "feedback"),
    ("reviews", "review", "reviews"),
    ("outcome_progress", "progress", "desired_outcomes.progress"),
    ("earlier_wordings", "wording", "desired_outcomes.earlier_wordings"),
    ("earlier_closures", "earlier_closure", "earlier_closures"),
)


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    path: tuple[Field, ...]  # the field, after the objects that hold it


def _meaning(f: Field) -> str:
    if f.pseudonym:
        return f"{f.meaning} (a pseudonym unless the export is identifiable)"
    if f.identifying:
        return f"{f.meaning} (identifiable exports only)"
    if f.free_text:
        return f"{f.meaning} (free text; with --with-notes only)"
    return f.meaning


def _columns(group: str, held_in: tuple[Field, ...] = ()) -> list[Column]:
    """GROUP's fields as flat columns: nested objects spread out, lists left to their own tables."""
    columns = []
    for f in fields_of(group):
        if f.kind is Kind.OBJECT:
            assert f.sub is not None
            columns += _columns(f.sub, (*held_in, f))
        elif f.kind is not Kind.LIST:
            columns.append(Column(f.export_column, _meaning(f), (*held_in, f)))
    return columns


def _key_columns(where: str) -> list[tuple[str, str]]:
    if not where:
        return []
    keys = [("case_ref", "The case")]
    if "." in where:
        keys.append(("outcome", "Which desired outcome: 1 for the first, and so on"))
    keys.append(("number", "1 for the first, and so on"))
    return keys


COLUMNS: dict[str, list[Column]] = {name: _columns(group) for name, group, _ in TABLE_SOURCES}
# table -> [(column, meaning)]: the data dictionary, and the column order of csv and xlsx
TABLES: dict[str, list[tuple[str, str]]] = {
    name: [*_key_columns(where), *((c.name, c.meaning) for c in COLUMNS[name]), *INTERVAL_COLUMNS.get(name, [])]
    for name, _, where in TABLE_SOURCES
}


class Pseudonymiser:
    """Keyed hashes of references (HMAC-SHA256): stable within one database, meaningless without its key.

    The key's inner and outer hash states are worked out once (RFC 2104's construction, which
    hmac.new repeats for every value), and a value met again (a worker's, a person's) is hashed
    once while the cache, emptied when full so memory stays flat, holds it.
    """

    CACHED = 65536

    def __init__(self, key: bytes) -> None:
        self.key = key
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        self._known: dict[str, str] = {}

    def __call__(self, kind: str, value: str | None) -> str | None:
        if value is None:
            return None
        message = f"{kind}:{value}"
        found = self._known.get(message)
        if found is None:
            inner = self._inner.copy()
            inner.update(message.encode())
            outer = self._outer.copy()
            outer.update(inner.digest())
            found = f"{kind[0].upper()}-{outer.hexdigest()[:16]}"
            if len(self._known) >= self.CACHED:
                self._known.clear()
            self._known[message] = found
        return found


def pseudonymiser(store: Storage) -> Pseudonymiser:
    key = store.setting(KEY_SETTING)
    if key is None:  # a database made before keys, or by msp demo: make its key once
        key = secrets.token_hex(32)
        with store.write() as audit:
            store.set_setting(audit, KEY_SETTING, key, secret=True)
    return Pseudonymiser(bytes.fromhex(key))


@dataclass(frozen=True)
class _RowPlan:
    """How one export table's columns are read from an object: worked out once, as every row is read by it."""

    keys: tuple[str, ...]  # each column's key in the object
    nested: tuple[tuple[int, tuple[str, ...]], ...]  # (column, keys further in) of columns inside a nested object
    yes_no: tuple[int, ...]  # booleans, written yes or no
    joined: tuple[int, ...]  # lists of labels, written "a; b"

    @classmethod
    def of(cls, columns: list[Column]) -> _RowPlan:
        kinds = [c.path[-1].kind for c in columns]
        return cls(
            tuple(c.path[0].key for c in columns),
            tuple((i, tuple(f.key for f in c.path[1:])) for i, c in enumerate(columns) if len(c.path) > 1),
            tuple(i for i, kind in enumerate(kinds) if kind is Kind.BOOL),
            tuple(i for i, kind in enumerate(kinds) if kind in (Kind.LABELS, Kind.LABEL_SEQ)),
        )

    def row(self, obj: dict[str, Any]) -> list[Any]:
        get = obj.get
        row: list[Any] = [get(key) for key in self.keys]
        for i, further in self.nested:
            value = row[i]
            for key in further:
                value = (value or {}).get(key)
            row[i] = value
        for i in self.yes_no:
            if row[i] is not None:
                row[i] = "yes" if row[i] else "no"
        for i in self.joined:
            row[i] = "; ".join(v or "" for v in row[i])
        return row


_ROW_PLANS = {name: _RowPlan.of(columns) for name, columns in COLUMNS.items()}


def _row(table: str, obj: dict[str, Any]) -> list[Any]:
    return _ROW_PLANS[table].row(obj)


def table_rows(r: Case) -> dict[str, list[list[Any]]]:
    """One case as rows of the export tables (columns in the order of TABLES)."""
    record = cast(dict[str, Any], r)
    ref = r["case_ref"]
    rows: dict[str, list[list[Any]]] = {}
    for name, _, where in TABLE_SOURCES:
        if not where:
            rows[name] = [[*_row(name, record), *interval_cells(name, record)]]
        elif "." not in where:
            rows[name] = [
                [ref, i, *_row(name, item), *interval_cells(name, item)]
                for i, item in enumerate(record.get(where, []), start=1)
            ]
        else:
            parent, child = where.split(".")
            rows[name] = [
                [ref, i, j, *_row(name, item), *interval_cells(name, item)]
                for i, holder in enumerate(record[parent], start=1)
                for j, item in enumerate(holder.get(child, []), start=1)
            ]
    return rows


def private_file(path: Path) -> IO[bytes]:
    """A new file only its owner may read (exports hold personal data); refuses to overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    return os.fdopen(fd, "wb")


def safe_cell(value: Any) -> Any:
    """CSV for Excel: a text cell that could start a formula gets a leading ' that keeps it text.

    Spreadsheets skip leading blanks, tabs and line breaks, read full-width ＝＋－＠ as = + - @,
    and ignore zero-width characters, so each of those counts as the start of a formula too.
    """
    if isinstance(value, str) and value and value[0] not in _PLAIN_START:
        start = unicodedata.normalize("NFKC", _IGNORED_BEFORE_FORMULA.sub("", value)[:1])
        if start in ("=", "+", "-", "@") or value[0] in ("\t", "\r", "\n"):
            return "'" + value
    return value


# what a spreadsheet passes over before the first character it reads: blanks, controls, zero-width
# printable ASCII other than = + - @: a cell starting with one is text as it stands (most cells do)
_PLAIN_START = frozenset(map(chr, range(0x21, 0x7F))) - set("=+-@")
_IGNORED_BEFORE_FORMULA = re.compile(r"^[\s\x00-\x1f\u00ad\u200b-\u200f\u2060-\u2064\ufeff]+")


# json.dumps(record, ensure_ascii=False), made once; a record is a tree, so no check for cycles
_JSON = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def json_text(record: Case | dict[str, Any]) -> str:
    """A case as one line of JSON Lines (without its line break)."""
    return _JSON.encode(record)


def write_jsonl(path: Path, lines: Iterable[str], *, demo: bool = False) -> int:
    """One case a line (LINES are json_text's); a demonstration export starts with the marker line, which
    import keeps."""
    from msp_cli.interchange import demo_marker_line

    count = 0
    with private_file(path) as out:
        if demo:
            out.write(demo_marker_line().encode("utf-8"))
        for line in lines:
            out.write((line + "\n").encode("utf-8"))
            count += 1
    return count


def write_csv(folder: Path, records: Iterable[Case], about: Callable[[], list[str]], *, demo: bool = False) -> int:
    """A folder of tables, the data dictionary and about.txt (ABOUT is asked once the cases are written);
    in a demonstration export every row of every table says so in a last column."""
    mark = [DEMO_BANNER.strip()] if demo else []
    folder.mkdir(mode=0o700)
    handles = {name: private_file(folder / f"{name}.csv") for name in TABLES}
    try:
        writers = {}
        for name, handle in handles.items():
            handle.write("\ufeff".encode())  # a byte-order mark, so Excel reads UTF-8
            text = _text(handle)
            writers[name] = (csv.writer(text, lineterminator="\r\n"), text)
            writers[name][0].writerow([c for c, _ in TABLES[name]] + (["demonstration_data"] if demo else []))
        count = 0
        for record in records:
            for name, rows in table_rows(record).items():
                for row in rows:
                    writers[name][0].writerow([*map(_csv_cell, row), *mark])
            count += 1
        for _, text in writers.values():
            text.flush()
            text.detach()
    finally:
        for handle in handles.values():
            with contextlib.suppress(OSError):  # a full disk fails the flush; close every one regardless
                handle.close()
    with private_file(folder / "data_dictionary.csv") as handle:
        handle.write("\ufeff".encode())
        text = _text(handle)
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(["table", "column", "meaning"])
        for name, columns in TABLES.items():
            for column, meaning in columns:
                writer.writerow([f"{name}.csv", column, meaning])
        text.flush()
        text.detach()
    with private_file(folder / "about.txt") as handle:
        handle.write(("\r\n".join(about()) + "\r\n").encode("utf-8"))
    return count


def _csv_cell(value: Any) -> Any:
    """A value as a csv cell: empty for null, and safe_cell's guard where a text could start a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value and value[0] not in _PLAIN_START:
        return safe_cell(value)
    return value


def _text(handle: IO[bytes]) -> Any:
    import io

    return io.TextIOWrapper(handle, encoding="utf-8", newline="")


EXCEL_ROWS = 1_048_576  # the rows of an Excel sheet, the heading's among them


def too_many_rows(table: str) -> Exception:
    """The refusal of an xlsx export with a sheet longer than Excel allows (xlsxwriter would drop the rows)."""
    from msp_cli.errors import UsageProblem

    return UsageProblem(
        f"The {table} sheet would need more than the {EXCEL_ROWS - 1:,} rows an Excel sheet holds; nothing was"
        " written. Export to csv (a folder of tables), or fewer cases with --year, --quarter, --team or --worker."
    )


COLUMN_WIDTHS = {
    "text": 60,
    "negotiated_text": 40,
    "summary": 50,
    "note": 40,
    "closure_note": 40,
    "consent_note": 30,
    "best_interests_note": 40,
    "negotiated_note": 30,
    "risk_types": 40,
    "responses": 50,
    "attendees": 40,
    "category": 45,
}


def write_xlsx(path: Path, records: Iterable[Case], about: Callable[[], list[str]]) -> int:
    """The cover sheet, a sheet a table and the data dictionary (ABOUT is asked once the cases are written).

    Memory stays flat however many cases: xlsxwriter's constant_memory mode writes each sheet's rows
    as they come to a file of its own (text inline, not in a table of shared strings), and the zip
    is written straight into PATH. Those working files hold what the export does, so they go in a
    private folder beside PATH (atomic.working_folder), removed when the export ends, failed or not.
    xlsxwriter (3.x) makes them with tempfile.mkstemp on every platform, not TemporaryFile: they have
    names until it removes each, once copied on, on POSIX as on Windows. So a kill part way leaves that
    folder (0700 on POSIX; on Windows it takes the folder's own permissions, as the export does), named
    as a partial of the export, where the next export of the same name removes it; nothing goes to $TMPDIR.
    """
    from msp_cli import atomic

    xlsxwriter = _xlsxwriter()
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "default_date_format": "yyyy-mm-dd",
    }
    with atomic.working_folder(path) as working, private_file(path) as handle:
        target = _ZipTarget(handle)
        workbook = xlsxwriter.Workbook(target, {**options, "tmpdir": str(working)})
        try:
            try:
                count = _fill_workbook(workbook, records, about)
                workbook.close()
            except BaseException:
                target.cut_off()
                _close_sheets(workbook)
                raise
        except xlsxwriter.exceptions.FileCreateError as failed:  # the OSError it wraps: a full disk is one line
            cause = failed.args[0]
            raise OSError(cause.errno, cause.strerror) from None
        except xlsxwriter.exceptions.FileSizeError:  # a part over 2 GB needs ZIP64, which Excel reads badly
            raise _too_large() from None
    return count


def _too_large() -> Exception:
    from msp_cli.errors import UsageProblem

    return UsageProblem(
        "A sheet would be larger than an Excel workbook made here can hold (2 GB before compression); nothing was"
        " written. Export to csv (a folder of tables), or fewer cases with --year, --quarter, --team or --worker."
    )


def _xlsxwriter() -> Any:
    try:
        import xlsxwriter
        import xlsxwriter.exceptions
    except ImportError:
        from msp_cli.errors import MspError
        from msp_cli.hints import install_command

        raise MspError(
            "Excel export needs xlsxwriter, which every install of msp-safeguarding brings; it is missing here.",
            hint=f"Install it with: {install_command('xlsxwriter')}",
        ) from None
    return xlsxwriter


class _ZipTarget:
    """The export file as xlsxwriter's zip writer sees it. Cut off after a failure: whatever the unfinished
    archive does when it is collected (write its closing records) then goes nowhere, so it can neither
    fail again on a full disk or a closed file nor print."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle: IO[bytes] | _Nowhere = handle

    def cut_off(self) -> None:
        self._handle = _Nowhere()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


class _Nowhere:
    """Takes what is written and keeps only the position, which the zip writer reads back. A plain
    object: a BytesIO would not do, as the cycle collector may close it before the archive's clean-up."""

    def __init__(self) -> None:
        self.at = 0

    def write(self, data: bytes) -> int:
        self.at += len(data)
        return len(data)

    def seek(self, at: int, whence: int = 0) -> int:  # the zip writer seeks only from the start
        self.at = at
        return at

    def tell(self) -> int:
        return self.at

    def flush(self) -> None:
        """Nothing is kept, so nothing waits to be written."""


def _close_sheets(workbook: Any) -> None:
    """Close each sheet's file of rows after a failure, so its folder can be removed (Windows will not
    remove an open file). xlsxwriter's own step for this, which its close() takes when all went well."""
    for sheet in workbook.worksheets():
        with contextlib.suppress(Exception):
            sheet._opt_close()


def _fill_workbook(workbook: Any, records: Iterable[Case], about: Callable[[], list[str]]) -> int:
    """Every sheet, each written top row first (constant_memory keeps no row once the next is begun)."""
    bold = workbook.add_format({"bold": True})
    cover = workbook.add_worksheet("About")  # first in the workbook, filled last
    sheets = {}
    for name, columns in TABLES.items():
        sheet = workbook.add_worksheet(name)
        for col, (column, _) in enumerate(columns):
            sheet.set_column(col, col, COLUMN_WIDTHS.get(column, max(12, len(column) + 2)))
            sheet.write_string(0, col, column, bold)
        sheet.freeze_panes(1, 0)
        sheets[name] = [sheet, 1]
    count = 0
    for record in records:
        for name, rows in table_rows(record).items():
            sheet, row_number = sheets[name]
            if row_number + len(rows) > EXCEL_ROWS:
                raise too_many_rows(name)
            for row in rows:
                for col, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, str):
                        sheet.write_string(row_number, col, value)
                    else:
                        sheet.write_number(row_number, col, value)
                row_number += 1
            sheets[name][1] = row_number
        count += 1
    for name, (sheet, rows_written) in sheets.items():
        sheet.autofilter(0, 0, max(rows_written - 1, 1), len(TABLES[name]) - 1)
    dictionary = workbook.add_worksheet("Data dictionary")
    dictionary.set_column(0, 1, 24)
    dictionary.set_column(2, 2, 90)
    for col, heading in enumerate(("table", "column", "meaning")):
        dictionary.write_string(0, col, heading, bold)
    row_number = 1
    for name, columns in TABLES.items():
        for column, meaning in columns:
            for col, value in enumerate((name, column, meaning)):
                dictionary.write_string(row_number, col, value)
            row_number += 1
    dictionary.freeze_panes(1, 0)
    cover.set_column(0, 0, 110)
    for i, line in enumerate(about()):
        cover.write_string(i, 0, line, bold if i == 0 else None)
    return count


def about_lines(*, period: str, identifiable: bool, with_notes: bool, demo: bool, cases: int) -> list[str]:
    lines = [DEMO_BANNER.strip()] if demo else []
    lines += [
        "msp export",
        f"Period: {period}",
        f"Cases: {cases}",
        "Identifiable: names and references as recorded."
        if identifiable
        else "Pseudonymised: person, case and worker references are keyed hashes (the same person has the same"
        " pseudonym in every export from this database); names are removed; ages are bands.",
        "Free text (notes, summaries, the person's words) is included."
        if with_notes or identifiable
        else f"Free text is not exported: notes are empty and the person's words read {NOT_EXPORTED}.",
        "Special category personal data (UK GDPR Article 9): keep it secure and delete it when no longer needed.",
    ]
    return lines
