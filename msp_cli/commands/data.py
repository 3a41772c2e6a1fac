"""Data in and out: import (export joins it later)."""

from __future__ import annotations

import typer

from msp_cli.context import AppState
from msp_cli.ui import say


def register(app: typer.Typer) -> None:
    app.command("import")(import_)


def import_(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="FILE", help="A JSON Lines file of cases, or - for stdin."),
    update: bool = typer.Option(False, "--update", help="Replace cases whose case_ref is already stored."),
) -> None:
    """Import cases in the interchange format: all of them, or none if any line is wrong."""
    from msp_cli import interchange

    state: AppState = ctx.obj
    stream = interchange.open_input(source)  # checked before the database is touched
    store = state.open()
    with stream:
        result = interchange.import_cases(store, stream, update=update)
    parts = [f"{result.cases_added} case{'s' if result.cases_added != 1 else ''} added"]
    if update:
        parts.append(f"{result.cases_updated} updated, {result.cases_unchanged} unchanged")
    parts.append(f"{result.people_added} new {'person' if result.people_added == 1 else 'people'}")
    say("Imported: " + ", ".join(parts) + ".")
