"""Replaying the audit trail: every stored case value must be explained by an audit entry.

Each case entry carries its changes as {interchange path: [old, new]} (audit.diff), or whole
values for a new record (audit.created). Applying the new values in order rebuilds each case
as msp wrote it; a stored value that differs was changed behind msp's back (a direct UPDATE
with sqlite3, another program). People are shared by cases, so they are replayed once, across
all entries, by reference. Only the field's path is reported, never its value.
"""

from __future__ import annotations

import copy
import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite import case_store

# tables whose audit entries carry a case's changes, with the case_ref as row_key
CASE_ENTRY_TABLES = ("safeguarding_case", "outcome_review_session", "meeting", "feedback", "closure")
# paths left out of the comparison: what an entry records about a review itself, and the
# history a record carries (reviews, earlier closures and wordings, progress), which is read
# from append-only rows rather than set by the entries
NOT_COMPARED = re.compile(
    r"^(review\.|reviews(\[|$)|earlier_closures(\[|$)|draft_step$|reopen_reason$"
    r"|desired_outcomes\[\d+\]\.(progress|person_says|note|added|earlier_wordings)(\[|\.|$))"
)
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
LIMIT = 50  # cases listed before the rest are counted


class _Case:
    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}
        self.responses: dict[str, list[str]] = {"planned": [], "used": []}  # the two stages, as case_store keeps them


def unexplained(conn: sqlite3.Connection) -> list[str]:
    """One line for each case whose stored values no audit entry explains."""
    cases, people = _replay(conn)
    found, unaudited = [], []
    stored_refs = [ref for (ref,) in conn.execute("SELECT case_ref FROM safeguarding_case ORDER BY id")]
    for ref in stored_refs:
        state = cases.pop(ref, None)
        if state is None:
            unaudited.append(ref)
            continue
        stored = case_store.load_case(conn, ref)
        assert stored is not None
        replayed = state.tree
        person_ref = (replayed.get("person") or {}).get("ref")
        if person_ref in people:
            replayed = {**replayed, "person": people[person_ref]}
        fields = differing(replayed, dict(stored.record))
        if fields:
            shown = ", ".join(fields[:6]) + (f" and {len(fields) - 6} more" if len(fields) > 6 else "")
            found.append(f"case {ref}: {shown} not as its audit trail records (changed with no audit entry)")
    if len(found) > LIMIT:
        found = [*found[:LIMIT], f"and {len(found) - LIMIT} more cases"]
    if unaudited:
        found.append(f"cases with no audit entry (added behind msp's back): {_refs_text(unaudited)}")
    if cases:
        found.append(
            f"cases in the audit trail but no longer stored (deleted behind msp's back): {_refs_text(list(cases))}"
        )
    return found


def _refs_text(refs: list[str]) -> str:
    return ", ".join(refs[:10]) + (f" and {len(refs) - 10} more" if len(refs) > 10 else "")


def differing(replayed: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """The paths whose values differ; absent, null and [] count as the same."""
    before, after = audit_mod.flatten(replayed), audit_mod.flatten(record)
    paths = list(after) + [p for p in before if p not in after]
    return [
        path for path in paths if not NOT_COMPARED.match(path) and _value(before.get(path)) != _value(after.get(path))
    ]


def _value(value: Any) -> Any:
    return None if value in (None, [], {}) else value


def _replay(conn: sqlite3.Connection) -> tuple[dict[str, _Case], dict[str, dict[str, Any]]]:
    cases: dict[str, _Case] = {}
    people: dict[str, dict[str, Any]] = {}
    for action, ref, changes in _case_entries(conn):
        if action == "case.discard":  # an unfinished case deleted through msp, with its entry
            cases.pop(ref, None)
            continue
        state = cases.setdefault(ref, _Case())
        tree = state.tree
        was_concluded = tree.get("concluded") is not None
        person_ref = (tree.get("person") or {}).get("ref")
        if person_ref in people:
            tree["person"] = copy.deepcopy(people[person_ref])
        for path, pair in changes.items():
            if isinstance(pair, list) and len(pair) == 2:
                _set(tree, path, pair[1])  # parsed afresh for this entry: nothing else holds it
        concluded = tree.get("concluded") is not None
        if action == "case.reopen":  # the closure is set aside: its judgements and responses used with it
            for outcome in tree.get("desired_outcomes") or []:
                if isinstance(outcome, dict):
                    outcome["achieved"] = None
            tree["responses"] = list(state.responses["planned"])
        elif "responses" in changes or concluded != was_concluded:
            state.responses["used" if concluded else "planned"] = list(tree.get("responses") or [])
        person = tree.get("person")
        if isinstance(person, dict) and person.get("ref"):
            people[person["ref"]] = copy.deepcopy(person)
    return cases, people


def _case_entries(conn: sqlite3.Connection) -> Iterator[tuple[str, str, dict[str, Any]]]:
    marks = ", ".join("?" for _ in CASE_ENTRY_TABLES)
    cursor = conn.execute(
        f"SELECT action, row_key, changes FROM audit_log WHERE table_name IN ({marks})"  # noqa: S608 (fixed names)
        " AND row_key IS NOT NULL ORDER BY id",
        CASE_ENTRY_TABLES,
    )
    for action, ref, text in cursor:
        try:
            changes = json.loads(text) if text else {}
        except ValueError:
            changes = {}  # an unreadable entry is the chain check's to report
        if isinstance(changes, dict):
            yield str(action), str(ref), changes


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted path with [n] list steps, making what is missing on the way."""
    steps: list[str | int] = [name if name else int(index) for name, index in _STEP.findall(path)]
    node: Any = tree
    for step, following in zip(steps, steps[1:], strict=False):
        child_default: Any = [] if isinstance(following, int) else {}
        node = _child(node, step, child_default)
        if node is None:
            return
    _put(node, steps[-1], value)


def _child(node: Any, step: str | int, default: Any) -> Any:
    if isinstance(step, int):
        if not isinstance(node, list):
            return None
        while len(node) <= step:
            node.append(None)
        if not isinstance(node[step], type(default)):
            node[step] = default
        return node[step]
    if not isinstance(node, dict):
        return None
    if not isinstance(node.get(step), type(default)):
        node[step] = default
    return node[step]


def _put(node: Any, step: str | int, value: Any) -> None:
    if isinstance(step, int) and isinstance(node, list):
        while len(node) <= step:
            node.append(None)
        node[step] = value
    elif isinstance(step, str) and isinstance(node, dict):
        node[step] = value
