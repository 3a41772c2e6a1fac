"""`msp case show`: the whole case on one screen, for a meeting or for supervision.

The person, consent and capacity first; then each desired outcome in the person's words
beside what was negotiated and where it stands now; then the timeline, oldest first.
"""

from __future__ import annotations

from typing import Any, cast

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from msp_cli import rules
from msp_cli.fit import Fitted
from msp_cli.record import Case
from msp_cli.record.fields import Kind, feedback_scores, fields_of
from msp_cli.storage import CaseHistory
from msp_cli.ui import DEMO_BANNER


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "not recorded"}[value]


def _status(record: Case, draft_step: int | None) -> str:
    if draft_step is not None:
        return f"unfinished: the wizard stopped before step {draft_step}"
    if record["concluded"]:
        return f"closed {record['concluded']}"
    return "open"


def _facts(record: Case, draft_step: int | None) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    p = record["person"]
    # every recorded detail of the person, in the field table's order; a date says what it is
    details = [(f, p.get(f.key)) for f in fields_of("person")]
    person = " · ".join(f"{f.meaning} {v}" if f.kind is Kind.DATE else str(v) for f, v in details if v)
    kind = {"Section 42": "Section 42 enquiry", "Other": "Other enquiry", "None": "No enquiry"}
    grid.add_row("Status", f"{kind.get(record['enquiry_type'] or '', 'not decided')} · {_status(record, draft_step)}")
    grid.add_row("Person", person)
    grid.add_row("Lead", " · ".join(x for x in (record["worker"], record["team"]) if x) or "not recorded")
    grid.add_row("Risk", ", ".join(record["risk_types"]) or "not recorded")
    grid.add_row("Where / who", f"{record['location_of_risk'] or '-'} · {record['source_of_risk'] or '-'}")
    consent = record["consent"]
    if consent:
        text = f"sought: {_yes_no(consent['sought'])}; given: {_yes_no(consent['given'])}"
        if consent["proceeded_without_consent_reason"]:
            text += f"; went ahead without consent: {consent['proceeded_without_consent_reason']}"
        if consent["note"]:
            text += f" ({consent['note']})"
        grid.add_row("Consent", text)
    capacity = record["capacity"]
    if capacity:
        text = capacity["lacked_capacity"] or "not recorded"
        if capacity["support"]:
            text += f"; support: {capacity['support']}"
        if capacity["best_interests_note"]:
            text += f"; best interests: {capacity['best_interests_note']}"
        grid.add_row("Capacity", text)
    advocacy = record["advocacy"]
    if advocacy:
        grid.add_row(
            "Advocacy",
            f"{advocacy['type'] or 'type not recorded'}, offered {advocacy['offered'] or '-'},"
            f" started {advocacy['started'] or 'not yet'}",
        )
    grid.add_row("Asked about outcomes", record["asked_about_outcomes"] or "not recorded")
    if record["responses"]:
        stage = "Responses used" if record["concluded"] else "Responses planned"
        grid.add_row(stage, "; ".join(record["responses"]))
    return grid


def _outcomes(record: Case, history: CaseHistory) -> Table:
    progress = history.latest_progress()
    table = Table(title="Desired outcomes", title_justify="left", show_lines=True, expand=True)
    table.add_column("#", no_wrap=True)
    table.add_column("In their words", ratio=3, overflow="fold")
    table.add_column("Kind", ratio=2, overflow="fold")
    table.add_column("Negotiated (why)", ratio=3, overflow="fold")
    table.add_column("Now", ratio=1, overflow="fold")
    for i, o in enumerate(record["desired_outcomes"], start=1):
        negotiated = "-"
        if o["negotiated"]:
            negotiated = f"{o['negotiated']['text']} ({o['negotiated']['reason']})"
            if o["negotiated"]["note"]:
                negotiated += f": {o['negotiated']['note']}"
        now = o["achieved"] or progress.get(i) or "not reviewed"
        words = f"\u201c{o['text']}\u201d" + (f"\n({o['expressed_by']})" if o["expressed_by"] else "")
        table.add_row(str(i), words, o["category"], negotiated, now)
    return table


def timeline_events(record: Case, history: CaseHistory) -> list[tuple[str, str]]:
    """(date, what happened) for everything dated in the case, oldest first."""
    events: list[tuple[str, str]] = []

    def add(day: str | None, text: str) -> None:
        if day:
            events.append((day, text))

    add(record["concern_received"], "Concern received")
    add(record["enquiry_started"], f"{record['enquiry_type']} enquiry started")
    if record["advocacy"]:
        add(record["advocacy"]["offered"], "Advocacy offered")
        add(record["advocacy"]["started"], f"Advocacy started ({record['advocacy']['type'] or '-'})")
    for m in record["meetings"]:
        where = m["location"] or "place not recorded"
        if m["location_chosen_by_person"]:
            where += ", chosen by the person"
        text = f"{m['kind'] or 'Meeting'} ({where}); attended: {', '.join(m['attendees']) or 'not recorded'}"
        text += f"; person prepared: {_yes_no(m['person_prepared'])}"
        if m["minutes_spent"] is not None:
            text += f"; {m['minutes_spent']} min"
        if m["summary"]:
            text += f"\n{m['summary']}"
        add(m["date"], text)
    for r in history.reviews:
        items = "; ".join(
            f"#{i['position']} {i['progress']}" + (f' ("{i["person_says"]}")' if i["person_says"] else "")
            for i in r["outcomes"]
        )
        add(
            r["reviewed_on"],
            f"Outcomes reviewed{' by ' + r['worker'] if r['worker'] else ''}: {items}"
            + (f"\n{r['note']}" if r["note"] else ""),
        )
    for w in history.earlier_wording:
        add(w["replaced_on"], f'Outcome #{w["position"]} reworded; it was: "{w["text"]}"')
    for c in history.corrections:
        add(c["on"], _correction_text(c))
    for f in record["feedback"]:
        given = cast(dict[str, Any], f)
        scores = ", ".join(f"{k.replace('_', ' ')} {given[k]}" for k in feedback_scores() if given[k])
        add(
            f["date"],
            f"Feedback from {f['given_by'] or 'not recorded'}: {scores or 'no scores'}"
            + (f'\n"{f["note"]}"' if f["note"] else ""),
        )
    for c in history.closures:
        text = _closure_text(c)
        add(c["concluded"], text)
        if c["reopened_on"]:
            add(c["reopened_on"], f"Reopened: {c['reopen_reason']}")
    if not history.closures:
        add(
            record["concluded"],
            _closure_text(
                {
                    "risk_assessment_outcome": record["risk_assessment_outcome"],
                    "risk_outcome": record["risk_outcome"],
                    "outcomes_achieved": record["outcomes_achieved"],
                    "note": record["closure_note"],
                }
            ),
        )
    return sorted(events, key=lambda e: e[0])


def _correction_text(c: dict[str, Any]) -> str:
    """A recording error put right: each field's old and new value, and why (never the person's new words)."""
    changes = dict(c["changes"])
    reason = (changes.pop("reason", None) or [None, None])[1]
    fields = "; ".join(f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in changes.items())
    who = f" by {c['worker']}" if c["worker"] else ""
    return f"Recording corrected{who}: {fields}" + (f"\nWhy: {reason}" if reason else "")


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "not recorded"
    return "; ".join(map(str, value)) if isinstance(value, list) else f"“{value}”"


def _closure_text(c: dict[str, Any]) -> str:
    parts = ["Closed"]
    if c["risk_assessment_outcome"]:
        parts.append(c["risk_assessment_outcome"] + (f" → {c['risk_outcome']}" if c["risk_outcome"] else ""))
    if c["outcomes_achieved"]:
        parts.append(f"outcomes {c['outcomes_achieved']}")
    text = "; ".join(parts)
    return text + (f"\n{c['note']}" if c["note"] else "")


def render_case(record: Case, draft_step: int | None, history: CaseHistory, *, demo: bool) -> RenderableType:
    parts: list[RenderableType] = []
    if demo:
        parts.append(Text(DEMO_BANNER, style="bold reverse"))
    parts.append(Text(f"Case {record['case_ref']}", style="bold underline"))
    facts = _facts(record, draft_step)
    if history.source is not None:  # a file name may hold [brackets]: never markup
        facts.add_row("Imported from", Text(f"{history.source[0]} on {history.source[1]}"))
    parts.append(Fitted(facts))
    if record["desired_outcomes"]:
        parts.append(Fitted(_outcomes(record, history)))
    elif rules.NEEDS_OUTCOMES.holds(record):
        parts.append(Text("Outcomes were expressed but none is recorded yet.", style="yellow"))
    timeline = Table(title="Timeline", title_justify="left", expand=True)
    timeline.add_column("Date", no_wrap=True)
    timeline.add_column("What happened", overflow="fold")
    for day, text in timeline_events(record, history):
        timeline.add_row(day, text)
    parts.append(Fitted(timeline))
    return Group(*parts)
