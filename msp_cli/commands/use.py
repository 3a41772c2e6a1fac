"""`msp use PATH`: make a database the default for later commands, said each time it applies."""

from __future__ import annotations

from pathlib import Path

import typer

from msp_cli.errors import MspError
from msp_cli.hints import quote
from msp_cli.ui import say


def register(app: typer.Typer) -> None:
    app.command("use")(use)


def use(
    path: str | None = typer.Argument(None, metavar="[PATH]", help="The database to use from now on."),
    clear: bool = typer.Option(False, "--clear", help="Go back to the per-user default."),
) -> None:
    """Make PATH the database later commands use where neither --db nor MSP_DB says otherwise."""
    import os

    from msp_cli.location import default_data_dir, resolve_db_path, use_file, used_path

    if clear:
        use_file().unlink(missing_ok=True)
        say(f"Back to the per-user default: later commands use {resolve_db_path(None)[0]}.")
        return
    if path is None:
        used = used_path()
        say(f"msp use: {used}" if used else "No database is set with msp use; see `msp where`.")
        return
    target = Path(path).expanduser().resolve()
    if not target.is_file():
        raise MspError(
            f"There is no msp database at {target}.", hint=f"Create it first with: msp --db {quote(str(target))} init"
        )
    from msp_cli.storage import open_storage
    from msp_cli.ui import interactive

    open_storage(target, readonly=True, interactive=interactive()).close()  # an msp database, readable
    default_data_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    use_file().write_text(str(target) + "\n", encoding="utf-8")
    say(f"From now on msp uses {target} where neither --db nor MSP_DB says otherwise, and says so each time.")
    say("Back to the per-user default with: msp use --clear")
    if os.environ.get("MSP_DB"):
        say(f"MSP_DB is set in this shell ({os.environ['MSP_DB']}), and it comes first.")
