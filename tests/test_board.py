"""`msp report board`: every number in its tables is the --json reports' number, the file is
self-contained and names nobody, and headless Chromium draws it to PNG and PDF without a request
leaving the machine."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from msp_cli.reports import chromium
from tests.conftest import Run
from tests.report_fixture import CASES, EXPRESSED, SG1_CASES

YEAR = "2024-25"
NAME = "Ophelia Quartermaine"
WORKER = "Wilhelmina Workerton"
WORDS = "Ophelia wants her money back from the lodger"  # her own words, in case A (consented)


def _distinct(ref: str) -> str:
    return f"REFX{ref}X"  # a reference no report wording could contain by chance


def board_cases() -> list[dict[str, Any]]:
    cases = copy.deepcopy(CASES + SG1_CASES)
    last_year = {
        "case_ref": "LAST",
        "person": {"ref": "P7", "age_band": "18-64"},
        "concern_received": "2023-06-01",
        "enquiry_type": "Section 42",
        "enquiry_started": "2023-06-02",
        "risk_types": ["Self-Neglect"],
        "asked_about_outcomes": EXPRESSED,
        "desired_outcomes": [
            {"text": "Keep my flat", "category": "Other", "expressed_by": "Person", "achieved": "Fully Achieved"}
        ],
        "concluded": "2023-09-01",
        "risk_assessment_outcome": "No risk identified and no action taken",
        "outcomes_achieved": "Fully Achieved",
    }
    cases.append(last_year)
    for case in cases:
        person = case["person"]
        person["name"] = NAME if person["ref"] == "P1" else f"Forename{person['ref']} Surname{person['ref']}"
        case["case_ref"], person["ref"] = _distinct(case["case_ref"]), _distinct(person["ref"])
        case["worker"] = WORKER
    cases[0]["consent"] = {"sought": True, "given": True}
    cases[0]["desired_outcomes"][0]["text"] = WORDS
    return cases


@pytest.fixture
def board(run: Run, initialised: Path, write_jsonl: Any, tmp_path: Path) -> Any:
    result = run("import", str(write_jsonl(board_cases())))
    assert result.exit_code == 0, result.output

    def make(*args: str) -> tuple[str, Any]:
        out = tmp_path / "board.html"
        result = run("report", "board", "--year", YEAR, "--html", str(out), *args)
        assert result.exit_code == 0, result.output
        return out.read_text(encoding="utf-8"), result

    return make


class _Figures(HTMLParser):
    """(data-figure, text) of every element that carries one; and every td, to check none is unsourced."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[tuple[str, str]] = []
        self.cells: list[tuple[str | None, str]] = []
        self._open: list[tuple[str, str | None, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        key = dict(attrs).get("data-figure")
        if key is not None or tag == "td":
            self._open.append((tag, key, []))

    def handle_data(self, data: str) -> None:
        for _, _, text in self._open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _, key, text = self._open.pop()
            if key is not None:
                self.figures.append((key, "".join(text)))
            if tag == "td":
                self.cells.append((key, "".join(text)))


def _lookup(obj: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(obj, list):
            obj = next(item for item in obj if part in (item.get("category"), item.get("group")))
        else:
            obj = obj[part]
    return obj


def _same(shown: str, value: Any) -> bool:
    if value is None:
        return shown == "\u2013"
    if isinstance(value, str):
        return shown == value
    return abs(float(shown.rstrip("%")) - float(value)) < 0.005


@pytest.mark.parametrize("publish", [True, False])
def test_every_number_in_the_board_tables_is_the_json_reports(board: Any, run: Run, publish: bool) -> None:
    html, _ = board(*(() if publish else ("--no-publish",)))
    parser = _Figures()
    parser.feed(html)
    assert [text for key, text in parser.cells if key is None and text.strip()] == []  # no number without a source
    reports: dict[str, Any] = {}
    for key, shown in parser.figures:
        report, *path = key.split("|")
        if report not in reports:
            name, _, year = report.partition("@")
            flags = ("--publish",) if publish else ()
            out = run("report", name, "--year", year or YEAR, "--json", *flags)
            reports[report] = json.loads(out.output)
        assert _same(shown, _lookup(reports[report], path)), (key, shown)
    assert len(parser.figures) > 150
    assert set(reports) == {"outcomes", "outcomes@2023-24", "sac", "desired", "capacity", "time", "feedback"}
    # figures worked out by hand (tests/test_reports.py, tests/test_sac_return.py): unpublished they show as such
    figures = dict(parser.figures)
    if not publish:
        # A B C G and S7 concluded; A B C expressed outcomes, B's fully achieved
        assert figures["outcomes|concluded"] == "5" and figures["outcomes|fully_achieved_pct"] == "33.3%"
        last = "outcomes@2023-24"
        assert figures[f"{last}|concluded"] == "1" and figures[f"{last}|fully_achieved_pct"] == "100.0%"
        # P1 (two enquiries), P2, P4, P6 each once; P10 (three) once, 75 by date of birth
        ages = "sac|individuals_by_age_band|Section 42 Enquiries"
        assert figures[f"{ages}|65-74"] == "4" and figures[f"{ages}|75-84"] == "1"
        assert "INTERNAL COPY" in html and "--no-publish" in html
    else:
        assert figures["outcomes|concluded"] == "5" and figures["outcomes|fully_achieved_pct"] == "[c]"
        assert figures["sac|concerns"] == "15"  # 14 concerns, rounded to the nearest 5
        assert "national publication rule" in html and "INTERNAL COPY" not in html


def test_the_board_file_is_self_contained_and_names_nobody(board: Any, run: Run, tmp_path: Path) -> None:
    html, _ = board("--no-publish")
    lowered = html.lower()
    for remote in ("http://", "https://", "//", "src=", "<link", "<script", "@import", "@font-face", "<iframe"):
        assert remote not in lowered, remote
    assert re.findall(r"url\(([^)]*)\)", html) and all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", html))
    for case in board_cases():
        for text in (case["case_ref"], case["person"]["ref"], case["person"]["name"], *case["person"]["name"].split()):
            assert text not in html, text
        for outcome in case.get("desired_outcomes", []):
            assert outcome["text"] not in html
    assert WORKER not in html and "Wilhelmina" not in html
    assert "DEMONSTRATION DATA" not in html  # not a demo
    assert html.count("<svg") == 11 and html.count('<section class="panel">') == 8
    if sys.platform != "win32":
        assert (tmp_path / "board.html").stat().st_mode & 0o777 == 0o600


def test_quotes_only_with_quotes_from_consented_cases_without_names(board: Any) -> None:
    html, result = board("--with-quotes")
    assert "Ophelia" not in html and "Quartermaine" not in html
    assert "[name] wants her money back from the lodger" in html  # case A: consented
    assert "I want to feel safe" in html  # A's other outcome
    assert "I want the carers to come on time" not in html  # B: consent not recorded
    assert "share this copy with the Board only" in html
    assert "do not publish" in result.output


def test_a_demo_says_so_on_every_page_and_panel(run: Run, tmp_path: Path) -> None:
    assert run("demo", "--replace", "--cases", "60", "--seed", "3").exit_code == 0
    out = tmp_path / "demo.html"
    assert run("report", "board", "--html", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert 'class="demo-mark"' in html  # fixed: printed on every page
    assert html.count('<span class="demo-tag">DEMONSTRATION DATA</span>') == 8


def test_board_refuses_what_it_cannot_do(board: Any, run: Run, tmp_path: Path, monkeypatch: Any) -> None:
    for args, says in (
        ((), "--html FILE, --pdf FILE"),
        (("--year", "2024-26", "--html", str(tmp_path / "x.html")), "not a reporting year"),
        (("--html", str(tmp_path / "x.txt")), "must end in .html"),
    ):
        result = run("report", "board", *args)
        assert result.exit_code == 2 and says in result.output, result.output
    monkeypatch.setattr(chromium, "find", lambda: None)
    result = run("report", "board", "--pdf", str(tmp_path / "x.pdf"))
    assert result.exit_code == 2 and "apt-get install chromium" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".pdf", ".html", ".tmp")) == []


# --- drawn by headless Chromium -------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    chromium.find() is None and not os.environ.get("CI"), reason="Chromium is not installed (CI installs it)"
)
CHROMIUMS_OWN = ("google.com", "googleapis.com", "gstatic.com", "~notfound")  # its own services, blocked too


def _requests(html: Path, tmp_path: Path) -> set[str]:
    """Every URL Chromium asked for while drawing HTML, from its network log."""
    log = tmp_path / f"{html.stem}.net.json"
    chromium.run(html, png=tmp_path / f"{html.stem}.png", extra=(f"--log-net-log={log}",))
    found = set(re.findall(r"(?:https?|wss?|ftp)://[^\"\\ ]+", log.read_text(encoding="utf-8", errors="replace")))
    return {u for u in found if not any(own in u.split("/")[2] for own in CHROMIUMS_OWN)}


@needs_chromium
def test_chromium_draws_the_board_to_png_and_pdf_with_no_request(board: Any, run: Run, tmp_path: Path) -> None:
    assert chromium.find() is not None, "CI must have Chromium: .ci/run installs it"
    html, _ = board()
    page = tmp_path / "board.html"
    png = tmp_path / "board.png"
    chromium.run(page, png=png, width=820, height=4000)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    pdf = tmp_path / "board.pdf"
    result = run("report", "board", "--year", YEAR, "--pdf", str(pdf))
    assert result.exit_code == 0, result.output
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 3  # A4 pages
    assert b"/MediaBox [0 0 595" in data or b"/MediaBox [0 0 594" in data  # A4: 595 x 842 points
    if sys.platform != "win32":
        assert pdf.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    # the network log sees a request the page makes: a page with a remote image shows one, the board none
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><p>x</p><img src="https://example.org/x.png">', encoding="utf-8")
    assert any("example.org" in u for u in _requests(control, tmp_path))
    assert _requests(page, tmp_path) == set()


@needs_chromium
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) reads the PDF's pages")
def test_every_page_of_a_demo_pdf_says_demonstration_data(run: Run, tmp_path: Path) -> None:
    demo = tmp_path / "demo.db"
    assert run("--db", str(demo), "demo", "--cases", "80", "--seed", "2").exit_code == 0
    pdf = tmp_path / "demo.pdf"
    assert run("--db", str(demo), "report", "board", "--pdf", str(pdf), "--no-publish").exit_code == 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")[:-1]  # a form feed ends each page
    assert len(pages) >= 4
    assert all("DEMONSTRATION" in page for page in pages)
    assert "INTERNAL COPY" in pages[0]
