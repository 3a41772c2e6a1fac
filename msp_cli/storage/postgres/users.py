"""`msp user`: the logins of a server database, their msp role and their teams.

Run by the administrator (a login that may create roles). A login is a PostgreSQL role; its
msp role is membership of msp_worker, msp_manager or msp_auditor; its teams are rows of
msp_team_member. The password is sent to the server already hashed (SCRAM, by libpq), so it
never appears in a statement, the server's log or a message.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from msp_cli.errors import MspError
from msp_cli.storage.postgres.store import ROLES, ServerStore


def _check_admin(store: ServerStore) -> None:
    if store.role is not None:
        raise MspError(
            f"Only the administrator (the owner of the msp database) manages users; {store.actor.worker} is a"
            f" {store.role}."
        )


def add_user(store: ServerStore, login: str, *, teams: list[str], role: str, password: str | None) -> bool:
    """Create LOGIN if new (with PASSWORD), give it ROLE and TEAMS; True if the login was created."""
    _check_admin(store)
    if role not in ROLES:
        raise MspError(f"Unknown role {role!r}: use worker, manager or auditor.")
    raw = store.server.raw
    with store.write() as audit:  # one transaction: the login, its role, its teams and the audit entry
        created = raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone() is None
        if created:
            if password is None:
                raise MspError(f"{login} is a new login and needs a password: type it, or give --password-stdin.")
            hashed = raw.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode()
            raw.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(login), sql.Literal(hashed)))
        for other in ROLES:
            if other != role:
                raw.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(f"msp_{other}"), sql.Identifier(login)))
        raw.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(f"msp_{role}"), sql.Identifier(login)))
        for team in teams:
            raw.execute(
                "INSERT INTO msp_team_member (login, team) VALUES (%s, %s) ON CONFLICT DO NOTHING", (login, team)
            )
        changes = {"role": [None, role], "teams": [None, teams], "login_created": [None, created]}
        audit.append("user.add", table="msp_team_member", row_key=login, changes=changes)
    return created


def list_users(store: ServerStore) -> list[dict[str, Any]]:
    """Every login with an msp role and a team in this database: its role and teams, by login.

    Roles belong to the whole server, teams to one database: a login of another msp database is not listed.
    """
    rows = store.server.raw.execute(
        "SELECT r.rolname, g.rolname, coalesce((SELECT array_agg(t.team ORDER BY t.team) FROM msp_team_member t"
        " WHERE t.login = r.rolname), '{}')"
        " FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid"
        " WHERE g.rolname IN ('msp_worker', 'msp_manager', 'msp_auditor')"
        ' AND EXISTS (SELECT 1 FROM msp_team_member t WHERE t.login = r.rolname) ORDER BY r.rolname COLLATE "C"'
    ).fetchall()
    return [{"login": login, "role": group.removeprefix("msp_"), "teams": list(teams)} for login, group, teams in rows]


def remove_user(store: ServerStore, login: str) -> None:
    """Take LOGIN's msp role (server-wide: roles are) and its teams here away; the login itself stays."""
    _check_admin(store)
    raw = store.server.raw
    if not any(u["login"] == login for u in list_users(store)):
        raise MspError(f"{login} has no msp role on this server; see msp user list.")
    with store.write() as audit:
        for role in ROLES:
            raw.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(f"msp_{role}"), sql.Identifier(login)))
        raw.execute("DELETE FROM msp_team_member WHERE login = %s", (login,))
        audit.append("user.remove", table="msp_team_member", row_key=login, changes={"login": [login, None]})
