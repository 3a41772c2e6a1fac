"""msp_cli.rules compiled to SQL conditions: the SQL twin of each rule, never typed twice.

Aliases: c the case, cl its current closure (LEFT JOINed: NULL while open), p the person.
"""

from __future__ import annotations

from msp_cli.record.fields import GROUPS, Kind, field
from msp_cli.rules import All, Condition, Rule

ALIASES = {"safeguarding_case": "c", "closure": "cl", "person": "p"}


def _quoted(labels: tuple[str, ...]) -> str:
    return ", ".join("'" + label.replace("'", "''") + "'" for label in labels)


def condition(rule: Rule) -> str:
    """An SQL condition on c, cl and p that holds exactly where RULE holds."""
    if isinstance(rule, All):
        return "(" + " AND ".join(condition(part) for part in rule.parts) + ")"
    return _one(rule)


def _one(rule: Condition) -> str:
    f = field(rule.field)
    if rule.op == "empty":
        assert f.kind is Kind.LIST and f.sub is not None
        table = GROUPS[f.sub].table
        return f"NOT EXISTS (SELECT 1 FROM {table} x WHERE x.case_id = c.id)"
    assert f.table is not None
    column = f"{ALIASES[f.table]}.{f.column}"
    if rule.op == "in":
        return f"{column} IN ({_quoted(rule.labels)})"
    return f"{column} IS NULL" if rule.op == "is_null" else f"{column} IS NOT NULL"
