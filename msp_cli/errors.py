"""The errors msp raises on purpose, each with the exit code the command line gives it.

Messages are one line, say what was wrong and how to put it right, and never carry
personal data (no names, no free text from a record).
"""

from __future__ import annotations


class MspError(Exception):
    """A problem the user can put right; printed as one line, no traceback."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageProblem(MspError):
    """The command was given something it cannot use (a bad option value, a missing file)."""

    exit_code = 2


class InvalidRecord(MspError):
    """A case record broke the rules of the interchange format (docs/interchange.md); carries every problem found."""

    exit_code = 65  # EX_DATAERR

    def __init__(self, problems: list[str], *, where: str = "") -> None:
        self.problems = problems
        prefix = f"{where}: " if where else ""
        super().__init__(prefix + "; ".join(problems))


class DatabaseProblem(MspError):
    """The database file cannot be used as it is (not SQLite, newer schema, locked, full)."""

    exit_code = 74  # EX_IOERR


class Cancelled(MspError):
    """The user pressed Ctrl-C or closed the input; what was saved is said in the message."""

    exit_code = 130
