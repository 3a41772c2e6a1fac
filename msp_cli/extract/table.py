"""The extract itself, row by row: a CSV file or one sheet of an Excel workbook.

CSV text is UTF-8 (with or without the byte-order mark Excel writes) or Windows-1252, the
two that council systems give; the mapping can name another. Row numbers are those the
spreadsheet shows: the headings are row 1.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msp_cli.errors import MspError, UsageProblem

SUFFIXES = (".csv", ".xlsx")
Row = tuple[int, list[Any]]  # (row number as the spreadsheet shows it, cells)


@dataclass
class Extract:
    path: Path
    headings: list[str]
    read_rows: Callable[[], Iterator[Row]] = field(repr=False)  # the data rows, read afresh each call
    encoding: str | None = None  # CSV: the encoding read
    sheet: str | None = None  # xlsx: the sheet read
    sheets: list[str] = field(default_factory=list)

    def rows(self) -> Iterator[Row]:
        """Each data row (blank rows skipped), numbered as the spreadsheet numbers it."""
        return self.read_rows()


def check_path(path: Path) -> None:
    """Refuse what is not a readable .csv or .xlsx file, before the database is opened."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UsageProblem(f"{path.name} is an old Excel file (.xls); open it in Excel and save it as .xlsx.")
    if suffix not in SUFFIXES:
        raise UsageProblem(f"{path.name}: an extract must be a .csv or .xlsx file.")
    if path.is_dir():
        raise UsageProblem(f"{path} is a folder; give the extract file.")
    if not path.exists():
        raise UsageProblem(f"There is no file {path}; check the name and folder.")


def open_extract(path: Path, *, sheet: str | None = None, encoding: str | None = None, delimiter: str = ",") -> Extract:
    check_path(path)
    try:
        if path.suffix.lower() == ".csv":
            return _open_csv(path, encoding, delimiter)
        return _open_xlsx(path, sheet)
    except PermissionError:
        raise UsageProblem(f"You may not read {path}; check its permissions.") from None


def decode(data: bytes, encoding: str | None, name: str) -> tuple[str, str]:
    """(text, encoding used): the one named, else UTF-8 with or without BOM, else Windows-1252."""
    if encoding is not None:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            raise MspError(
                f"{name} is not {encoding} text (byte {exc.start + 1}); check encoding in the mapping's [source]."
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        return _decode_or_explain(data, "utf-8-sig", name), "utf-8-sig"
    with contextlib.suppress(UnicodeDecodeError):  # not UTF-8: the older Windows encoding, explained if not that
        return data.decode("utf-8"), "utf-8"
    return _decode_or_explain(data, "cp1252", name), "cp1252"


def _decode_or_explain(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise MspError(
            f"{name} is neither UTF-8 nor Windows-1252 text (byte {exc.start + 1});"
            ' give its encoding in the mapping, as [source] encoding = "latin-1".'
        ) from None


def _open_csv(path: Path, encoding: str | None, delimiter: str) -> Extract:
    text, used = decode(path.read_bytes(), encoding, path.name)

    def records() -> Iterator[list[str]]:
        try:
            yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        except csv.Error as exc:
            raise MspError(f"{path.name} is not readable as CSV ({exc}); check it opens in a spreadsheet.") from None

    first = next(iter(records()), None)
    if first is None or not any(cell.strip() for cell in first):
        raise MspError(f"{path.name} is empty or has no headings in its first row.")

    def rows() -> Iterator[Row]:
        numbered = enumerate(records(), start=1)
        next(numbered)  # the headings
        for number, cells in numbered:
            if any(cell.strip() for cell in cells):
                yield number, list(cells)

    return Extract(path, [h.strip() for h in first], rows, encoding=used)


def _open_xlsx(path: Path, sheet: str | None) -> Extract:
    import zipfile

    from openpyxl import load_workbook  # only for Excel: it costs start-up time
    from openpyxl.utils.exceptions import InvalidFileException

    def workbook() -> Any:
        try:
            return load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise MspError(
                f"{path.name} is not a readable .xlsx workbook; open it in Excel and save it again."
            ) from None

    book = workbook()
    try:
        names = list(book.sheetnames)
        chosen = sheet or names[0]
        if chosen not in names:
            raise MspError(
                f"{path.name} has no sheet {chosen!r}; its sheets: {', '.join(names)}. Check [source] sheet."
            )
        first = next(book[chosen].iter_rows(max_row=1, values_only=True), None)
    finally:
        book.close()
    if first is None or all(cell is None or str(cell).strip() == "" for cell in first):
        raise MspError(f"Sheet {chosen!r} of {path.name} is empty or has no headings in its first row.")

    def rows() -> Iterator[Row]:
        book = workbook()
        try:
            for number, cells in enumerate(book[chosen].iter_rows(min_row=2, values_only=True), start=2):
                if any(cell is not None and str(cell).strip() != "" for cell in cells):
                    yield number, list(cells)
        finally:
            book.close()

    headings = ["" if h is None else str(h).strip() for h in first]
    return Extract(path, headings, rows, sheet=chosen, sheets=names)
