"""A council-style extract made from interchange cases: one row per desired outcome, the local
labels of an imaginary case system, UK dates, Yes/No; and the mapping that reads it back.

Used by tests/test_extract_demo.py and benchmarks/extract.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from msp_cli.extract.fields import FIELDS

# the local labels of an imaginary case system, for the lists councils name their own way
LOCAL = {
    "enquiry_type": {"S42": "Section 42", "Non S42": "Other", "NFA": "None"},
    "risk_types": {
        "Physical": "Physical Abuse", "Sexual": "Sexual Abuse", "Psychological": "Psychological Abuse",
        "Financial": "Financial or Material Abuse", "Discriminatory": "Discriminatory Abuse",
        "Institutional": "Organisational Abuse", "Neglect": "Neglect and Acts of Omission",
        "Domestic violence": "Domestic Abuse", "Sexual exploitation": "Sexual Exploitation",
        "Modern slavery": "Modern Slavery", "Self neglect": "Self-Neglect",
    },
    "location_of_risk": {
        "Home": "Own Home", "Community": "In the Community", "Day service": "Community Service",
        "Nursing home": "Care Home - Nursing", "Residential home": "Care Home - Residential",
        "Acute hospital": "Hospital - Acute", "MH hospital": "Hospital - Mental Health",
        "Community hospital": "Hospital - Community", "Other setting": "Other",
    },
    "risk_outcome": {"Remained": "Risk remained", "Reduced": "Risk reduced", "Removed": "Risk removed"},
    "outcomes_achieved": {"Fully": "Fully Achieved", "Partly": "Partially Achieved", "Not": "Not Achieved"},
    "desired_outcomes.achieved": {"Fully": "Fully Achieved", "Partly": "Partially Achieved", "Not": "Not Achieved"},
    "asked_about_outcomes": {
        "Asked - outcomes given": "Yes they were asked and outcomes were expressed",
        "Asked - none given": "Yes they were asked but no outcomes were expressed",
        "Not asked": "No", "Unknown": "Don't Know", "Not recorded": "Not Recorded",
    },
}  # fmt: skip
SPLIT = ";"


def heading(name: str) -> str:
    return name.replace("desired_outcomes.", "Outcome ").replace(".", " ").replace("_", " ").title()


def mapping_toml() -> str:
    lines = ["[columns]"]
    for name, spec in FIELDS.items():
        if spec.is_list:
            lines.append(f'"{name}" = {{ column = "{heading(name)}", split = "{SPLIT}" }}')
        else:
            lines.append(f'"{name}" = "{heading(name)}"')
    for name, table in LOCAL.items():
        lines.append(f'[labels."{name}"]')
        lines += [f'"{local}" = "{national}"' for local, national in table.items()]
    return "\n".join(lines) + "\n"


def cell(name: str, value: Any) -> str:
    """A case's value as a council's system writes it: local labels, UK dates, Yes/No."""
    if value is None:
        return ""
    local = {national: here for here, national in LOCAL.get(name, {}).items()}
    if isinstance(value, list):
        return SPLIT.join(local.get(v) or v for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if FIELDS[name].kind == "date":
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    return local.get(value, str(value))


def lookup(obj: dict[str, Any] | None, dotted: str) -> Any:
    for part in dotted.split("."):
        if obj is None:
            return None
        obj = obj.get(part)
    return obj


def to_extract(lines: Iterable[str], extract: Path, *, max_rows: int | None = None) -> tuple[int, int]:
    """One row per desired outcome (one row for a case with none), whole cases only, up to MAX_ROWS.

    Returns (rows, cases) written.
    """
    names = list(FIELDS)
    count = cases = 0
    with extract.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([heading(n) for n in names])
        for line in lines:
            case = json.loads(line)
            if "case_ref" not in case:  # a demonstration export's first line says what it is: not a case
                continue
            outcomes = case["desired_outcomes"] or [None]
            if max_rows is not None and count + len(outcomes) > max_rows:
                break
            for outcome in outcomes:
                values = [
                    lookup(outcome, n.removeprefix("desired_outcomes.")) if FIELDS[n].outcome else lookup(case, n)
                    for n in names
                ]
                writer.writerow([cell(n, v) for n, v in zip(names, values, strict=True)])
                count += 1
            cases += 1
    return count, cases
