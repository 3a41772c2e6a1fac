"""The interchange fields an extract may feed, by their dotted names, and the kind of each.

Meetings and feedback are lists of their own inside a case: an extract that is one row per
desired outcome cannot also carry them without guessing which row is which, so they are left
to JSON Lines. Desired outcomes are `desired_outcomes.FIELD`, one outcome per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from msp_cli import vocab

# kinds: ref and line are one line of text (trimmed); text is free text, kept exactly as written;
# date, bool; label is one national label; labels is a list of them (a column may be split)
KINDS = ("ref", "line", "text", "date", "bool", "label", "labels")
OUTCOME_PREFIX = "desired_outcomes."


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    labels: Sequence[str] = ()

    @property
    def outcome(self) -> bool:
        """Part of one desired outcome (one row each), not of the case."""
        return self.name.startswith(OUTCOME_PREFIX)

    @property
    def is_list(self) -> bool:
        return self.kind == "labels"


def _fields(*specs: tuple[str, str] | tuple[str, str, Sequence[str]]) -> dict[str, Field]:
    return {spec[0]: Field(*spec) for spec in specs}


FIELDS = _fields(
    ("case_ref", "ref"),
    ("person.ref", "ref"),
    ("person.name", "line"),
    ("person.age_band", "label", vocab.AGE_BAND),
    ("person.sex", "label", vocab.SEX),
    ("person.ethnicity", "label", vocab.ETHNICITY),
    ("person.primary_support_reason", "label", vocab.PRIMARY_SUPPORT_REASON),
    ("worker", "line"),
    ("team", "line"),
    ("concern_received", "date"),
    ("enquiry_type", "label", vocab.ENQUIRY_TYPE),
    ("enquiry_started", "date"),
    ("risk_types", "labels", vocab.RISK_TYPE),
    ("location_of_risk", "label", vocab.LOCATION_OF_RISK),
    ("source_of_risk", "label", vocab.SOURCE_OF_RISK),
    ("consent.sought", "bool"),
    ("consent.given", "bool"),
    ("consent.proceeded_without_consent_reason", "label", vocab.CONSENT_OVERRIDE_REASON),
    ("consent.note", "text"),
    ("capacity.lacked_capacity", "label", vocab.LACKED_CAPACITY),
    ("capacity.support", "label", vocab.CAPACITY_SUPPORT),
    ("capacity.best_interests_note", "text"),
    ("advocacy.offered", "date"),
    ("advocacy.started", "date"),
    ("advocacy.type", "label", vocab.ADVOCACY_TYPE),
    ("asked_about_outcomes", "label", vocab.ASKED_ABOUT_OUTCOMES),
    ("desired_outcomes.text", "text"),
    ("desired_outcomes.category", "label", vocab.OUTCOME_CATEGORY),
    ("desired_outcomes.expressed_by", "label", vocab.EXPRESSED_BY),
    ("desired_outcomes.negotiated.text", "text"),
    ("desired_outcomes.negotiated.reason", "label", vocab.NEGOTIATED_REASON),
    ("desired_outcomes.negotiated.note", "text"),
    ("desired_outcomes.achieved", "label", vocab.OUTCOMES_ACHIEVED),
    ("responses", "labels", vocab.RESPONSE),
    ("concluded", "date"),
    ("risk_assessment_outcome", "label", vocab.RISK_ASSESSMENT_OUTCOME),
    ("risk_outcome", "label", vocab.RISK_OUTCOME),
    ("outcomes_achieved", "label", vocab.OUTCOMES_ACHIEVED),
    ("closure_note", "text"),
)
REQUIRED = ("case_ref", "person.ref")  # without these a row cannot become a case at all
CONSTANTS = ("team", "worker")  # fields [source] may set for every case
