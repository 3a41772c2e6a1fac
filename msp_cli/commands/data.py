"""Data in and out: import and export."""

from __future__ import annotations

import datetime as dt

import typer

from msp_cli.context import AppState
from msp_cli.hints import command
from msp_cli.ui import say


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)


def import_(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="FILE", help="A JSON Lines file of cases, or - for stdin."),
    update: bool = typer.Option(False, "--update", help="Replace cases whose case_ref is already stored."),
) -> None:
    """Import cases in the interchange format: all of them, or none if any line is wrong."""
    from msp_cli import interchange

    state: AppState = ctx.obj
    stream = interchange.open_input(source)  # checked before the database is touched
    store = state.open()
    with stream:
        result = interchange.import_cases(store, stream, update=update, source=source)
    parts = [f"{result.cases_added} case{'s' if result.cases_added != 1 else ''} added"]
    if update:
        parts.append(f"{result.cases_updated} updated, {result.cases_unchanged} unchanged")
    parts.append(f"{result.people_added} new {'person' if result.people_added == 1 else 'people'}")
    say("Imported: " + ", ".join(parts) + ".")
    if result.demo:
        say(DEMO_IMPORT_NOTE)


FORMATS = ("jsonl", "csv", "xlsx")


def export(
    ctx: typer.Context,
    out: str = typer.Argument(..., metavar="OUT", help="The file to write (for csv, a new folder)."),
    fmt: str | None = typer.Option(None, "--format", help="jsonl, csv or xlsx (default: from OUT's ending)."),
    year: str | None = typer.Option(None, "--year", help="Cases received or concluded in this reporting year."),
    quarter: str | None = typer.Option(None, "--quarter", help="... or in this quarter (2024-25Q3)."),
    date_from: str | None = typer.Option(None, "--from", metavar="DATE", help="... or from this date (with --to)."),
    date_to: str | None = typer.Option(None, "--to", metavar="DATE", help="... to this date."),
    team: str | None = typer.Option(None, "--team", help="Only this team's cases."),
    worker: str | None = typer.Option(None, "--worker", help="Only this lead worker's cases."),
    identifiable: bool = typer.Option(False, "--identifiable", help="Names and real references (needs --reason)."),
    reason: str | None = typer.Option(None, "--reason", help="Why an identifiable export is needed (audited)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask to confirm an identifiable export."),
    with_notes: bool = typer.Option(False, "--with-notes", help="Include free text in a pseudonymised export."),
) -> None:
    """Export cases for analysts and auditors: pseudonymised unless --identifiable. Every export is audited."""
    from pathlib import Path

    from msp_cli import export
    from msp_cli.errors import MspError, UsageProblem
    from msp_cli.reports.period import parse_period

    state: AppState = ctx.obj
    path = Path(out)
    chosen = fmt or {".jsonl": "jsonl", ".xlsx": "xlsx"}.get(path.suffix.lower(), "csv" if not path.suffix else None)
    if chosen not in FORMATS:
        raise UsageProblem(f"Say which format with --format {'|'.join(FORMATS)} (OUT's ending does not say).")
    if path.exists():
        raise MspError(f"{out} already exists; msp will not overwrite an export. Choose another name.")
    if not path.parent.exists():
        raise UsageProblem(f"The folder {path.parent} does not exist.")
    period = None
    if year or quarter or date_from or date_to:
        period = parse_period(year, quarter, date_from, date_to)
    if identifiable:
        if not reason or not reason.strip():
            raise UsageProblem("An identifiable export needs a reason: --reason TEXT (it goes in the audit trail).")
        if not yes:
            from msp_cli.prompts import confirm_or_stop

            confirm_or_stop(
                "Export names and real references? This file will identify people.",
                without_terminal="An identifiable export must be confirmed.",
                declined="Nothing was exported.",
            )
    store = state.open()
    span = (period.start, period.end) if period else None
    pseudonym = None if identifiable else export.pseudonymiser(store)
    matching = store.count_cases_matching(period=span, team=team, worker=worker)
    with store.write() as audit:  # logged before the file exists: every export is attributable
        audit.append(
            "export.identifiable" if identifiable else "export.pseudonymised",
            changes={
                "format": [None, chosen],
                "cases": [None, matching],
                "file": [None, path.name],
                "period": [None, period.label if period else "all"],
                "reason": [None, reason],
                "with_notes": [None, with_notes or identifiable],
            },
        )
    records = (
        s.record if pseudonym is None else export.pseudonymise(s.record, pseudonym, with_notes=with_notes)
        for s in store.iter_cases(period=span, team=team, worker=worker)
    )
    about = export.about_lines(
        period=period.as_of(dt.date.today()).heading if period else "all cases",
        identifiable=identifiable,
        with_notes=with_notes,
        demo=store.is_demo(),
        cases=matching,
    )
    if chosen == "jsonl":
        count = export.write_jsonl(path, records, demo=store.is_demo())
    elif chosen == "csv":
        count = export.write_csv(path, records, about, demo=store.is_demo())
    else:
        count = export.write_xlsx(path, records, about)
    drafts = store.count_drafts()
    kind = "identifiable" if identifiable else "pseudonymised"
    say(f"Exported {count} cases ({kind}, {chosen}) to {out}; only you can read it.")
    if drafts:
        say(f"{drafts} unfinished case(s) were left out (finish each with: {command('case resume CASE')}).")
    if store.is_demo():
        say(DEMO_NOTE)


DEMO_IMPORT_NOTE = "The file was DEMONSTRATION DATA: this database is now marked as a demonstration one."
DEMO_NOTE = "This export is of DEMONSTRATION DATA: fictional cases, not real people or real figures."
