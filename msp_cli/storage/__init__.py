"""The only door to a database. Nothing outside this package imports sqlite3 or sqlite_utils,
holds SQL text, or reaches into a backend's modules (tests/test_architecture.py enforces it).

`open_storage` opens the SQLite (or SQLCipher) file, or with a `postgresql://` URL the server
(storage/postgres, the `server` extra); what it returns has the methods of `Storage`
(interface.py), which is all the rest of msp may use.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msp_cli.errors import MspError
from msp_cli.storage.interface import CaseHistory, Scope, Storage, StoredCase
from msp_cli.storage.sqlite.audit import Actor
from msp_cli.storage.sqlite.cipher import MIN_LENGTH as PASSPHRASE_MIN_LENGTH
from msp_cli.storage.sqlite.cipher import looks_encrypted_file
from msp_cli.storage.sqlite.seen import SeenRefs  # small: sqlite3 only, which the store imports anyway
from msp_cli.storage.sqlite.spool import SortedSpool  # the same
from msp_cli.storage.sqlite.store import (
    create_private_file,
    explain_sqlite_error,
    open_store,
)
from msp_cli.storage.sqlite.store import database_errors as sqlite_errors

if TYPE_CHECKING:
    from msp_cli.storage.sqlite.bulk import NewCases
    from msp_cli.storage.sqlite.report_queries import SMALL_GROUP
    from msp_cli.storage.sqlite.safety import check_file, restore
    from msp_cli.storage.sqlite.worklist import summary as worklist_summary

    BREAKDOWNS: dict[str, str]

# Names imported when first used (PEP 562): `msp history` and `msp case show` need none of these
# modules, and importing them is start-up time. name -> (module of storage/sqlite, its name there)
_ON_FIRST_USE = {
    "SMALL_GROUP": ("report_queries", "SMALL_GROUP"),
    "NewCases": ("bulk", "NewCases"),
    "check_file": ("safety", "check_file"),
    "restore": ("safety", "restore"),
    "worklist_summary": ("worklist", "summary"),
}


def __getattr__(name: str) -> Any:
    if name == "BREAKDOWNS":  # --by NAME: its heading
        from msp_cli.storage.sqlite.report_queries import DIMENSIONS

        value: Any = {by: heading for by, (heading, *_) in DIMENSIONS.items()}
    elif name in _ON_FIRST_USE:
        module, attribute = _ON_FIRST_USE[name]
        value = getattr(__import__(f"msp_cli.storage.sqlite.{module}", fromlist=[attribute]), attribute)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # asked for once
    return value


def open_storage(target: Path | str, **options: Any) -> Storage:
    """The database at TARGET: a file path, or a PostgreSQL URL (postgresql://...)."""
    if isinstance(target, str):
        try:
            from msp_cli.storage.postgres.store import open_server
        except ImportError as exc:
            from msp_cli.hints import install_command

            raise MspError(
                "A PostgreSQL database needs psycopg, msp's server extra.",
                hint=f"Install it with: {install_command('psycopg')}",
            ) from exc

        options.pop("encrypt", None)  # the server protects its own data
        options.pop("passphrase", None)
        return open_server(target, **options)
    return open_store(target, **options)


def copy_database(source: Storage, dest: Storage, *, source_label: str) -> Any:
    """Copy all of SOURCE into the empty DEST (storage/copy.py)."""
    from msp_cli.storage.copy import copy_database as copy_all

    return copy_all(source, dest, source_label=source_label)


def server_users() -> Any:
    """The user administration of a server database (storage/postgres/users.py)."""
    from msp_cli.storage.postgres import users

    return users


def explain_database_error(exc: Exception, path: Path) -> MspError:
    """One line for a database error of either backend."""
    if type(exc).__module__.startswith("psycopg"):
        from msp_cli.storage.postgres.store import explain_server_error

        return explain_server_error(exc, str(path))
    return explain_sqlite_error(exc, path)


def database_errors() -> tuple[type[Exception], ...]:
    """The errors of every database driver loaded: sqlite3, sqlcipher3, psycopg."""
    server = sys.modules.get("psycopg")
    return (*sqlite_errors(), *([server.Error] if server is not None else []))


__all__ = [
    "BREAKDOWNS",
    "PASSPHRASE_MIN_LENGTH",
    "SMALL_GROUP",
    "Actor",
    "CaseHistory",
    "NewCases",
    "Scope",
    "SeenRefs",
    "SortedSpool",
    "Storage",
    "StoredCase",
    "check_file",
    "create_private_file",
    "database_errors",
    "explain_database_error",
    "looks_encrypted_file",
    "open_storage",
    "restore",
    "worklist_summary",
]
