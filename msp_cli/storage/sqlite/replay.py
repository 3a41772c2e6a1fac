"""Replaying the audit trail: every stored case value must be explained by an audit entry.

Each case entry carries its changes as {interchange path: [old, new]} (audit.diff), or whole
values for a new record (audit.created). Applying the new values in order rebuilds each case
as msp wrote it; a stored value that differs was changed behind msp's back (a direct UPDATE
with sqlite3, another program). Only the field's path is reported, never its value.

It streams, so time grows with the trail and memory does not: the stored cases (by case_ref,
through its unique index) and their entries (by case_ref and number, through the trail's
row_key index) are walked side by side, one case at a time, in ranges of case references
that other processes may walk at the same time (check_workers.py). A case and its replay
are compared in one shape (replay_shape.py), path by path only when they differ. A person
shared by several cases is changed by the entries of each of them, in the trail's order; so
the people shared by cases are replayed in a second pass, person by person, over their
cases' entries.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from msp_cli.record.fields import keys_of
from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite import case_store, replay_shape, rowmap
from msp_cli.storage.sqlite.replay_shape import compared, pruned

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
_TOP_KEYS = frozenset(keys_of("case"))  # names of one step: set whole, as _set would
LIMIT = 50  # cases listed before the rest are counted
_MARKS = ", ".join("?" for _ in CASE_ENTRY_TABLES)

Entry = tuple[str, str, dict[str, Any]]  # (action, case_ref, changes)


class _Case:
    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}
        self.responses: dict[str, list[str]] = {"planned": [], "used": []}  # the two stages, as case_store keeps them


class _Refs:
    """The first few case references of a kind, and how many there were in all."""

    def __init__(self, shown: int = 10) -> None:
        self.shown, self.count = shown, 0
        self.refs: list[str] = []

    def add(self, ref: str) -> None:
        self.count += 1
        if len(self.refs) < self.shown:
            self.refs.append(ref)

    def absorb(self, later: _Refs) -> None:
        """Add LATER's references after these, as if added one by one."""
        self.refs += later.refs[: self.shown - len(self.refs)]
        self.count += later.count

    def text(self) -> str:
        more = self.count - len(self.refs)
        return ", ".join(self.refs) + (f" and {more} more" if more else "")


class _Findings:
    """The differing fields of the first LIMIT cases, in case order; the rest counted."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.more: set[str] = set()  # cases found beyond the first LIMIT

    def add(self, ref: str, fields: list[str]) -> None:
        if ref in self.fields:  # a shared person's fields, after the case's own
            self.fields[ref] += [f for f in fields if f not in self.fields[ref]]
        elif len(self.fields) < LIMIT:
            self.fields[ref] = fields
        else:
            self.more.add(ref)

    def absorb(self, later: _Findings) -> None:
        """Add what LATER found after this, as if added one by one (each case is in one of the two)."""
        for ref, fields in later.fields.items():
            self.add(ref, fields)
        self.more |= later.more

    def text(self) -> list[str]:
        lines = []
        for ref in sorted(self.fields):
            fields = self.fields[ref]
            shown = ", ".join(fields[:6]) + (f" and {len(fields) - 6} more" if len(fields) > 6 else "")
            lines.append(f"case {ref}: {shown} not as its audit trail records (changed with no audit entry)")
        return lines + ([f"and {len(self.more)} more cases"] if self.more else [])


class Part:
    """What the first pass found among the cases of one range of case references."""

    def __init__(self) -> None:
        self.found, self.unaudited, self.deleted = _Findings(), _Refs(), _Refs()

    def absorb(self, later: Part) -> None:
        """Add what LATER found in the next range, as if one walk had found both."""
        self.found.absorb(later.found)
        self.unaudited.absorb(later.unaudited)
        self.deleted.absorb(later.deleted)


PersonFinding = tuple[list[str], list[str]]  # (the cases of a shared person, the person's differing fields)


def unexplained(
    conn: sqlite3.Connection,
    parts: Iterable[Part] | None = None,
    people: Iterable[list[PersonFinding]] | None = None,
) -> list[str]:
    """One line for each case whose stored values no audit entry explains.

    PARTS: the first pass's findings over consecutive ranges of case references that cover
    them all, in order; PEOPLE: the second pass's over consecutive ranges of person ids, in
    order (both made in other processes); without them, each pass is one range here."""
    walk = Part()
    for part in parts if parts is not None else [check_range(conn, None, None)]:
        walk.absorb(part)
    found = walk.found
    for some in people if people is not None else [shared_people(conn, None, None)]:
        for refs, fields in some:
            for ref in refs:
                found.add(ref, fields)
    lines = found.text()
    if walk.unaudited.count:
        lines.append(f"cases with no audit entry (added behind msp's back): {walk.unaudited.text()}")
    if walk.deleted.count:
        lines.append(
            f"cases in the audit trail but no longer stored (deleted behind msp's back): {walk.deleted.text()}"
        )
    return lines


def check_range(conn: sqlite3.Connection, low: str | None, high: str | None) -> Part:
    """The first pass over the cases with LOW <= case_ref < HIGH (None: no bound) and their entries,
    side by side in case_ref order, in one read transaction."""
    part = Part()
    conn.execute("BEGIN")
    try:
        entries = _by_case(conn, low, high)
        pending = next(entries, None)
        for case_id, ref, shared, shape in replay_shape.stored_shapes(conn, low, high):
            while pending is not None and pending[0] < ref:
                _note_deleted(part.deleted, *pending)
                pending = next(entries, None)
            if pending is None or pending[0] != ref:
                part.unaudited.add(ref)
                continue
            replayed = _replay_case(pending[1]).tree
            pending = next(entries, None)
            if shared:  # its person is compared in the second pass; here only whose it is
                replayed = replay_shape.person_ref_only(replayed)
            if replay_shape.stripped(replayed) == shape or replay_shape.canonical(replayed) == shape:
                continue
            fields = _differing_fields(conn, case_id, replayed, shared)
            if fields:
                part.found.add(ref, fields)
        while pending is not None:
            _note_deleted(part.deleted, *pending)
            pending = next(entries, None)
    finally:
        conn.execute("COMMIT")
    return part


def _differing_fields(conn: sqlite3.Connection, case_id: int, replayed: dict[str, Any], shared: bool) -> list[str]:
    """The paths of a case that differs from its replay, from its whole stored record."""
    stored = next(case_store.load_cases_by_id(conn, [case_id]), None)
    if stored is None:  # its person's row is missing (the foreign key check reports it)
        return ["person"]
    record = dict(stored.record)
    if shared:
        record = replay_shape.person_ref_only(record)
    return differing(replayed, record)


_SHARED_PEOPLE = "SELECT person_id FROM safeguarding_case GROUP BY person_id HAVING count(*) > 1"


def _note_deleted(deleted: _Refs, ref: str, entries: list[Entry]) -> None:
    """A case in the trail but not stored is deleted behind msp's back, unless its last word was
    msp discarding it (an unfinished case)."""
    if entries[-1][0] != "case.discard":
        deleted.add(ref)


def _by_case(conn: sqlite3.Connection, low: str | None, high: str | None) -> Iterator[tuple[str, list[Entry]]]:
    """The entries of one case at a time, of the cases with LOW <= case_ref < HIGH, by case_ref."""
    ref, group = "", list[Entry]()
    for entry in _case_entries(conn, low, high):
        if entry[1] != ref:
            if group:
                yield ref, group
            ref, group = entry[1], []
        group.append(entry)
    if group:
        yield ref, group


def _replay_case(entries: Iterable[Entry]) -> _Case:
    state = _Case()
    for action, _, changes in entries:
        if action == "case.discard":  # an unfinished case deleted through msp, with its entry
            state = _Case()
            continue
        tree = state.tree
        was_concluded = tree.get("concluded") is not None
        _apply(tree, changes)
        concluded = tree.get("concluded") is not None
        if action == "case.reopen":  # the closure is set aside: its judgements and responses used with it
            for outcome in tree.get("desired_outcomes") or []:
                if isinstance(outcome, dict):
                    outcome["achieved"] = None
            tree["responses"] = list(state.responses["planned"])
        elif "responses" in changes or concluded != was_concluded:
            state.responses["used" if concluded else "planned"] = list(tree.get("responses") or [])
    return state


def _apply(tree: dict[str, Any], changes: dict[str, Any], *, only_person: bool = False) -> None:
    if not only_person and changes.keys() <= _TOP_KEYS:  # whole top-level values (a new case's entry), at once
        tree.update({path: pair[1] for path, pair in changes.items() if isinstance(pair, list) and len(pair) == 2})
        return
    for path, pair in changes.items():
        if only_person and not (path == "person" or path.startswith("person.")):
            continue
        if isinstance(pair, list) and len(pair) == 2:
            _set(tree, path, pair[1])  # parsed afresh for this entry: nothing else holds it


def shared_people(conn: sqlite3.Connection, low: int | None, high: int | None) -> list[PersonFinding]:
    """The second pass over the people with LOW <= id < HIGH (None: no bound), in one read transaction."""
    conn.execute("BEGIN")
    try:
        return list(_shared_people_differing(conn, low, high))
    finally:
        conn.execute("COMMIT")


def _shared_people_differing(conn: sqlite3.Connection, low: int | None, high: int | None) -> Iterator[PersonFinding]:
    """(the cases, the differing person fields) of each person shared by cases whose stored values
    the entries of all their cases, in the trail's order, do not explain."""
    where, params = replay_shape.key_range("c.person_id", low, high)
    cursor = conn.execute(
        "SELECT c.person_id, a.row_key, a.changes FROM safeguarding_case c"  # noqa: S608 (fixed names)
        f" JOIN audit_log a ON a.row_key = c.case_ref AND a.table_name IN ({_MARKS})"
        f" WHERE c.person_id IN ({_SHARED_PEOPLE}) AND {where} ORDER BY c.person_id, a.id",
        (*CASE_ENTRY_TABLES, *params),
    )
    for person_id, rows in groupby(cursor, key=lambda row: row[0]):
        tree: dict[str, Any] = {}
        refs: dict[str, None] = {}
        for _, ref, text in rows:
            refs[str(ref)] = None
            _apply(tree, _parsed(text), only_person=True)
        row = conn.execute("SELECT * FROM person WHERE id = ?", (person_id,))
        names = [d[0] for d in row.description]
        stored = dict(zip(names, row.fetchone() or (), strict=False))
        fields = differing({"person": tree.get("person")}, {"person": rowmap.from_row("person", "person", stored)})
        if fields:
            yield list(refs), fields


def differing(replayed: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """The paths whose values differ; absent, null and [] count as the same.

    Whole top-level values are compared first (one comparison in C), and only those that
    differ are taken apart path by path."""
    paths = []
    for key in list(record) + [k for k in replayed if k not in record]:
        a, b = replayed.get(key), record.get(key)
        if key in replay_shape.HISTORY_KEYS or pruned(compared(key, a)) == pruned(compared(key, b)):
            continue
        before, after = audit_mod.flatten(a, key), audit_mod.flatten(b, key)
        paths += [
            path
            for path in list(after) + [p for p in before if p not in after]
            if not NOT_COMPARED.match(path) and _value(before.get(path)) != _value(after.get(path))
        ]
    return paths


def _value(value: Any) -> Any:
    return None if value in (None, [], {}) else value


def _parsed(text: str | None) -> dict[str, Any]:
    try:
        changes = json.loads(text) if text else {}
    except ValueError:
        changes = {}  # an unreadable entry is the chain check's to report
    return changes if isinstance(changes, dict) else {}


def _case_entries(conn: sqlite3.Connection, low: str | None, high: str | None) -> Iterator[Entry]:
    """The case entries with LOW <= row_key < HIGH, by row_key and then in the trail's order."""
    where, params = replay_shape.key_range("row_key", low, high)
    cursor = conn.execute(
        f"SELECT action, row_key, changes FROM audit_log WHERE table_name IN ({_MARKS})"  # noqa: S608 (fixed names)
        f" AND row_key IS NOT NULL AND {where} ORDER BY row_key, id",
        (*CASE_ENTRY_TABLES, *params),
    )
    for action, ref, text in cursor:
        yield str(action), str(ref), _parsed(text)


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted path with [n] list steps, making what is missing on the way."""
    steps = _steps(path)
    node: Any = tree
    for step, following in zip(steps, steps[1:], strict=False):
        child_default: Any = [] if isinstance(following, int) else {}
        node = _child(node, step, child_default)
        if node is None:
            return
    _put(node, steps[-1], value)


@functools.lru_cache(maxsize=4096)  # the same paths come in every case's entries
def _steps(path: str) -> tuple[str | int, ...]:
    return tuple(name if name else int(index) for name, index in _STEP.findall(path))


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
