"""The interchange fields an extract may feed, by dotted name, taken from the field table.

Every field of the case, the person, consent, capacity, advocacy and each desired outcome
(`desired_outcomes.FIELD`, one outcome per row) whose value fits in a cell. Meetings, feedback,
reviews and earlier closures are lists of their own inside a case: an extract that is one row
per desired outcome cannot also carry them without guessing which row is which, so they are
left to JSON Lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from msp_cli.record.fields import FIELDS as TABLE
from msp_cli.record.fields import Kind

# the kinds a cell can hold: ref and line are one line of text (trimmed); text is free text, kept
# exactly as written; label is one national label, labels a list of them (a column may be split)
KINDS = {
    Kind.REF: "ref", Kind.LINE: "line", Kind.TEXT: "text", Kind.DATE: "date", Kind.BOOL: "bool",
    Kind.LABEL: "label", Kind.LABELS: "labels",
}  # fmt: skip
GROUPS = ("case", "person", "consent", "capacity", "advocacy", "outcome", "negotiated")
OUTCOME_PREFIX = "desired_outcomes."


@dataclass(frozen=True)
class Field:
    name: str  # the dotted interchange name, `desired_outcomes.` for an outcome's fields
    kind: str
    labels: Sequence[str] = ()

    @property
    def outcome(self) -> bool:
        """Part of one desired outcome (one row each), not of the case."""
        return self.name.startswith(OUTCOME_PREFIX)

    @property
    def is_list(self) -> bool:
        return self.kind == "labels"


FIELDS = {
    f.path.replace("[]", ""): Field(f.path.replace("[]", ""), KINDS[f.kind], f.labels)
    for f in TABLE
    if f.group in GROUPS and f.kind in KINDS
}
REQUIRED = ("case_ref", "person.ref")  # without these a row cannot become a case at all
CONSTANTS = ("team", "worker")  # fields [source] may set for every case
