"""From query results to what each report shows: sections and grids for people, objects for programs.

Pure functions of the numbers the storage's report queries return; `publish` applies the national
publication rule to every count (and to the percentages built from them).
"""

from __future__ import annotations

from typing import Any

from msp_cli import vocab
from msp_cli.reports.publish import percent, shown_count
from msp_cli.reports.render import Grid, Item, Line, Section
from msp_cli.storage import BREAKDOWNS, SMALL_GROUP

JsonObj = dict[str, Any]


def _publish_map(counts: dict[str, int], publish: bool) -> dict[str, Any]:
    return {label: shown_count(n, publish) for label, n in counts.items()}


# --- outcomes -------------------------------------------------------------------------------


def outcomes(data: dict[str, int], publish: bool) -> tuple[list[Item], JsonObj]:
    concluded, expressed = data["concluded"], data["asked_and_expressed"]
    lines = [
        Line("Enquiries concluded", concluded),
        Line("Desired outcomes expressed", expressed, concluded),
        Line("  fully achieved", data["fully_achieved"], expressed),
        Line("  partly achieved", data["partially_achieved"], expressed),
        Line("  not achieved", data["not_achieved"], expressed),
    ]
    if data["not_recorded"]:
        lines.append(Line("  achievement not recorded", data["not_recorded"], expressed))
    section = Section(
        "Sector outcome measures",
        lines,
        note="Enquiries are Section 42 and other enquiries concluded in the period. Desired outcomes"
        " were expressed by the person or their representative; achieved is of those who expressed them.",
    )
    obj: JsonObj = {}
    for key in ("concluded", "asked_and_expressed", "fully_achieved", "partially_achieved", "not_achieved"):
        obj[key] = shown_count(data[key], publish)
    obj["asked_and_expressed_pct"] = percent(expressed, concluded, publish)
    for key in ("fully_achieved", "partially_achieved", "not_achieved"):
        obj[f"{key}_pct"] = percent(data[key], expressed, publish)
    obj["not_recorded"] = shown_count(data["not_recorded"], publish)
    return [section], obj


# --- the national return --------------------------------------------------------------------

SAC_TABLES = (
    ("type_of_risk", "SG2a Type of risk (Section 42 enquiries concluded; one enquiry may have several)"),
    ("location_of_risk", "SG2b Location of risk"),
    ("source_of_risk", "SG2b Source of risk"),
    ("risk_assessment_outcome", "SG2c Risk assessment outcome"),
    ("risk_outcome", "SG2e Risk outcome (where risk was identified and action taken)"),
    ("lacked_capacity", "SG3a Did the individual lack capacity?"),
    ("asked_about_outcomes", "SG4a Were they asked about desired outcomes?"),
    ("outcomes_achieved", "SG4a Were the outcomes achieved? (where expressed)"),
)


def sac(data: dict[str, Any], publish: bool) -> tuple[list[Item], JsonObj]:
    concluded = data["concluded_section_42_enquiries"]
    totals = Section(
        "SG1f Totals in the period",
        [
            Line("Safeguarding concerns received", data["concerns"]),
            Line("Section 42 enquiries started", data["section_42_enquiries"]),
            Line("Other enquiries started", data["other_enquiries"]),
            Line("Section 42 enquiries concluded", concluded),
        ],
    )
    identified = data["risk_assessment_outcome"][vocab.RISK_IDENTIFIED_AND_ACTION_TAKEN]
    lacked = data["lacked_capacity"][vocab.LACKED_CAPACITY_YES]
    expressed = data["asked_about_outcomes"][vocab.ASKED_AND_EXPRESSED]
    denominators = {"risk_outcome": identified, "outcomes_achieved": expressed}
    items: list[Item] = [totals]
    for key, title in SAC_TABLES:
        den = denominators.get(key, concluded)
        lines = [Line(label, n, den) for label, n in data[key].items()]
        if key == "lacked_capacity":
            lines.append(
                Line("  of whom: supported by an advocate, family or friend", data["lacked_capacity_supported"], lacked)
            )
        missing = data["not_recorded"].get(key)
        note = f"{missing} concluded enquiries have no {key.replace('_', ' ')} recorded." if missing else None
        items.append(Section(title, lines, note=note))
    obj: JsonObj = {
        key: shown_count(data[key], publish)
        for key in ("concerns", "section_42_enquiries", "other_enquiries", "concluded_section_42_enquiries")
    }
    for key, _title in SAC_TABLES:
        obj[key] = _publish_map(data[key], publish)
    obj["lacked_capacity_supported"] = shown_count(data["lacked_capacity_supported"], publish)
    grids: list[Item] = []
    for key, title in SG1_TABLES:
        columns = {column: _publish_map(counts, publish) for column, counts in data["individuals"][key].items()}
        obj[f"individuals_by_{key}"] = columns
        grids.append(_individuals_grid(title, columns))
    return grids + items, obj


# SG1a-SG1d: key of the query's "individuals" -> title
SG1_TABLES = (
    ("age_band", "SG1a Individuals by age band (age on the last day of the period)"),
    ("sex", "SG1b Individuals by sex"),
    ("ethnicity", "SG1c Individuals by ethnicity"),
    ("primary_support_reason", "SG1d Individuals by primary support reason"),
)


def _individuals_grid(title: str, columns: dict[str, dict[str, Any]]) -> Grid:
    first = next(iter(columns.values()))
    grid = Grid(
        title,
        ["", *columns],
        note="People, each counted once per column however many concerns or enquiries they had;"
        " enquiries started in the period. Section 42 is the mandatory column.",
    )
    grid.rows = [[label, *(counts[label] for counts in columns.values())] for label in first]
    return grid


# --- breakdowns -----------------------------------------------------------------------------


def breakdown(rows: list[dict[str, Any]], by: str, publish: bool) -> tuple[list[Item], JsonObj]:
    heading = BREAKDOWNS[by]
    grid = Grid(
        f"Outcome measures by {heading.lower()}",
        [heading, "Concluded", "Expressed outcomes %", "Fully %", "Partly %", "Not %", "Compare?"],
        note=f"Percentages of fully, partly and not achieved are of those who expressed outcomes."
        f" Groups under {SMALL_GROUP} concluded enquiries are too small to compare."
        + (" An enquiry with several types of risk counts in each." if by == "risk-type" else ""),
    )
    out = []
    for r in rows:
        expressed = r["asked_and_expressed"]
        figures = {
            "concluded": shown_count(r["concluded"], publish),
            "asked_and_expressed": shown_count(expressed, publish),
            "asked_and_expressed_pct": percent(expressed, r["concluded"], publish),
            "fully_achieved_pct": percent(r["fully_achieved"], expressed, publish),
            "partially_achieved_pct": percent(r["partially_achieved"], expressed, publish),
            "not_achieved_pct": percent(r["not_achieved"], expressed, publish),
            "too_small_to_compare": r["small"],
        }
        grid.rows.append(
            [
                r["group"],
                figures["concluded"],
                figures["asked_and_expressed_pct"],
                figures["fully_achieved_pct"],
                figures["partially_achieved_pct"],
                figures["not_achieved_pct"],
                "too small" if r["small"] else "yes",
            ]
        )
        out.append({"group": r["group"], **figures})
    return [grid], {"by": by, "groups": out}


# --- desired outcomes -----------------------------------------------------------------------


def desired(data: dict[str, Any], publish: bool) -> tuple[list[Item], JsonObj]:
    grid = Grid(
        "Desired outcomes by kind (enquiries concluded in the period)",
        ["Kind of outcome", "Outcomes", "Negotiated %", "Why negotiated (most often)", "Fully %", "Partly %", "Not %"],
        note="Negotiated % is of the outcomes of that kind; achieved percentages are of those judged at closure.",
    )
    out = []
    for r in data["categories"]:
        judged = r["fully_achieved"] + r["partially_achieved"] + r["not_achieved"]
        reasons = sorted(r["negotiated_reasons"].items(), key=lambda kv: -kv[1])
        reason_text = "; ".join(f"{reason} ({shown_count(n, publish)})" for reason, n in reasons[:2]) or "-"
        figures = {
            "outcomes": shown_count(r["outcomes"], publish),
            "negotiated": shown_count(r["negotiated"], publish),
            "negotiated_pct": percent(r["negotiated"], r["outcomes"], publish),
            "negotiated_reasons": _publish_map(r["negotiated_reasons"], publish),
            "fully_achieved_pct": percent(r["fully_achieved"], judged, publish),
            "partially_achieved_pct": percent(r["partially_achieved"], judged, publish),
            "not_achieved_pct": percent(r["not_achieved"], judged, publish),
        }
        grid.rows.append(
            [
                r["category"],
                figures["outcomes"],
                figures["negotiated_pct"],
                reason_text,
                figures["fully_achieved_pct"],
                figures["partially_achieved_pct"],
                figures["not_achieved_pct"],
            ]
        )
        out.append({"category": r["category"], **figures})
    return [grid], {"outcomes": shown_count(data["outcomes"], publish), "categories": out}


# --- capacity, time, feedback ---------------------------------------------------------------


def _days_text(spread: dict[str, Any]) -> str:
    if not spread["cases"]:
        return "no cases with both dates"
    return f"median {spread['median']}, 90th percentile {spread['p90']} (over {spread['cases']} cases)"


def capacity(data: dict[str, Any], publish: bool) -> tuple[list[Item], JsonObj]:
    lacked = data["lacked_capacity"]
    lines = [
        Line("Enquiries concluded", data["concluded"]),
        Line("The person lacked capacity (SG3a)", lacked, data["concluded"]),
    ]
    lines += [Line(f"  of whom supported by: {label}", n, lacked) for label, n in data["support"].items()]
    lines.append(Line("  of whom a best-interests note is recorded", data["best_interests_notes"], lacked))
    lines.append(
        Line("Days from advocacy offered to started", text=_days_text(data["advocacy_offered_to_started_days"]))
    )
    lines.append(Line("Advocacy offered but not (yet) started", data["advocacy_offered_not_started"]))
    obj = {
        "concluded": shown_count(data["concluded"], publish),
        "lacked_capacity": shown_count(lacked, publish),
        "lacked_capacity_pct": percent(lacked, data["concluded"], publish),
        "support": _publish_map(data["support"], publish),
        "best_interests_notes": shown_count(data["best_interests_notes"], publish),
        "advocacy_offered_to_started_days": data["advocacy_offered_to_started_days"],
        "advocacy_offered_not_started": shown_count(data["advocacy_offered_not_started"], publish),
    }
    return [Section("Mental capacity, support and advocacy", lines)], obj


def time(data: dict[str, Any], publish: bool) -> tuple[list[Item], JsonObj]:
    meetings = data["meetings"]
    lines = [
        Line("Enquiries concluded", data["concluded"]),
        Line("Days from concern to enquiry start", text=_days_text(data["concern_to_enquiry_days"])),
        Line("Days from concern to closure", text=_days_text(data["concern_to_closure_days"])),
        Line("Meetings", meetings),
        Line("Meetings per enquiry", text=_fmt_number(data["meetings_per_case"])),
        Line("Meetings the person attended", data["meetings_person_attended"], meetings),
        Line("Meetings the person was prepared for", data["meetings_person_prepared"], meetings),
        Line("Minutes in meetings before the first review", text=str(data["minutes_early"])),
        Line("Minutes in meetings from the first review on", text=str(data["minutes_later"])),
        Line("People with a concern in the period", data["people_with_concerns"]),
        Line(
            "  of whom re-referred within 12 months of a closure",
            data["people_re_referred_within_12_months"],
            data["people_with_concerns"],
        ),
    ]
    obj = dict(data)
    for key in (
        "concluded",
        "meetings",
        "meetings_person_attended",
        "meetings_person_prepared",
        "people_with_concerns",
        "people_re_referred_within_12_months",
    ):
        obj[key] = shown_count(data[key], publish)
    obj["meetings_person_attended_pct"] = percent(data["meetings_person_attended"], meetings, publish)
    obj["meetings_person_prepared_pct"] = percent(data["meetings_person_prepared"], meetings, publish)
    return [Section("Time, meetings and re-referrals", lines)], obj


def _fmt_number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


FEEDBACK_LABELS = {
    "felt_listened_to": "Felt listened to",
    "felt_involved": "Felt involved in decisions",
    "feels_safer": "Feels safer",
    "outcomes_met": "Outcomes met",
}


def feedback(data: dict[str, Any], publish: bool) -> tuple[list[Item], JsonObj]:
    who = Section(
        "Who gave feedback (in the period)",
        [Line(label, n, data["responses"]) for label, n in data["given_by"].items()],
    )
    grid = Grid(
        "Answers, 1 (not at all) to 5 (completely)",
        ["Question", "Answered", "1", "2", "3", "4", "5", "Mean"],
    )
    questions = {}
    for key, q in data["questions"].items():
        scores = {s: shown_count(n, publish) for s, n in q["scores"].items()}
        grid.rows.append(
            [FEEDBACK_LABELS[key], shown_count(q["answered"], publish), *scores.values(), _fmt_number(q["mean"])]
        )
        questions[key] = {"answered": shown_count(q["answered"], publish), "scores": scores, "mean": q["mean"]}
    obj = {
        "responses": shown_count(data["responses"], publish),
        "given_by": _publish_map(data["given_by"], publish),
        "questions": questions,
    }
    return [who, grid], obj
