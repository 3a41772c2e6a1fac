"""`msp case new`: the walk from concern to agreed outcomes, one question at a time.

The steps follow practice: the person, the concern and the decision, consent, capacity,
asking about outcomes, negotiating them, the responses planned. Each step's answers go
into the same draft record the interchange format uses, are checked by the same rules
(model.validate_case, draft=True), and are saved in their own transaction with the number
of the next step, so a stopped wizard loses nothing it had finished and resumes exactly
there (`msp case resume CASE_REF`).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from msp_cli import prompts, vocab
from msp_cli.errors import Cancelled, MspError
from msp_cli.hints import command, next_steps, no_case_hint, quote
from msp_cli.model import Record, capacity_contradiction, ref_problem, validate_case
from msp_cli.storage import Storage

HELP_CAPACITY = (
    "Capacity is about this decision, now: can the person understand, retain and weigh up what"
    " this safeguarding enquiry means for them, and tell you their decision? Start from the"
    " assumption that they can."
)
HELP_DESIRED = (
    "A desired outcome is what the person wants to be different, in their own words. Write"
    " exactly what they said, even if it cannot happen as they put it: what can be done is"
    " agreed in the next step, as the negotiated outcome."
)
HELP_CHANGE = "Outcomes can change as the enquiry goes on: review them any time with `msp case review`."
HELP_CONSENT = (
    "An enquiry can go ahead without consent where other adults are at risk, a crime may have"
    " been committed, the person lacks capacity to consent, or they are under coercion or undue"
    " influence. Record why."
)
NO_SUPPORT_WARNING = (
    "This person lacks capacity and has no one supporting them. Under the Care Act they should"
    " have an independent advocate, or an appropriate family member or friend: consider"
    " arranging one now."
)
DECISIONS = {
    "Section 42 enquiry": vocab.SECTION_42,
    "Other enquiry": "Other",
    "No enquiry": vocab.NO_ENQUIRY,
}


@dataclass
class Wizard:
    store: Storage
    record: Record
    today: dt.date = field(default_factory=dt.date.today)
    coach: Callable[[int], None] | None = None  # the tutorial's notes before each step
    given: dict[str, Any] = field(default_factory=dict)  # answers given as options: not asked again
    saved_steps: list[str] = field(default_factory=list)
    restart: str | None = None  # the command that starts again after a stop (the tutorial's own)

    def save(self, next_step: int | None) -> None:
        """Check the draft by the shared rules and save it, with the step to resume at."""
        record = validate_case(self.record, today=self.today, draft=next_step is not None)
        with self.store.write() as audit:
            self.store.save_case(audit, record, draft_step=next_step)
        self.record = cast(Record, record)


Step = Callable[[Wizard], bool]  # returns False when the case is complete early (no enquiry)


def step_person(w: Wizard) -> bool:
    r = w.record
    if r["case_ref"] is None:
        r["case_ref"] = prompts.ask_text(
            "Case reference",
            default=suggest_case_ref(w.store, w.today),
            validate=lambda v: ref_problem(v) or _case_ref_taken(w.store, v),
        )
    if "worker" in w.given:
        r["worker"] = w.given["worker"]
    else:
        default_worker = r["worker"] or w.store.actor.worker or ""
        r["worker"] = prompts.ask_text("Lead worker", default=default_worker, required=False) or None
    if "team" in w.given:
        r["team"] = w.given["team"]
    else:
        r["team"] = prompts.ask_text("Team", default=r["team"] or w.store.setting("team") or "", required=False) or None
    ref = w.given.get("person_ref") or prompts.ask_text(
        "The person's reference (your local ID for them)", validate=ref_problem
    )
    before = r["person"] or {}  # what this case already records, when the wizard came back here
    known = w.store.load_person(ref)
    if known is not None and before.get("ref") != ref:
        earlier = w.store.earlier_cases(ref)
        prompts.show_warning(f"Returning person: {len(earlier)} earlier case(s). This is a re-referral.")
        for case_ref, received, concluded in earlier:
            prompts.show(f"  {case_ref}: concern {received or '-'}, {'closed ' + concluded if concluded else 'open'}")
        if prompts.ask_confirm("Are their details (age band, sex, ethnicity, support reason) still right?"):
            r["person"] = known
            return True
    r["person"] = {
        "ref": ref,
        "name": prompts.ask_text("Name (optional: least data by default)", required=False) or None,
        "age_band": _select(before, "age_band", "Age band", vocab.AGE_BAND),
        "sex": _select(before, "sex", "Sex", vocab.SEX),
        "ethnicity": _select(before, "ethnicity", "Ethnicity", vocab.ETHNICITY),
        "primary_support_reason": _select(
            before, "primary_support_reason", "Primary support reason", vocab.PRIMARY_SUPPORT_REASON
        ),
    }
    return True


def _select(recorded: Any, key: str, question: str, choices: tuple[str, ...]) -> str:
    """A choice, pre-filled (and said to be) only where this case already records it (the wizard came back)."""
    return prompts.ask_select(question, choices, default=recorded.get(key), recorded=True)


def step_concern(w: Wizard) -> bool:
    r = w.record
    given = w.given
    r["concern_received"] = given.get("concern_received") or prompts.ask_date(
        "Date the concern was received", default=r["concern_received"], recorded=True
    )
    r["risk_types"] = given.get("risk_types") or prompts.ask_checkbox(
        "Types of risk (tick all that apply)", vocab.RISK_TYPE, required=True
    )
    r["location_of_risk"] = given.get("location_of_risk") or _select(
        r, "location_of_risk", "Where was the risk?", vocab.LOCATION_OF_RISK
    )
    r["source_of_risk"] = given.get("source_of_risk") or _select(
        r, "source_of_risk", "Source of risk", vocab.SOURCE_OF_RISK
    )
    decided = {value: label for label, value in DECISIONS.items()}.get(r["enquiry_type"] or "")
    r["enquiry_type"] = (
        given.get("enquiry_type")
        or DECISIONS[prompts.ask_select("The decision", list(DECISIONS), default=decided, recorded=True)]
    )
    if r["enquiry_type"] == vocab.NO_ENQUIRY:
        # A concern that led to no enquiry ends here: what happened instead is its closure note.
        r["closure_note"] = prompts.ask_text("What happened instead (for example advice, a care assessment)?")
        r["concluded"] = prompts.ask_date(
            "Date of the decision",
            not_before=r["concern_received"],
            not_before_name="the concern",
        )
        return False
    r["enquiry_started"] = prompts.ask_date(
        "Date the enquiry started",
        default=r["enquiry_started"],
        recorded=True,
        not_before=r["concern_received"],
        not_before_name="the concern",
    )
    return True


def step_consent(w: Wizard) -> bool:
    prompts.show_help(HELP_CONSENT)
    before = w.record["consent"] or {}
    sought = prompts.ask_confirm(
        "Was the person's consent to the enquiry sought?", default=before.get("sought"), recorded=True
    )
    given = (
        prompts.ask_confirm("Did they give consent?", default=before.get("given"), recorded=True) if sought else None
    )
    reason = note = None
    went_ahead = True if before.get("proceeded_without_consent_reason") else None
    if not given and prompts.ask_confirm(
        "Is the enquiry going ahead without their consent?", default=went_ahead, recorded=True
    ):
        reason = _select(before, "proceeded_without_consent_reason", "Why?", vocab.CONSENT_OVERRIDE_REASON)
        note = prompts.ask_text("A note on the decision", required=False) or None
    w.record["consent"] = {
        "sought": sought,
        "given": given,
        "proceeded_without_consent_reason": reason,
        "note": note,
    }
    return True


def step_capacity(w: Wizard) -> bool:
    r = w.record
    prompts.show_help(HELP_CAPACITY)
    before = r["capacity"] or {}
    while True:
        lacked = _select(
            before,
            "lacked_capacity",
            "Did the person lack capacity to make decisions about this enquiry? (SG3a)",
            vocab.LACKED_CAPACITY,
        )
        problem = capacity_contradiction(r["consent"], {"lacked_capacity": lacked})
        if problem is None:
            break
        prompts.show_warning(f"That answer {problem}. Choose again, or Ctrl-B to go back to the consent step.")
    support = note = None
    if lacked == vocab.LACKED_CAPACITY_YES:
        note = prompts.ask_text("Best-interests decision: a short note", required=False) or None
        support = _select(before, "support", "Who supports them?", vocab.CAPACITY_SUPPORT)
        if support == "None":
            prompts.show_warning(NO_SUPPORT_WARNING)
    r["capacity"] = {"lacked_capacity": lacked, "support": support, "best_interests_note": note}
    advocacy, r["advocacy"] = r["advocacy"] or {}, None
    if prompts.ask_confirm("Has advocacy been offered?", default=True if advocacy else None, recorded=True):
        offered = prompts.ask_date("Date advocacy was offered", default=advocacy.get("offered"), recorded=True)
        started = prompts.ask_date(
            "Date advocacy started",
            default=advocacy.get("started"),
            recorded=True,
            required=False,
            not_before=offered,
            not_before_name="the offer",
        )
        kind = _select(advocacy, "type", "Type of advocacy", vocab.ADVOCACY_TYPE)
        r["advocacy"] = {"offered": offered, "started": started, "type": kind}
    return True


def step_outcomes(w: Wizard) -> bool:
    r = w.record
    r["asked_about_outcomes"] = _select(
        r,
        "asked_about_outcomes",
        "Were the person or their representative asked about the outcomes they want? (SG4a)",
        vocab.ASKED_ABOUT_OUTCOMES,
    )
    r["desired_outcomes"] = []
    if r["asked_about_outcomes"] != vocab.ASKED_AND_EXPRESSED:
        return True
    prompts.show_help(HELP_DESIRED)
    while True:
        number = len(r["desired_outcomes"]) + 1
        text = prompts.ask_text(f"Desired outcome {number}, in their own words")
        category = prompts.ask_select("Which kind of outcome is that?", vocab.OUTCOME_CATEGORY)
        by = prompts.ask_select("Who expressed it?", vocab.EXPRESSED_BY)
        r["desired_outcomes"].append(
            {"text": text, "category": category, "expressed_by": by, "negotiated": None, "achieved": None}
        )
        if not prompts.ask_confirm("Add another desired outcome?", default=False):
            break
    prompts.show_help(HELP_CHANGE)
    return True


def step_negotiated(w: Wizard) -> bool:
    for outcome in w.record["desired_outcomes"]:
        prompts.show(f'Desired: "{outcome["text"]}"')
        outcome["negotiated"] = None
        if prompts.ask_confirm("Does the agreed (negotiated) outcome differ from this?"):
            outcome["negotiated"] = {
                "text": prompts.ask_text("The negotiated outcome"),
                "reason": prompts.ask_select("Why does it differ?", vocab.NEGOTIATED_REASON),
                "note": prompts.ask_text("A note on why", required=False) or None,
            }
    return True


def step_responses(w: Wizard) -> bool:
    w.record["responses"] = prompts.ask_checkbox("Responses planned (the MSP toolkit)", vocab.RESPONSE)
    return True


STEPS: list[tuple[str, Step]] = [
    ("the person", step_person),
    ("the concern and the decision", step_concern),
    ("consent", step_consent),
    ("mental capacity and advocacy", step_capacity),
    ("asking about outcomes", step_outcomes),
    ("negotiated outcomes", step_negotiated),
    ("responses planned", step_responses),
]


def run(w: Wizard, first_step: int = 1) -> None:
    """Ask from FIRST_STEP (1-based) to the end, saving after each step.

    Ctrl-B goes back: to the start of the step being answered, or, from its first question,
    to the step before (already saved; it is saved again with the changed answers).
    """
    try:
        with prompts.back_allowed():
            _run_steps(w, first_step)
    except prompts.PromptCancelled:
        raise Cancelled(_cancel_message(w)) from None


def _run_steps(w: Wizard, first_step: int) -> None:
    number = first_step
    while number <= len(STEPS):
        name, ask = STEPS[number - 1]
        if w.coach is not None:
            w.coach(number)
        prompts.show(f"\nStep {number} of {len(STEPS)}: {name}")
        before = copy.deepcopy(w.record)
        asked_before = prompts.answers_given()
        try:
            goes_on = ask(w)
        except prompts.GoBack:
            w.record = before  # the unfinished step leaves nothing behind
            at_first_question = prompts.answers_given() == asked_before
            if at_first_question and number > 1:
                number -= 1
            prompts.show("Going back to the start of that step." if number > 1 else "Going back.")
            continue
        except BaseException:
            w.record = before  # an unfinished step leaves nothing behind
            raise
        last = not goes_on or number == len(STEPS)
        w.save(None if last else number + 1)
        w.saved_steps.append(name)
        if last:
            return
        number += 1


def _cancel_message(w: Wizard) -> str:
    ref = w.record.get("case_ref")
    stored = ref is not None and w.store.case_exists(ref)
    if not stored:
        return f"Stopped. Nothing was saved for this case. Start again with: {w.restart or command('case new')}"
    done = f" (this time: {', '.join(w.saved_steps)})" if w.saved_steps else ""
    again = command("case resume", quote(str(ref)))
    return f"Stopped. Every finished step of case {ref} is saved{done}. Continue with: {again}"


def new_record(case_ref: str | None = None) -> Record:
    from msp_cli.model import CASE_KEYS

    record: Record = {key: None for key in CASE_KEYS}
    record.update(
        {
            "case_ref": case_ref,
            "risk_types": [],
            "desired_outcomes": [],
            "responses": [],
            "meetings": [],
            "feedback": [],
        }
    )
    return record


def resume(store: Storage, case_ref: str, coach: Callable[[int], None] | None = None) -> Wizard:
    stored = store.load_case(case_ref)
    if stored is None:
        raise MspError(f"No case {case_ref!r} in this database.", hint=no_case_hint())
    if stored.draft_step is None:
        raise MspError(
            f"Case {case_ref} is already complete; nothing to resume.",
            hint=f"See it with: {command('case show', quote(case_ref))}. {next_steps(stored.record)}",
        )
    wizard = Wizard(store=store, record=cast(Record, stored.record), coach=coach)
    run(wizard, first_step=stored.draft_step)
    return wizard


def suggest_case_ref(store: Storage, today: dt.date) -> str:
    prefix = f"C-{today.year}-"
    n = store.count_case_refs_with_prefix(prefix) + 1
    while store.case_exists(f"{prefix}{n:04d}"):
        n += 1
    return f"{prefix}{n:04d}"


def _case_ref_taken(store: Storage, value: str) -> str | None:
    if store.case_exists(value):
        return "That case reference is already used: choose another, or continue that case with `msp case resume`."
    return None
