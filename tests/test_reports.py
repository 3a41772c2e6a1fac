"""Each report against figures worked out by hand from tests/report_fixture.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

from msp_cli.errors import UsageProblem
from msp_cli.reports.period import parse_period
from msp_cli.reports.publish import percent, publish_count
from tests.conftest import Backend, Run
from tests.report_fixture import CASES

YEAR = ("--year", "2024-25")


@pytest.fixture
def reports(run: Run, backend: Backend, write_jsonl: Any) -> Run:
    result = run("import", str(write_jsonl(CASES)))
    assert result.exit_code == 0, result.output

    def report(name: str, *args: str) -> dict[str, Any]:
        out = run("report", name, *YEAR, "--json", *args)
        assert out.exit_code == 0, out.output
        return json.loads(out.output)  # type: ignore[no-any-return]

    return report


def test_outcomes(reports: Run) -> None:
    r = reports("outcomes")
    assert (r["concluded"], r["asked_and_expressed"]) == (4, 3)  # A B C G; D concluded the day after
    assert (r["fully_achieved"], r["partially_achieved"], r["not_achieved"]) == (1, 1, 1)
    assert r["asked_and_expressed_pct"] == 75.0
    assert r["fully_achieved_pct"] == 33.3
    assert r["period"] == {"label": "2024-25", "from": "2024-04-01", "to": "2025-03-31"}


def test_sac(reports: Run) -> None:
    r = reports("sac")
    assert r["concerns"] == 7
    assert r["section_42_enquiries"] == 5  # A B D E G
    assert r["other_enquiries"] == 1  # C
    assert r["concluded_section_42_enquiries"] == 3  # A B G: not the Other enquiry, not D
    assert r["type_of_risk"] == {
        "Physical Abuse": 1,
        "Sexual Abuse": 0,
        "Psychological Abuse": 1,
        "Financial or Material Abuse": 1,
        "Discriminatory Abuse": 0,
        "Organisational Abuse": 0,
        "Neglect and Acts of Omission": 1,
        "Domestic Abuse": 1,
        "Sexual Exploitation": 0,
        "Modern Slavery": 0,
        "Self-Neglect": 0,
    }
    assert r["location_of_risk"]["Own Home"] == 1 and r["location_of_risk"]["Care Home - Residential"] == 1
    assert r["location_of_risk"]["In the Community"] == 1 and sum(r["location_of_risk"].values()) == 3
    assert r["source_of_risk"] == {
        "Service Provider": 1,
        "Other - Known to individual": 1,
        "Other - Unknown to individual": 1,
    }
    assert r["risk_assessment_outcome"]["Risk identified and action taken"] == 1
    assert r["risk_assessment_outcome"]["Risk identified and no action taken"] == 1
    assert r["risk_assessment_outcome"]["No risk identified and no action taken"] == 1
    assert r["risk_outcome"] == {"Risk remained": 0, "Risk reduced": 1, "Risk removed": 0}  # C's is an Other enquiry
    assert r["lacked_capacity"] == {
        "Yes, they lacked capacity": 1,
        "No, they did not lack capacity": 1,
        "Don't know": 1,
        "Not recorded": 0,
    }
    assert r["lacked_capacity_supported"] == 1
    assert r["asked_about_outcomes"] == {
        EXPRESSED: 2,
        "Yes they were asked but no outcomes were expressed": 0,
        "No": 1,
        "Don't Know": 0,
        "Not Recorded": 0,
    }
    assert r["outcomes_achieved"] == {"Fully Achieved": 1, "Partially Achieved": 1, "Not Achieved": 0}
    # SG1: six people raised the seven concerns; P1's two Section 42 enquiries (A, D) count once
    assert r["individuals_by_sex"]["Safeguarding Concerns"] == {"Male": 0, "Female": 6, "Not Known": 0}
    assert r["individuals_by_sex"]["Section 42 Enquiries"]["Female"] == 4  # P1 P2 P4 P6
    assert r["individuals_by_age_band"]["Other Enquiries"]["65-74"] == 1  # P3


EXPRESSED = "Yes they were asked and outcomes were expressed"


def test_sac_csv_has_every_row_in_the_layout_of_the_return(run: Run, reports: Run) -> None:
    out = run("report", "sac", *YEAR, "--csv").output
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["TABLE_REFERENCE", "ENQUIRY_TYPE", "CATEGORY", "SUBCATEGORY", "VALUE"]
    risk_rows = [r for r in table if r and r[0] == "SG2a"]
    assert len(risk_rows) == 11
    assert risk_rows[9] == ["SG2a", "Concluded Section 42 Enquiries", "Modern Slavery", "", "0"]


def test_breakdown(reports: Run) -> None:
    groups = {g["group"]: g for g in reports("breakdown", "--by", "risk-type")["groups"]}
    assert groups["Financial or Material Abuse"]["concluded"] == 1  # A, counted under both its types
    assert groups["Psychological Abuse"]["partially_achieved_pct"] == 100.0
    assert groups["Self-Neglect"]["not_achieved_pct"] == 100.0  # the Other enquiry C
    assert (
        groups["Physical Abuse"]["asked_and_expressed_pct"] == 0.0
        and groups["Physical Abuse"]["fully_achieved_pct"] is None
    )
    assert all(g["too_small_to_compare"] for g in groups.values())
    team = reports("breakdown", "--by", "team")["groups"]
    assert team == [
        {
            "group": "North",
            "concluded": 4,
            "asked_and_expressed": 3,
            "asked_and_expressed_pct": 75.0,
            "fully_achieved_pct": 33.3,
            "partially_achieved_pct": 33.3,
            "not_achieved_pct": 33.3,
            "too_small_to_compare": True,
        }
    ]


def test_breakdown_refuses_an_unknown_dimension(run: Run, reports: Run) -> None:
    out = run("report", "breakdown", "--by", "shoe-size")
    assert out.exit_code == 2 and "is not one of" in out.output


def test_desired(reports: Run) -> None:
    r = reports("desired")
    assert r["outcomes"] == 4
    cats = {c["category"]: c for c in r["categories"]}
    assert cats["To be and to feel safer"]["outcomes"] == 2
    assert cats["To be and to feel safer"]["fully_achieved_pct"] == 50.0
    assert cats["To have help to recover"]["negotiated_pct"] == 100.0
    assert cats["To have help to recover"]["negotiated_reasons"] == {"The law": 1}
    assert cats["To maintain key relationships"]["outcomes"] == 0  # E is still open


def test_capacity(reports: Run) -> None:
    r = reports("capacity")
    assert (r["concluded"], r["lacked_capacity"], r["best_interests_notes"]) == (4, 1, 1)
    assert r["support"] == {"Advocate": 1, "Family or friend": 0, "None": 0, "Not recorded": 0}
    assert r["advocacy_offered_to_started_days"] == {"cases": 1, "median": 10, "p90": 10}


def test_time(reports: Run) -> None:
    r = reports("time")
    assert r["concern_to_enquiry_days"] == {"cases": 4, "median": 1, "p90": 1}
    assert r["concern_to_closure_days"] == {"cases": 4, "median": 92, "p90": 121}
    assert (r["meetings"], r["meetings_per_case"]) == (2, 0.5)
    assert (r["meetings_person_attended"], r["meetings_person_prepared"]) == (1, 1)
    assert (r["minutes_early"], r["minutes_later"]) == (90, 0)
    assert (r["people_with_concerns"], r["people_re_referred_within_12_months"]) == (6, 1)


def test_feedback(reports: Run) -> None:
    r = reports("feedback")
    assert r["responses"] == 2
    assert r["given_by"] == {"Person": 1, "Representative": 1, "Not recorded": 0}
    assert r["questions"]["felt_listened_to"] == {
        "answered": 2,
        "scores": {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1},
        "mean": 4.0,
    }
    assert r["questions"]["felt_involved"]["answered"] == 1
    assert r["questions"]["feels_safer"]["mean"] == 4.5


def test_quarter_and_dates(run: Run, reports: Run) -> None:
    q1 = json.loads(run("report", "outcomes", "--quarter", "2024-25Q1", "--json").output)
    assert q1["concluded"] == 1  # G (concluded 2024-05-01); A concluded in Q2
    q4 = json.loads(run("report", "outcomes", "--quarter", "2024-25Q4", "--json").output)
    assert q4["period"] == {"label": "2024-25Q4", "from": "2025-01-01", "to": "2025-03-31"}
    after = json.loads(run("report", "sac", "--from", "2025-04-01", "--to", "2025-04-30", "--json").output)
    assert after["concluded_section_42_enquiries"] == 1  # D, the day after the year
    nobody = json.loads(run("report", "outcomes", *YEAR, "--team", "South", "--json").output)
    assert nobody["concluded"] == 0 and nobody["asked_and_expressed_pct"] is None


def test_tables_show_denominators(run: Run, reports: Run) -> None:
    out = run("report", "outcomes", *YEAR).output
    assert "Out of" in out and "75.0%" in out and "33.3%" in out
    assert "#" in out  # the bar chart, plain because this is not a terminal


@pytest.mark.parametrize(
    ("count", "published"),
    [(0, "[c]"), (3, "[c]"), (4, "[c]"), (5, 5), (7, 5), (8, 10), (12, 10), (13, 15)],
)
def test_publication_rule(count: int, published: Any) -> None:
    assert publish_count(count) == published


def test_publish_suppresses_percentages_from_small_counts() -> None:
    assert percent(3, 40, publish=True) == "[c]"
    assert percent(12, 40, publish=True) == 30.0  # from the unrounded figures


def test_publish_in_reports(run: Run, reports: Run) -> None:
    r = json.loads(run("report", "outcomes", *YEAR, "--json", "--publish").output)
    assert r["concluded"] == "[c]" and r["fully_achieved_pct"] == "[c]"
    assert r["published"] is True and "rounded to the nearest 5" in r["publication_rule"]
    text = run("report", "sac", *YEAR, "--publish").output
    assert "[c]" in text and "rounded to the nearest 5" in text


def test_period_parsing() -> None:
    assert parse_period("2024-25").start == "2024-04-01"
    assert parse_period(today=dt.date(2026, 3, 31)).label == "2025-26"
    assert parse_period(today=dt.date(2026, 4, 1)).label == "2026-27"
    assert parse_period(quarter="2024-25Q3").end == "2024-12-31"
    for bad in (
        {"year": "2024-26"},
        {"year": "24-25"},
        {"quarter": "2024-25Q5"},
        {"date_from": "2024-05-01"},
        {"year": "2024-25", "quarter": "2024-25Q1"},
    ):
        with pytest.raises(UsageProblem):
            parse_period(**bad)


def test_age_bands_compare_dates_as_whole_years_count_them() -> None:
    """SG1a bands by comparing the date of birth with born_by: the same as counting whole years, every day
    around each birthday, 29 February included (born on it: a year older on 1 March in other years)."""
    from msp_cli.storage.sqlite.report_queries import born_by

    def age(born: dt.date, on: dt.date) -> int:
        return on.year - born.year - (1 if (on.month, on.day) < (born.month, born.day) else 0)

    assert born_by("2028-02-29", 18) == "2010-02-28" and born_by("2026-03-31", 95) == "1931-03-31"
    for on in (dt.date(2028, 2, 29), dt.date(2027, 2, 28), dt.date(2026, 3, 31), dt.date(2024, 3, 1)):
        for years in (18, 65, 95):
            born = dt.date(on.year - years - 1, 1, 1)
            while born < dt.date(on.year - years + 1, 12, 31):
                assert (age(born, on) >= years) == (born.isoformat() <= born_by(on.isoformat(), years)), (born, on)
                born += dt.timedelta(days=1)


def test_percentile_of_counted_values_is_the_nearest_rank_of_the_values_listed_out() -> None:
    from msp_cli.storage.sqlite.report_queries import percentile

    counts = [(30, 1), (2, 3), (7, 2)]  # 2 2 2 7 7 30
    assert percentile(counts, 0.5) == 2 and percentile(counts, 0.9) == 30 and percentile(counts, 0.67) == 7
    assert percentile([], 0.5) is None and percentile([(5, 1)], 0.9) == 5
