"""`msp report ...`: the sector outcome measures, the national return, breakdowns and more.

Every report takes the same period, filters and output options, and goes the same way:
the storage counts (storage/sqlite/report_queries.py), figures.py shapes, render.py draws (or JSON / CSV is printed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from msp_cli.errors import UsageProblem
from msp_cli.ui import console, say

REPORT_YEAR = "report_year"  # a setting: the year reports show when none is given (msp demo writes it)

if TYPE_CHECKING:
    from msp_cli.reports.period import Period

report_app = typer.Typer(
    rich_markup_mode=None,
    help="Aggregate reports: outcome measures, the national MSP tables, breakdowns.",
    no_args_is_help=True,
)

YEAR = typer.Option(None, "--year", help="A reporting year, 1 April to 31 March: 2024-25. Default: the current one.")
QUARTER = typer.Option(None, "--quarter", help="A quarter of a reporting year: 2024-25Q3 (Q1 is April to June).")
DATE_FROM = typer.Option(None, "--from", metavar="DATE", help="Start of a period of your own (with --to).")
DATE_TO = typer.Option(None, "--to", metavar="DATE", help="End of a period of your own (with --from).")
TEAM = typer.Option(None, "--team", help="Only this team's cases.")
WORKER = typer.Option(None, "--worker", help="Only this lead worker's cases.")
SOURCE = typer.Option(None, "--source", metavar="NAME", help="Only cases imported from this extract (its file name).")
AS_JSON = typer.Option(False, "--json", help="One JSON object, for programs.")
AS_CSV = typer.Option(False, "--csv", help="CSV, for spreadsheets.")
PUBLISH = typer.Option(False, "--publish", help="Apply the national publication rule (rounding, [c]).")


def register(app: typer.Typer) -> None:
    from msp_cli.commands import report_board, report_sac

    report_sac.register(report_app)
    report_board.register(report_app)
    app.add_typer(report_app, name="report")


@dataclass
class Computed:
    """One report counted and shaped: what every output of it is drawn from."""

    title: str
    period: Period
    head: dict[str, Any]  # what the JSON says before the figures: report, period, filters, demo, published
    items: list[Any]
    obj: dict[str, Any]
    publish: bool
    demo: bool
    store: Any


def period_for(store: Any, *chosen: str | None) -> Period:
    """The period asked for; none asked for, the database's report year (msp demo sets it, and it is said)
    or the current reporting year. A period still running is marked 'to date'."""
    from msp_cli.reports.period import parse_period

    period = parse_period(*chosen)
    if not any(chosen) and store.setting(REPORT_YEAR) is not None:
        period = parse_period(store.setting(REPORT_YEAR))
        say(f"Reporting {period.label}, this database's headline year (set by msp demo); --year for another.")
    return period.as_of(dt.date.today())


def compute(
    ctx: typer.Context,
    title: str,
    options: dict[str, Any],
    name: str,
    shape: Callable[..., tuple[list[Any], dict[str, Any]]],
    *extra: Any,
) -> Computed:
    from msp_cli.reports.period import parse_period
    from msp_cli.reports.publish import RULE
    from msp_cli.storage import Scope

    chosen = [options[k] for k in ("year", "quarter", "date_from", "date_to")]
    parse_period(*chosen)  # a bad period is refused before the database is opened
    store = ctx.obj.open()
    period = period_for(store, *chosen)
    source = Path(options["source"]).name if options.get("source") else None  # a path given: its file name
    scope = Scope(period=period, team=options["team"], worker=options["worker"], source=source)
    data = store.report(name, scope, *extra)
    publish = options["publish"]
    items, obj = shape(data, *extra, publish)
    demo = store.is_demo()
    head: dict[str, Any] = {"report": title, "period": {"label": period.label, "from": period.start, "to": period.end}}
    if period.to_date is not None:  # added, not renamed: programs reading "label" go on working
        head["title"] = f"{title}: {period.heading}"
        head["period"]["to_date"] = period.to_date
    if options["team"] or options["worker"] or source:
        head["filters"] = {"team": options["team"], "worker": options["worker"]}
        if source:
            head["filters"]["source"] = source
    if demo:
        head["demonstration_data"] = True
    head["published"] = publish
    if publish:
        head["publication_rule"] = RULE
    return Computed(title, period, head, items, obj, publish, demo, store)


def _run(
    ctx: typer.Context,
    title: str,
    options: dict[str, Any],
    name: str,
    shape: Callable[..., tuple[list[Any], dict[str, Any]]],
    *extra: Any,
) -> None:
    if options["as_json"] and options["as_csv"]:
        raise UsageProblem("Choose one of --json and --csv.")
    done = compute(ctx, title, options, name, shape, *extra)
    if options["as_json"]:
        print(json.dumps({**done.head, **done.obj}, ensure_ascii=False, indent=2))
        return
    if options["as_csv"]:
        from msp_cli.reports.render import to_csv

        heading = f"{done.title}: {done.period.heading}" if done.period.to_date is not None else None
        print(to_csv(done.items, publish=done.publish, demo=done.demo, heading=heading), end="")
        return
    from msp_cli.reports.render import render

    label = done.period.heading + "".join(
        f", {k} {v}"
        for k, v in (("team", options["team"]), ("worker", options["worker"]), ("source", options.get("source")))
        if v
    )
    console.print(render(title, label, done.items, publish=done.publish, demo=done.demo, console=console))


# name -> (title, what it answers); each is `msp report NAME` with the shared period, filters and output
# options, counted by the storage's report NAME and shaped by figures.NAME
SIMPLE_REPORTS = {
    "outcomes": (
        "Sector outcome measures",
        "The sector outcome measures: enquiries concluded, outcomes expressed, and how many were achieved.",
    ),
    "desired": (
        "Desired outcomes",
        "What people want: desired outcome kinds, how often negotiated and why, how often achieved.",
    ),
    "capacity": (
        "Mental capacity and advocacy",
        "Mental capacity: who lacked it, who supported them, best-interests notes, days to advocacy.",
    ),
    "time": (
        "Time, meetings and re-referrals",
        "Time and effort: days to enquiry and to closure, meetings, minutes, re-referrals.",
    ),
    "feedback": ("Feedback", "What people said: feedback answers, and who answered."),
}


def _simple_report(name: str, title: str, doc: str) -> None:
    def command(
        ctx: typer.Context,
        year: str | None = YEAR,
        quarter: str | None = QUARTER,
        date_from: str | None = DATE_FROM,
        date_to: str | None = DATE_TO,
        team: str | None = TEAM,
        worker: str | None = WORKER,
        source: str | None = SOURCE,
        as_json: bool = AS_JSON,
        as_csv: bool = AS_CSV,
        publish: bool = PUBLISH,
    ) -> None:
        from msp_cli.reports import figures

        options = {"year": year, "quarter": quarter, "date_from": date_from, "date_to": date_to, "team": team,
                   "worker": worker, "source": source, "as_json": as_json, "as_csv": as_csv,
                   "publish": publish}  # fmt: skip
        _run(ctx, title, options, name, getattr(figures, name))

    command.__doc__ = doc
    command.__name__ = name
    report_app.command(name)(command)


for _name, (_title, _doc) in SIMPLE_REPORTS.items():
    _simple_report(_name, _title, _doc)


@report_app.command("breakdown")
def breakdown(
    ctx: typer.Context,
    by: str = typer.Option(
        ...,
        "--by",
        help="risk-type, location, source, age-band, sex, ethnicity, support-reason, team, worker or response.",
    ),
    year: str | None = YEAR,
    quarter: str | None = QUARTER,
    date_from: str | None = DATE_FROM,
    date_to: str | None = DATE_TO,
    team: str | None = TEAM,
    worker: str | None = WORKER,
    source: str | None = SOURCE,
    as_json: bool = AS_JSON,
    as_csv: bool = AS_CSV,
    publish: bool = PUBLISH,
) -> None:
    """The outcome measures for each group: does MSP work as well for everyone?"""
    from msp_cli.reports import figures
    from msp_cli.storage import BREAKDOWNS

    by = by.strip().lower().replace(" ", "-").replace("_", "-")
    if by not in BREAKDOWNS:
        raise UsageProblem(f"--by {by!r} is not one of: {', '.join(BREAKDOWNS)}.")
    _run(ctx, "Breakdown", locals(), "breakdown", figures.breakdown, by)
