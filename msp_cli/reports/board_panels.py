"""The panels of the report to the Safeguarding Adults Board: for each question a Board asks, a
chart, the numbers beside it, what they are out of, and one plain sentence saying what they show.

Every number in a table is a Cell that names where it comes from in the `--json` reports
(report|key|key...), so a test can check each one against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from msp_cli import vocab
from msp_cli.reports import svg
from msp_cli.reports.board_figures import BoardFigures
from msp_cli.reports.figures import FEEDBACK_LABELS
from msp_cli.reports.publish import SUPPRESSED, percent

NONE = "\u2013"  # an en dash: no figure (nothing to divide by)


@dataclass(frozen=True)
class Cell:
    text: str
    key: str  # report|key|key...: where the figure is in the JSON reports
    value: float | None  # for the bar; None when there is no figure or it is suppressed


Row = list[Any]  # a label (str) then Cells


@dataclass
class Figure:
    chart: str
    headers: list[str]
    rows: list[Row]
    wide: bool = False  # the table is too wide to sit beside its chart: the chart goes above it


@dataclass
class Panel:
    title: str
    reading: str
    denominator: str
    figures: list[Figure] = field(default_factory=list)


def text_of(value: Any, key: str = "") -> str:
    if value is None:
        return NONE
    if isinstance(value, str):
        return value
    if key.endswith("_pct"):
        return f"{value:.1f}%"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _pct(value: Any) -> str:
    return text_of(value, "_pct")


class Figures:
    """Cells looked up in the JSON reports by path."""

    def __init__(self, board: BoardFigures) -> None:
        self.board = board

    def get(self, report: str, *path: str) -> Any:
        node: Any = self.board.reports[report]
        for part in path:
            if isinstance(node, list):
                node = next(item for item in node if part in (item.get("category"), item.get("group")))
            else:
                node = node[part]
        return node

    def cell(self, report: str, *path: str) -> Cell:
        value = self.get(report, *path)
        number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        return Cell(text_of(value, path[-1]), "|".join((report, *path)), number)


def _bar(cell: Cell) -> svg.Bar:
    return svg.Bar(cell.value, cell.text)


def _single(
    title: str, f: Figures, path: tuple[str, ...], heading: str, *, count: str = "Count", sort: bool = False
) -> Figure:
    """One count a label (the labels at PATH): bars, and a table of the same cells."""
    cells = [(label, f.cell(*path, label)) for label in f.get(*path)]
    shown = sorted(cells, key=lambda lc: -(lc[1].value or 0)) if sort else cells
    chart = svg.bars(title, [(label, [_bar(c)]) for label, c in shown], [svg.DARK_BLUE])
    return Figure(chart, [heading, count], [[label, c] for label, c in cells])


def _largest(counts: dict[str, int]) -> str | None:
    best = max(counts.items(), key=lambda kv: kv[1], default=(None, 0))
    return best[0] if best[1] else None


def outcome_measures(f: Figures) -> Panel:
    b = f.board
    last = f"outcomes@{b.last_year.label}"
    measures = [
        ("Expressed desired outcomes", "asked_and_expressed"),
        ("Fully achieved", "fully_achieved"),
        ("Partly achieved", "partially_achieved"),
        ("Not achieved", "not_achieved"),
    ]
    concluded = [f.cell(last, "concluded"), f.cell("outcomes", "concluded")]
    rows: list[Row] = [["Enquiries concluded", concluded[0], "", concluded[1], ""]]
    bars = []
    for label, key in measures:
        pct_this, pct_last = f.cell("outcomes", f"{key}_pct"), f.cell(last, f"{key}_pct")
        rows.append([label, f.cell(last, key), pct_last, f.cell("outcomes", key), pct_this])
        bars.append((label, [_bar(pct_this), _bar(pct_last)]))
    styles = [
        svg.Style(f"{b.year.label} (this year)", "#0072B2", ink="#fff"),
        svg.Style(f"{b.last_year.label}", "#E69F00", "hatch"),
    ]
    chart = svg.bars("Sector outcome measures, this year beside last year", bars, styles, 100)
    headers = ["", b.last_year.label, "%", b.year.label, "%"]
    this_fully, last_fully = f.get("outcomes", "fully_achieved_pct"), f.get(last, "fully_achieved_pct")
    if isinstance(this_fully, float):
        reading = (
            f"Of the people who said what they wanted, {_pct(this_fully)} had it fully achieved and"
            f" {_pct(f.get('outcomes', 'partially_achieved_pct'))} partly"
        )
        reading += (
            f", against {_pct(last_fully)} fully last year." if isinstance(last_fully, float) else
            "; there are no figures for last year to compare with."
        )  # fmt: skip
    else:
        reading = "Too few enquiries concluded this year to say how many people's outcomes were achieved."
    return Panel(
        "Were people's desired outcomes achieved?",
        reading,
        f"Section 42 and other enquiries concluded in the year ({text_of(f.get('outcomes', 'concluded'))} this year,"
        f" {text_of(f.get(last, 'concluded'))} last year). Expressed is of enquiries concluded; fully, partly and"
        " not achieved are of the people who expressed outcomes.",
        [Figure(chart, headers, rows)],
    )


def asked_and_achieved(f: Figures) -> Panel:
    raw = f.board.raw["sac"]
    concluded = raw["concluded_section_42_enquiries"]
    expressed = raw["asked_about_outcomes"][vocab.ASKED_AND_EXPRESSED]
    pct = percent(expressed, concluded, f.board.publish)
    asked = _single("Were people asked about the outcomes they wanted?", f, ("sac", "asked_about_outcomes"), "Asked?")
    achieved_cells = [(label, f.cell("sac", "outcomes_achieved", label)) for label in vocab.OUTCOMES_ACHIEVED]
    expressed_cell = f.cell("sac", "asked_about_outcomes", vocab.ASKED_AND_EXPRESSED)
    achieved_chart = svg.stacked(
        "Were the outcomes achieved?",
        [("Where outcomes were expressed", [_bar(c) for _, c in achieved_cells], expressed_cell.value)],
        [svg.Style("Fully", "#0072B2", ink="#fff"), svg.Style("Partly", "#F0E442"), NOT_ACHIEVED_STYLE],
    )
    achieved = Figure(achieved_chart, ["Outcomes achieved?", "Count"], [[label, c] for label, c in achieved_cells])
    reading = (
        f"In {_pct(pct)} of the Section 42 enquiries concluded, the person or their representative was asked"
        " what they wanted and said it."
        if isinstance(pct, float)
        else "Too few Section 42 enquiries concluded this year to show how often people were asked."
    )
    return Panel(
        "Were people asked what they wanted? (SG4a)",
        reading,
        f"Section 42 enquiries concluded in the year: {text_of(f.get('sac', 'concluded_section_42_enquiries'))}."
        " Achievement is of those where outcomes were expressed.",
        [asked, achieved],
    )


NOT_ACHIEVED_STYLE = svg.Style("Not", "#D55E00", "hatch", ink="#fff")


def risk(f: Figures) -> Panel:
    raw = f.board.raw["sac"]
    kind, place = _largest(raw["type_of_risk"]), _largest(raw["location_of_risk"])
    reading = (
        f"The most common type of risk was {kind.lower()}, and the most common location \u201c{place}\u201d."
        if kind and place
        else "No Section 42 enquiries with a type and place of risk concluded this year."
    )
    return Panel(
        "What kind of harm, and where? (SG2a, SG2b)",
        reading,
        f"Section 42 enquiries concluded in the year: {text_of(f.get('sac', 'concluded_section_42_enquiries'))}."
        " One enquiry may involve several types of risk, so types add up to more than the enquiries.",
        [
            _single("Type of risk", f, ("sac", "type_of_risk"), "Type of risk", sort=True),
            _single("Location of risk", f, ("sac", "location_of_risk"), "Location of risk", sort=True),
        ],
    )


ADVOCACY_DAYS = "advocacy_offered_to_started_days"


def capacity(f: Figures) -> Panel:
    c = f.board.reports["capacity"]
    support = _single("Support for people who lacked capacity", f, ("capacity", "support"), "Supported by")
    support.rows = [[f"Supported by: {label}", c] for label, c in support.rows]
    support.rows[:0] = [
        ["Enquiries concluded", f.cell("capacity", "concluded")],
        ["The person lacked capacity", f.cell("capacity", "lacked_capacity")],
        ["Lacked capacity %", f.cell("capacity", "lacked_capacity_pct")],
    ]
    support.rows += [
        ["Best-interests note recorded", f.cell("capacity", "best_interests_notes")],
        ["Days from advocacy offered to started (median)", f.cell("capacity", ADVOCACY_DAYS, "median")],
        ["Advocacy offered, not started", f.cell("capacity", "advocacy_offered_not_started")],
    ]  # fmt: skip
    support.headers = ["", "Count"]
    pct = c["lacked_capacity_pct"]
    reading = (
        f"{_pct(pct)} of people whose enquiry concluded lacked capacity for decisions about it; of them,"
        f" {text_of(c['support']['Advocate'])} had an advocate and {text_of(c['support']['Family or friend'])}"
        " family or friends to support them."
        if isinstance(pct, float)
        else "Too few enquiries concluded this year to show how many people lacked capacity."
    )
    return Panel(
        "Mental capacity and support (SG3a)",
        reading,
        f"Section 42 and other enquiries concluded in the year: {text_of(c['concluded'])}; support is of the"
        f" people who lacked capacity ({text_of(c['lacked_capacity'])}).",
        [support],
    )


def desired(f: Figures) -> Panel:
    raw = f.board.raw["desired"]
    rows: list[Row] = []
    bars = []
    for cat in raw["categories"]:
        name = cat["category"]
        cells = [f.cell("desired", "categories", name, k) for k in ("outcomes", "negotiated", "negotiated_pct")]
        rows.append([name, *cells, f.cell("desired", "categories", name, "fully_achieved_pct")])
        if cat["outcomes"]:
            bars.append((name, [_bar(cells[0]), _bar(cells[1])]))
    styles = [svg.Style("Desired outcomes", "#0072B2", ink="#fff"), svg.Style("Negotiated", "#E69F00", "hatch")]
    chart = svg.bars("Kinds of desired outcome, and how many were negotiated", bars, styles, size=svg.WIDE)
    negotiated = sum(c["negotiated"] for c in raw["categories"])
    pct = percent(negotiated, raw["outcomes"], f.board.publish)
    top = _largest({c["category"]: c["outcomes"] for c in raw["categories"]})
    reading = (
        f"What people asked for most often was \u201c{top}\u201d; {_pct(pct)} of all desired outcomes were"
        " negotiated (changed with the person from what they first said)."
        if top and isinstance(pct, float)
        else "Too few desired outcomes recorded in enquiries concluded this year to show."
    )
    return Panel(
        "What did people want, and how often was it negotiated?",
        reading,
        f"Desired outcomes of enquiries concluded in the year: {text_of(f.get('desired', 'outcomes'))}. Negotiated %"
        " is of the outcomes of that kind; fully achieved % of those judged at closure.",
        [Figure(chart, ["Kind of outcome", "Outcomes", "Negotiated", "Negotiated %", "Fully achieved %"], rows, True)],
    )


def time(f: Figures) -> Panel:
    spans = [("Concern to enquiry", "concern_to_enquiry_days"), ("Concern to closure", "concern_to_closure_days")]
    rows: list[Row] = []
    bars = []
    for label, key in spans:
        median, p90 = f.cell("time", key, "median"), f.cell("time", key, "p90")
        rows.append([f"{label} (days)", median, p90])
        bars.append((label, [_bar(median), _bar(p90)]))
    styles = [
        svg.Style("Half within (median)", "#0072B2", ink="#fff"),
        svg.Style("Nine in ten within", "#E69F00", "hatch"),
    ]
    chart = svg.bars("Days from the concern", bars, styles)
    meetings = Figure(
        "",
        ["Meetings", "Count"],
        [
            ["Meetings held", f.cell("time", "meetings")],
            ["Meetings per enquiry", f.cell("time", "meetings_per_case")],
            ["The person attended %", f.cell("time", "meetings_person_attended_pct")],
            ["The person was prepared %", f.cell("time", "meetings_person_prepared_pct")],
        ],
    )
    closure = f.board.reports["time"]["concern_to_closure_days"]
    reading = (
        f"Half of the enquiries were closed within {text_of(closure['median'])} days of the concern,"
        f" and nine in ten within {text_of(closure['p90'])} days."
        if closure["median"] is not None
        else "No enquiries concluded this year to time."
    )
    return Panel(
        "How long did enquiries take?",
        reading,
        f"Section 42 and other enquiries concluded in the year: {text_of(f.get('time', 'concluded'))}.",
        [Figure(chart, ["", "Median", "90th percentile"], rows), meetings],
    )


SCORE_STYLES = [
    svg.Style("1 not at all", "#D55E00", "hatch", ink="#fff"),
    svg.Style("2", "#E69F00"),
    svg.Style("3", "#DDDDDD"),
    svg.Style("4", "#56B4E9", "dots"),
    svg.Style("5 completely", "#0072B2", ink="#fff"),
]


def feedback(f: Figures) -> Panel:
    raw = f.board.raw["feedback"]
    rows: list[Row] = []
    bars = []
    for key, label in FEEDBACK_LABELS.items():
        scores = [f.cell("feedback", "questions", key, "scores", s) for s in "12345"]
        answered, mean = (f.cell("feedback", "questions", key, k) for k in ("answered", "mean"))
        rows.append([label, answered, *scores, mean])
        bars.append((label, [_bar(c) for c in scores], answered.value))
    chart = svg.stacked("Feedback answers, 1 (not at all) to 5 (completely)", bars, SCORE_STYLES, svg.WIDE)
    listened = raw["questions"]["felt_listened_to"]
    reading = (
        f"People or their representatives gave feedback {text_of(f.get('feedback', 'responses'))} times; on"
        f" average they scored feeling listened to {text_of(listened['mean'])} out of 5."
        if listened["answered"] and f.get("feedback", "responses") != SUPPRESSED
        else "Too few people gave feedback this year to show their answers."
    )
    given = [[label, f.cell("feedback", "given_by", label)] for label in f.get("feedback", "given_by")]
    return Panel(
        "What did people tell us?",
        reading,
        f"Feedback given in the year: {text_of(f.get('feedback', 'responses'))} responses. Each bar shows"
        " how the answers to one question were spread from 1 to 5.",
        [
            Figure(chart, ["Question", "Answered", "1", "2", "3", "4", "5", "Mean"], rows, True),
            Figure("", ["Who answered", "Count"], given),
        ],
    )


def who(f: Figures) -> Panel:
    s42 = "Section 42 Enquiries"
    figures = [
        _single("Age band", f, ("sac", "individuals_by_age_band", s42), "Age band", count="People"),
        _single(
            "Primary support reason",
            f,
            ("sac", "individuals_by_primary_support_reason", s42),
            "Primary support reason",
            count="People",
        ),
    ]
    raw = f.board.raw["sac"]["individuals"]["age_band"][s42]
    older = sum(n for band, n in raw.items() if band not in ("18-64", "Not Known"))
    pct = percent(older, sum(raw.values()), f.board.publish)
    reading = (
        f"{_pct(pct)} of the people in Section 42 enquiries started this year were 65 or older."
        if isinstance(pct, float)
        else "Too few Section 42 enquiries started this year to describe the people in them."
    )
    return Panel(
        "Who were the enquiries about? (SG1a, SG1d)",
        reading,
        "People in Section 42 enquiries started in the year, each counted once however many enquiries they had;"
        " age on the last day of the year.",
        figures,
    )


def panels(board: BoardFigures) -> list[Panel]:
    f = Figures(board)
    return [outcome_measures(f), asked_and_achieved(f), who(f), risk(f), capacity(f), desired(f), time(f), feedback(f)]
