"""The case defined once: every field of the interchange format, in its order, with where it
is stored, what kind of value it takes, whether it identifies a person or is free text, what
it means and the question that asks for it.

Validation (msp_cli.model), the rows written and read (storage), the export tables, the data
dictionary, pseudonymisation and `case show` are all driven from this table. A new field is a
line here (and in msp_cli.record.types), a migration, and nothing else.

Fields belong to a group: an object of the format. `key` is the name inside its object; the
dotted interchange name is the group's path and the key (`person.date_of_birth`,
`desired_outcomes[].category`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache

from msp_cli import vocab


class Kind(Enum):
    REF = "reference"  # one line, at most REF_MAX characters, no leading or trailing spaces
    LINE = "short text"  # one line: names, workers, teams
    TEXT = "text"  # free text, several lines allowed
    DATE = "date"  # ISO YYYY-MM-DD, never in the future
    LABEL = "label"  # one label of a vocabulary list
    LABELS = "labels"  # several labels of a vocabulary list, each once
    LABEL_SEQ = "labels in order"  # one label (or null) for each desired outcome, in order
    BOOL = "yes/no"
    INT = "whole number"
    SCORE = "score 1 to 5"
    OBJECT = "object"  # a nested object: the group named by `group`
    LIST = "list"  # a list of objects of the group named by `group`


@dataclass(frozen=True)
class Field:
    group: str  # the object this field belongs to (see GROUPS)
    key: str  # its name inside that object, as in the interchange format
    kind: Kind
    table: str | None  # where it is stored (None: an object or list stored by its own group)
    column: str | None
    meaning: str  # for the data dictionary
    question: str = ""  # what the wizard or a command asks
    labels: tuple[str, ...] = ()  # for LABEL and LABELS
    what: str = ""  # how a label error names the list ("a SAC sex label")
    identifying: bool = False  # names or dates that point at one person: never in a pseudonymised export
    pseudonym: str | None = None  # a reference replaced by a keyed hash of this kind in pseudonymised exports
    free_text: bool = False  # words a worker or the person typed: only exported with --with-notes
    required: bool = False  # required in every record, draft or not
    version: int = 1  # the interchange version that added it; version 2 fields are left out when empty
    export: str | None = None  # its column in export tables, where that differs from `column`
    sub: str | None = None  # for OBJECT and LIST: the group of the nested object

    @property
    def path(self) -> str:
        """The dotted interchange name: `person.sex`, `desired_outcomes[].category`."""
        prefix = GROUPS[self.group].path
        return f"{prefix}.{self.key}" if prefix else self.key

    @property
    def export_column(self) -> str:
        return self.export or self.column or self.key


@dataclass(frozen=True)
class Group:
    path: str  # where its objects sit in a case: "" for the case itself, "desired_outcomes[]"...
    table: str | None  # the table its scalar fields are stored in
    none_if_empty: bool = False  # an object whose fields are all empty is stored and given as null


GROUPS: dict[str, Group] = {
    "case": Group("", "safeguarding_case"),
    "person": Group("person", "person"),
    "consent": Group("consent", "safeguarding_case", none_if_empty=True),
    "capacity": Group("capacity", "safeguarding_case", none_if_empty=True),
    "advocacy": Group("advocacy", "safeguarding_case", none_if_empty=True),
    "outcome": Group("desired_outcomes[]", "desired_outcome"),
    "negotiated": Group("desired_outcomes[].negotiated", "desired_outcome"),
    "wording": Group("desired_outcomes[].earlier_wordings[]", "desired_outcome_wording"),
    "progress": Group("desired_outcomes[].progress[]", "outcome_review"),
    "review": Group("reviews[]", "outcome_review_session"),
    "meeting": Group("meetings[]", "meeting"),
    "feedback": Group("feedback[]", "feedback"),
    "earlier_closure": Group("earlier_closures[]", "closure"),
}

K = Kind
_V = vocab

FIELDS: tuple[Field, ...] = (
    # --- the case ----------------------------------------------------------------------------
    Field("case", "case_ref", K.REF, "safeguarding_case", "case_ref", "The case reference", "Case reference",
          pseudonym="case", required=True),
    Field("case", "person", K.OBJECT, None, None, "The adult at risk", sub="person"),
    Field("case", "worker", K.LINE, "safeguarding_case", "worker", "Lead worker", "Lead worker",
          pseudonym="worker"),
    Field("case", "team", K.LINE, "safeguarding_case", "team", "Team", "Team"),
    Field("case", "concern_received", K.DATE, "safeguarding_case", "concern_received",
          "Date the concern was received", "When was the concern received?"),
    Field("case", "enquiry_type", K.LABEL, "safeguarding_case", "enquiry_type",
          "Section 42, Other, or None (no enquiry)", "Was an enquiry made?", _V.ENQUIRY_TYPE, "an enquiry type"),
    Field("case", "enquiry_started", K.DATE, "safeguarding_case", "enquiry_started", "Date the enquiry started",
          "When did the enquiry start?"),
    Field("case", "risk_types", K.LABELS, "case_risk_type", "risk_type", "SG2a types of risk",
          "Types of risk", _V.RISK_TYPE, "a type of risk", export="risk_types"),
    Field("case", "location_of_risk", K.LABEL, "safeguarding_case", "location_of_risk", "SG2b location of risk",
          "Where was the risk?", _V.LOCATION_OF_RISK, "a location of risk"),
    Field("case", "source_of_risk", K.LABEL, "safeguarding_case", "source_of_risk", "SG2b source of risk",
          "Who was the source of the risk?", _V.SOURCE_OF_RISK, "a source of risk"),
    Field("case", "consent", K.OBJECT, None, None, "Consent to the enquiry", sub="consent"),
    Field("case", "capacity", K.OBJECT, None, None, "Mental capacity for the decisions about the enquiry",
          sub="capacity"),
    Field("case", "advocacy", K.OBJECT, None, None, "Advocacy", sub="advocacy"),
    Field("case", "asked_about_outcomes", K.LABEL, "safeguarding_case", "asked_about_outcomes",
          "SG4a: was the person or their representative asked about desired outcomes",
          "Was the person asked about the outcomes they want?", _V.ASKED_ABOUT_OUTCOMES, "an SG4a answer"),
    Field("case", "desired_outcomes", K.LIST, None, None, "Desired outcomes", sub="outcome"),
    Field("case", "reviews", K.LIST, None, None, "Reviews of the outcomes", sub="review", version=2),
    Field("case", "responses", K.LABELS, "case_response", "response",
          "MSP toolkit responses (planned while open, used once closed)", "Responses", _V.RESPONSE,
          "a toolkit response", export="responses"),
    Field("case", "meetings", K.LIST, None, None, "Meetings", sub="meeting"),
    Field("case", "feedback", K.LIST, None, None, "Feedback", sub="feedback"),
    Field("case", "concluded", K.DATE, "closure", "concluded", "Date the enquiry concluded",
          "When did the enquiry conclude?"),
    Field("case", "risk_assessment_outcome", K.LABEL, "closure", "risk_assessment_outcome",
          "SG2c risk assessment outcome", "Risk assessment outcome", _V.RISK_ASSESSMENT_OUTCOME,
          "an SG2c risk assessment outcome"),
    Field("case", "risk_outcome", K.LABEL, "closure", "risk_outcome", "SG2e risk outcome", "What happened to the risk?",
          _V.RISK_OUTCOME, "an SG2e risk outcome"),
    Field("case", "outcomes_achieved", K.LABEL, "closure", "outcomes_achieved",
          "SG4a: were the desired outcomes achieved", "Were the outcomes achieved, overall?", _V.OUTCOMES_ACHIEVED,
          "an SG4a achievement label"),
    Field("case", "closure_note", K.TEXT, "closure", "note", "Closure note", "Closure note", free_text=True,
          export="closure_note"),
    Field("case", "earlier_closures", K.LIST, None, None, "Closures later reopened", sub="earlier_closure",
          version=2),
    # --- the person --------------------------------------------------------------------------
    Field("person", "ref", K.REF, "person", "ref", "The person's reference; the same person, the same value",
          "Person's reference", pseudonym="person", required=True, export="person_ref"),
    Field("person", "name", K.LINE, "person", "name", "The person's name", "Name (optional)", identifying=True,
          export="person_name"),
    Field("person", "date_of_birth", K.DATE, "person", "date_of_birth", "Date of birth",
          "Date of birth (optional, YYYY-MM-DD)", identifying=True, version=2),
    Field("person", "age_band", K.LABEL, "person", "age_band", "SG1a age band", "Age band", _V.AGE_BAND,
          "an age band"),
    Field("person", "sex", K.LABEL, "person", "sex", "SG1b sex", "Sex", _V.SEX, "a SAC sex label"),
    Field("person", "ethnicity", K.LABEL, "person", "ethnicity", "SG1c ethnicity", "Ethnicity", _V.ETHNICITY,
          "a SAC ethnicity label"),
    Field("person", "primary_support_reason", K.LABEL, "person", "primary_support_reason",
          "SG1d primary support reason", "Primary support reason", _V.PRIMARY_SUPPORT_REASON,
          "a primary support reason"),
    # --- consent, capacity, advocacy ---------------------------------------------------------
    Field("consent", "sought", K.BOOL, "safeguarding_case", "consent_sought", "Was consent sought (yes/no)",
          "Was the person's consent sought?"),
    Field("consent", "given", K.BOOL, "safeguarding_case", "consent_given", "Was consent given (yes/no)",
          "Did they give consent?"),
    Field("consent", "proceeded_without_consent_reason", K.LABEL, "safeguarding_case", "consent_override_reason",
          "Why the enquiry went ahead without consent", "Why did the enquiry go ahead without consent?",
          _V.CONSENT_OVERRIDE_REASON, "a reason to proceed without consent", export="proceeded_without_consent_reason"),
    Field("consent", "note", K.TEXT, "safeguarding_case", "consent_note", "Note on consent", "Note on consent",
          free_text=True),
    Field("capacity", "lacked_capacity", K.LABEL, "safeguarding_case", "lacked_capacity",
          "SG3a: did the person lack capacity for decisions about the enquiry",
          "Did the person lack capacity for the decisions about this enquiry?", _V.LACKED_CAPACITY,
          "an SG3a answer"),
    Field("capacity", "support", K.LABEL, "safeguarding_case", "capacity_support",
          "Support for a person lacking capacity: Advocate, Family or friend, None", "Who supported them?",
          _V.CAPACITY_SUPPORT, "a kind of support"),
    Field("capacity", "best_interests_note", K.TEXT, "safeguarding_case", "best_interests_note",
          "Best-interests note", "Best-interests note", free_text=True),
    Field("advocacy", "offered", K.DATE, "safeguarding_case", "advocacy_offered", "Date advocacy was offered",
          "When was advocacy offered?"),
    Field("advocacy", "started", K.DATE, "safeguarding_case", "advocacy_started", "Date advocacy started",
          "When did advocacy start?"),
    Field("advocacy", "type", K.LABEL, "safeguarding_case", "advocacy_type",
          "Care Act advocate, IMCA or Other advocate", "What kind of advocate?", _V.ADVOCACY_TYPE,
          "an advocacy type"),
    # --- desired outcomes --------------------------------------------------------------------
    Field("outcome", "text", K.TEXT, "desired_outcome", "text", "The outcome in the person's own words",
          "In the person's own words, what do they want?", free_text=True, required=True),
    Field("outcome", "category", K.LABEL, "desired_outcome", "category",
          "Desired outcome category (the MSP evaluation's Table 9)", "What kind of outcome is it?",
          _V.OUTCOME_CATEGORY, "a desired outcome category", required=True),
    Field("outcome", "expressed_by", K.LABEL, "desired_outcome", "expressed_by", "Person or Representative",
          "Who expressed it?", _V.EXPRESSED_BY, "Person or Representative"),
    Field("outcome", "negotiated", K.OBJECT, None, None, "The negotiated outcome, where it differs",
          sub="negotiated"),
    Field("outcome", "achieved", K.LABEL, "closure_outcome", "achieved",
          "Fully, Partially or Not Achieved, judged at closure", "Was it achieved?", _V.OUTCOMES_ACHIEVED,
          "an achievement label"),
    Field("outcome", "added", K.DATE, "desired_outcome", "added",
          "Date first recorded, where later than the concern", version=2),
    Field("outcome", "earlier_wordings", K.LIST, None, None, "Earlier words of the outcome", sub="wording",
          version=2),
    Field("outcome", "progress", K.LIST, None, None, "Progress at each review", sub="progress", version=2),
    Field("negotiated", "text", K.TEXT, "desired_outcome", "negotiated_text", "The negotiated outcome",
          "What was negotiated?", free_text=True, required=True),
    Field("negotiated", "reason", K.LABEL, "desired_outcome", "negotiated_reason",
          "Why the negotiated outcome differs", "Why does it differ?", _V.NEGOTIATED_REASON,
          "a reason a negotiated outcome differs", required=True),
    Field("negotiated", "note", K.TEXT, "desired_outcome", "negotiated_note", "Note on why", "Note on why",
          free_text=True),
    Field("wording", "text", K.TEXT, "desired_outcome_wording", "text", "The earlier words", free_text=True,
          required=True),
    Field("wording", "category", K.LABEL, "desired_outcome_wording", "category", "The earlier category",
          labels=_V.OUTCOME_CATEGORY, what="a desired outcome category", required=True),
    Field("wording", "until", K.DATE, "desired_outcome_wording", "replaced_on", "Date the words stopped applying",
          required=True, export="until"),
    Field("progress", "date", K.DATE, "outcome_review_session", "reviewed_on", "Date of the review", required=True,
          export="date"),
    Field("progress", "status", K.LABEL, "outcome_review", "progress", "Progress at the review",
          "Where does it stand now?", _V.OUTCOME_PROGRESS, "a progress label", required=True, export="status"),
    Field("progress", "person_says", K.TEXT, "outcome_review", "person_says", "What the person said then",
          "What does the person say now?", free_text=True),
    Field("progress", "note", K.TEXT, "outcome_review", "note", "Note at the review", "Note", free_text=True),
    Field("review", "date", K.DATE, "outcome_review_session", "reviewed_on", "Date of the review",
          "Date of the review", required=True, export="date"),
    Field("review", "note", K.TEXT, "outcome_review_session", "note", "Note on the review", "Note on the review",
          free_text=True),
    # --- meetings and feedback ---------------------------------------------------------------
    Field("meeting", "date", K.DATE, "meeting", "held_on", "Date held", "When was it held?", required=True,
          export="date"),
    Field("meeting", "kind", K.LABEL, "meeting", "kind", "Kind of meeting", "What kind of meeting?",
          _V.MEETING_KIND, "a meeting kind"),
    Field("meeting", "location", K.LABEL, "meeting", "location", "Where it was held", "Where was it held?",
          _V.MEETING_LOCATION, "a meeting place"),
    Field("meeting", "location_chosen_by_person", K.BOOL, "meeting", "location_chosen_by_person",
          "Did the person choose where (yes/no)", "Did the person choose where?"),
    Field("meeting", "attendees", K.LABELS, "meeting_attendee", "attendee", "Who attended", "Who came?",
          _V.ATTENDEE, "an attendee label", export="attendees"),
    Field("meeting", "person_prepared", K.BOOL, "meeting", "person_prepared", "Was the person prepared (yes/no)",
          "Was the person prepared for it?"),
    Field("meeting", "minutes_spent", K.INT, "meeting", "minutes_spent", "Minutes spent", "Minutes spent"),
    Field("meeting", "summary", K.TEXT, "meeting", "summary", "Summary", "Summary", free_text=True),
    Field("feedback", "date", K.DATE, "feedback", "given_on", "Date given", "When was it given?", required=True,
          export="date"),
    Field("feedback", "given_by", K.LABEL, "feedback", "given_by", "Person or Representative", "Who gave it?",
          _V.EXPRESSED_BY, "Person or Representative"),
    Field("feedback", "felt_listened_to", K.SCORE, "feedback", "felt_listened_to",
          "1 (not at all) to 5 (completely)", "Did they feel listened to?"),
    Field("feedback", "felt_involved", K.SCORE, "feedback", "felt_involved", "1 to 5",
          "Did they feel involved in decisions?"),
    Field("feedback", "feels_safer", K.SCORE, "feedback", "feels_safer", "1 to 5", "Do they feel safer?"),
    Field("feedback", "outcomes_met", K.SCORE, "feedback", "outcomes_met", "1 to 5",
          "Were their outcomes met?"),
    Field("feedback", "note", K.TEXT, "feedback", "note", "Their words", "Their words", free_text=True),
    # --- closures later reopened -------------------------------------------------------------
    Field("earlier_closure", "concluded", K.DATE, "closure", "concluded", "Date that closure concluded",
          required=True),
    Field("earlier_closure", "risk_assessment_outcome", K.LABEL, "closure", "risk_assessment_outcome",
          "SG2c at that closure", labels=_V.RISK_ASSESSMENT_OUTCOME, what="an SG2c risk assessment outcome"),
    Field("earlier_closure", "risk_outcome", K.LABEL, "closure", "risk_outcome", "SG2e at that closure",
          labels=_V.RISK_OUTCOME, what="an SG2e risk outcome"),
    Field("earlier_closure", "outcomes_achieved", K.LABEL, "closure", "outcomes_achieved", "SG4a at that closure",
          labels=_V.OUTCOMES_ACHIEVED, what="an SG4a achievement label"),
    Field("earlier_closure", "achieved", K.LABEL_SEQ, "closure_outcome", "achieved",
          "Each outcome's achievement at that closure, in order", labels=_V.OUTCOMES_ACHIEVED,
          what="an achievement label"),
    Field("earlier_closure", "closure_note", K.TEXT, "closure", "note", "Closure note at that closure",
          free_text=True, export="closure_note"),
    Field("earlier_closure", "reopened", K.DATE, "closure", "reopened_on", "Date it was reopened", required=True,
          export="reopened"),
    Field("earlier_closure", "reopen_reason", K.TEXT, "closure", "reopen_reason", "Why it was reopened",
          free_text=True, required=True),
)  # fmt: skip


@cache
def fields_of(group: str) -> tuple[Field, ...]:
    """The fields of one object of the format, in the format's order."""
    return tuple(f for f in FIELDS if f.group == group)


def field(path: str) -> Field:
    """The field with this dotted interchange name (`person.sex`, `desired_outcomes[].text`)."""
    for f in FIELDS:
        if f.path == path:
            return f
    raise KeyError(path)


@cache
def keys_of(group: str) -> tuple[str, ...]:
    return tuple(f.key for f in fields_of(group))


def feedback_scores() -> tuple[str, ...]:
    """The feedback questions scored 1-5, in the format's order."""
    return tuple(f.key for f in fields_of("feedback") if f.kind is Kind.SCORE)
