"""Data in and out: import and export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import typer

from msp_cli.context import AppState
from msp_cli.hints import command
from msp_cli.ui import say

if TYPE_CHECKING:
    from msp_cli.pseudonymised.plan import Selection
    from msp_cli.record import Case
    from msp_cli.storage import Storage


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)


def import_(
    ctx: typer.Context,
    source: str = typer.Argument(
        ..., metavar="FILE", help="A JSON Lines file of cases, or - for stdin; with --map, a .csv or .xlsx extract."
    ),
    update: bool = typer.Option(False, "--update", help="Replace cases whose case_ref is already stored."),
    map_file: str | None = typer.Option(
        None, "--map", metavar="MAP.toml", help="Read FILE as a council's .csv or .xlsx extract, mapped by MAP.toml."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="With --map: check and report; write nothing."),
    keep_going: bool = typer.Option(
        False, "--keep-going", help="With --map: import the cases that pass; the others go to a rejects CSV."
    ),
) -> None:
    """Import cases: JSON Lines (all of them, or none if any line is wrong), or an extract with --map."""
    from msp_cli import interchange, jsonin
    from msp_cli.errors import InvalidRecord

    state: AppState = ctx.obj
    if map_file is not None or dry_run or keep_going:
        from msp_cli.commands.extract import import_extract

        import_extract(state, source, map_file, update=update, dry_run=dry_run, keep_going=keep_going)
        return
    stream = interchange.open_input(source)  # checked before the database is touched
    store = state.open()
    with stream:
        try:
            result = interchange.import_cases(store, stream, update=update, source=source)
        except jsonin.JsonProblem as exc:
            raise InvalidRecord([f"Nothing was imported: {exc}"]) from None
    parts = [f"{result.cases_added} case{'s' if result.cases_added != 1 else ''} added"]
    if update:
        parts.append(f"{result.cases_updated} updated, {result.cases_unchanged} unchanged")
    parts.append(f"{result.people_added} new {'person' if result.people_added == 1 else 'people'}")
    say("Imported: " + ", ".join(parts) + ".")
    if result.demo:
        say(DEMO_IMPORT_NOTE)


FORMATS = ("jsonl", "csv", "xlsx")
DATES = ("month", "exact")


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
    reason: str | None = typer.Option(None, "--reason", help="Why names or exact dates are needed (audited)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask to confirm an identifiable or exact-dates export."),
    with_notes: bool = typer.Option(
        False, "--with-notes", help="Include free text in a pseudonymised export (names recorded in msp removed)."
    ),
    dates: str = typer.Option(
        "month", "--dates", help="month: dates as YYYY-MM plus days between; exact: needs --reason, audited."
    ),
    coarsen: bool = typer.Option(
        False, "--coarsen", help="Merge the smallest categories until no group of people is under 5."
    ),
) -> None:
    """Export cases for analysts and auditors: pseudonymised unless --identifiable. Every export is audited."""
    import json
    import os
    from pathlib import Path

    from msp_cli import atomic, export
    from msp_cli.errors import FileProblem, MspError, UsageProblem
    from msp_cli.pseudonymised.plan import Selection, in_pseudonym_order, make_plan
    from msp_cli.reports.period import parse_period

    state: AppState = ctx.obj
    path = Path(out)
    chosen = fmt or {".jsonl": "jsonl", ".xlsx": "xlsx"}.get(path.suffix.lower(), "csv" if not path.suffix else None)
    if chosen not in FORMATS:
        raise UsageProblem(f"Say which format with --format {'|'.join(FORMATS)} (OUT's ending does not say).")
    if dates not in DATES:
        raise UsageProblem(f"--dates takes {' or '.join(DATES)}, not {dates!r}.")
    if identifiable and coarsen:
        raise UsageProblem("--coarsen is for pseudonymised exports; an identifiable export keeps every label.")
    if os.path.lexists(path):  # a link too, even one that points nowhere
        raise MspError(f"{out} already exists; msp will not overwrite an export. Choose another name.")
    if not path.parent.exists():
        raise UsageProblem(f"The folder {path.parent} does not exist.")
    period = None
    if year or quarter or date_from or date_to:
        period = parse_period(year, quarter, date_from, date_to)
    exact_dates = dates == "exact" and not identifiable
    if identifiable or exact_dates:
        _justify("identifiable" if identifiable else "exact_dates", reason, yes)
    store = state.open()
    selection = Selection((period.start, period.end) if period else None, team, worker)
    matching = store.count_cases_matching(**selection.filters())
    if chosen == "xlsx" and matching >= export.EXCEL_ROWS:  # a row a case: refused before anything is written
        raise export.too_many_rows("cases")
    plan = None
    if not identifiable:
        pseudonym = export.pseudonymiser(store)
        plan = make_plan(store, pseudonym, selection, with_notes=with_notes, exact_dates=exact_dates, coarsen=coarsen)
        for line in plan.check_message():
            say(line)
    action = "identifiable" if identifiable else "exact_dates" if exact_dates else "pseudonymised"
    changes: dict[str, list[Any]] = {
        "format": [None, chosen],
        "cases": [None, matching],
        "file": [None, path.name],
        "period": [None, period.label if period else "all"],
        "reason": [None, reason],
        "with_notes": [None, with_notes or identifiable],
        "dates": [None, "exact" if identifiable or exact_dates else "month"],
        "coarsen": [None, coarsen],
    }
    lines: Iterator[str] | None = None  # a pseudonymised export's cases come as the JSON Lines to write
    records: Iterator[Case]
    if plan is not None:
        lines = in_pseudonym_order(store, plan, selection)
        records = (cast("Case", json.loads(line)) for line in lines)
    else:
        records = _identifiable(store, selection, intervals=chosen != "jsonl")

    def about() -> list[str]:
        lines = export.about_lines(
            period=period.as_of(dt.date.today()).heading if period else "all cases",
            identifiable=identifiable,
            with_notes=with_notes,
            demo=store.is_demo(),
            cases=matching,
        )
        return lines if plan is None else [*lines, *plan.about_lines()]

    # audited before the file exists (every export is attributable), and again with how it ended
    with store.audited(f"export.{action}", changes) as outcome:
        try:
            with atomic.whole_or_absent(path) as partial:  # whole under OUT, or nothing at all
                if chosen == "jsonl":
                    texts = lines if lines is not None else map(export.json_text, records)
                    count = export.write_jsonl(partial, texts, demo=store.is_demo())
                elif chosen == "csv":
                    count = export.write_csv(partial, records, about, demo=store.is_demo())
                else:
                    count = export.write_xlsx(partial, records, about)
        except OSError as exc:
            raise FileProblem(
                f"Could not write {out}: {exc.strerror or type(exc).__name__}; nothing was kept."
                " Free some space or choose another folder."
            ) from None
        outcome["cases"] = [None, count]
    drafts = store.count_drafts()
    say(f"Exported {count} cases ({action.replace('_', ' ')}, {chosen}) to {out}; only you can read it.")
    if plan is not None and plan.scrubber is not None:
        say(f"{plan.scrubber.replaced} names or parts of names recorded in msp were replaced by [name] in the notes.")
    if drafts:
        say(f"{drafts} unfinished case(s) were left out (finish each with: {command('case resume CASE')}).")
    if store.is_demo():
        say(DEMO_NOTE)


JUSTIFY = {
    "identifiable": (
        "An identifiable export",
        "Export names and real references? This file will identify people.",
    ),
    "exact_dates": (
        "An export with exact dates",
        "Export exact dates? Beside age band, sex and team they can identify people.",
    ),
}


def _justify(kind: str, reason: str | None, yes: bool) -> None:
    """An export that can identify people needs a reason (audited) and a confirmation."""
    from msp_cli.errors import UsageProblem
    from msp_cli.prompts import confirm_or_stop

    what, question = JUSTIFY[kind]
    if not reason or not reason.strip():
        raise UsageProblem(f"{what} needs a reason: --reason TEXT (it goes in the audit trail).")
    if not yes:
        confirm_or_stop(question, without_terminal=f"{what} must be confirmed.", declined="Nothing was exported.")


def _identifiable(store: Storage, selection: Selection, *, intervals: bool) -> Iterator[Case]:
    """Cases as stored, in source order; csv and xlsx get the days_ columns too (JSON Lines stays importable)."""
    from msp_cli.pseudonymised.shape import Shaper

    shaper = Shaper(pseudonym=None)
    for stored in store.iter_cases(**selection.filters()):
        yield cast("Case", shaper(cast(dict[str, Any], stored.record))) if intervals else stored.record


DEMO_IMPORT_NOTE = "The file was DEMONSTRATION DATA: this database is now marked as a demonstration one."
DEMO_NOTE = "This export is of DEMONSTRATION DATA: fictional cases, not real people or real figures."
