"""The small-groups check: who could be singled out by age band, sex, ethnicity, support reason and team.

A combination of these five with fewer than 5 people lets anyone who knows one of them find
their row. The check counts people (not cases) in each combination among the cases being
exported, names the small combinations and never a person; `--coarsen` merges the smallest
categories, one at a time, into "Other (merged)" until none is left under 5.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

FEWEST = 5  # combinations with fewer people than this are small
DIMENSIONS = ("age band", "sex", "ethnicity", "primary support reason", "team")
PERSON_KEYS = ("age_band", "sex", "ethnicity", "primary_support_reason")  # the first four, in case.person
MERGED = "Other (merged)"
NOT_RECORDED = "Not recorded"

Combination = tuple[str, ...]  # one label for each of DIMENSIONS
# people with the same four attributes and the same set of teams: (attributes, teams) -> how many
Profiles = Counter[tuple[Combination, frozenset[str]]]


def profiles(rows: Iterable[tuple[Any, ...]]) -> Profiles:
    """Rows of (person id, age band, sex, ethnicity, support reason, team), in person order, as profiles.

    A person with cases in two teams is in a combination of each, but counted once in a merged team.
    """
    found: Profiles = Counter()
    current: Any = object()
    attributes: Combination = ()
    teams: set[str] = set()
    for person_id, *values in rows:
        if person_id != current:
            if teams:
                found[(attributes, frozenset(teams))] += 1
            current, attributes, teams = person_id, tuple(_label(v) for v in values[:4]), set()
        teams.add(_label(values[4]))
    if teams:
        found[(attributes, frozenset(teams))] += 1
    return found


def _label(value: str | None) -> str:
    return NOT_RECORDED if value is None else value


@dataclass
class Merges:
    """For each dimension, the labels merged into MERGED."""

    merged: tuple[set[str], ...] = field(default_factory=lambda: tuple(set() for _ in DIMENSIONS))

    def label(self, dimension: int, value: str | None) -> str:
        label = _label(value)
        return MERGED if label in self.merged[dimension] else label

    def combinations(self, profile: tuple[Combination, frozenset[str]]) -> set[Combination]:
        attributes, teams = profile
        coarse = tuple(self.label(d, v) for d, v in enumerate(attributes))
        return {(*coarse, self.label(4, team)) for team in teams}

    def counts(self, found: Profiles) -> Counter[Combination]:
        people: Counter[Combination] = Counter()
        for profile, n in found.items():
            for combination in self.combinations(profile):
                people[combination] += n
        return people

    def apply(self, record: dict[str, Any]) -> None:
        """The record's labels, in place, as merged (a merged label that was not recorded becomes MERGED)."""
        person = record.get("person") or {}
        for d, key in enumerate(PERSON_KEYS):
            if key in person and _label(person[key]) in self.merged[d]:
                person[key] = MERGED
        if _label(record.get("team")) in self.merged[4]:
            record["team"] = MERGED

    def describe(self) -> list[str]:
        return [
            f"{DIMENSIONS[d].capitalize()}: {MERGED} holds {', '.join(sorted(labels))}."
            for d, labels in enumerate(self.merged)
            if labels
        ]


def small(found: Profiles, merges: Merges | None = None) -> list[Combination]:
    """The combinations with fewer than FEWEST people, in label order."""
    counts = (merges or Merges()).counts(found)
    return sorted(c for c, n in counts.items() if n < FEWEST)


def coarsen(found: Profiles) -> tuple[Merges, list[Combination]]:
    """Merge the smallest category found in a small combination with its partner, until no combination is small.

    Returns the merges, and the combinations still small (only when fewer than 5 people match in all).
    """
    merges = Merges()
    while remaining := small(found, merges):
        sizes = _sizes(found, merges)
        options = []
        for combination in remaining:
            for d, label in enumerate(combination):
                partner = _partner(sizes, d, label)
                if partner is not None:
                    options.append((sizes[(d, label)], d, label, partner))
        if not options:
            return merges, remaining
        _, d, label, partner = min(options)
        merges.merged[d].update({label, partner} - {MERGED})
    return merges, []


def _sizes(found: Profiles, merges: Merges) -> Counter[tuple[int, str]]:
    """People in each (dimension, label) as merged so far."""
    sizes: Counter[tuple[int, str]] = Counter()
    for profile, n in found.items():
        attributes, teams = profile
        for d, value in enumerate(attributes):
            sizes[(d, merges.label(d, value))] += n
        for team in {merges.label(4, t) for t in teams}:
            sizes[(4, team)] += n
    return sizes


def _partner(sizes: Counter[tuple[int, str]], dimension: int, label: str) -> str | None:
    """What LABEL would merge with: the column's merged group if it has one, else its smallest other category."""
    if label != MERGED and (dimension, MERGED) in sizes:
        return MERGED
    others = sorted((n, other) for (d, other), n in sizes.items() if d == dimension and other not in (label, MERGED))
    return others[0][1] if others else None


def describe(combination: Combination) -> str:
    return " | ".join(combination)
