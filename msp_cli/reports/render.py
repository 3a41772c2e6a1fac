"""Drawing report figures: rich tables with bars beside the numbers, and CSV for spreadsheets.

A report is a list of Sections (label, count, out of what) and Grids (a wide table, one
row a group). Denominators are always shown; percentages have one decimal. Bars are drawn
with text, so no plotting library is needed, and fall back to plain '#' where colour is off
(NO_COLOR) or the output is not a terminal.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from msp_cli.reports.publish import RULE, SUPPRESSED, percent, shown_count
from msp_cli.ui import DEMO_BANNER

if TYPE_CHECKING:  # rich is imported where tables are drawn: --json and --csv do not need it
    from rich.console import Console, RenderableType
    from rich.table import Table

BAR_WIDTH = 20


@dataclass
class Line:
    label: str
    count: int | None = None
    denominator: int | None = None
    text: str | None = None  # a figure that is not a count (a median, a mean)


@dataclass
class Section:
    title: str
    lines: list[Line]
    denominator_name: str | None = None  # what percentages are "of"
    note: str | None = None


@dataclass
class Grid:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str | None = None


Item = Section | Grid


def bar(fraction: float | None, plain: bool) -> str:
    if fraction is None:
        return ""
    filled = round(max(0.0, min(1.0, fraction)) * BAR_WIDTH)
    return ("#" if plain else "\u2588") * filled


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _pct_text(value: float | str | None) -> str:
    if value is None:
        return "-"
    return value if isinstance(value, str) else f"{value:.1f}%"


def section_table(section: Section, publish: bool, plain: bool) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(title=section.title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD)
    table.add_column("", overflow="fold", min_width=30)
    table.add_column("Count", justify="right")
    table.add_column("Out of", justify="right")
    table.add_column("%", justify="right")
    table.add_column("", no_wrap=True)
    for line in section.lines:
        if line.text is not None:
            table.add_row(line.label, line.text, "", "", "")
            continue
        assert line.count is not None
        pct = percent(line.count, line.denominator, publish)
        fraction = pct / 100 if isinstance(pct, float) else None
        table.add_row(
            line.label,
            _fmt(shown_count(line.count, publish)),
            _fmt(shown_count(line.denominator, publish)) if line.denominator is not None else "",
            _pct_text(pct),
            bar(fraction, plain),
        )
    if section.note:
        table.caption = section.note
        table.caption_justify = "left"
    return table


def grid_table(grid: Grid) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=grid.title, title_justify="left", title_style="bold", box=box.SIMPLE_HEAD)
    for i, heading in enumerate(grid.headers):
        table.add_column(heading, justify="left" if i == 0 else "right", overflow="fold")
    for row in grid.rows:
        # Text, not markup: "[c]" (a suppressed count) would otherwise vanish as a markup tag
        table.add_row(*(Text(cell if isinstance(cell, str) else _fmt(cell)) for cell in row))
    if grid.note:
        table.caption = grid.note
        table.caption_justify = "left"
    return table


def render(
    title: str, period_label: str, items: list[Item], *, publish: bool, demo: bool, console: Console
) -> RenderableType:
    from rich.console import Group
    from rich.text import Text

    from msp_cli.fit import Fitted

    plain = console.no_color or not console.is_terminal
    parts: list[RenderableType] = []
    if demo:
        parts.append(Text(DEMO_BANNER, style="bold reverse"))
    parts.append(Text(f"{title}: {period_label}", style="bold underline"))
    for item in items:
        table = section_table(item, publish, plain) if isinstance(item, Section) else grid_table(item)
        parts.append(Fitted(table))
    if publish:
        parts.append(Text(RULE, style="italic"))
    return Group(*parts)


def _safe(cell: Any) -> Any:
    """Keep a spreadsheet from running a cell as a formula (= + - @ at the start)."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@"):
        return "'" + cell
    return cell


def to_csv(items: list[Item], *, publish: bool, demo: bool, heading: str | None = None) -> str:
    """The figures as CSV; HEADING, where given (a period still running), is the first row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if demo:
        writer.writerow([DEMO_BANNER.strip()])
    if heading is not None:
        writer.writerow([_safe(heading)])
    sections = [i for i in items if isinstance(i, Section)]
    if sections:
        writer.writerow(["table", "row", "count", "out_of", "percent"])
        for s in sections:
            for line in s.lines:
                if line.text is not None:
                    writer.writerow([_safe(s.title), _safe(line.label), line.text, "", ""])
                    continue
                assert line.count is not None
                den = shown_count(line.denominator, publish) if line.denominator is not None else ""
                pct = percent(line.count, line.denominator, publish)
                writer.writerow(
                    [
                        _safe(s.title),
                        _safe(line.label),
                        shown_count(line.count, publish),
                        den,
                        "" if pct is None else pct,
                    ]
                )
    for grid in (i for i in items if isinstance(i, Grid)):
        if sections or len(items) > 1:
            writer.writerow([])
            writer.writerow([_safe(grid.title)])
        writer.writerow(grid.headers)
        for row in grid.rows:
            writer.writerow([_safe(cell) if cell is not None else "" for cell in row])
    if publish:
        writer.writerow([])
        writer.writerow([RULE])
    return out.getvalue()


__all__ = ["SUPPRESSED", "Grid", "Item", "Line", "Section", "render", "to_csv"]
