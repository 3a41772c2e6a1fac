"""The small-groups check: who could be singled out by age band, sex, ethnicity, support reason and team.

A combination of these five with fewer than 5 people lets anyone who knows one of them find
their row. The check counts people (not cases) in each combination among the cases being
exported, names the small combinations and never a person; `--coarsen` merges the smallest
category found in a small combination, one at a time, until none is left under 5: an age band
with its smaller neighbour (85-94 and 95+ read 85+; an unknown age joins the smallest group
and reads "95+ or Not Known"); any other label into its column's one merged group,
which reads "A or B" while it holds two labels and "Other (merged)" once it holds more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from msp_cli import vocab

FEWEST = 5  # combinations with fewer people than this are small
DIMENSIONS = ("age band", "sex", "ethnicity", "primary support reason", "team")
PERSON_KEYS = ("age_band", "sex", "ethnicity", "primary_support_reason")  # the first four, in case.person
MERGED = "Other (merged)"
NOT_RECORDED = "Not recorded"
AGE, TEAM = 0, 4
BANDS = tuple(band for band in vocab.AGE_BAND if band[0].isdigit())  # in order: neighbours merge into a range

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
    """For each dimension, each merged label and the group it now reads as (an age range, or the merged group)."""

    groups: tuple[dict[str, str], ...] = field(default_factory=lambda: tuple({} for _ in DIMENSIONS))
    merged: list[str | None] = field(default_factory=lambda: [None for _ in DIMENSIONS])  # each column's group

    def label(self, dimension: int, value: str | None) -> str:
        label = _label(value)
        return self.groups[dimension].get(label, label)

    def members(self, dimension: int, label: str) -> set[str]:
        """The labels as recorded that LABEL (a group, or a label not merged) stands for."""
        return {m for m, group in self.groups[dimension].items() if group == label} or {label}

    def merge(self, dimension: int, a: str, b: str) -> None:
        members = self.members(dimension, a) | self.members(dimension, b)
        if dimension == AGE:
            places = [BANDS.index(m) for m in members if m in BANDS]
            if places:  # the bands between have nobody (neighbours merge): the range spans them
                members |= set(BANDS[min(places) : max(places) + 1])
            name = _age_name(members)
        else:
            members |= self.members(dimension, self.merged[dimension] or a)  # one merged group a column
            name = f"{' or '.join(sorted(members))}" if len(members) == 2 else MERGED
            self.merged[dimension] = name
        for member in members:
            self.groups[dimension][member] = name

    def combinations(self, profile: tuple[Combination, frozenset[str]]) -> set[Combination]:
        attributes, teams = profile
        coarse = tuple(self.label(d, v) for d, v in enumerate(attributes))
        return {(*coarse, self.label(TEAM, team)) for team in teams}

    def counts(self, found: Profiles) -> Counter[Combination]:
        people: Counter[Combination] = Counter()
        for profile, n in found.items():
            for combination in self.combinations(profile):
                people[combination] += n
        return people

    def apply(self, record: dict[str, Any]) -> None:
        """The record's labels, in place, as merged (a merged label that was not recorded reads as its group)."""
        person = record.get("person") or {}
        for d, key in enumerate(PERSON_KEYS):
            if key in person and _label(person[key]) in self.groups[d]:
                person[key] = self.label(d, person[key])
        if _label(record.get("team")) in self.groups[TEAM]:
            record["team"] = self.label(TEAM, record.get("team"))

    def describe(self) -> list[str]:
        lines = []
        for d, groups in enumerate(self.groups):
            for group in sorted(set(groups.values())):
                held = sorted(m for m, g in groups.items() if g == group)
                what = "merged" if group == " or ".join(held) else f"holds {', '.join(held)}"
                lines.append(f"{DIMENSIONS[d].capitalize()}: {group} {what}.")
        return lines


def _age_name(members: set[str]) -> str:
    """Neighbouring age bands as one range ("85-94" and "95+" read "85+"), then any unknown ("85+ or Not Known")."""
    places = sorted(BANDS.index(m) for m in members if m in BANDS)
    names = sorted(members - set(BANDS))
    if places:
        low, high = BANDS[places[0]].rstrip("+").split("-")[0], BANDS[places[-1]]
        names.insert(0, f"{low}+" if high.endswith("+") else f"{low}-{high.split('-')[1]}")
    return " or ".join(names)


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
                partner = _partner(sizes, merges, d, label)
                if partner is not None:
                    options.append((sizes[(d, label)], d, label, partner))
        if not options:
            return merges, remaining
        _, d, label, partner = min(options)
        merges.merge(d, label, partner)
    return merges, []


def _sizes(found: Profiles, merges: Merges) -> Counter[tuple[int, str]]:
    """People in each (dimension, label) as merged so far."""
    sizes: Counter[tuple[int, str]] = Counter()
    for profile, n in found.items():
        attributes, teams = profile
        for d, value in enumerate(attributes):
            sizes[(d, merges.label(d, value))] += n
        for team in {merges.label(TEAM, t) for t in teams}:
            sizes[(TEAM, team)] += n
    return sizes


def _partner(sizes: Counter[tuple[int, str]], merges: Merges, dimension: int, label: str) -> str | None:
    """What LABEL would merge with: for age bands, the smaller of the nearest bands with people on
    either side, and for an unknown age another unknown; otherwise the column's merged group if it
    has one; else the column's smallest other category."""
    if dimension == AGE:
        return _age_partner(sizes, merges, label)
    merged = merges.merged[dimension]
    if merged is not None and label != merged:
        return merged
    others = sorted((n, other) for (d, other), n in sizes.items() if d == dimension and other not in (label, merged))
    return others[0][1] if others else None


def _age_partner(sizes: Counter[tuple[int, str]], merges: Merges, label: str) -> str | None:
    groups = {g: n for (d, g), n in sizes.items() if d == AGE and g != label}
    places = [BANDS.index(m) for m in merges.members(AGE, label) if m in BANDS]
    if places:
        below = [merges.label(AGE, b) for b in reversed(BANDS[: min(places)])]
        above = [merges.label(AGE, b) for b in BANDS[max(places) + 1 :]]
        nearest = [next((g for g in side if g in groups), None) for side in (below, above)]
        candidates = [g for g in nearest if g is not None]
    else:
        candidates = [g for g in groups if not merges.members(AGE, g) <= set(BANDS)]  # another unknown
    return min(candidates or groups, key=lambda g: (groups[g], g), default=None)


def describe(combination: Combination) -> str:
    return " | ".join(combination)
