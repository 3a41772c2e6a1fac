"""Every questionary call msp makes, in one place.

Each asks once with `unsafe_ask()`, so Ctrl-C (KeyboardInterrupt) and a closed input
(EOFError) both surface as one named error, PromptCancelled, which the wizard turns into
"what was saved and how to resume". Lists are long (11 types of risk, 20 responses), so
selects and checkboxes filter as you type.
"""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import questionary

from msp_cli.prompt_controls import GoBack as GoBack  # re-exported: the wizard catches it from here
from msp_cli.prompt_controls import add_back_key, can_go_back, no_preselection, yes_no
from msp_cli.prompt_controls import back_allowed as back_allowed

SKIP_HINT = "(Enter to leave blank)"


class PromptCancelled(Exception):
    """The person pressed Ctrl-C or the input ended."""


_answered = [0]


def answers_given() -> int:
    """How many questions have been answered so far (the wizard's way to tell where Ctrl-B was)."""
    return _answered[0]


def _ask(question: questionary.Question) -> Any:
    add_back_key(question.application)
    try:
        answer = question.unsafe_ask(patch_stdout=False)
    except (KeyboardInterrupt, EOFError) as exc:
        raise PromptCancelled from exc
    _answered[0] += 1
    return answer


def _wrapped(text: str) -> str:
    width = max(40, min(100, shutil.get_terminal_size((80, 24)).columns - 2))
    return "\n".join(textwrap.fill(line, width) for line in text.splitlines())


def show_help(text: str) -> None:
    """Plain-English help beside a question that trips people up."""
    questionary.print(_wrapped(text), style="italic fg:ansibrightblack")


def show_warning(text: str) -> None:
    questionary.print(_wrapped(text), style="bold fg:ansiyellow")


def show(text: str) -> None:
    questionary.print(_wrapped(text))


def ask_text(
    message: str,
    *,
    default: str = "",
    required: bool = True,
    validate: Callable[[str], str | None] | None = None,
) -> str:
    """Free text, kept exactly as typed (never trimmed: it may be the person's own words)."""

    def check(value: str) -> bool | str:
        if required and not value.strip():
            return "Please give an answer (this one is needed)."
        if validate is not None and value:
            problem = validate(value)
            if problem:
                return problem
        return True

    instruction = None if required else SKIP_HINT
    question = questionary.text(message, default=default, validate=check, instruction=instruction)
    answer: str = _ask(question)
    return answer


def date_problem(
    value: str, *, not_before: str | None = None, not_before_name: str = "", today: dt.date | None = None
) -> str | None:
    """Why VALUE is not an acceptable date answer, or None."""
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return "Write the date as YYYY-MM-DD, for example 2025-04-30."
    if len(value.strip()) != 10:
        return "Write the date as YYYY-MM-DD, for example 2025-04-30."
    if day > (today or dt.date.today()):
        return "That date is in the future; record what has happened."
    if not_before and value.strip() < not_before:
        return f"That is before {not_before_name} ({not_before}); dates keep their order."
    return None


def ask_date(
    message: str,
    *,
    default: str | None = None,
    required: bool = True,
    not_before: str | None = None,
    not_before_name: str = "",
    recorded: bool = False,
) -> str | None:
    """A date, YYYY-MM-DD, not in the future and not before NOT_BEFORE; re-asked until valid.

    A RECORDED default repeats the date the case already holds, and the question says so.
    """
    answer = ask_text(
        message + (" (YYYY-MM-DD; the recorded date is filled in)" if recorded and default else " (YYYY-MM-DD)"),
        default=default or "",
        required=required,
        validate=lambda v: date_problem(v, not_before=not_before, not_before_name=not_before_name),
    )
    return answer.strip() or None


def _instruction(text: str) -> str:
    return text[:-1] + ("; Ctrl-B goes back)" if can_go_back() else ")")


def ask_select(message: str, choices: Sequence[str], *, default: str | None = None, recorded: bool = False) -> str:
    """One of CHOICES, chosen by the person: nothing is highlighted until they move or type.

    DEFAULT pre-fills an answer only where it repeats what is already recorded (RECORDED) or
    what the answers just given point to; the instruction says which.
    """
    shown = f"(Enter keeps {'the recorded' if recorded else 'the suggested'} answer: {default})" if default else ""
    question = questionary.select(
        message,
        choices=list(choices),
        default=default,
        use_search_filter=True,
        use_jk_keys=False,
        instruction=shown or _instruction("(arrow keys, or type to filter; Enter to choose)"),
    )
    no_preselection(question, start=list(choices).index(default) if default else -1, refuse_unchosen=True)
    answer: str = _ask(question)
    return answer


def ask_checkbox(
    message: str, choices: Sequence[str], *, required: bool = False, checked: Sequence[str] = ()
) -> list[str]:
    def check(values: list[str]) -> bool | str:
        return True if values or not required else "Choose at least one (Space ticks, Enter finishes)."

    question = questionary.checkbox(
        message,
        choices=[questionary.Choice(c, checked=c in checked) for c in choices],
        validate=check,
        use_search_filter=True,
        use_jk_keys=False,
        instruction=_instruction("(Space ticks, type to filter, Enter when done)"),
    )
    no_preselection(question, start=0, refuse_unchosen=False)
    answer: list[str] = _ask(question)
    chosen = [c for c in choices if c in answer]  # in vocabulary order, whatever order ticked
    show("  chosen: " + ("; ".join(chosen) if chosen else "none"))
    return chosen


def ask_confirm(message: str, *, default: bool | None = None, recorded: bool = False) -> bool:
    """Yes or no. Facts have no DEFAULT (Enter alone is refused) unless it repeats what is RECORDED;
    navigation questions ("Add another?") may have one."""
    answer: bool = _ask(yes_no(message, default=default, recorded=recorded))
    return answer


def confirm_or_stop(question: str, *, without_terminal: str, declined: str = "Nothing was changed.") -> None:
    """Ask before something that cannot be undone; without a terminal, or on 'no', stop with one line."""
    from msp_cli.errors import MspError
    from msp_cli.ui import interactive

    if not interactive():
        raise MspError(without_terminal, hint="Add --yes to confirm it.")
    try:
        agreed = ask_confirm(question, default=False)
    except PromptCancelled:
        agreed = False
    if not agreed:
        raise MspError(declined)
