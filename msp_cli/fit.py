"""Tables that never break a word: at 80 columns, in a file, or in a narrow window.

When a table is wider than the screen, rich narrows its widest columns without regard to the
words in them, so "Psychological Abuse" comes out as "Psychologi/cal Abuse" and a date as
"2026-1/1-29". A Fitted table is laid out when it is drawn, at the width it is drawn at: each
column at least as wide as its longest word (a no-wrap column as its longest cell), the rest
of the width shared out by how much more each column would like. Where even the longest words
do not fit side by side, the rows are stacked: one block a row, "Heading: value" a line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text


class Fitted:
    """A rich Table laid out at draw time so that every word stays whole."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        yield fit(self.table, console, options)


def fit(table: Table, console: Console, options: ConsoleOptions) -> RenderableType:
    width = options.max_width
    ranges = [_column_range(table, index, console, options) for index in range(len(table.columns))]
    # rich's own measure of borders and padding (private names; rich is pinned below 16 in pyproject)
    extra = table._extra_width
    ratios = any(column.ratio for column in table.columns)  # ratios share width out regardless of words
    if sum(high for _, high in ranges) + extra <= width and not ratios:
        return table  # everything fits at its full width: rich's layout breaks nothing
    if sum(low for low, _ in ranges) + extra > width:
        return stacked(table)
    spare = width - extra - sum(low for low, _ in ranges)
    wants = [high - low for low, high in ranges]
    total = sum(wants) or 1
    for index, (column, (low, high)) in enumerate(zip(table.columns, ranges, strict=True)):
        share = low + spare * wants[index] // total
        column.width = min(share, high) - table._get_padding_width(index)
        column.ratio = None
    return table


def _column_range(table: Table, index: int, console: Console, options: ConsoleOptions) -> tuple[int, int]:
    """The narrowest width that keeps every word of the column whole, and the width it would like."""
    column = table.columns[index]
    cells: list[Any] = [*column.cells]
    if table.show_header:
        cells.append(column.header)
    low = high = 1
    for cell in cells:
        measured = Measurement.get(console, options, cell)
        low, high = max(low, measured.minimum), max(high, measured.maximum)
    if column.no_wrap:
        low = high
    padding = table._get_padding_width(index)
    return low + padding, high + padding


def stacked(table: Table) -> RenderableType:
    """One block a row: its first cell, then each other column as 'Heading: value' (wrapped at spaces)."""
    from rich.console import Group

    headings = [_plain(column.header) for column in table.columns]
    columns = [[_plain(cell) for cell in column.cells] for column in table.columns]
    parts: list[RenderableType] = []
    if table.title:
        parts.append(Text(_plain(table.title), style="bold"))
    for row in zip(*columns, strict=True):
        first = f"{headings[0]}: {row[0]}" if headings[0] else row[0]
        lines = [Text(first, style="bold")]
        lines += [
            Text(f"  {h}: {v}" if h else f"  {v}") for h, v in zip(headings[1:], row[1:], strict=True) if v.strip()
        ]
        parts.append(Group(*lines))
    if table.caption:
        parts.append(Text(_plain(table.caption), style="italic"))
    return Group(*parts)


def _plain(cell: Any) -> str:
    if isinstance(cell, Text):
        return cell.plain
    return str(cell)
