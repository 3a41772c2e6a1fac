"""`msp case ...`: start a case with the wizard (or from answers), resume, list, show."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import typer

from msp_cli.context import AppState
from msp_cli.errors import MspError, UsageProblem
from msp_cli.hints import command, next_page, next_steps, no_case_hint, quote
from msp_cli.ui import DEMO_BANNER, console, interactive, say

case_app = typer.Typer(
    rich_markup_mode=None, help="Record a case: start, resume, list, show, review, close.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")


def needs_terminal(command: str, *, answers: bool = True) -> UsageProblem:
    """COMMAND was run without a terminal to ask in: say what does work there."""
    if not answers:
        return UsageProblem(f"`{command}` asks its questions in a terminal, and this is not one; run it in a terminal.")
    return UsageProblem(
        f"`{command}` asks its questions in a terminal, and this is not one; give the answers as a"
        " file instead with --answers FILE (the format: docs/interchange.md)."
    )


@case_app.command("new")
def new(
    ctx: typer.Context,
    answers: str | None = typer.Option(
        None,
        "--answers",
        metavar="FILE",
        help="Take the whole case from one interchange object (JSON), without questions; - for stdin.",
    ),
    case_ref: str | None = typer.Option(None, "--case-ref", help="The case reference (asked for if not given)."),
    person_ref: str | None = typer.Option(None, "--person-ref", help="The person's reference."),
    team: str | None = typer.Option(None, "--team", help="The team leading the case."),
    concern_received: str | None = typer.Option(None, "--concern-received", metavar="DATE", help="When it came in."),
    risk_type: list[str] = typer.Option([], "--risk-type", help="A type of risk (repeat; msp labels risk-type)."),
    location: str | None = typer.Option(None, "--location", help="Where the risk was (msp labels location-of-risk)."),
    source: str | None = typer.Option(None, "--source", help="Source of risk (msp labels source-of-risk)."),
    enquiry_type: str | None = typer.Option(None, "--enquiry-type", help="Section 42, Other or None."),
) -> None:
    """Walk through a new case, question by question, saving each step as it is finished."""

    state: AppState = ctx.obj
    if answers is not None:
        save_from_answers(state, answers)
        return
    if not interactive():
        raise needs_terminal("msp case new")
    store = state.open()
    from msp_cli import wizard
    from msp_cli.model import ref_problem

    if case_ref is not None:
        problem = ref_problem(case_ref)
        if problem:
            raise UsageProblem(f"--case-ref {problem}.")
        existing = store.load_case(case_ref)
        if existing is not None:
            raise MspError(f"Case {case_ref} already exists.", hint=next_steps(existing.record, existing.draft_step))
    given = _given_answers(
        person_ref=person_ref, team=team, concern_received=concern_received, risk_types=risk_type or None,
        location_of_risk=location, source_of_risk=source, enquiry_type=enquiry_type,
    )  # fmt: skip
    w = wizard.Wizard(store=store, record=wizard.new_record(case_ref), given=given)
    wizard.run(w)
    _finished(w.record)


def _given_answers(**options: Any) -> dict[str, Any]:
    """The answers given as options, checked by the record's own rules before any question."""
    from msp_cli.model import validate_case

    given = {key: value for key, value in options.items() if value is not None}
    probe = {key: value for key, value in given.items() if key != "person_ref"}
    validate_case({"case_ref": "probe", "person": {"ref": given.get("person_ref", "probe")}, **probe}, draft=True)
    return given


def _finished(record: Mapping[str, Any]) -> None:
    """Say the case is saved, and what can be done next with it where it now stands."""
    ref = record["case_ref"]
    closed = f", and closed on {record['concluded']} (no enquiry)" if record.get("concluded") else ""
    say(f"Case {ref} is saved{closed}. See it with: {command('case show', quote(ref))}")
    say(next_steps(record))


def save_from_answers(state: AppState, source: str) -> None:
    from msp_cli.answers import read_answers
    from msp_cli.model import validate_case

    record = validate_case(read_answers(source))
    store = state.open()
    if store.case_exists(record["case_ref"]):
        raise MspError(
            f"Case {record['case_ref']} already exists; nothing was changed.",
            hint=f"To replace it, use: {command('import --update', quote(source))}",
        )
    with store.write() as audit:
        store.save_case(audit, record, action="case.create")
    _finished(record)


@case_app.command("resume")
def resume(ctx: typer.Context, case_ref: str = typer.Argument(..., help="The case to continue.")) -> None:
    """Continue an unfinished case at the first step not yet saved."""
    state: AppState = ctx.obj
    if not interactive():
        raise needs_terminal("msp case resume", answers=False)
    store = state.open()
    from msp_cli import wizard

    w = wizard.resume(store, case_ref)
    _finished(w.record)


@case_app.command("list")
def list_(
    ctx: typer.Context,
    status: str = typer.Option("all", "--status", help="open, closed, draft (unfinished) or all."),
    worker: str | None = typer.Option(None, "--worker", help="Only this lead worker's cases."),
    team: str | None = typer.Option(None, "--team", help="Only this team's cases."),
    date_from: str | None = typer.Option(None, "--from", metavar="DATE", help="Concern received on or after."),
    date_to: str | None = typer.Option(None, "--to", metavar="DATE", help="Concern received on or before."),
    limit: int = typer.Option(50, "--limit", min=1, max=100_000, help="How many rows a page."),
    page: int = typer.Option(1, "--page", min=1, help="Which page."),
    as_json: bool = typer.Option(False, "--json", help="JSON Lines for programs."),
) -> None:
    """List cases, newest concern first."""
    if status not in ("open", "closed", "draft", "all"):
        raise UsageProblem(f"--status {status!r} is not one of: open, closed, draft, all.")
    for name, value in (("--from", date_from), ("--to", date_to)):
        if value is None:
            continue
        from msp_cli.model import is_iso_date  # only when a date is given: the model is start-up time

        if not is_iso_date(value):
            raise UsageProblem(f"{name} {value!r}: write the date as YYYY-MM-DD.")
    store = ctx.obj.open()
    rows = store.list_cases(
        status=status,
        worker=worker,
        team=team,
        received_from=date_from,
        received_to=date_to,
        limit=limit,
        offset=(page - 1) * limit,
    )
    if as_json:
        if store.is_demo():
            say(DEMO_BANNER.strip())
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    from rich import box
    from rich.table import Table

    title = "Cases" + (f" ({DEMO_BANNER.strip()})" if store.is_demo() else "")
    # one space between columns and none at the edges: seven columns fit in 80 without breaking a word
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for heading in ("Case", "Person", "Concern", "Enquiry", "Lead (team)", "Status"):
        table.add_column(heading)
    table.add_column("Outcomes", justify="right")
    for r in rows:
        status_text = (
            f"unfinished (step {r['draft_step']})"
            if r["draft_step"]
            else f"closed {r['concluded']}"
            if r["concluded"]
            else "open"
        )
        lead = (r["worker"] or "-") + (f" ({r['team']})" if r["team"] else "")
        table.add_row(
            r["case_ref"],
            r["person_ref"],
            r["concern_received"] or "-",
            r["enquiry_type"] or "-",
            lead,
            status_text,
            str(r["desired_outcomes"]),
        )
    from msp_cli.fit import Fitted

    console.print(Fitted(table))
    if not rows:
        say("No cases match." if page == 1 else "No more cases.")
    elif len(rows) == limit:
        say(f"Page {page}. More with: {next_page(page + 1)}")


@case_app.command("show")
def show(
    ctx: typer.Context,
    case_ref: str = typer.Argument(..., help="The case to show."),
    as_json: bool = typer.Option(False, "--json", help="The case as one interchange object."),
) -> None:
    """The whole case: person, consent, capacity, outcomes beside their status, the timeline."""

    store = ctx.obj.open()
    stored = store.load_case(case_ref)
    if stored is None:
        raise MspError(f"No case {case_ref!r} in this database.", hint=no_case_hint())
    if as_json:
        if store.is_demo():  # the object stays the interchange format; the warning goes to stderr
            say(DEMO_BANNER.strip())
        print(json.dumps(stored.record, ensure_ascii=False, indent=2))
        return
    from msp_cli.case_view import render_case

    history = store.load_history(stored.case_id)
    console.print(render_case(stored.record, stored.draft_step, history, demo=store.is_demo()))
