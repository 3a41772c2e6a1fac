"""`msp audit`: the case-audit worklist, grouped by worker, with a count per rule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from msp_cli.context import AppState
from msp_cli.ui import DEMO_BANNER, console, say


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)


# findings drawn for each worker unless --all: a supervision's worth; the rest are counted and named
# (by rule), and every one is reachable with --worker W --all or --json. Thousands of table rows
# would take seconds to draw and no one would read them.
FIRST_FEW = 10


def audit(
    ctx: typer.Context,
    days: int = typer.Option(
        90, "--days", min=0, help="Include cases closed in the last DAYS days (open ones always)."
    ),
    worker: str | None = typer.Option(None, "--worker", help="Only this lead worker's cases."),
    team: str | None = typer.Option(None, "--team", help="Only this team's cases."),
    source: str | None = typer.Option(
        None, "--source", metavar="NAME", help="Only cases imported from this extract (its file name)."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object, for programs."),
    show_all: bool = typer.Option(
        False, "--all", help=f"Every finding, not only the first {FIRST_FEW} of each worker."
    ),
) -> None:
    """The case-audit worklist: where recording falls short, case by case, and how to put it right."""
    from msp_cli.storage import worklist_summary

    state: AppState = ctx.obj
    store = state.open()
    today = dt.date.today()
    from msp_cli.hints import command, quote

    found = store.worklist(
        today=today, days=days, worker=worker, team=team, source=Path(source).name if source else None
    )
    for f in found:  # the fixes name commands: spelt as this command line was, so they work when pasted
        f["fix"] = (f["fix"] or "").format(ref=quote(f["case_ref"] or "CASE"), msp=command())
    counts = worklist_summary(found)
    if as_json:
        obj = {"as_of": today.isoformat(), "closed_within_days": days, "summary": counts, "findings": found}
        if store.is_demo():
            obj = {"demonstration_data": True, **obj}
        print(json.dumps(obj, ensure_ascii=False, indent=2))
        return
    from rich.console import Group, RenderableType
    from rich.table import Table
    from rich.text import Text

    from msp_cli.fit import Fitted

    parts: list[RenderableType] = []
    if store.is_demo():
        parts.append(Text(DEMO_BANNER, style="bold reverse"))
    parts.append(
        Text(
            f"Case-audit worklist: open cases and those closed since {today - dt.timedelta(days=days)}",
            style="bold underline",
        )
    )
    by_worker: dict[str, list[dict[str, str | None]]] = {}
    for f in found:
        by_worker.setdefault(f["worker"] or "(no lead worker)", []).append(f)
    for who in sorted(by_worker):
        theirs = by_worker[who]
        shown = theirs if show_all else theirs[:FIRST_FEW]
        table = Table(title=Text(f"{who}: {len(theirs)} to put right"), title_justify="left", expand=True)
        table.add_column("Case", no_wrap=True)
        table.add_column("What is missing", ratio=2, overflow="fold")
        table.add_column("How to put it right", ratio=3, overflow="fold")
        for f in shown:  # recorded text (references, names) drawn as it is, never as markup
            table.add_row(Text(f["case_ref"] or "(all)"), Text(f["finding"] or ""), Text(f["fix"] or ""))
        parts.append(Fitted(table))
        if len(shown) < len(theirs):
            rest: dict[str, int] = {}
            for f in theirs[len(shown) :]:
                rest[str(f["rule"])] = rest.get(str(f["rule"]), 0) + 1
            every = f"{command()} audit{' --worker ' + quote(who) if theirs[0]['worker'] else ''} --all"
            parts.append(
                Text(
                    f"  and {len(theirs) - len(shown)} more ({', '.join(f'{k} {n}' for k, n in rest.items())});"
                    f" all of them: {every} (or --json)"
                )
            )
    summary = Table(title="Findings by rule", title_justify="left")
    summary.add_column("Rule")
    summary.add_column("Cases", justify="right")
    for rule, n in counts.items():
        summary.add_row(rule, str(n))
    parts.append(Fitted(summary))
    console.print(Group(*parts))
    if not found:
        say("Nothing to put right.")
