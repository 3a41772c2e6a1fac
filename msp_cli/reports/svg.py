"""Bar charts as inline SVG: no script, no font or file from elsewhere, readable when printed in grey.

Colours are the Okabe-Ito palette (told apart by people with the common colour blindnesses);
series that could look alike in grey also differ by pattern, and every bar carries its
number as text, so no chart relies on colour alone.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from html import escape

NARROW = (400, 175)  # (width, label width) of a chart beside its table
WIDE = (700, 300)  # of a chart above a wide table
BAR = 14
GAP = 7
FONT = 11
_ids = itertools.count(1)


@dataclass(frozen=True)
class Style:
    name: str  # shown in the legend
    colour: str
    pattern: str | None = None  # "hatch" or "dots": for a series that could look like another in grey
    ink: str = "#000"  # text drawn on the bar


DARK_BLUE = Style("", "#0072B2", ink="#fff")


@dataclass(frozen=True)
class Bar:
    value: float | None  # None draws nothing (no figure, or suppressed)
    text: str  # the figure as the table shows it


def _defs(prefix: str, styles: list[Style]) -> str:
    parts = []
    for i, s in enumerate(styles):
        if s.pattern == "hatch":
            mark = '<path d="M0,6 L6,0" stroke="#000" stroke-width="1.2" stroke-opacity="0.55"/>'
        elif s.pattern == "dots":
            mark = '<circle cx="3" cy="3" r="1.2" fill="#000" fill-opacity="0.6"/>'
        else:
            continue
        parts.append(
            f'<pattern id="{prefix}p{i}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{s.colour}"/>{mark}</pattern>'
        )
    return f"<defs>{''.join(parts)}</defs>" if parts else ""


def _fill(prefix: str, styles: list[Style], i: int) -> str:
    return f"url(#{prefix}p{i})" if styles[i].pattern else styles[i].colour


def _short(label: str, label_width: int) -> str:
    limit = int(label_width / 6.2)  # characters of 11px Arial that fit
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "\u2026"


def _text(x: float, y: float, text: str, *, anchor: str = "start", weight: str = "normal", fill: str = "#000") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" text-anchor="{anchor}" font-weight="{weight}"'
        f' fill="{fill}" dominant-baseline="middle">{escape(text)}</text>'
    )


def _label(label: str, y: float, label_width: int) -> str:
    """A row's label left of its bars, shortened to fit; the whole of it as a tooltip (and in the table)."""
    return f"<g><title>{escape(label)}</title>{_text(label_width - 6, y, _short(label, label_width), anchor='end')}</g>"


def _legend(prefix: str, styles: list[Style], width: int) -> tuple[str, float]:
    """The key to the colours and patterns, wrapped to the chart's width; returns it and its height."""
    parts, x, y = [], 4.0, 9.0
    for i, s in enumerate(styles):
        room = 24 + 6.2 * len(s.name)
        if x > 4 and x + room > width:
            x, y = 4.0, y + 16
        parts.append(
            f'<rect x="{x}" y="{y - 5}" width="10" height="10" fill="{_fill(prefix, styles, i)}" stroke="#333"'
            ' stroke-width="0.5"/>'
        )
        parts.append(_text(x + 14, y, s.name))
        x += room
    return "".join(parts), y + 13


def _svg(width: int, height: float, body: str, title: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height:.0f}" width="100%" role="img" aria-label="{escape(title)}"'
        f' font-family="Arial, Helvetica, sans-serif"><title>{escape(title)}</title>{body}</svg>'
    )


def bars(
    title: str,
    rows: list[tuple[str, list[Bar]]],
    styles: list[Style],
    scale: float | None = None,
    size: tuple[int, int] = NARROW,
) -> str:
    """Horizontal bars, one group a row and one bar a series (this year beside last year)."""
    prefix = f"c{next(_ids)}"
    width, label_width = size
    largest = scale or max((b.value or 0 for _, group in rows for b in group), default=0) or 1
    span = width - label_width - 40
    body = [_defs(prefix, styles)]
    y = 4.0
    if len(styles) > 1:
        key, y = _legend(prefix, styles, width)
        body.append(key)
    top = y
    for label, group in rows:
        group_height = len(group) * BAR + (len(group) - 1) * 2
        body.append(_label(label, y + group_height / 2, label_width))
        for i, b in enumerate(group):
            length = span * (b.value or 0) / largest
            if length > 0:
                body.append(
                    f'<rect x="{label_width}" y="{y:.1f}" width="{length:.1f}" height="{BAR}"'
                    f' fill="{_fill(prefix, styles, i)}" stroke="#333" stroke-width="0.4"/>'
                )
            body.append(_text(label_width + length + 4, y + BAR / 2, b.text))
            y += BAR + 2
        y += GAP
    body.append(f'<line x1="{label_width}" y1="{top - 2}" x2="{label_width}" y2="{y - GAP}" stroke="#333"/>')
    return _svg(width, y, "".join(body), title)


def stacked(
    title: str,
    rows: list[tuple[str, list[Bar], float | None]],
    styles: list[Style],
    size: tuple[int, int] = NARROW,
) -> str:
    """One bar a row (label, parts, whole), split into the shares of each part of the whole. Parts
    suppressed by the publication rule leave an outlined gap, so no share looks bigger than it is."""
    prefix = f"c{next(_ids)}"
    width, label_width = size
    span = width - label_width - 10
    key, y = _legend(prefix, styles, width)
    body = [_defs(prefix, styles), key]
    for label, parts, whole in rows:
        shown = sum(b.value or 0 for b in parts)
        total = max(shown, whole or 0)
        body.append(_label(label, y + BAR, label_width))
        x = float(label_width)
        if total <= 0:
            body.append(_text(x + 4, y + BAR, "too few to show"))
        elif shown < total and any(b.value is None for b in parts):
            # what the suppressed parts hold: an outlined gap at the end, marked [c]
            body.append(
                f'<rect x="{x:.1f}" y="{y + 0.5:.1f}" width="{span:.1f}" height="{2 * BAR - 1}" fill="none"'
                ' stroke="#555" stroke-dasharray="3 2"/>'
            )
            body.append(_text(x + span - 4, y + BAR, "[c]", anchor="end"))
        for i, b in enumerate(parts):
            length = span * (b.value or 0) / total if total > 0 else 0
            if length <= 0:
                continue
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{length:.1f}" height="{2 * BAR}"'
                f' fill="{_fill(prefix, styles, i)}" stroke="#fff" stroke-width="1"/>'
            )
            if length >= 7 * len(b.text) + 4:
                body.append(
                    f'<text x="{x + length / 2:.1f}" y="{y + BAR:.1f}" font-size="{FONT}" text-anchor="middle"'
                    f' dominant-baseline="middle" fill="{styles[i].ink}" stroke="{styles[i].colour}"'
                    f' stroke-width="3" paint-order="stroke">{escape(b.text)}</text>'
                )
            x += length
        y += 2 * BAR + GAP + 2
    return _svg(width, y, "".join(body), title)
