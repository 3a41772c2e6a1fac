"""The national return as files: the long CSV of the national data, and an xlsx laid out as the
published data tables are.

Both are drawn from the object `msp report sac --json` prints (figures.sac), through one list of
tables, so they carry exactly its figures, published or not.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msp_cli import vocab
from msp_cli.reports.publish import Count

ENQUIRY_COLUMNS = ("Safeguarding Concerns", "Section 42 Enquiries", "Other Enquiries")
CONCLUDED = "Concluded Section 42 Enquiries"
LONG_HEADER = ("TABLE_REFERENCE", "ENQUIRY_TYPE", "CATEGORY", "SUBCATEGORY", "VALUE")
SUPPORTED = "Support provided by an advocate, family or friend"
ALL_LOCATIONS = "All locations"


@dataclass(frozen=True)
class Block:
    """Rows of one table, with a value for each column (an ENQUIRY_TYPE of the long CSV)."""

    heading: str  # what the rows are, above the first column
    columns: tuple[str, ...]
    rows: list[tuple[str, list[Count]]]
    parent: str | None = None  # a second level: the CATEGORY these rows (SUBCATEGORY) belong to


@dataclass(frozen=True)
class Table:
    ref: str
    title: str
    blocks: list[Block]


def _block(heading: str, counts: dict[str, Count], parent: str | None = None) -> Block:
    return Block(heading, (CONCLUDED,), [(label, [n]) for label, n in counts.items()], parent)


# SG1 table reference -> (JSON key, title, first column heading)
SG1 = (
    ("SG1a", "individuals_by_age_band", "Individuals by age band (age on the last day of the period)", "Age band"),
    ("SG1b", "individuals_by_sex", "Individuals by sex", "Sex"),
    ("SG1c", "individuals_by_ethnicity", "Individuals by ethnicity", "Ethnicity"),
    ("SG1d", "individuals_by_primary_support_reason", "Individuals by primary support reason", "Support reason"),
)


def tables(obj: dict[str, Any]) -> list[Table]:
    """The tables of the return, in its order, from the JSON object of `msp report sac`."""
    out = []
    for ref, key, title, heading in SG1:
        columns = obj[key]
        labels = list(columns[ENQUIRY_COLUMNS[0]])
        rows = [(label, [columns[c][label] for c in ENQUIRY_COLUMNS]) for label in labels]
        out.append(Table(ref, title, [Block(heading, ENQUIRY_COLUMNS, rows)]))
    totals = [obj[k] for k in ("concerns", "section_42_enquiries", "other_enquiries", "concluded_section_42_enquiries")]
    out += [
        Table("SG1f", "Totals in the period", [Block("Count", (*ENQUIRY_COLUMNS, CONCLUDED), [("Total", totals)])]),
        Table("SG2a", "Type of risk (one enquiry may have several)", [_block("Type of risk", obj["type_of_risk"])]),
        Table(
            "SG2b",
            "Location and source of risk",
            [
                _block("Location of risk", obj["location_of_risk"]),
                _block("Source of risk (all locations)", obj["source_of_risk"], ALL_LOCATIONS),
            ],
        ),
        Table("SG2c", "Risk assessment outcome", [_block("Risk assessment outcome", obj["risk_assessment_outcome"])]),
        Table(
            "SG2e",
            "Risk outcome (where risk was identified and action taken)",
            [_block("Risk outcome", obj["risk_outcome"])],
        ),
        Table(
            "SG3a",
            "Mental capacity",
            [
                _block("Did the individual lack capacity?", obj["lacked_capacity"]),
                _block(
                    "Where they lacked capacity",
                    {SUPPORTED: obj["lacked_capacity_supported"]},
                    vocab.LACKED_CAPACITY_YES,
                ),
            ],
        ),
        Table(
            "SG4a",
            "Making Safeguarding Personal",
            [
                _block("Were they asked about desired outcomes?", obj["asked_about_outcomes"]),
                _block("Were the outcomes achieved?", obj["outcomes_achieved"], vocab.ASKED_AND_EXPRESSED),
            ],
        ),
    ]
    return out


def long_rows(obj: dict[str, Any]) -> list[tuple[str, str, str, str, Count]]:
    """One figure a row, in the shape of the national CSV."""
    out = []
    for table in tables(obj):
        for block in table.blocks:
            for label, values in block.rows:
                category, subcategory = (block.parent, label) if block.parent else (label, "")
                for column, value in zip(block.columns, values, strict=True):
                    out.append((table.ref, column, category, subcategory, value))
    return out


def to_long_csv(obj: dict[str, Any], *, demo: bool, heading: str | None = None) -> str:
    from msp_cli.export import safe_cell
    from msp_cli.ui import DEMO_BANNER

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if demo:
        writer.writerow([DEMO_BANNER.strip()])
    if heading is not None:  # a period still running: "year to date (to DATE)"
        writer.writerow([safe_cell(heading)])
    writer.writerow(LONG_HEADER)
    writer.writerows([safe_cell(cell) for cell in row] for row in long_rows(obj))
    return out.getvalue()


def write_xlsx(path: Path, obj: dict[str, Any], cover: list[tuple[str, str]], *, demo: bool) -> None:
    """A cover sheet (COVER: label, value), then one sheet a table."""
    try:
        import xlsxwriter
    except ImportError:
        from msp_cli.errors import MspError
        from msp_cli.hints import install_command

        raise MspError(
            "The xlsx return needs xlsxwriter, which every install of msp-safeguarding brings; it is missing here.",
            hint=f"Install it with: {install_command('xlsxwriter')}",
        ) from None
    from msp_cli.ui import DEMO_BANNER

    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    buffer = io.BytesIO()  # a few small tables: in memory, then written by us, so a full disk fails our write
    workbook = xlsxwriter.Workbook(buffer, options)
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"})
    number = workbook.add_format({"align": "right"})
    sheet = workbook.add_worksheet("Cover")
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 100)
    row = 0
    if demo:
        sheet.write_string(row, 0, DEMO_BANNER.strip(), title)
        row += 2
    sheet.write_string(row, 0, "Safeguarding Adults Collection", title)
    row += 2
    for label, value in cover:
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, value)
        row += 1
    for table in tables(obj):
        sheet = workbook.add_worksheet(table.ref)
        sheet.set_column(0, 0, 52)
        sheet.set_column(1, 4, 18)
        sheet.write_string(0, 0, f"{table.ref} {table.title}", title)
        row = 1
        if demo:
            sheet.write_string(row, 0, DEMO_BANNER.strip(), bold)
            row += 1
        for block in table.blocks:
            row += 1
            if block.parent:
                sheet.write_string(row, 0, block.parent, bold)
                row += 1
            sheet.write_row(row, 0, [block.heading, *block.columns], header)
            row += 1
            for label, values in block.rows:
                sheet.write_string(row, 0, label)
                for col, figure in enumerate(values, start=1):
                    if isinstance(figure, str):
                        sheet.write_string(row, col, figure, number)  # [c], right-aligned as numbers are
                    else:
                        sheet.write_number(row, col, figure)
                row += 1
    workbook.close()
    path.write_bytes(buffer.getbuffer())
