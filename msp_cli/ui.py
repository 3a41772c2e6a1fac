"""Where output goes: tables and figures to stdout, messages and warnings to stderr.

Colour follows rich's rules, so NO_COLOR and a non-terminal output give plain text.
"""

from __future__ import annotations

import re
import sys
from typing import Any

DEMO_BANNER = " DEMONSTRATION DATA - fictional cases, not real people or real figures "


class _LazyConsole:
    """A rich Console made on first use: importing rich costs start-up time `msp --help` does not need."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            # markup and emoji codes off: recorded text ("I want [my son] to stop", a team "[/b]", "[c]",
            # "I feel :cry:") is shown as stored (and rich's table of emoji codes is not loaded)
            self._console = Console(stderr=self._stderr, highlight=False, markup=False, emoji=False)
        return getattr(self._console, name)


console: Any = _LazyConsole(stderr=False)
err_console: Any = _LazyConsole(stderr=True)


def say(message: str) -> None:
    """A short line for the person at the keyboard (stderr, so stdout stays data)."""
    if message.isprintable():
        # as rich writes unstyled printable text (it expands tabs and drops control characters, which
        # this is without), but without importing rich for a command that prints nothing else with it
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        return
    err_console.print(message, markup=False, soft_wrap=True)  # a hint stays one line: it may be pasted


def warn(message: str) -> None:
    err_console.print(message, style="yellow", markup=False, soft_wrap=True)


def shown(value: str | None) -> Any:
    """Recorded text as a table cell: never markup, and no control or escape characters.

    A name written into the file by another program may hold terminal escape sequences; they
    are shown as \\x1b and the like, never sent to the terminal.
    """
    from rich.text import Text

    text = "-" if value is None else _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), value)
    return Text(text)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def interactive() -> bool:
    """True where a person can answer prompts: stdin and stdout are both terminals."""
    return sys.stdin.isatty() and sys.stdout.isatty()
