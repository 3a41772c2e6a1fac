"""Where output goes: tables and figures to stdout, messages and warnings to stderr.

Colour follows rich's rules, so NO_COLOR and a non-terminal output give plain text.
"""

from __future__ import annotations

import sys

from rich.console import Console

DEMO_BANNER = " DEMONSTRATION DATA - fictional cases, not real people or real figures "

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def say(message: str) -> None:
    """A short line for the person at the keyboard (stderr, so stdout stays data)."""
    err_console.print(message, markup=False)


def warn(message: str) -> None:
    err_console.print(message, style="yellow", markup=False)


def interactive() -> bool:
    """True where a person can answer prompts: stdin and stdout are both terminals."""
    return sys.stdin.isatty() and sys.stdout.isatty()
