"""A council's own extract: `msp import FILE --map MAP.toml` and `msp map draft FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from msp_cli.context import AppState
from msp_cli.errors import UsageProblem
from msp_cli.ui import say

map_app = typer.Typer(
    rich_markup_mode=None,
    help="Mapping files for council extracts (.csv, .xlsx): msp map draft FILE > MAP.toml",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(map_app, name="map")


@map_app.command("draft")
def draft(
    source: str = typer.Argument(..., metavar="FILE", help="The extract: a .csv or .xlsx file."),
    sheet: str | None = typer.Option(None, "--sheet", help="The sheet of an .xlsx file (default: the first)."),
) -> None:
    """Draft a mapping from the extract's headings and values; edit what is marked `# check`."""
    from msp_cli.extract.draft import draft as make_draft

    sys.stdout.write(make_draft(Path(source), sheet=sheet))


def import_extract(
    state: AppState, source: str, map_file: str | None, *, update: bool, dry_run: bool, keep_going: bool
) -> None:
    """The --map branch of `msp import`: check, report, and import all, none, or (--keep-going) what passes."""
    from msp_cli.extract import importer, mapping, table
    from msp_cli.ui import console, err_console

    if map_file is None:
        raise UsageProblem("--dry-run and --keep-going are for extracts: give the mapping with --map MAP.toml.")
    if update:
        raise UsageProblem("--update is for JSON Lines; an extract adds new cases only.")
    if dry_run and keep_going:
        raise UsageProblem("Choose one of --dry-run and --keep-going.")
    path = Path(source)
    table.check_path(path)  # before the database is touched
    mapped = mapping.load(Path(map_file))
    store = state.open()
    outcome = importer.import_extract(store, path, mapped, dry_run=dry_run, keep_going=keep_going)
    if dry_run:
        for line in outcome.report:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        if outcome.failing or outcome.blocked:
            raise importer.ExtractRefused(
                "The dry run found cases that would fail (listed above); nothing was written."
            )
        say("Dry run: nothing was written.")
        return
    if outcome.blocked or (outcome.failing and not keep_going):
        for line in outcome.report:
            err_console.print(line, markup=False, highlight=False, soft_wrap=True)
        raise importer.refusal(outcome, path, mapped)
    result = outcome.result
    say(
        f"Imported from {path.name}: {result.cases_added} case{'s' if result.cases_added != 1 else ''} added,"
        f" {result.people_added} new {'person' if result.people_added == 1 else 'people'}."
    )
    if outcome.rejects is not None:
        say(f"{len(outcome.failing)} case(s) were not imported; their rows and reasons are in {outcome.rejects}.")
