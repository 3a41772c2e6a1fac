"""A pseudonymised export, planned before anything is written: the small-groups check, the
merges --coarsen makes, the names to take out of free text; then each case shaped by it,
in the order of the case pseudonyms (which says nothing about when a case was recorded)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from msp_cli.export import Pseudonymiser, json_text
from msp_cli.pseudonymised import small_groups
from msp_cli.pseudonymised.names import REPLACEMENT, NameScrubber
from msp_cli.pseudonymised.shape import Shaper
from msp_cli.record import Case
from msp_cli.storage import SortedSpool, Storage

SHOWN = 20  # small combinations listed on screen; the about file lists them all
GROUPS = "age band, sex, ethnicity, primary support reason and team"


@dataclass(frozen=True)
class Selection:
    """Which cases: the same filters as iter_cases."""

    period: tuple[str, str] | None
    team: str | None
    worker: str | None

    def filters(self) -> dict[str, Any]:
        return {"period": self.period, "team": self.team, "worker": self.worker}


@dataclass
class Plan:
    pseudonym: Pseudonymiser
    with_notes: bool
    exact_dates: bool
    coarsen: bool
    merges: small_groups.Merges
    small: list[small_groups.Combination]  # the combinations under 5 people left in the export
    scrubber: NameScrubber | None  # with --with-notes: names recorded in the database

    def __post_init__(self) -> None:
        self.shaper = Shaper(self.pseudonym, self.with_notes, not self.exact_dates, self.scrubber)

    def shape(self, record: Case) -> Case:
        out = self.shaper(cast(dict[str, Any], record))
        self.merges.apply(out)
        return cast(Case, out)

    def check_message(self) -> list[str]:
        """What the small-groups check found, for the person exporting (no person is shown)."""
        lines = [f"Coarsened: {line}" for line in self.merges.describe()]
        if not self.small:
            return [*lines, f"Small groups: none (every combination of {GROUPS} has 5 or more people)."]
        lines.append(self._small_heading())
        lines += [f"  {small_groups.describe(c)}" for c in self.small[:SHOWN]]
        if len(self.small) > SHOWN:
            more = len(self.small) - SHOWN
            lines.append(f"  ... and {more} more (the about file of a csv or xlsx export lists them all).")
        if self.coarsen:
            lines.append("Fewer than 5 people match in all; choose a longer period or more teams.")
        else:
            lines.append("Each can single someone out. --coarsen merges the smallest categories until none is under 5.")
        return lines

    def _small_heading(self) -> str:
        n = len(self.small)
        return (
            f"Small groups: {n} combination{'s' if n != 1 else ''} of {GROUPS}"
            f" {'have' if n != 1 else 'has'} fewer than 5 people{' after coarsening' if self.coarsen else ''}:"
        )

    def about_lines(self) -> list[str]:
        """For the cover sheet or about file, once the cases are written (the count of names is known then)."""
        lines = [
            "Order: cases are in the order of their case pseudonyms, which says nothing about when they were recorded.",
            "Dates: exact (asked for with --dates exact; the reason is in the audit trail)."
            if self.exact_dates
            else "Dates: months (YYYY-MM) only; the days between them are in the days_ columns.",
        ]
        if self.scrubber is not None:
            lines.append(
                f"Names: {self.scrubber.replaced} names or parts of names recorded in this database were replaced"
                f" by {REPLACEMENT} in the free text. Names never recorded in msp may remain: read it before sharing."
            )
        lines += [f"Coarsened: {line}" for line in self.merges.describe()]
        if self.small:
            lines.append(self._small_heading())
            lines += [f"  {small_groups.describe(c)}" for c in self.small]
        else:
            lines.append(f"Small groups: none; every combination of {GROUPS} has 5 or more people.")
        return lines


def make_plan(
    store: Storage,
    pseudonym: Pseudonymiser,
    selection: Selection,
    *,
    with_notes: bool,
    exact_dates: bool,
    coarsen: bool,
) -> Plan:
    found = small_groups.profiles(store.iter_people_in_groups(**selection.filters()))
    if coarsen:
        merges, remaining = small_groups.coarsen(found)
    else:
        merges, remaining = small_groups.Merges(), small_groups.small(found)
    scrubber = NameScrubber(store.recorded_names()) if with_notes else None
    return Plan(pseudonym, with_notes, exact_dates, coarsen, merges, remaining, scrubber)


def in_pseudonym_order(store: Storage, plan: Plan, selection: Selection) -> Iterator[str]:
    """The selected cases shaped by PLAN, as JSON text, in the order of their case pseudonyms.

    Read in the order they are stored (one pass over each table, a chunk of cases at a time) and
    sorted on disk by SortedSpool, not read in pseudonym order (which would jump about the file):
    memory stays flat, and the time grows with the cases.
    """
    with SortedSpool() as spool:
        for stored in store.iter_cases(**selection.filters()):
            shaped = plan.shape(stored.record)
            spool.add(shaped["case_ref"], stored.case_id, json_text(shaped))
        yield from spool.in_order()
