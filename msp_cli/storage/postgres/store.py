"""msp on a PostgreSQL server: the SQLite Store's methods, over a server connection.

The case store, bulk writer, reports, worklist and audit trail are the SQLite backend's own
modules, speaking through ServerConnection (connection.py); what differs on a server is here:
- who is recorded is the login (session_user), never a name given with --worker;
- every write transaction takes one advisory lock first, so audit entries chain one after
  another (no forks) however many people save at once;
- ids come from the tables' sequences, not max(id), which row-level security would hide;
- what the server refuses (row-level security, grants) is said in one line, nothing saved.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import psycopg
from psycopg import errors as pg_errors

from msp_cli.errors import DatabaseProblem, MspError
from msp_cli.location import redacted
from msp_cli.record import Feedback, Meeting
from msp_cli.storage.interface import Scope, StoredCase
from msp_cli.storage.postgres import migrations
from msp_cli.storage.postgres.connection import ServerConnection
from msp_cli.storage.sqlite import audit as audit_mod
from msp_cli.storage.sqlite.audit import Actor, AuditWriter
from msp_cli.storage.sqlite.store import Store

if TYPE_CHECKING:
    from msp_cli.storage.sqlite.bulk import BulkWriter

WRITE_LOCK = 0x6D737077  # the advisory lock every write transaction holds: one audit chain, no forks
ROLES = ("manager", "worker", "auditor")  # a login in two groups is taken as the first
AUDITOR_CANNOT_READ = ("name",)  # who the person is (the column grants of security.sql)


class ServerAuditWriter(AuditWriter):
    """Chains onto the newest entry, which msp_audit_head() shows to every login (it holds no case data)."""

    def head(self) -> Any:
        return self.conn.execute("SELECT id, hash FROM msp_audit_head()").fetchone()


@dataclass
class ServerStore(Store):
    location: str = ""  # the URL, without any password
    created: bool = False  # made by this open (msp init)
    role: str | None = None  # worker, manager, auditor, or None for the owner
    opened: dict[str, int] = field(default_factory=dict)  # case_ref -> its newest audit entry when read
    bulk_written: bool = False  # this transaction adds cases in bulk

    @property
    def server(self) -> ServerConnection:
        return cast(ServerConnection, self.conn)

    @property
    def encrypted(self) -> bool:
        return False

    @contextlib.contextmanager
    def write(self) -> Iterator[AuditWriter]:
        """One transaction, its audit entries chained under the write lock; or nothing at all."""
        conn = self.server
        try:
            conn.execute("BEGIN")
            conn.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
            audit = ServerAuditWriter(self.conn, self.actor)
            yield audit
            audit.flush()
            conn.execute("COMMIT")
            if self.bulk_written:  # many new rows (an import): without fresh statistics the planner
                self.bulk_written = False  # may scan a table once a row for the reports that follow
                with contextlib.suppress(psycopg.Error):  # a login that does not own a table is skipped
                    conn.execute("ANALYZE")
        except psycopg.Error as exc:
            self._rollback()
            raise self.refusal(exc) from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.server.in_transaction and not self.server.raw.closed:
            self.server.execute("ROLLBACK")

    def refusal(self, exc: psycopg.Error) -> MspError:
        return explain_server_error(exc, self.location, login=self.actor.worker, role=self.role)

    def setting(self, key: str) -> str | None:
        if key == "worker":  # on a server the worker is the login
            return self.actor.worker
        if key == "team" and self.role is not None:  # a login's own (first) team
            row = self.conn.execute("SELECT (msp_my_teams())[1]").fetchone()
            return None if row is None or row[0] is None else str(row[0])
        return super().setting(key)

    def report(self, name: str, scope: Scope, *extra: Any) -> Any:
        if name == "consented_words" and self.role == "auditor":  # blanking names out needs the names
            raise MspError(
                "People's own words need their names to blank them out, and an auditor's login is never"
                " given names: run the Board report without --with-quotes, or ask a manager to run it."
            )
        return super().report(name, scope, *extra)

    def case_writer(self, audit: AuditWriter, *, action: str, source: tuple[str, str] | None = None) -> BulkWriter:
        from msp_cli.storage.postgres.bulk import SequencedBulkWriter

        self.bulk_written = True  # statistics are refreshed once this transaction commits
        return SequencedBulkWriter(self.conn, audit, action=action, source=source)

    # --- two people on one case: the second save is refused, never written over ------------

    def load_case(self, case_ref: str) -> StoredCase | None:
        from msp_cli.storage.sqlite import case_store

        stored = case_store.load_case(self.conn, case_ref)
        if stored is not None:
            self.opened.setdefault(case_ref, self._newest_entry(case_ref)[0])
        return stored

    def _newest_entry(self, case_ref: str) -> tuple[int, str | None, str | None]:
        row = self.conn.execute(
            "SELECT id, worker, at FROM audit_log WHERE row_key = ? ORDER BY id DESC LIMIT 1", (case_ref,)
        ).fetchone()
        return (0, None, None) if row is None else (int(row[0]), row[1], row[2])

    @contextlib.contextmanager
    def _one_change(self, audit: AuditWriter, case_ref: str) -> Iterator[None]:
        """Refuse a change to CASE_REF if someone else changed it after this msp read it (under the write lock).

        After the change, this msp has seen every entry up to the chain's head (the lock keeps others out).
        """
        if case_ref in self.opened:
            newest, who, when = self._newest_entry(case_ref)
            if newest > self.opened[case_ref]:
                raise MspError(
                    f"{case_ref} was changed by {who} at {str(when)[:16].replace('T', ' ')} UTC since you opened it;"
                    f" nothing was saved. Open it again (msp case show {case_ref}) and make your change to that."
                )
        yield
        self.opened[case_ref] = audit.last_id

    def add_review(self, audit: AuditWriter, stored: StoredCase, review: dict[str, Any]) -> None:
        with self._one_change(audit, stored.record["case_ref"]):
            super().add_review(audit, stored, review)

    def add_meeting(self, audit: AuditWriter, stored: StoredCase, meeting: Meeting) -> None:
        with self._one_change(audit, stored.record["case_ref"]):
            super().add_meeting(audit, stored, meeting)

    def add_feedback(self, audit: AuditWriter, stored: StoredCase, feedback: Feedback) -> None:
        with self._one_change(audit, stored.record["case_ref"]):
            super().add_feedback(audit, stored, feedback)

    def reopen(self, audit: AuditWriter, stored: StoredCase, reason: str) -> None:
        with self._one_change(audit, stored.record["case_ref"]):
            super().reopen(audit, stored, reason)

    def save_case(
        self,
        audit: AuditWriter,
        record: Any,
        *,
        draft_step: int | None = None,
        action: str | None = None,
        correction: str | None = None,
    ) -> str:
        from msp_cli.storage.postgres.bulk import SequencedBulkWriter
        from msp_cli.storage.sqlite import case_store

        with self._one_change(audit, record["case_ref"]):
            if case_store.case_id_for(self.conn, record["case_ref"]) is None:  # new: ids from the sequences
                writer = SequencedBulkWriter(self.conn, audit, action=action or "case.create", batch=1)
                writer.add(record, draft_step=draft_step)
                writer.flush()
                return "created"
            return case_store.save_case(
                self.conn, audit, record, draft_step=draft_step, action=action, correction=correction
            )

    def after_copy(self) -> None:
        """After rows were copied in with their ids: sequences continue after the largest; fresh statistics."""
        from msp_cli.storage.postgres.connection import TABLES_WITH_ID

        for table in sorted(TABLES_WITH_ID):
            self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence(?, 'id'), coalesce(max(id), 0) + 1, false) FROM {table}",  # noqa: S608
                (table,),
            )
        self.conn.execute("ANALYZE")  # the planner's statistics, so reports on the copy are quick at once

    # --- keeping it safe ---------------------------------------------------------------------

    def problems(self, *, against: Path | None = None) -> list[str]:
        if against is not None:
            raise MspError(
                "--against checks a file's trail against its backup; a server's own backups are pg_dump and"
                " point-in-time recovery. Run msp check without it."
            )
        found: list[str] = []
        number = migrations.version(self.server)
        if number != migrations.LATEST:
            found.append(f"schema version {number}, expected {migrations.LATEST}")
        if self.role in (None, "manager", "auditor"):  # a worker sees only part of the trail
            found.extend(f"audit trail: {p}" for p in audit_mod.verify(self.conn))
        return found

    def summary(self) -> str:
        entries = self.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        cases = self.conn.execute("SELECT count(*) FROM safeguarding_case").fetchone()[0]
        chain = (
            f"audit chain ({entries} entries)"
            if self.role != "worker"
            else "audit trail not checked (workers see part of it)"
        )
        return (
            f"ok: {chain}, schema version {migrations.LATEST}; {cases} cases you may see;"
            f" on the server {self.location} as {self.actor.worker} ({self.role or 'owner'})"
        )

    def backup(self, target: Path, *, force: bool) -> None:
        """A checked msp SQLite file of everything on the server (restorable with msp copy)."""
        from msp_cli.storage.copy import copy_database
        from msp_cli.storage.sqlite.store import open_store

        if target.exists() and not force:
            raise MspError(f"{target} already exists; msp will not overwrite it.", hint="Add --force to replace it.")
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            copy = open_store(partial, create=True)
            try:
                copy_database(self, copy, source_label=self.location)
                problems = copy.problems()
            finally:
                copy.close()
            if problems:
                raise MspError(f"The backup did not check out ({problems[0]}); nothing was kept.")
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)

    def rekey(self, new_passphrase: str) -> None:
        raise MspError("A server database has no msp passphrase; the server protects it (TLS, disk encryption).")

    def close(self) -> None:
        if not self.server.raw.closed:
            self.server.close()


def explain_server_error(
    exc: BaseException, location: str, *, login: str | None = None, role: str | None = None
) -> MspError:
    """The server's refusal or failure in one line: what happened and what to do; nothing personal."""
    who = f"your login ({login}, {role or 'owner'})" if login else "your login"
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return MspError(
            f"The server does not let {who} do that, and nothing was saved: a worker changes only their own"
            " team's cases, an auditor changes nothing, and identifiable exports are for managers."
        )
    if isinstance(exc, pg_errors.UniqueViolation):
        constraint = getattr(exc.diag, "constraint_name", None) or ""
        what = {"person_ref_key": "person reference", "safeguarding_case_case_ref_key": "case reference"}.get(
            constraint
        )
        if what:
            return MspError(
                f"That {what} is already used on the server by a case you may not see (another team's);"
                " nothing was saved. Use another reference, or ask a manager."
            )
    if isinstance(exc, pg_errors.CheckViolation | pg_errors.ForeignKeyViolation | pg_errors.NotNullViolation):
        return MspError(f"The server refused the change ({type(exc).__name__}); nothing was saved.")
    if isinstance(exc, psycopg.OperationalError):
        return DatabaseProblem(
            f"Cannot reach the msp database at {location}: check the server is running, the URL, and your"
            " password (PGPASSWORD or ~/.pgpass)."
        )
    return DatabaseProblem(f"The server could not do that ({type(exc).__name__}); nothing was saved.")


def _connect(url: str, *, interactive: bool) -> psycopg.Connection[Any]:
    """Connect as libpq does (PGPASSWORD, ~/.pgpass, PG* variables); ask for a password at a terminal."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=15)
    except psycopg.OperationalError as exc:
        text = str(exc).lower()
        if interactive and ("password" in text and ("no password" in text or "authentication failed" in text)):
            import getpass

            password = getpass.getpass("Password for the msp server: ")
            try:
                return psycopg.connect(url, autocommit=True, connect_timeout=15, password=password)
            except psycopg.OperationalError as again:
                raise explain_server_error(again, redacted(url)) from None
        raise explain_server_error(exc, redacted(url)) from None


def open_server(
    url: str, *, worker: str | None = None, create: bool = False, readonly: bool = False, interactive: bool = False
) -> ServerStore:
    """Open (with create=True: set up) the msp database at URL; refuse anything else with one line."""
    location = redacted(url)
    if worker is not None:
        raise MspError("On a server the audit trail records your login, not a name: leave out --worker and MSP_WORKER.")
    raw = _connect(url, interactive=interactive)
    conn = ServerConnection(raw)
    try:
        session = _session(conn)
        number = session.version
        created = number is None
        if number is None and not create:
            raise MspError(
                f"There is no msp database at {location}.",
                hint=f"Set it up with: msp --db {location} init   (as a login that may create roles)",
            )
        if number is not None and number > migrations.LATEST:
            raise DatabaseProblem(
                f"The server's msp schema is newer (version {number}) than this msp knows ({migrations.LATEST});"
                " upgrade msp."
            )
        if number is None or number < migrations.LATEST:
            if readonly:
                raise DatabaseProblem("The server's msp schema needs upgrading, which a read-only open cannot do.")
            migrations.apply(conn)
            session = _session(conn)  # the tables and roles exist now
        login, role = session.login, session.role()
    except psycopg.Error as exc:
        raw.close()
        raise explain_server_error(exc, location) from None
    except BaseException:
        raw.close()
        raise
    actor = Actor.current(login)
    if role == "auditor":
        conn.masked = AUDITOR_CANNOT_READ
    conn.copy_rows = role is None  # the owner is not under row-level security
    name = Path(raw.info.dbname or "msp")
    return ServerStore(conn=cast(Any, conn), path=name, actor=actor, location=location, created=created, role=role)


# Opening costs two round trips to the server (one when the schema is missing), not one a
# question: over a council's network each one is milliseconds before any report can start.
_OPEN_SESSION = """SET datestyle = ISO; SET jit = off; SELECT
    session_user,
    to_regclass('msp_schema_version') IS NOT NULL,
    (SELECT pg_has_role(session_user, tableowner, 'MEMBER') FROM pg_tables
      WHERE tablename = 'safeguarding_case' AND schemaname = current_schema()),
    ARRAY(SELECT rolname FROM pg_roles WHERE rolname IN ('msp_manager', 'msp_worker', 'msp_auditor')
      AND pg_has_role(session_user, oid, 'MEMBER'))"""
# msp's statements are short: compiling one (JIT) takes longer than running it, and under row-level
# security the planner's costs can pass jit_above_cost (a second lost a report). Dates as ISO text.


@dataclass(frozen=True)
class _Session:
    """Who this login is to msp, and the schema version (None: no msp schema here)."""

    login: str
    version: int | None
    owner: bool  # owns the tables, so is not under row-level security
    groups: tuple[str, ...]  # the msp_* group roles the login is a member of

    def role(self) -> str | None:
        """The login's msp role (None for the owner); a login in two groups is taken as the first of ROLES."""
        if self.owner:
            return None
        for role in ROLES:
            if f"msp_{role}" in self.groups:
                return role
        raise MspError(
            f"The login {self.login} has no msp role on this server.",
            hint="Ask the administrator: msp --db URL user add LOGIN --team TEAM --role worker|manager|auditor",
        )


def _session(conn: ServerConnection) -> _Session:
    """The session set up and described in one round trip (and the schema version in a second)."""
    cursor = conn.raw.execute(_OPEN_SESSION)  # a script without parameters: one simple-protocol message
    for _ in range(2):  # past the two SETs' results to the SELECT's row
        cursor.nextset()
    login, has_versions, owner, groups = cursor.fetchone() or ("", False, False, [])
    session = _Session(str(login), None, bool(owner), tuple(groups or ()))
    if not has_versions:
        return session
    session.role()  # a login with no msp role is told so, before a read it has no grant for
    return dataclasses.replace(session, version=migrations.versioned(conn))
