"""`msp backup`, `msp restore`, `msp check`, `msp rekey`: nothing lost, no one let in."""

from __future__ import annotations

from pathlib import Path

import typer

from msp_cli.context import AppState
from msp_cli.errors import DatabaseProblem, MspError
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
    with store.audited("database.backup", {"file": [None, target.name]}):
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
    from msp_cli.storage import looks_encrypted_file
    from msp_cli.storage import restore as restore_database

    passphrase = None
    if path.exists():
        try:
            current = state.open()
        except DatabaseProblem:
            if looks_encrypted_file(path):
                raise  # never swap an encrypted file msp cannot open for one under a guessed passphrase
            # damaged, which is why one restores: it is kept aside byte for byte
        else:
            passphrase = current.passphrase
            state.close()

    aside = restore_database(path, Path(source), passphrase=passphrase, worker=state.worker())
    say(f"Restored {path} from {source}." + (f" The file it replaced is kept as {aside.name}." if aside else ""))


def check(
    ctx: typer.Context,
    against: str | None = typer.Option(
        None, "--against", metavar="BACKUP", help="Also check the audit trail extends this earlier backup's."
    ),
) -> None:
    """Integrity, foreign keys, the audit trail, the schema, the cases against the trail, permissions."""

    state: AppState = ctx.obj
    store = state.open()
    if against is not None and not Path(against).is_file():
        raise MspError(f"There is no backup file {against}.")
    found = store.problems(against=Path(against) if against else None)
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
    with store.audited("database.rekey", {}):
        store.rekey(new)
    say("The passphrase is changed. Backups made before keep the old one.")
