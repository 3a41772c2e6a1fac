"""`msp case edit` (correct a recorded fact) and `msp case discard` (drop an unfinished draft)."""

from __future__ import annotations

from typing import Any

import typer

from msp_cli.commands.case import case_app
from msp_cli.context import AppState
from msp_cli.errors import MspError, UsageProblem
from msp_cli.hints import command, quote
from msp_cli.ui import interactive, say


def register(app: typer.Typer) -> None:
    """The commands attach to `msp case` when this module is imported."""


@case_app.command("edit")
def edit(
    ctx: typer.Context,
    case_ref: str = typer.Argument(..., help="The case to correct."),
    set_: list[str] = typer.Option(
        [],
        "--set",
        metavar="FIELD=VALUE",
        help="A field as docs/interchange.md names it (person.sex, desired_outcomes[0].category; lists count from 0)"
        " and its right value; empty clears it; repeat for several.",
    ),
    reason: str | None = typer.Option(None, "--reason", help="Why it is corrected (kept in the audit trail)."),
) -> None:
    """Correct what was recorded wrongly: audited as a correction (old, new, reason), not as new words."""
    from msp_cli import enquiry
    from msp_cli.correction import parse_path, read_value

    state: AppState = ctx.obj
    store = state.open()
    stored = enquiry.load_any(store, case_ref)
    if set_:
        if reason is None:
            raise UsageProblem("Say why this is corrected: --reason TEXT (it goes in the audit trail).")
        changes = []
        for item in set_:
            field, equals, value = item.partition("=")
            if not equals:
                raise UsageProblem(f"--set {field!r}: write it as FIELD=VALUE, e.g. --set person.sex=Female.")
            path = parse_path(field)
            changes.append((path, read_value(path, value)))
    elif not interactive():
        raise UsageProblem(
            "`msp case edit` asks which field in a terminal, and this is not one; give"
            ' --set FIELD=VALUE --reason "..." instead.'
        )
    else:
        changes, reason = _ask_corrections(store, stored)
    changed = enquiry.correct(store, stored, changes, reason or "")
    if not changed:
        say(f"Case {case_ref}: that is what is recorded already; nothing was changed.")
        return
    say(f"Case {case_ref}: corrected {', '.join(changed)}. The correction is in: {command('history', quote(case_ref))}")


def _ask_corrections(store: Any, stored: Any) -> tuple[list[tuple[Any, Any]], str]:
    """Which field, its right value, and why: asked until the practitioner has no more."""

    from msp_cli.commands.progress import _asking
    from msp_cli.correction import correctable_when_closed, leaf_paths, pattern, show_path, value_at

    record = stored.record
    paths = list(leaf_paths(record))
    if record["concluded"] is not None:
        allowed = correctable_when_closed(store, record["case_ref"])
        paths = [p for p in paths if pattern(p) in allowed]
        if not paths:
            raise MspError(
                f"Case {record['case_ref']} was closed on {record['concluded']}; reopen it to change what it records.",
                hint=f'msp case reopen {record["case_ref"]} --reason "..."',
            )

    def ask() -> tuple[list[tuple[Any, Any]], str]:
        from msp_cli import prompts

        changes = []
        while True:
            titles = {f"{show_path(p)}: {_short(value_at(record, p))}": p for p in paths}
            path = titles[prompts.ask_select("Which field was recorded wrongly?", list(titles))]
            changes.append((path, _ask_value(path, value_at(record, path))))
            if not prompts.ask_confirm("Correct another field of this case?", default=False):
                break
        return changes, prompts.ask_text("Why is it corrected? (kept in the audit trail)")

    result: tuple[list[tuple[Any, Any]], str] = _asking(ask)
    return result


def _short(value: Any) -> str:
    text = "not recorded" if value is None or value == [] else str(value)
    return text if len(text) <= 50 else text[:47] + "..."


def _ask_value(path: Any, current: Any) -> Any:
    from msp_cli import prompts
    from msp_cli.correction import pattern, read_value
    from msp_cli.record.fields import Kind
    from msp_cli.record.fields import field as field_named

    f = field_named(pattern(path))
    question = "The right value"
    if f.kind is Kind.LABEL:
        return prompts.ask_select(question, f.labels, default=current, recorded=True)
    if f.kind is Kind.LABELS:
        return prompts.ask_checkbox(question + " (those recorded are ticked)", f.labels, checked=current or ())
    if f.kind is Kind.BOOL:
        return prompts.ask_confirm(question + ": yes?")
    if f.kind is Kind.DATE:
        return prompts.ask_date(question, default=current, required=False)
    typed = prompts.ask_text(question + " (empty clears it)", default="" if current is None else str(current))
    return read_value(path, typed)


@case_app.command("discard")
def discard(
    ctx: typer.Context,
    case_ref: str = typer.Argument(..., help="The unfinished case to discard."),
    reason: str = typer.Option(..., "--reason", help="Why it is discarded (kept in the audit trail)."),
) -> None:
    """Discard an unfinished (draft) case: its rows go; the audit trail keeps that it was, and why."""
    from msp_cli import enquiry

    store = ctx.obj.open()
    enquiry.discard(store, case_ref, reason)
    say(f"Draft {case_ref} is discarded; the audit trail keeps why: {command('history', quote(case_ref))}")
