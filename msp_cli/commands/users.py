"""`msp user add|list|remove`: who may use a server database, in which role and team(s)."""

from __future__ import annotations

import sys

import typer

from msp_cli.context import AppState
from msp_cli.errors import MspError, UsageProblem
from msp_cli.ui import interactive, say

user_app = typer.Typer(help="Who may use a server database: logins, their role and team (server only).")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")


def _admin(state: AppState) -> object:
    if state.server_url() is None:
        raise MspError("msp user is for a database on a server (--db postgresql://...); a file has one user.")
    return state.open()


def _password(from_stdin: bool) -> str | None:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UsageProblem("--password-stdin read an empty line; give the password on standard input.")
        return line
    if not interactive():
        return None
    import getpass

    first = getpass.getpass("Password for the new login: ")
    if first != getpass.getpass("The same password again: "):
        raise UsageProblem("The two passwords differ; nothing was changed.")
    return first or None


@user_app.command("add")
def add(
    ctx: typer.Context,
    login: str = typer.Argument(..., help="The login (a PostgreSQL role), created if it does not exist."),
    team: list[str] = typer.Option(..., "--team", help="A team whose cases this login works on (repeat for more)."),
    role: str = typer.Option(..., "--role", help="worker, manager or auditor."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read a new login's password from stdin."),
) -> None:
    """Let LOGIN use msp on this server, in ROLE, for TEAM (creating the login if it is new)."""
    from msp_cli.storage import server_users

    state: AppState = ctx.obj
    store = _admin(state)
    users = server_users()
    exists = any(u["login"] == login for u in users.list_users(store))
    password = None if exists and not password_stdin else _password(password_stdin)
    created = users.add_user(store, login, teams=team, role=role, password=password)
    made = "created the login and " if created else ""
    say(f"{login}: {made}role {role}, team {', '.join(team)}.")


@user_app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every login with an msp role on this server, its role and teams."""
    from msp_cli.storage import server_users

    state: AppState = ctx.obj
    for user in server_users().list_users(_admin(state)):
        typer.echo(f"{user['login']}\t{user['role']}\t{', '.join(user['teams'])}")  # tab-separated, for programs too


@user_app.command("remove")
def remove(ctx: typer.Context, login: str = typer.Argument(..., help="The login to take msp access from.")) -> None:
    """Take LOGIN's msp role and teams away (the PostgreSQL login itself is kept)."""
    from msp_cli.storage import server_users

    state: AppState = ctx.obj
    server_users().remove_user(_admin(state), login)
    say(f"{login} no longer has msp access on this server (the login itself is kept).")
