"""`msp copy SOURCE DEST`: a whole database between a SQLite file and a PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import typer

from msp_cli.errors import MspError
from msp_cli.location import redacted, server_url
from msp_cli.ui import interactive, say


def register(app: typer.Typer) -> None:
    app.command("copy")(copy)


def copy(
    source: str = typer.Argument(..., help="The database to copy: a file, or postgresql://host/dbname."),
    dest: str = typer.Argument(..., help="A new file, or an empty server database (it is set up here)."),
) -> None:
    """Copy a whole msp database, file to server or server to file: cases, history, settings, audit trail."""
    from msp_cli.storage import copy_database, open_storage

    src_url, dest_url = server_url(source), server_url(dest)
    if src_url is None and dest_url is None:
        raise MspError("One side of msp copy must be a server (postgresql://...); to copy a file, use msp backup.")
    if dest_url is None and Path(dest).exists():
        raise MspError(f"{dest} already exists; msp copy writes a new file. Choose another name.")
    src_store = open_storage(src_url or Path(source), interactive=interactive())
    try:
        dest_store = open_storage(dest_url or Path(dest), create=True, interactive=interactive())
        try:
            copied = copy_database(src_store, dest_store, source_label=redacted(src_url) if src_url else source)
            problems = dest_store.problems()
        finally:
            dest_store.close()
    finally:
        src_store.close()
    rows = copied.rows
    say(
        f"Copied {rows['safeguarding_case']} cases of {rows['person']} people"
        f" ({rows['outcome_review_session']} reviews, {rows['closure']} closures), {rows['settings']} settings"
        f" and {copied.audit_entries} audit entries"
        f" to {redacted(dest_url) if dest_url else dest}; its audit chain verifies."
    )
    if problems:
        raise MspError(f"The copy has a problem: {problems[0]}")
