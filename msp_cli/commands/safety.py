"""`msp backup`, `msp restore`, `msp check`, `msp rekey`: nothing lost, no one let in."""

from __future__ import annotations

from pathlib import Path

import typer

from msp_cli.context import AppState
from msp_cli.errors import MspError
from msp_cli.ui import console, interactive, say


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("check")(check)
    app.command("rekey")(rekey)


def backup(
    ctx: typer.Context,
    out: str = typer.Argument(..., metavar="OUT", help="The backup file to write."),
    force: bool = typer.Option(False, "--force", help="Replace OUT if it exists."),
) -> None:
    """A consistent copy of the live database, checked after writing (encrypted stays encrypted)."""

    state: AppState = ctx.obj
    store = state.open()
    target = Path(out)
    if not target.parent.exists():
        raise MspError(f"The folder {target.parent} does not exist.")
    with store.write() as audit:
        audit.append("database.backup", changes={"file": [None, target.name]})
    store.backup(target, force=force)
    say(f"Backed up to {out} and checked it{' (encrypted)' if store.encrypted else ''}; only you can read it.")


def restore(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="BACKUP", help="The backup to restore."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask to confirm."),
) -> None:
    """Replace the database with a backup: the backup is checked first and the current file kept aside."""

    state: AppState = ctx.obj
    path, _ = state.db_path()
    if not yes:
        from msp_cli.prompts import confirm_or_stop

        confirm_or_stop(
            f"Replace {path} with {source}? (the current file is kept aside)",
            without_terminal="Restoring replaces the database and must be confirmed.",
        )
    passphrase = None
    if path.exists():
        current = state.open()
        passphrase = current.passphrase
        state.close()
    from msp_cli.storage import restore as restore_database

    aside = restore_database(path, Path(source), passphrase=passphrase)
    restored = state.open()
    with restored.write() as audit:
        audit.append(
            "database.restore", changes={"from": [None, Path(source).name], "kept_aside": [None, aside and aside.name]}
        )
    say(f"Restored {path} from {source}." + (f" The file it replaced is kept as {aside.name}." if aside else ""))


def check(ctx: typer.Context) -> None:
    """Integrity, foreign keys, the audit chain, the schema version and permissions: ok, or each problem."""

    state: AppState = ctx.obj
    store = state.open()
    found = store.problems()
    if found:
        for line in found:
            console.print(f"problem: {line}", markup=False, highlight=False)
        raise typer.Exit(1)
    console.print(store.summary(), markup=False, highlight=False)


def rekey(ctx: typer.Context) -> None:
    """Change the passphrase of an encrypted database (the new one from MSP_NEW_PASSPHRASE, or asked for)."""
    import os

    from msp_cli.storage import PASSPHRASE_MIN_LENGTH

    state: AppState = ctx.obj
    store = state.open()
    if not store.encrypted:
        raise MspError(f"{store.path.name} is not encrypted, so it has no passphrase to change.")
    new = os.environ.get("MSP_NEW_PASSPHRASE")
    if not new:
        if not interactive():
            raise MspError("A new passphrase is needed.", hint="Set MSP_NEW_PASSPHRASE, or run in a terminal.")
        import getpass

        new = getpass.getpass("New passphrase: ")
        if len(new) < PASSPHRASE_MIN_LENGTH or getpass.getpass("The same again: ") != new:
            raise MspError(
                f"The passphrases differ or are shorter than {PASSPHRASE_MIN_LENGTH} characters; nothing changed."
            )
    with store.write() as audit:
        audit.append("database.rekey")
    store.rekey(new)
    say("The passphrase is changed. Backups made before keep the old one.")
