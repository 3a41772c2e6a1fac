"""The labels of VOCABULARY.md are enforced twice: by the model and by the database itself."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from msp_cli import vocab
from msp_cli.errors import InvalidRecord
from msp_cli.model import validate_case
from msp_cli.storage.sqlite.audit import Actor
from msp_cli.storage.sqlite.case_store import save_case
from msp_cli.storage.sqlite.store import open_store
from tests.helpers import full_case

SCHEMA_SQL = Path(__file__).resolve().parent.parent / "schema.sql"

# column in schema.sql -> the vocabulary it must hold, letter for letter
COLUMN_VOCAB = {
    ("person", "age_band"): vocab.AGE_BAND,
    ("person", "sex"): vocab.SEX,
    ("person", "ethnicity"): vocab.ETHNICITY,
    ("person", "primary_support_reason"): vocab.PRIMARY_SUPPORT_REASON,
    ("safeguarding_case", "enquiry_type"): vocab.ENQUIRY_TYPE,
    ("safeguarding_case", "location_of_risk"): vocab.LOCATION_OF_RISK,
    ("safeguarding_case", "source_of_risk"): vocab.SOURCE_OF_RISK,
    ("safeguarding_case", "consent_override_reason"): vocab.CONSENT_OVERRIDE_REASON,
    ("safeguarding_case", "lacked_capacity"): vocab.LACKED_CAPACITY,
    ("safeguarding_case", "capacity_support"): vocab.CAPACITY_SUPPORT,
    ("safeguarding_case", "advocacy_type"): vocab.ADVOCACY_TYPE,
    ("safeguarding_case", "asked_about_outcomes"): vocab.ASKED_ABOUT_OUTCOMES,
    ("case_risk_type", "risk_type"): vocab.RISK_TYPE,
    ("case_response", "response"): vocab.RESPONSE,
    ("desired_outcome", "category"): vocab.OUTCOME_CATEGORY,
    ("desired_outcome", "expressed_by"): vocab.EXPRESSED_BY,
    ("desired_outcome", "negotiated_reason"): vocab.NEGOTIATED_REASON,
    ("outcome_review", "progress"): vocab.OUTCOME_PROGRESS,
    ("meeting", "kind"): vocab.MEETING_KIND,
    ("meeting", "location"): vocab.MEETING_LOCATION,
    ("meeting_attendee", "attendee"): vocab.ATTENDEE,
    ("feedback", "given_by"): vocab.EXPRESSED_BY,
    ("closure", "risk_assessment_outcome"): vocab.RISK_ASSESSMENT_OUTCOME,
    ("closure", "risk_outcome"): vocab.RISK_OUTCOME,
    ("closure", "outcomes_achieved"): vocab.OUTCOMES_ACHIEVED,
    ("closure_outcome", "achieved"): vocab.OUTCOMES_ACHIEVED,
}


def _check_lists() -> dict[str, list[set[str]]]:
    """Every `col IN ('a', 'b', ...)` in schema.sql, by column name."""
    found: dict[str, list[set[str]]] = {}
    for column, body in re.findall(
        r"\b(\w+) IN \(\s*((?:'(?:[^']|'')*'(?:,\s*)?)+)\)", SCHEMA_SQL.read_text(encoding="utf-8")
    ):
        labels = {m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", body)}
        found.setdefault(column, []).append(labels)
    return found


def test_schema_check_lists_equal_the_vocabulary() -> None:
    checks = _check_lists()
    for (_table, column), labels in COLUMN_VOCAB.items():
        assert set(labels) in checks[column], column


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    store = open_store(tmp_path / "v.db", create=True)
    with store.write() as audit:
        save_case(store.conn, audit, validate_case(full_case()))
        store.conn.execute("INSERT INTO outcome_review_session (case_id, reviewed_on) VALUES (1, '2024-06-01')")
        store.conn.execute("INSERT INTO outcome_review (review_id, outcome_id, progress) VALUES (1, 1, 'In progress')")
    return store.conn


@pytest.mark.parametrize(("table", "column"), list(COLUMN_VOCAB))
def test_database_accepts_every_label_and_refuses_a_misspelt_one(
    conn: sqlite3.Connection, table: str, column: str
) -> None:
    # clear the fields a label's own rules tie it to, and change one row only
    extra = {
        "enquiry_type": ", enquiry_started = NULL",
        "lacked_capacity": ", capacity_support = NULL",
        "risk_assessment_outcome": ", risk_outcome = NULL",
    }.get(column, "")
    extra += f" WHERE rowid = (SELECT min(rowid) FROM {table})"
    conn.execute(f"DELETE FROM {table} WHERE rowid > (SELECT min(rowid) FROM {table})")
    for label in COLUMN_VOCAB[(table, column)]:
        conn.execute("SAVEPOINT t")
        conn.execute(f"UPDATE {table} SET {column} = ?{extra}", (label,))
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", (label,)).fetchone()[0] >= 1
        conn.execute("ROLLBACK TO t")
        conn.execute("RELEASE t")
    misspelt = COLUMN_VOCAB[(table, column)][0].lower() + "x"
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute(f"UPDATE {table} SET {column} = ?", (misspelt,))


def test_raw_insert_with_a_bad_label_fails(conn: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO case_risk_type (case_id, risk_type) VALUES (1, 'Financial Abuse')")


def test_foreign_keys_are_enforced(conn: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute("INSERT INTO case_risk_type (case_id, risk_type) VALUES (999, 'Self-Neglect')")


# The model: every label of every list is accepted in its field, and a misspelling refused.
MODEL_FIELDS = [
    (("person", "age_band"), vocab.AGE_BAND),
    (("person", "sex"), vocab.SEX),
    (("person", "ethnicity"), vocab.ETHNICITY),
    (("person", "primary_support_reason"), vocab.PRIMARY_SUPPORT_REASON),
    (("location_of_risk",), vocab.LOCATION_OF_RISK),
    (("source_of_risk",), vocab.SOURCE_OF_RISK),
    (("consent", "proceeded_without_consent_reason"), vocab.CONSENT_OVERRIDE_REASON),
    (("capacity", "support"), vocab.CAPACITY_SUPPORT),
    (("advocacy", "type"), vocab.ADVOCACY_TYPE),
    (("risk_assessment_outcome",), vocab.RISK_ASSESSMENT_OUTCOME[:1]),
    (("risk_outcome",), vocab.RISK_OUTCOME),
    (("outcomes_achieved",), vocab.OUTCOMES_ACHIEVED),
    (("desired_outcomes", 0, "category"), vocab.OUTCOME_CATEGORY),
    (("desired_outcomes", 0, "expressed_by"), vocab.EXPRESSED_BY),
    (("desired_outcomes", 0, "negotiated", "reason"), vocab.NEGOTIATED_REASON),
    (("desired_outcomes", 0, "achieved"), vocab.OUTCOMES_ACHIEVED),
    (("meetings", 0, "kind"), vocab.MEETING_KIND),
    (("meetings", 0, "location"), vocab.MEETING_LOCATION),
    (("feedback", 0, "given_by"), vocab.EXPRESSED_BY),
]


def _set(case: dict, path: tuple, value: object) -> None:  # type: ignore[type-arg]
    target = case
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize(("path", "labels"), MODEL_FIELDS, ids=lambda p: str(p))
def test_model_accepts_every_label_and_refuses_a_misspelt_one(path: tuple, labels: tuple) -> None:  # type: ignore[type-arg]
    for label in labels:
        case = full_case()
        _set(case, path, label)
        validate_case(case)
    case = full_case()
    _set(case, path, labels[0] + " ")
    with pytest.raises(InvalidRecord) as err:
        validate_case(case)
    assert "did you mean" in str(err.value) or "is not" in str(err.value)


@pytest.mark.parametrize(
    ("key", "labels"),
    [("risk_types", vocab.RISK_TYPE), ("responses", vocab.RESPONSE)],
)
def test_model_label_lists(key: str, labels: tuple[str, ...]) -> None:
    validate_case(full_case(**{key: list(labels)}))
    with pytest.raises(InvalidRecord, match=key):
        validate_case(full_case(**{key: ["Financial Abuse"]}))
    for label in vocab.RISK_ASSESSMENT_OUTCOME:
        validate_case(full_case(risk_assessment_outcome=label, risk_outcome=None))
    for label in vocab.LACKED_CAPACITY:
        validate_case(full_case(capacity={"lacked_capacity": label}, consent=None))  # consent's reason aside
    for label in vocab.ASKED_ABOUT_OUTCOMES:
        validate_case(full_case(asked_about_outcomes=label, desired_outcomes=[], outcomes_achieved=None))
    for label in vocab.ATTENDEE:
        m = full_case()["meetings"][0] | {"attendees": [label]}
        validate_case(full_case(meetings=[m]))


def test_actor_has_os_user() -> None:
    assert Actor.current("x").os_user
