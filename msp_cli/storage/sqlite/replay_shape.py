"""The one shape in which `msp check` compares a replayed case with the stored case.

The shape is a case without what the replay leaves out (the history a record carries, the
review an entry records) and without empty parts (null, [] and {} count as absent): two
cases in this shape are equal exactly when the path-by-path comparison finds nothing.

The stored side is built straight from the rows in this shape, loading only the tables
the comparison reads (no reviews, earlier wordings or reopened closures), so for most
cases one comparison in C settles it; the whole record is loaded only for a case that
differs, to name its fields.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from functools import cache
from typing import Any

from msp_cli.record.fields import Kind
from msp_cli.storage.sqlite import rowmap

# what the comparison leaves out, as whole values: skipped or stripped before comparing
HISTORY_KEYS = frozenset(("reviews", "earlier_closures", "draft_step", "reopen_reason"))
OUTCOME_HISTORY = frozenset(("progress", "person_says", "note", "added", "earlier_wordings"))


def compared(key: str, value: Any) -> Any:
    """VALUE without the parts the comparison leaves out (the review, an outcome's history)."""
    if key == "review" and isinstance(value, dict):
        return None
    if key == "desired_outcomes" and isinstance(value, list):
        return [{k: v for k, v in o.items() if k not in OUTCOME_HISTORY} if isinstance(o, dict) else o for o in value]
    return value


def pruned(value: Any) -> Any:
    """VALUE without its empty parts (null, [], {}), which compare as absent."""
    if isinstance(value, dict):
        kept = {k: pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None} or None
    if isinstance(value, list):
        return [pruned(v) for v in value] or None
    return value


def canonical(tree: dict[str, Any]) -> dict[str, Any]:
    """TREE (a replayed or a loaded case) in the compared shape."""
    out = {}
    for key, value in tree.items():
        if key not in HISTORY_KEYS:
            kept = pruned(compared(key, value))
            if kept is not None:
                out[key] = kept
    return out


def stripped(tree: dict[str, Any]) -> dict[str, Any]:
    """TREE without what the comparison leaves out, not pruned: the cheap first try.

    A replayed case is mostly already without empty parts (a new case's entry leaves them
    out), so this equals the stored shape whenever canonical(TREE) does, bar empty parts;
    equal to a shape that has none, it is that shape (see canonical)."""
    outcomes = tree.get("desired_outcomes")
    if (
        HISTORY_KEYS.isdisjoint(tree)
        and "review" not in tree
        and not (
            isinstance(outcomes, list)
            and any(isinstance(o, dict) and not OUTCOME_HISTORY.isdisjoint(o) for o in outcomes)
        )
    ):
        return tree  # nothing to leave out: compared as it is
    out = {key: value for key, value in tree.items() if key not in HISTORY_KEYS}
    if isinstance(out.get("review"), dict):
        del out["review"]
    outcomes = out.get("desired_outcomes")
    if isinstance(outcomes, list):
        out["desired_outcomes"] = compared("desired_outcomes", outcomes)
    return out


# --- the stored cases in the compared shape ------------------------------------------------


def person_ref_only(tree: dict[str, Any]) -> dict[str, Any]:
    """A case whose person is shared is compared on whose it is; the person in a pass of its own."""
    return {**tree, "person": {"ref": (tree.get("person") or {}).get("ref")}}


class _Plan:
    """Column lists and key maps, worked out once from the field table."""

    def __init__(self) -> None:
        self.case = _part("case", "safeguarding_case")
        self.person = _part("person", "person")
        objects = [(name, _part(name, "safeguarding_case")) for name in ("consent", "capacity", "advocacy")]
        self.outcome = _part("outcome", "desired_outcome")  # `added` is history: left out below
        self.negotiated = _part("negotiated", "desired_outcome")
        self.meeting = _part("meeting", "meeting")
        self.feedback = _part("feedback", "feedback")
        self.closure = _part("case", "closure")
        case_columns = [*self.case.columns, *(c for _, p in objects for c in p.columns)]
        # where each part starts in a case row: id, case_ref, shared?, the case's, the objects', the person's
        self.objects_at = 3 + len(self.case.columns)
        self.objects: list[tuple[str, _Part, int, int]] = []
        at = self.objects_at
        for name, part in objects:
            self.objects.append((name, part, at, at + len(part.columns)))
            at += len(part.columns)
        self.person_at = at
        self.case_sql = (
            "SELECT c.id, c.case_ref, EXISTS (SELECT 1 FROM safeguarding_case o"
            " WHERE o.person_id = c.person_id AND o.id <> c.id), "
            + ", ".join(f"c.{name}" for name in case_columns)
            + ", "
            + ", ".join(f"p.{name}" for name in self.person.columns)
            + " FROM safeguarding_case c LEFT JOIN person p ON p.id = c.person_id"
        )


class _Part:
    """A group's keys and columns in one table, which of them hold booleans, where they start in a row."""

    def __init__(self, keys: tuple[str, ...], columns: tuple[str, ...], bools: tuple[int, ...]) -> None:
        self.keys, self.columns, self.bools = keys, columns, bools

    def shape(self, values: tuple[Any, ...] | list[Any]) -> dict[str, Any]:
        """The group's object from VALUES (in columns' order), without its nulls (as rowmap.from_row reads it)."""
        if self.bools:
            values = list(values)
            for i in self.bools:
                if values[i] is not None:
                    values[i] = bool(values[i])
        return {key: value for key, value in zip(self.keys, values, strict=True) if value is not None}


def _part(group: str, table: str) -> _Part:
    fields = [
        f
        for f in rowmap.stored_fields(group, table)
        if f.column and not (group == "outcome" and f.key in OUTCOME_HISTORY)
    ]
    return _Part(
        tuple(f.key for f in fields),
        tuple(str(f.column) for f in fields),
        tuple(i for i, f in enumerate(fields) if f.kind is Kind.BOOL),
    )


@cache
def _plan() -> _Plan:
    return _Plan()


StoredShape = tuple[int, str, bool, dict[str, Any]]  # (case id, case_ref, person shared?, shape)


def stored_shapes(
    conn: sqlite3.Connection, low: str | None, high: str | None, *, chunk: int = 500
) -> Iterator[StoredShape]:
    """Every stored case with LOW <= case_ref < HIGH (None: no bound), by case_ref, in the compared
    shape; CHUNK cases' child rows at a time, one query a table."""
    plan = _plan()
    where, params = key_range("c.case_ref", low, high)
    cases = conn.execute(f"{plan.case_sql} WHERE {where} ORDER BY c.case_ref", params)  # noqa: S608 (fixed text)
    while rows := cases.fetchmany(chunk):
        children = _Children(conn, [row[0] for row in rows])
        for row in rows:
            yield row[0], str(row[1]), bool(row[2]), _shape(plan, row, children)


def key_range(column: str, low: str | int | None, high: str | int | None) -> tuple[str, tuple[str | int, ...]]:
    """LOW <= COLUMN < HIGH as a fixed fragment and its parameters (a missing bound is left out)."""
    parts: list[str] = ["1 = 1"]
    params: list[str | int] = []
    if low is not None:
        parts.append(f"{column} >= ?")
        params.append(low)
    if high is not None:
        parts.append(f"{column} < ?")
        params.append(high)
    return " AND ".join(parts), tuple(params)


def _shape(plan: _Plan, row: tuple[Any, ...], child: _Children) -> dict[str, Any]:
    """One case in the compared shape: what canonical() makes of the whole loaded record."""
    case_id, shared = row[0], row[2]
    out = {key: value for key, value in zip(plan.case.keys, row[3 : plan.objects_at], strict=True) if value is not None}
    for name, part, start, end in plan.objects:
        obj = part.shape(row[start:end])
        if obj:
            out[name] = obj
    person = plan.person.shape(row[plan.person_at :])
    if shared:
        person = {"ref": person["ref"]} if "ref" in person else {}
    if person:
        out["person"] = person
    closure = child.closures.get(case_id)
    if closure is not None:
        out.update(plan.closure.shape(closure[2:]))
    risk_types = child.risk_types.get(case_id)
    if risk_types:
        out["risk_types"] = risk_types
    staged = child.responses.get(case_id)
    if staged:
        stage = "planned" if closure is None else "used"
        responses = [response for of_stage, response in staged if of_stage == stage]
        if responses:
            out["responses"] = responses
    outcomes = child.outcomes.get(case_id)
    if outcomes:
        achieved = child.achieved.get(closure[0], {}) if closure is not None else {}
        out["desired_outcomes"] = [_outcome(plan, o, achieved) for o in outcomes]
    meetings = child.meetings.get(case_id)
    if meetings:
        out["meetings"] = [_meeting(plan, m, child.attendees.get(m[0])) for m in meetings]
    feedback = child.feedback.get(case_id)
    if feedback:
        out["feedback"] = [plan.feedback.shape(f) or None for f in feedback]
    return out


def _meeting(plan: _Plan, row: tuple[Any, ...], attendees: list[str] | None) -> dict[str, Any] | None:
    """A meeting (id, its columns) and its attendees in the compared shape; None if empty."""
    meeting = plan.meeting.shape(row[1:])
    if attendees:
        meeting["attendees"] = attendees
    return meeting or None


def _outcome(plan: _Plan, row: tuple[Any, ...], achieved: dict[int, Any]) -> dict[str, Any] | None:
    """A desired outcome (id, its columns, the negotiated columns) in the compared shape; None if empty."""
    width = len(plan.outcome.keys)
    outcome = plan.outcome.shape(row[1 : 1 + width])
    negotiated = row[1 + width :]
    if negotiated[0] is not None:  # the negotiated outcome is given by its words
        outcome["negotiated"] = plan.negotiated.shape(negotiated)
    done = achieved.get(row[0])
    if done is not None:
        outcome["achieved"] = done
    return outcome or None


class _Children:
    """The child rows the comparison reads, of a chunk of cases, as tuples by case id."""

    def __init__(self, conn: sqlite3.Connection, case_ids: list[int]) -> None:
        plan = _plan()
        low, high = min(case_ids), max(case_ids)
        if high - low < 2 * len(case_ids):  # ids close together (cases made in order): one walk of an index range
            test, params = " BETWEEN ? AND ?", [low, high]  # other cases' rows come too, and are not looked at
        else:
            test, params = f" IN ({', '.join('?' for _ in case_ids)})", case_ids

        def rows(sql: str) -> sqlite3.Cursor:
            return conn.execute(sql.replace(" IN (:ids)", test), params)

        # the current closure: the first not reopened, as the record reads it
        self.closures: dict[int, tuple[Any, ...]] = {}
        closure_columns = ", ".join(plan.closure.columns)
        for r in rows(
            f"SELECT id, case_id, {closure_columns} FROM closure WHERE case_id IN (:ids)"  # noqa: S608 (fixed names)
            " AND reopened_on IS NULL ORDER BY case_id, id"
        ):
            self.closures.setdefault(r[1], r)
        self.achieved: dict[int, dict[int, Any]] = {}  # closure id -> outcome id -> achieved
        if self.closures:
            for closure_id, outcome_id, value in rows(
                "SELECT co.closure_id, co.outcome_id, co.achieved FROM closure_outcome co"
                " JOIN closure cl ON cl.id = co.closure_id WHERE cl.case_id IN (:ids)"
            ):
                self.achieved.setdefault(closure_id, {})[outcome_id] = value
        self.outcomes = _grouped(
            rows(
                f"SELECT case_id, id, {', '.join((*plan.outcome.columns, *plan.negotiated.columns))}"  # noqa: S608
                " FROM desired_outcome WHERE case_id IN (:ids) ORDER BY case_id, position"
            )
        )
        self.meetings = _grouped(
            rows(
                f"SELECT case_id, id, {', '.join(plan.meeting.columns)} FROM meeting"  # noqa: S608 (fixed names)
                " WHERE case_id IN (:ids) ORDER BY case_id, position"
            )
        )
        self.attendees: dict[int, list[str]] = {}
        if self.meetings:
            for meeting_id, attendee in rows(
                "SELECT a.meeting_id, a.attendee FROM meeting_attendee a JOIN meeting m ON m.id = a.meeting_id"
                " WHERE m.case_id IN (:ids) ORDER BY a.meeting_id, a.rowid"
            ):
                self.attendees.setdefault(meeting_id, []).append(attendee)
        self.feedback = _grouped(
            rows(
                f"SELECT case_id, {', '.join(plan.feedback.columns)} FROM feedback"  # noqa: S608 (fixed names)
                " WHERE case_id IN (:ids) ORDER BY case_id, position"
            )
        )
        self.risk_types: dict[int, list[str]] = {}
        for case_id, risk_type in rows(
            "SELECT case_id, risk_type FROM case_risk_type WHERE case_id IN (:ids) ORDER BY case_id, rowid"
        ):
            self.risk_types.setdefault(case_id, []).append(risk_type)
        self.responses: dict[int, list[tuple[str, str]]] = {}
        for case_id, stage, response in rows(
            "SELECT case_id, stage, response FROM case_response WHERE case_id IN (:ids) ORDER BY case_id, rowid"
        ):
            self.responses.setdefault(case_id, []).append((stage, response))


def _grouped(cursor: sqlite3.Cursor) -> dict[int, list[tuple[Any, ...]]]:
    """Rows whose first column is the case id, by case id, each without it."""
    out: dict[int, list[tuple[Any, ...]]] = {}
    for row in cursor:
        out.setdefault(row[0], []).append(row[1:])
    return out
