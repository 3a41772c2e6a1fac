"""Keystrokes for driving the real questionary prompts through prompt_toolkit's pipe input."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.input.base import PipeInput
from prompt_toolkit.output import DummyOutput

ENTER = "\r"
CLEAR = "\x15"  # Ctrl-U: empty a text answer's default before typing
BACKSPACE = "\x7f"
DOWN = "\x1b[B"
CTRL_C = "\x03"
BACK = "\x02"  # Ctrl-B: the wizard goes back
YES, NO = "y", "n"


def text(answer: str) -> str:
    """Type ANSWER after clearing any default, then Enter."""
    return CLEAR + answer + ENTER


def accept() -> str:
    """Accept the default (or leave an optional answer blank)."""
    return ENTER


def pick(filter_text: str) -> str:
    """Choose the first label containing FILTER_TEXT (no spaces: the filter ignores them)."""
    return filter_text + ENTER


def tick(*filters: str) -> str:
    """In a checkbox, tick the first label matching each filter, then finish."""
    return "".join(f + " " + BACKSPACE * len(f) for f in filters) + ENTER


@contextmanager
def keyboard() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe
