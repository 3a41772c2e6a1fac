"""Where the database is, and whether that folder is safe for SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from msp_cli import location
from tests.conftest import Run


def test_db_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert location.resolve_db_path("given.db") == (Path("given.db"), "given with --db")
    monkeypatch.setenv("MSP_DB", str(tmp_path / "env.db"))
    assert location.resolve_db_path(None)[0] == tmp_path / "env.db"
    monkeypatch.delenv("MSP_DB")
    path, why = location.resolve_db_path(None)
    assert path == tmp_path / "home" / "data" / "msp" / "msp.db" and "per-user" in why


def test_where_says_which_and_why(run: Run, tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "team.db"), "where")
    assert str(tmp_path / "team.db") in result.output and "given with --db" in result.output
    assert "exists: no" in result.output


@pytest.mark.parametrize("folder", ["OneDrive - Anytown Council", "Dropbox", "Google Drive", "iCloud Drive"])
def test_synced_folders_are_recognised(tmp_path: Path, folder: str) -> None:
    reason = location.shared_storage_reason(tmp_path / folder / "msp.db")
    assert reason is not None and "cloud-synced" in reason


def test_local_folder_is_not_shared(tmp_path: Path) -> None:
    assert location.shared_storage_reason(tmp_path / "msp.db") is None


def test_windows_unc_path_is_a_network_share() -> None:
    assert (
        location._windows_network_reason("\\\\fileserver\\social care\\msp.db") == "it is on a network share (UNC path)"
    )
