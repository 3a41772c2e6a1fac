"""Each rule about a case once, as data: a field, an operator and labels.

The model, the questions and the case view evaluate a rule on a record (`holds`); storage
compiles the same rule to an SQL condition (msp_cli/storage/sqlite/rules_sql.py) for the
reports and the worklist. tests/test_rules.py runs both over the report fixture and a
generated set and requires that they agree, case by case.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Literal

from msp_cli import vocab
from msp_cli.record import Case

Op = Literal["in", "is_null", "not_null", "empty"]


@dataclass(frozen=True)
class Condition:
    """FIELD (a dotted interchange name) OP LABELS: one fact about a case."""

    name: str
    field: str
    op: Op
    labels: tuple[str, ...] = ()
    keys: tuple[str, ...] = dataclass_field(init=False, repr=False, compare=False)  # FIELD split at its dots

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.field.split(".")))  # once, not at every case checked

    def holds(self, record: Case) -> bool:
        value: Any = record
        for key in self.keys:
            value = value.get(key) if isinstance(value, dict) else None
        if self.op == "in":
            return value in self.labels
        if self.op == "is_null":
            return value is None
        if self.op == "not_null":
            return value is not None
        return not value  # "empty": a list with nothing in it


@dataclass(frozen=True)
class All:
    """Every one of its conditions holds."""

    name: str
    parts: tuple[Condition, ...]

    def holds(self, record: Case) -> bool:
        return all(part.holds(record) for part in self.parts)


Rule = Condition | All


ENQUIRY_TYPES = (vocab.SECTION_42, "Other")

IS_ENQUIRY = Condition("is an enquiry (Section 42 or other)", "enquiry_type", "in", ENQUIRY_TYPES)
IS_SECTION_42 = Condition("is a Section 42 enquiry", "enquiry_type", "in", (vocab.SECTION_42,))
IS_OTHER_ENQUIRY = Condition("is an other enquiry", "enquiry_type", "in", ("Other",))
IS_CONCLUDED = Condition("is concluded", "concluded", "not_null")
OUTCOMES_EXPRESSED = Condition("outcomes were expressed", "asked_about_outcomes", "in", (vocab.ASKED_AND_EXPRESSED,))
LACKED_CAPACITY = Condition("lacked capacity", "capacity.lacked_capacity", "in", (vocab.LACKED_CAPACITY_YES,))
RISK_OUTCOME_REQUIRED = Condition(
    "risk identified and action taken: a risk outcome is required",
    "risk_assessment_outcome",
    "in",
    (vocab.RISK_IDENTIFIED_AND_ACTION_TAKEN,),
)
ASKED_MISSING = Condition("asked about outcomes is not answered", "asked_about_outcomes", "is_null")
CAPACITY_MISSING = Condition("lacked capacity is not answered", "capacity.lacked_capacity", "is_null")
SUPPORT_MISSING = Condition("no support is recorded", "capacity.support", "is_null")
RISK_ASSESSMENT_MISSING = Condition("no risk assessment outcome", "risk_assessment_outcome", "is_null")
RISK_OUTCOME_MISSING = Condition("no risk outcome", "risk_outcome", "is_null")
ACHIEVED_MISSING = Condition("no overall achievement", "outcomes_achieved", "is_null")
NO_DESIRED_OUTCOMES = Condition("no desired outcome is recorded", "desired_outcomes", "empty")

# What a case still needs before it can be closed (missing_for_closure), and what the
# worklist finds on cases closed without it: the same rules.
NEEDS_ASKED = All("an enquiry without SG4a", (IS_ENQUIRY, ASKED_MISSING))
NEEDS_CAPACITY = All("an enquiry without SG3a", (IS_ENQUIRY, CAPACITY_MISSING))
NEEDS_RISK_ASSESSMENT = All("an enquiry without SG2c", (IS_ENQUIRY, RISK_ASSESSMENT_MISSING))
NEEDS_RISK_OUTCOME = All("SG2e missing where it is required", (RISK_OUTCOME_REQUIRED, RISK_OUTCOME_MISSING))
NEEDS_OUTCOMES = All("outcomes expressed but none recorded", (OUTCOMES_EXPRESSED, NO_DESIRED_OUTCOMES))
NEEDS_ACHIEVED = All("outcomes expressed, overall achievement missing", (OUTCOMES_EXPRESSED, ACHIEVED_MISSING))
NEEDS_SUPPORT = All("lacked capacity with no support recorded", (LACKED_CAPACITY, SUPPORT_MISSING))
# a contradiction across steps: went ahead without consent "because they lack capacity", yet did not lack it
CAPACITY_CONTRADICTS_CONSENT = All(
    "consent overridden for lack of capacity, yet capacity not lacking",
    (
        Condition("consent overridden: lacks capacity", "consent.proceeded_without_consent_reason", "in",
                  (vocab.CONSENT_LACKS_CAPACITY,)),
        Condition("did not lack capacity", "capacity.lacked_capacity", "in", (vocab.LACKED_CAPACITY_NO,)),
    ),
)  # fmt: skip

# every rule used both in Python and in SQL (tests/test_rules.py checks each agrees)
ALL_RULES: tuple[Rule, ...] = (
    IS_ENQUIRY, IS_SECTION_42, IS_OTHER_ENQUIRY, IS_CONCLUDED, OUTCOMES_EXPRESSED, LACKED_CAPACITY,
    RISK_OUTCOME_REQUIRED,
    ASKED_MISSING, CAPACITY_MISSING, SUPPORT_MISSING, RISK_ASSESSMENT_MISSING, RISK_OUTCOME_MISSING,
    ACHIEVED_MISSING, NO_DESIRED_OUTCOMES, NEEDS_ASKED, NEEDS_CAPACITY, NEEDS_RISK_ASSESSMENT, NEEDS_RISK_OUTCOME,
    NEEDS_OUTCOMES, NEEDS_ACHIEVED, NEEDS_SUPPORT, CAPACITY_CONTRADICTS_CONSENT,
)  # fmt: skip
