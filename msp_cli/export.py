"""Data out: JSON Lines, a folder of CSV tables, or an Excel workbook; pseudonymised by default.

Pseudonymised means: person, case and worker references replaced by a keyed hash
(HMAC-SHA256 with a key kept in the database, never in the export), so one person has one
pseudonym in every export from the same database; names dropped; free text dropped unless
asked for. Ages are bands already. Cases are read and written one at a time, so memory
stays flat however many there are. No cell written to a spreadsheet can become a formula.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from msp_cli.model import Record
from msp_cli.storage.sqlite.case_store import feedback_values
from msp_cli.storage.sqlite.store import Store
from msp_cli.ui import DEMO_BANNER

KEY_SETTING = "pseudonym_key"
NOT_EXPORTED = "[not exported]"

# table -> [(column, meaning)]: the data dictionary, and the column order of csv and xlsx
TABLES: dict[str, list[tuple[str, str]]] = {
    "cases": [
        ("case_ref", "The case reference (a pseudonym unless the export is identifiable)"),
        ("person_ref", "The person's reference (a pseudonym unless identifiable); the same person, the same value"),
        ("person_name", "The person's name (identifiable exports only)"),
        ("age_band", "SG1a age band"),
        ("sex", "SG1b sex"),
        ("ethnicity", "SG1c ethnicity"),
        ("primary_support_reason", "SG1d primary support reason"),
        ("worker", "Lead worker (a pseudonym unless identifiable)"),
        ("team", "Team"),
        ("concern_received", "Date the concern was received (ISO)"),
        ("enquiry_type", "Section 42, Other, or None (no enquiry)"),
        ("enquiry_started", "Date the enquiry started"),
        ("risk_types", "SG2a types of risk, separated by '; '"),
        ("location_of_risk", "SG2b location of risk"),
        ("source_of_risk", "SG2b source of risk"),
        ("consent_sought", "Was consent sought (yes/no)"),
        ("consent_given", "Was consent given (yes/no)"),
        ("proceeded_without_consent_reason", "Why the enquiry went ahead without consent"),
        ("consent_note", "Note on consent (free text; with --with-notes only)"),
        ("lacked_capacity", "SG3a: did the person lack capacity for decisions about the enquiry"),
        ("capacity_support", "Support for a person lacking capacity: Advocate, Family or friend, None"),
        ("best_interests_note", "Best-interests note (free text; with --with-notes only)"),
        ("advocacy_offered", "Date advocacy was offered"),
        ("advocacy_started", "Date advocacy started"),
        ("advocacy_type", "Care Act advocate, IMCA or Other advocate"),
        ("asked_about_outcomes", "SG4a: was the person or their representative asked about desired outcomes"),
        ("responses", "MSP toolkit responses (planned while open, used once closed), separated by '; '"),
        ("concluded", "Date the enquiry concluded"),
        ("risk_assessment_outcome", "SG2c risk assessment outcome"),
        ("risk_outcome", "SG2e risk outcome"),
        ("outcomes_achieved", "SG4a: were the desired outcomes achieved"),
        ("closure_note", "Closure note (free text; with --with-notes only)"),
    ],
    "desired_outcomes": [
        ("case_ref", "The case"),
        ("number", "1 for the first desired outcome, and so on"),
        ("text", "The outcome in the person's own words (free text; with --with-notes only)"),
        ("category", "Desired outcome category (the MSP evaluation's Table 9)"),
        ("expressed_by", "Person or Representative"),
        ("negotiated_text", "The negotiated outcome, where it differs (free text; with --with-notes only)"),
        ("negotiated_reason", "Why the negotiated outcome differs"),
        ("negotiated_note", "Note on why (free text; with --with-notes only)"),
        ("achieved", "Fully, Partially or Not Achieved, judged at closure"),
    ],
    "meetings": [
        ("case_ref", "The case"),
        ("number", "1 for the first meeting, and so on"),
        ("date", "Date held"),
        ("kind", "Kind of meeting"),
        ("location", "Where it was held"),
        ("location_chosen_by_person", "Did the person choose where (yes/no)"),
        ("attendees", "Who attended, separated by '; '"),
        ("person_prepared", "Was the person prepared (yes/no)"),
        ("minutes_spent", "Minutes spent"),
        ("summary", "Summary (free text; with --with-notes only)"),
    ],
    "feedback": [
        ("case_ref", "The case"),
        ("number", "1 for the first feedback, and so on"),
        ("date", "Date given"),
        ("given_by", "Person or Representative"),
        ("felt_listened_to", "1 (not at all) to 5 (completely)"),
        ("felt_involved", "1 to 5"),
        ("feels_safer", "1 to 5"),
        ("outcomes_met", "1 to 5"),
        ("note", "Their words (free text; with --with-notes only)"),
    ],
}


class Pseudonymiser:
    """Keyed hashes of references: stable within one database, meaningless without its key."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def __call__(self, kind: str, value: str | None) -> str | None:
        if value is None:
            return None
        digest = hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind[0].upper()}-{digest[:16]}"


def pseudonymiser(store: Store) -> Pseudonymiser:
    key = store.setting(KEY_SETTING)
    if key is None:  # a database made before keys, or by msp demo: make its key once
        key = secrets.token_hex(32)
        with store.write() as audit:
            store.set_setting(audit, KEY_SETTING, key, secret=True)
    return Pseudonymiser(bytes.fromhex(key))


def pseudonymise(record: Record, pseudonym: Pseudonymiser, *, with_notes: bool) -> Record:
    """The record with references replaced, names dropped, and free text dropped unless WITH_NOTES."""
    r = copy.deepcopy(record)
    r["case_ref"] = pseudonym("case", r["case_ref"])
    r["person"]["ref"] = pseudonym("person", r["person"]["ref"])
    r["person"]["name"] = None
    r["worker"] = pseudonym("worker", r["worker"])
    if with_notes:
        return r
    for part, key in (("consent", "note"), ("capacity", "best_interests_note")):
        if r[part]:
            r[part][key] = None
    r["closure_note"] = None
    for o in r["desired_outcomes"]:
        o["text"] = NOT_EXPORTED  # required by the format, so marked rather than removed
        if o["negotiated"]:
            o["negotiated"]["text"] = NOT_EXPORTED
            o["negotiated"]["note"] = None
    for m in r["meetings"]:
        m["summary"] = None
    for f in r["feedback"]:
        f["note"] = None
    return r


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def table_rows(r: Record) -> dict[str, list[list[Any]]]:
    """One case as rows of the export tables (columns in the order of TABLES)."""
    p, consent, capacity, advocacy = r["person"], r["consent"] or {}, r["capacity"] or {}, r["advocacy"] or {}
    case = [
        r["case_ref"],
        p["ref"],
        p["name"],
        p["age_band"],
        p["sex"],
        p["ethnicity"],
        p["primary_support_reason"],
        r["worker"],
        r["team"],
        r["concern_received"],
        r["enquiry_type"],
        r["enquiry_started"],
        "; ".join(r["risk_types"]),
        r["location_of_risk"],
        r["source_of_risk"],
        _yes_no(consent.get("sought")),
        _yes_no(consent.get("given")),
        consent.get("proceeded_without_consent_reason"),
        consent.get("note"),
        capacity.get("lacked_capacity"),
        capacity.get("support"),
        capacity.get("best_interests_note"),
        advocacy.get("offered"),
        advocacy.get("started"),
        advocacy.get("type"),
        r["asked_about_outcomes"],
        "; ".join(r["responses"]),
        r["concluded"],
        r["risk_assessment_outcome"],
        r["risk_outcome"],
        r["outcomes_achieved"],
        r["closure_note"],
    ]
    outcomes = [
        [
            r["case_ref"],
            i,
            o["text"],
            o["category"],
            o["expressed_by"],
            (o["negotiated"] or {}).get("text"),
            (o["negotiated"] or {}).get("reason"),
            (o["negotiated"] or {}).get("note"),
            o["achieved"],
        ]
        for i, o in enumerate(r["desired_outcomes"], start=1)
    ]
    meetings = [
        [
            r["case_ref"],
            i,
            m["date"],
            m["kind"],
            m["location"],
            _yes_no(m["location_chosen_by_person"]),
            "; ".join(m["attendees"]),
            _yes_no(m["person_prepared"]),
            m["minutes_spent"],
            m["summary"],
        ]
        for i, m in enumerate(r["meetings"], start=1)
    ]
    # feedback columns are the interchange object's, in its order
    feedback = [[r["case_ref"], i, *feedback_values(f)] for i, f in enumerate(r["feedback"], start=1)]
    return {"cases": [case], "desired_outcomes": outcomes, "meetings": meetings, "feedback": feedback}


def private_file(path: Path) -> IO[bytes]:
    """A new file only its owner may read (exports hold personal data); refuses to overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    return os.fdopen(fd, "wb")


def safe_cell(value: Any) -> Any:
    """CSV for Excel: a text cell starting = + - @ would run as a formula; a leading ' keeps it text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def write_jsonl(path: Path, records: Iterable[Record], *, demo: bool = False) -> int:
    """One case a line; a demonstration export starts with the marker line, which import keeps."""
    from msp_cli.interchange import demo_marker_line

    count = 0
    with private_file(path) as out:
        if demo:
            out.write(demo_marker_line().encode("utf-8"))
        for record in records:
            out.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
            count += 1
    return count


def write_csv(folder: Path, records: Iterable[Record], about: list[str], *, demo: bool = False) -> int:
    """A folder of tables; in a demonstration export every row of every table says so in a last column."""
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
                    writers[name][0].writerow([safe_cell("" if v is None else v) for v in row] + mark)
            count += 1
        for _, text in writers.values():
            text.flush()
            text.detach()
    finally:
        for handle in handles.values():
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
        handle.write(("\r\n".join(about) + "\r\n").encode("utf-8"))
    return count


def _text(handle: IO[bytes]) -> Any:
    import io

    return io.TextIOWrapper(handle, encoding="utf-8", newline="")


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


def write_xlsx(path: Path, records: Iterable[Record], about: list[str]) -> int:
    try:
        import xlsxwriter
    except ImportError:
        from msp_cli.errors import MspError
        from msp_cli.hints import install_command

        raise MspError(
            "Excel export needs xlsxwriter, which every install of msp-safeguarding brings; it is missing here.",
            hint=f"Install it with: {install_command('xlsxwriter')}",
        ) from None
    private_file(path).close()  # owner-only from the start; xlsxwriter then writes into it
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "default_date_format": "yyyy-mm-dd",
    }
    workbook = xlsxwriter.Workbook(str(path), options)
    bold = workbook.add_format({"bold": True})
    cover = workbook.add_worksheet("About")
    cover.set_column(0, 0, 110)
    for i, line in enumerate(about):
        cover.write_string(i, 0, line, bold if i == 0 else None)
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
    workbook.close()
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
