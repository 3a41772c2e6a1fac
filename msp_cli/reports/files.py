"""Report files (xlsx, HTML, PDF): owner-only, and never half-written.

A report holds figures about adults at risk, so its file is readable by its owner only. It is
written under a temporary name in the target folder and renamed into place when complete, so
a crash or a full disk leaves the earlier file (or none), never a broken one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from msp_cli.errors import UsageProblem


def write_report_file(path: Path, suffixes: tuple[str, ...], write: Callable[[Path], None]) -> None:
    """Call WRITE with a new owner-only temporary file beside PATH, then move it to PATH."""
    if path.suffix.lower() not in suffixes:
        # a fixed suffix means a slip of the keyboard cannot replace the database or another file
        raise UsageProblem(f"{path.name!r}: the file name must end in {' or '.join(suffixes)}.")
    folder = path.parent
    if not folder.is_dir():
        raise UsageProblem(f"The folder {str(folder)!r} does not exist: create it first, or choose another.")
    if path.exists() and not path.is_file():
        raise UsageProblem(f"{str(path)!r} is not a file: choose another name.")
    temporary = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    os.close(fd)
    try:
        write(temporary)
        os.chmod(temporary, 0o600)  # in case the writer (chromium) made a new file of its own
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
