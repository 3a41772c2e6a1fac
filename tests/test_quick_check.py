"""The import's short cuts give what the plain ways give: the check's quick pass, the audit text, the rows.

model._quick accepts plainly valid objects without the field-by-field check; here every
demonstration case, and thousands of broken copies of them, are checked both ways and must
come out the same: the same normalised record (keys in the same order), or the same problems
in the same words and order. The audit text of a new case and the bulk writer's rows are
compared with straightforward versions written here.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest

from msp_cli import demo, model
from msp_cli.errors import InvalidRecord
from msp_cli.storage.sqlite import audit, rowmap
from tests.helpers import full_case, minimal_case

TODAY = dt.date(2026, 11, 30)

# values each field is given in turn: valid and invalid ones of every kind, blank and hostile text
ODD_VALUES: tuple[Any, ...] = (
    None, "", " ", " x", "x ", "a\nb", "a\tb", "x\x07y", "x\x7fy", "\u202ex", "\ud800", "é", "Zoë Brontë",
    "P-1\u200b", "Ｐ-1", "\\u0041", "x" * 65, "x" * 201, 0, 1, 5, 6, -1, 10_001, 2.5, True, False, [], [None], ["x"],
    [1], [{}], {}, {"x": 1}, "2024-02-30", "2024-1-1", "1899-12-31", "2099-01-01", "2024-04-01", "2023-01-01",
    "2025-06-30", "None", "Other", "Section 42", "Male", "Fully Achieved", "Physical Abuse", ["Physical Abuse"] * 2,
    ["Physical Abuse"] * 101, [{"date": "2024-05-24", "note": None}], "Yes they were asked and outcomes were expressed",
)  # fmt: skip
ABSENT = object()  # the key is left out


def demo_records(n: int = 150) -> list[dict[str, Any]]:
    return [case.record for case in demo.generate(n, seed=7, today=TODAY)] + [full_case(), minimal_case()]


def places(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value inside VALUE (keys and list positions)."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield (*at, key)
        yield from places(inner, (*at, key))


def put(case: dict[str, Any], place: tuple[Any, ...], value: Any) -> None:
    """VALUE at PLACE in CASE (ABSENT: the key or item removed)."""
    *parents, last = place
    target: Any = case
    for step in parents:
        target = target[step]
    if value is ABSENT:
        del target[last]
    else:
        target[last] = copy.deepcopy(value)


def broken_copies(record: dict[str, Any], rng: random.Random, n: int) -> Iterator[dict[str, Any]]:
    """N copies of RECORD with one to three values replaced, removed or added."""
    extra = [("unknown",), ("person", "date_of_birth"), ("reviews",), ("earlier_closures",), ("person", "unknown")]
    for _ in range(n):
        case = copy.deepcopy(record)
        for _ in range(rng.choice((1, 1, 2, 3))):
            with contextlib.suppress(KeyError, IndexError, TypeError):  # an earlier change took that place away
                put(case, rng.choice([*places(case), *extra]), rng.choice((*ODD_VALUES, ABSENT)))
        yield case


def each_value_everywhere(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """RECORD with each of its values in turn replaced by each of ODD_VALUES, or left out."""
    for place in places(record):
        for value in (*ODD_VALUES, ABSENT):
            case = copy.deepcopy(record)
            put(case, place, value)
            yield case


def outcome(case: Any, *, draft: bool = False) -> tuple[str, Any]:
    """The normalised record as JSON text (so key order counts), or the problems."""
    try:
        return "valid", json.dumps(model.validate_case(copy.deepcopy(case), today=TODAY, draft=draft))
    except InvalidRecord as refused:
        return "refused", refused.problems


def test_the_quick_pass_takes_every_demonstration_case() -> None:
    """Otherwise the comparison below would compare the full check with itself."""
    checker = model._Checker(TODAY)
    for record in demo_records():
        needs = model._ENQUIRY_NEEDS if record["enquiry_type"] != "None" else model._CASE_NEEDS
        assert model._quick(checker, record, model._plan("case", needs)) is not model._UNSURE


def test_quick_and_full_checks_agree_on_valid_and_broken_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    cases = [c for record in demo_records() for c in (record, *broken_copies(record, rng, 15))]
    cases += each_value_everywhere(full_case())  # the documented example has a value of every kind
    quick = [(outcome(c), outcome(c, draft=True)) for c in cases]
    monkeypatch.setattr(model, "_quick", lambda c, raw, plan: model._UNSURE)  # every object checked field by field
    full = [(outcome(c), outcome(c, draft=True)) for c in cases]
    assert sum(result[0][0] == "refused" for result in full) > len(cases) // 2  # the broken copies are refused
    for case, got, expected in zip(cases, quick, full, strict=True):
        assert got == expected, json.dumps(case)[:2000]


def test_checking_leaves_the_input_as_it_was() -> None:
    for record in demo_records(40):
        given = copy.deepcopy(record)
        model.validate_case(given, today=TODAY)
        assert given == record


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_empty(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def test_audit_text_of_a_new_case_is_its_fields_without_empty_parts() -> None:
    for record in demo_records() + [full_case(person={"ref": "P-1", "name": 'Zoë \\u00eb "quoted"'})]:
        checked = model.validate_case(record, today=TODAY)
        expected = {key: [None, _without_empty(value)] for key, value in checked.items() if value not in (None, [])}
        assert audit.new_case_changes(checked) == json.dumps(expected, ensure_ascii=False, separators=(",", ":"))


def test_audit_text_of_a_new_case_byte_for_byte() -> None:
    """The chain hashes this text, so its form is pinned: compact, UTF-8 as it is, empty parts left out."""
    record = model.validate_case(minimal_case(person={"ref": "P-1", "name": "Zoë"}), today=TODAY)
    assert audit.new_case_changes(record) == (
        '{"case_ref":[null,"C-MIN-1"],"person":[null,{"ref":"P-1","name":"Zoë"}],'
        '"concern_received":[null,"2024-05-02"],"enquiry_type":[null,"None"],'
        '"risk_types":[null,["Neglect and Acts of Omission"]]}'
    )


def test_row_values_are_the_columns_to_row_gives() -> None:
    seen = 0
    for record in demo_records():
        checked = model.validate_case(record, today=TODAY)
        objects: list[tuple[str, str, Any]] = [
            ("case", "safeguarding_case", checked),
            ("person", "person", checked["person"]),
        ]
        objects += [(group, "safeguarding_case", checked[group]) for group in ("consent", "capacity", "advocacy")]
        for o in checked["desired_outcomes"]:
            objects += [("outcome", "desired_outcome", o), ("negotiated", "desired_outcome", o["negotiated"])]
            objects += [("progress", "outcome_review", p) for p in o.get("progress", [])]
        objects += [("meeting", "meeting", m) for m in checked["meetings"]]
        objects += [("feedback", "feedback", f) for f in checked["feedback"]]
        objects += [("review", "outcome_review_session", r) for r in checked.get("reviews", [])]
        for group, table, obj in objects:
            expected = tuple(rowmap.to_row(group, table, obj).values())
            got = rowmap.values(group, table, obj)
            assert got == expected and [type(v) for v in got] == [type(v) for v in expected], (group, table)
            seen += 1 if obj and any(type(v) is bool for v in obj.values()) else 0
    assert seen > 0  # booleans, stored as 0 and 1, were among them
