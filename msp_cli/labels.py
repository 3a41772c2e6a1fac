"""The named lists of labels, for `msp labels`, for messages that name a list, and for docs/.

Each list is a tuple of vocab.py (the one home of the labels); here it gets the name a user
types (`msp labels risk-type`), the fields of the interchange format that take it, and a line
on what it is. tests/test_docs.py keeps docs/vocabularies.md in step with this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from msp_cli import vocab


@dataclass(frozen=True)
class LabelList:
    name: str
    labels: tuple[str, ...]
    about: str

    @property
    def fields(self) -> tuple[str, ...]:
        """Where the interchange format takes this list, from the field table (msp_cli.record.fields)."""
        from msp_cli.record.fields import FIELDS

        return tuple(f.path for f in FIELDS if f.labels == self.labels)


LISTS = (
    LabelList("age-band", vocab.AGE_BAND, "SAC SG1a: the person's age band."),
    LabelList("sex", vocab.SEX, "SAC SG1b."),
    LabelList("ethnicity", vocab.ETHNICITY, "SAC SG1c."),
    LabelList(
        "primary-support-reason",
        vocab.PRIMARY_SUPPORT_REASON,
        "SAC SG1d: the main reason the person needs support.",
    ),
    LabelList(
        "enquiry-type",
        vocab.ENQUIRY_TYPE,
        "The decision on the concern: a Section 42 enquiry, another enquiry, or none.",
    ),
    LabelList(
        "risk-type",
        vocab.RISK_TYPE,
        "SAC SG2a: the types of risk; several may apply to one case, each once.",
    ),
    LabelList("location-of-risk", vocab.LOCATION_OF_RISK, "SAC SG2b: where the risk was."),
    LabelList("source-of-risk", vocab.SOURCE_OF_RISK, "SAC SG2b: who the risk came from."),
    LabelList(
        "risk-assessment-outcome",
        vocab.RISK_ASSESSMENT_OUTCOME,
        "SAC SG2c: what the enquiry found about the risk, and whether action was taken.",
    ),
    LabelList(
        "risk-outcome",
        vocab.RISK_OUTCOME,
        "SAC SG2e: only where risk was identified and action taken.",
    ),
    LabelList(
        "lacked-capacity",
        vocab.LACKED_CAPACITY,
        "SAC SG3a: did the person lack capacity for decisions about the enquiry?",
    ),
    LabelList(
        "capacity-support",
        vocab.CAPACITY_SUPPORT,
        "Who supported a person who lacked capacity.",
    ),
    LabelList(
        "asked-about-outcomes",
        vocab.ASKED_ABOUT_OUTCOMES,
        "SAC SG4a: was the person (or their representative) asked what they wanted?",
    ),
    LabelList(
        "outcomes-achieved",
        vocab.OUTCOMES_ACHIEVED,
        "SAC SG4a: were the outcomes they expressed achieved?",
    ),
    LabelList(
        "outcome-category",
        vocab.OUTCOME_CATEGORY,
        "The kinds of desired outcome the MSP evaluation found (its Table 9).",
    ),
    LabelList(
        "expressed-by",
        vocab.EXPRESSED_BY,
        "Who spoke: the person or their representative.",
    ),
    LabelList(
        "negotiated-reason",
        vocab.NEGOTIATED_REASON,
        "Why the agreed outcome differs from what the person first asked for.",
    ),
    LabelList(
        "outcome-progress",
        vocab.OUTCOME_PROGRESS,
        "Where a desired outcome stands at a review.",
    ),
    LabelList("response", vocab.RESPONSE, "The approaches of the MSP toolkit."),
    LabelList(
        "consent-override-reason",
        vocab.CONSENT_OVERRIDE_REASON,
        "Why an enquiry went ahead without the person's consent.",
    ),
    LabelList("advocacy-type", vocab.ADVOCACY_TYPE, "The kind of advocate."),
    LabelList("meeting-kind", vocab.MEETING_KIND, "The kind of meeting."),
    LabelList("meeting-location", vocab.MEETING_LOCATION, "Where a meeting was held."),
    LabelList("attendee", vocab.ATTENDEE, "Who came to a meeting."),
)
BY_NAME = {lst.name: lst for lst in LISTS}


def find(name: str) -> LabelList:
    """The list called NAME (spaces, underscores and case forgiven), or one clear line saying which exist."""
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key in BY_NAME:
        return BY_NAME[key]
    import difflib

    from msp_cli.errors import UsageProblem

    close = difflib.get_close_matches(key, BY_NAME, n=1)
    guess = f" Did you mean {close[0]}?" if close else ""
    raise UsageProblem(f"There is no list {name!r}.{guess} `msp labels` lists them all.")


def name_of(allowed: Sequence[str]) -> str | None:
    """The name of the list ALLOWED is, for messages that point to `msp labels NAME`."""
    for lst in LISTS:
        if tuple(allowed) == lst.labels:
            return lst.name
    return None
