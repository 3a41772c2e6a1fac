"""Setting up and looking after the database: init, where, history."""

from __future__ import annotations

import json

import typer

from msp_cli import __version__, ui
from msp_cli.context import AppState
from msp_cli.errors import MspError
from msp_cli.hints import command, no_case_hint
from msp_cli.ui import console, interactive, say


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("where")(where)
    app.command("history")(history)


def init(
    ctx: typer.Context,
    worker: str | None = typer.Option(None, "--worker", help="Your name, as the audit trail shows it."),
    team: str | None = typer.Option(None, "--team", help="Your team, used as the default for new cases."),
    council: str | None = typer.Option(None, "--council", help="The council, as the national return names it."),
    encrypt: bool = typer.Option(
        False, "--encrypt", help="Encrypt the new database with a passphrase (asked for, or MSP_PASSPHRASE)."
    ),
) -> None:
    """Create the database (owner-only), and record who uses it and in which team."""
    state: AppState = ctx.obj
    if state.server_url() is not None:
        _init_server(state, worker=worker, team=team)
        return
    path, why = state.db_path()
    existed = path.exists()
    store = state.open(create=True, encrypt=encrypt)
    worker = worker or state.worker_option
    if worker is None and team is None and interactive() and not existed:
        from msp_cli.prompts import ask_text

        worker = ask_text("Your name (for the audit trail)", required=False) or None
        team = ask_text("Your team (the default for new cases)", required=False) or None
    if worker:
        from msp_cli.storage import Actor

        store.actor = Actor.current(worker)
    with store.write() as audit:
        if not existed:
            audit.append("database.init", changes={"msp_version": [None, __version__]})
            # The key that turns references into pseudonyms in exports; it never leaves this file.
            store.set_setting(audit, "pseudonym_key", _new_pseudonym_key(), secret=True)
        if worker:
            store.set_setting(audit, "worker", worker)
        if team:
            store.set_setting(audit, "team", team)
        if council:
            store.set_setting(audit, "council", council)
    if existed:
        changed = "settings updated" if worker or team or council else "nothing changed"
        say(f"{path} is already an msp database; {changed}.")
    else:
        locked = " It is encrypted: keep the passphrase safe, msp cannot recover it." if store.encrypted else ""
        say(f"Created {path} ({why}); only you can read it.{locked}")
    if worker is None and store.setting("worker") is None:
        say(f"No worker name is set: give one with `{command('init --worker NAME')}` or MSP_WORKER.")


def _new_pseudonym_key() -> str:
    import secrets  # here: the other commands of this module do not need it at start-up

    return secrets.token_hex(32)


def _init_server(state: AppState, *, worker: str | None, team: str | None) -> None:
    """Set up msp on a server: the schema, the three group roles, row-level security."""
    if worker or state.worker():
        raise MspError("On a server the audit trail records your login, not a name: leave out --worker and MSP_WORKER.")
    store = state.open(create=True)
    with store.write() as audit:
        if store.setting("pseudonym_key") is None:
            audit.append("database.init", changes={"msp_version": [None, __version__]})
            # the key that turns references into pseudonyms in exports; it never leaves the server
            store.set_setting(audit, "pseudonym_key", _new_pseudonym_key(), secret=True)
        if team:
            store.set_setting(audit, "team", team)
    label = store.location  # type: ignore[attr-defined]  # the URL, without a password
    if getattr(store, "created", False):
        say(
            f"Set up msp at {label}: the schema and the roles msp_worker, msp_manager, msp_auditor."
            " Add each person with: msp user add LOGIN --team TEAM --role worker|manager|auditor"
        )
    else:
        say(f"{label} is already an msp database; it is up to date.")


def where(ctx: typer.Context) -> None:
    """Say which database file msp uses, and why."""
    state: AppState = ctx.obj
    if state.server_url() is not None:
        from msp_cli.location import redacted, resolve_db_path

        console.print(redacted(state.server_url() or ""), markup=False)
        say(f"  chosen: {resolve_db_path(state.db_option)[1]}; a PostgreSQL server")
        return
    path, why = state.db_path()
    from msp_cli.location import shared_storage_reason

    console.print(str(path), markup=False)
    say(f"  chosen: {why}")
    exists = "yes" if path.exists() else f"no (create it with: {command('init')})"
    say(f"  exists: {exists}")
    shared = shared_storage_reason(path)
    if shared:
        say(f"  shared storage: {shared}; safe for one person at a time only")


def history(
    ctx: typer.Context,
    case_ref: str | None = typer.Argument(None, help="Only this case's entries."),
    limit: int = typer.Option(50, "--limit", min=1, help="How many of the newest entries to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON Lines for programs."),
) -> None:
    """Show the audit trail: who changed what, and when (UTC)."""
    state: AppState = ctx.obj
    store = state.open(readonly=False)

    entries = store.history(row_key=case_ref, limit=limit)
    if case_ref is not None and not entries:
        raise MspError(f"No case {case_ref!r} in this database.", hint=no_case_hint())
    if as_json:
        for entry in entries:
            entry["changes"] = json.loads(entry["changes"]) if entry["changes"] else None
            print(json.dumps(entry, ensure_ascii=False))
        return
    from rich import box
    from rich.table import Table

    title = "Audit trail" + (f" for {case_ref}" if case_ref else "")
    # one space between columns and none at the edges: seven columns fit in 80 without breaking a word
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for heading in ("#", "when (UTC)", "worker (user)", "action", "case / key", "fields changed"):
        table.add_column(heading)
    for e in entries:
        changes = json.loads(e["changes"]) if e["changes"] else {}
        fields = list(changes.keys())
        source = (changes.get("source") or [None, None])[1]
        action = e["action"] + (f" from {source['file']}" if isinstance(source, dict) else "")
        listed = ", ".join(fields[:6]) + (f" (+{len(fields) - 6} more)" if len(fields) > 6 else "")
        table.add_row(  # recorded text: no markup, no escape sequences replayed to the terminal
            str(e["id"]),
            e["at"][:19].replace("T", " "),
            ui.shown(f"{e['worker'] or '-'} ({e['os_user'] or '-'})"),
            ui.shown(action),
            ui.shown(e["key"]),
            ui.shown(listed),
        )
    from msp_cli.fit import Fitted

    console.print(Fitted(table))
    if not entries:
        say("No audit entries yet.")
