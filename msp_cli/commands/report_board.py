"""placeholder"""

from __future__ import annotations

import typer


def register(report_app: typer.Typer) -> None:
    pass
