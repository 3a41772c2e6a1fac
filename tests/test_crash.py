"""Try to break it: kill msp at random moments, and run several writers at once.

After every SIGKILL the file must pass `msp check`, an import must be wholly there or wholly
absent, and every step reported as saved must be there. CI runs 60 kills of each kind; the
slow marker runs 500 of each (pytest -m slow).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from msp_cli.storage.sqlite import safety
from msp_cli.storage.sqlite.store import open_store
from tests.conftest import Run

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
ROOT = Path(__file__).resolve().parent.parent
IMPORT_CASES = 1500


def child_env(db: Path) -> dict[str, str]:
    return {**os.environ, "MSP_DB": str(db), "PYTHONPATH": str(ROOT)}


def fresh_copy(source: Path, db: Path) -> None:
    shutil.copyfile(source, db)
    os.chmod(db, 0o600)  # as msp itself would have made it
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def assert_sound(db: Path) -> int:
    store = open_store(db)
    try:
        assert safety.problems(store) == []
        return int(store.conn.execute("SELECT count(*) FROM safeguarding_case").fetchone()[0])
    finally:
        store.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An initialised empty database and a file of cases to import into it."""
    folder = tmp_path_factory.mktemp("crash")
    empty, cases = folder / "empty.db", folder / "cases.jsonl"
    demo = folder / "demo.db"
    env = child_env(demo)
    subprocess.run(
        [sys.executable, "-m", "msp_cli", "demo", "--cases", str(IMPORT_CASES)],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "-m", "msp_cli", "export", str(cases), "--identifiable", "--reason", "test", "--yes"],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run([sys.executable, "-m", "msp_cli", "init"], env=child_env(empty), check=True, capture_output=True)
    return empty, cases


def _kills(request: pytest.FixtureRequest) -> int:
    return 500 if request.node.get_closest_marker("slow") else 60


def _import_kills(base: tuple[Path, Path], tmp_path: Path, kills: int) -> None:
    empty, cases = base
    rng = random.Random(1)
    outcomes = {"absent": 0, "whole": 0}
    for i in range(kills):
        db = tmp_path / f"import-{i % 3}.db"
        fresh_copy(empty, db)
        child = subprocess.Popen(
            [sys.executable, "-m", "msp_cli", "import", str(cases)],
            env=child_env(db),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, 1.2))
        child.send_signal(signal.SIGKILL)
        child.wait()
        count = assert_sound(db)
        assert count in (0, IMPORT_CASES), f"kill {i}: {count} cases, a partial import"
        outcomes["absent" if count == 0 else "whole"] += 1
    assert outcomes["absent"] > 0  # some kills landed mid-import
    print(f"import kills: {outcomes}")


def _wizard_kills(tmp_path: Path, kills: int, empty: Path) -> None:
    rng = random.Random(2)
    for i in range(kills):
        db = tmp_path / f"wizard-{i % 3}.db"
        fresh_copy(empty, db)
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_child", "wizard", str(db)],
            cwd=ROOT,
            env=child_env(db),
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.15, 0.9))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        reported = [line.split() for line in out.splitlines() if line.startswith("saved ")]
        assert_sound(db)
        store = open_store(db)
        for _, case_ref, step in reported:
            row = store.conn.execute(
                "SELECT draft_step FROM safeguarding_case WHERE case_ref = ?", (case_ref,)
            ).fetchone()
            assert row is not None, f"kill {i}: {case_ref} reported saved but missing"
            assert row[0] is None or row[0] > int(step), f"kill {i}: step {step} of {case_ref} lost"
        store.close()


def test_sigkill_during_import(base: tuple[Path, Path], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _import_kills(base, tmp_path, _kills(request))


def test_sigkill_during_wizard_saves(base: tuple[Path, Path], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _wizard_kills(tmp_path, _kills(request), base[0])


@pytest.mark.slow
def test_sigkill_long_version(base: tuple[Path, Path], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    _import_kills(base, tmp_path, 500)
    _wizard_kills(tmp_path, 500, base[0])


WRITER = """
import sys
from pathlib import Path
from msp_cli import enquiry
from msp_cli.storage.sqlite import case_store
from msp_cli.model import validate_case
from msp_cli.storage.sqlite.store import open_store
from tests.helpers import open_case

db, who, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    store = open_store(db, worker=who)  # a new connection each time, as separate msp commands would
    record = validate_case(open_case(case_ref=f"{who}-{i}", person={"ref": f"P-{who}-{i}"}))
    with store.write() as audit:
        case_store.save_case(store.conn, audit, record)
    store.close()
    store = open_store(db, worker=who)
    stored = enquiry.load(store, record["case_ref"])
    enquiry.review(store, stored, {"date": "2024-06-01", "outcomes": [{"progress": "In progress"}]})
    store.close()
print("done", flush=True)
"""


def test_several_writers_at_once(run: Run, initialised: Path) -> None:
    writers, each = 4, 15
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(initialised), f"W{w}", str(each)],
            cwd=ROOT,
            env=child_env(initialised),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    results = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert "locked" not in err and "done" in out
    assert assert_sound(initialised) == writers * each
    store = open_store(initialised)
    reviews = store.conn.execute("SELECT count(*) FROM outcome_review_session").fetchone()[0]
    assert reviews == writers * each
    store.close()
