"""The only door to a database. Nothing outside this package imports sqlite3 or sqlite_utils,
holds SQL text, or reaches into a backend's modules (tests/test_architecture.py enforces it).

`open_storage` opens the SQLite (or SQLCipher) file; what it returns has the methods of
`Storage` (interface.py), which is all the rest of msp may use.
"""

from __future__ import annotations

from msp_cli.storage.interface import CaseHistory, Scope, Storage, StoredCase
from msp_cli.storage.sqlite.audit import Actor
from msp_cli.storage.sqlite.cipher import MIN_LENGTH as PASSPHRASE_MIN_LENGTH
from msp_cli.storage.sqlite.report_queries import DIMENSIONS, SMALL_GROUP
from msp_cli.storage.sqlite.safety import check_file, restore
from msp_cli.storage.sqlite.store import (
    create_private_file,
    database_errors,
    explain_sqlite_error,
    open_store,
)
from msp_cli.storage.sqlite.worklist import summary as worklist_summary

open_storage = open_store
explain_database_error = explain_sqlite_error
BREAKDOWNS = {name: heading for name, (heading, *_) in DIMENSIONS.items()}  # --by NAME: its heading

__all__ = [
    "BREAKDOWNS",
    "PASSPHRASE_MIN_LENGTH",
    "SMALL_GROUP",
    "Actor",
    "CaseHistory",
    "Scope",
    "Storage",
    "StoredCase",
    "check_file",
    "create_private_file",
    "database_errors",
    "explain_database_error",
    "open_storage",
    "restore",
    "worklist_summary",
]
