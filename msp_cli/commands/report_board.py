"""`msp report board`: the year's report to the Safeguarding Adults Board, as HTML and/or PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from msp_cli.errors import UsageProblem
from msp_cli.ui import say, warn


def register(report_app: typer.Typer) -> None:
    report_app.command("board")(board)


def board(
    ctx: typer.Context,
    year: str | None = typer.Option(
        None, "--year", help="The reporting year, 1 April to 31 March: 2025-26. Default: the current one."
    ),
    html_file: Path | None = typer.Option(None, "--html", metavar="FILE", help="Write the report as one HTML file."),
    pdf_file: Path | None = typer.Option(None, "--pdf", metavar="FILE", help="Write it as a PDF (needs Chromium)."),
    no_publish: bool = typer.Option(
        False, "--no-publish", help="An internal copy: small numbers shown as they are (said on its cover)."
    ),
    with_quotes: bool = typer.Option(
        False, "--with-quotes", help="Add people's own words, from consented enquiries only, without names."
    ),
) -> None:
    """The year for the Safeguarding Adults Board: charts, their numbers, and what they show."""
    from msp_cli.commands.report import period_for
    from msp_cli.reports import board as board_html
    from msp_cli.reports import chromium
    from msp_cli.reports.board_figures import gather
    from msp_cli.reports.files import write_report_file
    from msp_cli.reports.period import parse_period

    if html_file is None and pdf_file is None:
        raise UsageProblem("Say where to write the report: --html FILE, --pdf FILE, or both.")
    parse_period(year)  # a bad year is refused before anything else
    if pdf_file is not None and chromium.find() is None:
        raise UsageProblem(f"--pdf needs Chromium, which is not installed. {chromium.HOW_TO_GET}")
    store = ctx.obj.open()
    period = period_for(store, year)
    figures = gather(store, period, publish=not no_publish, with_quotes=with_quotes)
    text = board_html.html(figures, council=store.setting("council"), demo=store.is_demo())
    written = []
    if html_file is not None:
        write_report_file(html_file, (".html", ".htm"), lambda path: _write_text(path, text))
        written.append(str(html_file))
    if pdf_file is not None:

        def print_pdf(path: Path) -> None:
            source = path.with_name(path.name + ".html")  # beside the PDF, owner-only, removed after
            write_report_file(source, (".html",), lambda p: _write_text(p, text))
            try:
                chromium.run(source, pdf=path)
            finally:
                source.unlink(missing_ok=True)

        write_report_file(pdf_file, (".pdf",), print_pdf)
        written.append(str(pdf_file))
    if with_quotes:
        warn("This report holds people's own words: share it with the Board only, and do not publish it.")
    internal = " (internal copy: publication rule off)" if no_publish else ""
    say(f"Wrote {' and '.join(written)}{internal}; only you can read it.")


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
