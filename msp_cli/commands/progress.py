"""Through the enquiry: `msp case review|close|reopen`, `msp meeting add`, `msp feedback add`.

Every command takes its answers three ways, which meet in one object: `--answers FILE`,
options for the common fields (they win over the file), and questions in a terminal for
whatever is still missing. Without a terminal, missing answers are refused and listed.
"""

from __future__ import annotations

from typing import Any

import typer

from msp_cli.commands.case import case_app, needs_terminal
from msp_cli.context import AppState
from msp_cli.errors import MspError
from msp_cli.hints import command, quote
from msp_cli.ui import interactive, say, warn

meeting_app = typer.Typer(
    rich_markup_mode=None, help="Record meetings held with and about the person.", no_args_is_help=True
)
feedback_app = typer.Typer(
    rich_markup_mode=None, help="Record what the person says about how it went.", no_args_is_help=True
)

MEETING_NEEDS = ("date", "kind", "location", "attendees")
FEEDBACK_NEEDS = ("date", "given_by")

ANSWERS_OPTION = typer.Option(
    None, "--answers", metavar="FILE", help="Answers as JSON (the shapes: README, docs/interchange.md); - for stdin."
)


def register(app: typer.Typer) -> None:
    app.add_typer(meeting_app, name="meeting")
    app.add_typer(feedback_app, name="feedback")


def _gather(answers: str | None, options: dict[str, Any]) -> dict[str, Any]:
    """The answers file (if any) with the options given laid over it."""
    base: dict[str, Any] = {}
    if answers is not None:
        from msp_cli.answers import read_answers

        loaded = read_answers(answers)
        if not isinstance(loaded, dict):
            raise MspError(f"{answers} must hold one JSON object ({{...}}).")
        base = loaded
    base.update({k: v for k, v in options.items() if v not in (None, [])})
    return base


def _refuse_missing(command: str, given: dict[str, Any], needed: tuple[str, ...]) -> None:
    missing = [k for k in needed if given.get(k) in (None, [])]
    if missing:
        raise MspError(
            f"`{command}` has no terminal to ask in, and these answers are missing: {', '.join(missing)}.",
            hint="Give them as options or in --answers FILE.",
        )


@case_app.command("review")
def review(
    ctx: typer.Context,
    case_ref: str = typer.Argument(..., help="The case to review."),
    answers: str | None = ANSWERS_OPTION,
) -> None:
    """Review each desired outcome: progress now, what the person says, changed wording."""
    from msp_cli import enquiry

    state: AppState = ctx.obj
    store = state.open()
    stored = enquiry.load(store, case_ref)
    if answers is not None:
        obj = _gather(answers, {})
    elif interactive():
        from msp_cli.questions import ask_review

        obj = _asking(lambda: ask_review(stored.record))
    else:
        raise needs_terminal("msp case review")
    checked = enquiry.review(store, stored, obj)
    say(f"Review of {case_ref} on {checked['date']} saved. See it with: {command('case show', quote(case_ref))}")


@case_app.command("close")
def close(
    ctx: typer.Context,
    case_ref: str = typer.Argument(..., help="The case to close."),
    answers: str | None = ANSWERS_OPTION,
    concluded: str | None = typer.Option(None, "--concluded", metavar="DATE", help="When the enquiry concluded."),
    risk_assessment_outcome: str | None = typer.Option(None, "--risk-assessment-outcome", help="SG2c label."),
    risk_outcome: str | None = typer.Option(None, "--risk-outcome", help="SG2e label."),
    outcomes_achieved: str | None = typer.Option(None, "--outcomes-achieved", help="SG4a: overall, as a label."),
    achieved: list[str] = typer.Option([], "--achieved", help="Each desired outcome's result, in order (repeat)."),
    response: list[str] = typer.Option([], "--response", help="A response used (repeat)."),
    note: str | None = typer.Option(None, "--note", help="A closure note."),
) -> None:
    """Close a case: were the outcomes achieved, what happened to the risk. Refuses if anything is missing."""
    from msp_cli import enquiry

    state: AppState = ctx.obj
    store = state.open()
    stored = enquiry.load(store, case_ref)
    given: dict[str, Any] = {}
    if answers is not None:
        from msp_cli.model import closure_answers

        given = closure_answers(_gather(answers, {}))
    given.update(
        {
            k: v
            for k, v in {
                "concluded": concluded,
                "risk_assessment_outcome": risk_assessment_outcome,
                "risk_outcome": risk_outcome,
                "outcomes_achieved": outcomes_achieved,
                "achieved": achieved or None,
                "responses": response or None,
                "closure_note": note,
            }.items()
            if v is not None
        }
    )
    if interactive() and answers is None:
        from msp_cli.questions import ask_closure

        given = _asking(lambda: ask_closure(stored.record, given))
    record = enquiry.close(store, stored, given)
    say(f"Case {case_ref} closed on {record['concluded']}. Outcomes achieved: {record['outcomes_achieved'] or 'n/a'}.")


@case_app.command("reopen")
def reopen(
    ctx: typer.Context,
    case_ref: str = typer.Argument(..., help="The closed case to reopen."),
    reason: str = typer.Option(..., "--reason", help="Why it is reopened (kept in its history)."),
) -> None:
    """Reopen a closed case; the earlier closure stays in its history."""
    from msp_cli import enquiry

    store = ctx.obj.open()
    enquiry.reopen(store, case_ref, reason)
    say(f"Case {case_ref} is open again; its earlier closure is kept in its history.")


@meeting_app.command("add")
def meeting_add(
    ctx: typer.Context,
    case_ref: str = typer.Argument(..., help="The case the meeting was about."),
    answers: str | None = ANSWERS_OPTION,
    date: str | None = typer.Option(None, "--date", metavar="DATE", help="When it was held."),
    kind: str | None = typer.Option(None, "--kind", help="Kind of meeting (msp labels meeting-kind)."),
    location: str | None = typer.Option(None, "--location", help="Where it was held (msp labels meeting-location)."),
    chosen: bool | None = typer.Option(None, "--chosen/--not-chosen", help="Did the person choose where?"),
    attendee: list[str] = typer.Option([], "--attendee", help="Who attended (repeat)."),
    prepared: bool | None = typer.Option(None, "--prepared/--not-prepared", help="Was the person prepared?"),
    minutes: int | None = typer.Option(None, "--minutes", min=0, help="Minutes spent."),
    summary: str | None = typer.Option(None, "--summary", help="A short summary."),
) -> None:
    """Record a meeting: where, whether the person chose it, who came, was the person prepared."""
    from msp_cli import enquiry

    options = {
        "date": date,
        "kind": kind,
        "location": location,
        "location_chosen_by_person": chosen,
        "attendees": attendee,
        "person_prepared": prepared,
        "minutes_spent": minutes,
        "summary": summary,
    }
    store, stored, given = _answers_for(
        ctx, case_ref, answers, options, "ask_meeting", "msp meeting add", MEETING_NEEDS
    )
    meeting = enquiry.add_meeting(store, stored, given)
    say(f"Meeting on {meeting['date']} added to {case_ref}.")


@feedback_app.command("add")
def feedback_add(
    ctx: typer.Context,
    case_ref: str = typer.Argument(..., help="The case the feedback is about."),
    answers: str | None = ANSWERS_OPTION,
    date: str | None = typer.Option(None, "--date", metavar="DATE", help="When it was given."),
    given_by: str | None = typer.Option(None, "--given-by", help="Person or Representative."),
    listened: int | None = typer.Option(None, "--listened", min=1, max=5, help="Felt listened to, 1-5."),
    involved: int | None = typer.Option(None, "--involved", min=1, max=5, help="Felt involved in decisions, 1-5."),
    safer: int | None = typer.Option(None, "--safer", min=1, max=5, help="Feels safer, 1-5."),
    outcomes_met: int | None = typer.Option(None, "--outcomes-met", min=1, max=5, help="Outcomes met, 1-5."),
    note: str | None = typer.Option(None, "--note", help="Their words."),
) -> None:
    """Record feedback from the person or their representative (scores 1 not at all to 5 completely)."""
    from msp_cli import enquiry

    options = {
        "date": date,
        "given_by": given_by,
        "felt_listened_to": listened,
        "felt_involved": involved,
        "feels_safer": safer,
        "outcomes_met": outcomes_met,
        "note": note,
    }
    store, stored, given = _answers_for(
        ctx, case_ref, answers, options, "ask_feedback", "msp feedback add", FEEDBACK_NEEDS
    )
    feedback, warning = enquiry.add_feedback(store, stored, given)
    if warning:
        warn(warning)
    else:
        say(f"Feedback of {feedback['date']} added to {case_ref}.")


def _answers_for(
    ctx: typer.Context,
    case_ref: str,
    answers: str | None,
    options: dict[str, Any],
    ask: str,
    command: str,
    needs: tuple[str, ...],
) -> tuple[Any, Any, dict[str, Any]]:
    """The case, and one object of answers: the file, the options over it, then questions for the rest."""
    from msp_cli import enquiry

    store = ctx.obj.open()
    stored = enquiry.load(store, case_ref, must_be_open=False)
    given = _gather(answers, options)
    if interactive() and answers is None:
        from msp_cli import questions  # only now: questionary costs start-up time

        questions_for = getattr(questions, ask)
        given = _asking(lambda: questions_for(stored.record, given))
    else:
        _refuse_missing(command, given, needs)
    return store, stored, given


def _asking(ask: Any) -> Any:
    """Run questions; Ctrl-C saves nothing here (each of these is one short save at the end)."""
    from msp_cli.errors import Cancelled
    from msp_cli.prompts import PromptCancelled

    try:
        return ask()
    except PromptCancelled:
        raise Cancelled("Stopped before saving; nothing was changed. Run the command again to start over.") from None
