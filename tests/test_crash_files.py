"""Kill msp restore and msp export at random moments, and fill the disk under an export.

A restore, killed anywhere, leaves the database path holding the old database or the new one,
and `msp check` ok. An export leaves nothing under its final name unless it is complete,
nothing in $TMPDIR, and after a kill only a clearly named partial, which the next export of
that name removes. The default run kills a few dozen times; `pytest -m slow` 100 of each.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from msp_cli.atomic import PARTIAL
from msp_cli.storage.sqlite.store import open_store
from tests.conftest import Run
from tests.helpers import minimal_case
from tests.test_crash import IMPORT_CASES, _same_data_home, assert_sound, base, child_env, data_home, fresh_copy

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
__all__ = ["_same_data_home", "base", "data_home"]  # fixtures shared with test_crash
RESTORE_CASES = 300  # a database a restore copies, checks and swaps in about a second


def _kills(request: pytest.FixtureRequest, default: int) -> int:
    return 100 if request.node.get_closest_marker("slow") else default


def _msp(*args: str, db: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "msp_cli", *args],
        env={**child_env(db), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _restore_seconds(live: Path, backup: Path) -> float:
    """How long one whole `msp restore` of BACKUP onto LIVE takes here, start-up included."""
    start = time.perf_counter()
    _, err = _msp("restore", str(backup), "--yes", db=live).communicate()
    assert "Traceback" not in err
    return time.perf_counter() - start


def _restore_kills(base: tuple[Path, Path], tmp_path: Path, kills: int, run: Run) -> None:
    live, backup = tmp_path / "live.db", tmp_path / "backup.db"
    fresh_copy(base[0], live)
    some = tmp_path / "some.jsonl"
    with base[1].open(encoding="utf-8") as source:
        some.write_text("".join(line for _, line in zip(range(RESTORE_CASES), source, strict=False)), encoding="utf-8")
    assert run("--db", str(live), "import", str(some)).exit_code == 0
    assert run("--db", str(live), "backup", str(backup)).exit_code == 0
    in_backup = assert_sound(live)  # the lines may start with a demonstration marker, not a case
    rng = random.Random(3)
    seen = {"old": 0, "new": 0}
    lasts = _restore_seconds(live, backup)  # kills spread over a whole restore, however fast
    for i in range(kills):
        if i >= kills // 2 and not seen["new"]:  # restores got slower since the timing (a loaded machine): time again
            lasts = max(lasts, _restore_seconds(live, backup))
        before = assert_sound(live)
        if before == in_backup:  # make the live file differ from the backup again
            extra = tmp_path / "extra.jsonl"
            extra.write_text(json.dumps(minimal_case(f"X-{i}", f"PX-{i}")) + "\n")
            assert run("--db", str(live), "import", str(extra)).exit_code == 0
            before += 1
        child = _msp("restore", str(backup), "--yes", db=live)
        time.sleep(rng.uniform(0.1, 1.2) * lasts)
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate()
        assert "Traceback" not in err
        after = assert_sound(live)  # opens, and checks ok against the seal
        assert after in (before, in_backup), f"kill {i}: {after} cases"
        seen["old" if after == before else "new"] += 1
        for aside in tmp_path.glob("live.db.before-restore-*"):
            if not aside.name.endswith(PARTIAL):
                aside.unlink()  # a whole copy: not needed again, and large
    finished = run("--db", str(live), "restore", str(backup), "--yes")
    assert finished.exit_code == 0, finished.output
    assert not list(tmp_path.glob(f"*{PARTIAL}*")), "the next restore removes what a kill left"
    assert seen["old"] and seen["new"], seen
    print(f"restore kills: {seen}")


@pytest.mark.timeout(600)  # a few dozen child processes on a shared machine
def test_sigkill_during_restore(
    base: tuple[Path, Path], tmp_path: Path, request: pytest.FixtureRequest, run: Run
) -> None:
    _restore_kills(base, tmp_path, _kills(request, 20), run)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_sigkill_during_restore_long(base: tuple[Path, Path], tmp_path: Path, run: Run) -> None:
    _restore_kills(base, tmp_path, 100, run)


def test_two_restores_in_one_second_keep_both_earlier_files(run: Run, initialised: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    assert run("backup", str(backup)).exit_code == 0
    first = run("restore", str(backup), "--yes")
    second = run("restore", str(backup), "--yes")
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    kept = sorted(p.name for p in tmp_path.glob("msp.db.before-restore-*"))
    assert len(kept) == 2, kept
    restores = [_restores(tmp_path / name) for name in kept]
    assert restores == [0, 1]  # the file before the first restore, then the one before the second
    assert _restores(tmp_path / "msp.db") == 1  # the backup, and this restore's own entry
    assert run("check").exit_code == 0


def _restores(db: Path) -> int:
    store = open_store(db, readonly=True)
    try:
        return int(store.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'database.restore'").fetchone()[0])
    finally:
        store.close()


FORMATS = {"jsonl": "out.jsonl", "csv": "out-csv", "xlsx": "out.xlsx"}


def _complete(target: Path, fmt: str) -> bool:
    if fmt == "jsonl":
        lines = target.read_text(encoding="utf-8").splitlines()
        parsed = [json.loads(line) for line in lines]  # a demonstration export starts with a marker line
        return sum(1 for obj in parsed if "case_ref" in obj) == IMPORT_CASES and len(parsed) <= IMPORT_CASES + 1
    if fmt == "csv":
        cases = (target / "cases.csv").read_text(encoding="utf-8-sig").splitlines()
        return len(cases) == IMPORT_CASES + 1 and (target / "about.txt").exists()
    import openpyxl

    book = openpyxl.load_workbook(target, read_only=True)
    try:
        return int(book["cases"].max_row or 0) == IMPORT_CASES + 1
    finally:
        book.close()


def _export_seconds(db: Path, folder: Path, fmt: str) -> float:
    """How long one whole identifiable export in FMT takes here, start-up included."""
    folder.mkdir()
    start = time.perf_counter()
    done = _msp("export", str(folder / FORMATS[fmt]), "--identifiable", "--reason", "test", "--yes", db=db)
    assert done.wait() == 0
    seconds = time.perf_counter() - start
    shutil.rmtree(folder)
    return seconds


def _export_kills(base: tuple[Path, Path], tmp_path: Path, kills: int) -> None:
    db = tmp_path / "demo.db"
    fresh_copy(base[1].parent / "demo.db", db)
    own_tmp = tmp_path / "tmpdir"
    own_tmp.mkdir()
    rng = random.Random(4)
    seen = {"whole": 0, "absent": 0}
    lasts = {fmt: _export_seconds(db, tmp_path / f"timed-{fmt}", fmt) for fmt in FORMATS}  # however fast exports get
    for i in range(kills):
        fmt = list(FORMATS)[i % 3]
        folder = tmp_path / f"out-{i}"
        folder.mkdir()
        target = folder / FORMATS[fmt]
        child = _msp(
            "export", str(target), "--identifiable", "--reason", "test", "--yes", db=db, env={"TMPDIR": str(own_tmp)}
        )
        time.sleep(rng.uniform(0.1, 1.2) * lasts[fmt])  # some kills land after the end
        child.send_signal(signal.SIGKILL)
        _, err = child.communicate()
        assert "Traceback" not in err
        assert not list(own_tmp.iterdir()), f"kill {i}: files left in TMPDIR"
        left = [p.name for p in folder.iterdir()]
        if target.exists():
            assert _complete(target, fmt), f"kill {i}: an incomplete {fmt} export under its final name"
            assert left == [target.name], left
            seen["whole"] += 1
        else:
            assert all(name.startswith(target.name + ".") and name.endswith(PARTIAL) for name in left), left
            seen["absent"] += 1
            if i % 4 == 0:  # the next export of that name removes the partial
                again = _msp("export", str(target), "--identifiable", "--reason", "test", "--yes", db=db)
                assert again.wait() == 0
                assert [p.name for p in folder.iterdir()] == [target.name]
        shutil.rmtree(folder)
    assert assert_sound(db) == IMPORT_CASES  # and msp check is ok
    assert seen["absent"], seen
    print(f"export kills: {seen}")


@pytest.mark.timeout(600)
def test_sigkill_during_export(base: tuple[Path, Path], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _export_kills(base, tmp_path, _kills(request, 24))


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_sigkill_during_export_long(base: tuple[Path, Path], tmp_path: Path) -> None:
    _export_kills(base, tmp_path, 100)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 128 KB file system of its own (a tmpfs; mounting one needs root)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("this machine may not mount a tmpfs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


@pytest.mark.parametrize("name", ["out.jsonl", "out-csv", "out.xlsx", "backup.db"])
def test_a_full_disk_leaves_nothing_and_says_so(
    run: Run, base: tuple[Path, Path], tmp_path: Path, small_disk: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    db = tmp_path / "demo.db"
    fresh_copy(base[1].parent / "demo.db", db)
    own_tmp = tmp_path / "tmpdir"
    own_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(own_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # so the module reads TMPDIR again
    target = small_disk / name
    args = ["backup", str(target)] if name.endswith(".db") else ["export", str(target), "--identifiable"]
    extra = [] if name.endswith(".db") else ["--reason", "test", "--yes"]
    result = run("--db", str(db), *args, *extra)
    assert result.exit_code == 74, result.output
    lines = result.output.strip().splitlines()
    assert (
        len(lines) == 1
        and "nothing was" in lines[0]
        and ("space" in lines[0] or "full" in lines[0])
        and "Traceback" not in result.output
    )
    assert list(small_disk.iterdir()) == [] and list(own_tmp.iterdir()) == []
    store = open_store(db)
    outcome = store.conn.execute("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
    store.close()
    assert outcome.endswith(".failed")  # the audit trail says it did not happen


def test_restore_over_a_damaged_file_keeps_it_aside_as_it_was(run: Run, initialised: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    assert run("backup", str(backup)).exit_code == 0
    damaged = b"not a database any more " * 400
    initialised.write_bytes(damaged)
    for suffix in ("-wal", "-shm"):
        Path(str(initialised) + suffix).unlink(missing_ok=True)
    result = run("restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output
    kept = list(tmp_path.glob("msp.db.before-restore-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    assert run("check").exit_code == 0
