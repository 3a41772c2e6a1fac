"""`msp demo`: a demonstration database full of believable, fictional cases, and its headline figures.

It never writes into a database that is not a demonstration one, never replaces one without
asking (or --replace), and without --db or MSP_DB it uses a file of its own, so a trainer's
demo can never land in a council's real records.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from msp_cli.context import AppState
from msp_cli.errors import MspError
from msp_cli.hints import command, quote
from msp_cli.location import demo_file, redacted

if TYPE_CHECKING:
    from msp_cli.reports.period import Period
    from msp_cli.storage import Storage
from msp_cli.commands.report import REPORT_YEAR
from msp_cli.ui import console, interactive, say


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo_path(state: AppState) -> Path:
    if state.db_option or os.environ.get("MSP_DB"):
        return state.db_path()[0]
    return demo_file()


def demo(
    ctx: typer.Context,
    cases: int = typer.Option(300, "--cases", min=1, max=1_000_000, help="How many cases to make."),
    seed: int = typer.Option(2014, "--seed", help="The same seed (on the same day) gives the same cases."),
    replace: bool = typer.Option(False, "--replace", help="Replace an existing demonstration database without asking."),
) -> None:
    """Make a demonstration database of fictional cases and show its headline reports."""
    state: AppState = ctx.obj
    url = state.server_url()
    if url is not None:  # a server's audit trail cannot be cleared: only an empty database takes a demo
        store = state.open(create=True)
        if store.count_cases():
            raise MspError("That server database already holds cases; msp demo fills only an empty one.")
        where = redacted(url)
    else:
        path = demo_path(state)
        if path.exists():
            _clear_old_demo(state, path, replace)
        state.db_option = str(path)
        store = state.open(create=True)
        where = str(path)
    from msp_cli.demo import generate
    from msp_cli.model import validate_case

    today = dt.date.today()
    with store.write() as audit:
        store.set_setting(audit, "demo", "yes")
        store.set_setting(audit, "team", "North")
        # reports then default to the year the headline shows, and say so each time
        store.set_setting(audit, REPORT_YEAR, headline_year(today).label)
        writer = store.case_writer(audit, action="demo.generate")
        for case in generate(cases, seed, today):
            writer.add(validate_case(case.record, today=today))
        writer.flush()
        audit.append("demo.generate", changes={"cases": [None, cases], "seed": [None, seed]})
    say(f"Made {cases} fictional cases in {where} (seed {seed}).")
    _headline(store, today, where)


def _clear_old_demo(state: AppState, path: Path, replace: bool) -> None:
    from msp_cli.storage import open_storage

    existing = open_storage(path, readonly=False)
    try:
        is_demo = existing.is_demo()
    finally:
        existing.close()
    if not is_demo:
        raise MspError(
            f"{path} holds real data (it is not a demonstration database); msp demo never writes into it.",
            hint="Give another file with --db, or leave out --db and MSP_DB to use the demo's own file.",
        )
    if not replace:
        if not interactive():
            raise MspError(f"{path} already holds a demonstration database.", hint="Add --replace to make a new one.")
        from msp_cli.prompts import confirm_or_stop

        confirm_or_stop(f"Replace the demonstration database {path}?", without_terminal="")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def headline_year(today: dt.date) -> Period:
    """The last whole reporting year: the demo's cases have run their course in it."""
    from msp_cli.reports.period import reporting_year_of, year_starting

    return year_starting(int(reporting_year_of(today).start[:4]) - 1)


def _headline(store: Storage, today: dt.date, where: str) -> None:
    from msp_cli.reports import figures
    from msp_cli.reports.render import render
    from msp_cli.storage import Scope

    last_year = headline_year(today)
    scope = Scope(period=last_year)
    items, _ = figures.outcomes(store.report("outcomes", scope), False)
    sac_items, _ = figures.sac(store.report("sac", scope), False)
    console.print(
        render("Headline figures", last_year.label, items + sac_items[:2], publish=False, demo=True, console=console)
    )
    explore = ("report outcomes", "report sac", "report breakdown --by risk-type", "case list", "audit")
    lines = [f"Explore it (reports show {last_year.label} unless given --year):"]
    lines += [f"  {command(words)}" for words in explore]
    if where == str(store.path):  # a file (msp use takes files)
        lines.append(f"Or make it the default for later commands: msp use {quote(where)}")
    lines.append("A guided case, in a file of its own: msp tutorial")
    say("\n".join(lines))
