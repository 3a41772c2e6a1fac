"""`msp map draft FILE`: a first mapping file from the headings and values an extract holds.

Headings are matched to interchange fields by the words councils' systems use; local labels
to national ones by closest_label. Every guess is marked `# check`; what could not be matched
is left as a comment, so the auditor edits a file instead of writing one.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from pathlib import Path

from msp_cli.extract.fields import FIELDS, Field
from msp_cli.extract.table import Extract, open_extract
from msp_cli.extract.values import as_text, closest_label, is_empty, normal
from msp_cli.labels import LISTS

# the words extracts use for each field, besides the field's own name
HINTS: dict[str, tuple[str, ...]] = {
    "case_ref": ("case no", "case number", "case reference", "case id", "referral id", "enquiry id", "episode id"),
    "person.ref": ("client id", "person id", "person reference", "service user id", "client ref", "adult id"),
    "person.name": ("name", "client name", "person name", "full name", "service user name"),
    "person.age_band": ("age band", "age group", "age range"),
    "person.sex": ("sex", "gender"),
    "person.ethnicity": ("ethnicity", "ethnic group", "ethnic origin"),
    "person.primary_support_reason": ("primary support reason", "psr", "support reason"),
    "worker": ("worker", "allocated worker", "lead worker", "practitioner", "social worker"),
    "team": ("team", "team name", "allocated team"),
    "concern_received": ("date concern received", "concern date", "referral date", "date received"),
    "enquiry_type": ("enquiry type", "type of enquiry", "s42 decision", "decision"),
    "enquiry_started": ("enquiry start date", "date enquiry started", "enquiry start"),
    "risk_types": ("abuse type", "type of abuse", "category of abuse", "type of risk", "abuse category"),
    "location_of_risk": ("location", "location of abuse", "location of risk", "setting"),
    "source_of_risk": ("source of risk", "alleged perpetrator", "person alleged to be responsible"),
    "capacity.lacked_capacity": ("lacked capacity", "lacks capacity", "mental capacity", "capacity"),
    "capacity.support": ("capacity support", "supported by"),
    "capacity.best_interests_note": ("best interests", "best interests note"),
    "advocacy.offered": ("advocacy offered", "date advocacy offered"),
    "advocacy.started": ("advocacy started", "date advocacy started"),
    "advocacy.type": ("advocacy type", "type of advocacy"),
    "asked_about_outcomes": ("asked about outcomes", "msp asked", "were outcomes asked", "outcomes asked"),
    "desired_outcomes.text": ("desired outcome", "outcome", "outcome client's words", "what the person wants"),
    "desired_outcomes.category": ("outcome category", "desired outcome category", "outcome type"),
    "desired_outcomes.expressed_by": ("expressed by", "outcome expressed by"),
    "desired_outcomes.negotiated.text": ("negotiated outcome",),
    "desired_outcomes.negotiated.reason": ("negotiated reason", "why negotiated", "reason negotiated"),
    "desired_outcomes.achieved": ("outcome achieved", "achieved"),
    "responses": ("responses", "msp response", "toolkit response", "interventions"),
    "concluded": ("date concluded", "enquiry end date", "closure date", "date closed", "end date"),
    "risk_assessment_outcome": ("risk assessment outcome", "risk assessment"),
    "risk_outcome": ("risk outcome", "risk after enquiry"),
    "outcomes_achieved": ("outcomes achieved", "outcomes met", "overall outcomes achieved"),
    "closure_note": ("closure note", "closing summary", "closure summary"),
}
SURE = 0.999  # a heading equal to a known phrase: filled in without "check"
CLOSE = 0.75  # below this a heading is left as a comment
MAX_VALUES = 200  # distinct values kept per label column: beyond that it is not a label column
SPLITTERS = (";", "|")  # commas are inside national labels, so never guessed


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _phrases(name: str) -> list[str]:
    own = normal(name.replace("desired_outcomes.", "").replace(".", " ").replace("_", " "))
    return [own, *(normal(p) for p in HINTS.get(name, ()))]


def _score(heading: str, name: str) -> float:
    h = normal(heading.replace("_", " "))
    return max(1.0 if h == p else difflib.SequenceMatcher(None, h, p).ratio() for p in _phrases(name))


def match_headings(headings: list[str]) -> dict[str, tuple[str, float]]:
    """field -> (heading, score): best pairs first, each heading and field used once."""
    pairs = sorted(
        ((_score(h, name), h, name) for h in headings if h for name in FIELDS),
        key=lambda t: -t[0],
    )
    chosen: dict[str, tuple[str, float]] = {}
    used: set[str] = set()
    for score, heading, name in pairs:
        if score < CLOSE:
            break
        if name not in chosen and heading not in used:
            chosen[name] = (heading, score)
            used.add(heading)
    return chosen


def _values(extract: Extract, columns: dict[str, int]) -> dict[str, Counter[str]]:
    found: dict[str, Counter[str]] = {name: Counter() for name in columns}
    for _, cells in extract.rows():
        for name, index in columns.items():
            cell = cells[index] if index < len(cells) else None
            if not is_empty(cell) and (len(found[name]) < MAX_VALUES or as_text(cell).strip() in found[name]):
                found[name][as_text(cell).strip()] += 1
    return found


def _split_of(values: Counter[str]) -> str | None:
    for splitter in SPLITTERS:
        if any(splitter in v for v in values):
            return splitter
    return None


def draft(path: Path, *, sheet: str | None = None) -> str:
    extract = open_extract(path, sheet=sheet)
    matched = match_headings(extract.headings)
    index = {h: i for i, h in reversed(list(enumerate(extract.headings)))}
    label_columns = {name: index[h] for name, (h, _) in matched.items() if FIELDS[name].labels}
    values = _values(extract, label_columns)
    out = [
        f"# Mapping for {path.name}, drafted by `msp map draft`. Check every line marked `# check`,",
        "# then try it with: msp import EXTRACT --map THIS_FILE --dry-run",
        "",
        "[source]",
    ]
    if extract.sheet:
        out.append(
            f"sheet = {toml_string(extract.sheet)}"
            + (f"  # sheets: {', '.join(extract.sheets)}" if len(extract.sheets) > 1 else "")
        )
    if extract.encoding:
        out.append(f"encoding = {toml_string(extract.encoding)}  # detected")
    out += [
        '# date_format = "%d/%m/%Y"  # UK day-first dates, ISO dates and Excel date numbers are read anyway',
        '# team = "North"  # a team for every case, if the extract has no team column',
        "",
        "[columns]  # interchange field = the extract's column heading",
    ]
    for name in FIELDS:
        if name not in matched:
            continue
        heading, score = matched[name]
        split = _split_of(values.get(name, Counter())) if FIELDS[name].is_list else None
        value = (
            toml_string(heading)
            if split is None
            else f"{{ column = {toml_string(heading)}, split = {toml_string(split)} }}"
        )
        mark = "" if score >= SURE else "  # check"
        out.append(f"{toml_string(name)} = {value}{mark}")
    unmatched = [h for h in extract.headings if h and h not in {h for h, _ in matched.values()}]
    if unmatched:
        out.append('# not matched to a field (map any that belong, as  field = "Heading"):')
        out += [f"#   {toml_string(h)}" for h in unmatched]
    for name in FIELDS:
        if name in values:
            out += _label_table(FIELDS[name], values[name], _split_of(values[name]) if FIELDS[name].is_list else None)
    return "\n".join(out) + "\n"


def _label_table(target: Field, found: Counter[str], split: str | None) -> list[str]:
    pieces: Counter[str] = Counter()
    for value, count in found.items():
        for piece in value.split(split) if split else [value]:
            if piece.strip():
                pieces[piece.strip()] += count
    national = {normal(label) for label in target.labels}
    named = [lst.name for lst in LISTS if lst.labels == tuple(target.labels)]
    where = f"see msp labels {named[0]}" if named else "see msp labels"
    lines = ["", f"[labels.{toml_string(target.name) if '.' in target.name else target.name}]"]
    for value, count in sorted(pieces.items(), key=lambda vc: (-vc[1], vc[0])):
        rows = f"{count} row{'s' if count != 1 else ''}"
        if normal(value) in national:
            lines.append(f"# {toml_string(value)} is a national label already ({rows})")
            continue
        close = closest_label(value, target.labels)
        if close:
            lines.append(f"{toml_string(value)} = {toml_string(close)}  # check ({rows})")
        else:
            lines.append(f'# {toml_string(value)} = ""  # no close national label ({rows}): {where}')
    return lines
