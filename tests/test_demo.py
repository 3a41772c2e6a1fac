"""msp demo: believable, deterministic, marked as demonstration data, never touching real data."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from msp_cli import vocab
from msp_cli.storage.sqlite.case_store import CASE_TABLES
from tests.conftest import Run, rows
from tests.helpers import demo_database
from tests.test_vocab_schema import COLUMN_VOCAB


@pytest.fixture(scope="module")
def big_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5,000-case demo, made once for the proportion tests."""
    return demo_database(tmp_path_factory.mktemp("demo") / "demo5000.db", 5000, seed=7)


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in CASE_TABLES}
    finally:
        conn.close()


def test_same_seed_same_database(run: Run, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    assert run("--db", str(a), "demo", "--cases", "400", "--seed", "3").exit_code == 0
    assert run("--db", str(b), "demo", "--cases", "400", "--seed", "3").exit_code == 0
    assert run("--db", str(c), "demo", "--cases", "400", "--seed", "4").exit_code == 0
    assert dump(a) == dump(b)
    assert dump(a) != dump(c)


def _share(counter: Counter[str], label: str) -> float:
    return 100 * counter[label] / sum(counter.values())


def test_proportions_follow_the_national_figures(big_demo: Path) -> None:
    risks = Counter(r for (r,) in rows(big_demo, "SELECT risk_type FROM case_risk_type"))
    # 2013/14 allegations: neglect 30%, physical 27%, financial 18% (tolerance: 3 points)
    assert abs(_share(risks, "Neglect and Acts of Omission") - 30) <= 3
    assert abs(_share(risks, "Physical Abuse") - 27) <= 3
    assert abs(_share(risks, "Financial or Material Abuse") - 18) <= 3
    achieved = Counter(
        a for (a,) in rows(big_demo, "SELECT outcomes_achieved FROM closure WHERE outcomes_achieved IS NOT NULL")
    )
    # Table 16: about 7 in 10 fully, a quarter partly (tolerance: 5 points)
    assert abs(_share(achieved, vocab.FULLY) - 70) <= 5
    assert abs(_share(achieved, vocab.PARTLY) - 25) <= 5
    categories = Counter(c for (c,) in rows(big_demo, "SELECT category FROM desired_outcome"))
    assert categories.most_common(1)[0][0] == "To be and to feel safer"  # Table 9's first
    assert abs(_share(categories, "To be and to feel safer") - 100 * 45 / 182) <= 3
    locations = Counter(x for (x,) in rows(big_demo, "SELECT location_of_risk FROM safeguarding_case"))
    assert locations.most_common(1)[0][0] == "Own Home"


def test_the_demo_has_what_a_trainer_needs_to_show(big_demo: Path) -> None:
    lacked = dict(
        rows(
            big_demo,
            "SELECT coalesce(capacity_support, 'none recorded'), count(*) FROM safeguarding_case"
            " WHERE lacked_capacity = 'Yes, they lacked capacity' GROUP BY 1",
        )
    )
    assert lacked["Advocate"] > 0 and lacked["Family or friend"] > 0 and lacked["None"] > 0
    assert lacked["none recorded"] > 0  # a recording gap for msp audit
    assert (
        rows(
            big_demo,
            "SELECT count(*) FROM (SELECT person_id FROM safeguarding_case GROUP BY person_id HAVING count(*) > 1)",
        )[0][0]
        > 100
    )
    open_cases = rows(
        big_demo,
        "SELECT count(*) FROM safeguarding_case c WHERE NOT EXISTS (SELECT 1 FROM closure cl WHERE cl.case_id = c.id)",
    )[0][0]
    assert open_cases > 50
    for table in ("meeting", "feedback", "outcome_review_session", "desired_outcome"):
        assert rows(big_demo, f"SELECT count(*) FROM {table}")[0][0] > 200, table
    words = [t for (t,) in rows(big_demo, "SELECT DISTINCT text FROM desired_outcome")]
    assert len(words) > 40 and not any("lorem" in w.lower() for w in words)
    assert rows(big_demo, "SELECT count(*) FROM person WHERE name IS NOT NULL") == [(0,)]


def test_every_stored_label_is_valid(big_demo: Path) -> None:
    for (table, column), labels in COLUMN_VOCAB.items():
        stored = {v for (v,) in rows(big_demo, f"SELECT DISTINCT {column} FROM {table}") if v is not None}
        assert stored <= set(labels), (table, column, stored - set(labels))


def test_demo_marking_in_reports_and_case_view(run: Run, tmp_path: Path) -> None:
    db = str(tmp_path / "marked.db")
    made = run("--db", db, "demo", "--cases", "200")
    assert "DEMONSTRATION DATA" in made.output
    assert "DEMONSTRATION DATA" in run("--db", db, "report", "outcomes").output
    assert json.loads(run("--db", db, "report", "sac", "--json").stdout)["demonstration_data"] is True
    assert "DEMONSTRATION DATA" in run("--db", db, "report", "desired", "--csv").output
    case_ref = rows(Path(db), "SELECT case_ref FROM safeguarding_case LIMIT 1")[0][0]
    assert "DEMONSTRATION DATA" in run("--db", db, "case", "show", case_ref).output
    assert "DEMONSTRATION DATA" in run("--db", db, "case", "list").output


def test_never_writes_into_real_data(run: Run, initialised: Path) -> None:
    before = initialised.read_bytes()
    result = run("demo")  # MSP_DB points at the real, initialised database
    assert result.exit_code == 1 and "never writes into it" in result.output
    assert initialised.read_bytes() == before


def test_never_replaces_without_asking(run: Run, tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    assert run("--db", db, "demo", "--cases", "50").exit_code == 0
    again = run("--db", db, "demo", "--cases", "60")
    assert again.exit_code == 1 and "--replace" in again.output
    assert rows(Path(db), "SELECT count(*) FROM safeguarding_case") == [(50,)]
    assert run("--db", db, "demo", "--cases", "60", "--replace").exit_code == 0
    assert rows(Path(db), "SELECT count(*) FROM safeguarding_case") == [(60,)]


def test_uses_its_own_file_without_db(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MSP_DB")
    assert run("demo", "--cases", "20").exit_code == 0
    own = tmp_path / "home" / "data" / "msp" / "msp-demo.db"
    assert rows(own, "SELECT value FROM settings WHERE key = 'demo'") == [("yes",)]
    assert not (tmp_path / "home" / "data" / "msp" / "msp.db").exists()


def money_tutorial_keys() -> str:
    """The keys that walk the money scenario of the tutorial to its end."""
    from tests.keys import NO, YES, accept, pick, text, tick

    return (
        text("T-1")
        + accept()
        + accept()
        + text("P-MRS-A")
        + accept()
        + pick("75")
        + pick("Fem")
        + pick("White")
        + pick("Physical")
        + text("2025-06-02")
        + tick("Financial")
        + pick("Own")
        + pick("Known")
        + pick("Section")
        + text("2025-06-03")
        + YES
        + YES
        + pick("did")
        + NO
        + pick("expressed")
        + text("I want him to stop taking my money, but I still want to see him")
        + pick("relation")
        + pick("Person")
        + NO
        + YES
        + text("Appointee for her pension; he visits on Sundays")
        + pick("Risk")
        + accept()
        + tick("Supported")
    )


def test_tutorial_can_be_driven_to_the_end(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from msp_cli import ui
    from tests.keys import keyboard

    monkeypatch.setattr(ui, "interactive", lambda: True)
    monkeypatch.setattr("msp_cli.commands.tutorial.interactive", lambda: True)
    db = tmp_path / "training.db"
    keys = money_tutorial_keys()
    with keyboard() as pipe:
        pipe.send_text(keys)
        result = run("--db", str(db), "tutorial", "--scenario", "money")
    assert result.exit_code == 0, result.output
    assert "Where this case is counted" in result.output
    assert rows(db, "SELECT case_ref, draft_step, enquiry_type FROM safeguarding_case") == [("T-1", None, "Section 42")]
    assert rows(db, "SELECT negotiated_reason FROM desired_outcome") == [("Risk to other adults",)]
    assert rows(db, "SELECT value FROM settings WHERE key = 'demo'") == [("yes",)]
