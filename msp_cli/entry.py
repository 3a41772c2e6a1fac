"""The console script: answers `msp --version` before anything heavy is imported."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from msp_cli import __version__

        print(f"msp {__version__}")
        return
    from msp_cli.cli import app

    app()
