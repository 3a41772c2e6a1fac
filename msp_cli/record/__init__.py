"""The case, defined once: its typed records (types) and its field table (fields)."""

from msp_cli.record.types import (
    Advocacy,
    Capacity,
    Case,
    Consent,
    DesiredOutcome,
    EarlierClosure,
    Feedback,
    Meeting,
    Negotiated,
    Person,
    Progress,
    Review,
    Wording,
)

__all__ = [
    "Advocacy",
    "Capacity",
    "Case",
    "Consent",
    "DesiredOutcome",
    "EarlierClosure",
    "Feedback",
    "Meeting",
    "Negotiated",
    "Person",
    "Progress",
    "Review",
    "Wording",
]
