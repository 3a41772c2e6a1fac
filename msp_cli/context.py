"""What every command shares: the database path and worker chosen by global options."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from msp_cli.location import CHOSEN_WITH_USE, resolve_db_path

if TYPE_CHECKING:
    from msp_cli.storage import Storage


@dataclass
class AppState:
    db_option: str | None = None
    worker_option: str | None = None
    argv: list[str] | None = None  # the words after `msp`, for hints that repeat the command line
    _stores: list[Storage] = field(default_factory=list)

    def db_path(self) -> tuple[Path, str]:
        return resolve_db_path(self.db_option)

    def open(self, *, create: bool = False, readonly: bool = False, encrypt: bool = False) -> Storage:
        from msp_cli.storage import open_storage
        from msp_cli.ui import interactive, warn

        path, why = self.db_path()
        if why == CHOSEN_WITH_USE:  # a default someone set earlier: say so each time it applies
            from msp_cli.ui import say

            say(f"Using {path}, {why}.")
        store = open_storage(
            path, worker=self.worker(), create=create, readonly=readonly, encrypt=encrypt, interactive=interactive()
        )
        for message in store.warnings:
            warn(message)
        self._stores.append(store)
        return store

    def worker(self) -> str | None:
        import os

        return self.worker_option or os.environ.get("MSP_WORKER") or None

    def close(self) -> None:
        for store in self._stores:
            store.close()
        self._stores.clear()


# The state of the command that is running, for messages raised far from the command (hints.py).
current_state: ContextVar[AppState | None] = ContextVar("current_state", default=None)
