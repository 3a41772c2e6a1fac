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
        table = Table(title=f"{who}: {len(by_worker[who])} to put right", title_justify="left", expand=True)
        table.add_column("Case", no_wrap=True)
        table.add_column("What is missing", ratio=2, overflow="fold")
        table.add_column("How to put it right", ratio=3, overflow="fold")
        for f in by_worker[who]:
            table.add_row(f["case_ref"] or "(all)", f["finding"] or "", f["fix"] or "")
        parts.append(Fitted(table))
    summary = Table(title="Findings by rule", title_justify="left")
    summary.add_column("Rule")
    summary.add_column("Cases", justify="right")
    for rule, n in counts.items():
        summary.add_row(rule, str(n))
    parts.append(Fitted(summary))
    console.print(Group(*parts))
    if not found:
        say("Nothing to put right.")
