"""What the rest of msp needs from a database, whatever keeps it.

`Storage` is the door: commands, the wizard, imports, exports and reports ask it, and never
see a connection or SQL. The SQLite implementation is msp_cli.storage.sqlite.store.Store; a
server backend is another class with these methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from msp_cli.record import Case, Feedback, Meeting, Person
from msp_cli.rules import Rule

if TYPE_CHECKING:
    from msp_cli.reports.period import Period


@dataclass(frozen=True)
class StoredCase:
    case_id: int
    record: Case
    draft_step: int | None


@dataclass(frozen=True)
class CaseHistory:
    """What a case has been through beyond its current record: reviews, closures, rewordings."""

    reviews: list[dict[str, Any]]
    closures: list[dict[str, Any]]
    earlier_wording: list[dict[str, Any]]
    source: tuple[str, str] | None = None  # (extract file name, date imported) for `msp import --map`
    corrections: list[dict[str, Any]] = field(default_factory=list)  # `msp case edit`: when, who, old/new, why

    def latest_progress(self) -> dict[int, str]:
        """Each desired outcome's progress at its latest review, by position."""
        progress: dict[int, str] = {}
        for review in self.reviews:
            for item in review["outcomes"]:
                progress[item["position"]] = item["progress"]
        return progress


@dataclass(frozen=True)
class Scope:
    """Which cases a report counts: a period, and optionally one team, worker or source extract."""

    period: Period
    team: str | None = None
    worker: str | None = None
    source: str | None = None  # the file name of the extract the cases were imported from


class Audit(Protocol):
    """The audit writer of one open transaction."""

    def append(
        self,
        action: str,
        *,
        table: str | None = None,
        row_key: str | None = None,
        changes: dict[str, Any] | None = None,
        defer: bool = False,
    ) -> None: ...


class CaseWriter(Protocol):
    """Many new cases in one transaction (import, demo)."""

    def add(self, record: Case, *, draft_step: int | None = None) -> None: ...

    def add_made(self, batch: Any, index: int) -> None:
        """Case INDEX of BATCH (storage's NewCases, made in an import's worker process), accepted."""

    def flush(self) -> None: ...


class Storage(Protocol):
    path: Path
    actor: Any  # who is making changes (recorded in the audit trail)
    warnings: list[str]
    passphrase: str | None  # an encrypted database's, kept only to make encrypted backups

    @property
    def encrypted(self) -> bool: ...

    # transactions and settings
    def write(self) -> AbstractContextManager[Any]: ...
    def audited(self, action: str, changes: dict[str, list[Any]]) -> AbstractContextManager[dict[str, list[Any]]]:
        """Audit an action outside the database before it starts, then with how it ended."""
        ...

    def setting(self, key: str) -> str | None: ...
    def set_setting(self, audit: Any, key: str, value: str, *, secret: bool = False) -> None: ...
    def is_demo(self) -> bool: ...
    def close(self) -> None: ...

    # cases
    def load_case(self, case_ref: str) -> StoredCase | None: ...
    def case_exists(self, case_ref: str) -> bool: ...
    def save_case(
        self,
        audit: Any,
        record: Case,
        *,
        draft_step: int | None = None,
        action: str | None = None,
        correction: str | None = None,
    ) -> str: ...
    def discard_draft(self, audit: Any, stored: StoredCase, reason: str) -> None: ...
    def case_writer(self, audit: Any, *, action: str, source: tuple[str, str] | None = None) -> CaseWriter: ...
    def load_person(self, ref: str) -> Person | None: ...
    def earlier_cases(self, person_ref: str) -> list[tuple[str, str | None, str | None]]: ...
    def count_case_refs_with_prefix(self, prefix: str) -> int: ...
    def load_history(self, case_id: int) -> CaseHistory: ...
    def list_cases(self, **filters: Any) -> list[dict[str, Any]]: ...
    def iter_cases(
        self, *, period: tuple[str, str] | None, team: str | None, worker: str | None
    ) -> Iterator[StoredCase]: ...
    def count_cases_matching(self, *, period: tuple[str, str] | None, team: str | None, worker: str | None) -> int: ...

    # pseudonymised exports: the small-groups check, names to remove
    def iter_people_in_groups(
        self, *, period: tuple[str, str] | None, team: str | None, worker: str | None
    ) -> Iterator[tuple[int, str | None, str | None, str | None, str | None, str | None]]: ...
    def recorded_names(self) -> Iterator[str]: ...
    def count_people(self) -> int: ...
    def count_cases(self) -> int: ...
    def count_drafts(self) -> int: ...
    def add_review(self, audit: Any, stored: StoredCase, review: dict[str, Any]) -> None: ...
    def add_meeting(self, audit: Any, stored: StoredCase, meeting: Meeting) -> None: ...
    def add_feedback(self, audit: Any, stored: StoredCase, feedback: Feedback) -> None: ...
    def reopen(self, audit: Any, stored: StoredCase, reason: str) -> None: ...

    def case_refs_where(self, rule: Rule) -> set[str]: ...

    # reports, the worklist and the audit trail
    def report(self, name: str, scope: Scope, *extra: Any) -> Any: ...
    def worklist(
        self,
        *,
        today: dt.date,
        days: int,
        worker: str | None,
        team: str | None,
        case_ref: str | None = None,
        source: str | None = None,
    ) -> list[dict[str, str | None]]: ...
    def history(self, *, row_key: str | None, limit: int) -> list[dict[str, Any]]: ...

    # keeping it safe
    def problems(self, *, against: Path | None = None) -> list[str]: ...
    def summary(self) -> str: ...
    def backup(self, target: Path, *, force: bool) -> None: ...
    def rekey(self, new_passphrase: str) -> None: ...
