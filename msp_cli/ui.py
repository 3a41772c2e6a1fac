"""Where output goes: tables and figures to stdout, messages and warnings to stderr.

Colour follows rich's rules, so NO_COLOR and a non-terminal output give plain text.
"""

from __future__ import annotations

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

            # markup off: recorded text ("I want [my son] to stop", a team "[/b]", "[c]") is shown as stored
            self._console = Console(stderr=self._stderr, highlight=False, markup=False)
        return getattr(self._console, name)


console: Any = _LazyConsole(stderr=False)
err_console: Any = _LazyConsole(stderr=True)


def say(message: str) -> None:
    """A short line for the person at the keyboard (stderr, so stdout stays data)."""
    err_console.print(message, markup=False, soft_wrap=True)  # a hint stays one line: it may be pasted


def warn(message: str) -> None:
    err_console.print(message, style="yellow", markup=False, soft_wrap=True)


def interactive() -> bool:
    """True where a person can answer prompts: stdin and stdout are both terminals."""
    return sys.stdin.isatty() and sys.stdout.isatty()
