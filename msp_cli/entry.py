"""The console script: answers `msp --version` before anything heavy is imported."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.platform == "win32":
        # a redirected Windows stream defaults to the ANSI code page, which cannot hold every label
        # (the toolkit's en dash) or a person's words; write UTF-8, as the CSV and JSON promise
        for stream in (sys.stdout, sys.stderr):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(encoding="utf-8", errors="replace")
    if sys.argv[1:] == ["--version"]:
        from msp_cli import __version__

        print(f"msp {__version__}")
        return
    from msp_cli.cli import app, quiet_closed_pipe

    try:
        app()
    except BrokenPipeError:  # while click prints help or usage to a closed pipe
        quiet_closed_pipe()
        sys.exit(141)
