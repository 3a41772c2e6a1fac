"""The report to the Safeguarding Adults Board as one HTML file: self-contained (no script, font,
image or style from elsewhere; it opens from a USB stick), printable on A4, charts as inline SVG
with their numbers beside them.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from msp_cli import __version__
from msp_cli.reports.board_figures import BoardFigures
from msp_cli.reports.board_panels import Cell, Figure, Figures, Panel, panels
from msp_cli.reports.publish import RULE

DEMO = "DEMONSTRATION DATA"
QUOTES_WARNING = (
    "This copy contains people's own words. They come only from enquiries where the person consented,"
    " with no name or reference, but words can still identify someone: share this copy with the Board only,"
    " and do not publish it."
)

CSS = """
@page { size: A4; margin: 14mm 13mm 14mm 13mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 10pt/1.4 Arial, Helvetica, sans-serif; color: #111; margin: 0 auto; max-width: 184mm; padding: 8mm 0; }
h1 { font-size: 21pt; line-height: 1.15; margin: 0 0 3mm; color: #0b3a5b; }
h2 { font-size: 13pt; margin: 0 0 1.5mm; color: #0b3a5b; }
.subtitle { font-size: 12pt; margin: 0 0 5mm; }
.cover { margin-bottom: 2mm; }
.facts { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; margin: 4mm 0; }
.fact { border: 1px solid #9ab; border-radius: 2mm; padding: 2.5mm; }
.fact .n { display: block; font-size: 20pt; font-weight: bold; color: #0b3a5b; }
.fact .what { display: block; font-size: 8.5pt; }
.rule { font-size: 8.5pt; color: #333; }
.internal { border: 2px solid #D55E00; padding: 2mm 3mm; font-weight: bold; }
.warning { border: 2px solid #D55E00; padding: 2mm 3mm; margin: 3mm 0; }
.panel { break-inside: avoid; page-break-inside: avoid; border-top: 1.5px solid #0072B2; padding-top: 3mm;
         margin-top: 5mm; }
.reading { font-size: 11pt; margin: 0 0 2.5mm; }
.figure { display: grid; grid-template-columns: minmax(0, 53fr) minmax(0, 47fr); gap: 4mm; align-items: start;
          margin-bottom: 2.5mm; break-inside: avoid; }
.figure.wide { grid-template-columns: 100%; }
.figure.nochart { grid-template-columns: minmax(0, 53fr) minmax(0, 47fr); }
.figure.nochart table { grid-column: 2; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
caption { text-align: left; font-weight: bold; }
th, td { padding: 1.2mm 1.5mm; border-bottom: 0.5px solid #bbb; vertical-align: top; }
thead th { text-align: right; border-bottom: 1px solid #333; font-weight: bold; white-space: nowrap; }
thead th:first-child { text-align: left; }
th[scope=row] { text-align: left; font-weight: normal; }
td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.denominator { font-size: 8.5pt; color: #333; margin: 0; }
.demo-banner { background: #000; color: #fff; font-weight: bold; text-align: center; padding: 1.5mm;
               letter-spacing: 0.1em; }
.demo-mark { position: fixed; top: 45%; left: 0; right: 0; text-align: center; transform: rotate(-30deg);
             font-size: 50pt; font-weight: bold; color: rgba(0, 0, 0, 0.07); z-index: -1; pointer-events: none; }
.demo-tag { float: right; font-size: 8pt; font-weight: bold; border: 1px solid #000; padding: 0 1.5mm; }
blockquote { margin: 2mm 0; padding: 1mm 3mm; border-left: 3px solid #0072B2; }
blockquote footer { font-size: 8.5pt; color: #333; }
.about { font-size: 8.5pt; color: #333; border-top: 1px solid #999; margin-top: 6mm; padding-top: 2mm; }
"""

# a demo says so at the head of every printed page (a page margin box), as well as on screen
DEMO_PAGES = (
    f'@page {{ @top-center {{ content: "{DEMO}: fictional cases, not real people"; font: bold 9pt Arial, sans-serif;'
    " color: #000; }} }}"
)


def _cell(cell: Cell | str, first: bool) -> str:
    if isinstance(cell, Cell):
        return f'<td data-figure="{escape(cell.key)}">{escape(cell.text)}</td>'
    return f'<th scope="row">{escape(cell)}</th>' if first else "<td></td>"


def _table(figure: Figure) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in figure.headers)
    body = "".join(f"<tr>{''.join(_cell(c, i == 0) for i, c in enumerate(row))}</tr>" for row in figure.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(figure: Figure) -> str:
    if not figure.chart:
        return f'<div class="figure nochart">{_table(figure)}</div>'
    wide = " wide" if figure.wide else ""
    return f'<div class="figure{wide}"><div class="chart">{figure.chart}</div>{_table(figure)}</div>'


def _panel(panel: Panel, demo: bool) -> str:
    tag = f'<span class="demo-tag">{DEMO}</span>' if demo else ""
    return (
        f'<section class="panel"><h2>{tag}{escape(panel.title)}</h2>'
        f'<p class="reading">{escape(panel.reading)}</p>'
        f"{''.join(_figure(f) for f in panel.figures)}"
        f'<p class="denominator">Out of: {escape(panel.denominator)}</p></section>'
    )


def _facts(f: Figures) -> str:
    facts = [
        (f.cell("sac", "concerns"), "safeguarding concerns received"),
        (f.cell("sac", "section_42_enquiries"), "Section 42 enquiries started"),
        (f.cell("outcomes", "concluded"), "enquiries concluded"),
        (f.cell("outcomes", "fully_achieved_pct"), "of people who expressed outcomes had them fully achieved"),
    ]
    boxes = "".join(
        f'<div class="fact"><span class="n" data-figure="{escape(c.key)}">{escape(c.text)}</span>'
        f'<span class="what">{escape(what)}</span></div>'
        for c, what in facts
    )
    return f'<div class="facts">{boxes}</div>'


def _quotes(board: BoardFigures) -> str:
    if not board.quotes:
        quotes = "<p>No desired outcomes in people's own words from consented enquiries concluded this year.</p>"
    else:
        quotes = "".join(
            f"<blockquote><p>\u201c{escape(q['text'])}\u201d</p><footer>{escape(q['category'])};"
            f" {escape(q['achieved'] or 'not judged')}</footer></blockquote>"
            for q in board.quotes
        )
    return (
        '<section class="panel"><h2>In people\'s own words</h2>'
        f'<p class="warning">{escape(QUOTES_WARNING)}</p>{quotes}</section>'
    )


def html(board: BoardFigures, *, council: str | None, demo: bool) -> str:
    f = Figures(board)
    year = board.year
    title = f"Making Safeguarding Personal: {year.heading}"
    demo_parts = (f'<div class="demo-mark">{DEMO}</div>', f'<div class="demo-banner">{DEMO}: fictional cases</div>')
    if board.publish:
        rule = f'<p class="rule">Figures follow the national publication rule. {escape(RULE)}</p>'
    else:
        rule = (
            '<p class="internal">INTERNAL COPY: the publication rule is off (--no-publish), so small numbers are'
            " shown as they are. Do not publish or share this copy beyond the Board.</p>"
        )
    warning = f'<p class="warning">{escape(QUOTES_WARNING)}</p>' if board.with_quotes else ""
    cover = (
        f'<header class="cover">{demo_parts[1] if demo else ""}'
        f"<h1>{escape(title)}</h1>"
        f'<p class="subtitle">A report to the Safeguarding Adults Board{" of " + escape(council) if council else ""},'
        f" {escape(_long_date(year.start))} to {escape(_long_date(year.end))}</p>"
        f"{_facts(f)}{rule}{warning}</header>"
    )
    body = "".join(_panel(p, demo) for p in panels(board))
    if board.with_quotes:
        body += _quotes(board)
    about = (
        '<p class="about">Counted by msp '
        f"{escape(__version__)} on {dt.date.today().isoformat()}, from the same figures as its reports"
        " (msp report outcomes, sac, desired, capacity, time and feedback). Sector outcome measures count"
        " Section 42 and other enquiries concluded in the year; the national tables (SG) count Section 42"
        " enquiries concluded, and people in enquiries started. A dash means there was nothing to divide by.</p>"
    )
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(title)}{' (' + DEMO + ')' if demo else ''}</title>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}{DEMO_PAGES if demo else ""}'
        "</style></head>"
        f"<body>{demo_parts[0] if demo else ''}{cover}<main>{body}</main>{about}</body></html>\n"
    )


def _long_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"
