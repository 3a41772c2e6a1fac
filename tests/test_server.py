"""msp on a real PostgreSQL server: the same figures as SQLite, and access enforced by the server.

Each access rule is tested twice: through msp, and through a plain connection as that login
(what someone with psql or another program would get). Logins are cluster-wide, so each test
makes its own (a random suffix) and drops them afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from msp_cli.storage.interface import Scope
from msp_cli.storage.sqlite.report_queries import DIMENSIONS
from tests.conftest import Backend, Run, pg_admin, pg_url_for, rows
from tests.helpers import full_case, minimal_case, open_case
from tests.report_fixture import CASES

psycopg = pytest.importorskip("psycopg")
errors = psycopg.errors

REPORTS = [["outcomes"], ["sac"], ["desired"], ["capacity"], ["time"], ["feedback"]] + [
    ["breakdown", "--by", name] for name in DIMENSIONS
]


def report_outputs(run: Run) -> dict[str, str]:
    out = {}
    for args in REPORTS:
        result = run("report", *args, "--year", "2024-25", "--json")
        assert result.exit_code == 0, result.output
        out[" ".join(args)] = result.output
    return out


def test_every_report_and_the_worklist_are_byte_identical_on_both_backends(
    run: Run, pg_url: str, write_jsonl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = write_jsonl(CASES)
    outputs = []
    for db in ("file", pg_url):
        if db == "file":
            assert run("init", "--worker", "Test Worker", "--team", "North").exit_code == 0
        else:
            monkeypatch.setenv("MSP_DB", db)
        assert run("import", str(cases)).exit_code == 0
        worklist = run("audit", "--json", "--days", "3650")
        assert worklist.exit_code == 0, worklist.output
        outputs.append({**report_outputs(run), "worklist": worklist.output})
    on_file, on_server = outputs
    assert on_server == on_file
    assert json.loads(on_server["outcomes"])["concluded"] == 4  # real figures, not both empty
    assert json.loads(on_server["worklist"])["findings"]


# --- access by role -------------------------------------------------------------------------


class Team:
    """The logins of one test: two workers in different teams, a manager and an auditor."""

    def __init__(self, admin_url: str, db_url: str) -> None:
        self.admin_url, self.db_url = admin_url, db_url
        suffix = uuid.uuid4().hex[:8]
        self.ann, self.bob = f"ann_{suffix}", f"bob_{suffix}"  # workers: North, South
        self.meg, self.aud = f"meg_{suffix}", f"aud_{suffix}"  # manager (North), auditor

    def url(self, login: str) -> str:
        dbname = self.db_url.split("?", 1)[0].rsplit("/", 1)[1]
        return pg_url_for(self.admin_url, dbname, user=login)

    def connect(self, login: str) -> Any:
        return psycopg.connect(self.url(login), autocommit=True)


@pytest.fixture
def team(run: Run, pg_url: str, pg_template: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Team]:
    t = Team(pg_template[0], pg_url)
    monkeypatch.setenv("MSP_DB", pg_url)
    for login, team_name, role in ((t.ann, "North", "worker"), (t.bob, "South", "worker"),
                                   (t.meg, "North", "manager"), (t.aud, "North", "auditor")):  # fmt: skip
        result = run("user", "add", login, "--team", team_name, "--role", role, "--password-stdin", input="s3cret-pw\n")
        assert result.exit_code == 0, result.output
    yield t
    with psycopg.connect(pg_url, autocommit=True) as conn:  # no session may outlive its login
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY (%s)",
                     ([t.ann, t.bob, t.meg, t.aud],))  # fmt: skip
    for login in (t.ann, t.bob, t.meg, t.aud):
        pg_admin(t.admin_url, f'DROP ROLE IF EXISTS "{login}"')


def as_login(run: Run, monkeypatch: pytest.MonkeyPatch, team: Team, login: str) -> Run:
    def _run(*args: str, input: str | None = None) -> Any:
        monkeypatch.setenv("MSP_DB", team.url(login))
        return run(*args, input=input)

    return _run


def owner_rows(team: Team, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(team.db_url, autocommit=True) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[no-any-return]


def north_and_south(run: Run, write_jsonl: Any) -> None:
    north = open_case(case_ref="C-NORTH", team="North", person={"ref": "P-N", "name": "Nora North"})
    south = open_case(case_ref="C-SOUTH", team="South", person={"ref": "P-S", "name": "Sid South"})
    result = run("import", str(write_jsonl([north, south])))
    assert result.exit_code == 0, result.output


def test_users_are_listed_and_the_password_is_nowhere(run: Run, team: Team) -> None:
    listed = run("user", "list").output
    assert f"{team.ann}\tworker\tNorth" in listed and f"{team.aud}\tauditor\tNorth" in listed
    trail = owner_rows(team, "SELECT action, row_key, changes FROM audit_log WHERE action = 'user.add'")
    assert {r[1] for r in trail} == {team.ann, team.bob, team.meg, team.aud}
    assert "s3cret" not in json.dumps(trail)
    stored = owner_rows(team, f"SELECT rolpassword FROM pg_authid WHERE rolname = '{team.ann}'")[0][0]
    assert stored.startswith("SCRAM-SHA-256$") and "s3cret" not in stored
    assert run("user", "remove", team.bob).exit_code == 0
    assert team.bob not in run("user", "list").output
    assert owner_rows(team, f"SELECT count(*) FROM msp_team_member WHERE login = '{team.bob}'") == [(0,)]


def test_a_worker_cannot_see_or_change_another_teams_case(
    run: Run, team: Team, write_jsonl: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    north_and_south(run, write_jsonl)
    bob = as_login(run, monkeypatch, team, team.bob)
    listed = bob("case", "list").output
    assert "C-SOUTH" in listed and "C-NORTH" not in listed
    shown = bob("case", "show", "C-NORTH")
    assert shown.exit_code == 1 and "Nora" not in shown.output
    before = owner_rows(team, "SELECT count(*) FROM feedback"), owner_rows(team, "SELECT count(*) FROM audit_log")
    refused = bob("feedback", "add", "C-NORTH", "--date", "2025-01-02", "--given-by", "Person", "--listened", "5")
    assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1
    # a new case for a team that is not theirs: refused by row-level security, nothing written
    other = bob("import", str(write_jsonl([minimal_case("C-BOB-N", "P-BOB", team="North")], "n.jsonl")))
    assert other.exit_code == 1 and "does not let" in other.output and "Traceback" not in other.output
    after = owner_rows(team, "SELECT count(*) FROM feedback"), owner_rows(team, "SELECT count(*) FROM audit_log")
    assert after == before
    assert owner_rows(team, "SELECT count(*) FROM safeguarding_case WHERE case_ref = 'C-BOB-N'") == [(0,)]
    # and the same through a plain connection as bob
    with team.connect(team.bob) as conn:
        assert conn.execute("SELECT case_ref FROM safeguarding_case").fetchall() == [("C-SOUTH",)]
        assert conn.execute("SELECT count(*) FROM person WHERE name = 'Nora North'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM desired_outcome d JOIN safeguarding_case c ON c.id = d.case_id"
                            " WHERE c.team = 'North'").fetchone() == (0,)  # fmt: skip
        changed = conn.execute("UPDATE safeguarding_case SET worker = 'bob' WHERE case_ref = 'C-NORTH'")
        assert changed.rowcount == 0
        assert conn.execute("DELETE FROM desired_outcome").rowcount == len(open_case()["desired_outcomes"])  # own only
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE safeguarding_case SET team = 'North' WHERE case_ref = 'C-SOUTH'")
    assert owner_rows(team, "SELECT worker FROM safeguarding_case WHERE case_ref = 'C-NORTH'") == [("Ann Worker",)]


def test_a_manager_reads_every_team_and_writes_their_own(
    run: Run, team: Team, write_jsonl: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    north_and_south(run, write_jsonl)
    meg = as_login(run, monkeypatch, team, team.meg)
    listed = meg("case", "list").output
    assert "C-SOUTH" in listed and "C-NORTH" in listed
    ok = meg("feedback", "add", "C-NORTH", "--date", "2025-01-02", "--given-by", "Person", "--listened", "5")
    assert ok.exit_code == 0, ok.output
    refused = meg("feedback", "add", "C-SOUTH", "--date", "2025-01-02", "--given-by", "Person", "--listened", "5")
    assert refused.exit_code == 1
    assert owner_rows(team, "SELECT c.case_ref FROM feedback f JOIN safeguarding_case c ON c.id = f.case_id"
                            " WHERE f.given_on = '2025-01-02'") == [("C-NORTH",)]  # fmt: skip
    trail = owner_rows(team, "SELECT worker, os_user FROM audit_log WHERE action = 'feedback.add'")
    assert [r[0] for r in trail] == [team.meg]  # the login, not a name anyone could type


def test_identifiable_exports_are_for_managers_only(
    run: Run, team: Team, write_jsonl: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    north_and_south(run, write_jsonl)
    for login in (team.ann, team.aud):
        target = tmp_path / f"{login}.jsonl"
        refused = as_login(run, monkeypatch, team, login)(
            "export", str(target), "--identifiable", "--reason", "SAR", "--yes"
        )
        assert refused.exit_code == 1 and "identifiable exports are for managers" in refused.output
        assert not target.exists()
    target = tmp_path / "meg.jsonl"
    done = as_login(run, monkeypatch, team, team.meg)(
        "export", str(target), "--identifiable", "--reason", "SAR", "--yes"
    )
    assert done.exit_code == 0, done.output
    assert "Nora North" in target.read_text(encoding="utf-8") and "Sid South" in target.read_text(encoding="utf-8")
    assert owner_rows(team, "SELECT worker FROM audit_log WHERE action = 'export.identifiable'") == [(team.meg,)]


def test_an_auditor_reads_reports_and_pseudonymised_data_and_writes_nothing(
    run: Run, team: Team, write_jsonl: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert run("import", str(write_jsonl(CASES))).exit_code == 0
    owner_figures = report_outputs(run)
    aud = as_login(run, monkeypatch, team, team.aud)
    assert report_outputs(aud) == owner_figures
    assert aud("audit", "--json").exit_code == 0
    quotes = aud("report", "board", "--with-quotes", "--html", str(tmp_path / "b.html"))
    assert quotes.exit_code == 1 and "never given names" in quotes.output and "Traceback" not in quotes.output
    assert not (tmp_path / "b.html").exists()
    exported = aud("export", str(tmp_path / "p.jsonl"))
    assert exported.exit_code == 0, exported.output
    before = owner_rows(team, "SELECT count(*) FROM safeguarding_case")
    refused = aud("import", str(write_jsonl([minimal_case("C-AUD", "P-AUD", team="North")], "a.jsonl")))
    assert refused.exit_code == 1 and "does not let" in refused.output
    assert owner_rows(team, "SELECT count(*) FROM safeguarding_case") == before
    with team.connect(team.aud) as conn:
        assert conn.execute("SELECT count(*) FROM safeguarding_case").fetchone() == (len(CASES),)
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT name FROM person")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("UPDATE safeguarding_case SET worker = 'x'")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("INSERT INTO settings (key, value) VALUES ('x', 'y')")


def test_every_table_under_row_level_security_is_read_by_role(run: Run, team: Team, write_jsonl: Any) -> None:
    """Table by table, through plain connections: a worker reads their team's rows, a manager and an
    auditor every row; the managers' policy is `true`, so their plans have no per-row check."""
    north = full_case(case_ref="C-NORTH", team="North", person={"ref": "P-N", "name": "Nora North"})
    south = full_case(case_ref="C-SOUTH", team="South", person={"ref": "P-S", "name": "Sid South"})
    assert run("import", str(write_jsonl([north, south]))).exit_code == 0
    with psycopg.connect(team.db_url, autocommit=True) as conn:  # the owner fills the tables a case import leaves
        for statement in (
            "INSERT INTO case_source SELECT id, 'extract.csv', '2025-01-01' FROM safeguarding_case",
            "INSERT INTO outcome_review_session (case_id, reviewed_on) SELECT id, '2025-01-01' FROM safeguarding_case",
            "INSERT INTO outcome_review (review_id, outcome_id, progress) SELECT s.id, d.id, 'Achieved'"
            " FROM outcome_review_session s JOIN desired_outcome d ON d.case_id = s.case_id",
            "INSERT INTO desired_outcome_wording (outcome_id, text, category, replaced_on)"
            " SELECT id, 'before', category, '2025-01-01' FROM desired_outcome",
        ):
            conn.execute(statement)
        tables = [t for (t,) in conn.execute("SELECT relname FROM pg_class WHERE relrowsecurity ORDER BY 1")]
        everything = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608
    assert {"safeguarding_case", "meeting_attendee", "audit_log"} <= set(tables)
    assert all(everything.values()), everything
    seen: dict[str, dict[str, int]] = {}
    for login in (team.ann, team.bob, team.meg, team.aud):
        with team.connect(login) as conn:
            seen[login] = {t: len(conn.execute(f"SELECT 1 FROM {t}").fetchall()) for t in tables}  # noqa: S608
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN SELECT 1 FROM meeting_attendee, closure_outcome"))
            assert ("SubPlan" in plan) is (login in (team.ann, team.bob)), plan
            with pytest.raises(errors.InsufficientPrivilege):  # nobody borrows another group's policies
                conn.execute("SET ROLE msp_manager" if login != team.meg else "SET ROLE msp_worker")
    assert seen[team.meg] == seen[team.aud] == everything
    for table in tables:
        if table == "audit_log":  # a worker: their cases' entries (the owner imported both), not the users'
            continue
        assert seen[team.ann][table] > 0 and seen[team.bob][table] > 0, table
        assert seen[team.ann][table] + seen[team.bob][table] == everything[table], table
    with team.connect(team.bob) as conn:
        keys = {k for (k,) in conn.execute("SELECT row_key FROM audit_log")}
        assert keys == {"C-SOUTH"}
        others = conn.execute(
            "SELECT count(*) FROM meeting_attendee a JOIN meeting m ON m.id = a.meeting_id"
            " JOIN safeguarding_case c ON c.id = m.case_id WHERE c.team <> 'South'"
        ).fetchone()
        assert others == (0,)


def test_msp_sessions_on_the_server_do_not_compile_queries(pg_url: str) -> None:
    """JIT compilation costs more than msp's statements take to run (a second of a report, under RLS)."""
    from msp_cli.storage.postgres.store import open_server

    store = open_server(pg_url)
    try:
        assert store.conn.execute("SHOW jit").fetchone()[0] == "off"
    finally:
        store.close()


def test_opening_the_server_takes_two_round_trips_and_knows_each_role(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over a council's network every round trip delays every command: the open asks once, not once a question."""
    from msp_cli.storage.postgres.store import open_server

    sent: list[str] = []
    real_execute = psycopg.Cursor.execute

    def counting(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return real_execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    for login, role in ((None, None), (team.ann, "worker"), (team.meg, "manager"), (team.aud, "auditor")):
        sent.clear()
        store = open_server(team.url(login) if login else team.db_url)
        try:
            assert len(sent) == 2, sent
            assert store.role == role
            assert store.conn.execute("SELECT current_setting('jit'), current_setting('datestyle')").fetchone() == (
                "off",
                "ISO, MDY",
            )
        finally:
            store.close()


def test_a_login_without_an_msp_role_is_told_in_one_line(run: Run, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    stranger = f"sam_{uuid.uuid4().hex[:8]}"
    pg_admin(team.admin_url, f'CREATE ROLE "{stranger}" LOGIN')
    try:
        result = as_login(run, monkeypatch, team, stranger)("report", "outcomes", "--json")
        assert result.exit_code == 1
        assert f"The login {stranger} has no msp role on this server." in result.output
        assert "user add LOGIN" in result.output and "Traceback" not in result.output
    finally:
        pg_admin(team.admin_url, f'DROP ROLE IF EXISTS "{stranger}"')


def test_nobody_can_update_or_delete_the_audit_trail(run: Run, team: Team, write_jsonl: Any) -> None:
    north_and_south(run, write_jsonl)
    before = owner_rows(team, "SELECT id, hash FROM audit_log ORDER BY id")
    for url in (team.db_url, *(team.url(login) for login in (team.ann, team.bob, team.meg, team.aud))):
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in ("UPDATE audit_log SET worker = 'someone'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
                with pytest.raises(errors.InsufficientPrivilege):
                    conn.execute(statement)
    with team.connect(team.ann) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute("INSERT INTO audit_log (id, at, worker, action, prev_hash, hash)"
                     " VALUES (999, 'now', 'someone else', 'x', 'x', 'x')")  # fmt: skip
    assert owner_rows(team, "SELECT id, hash FROM audit_log ORDER BY id") == before
    assert run("check").exit_code == 0


def test_worker_option_cannot_change_who_is_recorded(
    run: Run, team: Team, write_jsonl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = as_login(run, monkeypatch, team, team.ann)
    refused = ann("--worker", "Someone Else", "import", str(write_jsonl([minimal_case(team="North")])))
    assert refused.exit_code == 1 and "--worker" in refused.output
    monkeypatch.setenv("MSP_WORKER", "Someone Else")
    assert ann("case", "list").exit_code == 1
    monkeypatch.delenv("MSP_WORKER")
    assert ann("import", str(write_jsonl([minimal_case(team="North")]))).exit_code == 0
    assert owner_rows(team, "SELECT worker FROM audit_log WHERE action = 'case.import'") == [(team.ann,)]
    assert owner_rows(team, "SELECT count(*) FROM audit_log WHERE worker = 'Someone Else'") == [(0,)]
    # and through a plain connection: an entry in another's name is refused (test above)


def test_the_stored_case_reads_back_the_same_on_both_backends(
    run: Run, backend: Backend, write_jsonl: Any, tmp_path: Path
) -> None:
    record = full_case()
    assert run("import", str(write_jsonl([record]))).exit_code == 0
    shown = json.loads(run("case", "show", record["case_ref"], "--json").output)
    assert shown == record
    reopened = run("case", "reopen", record["case_ref"], "--reason", "new concern")
    assert reopened.exit_code == 0, reopened.output
    assert backend.rows("SELECT count(*) FROM closure WHERE reopened_on IS NOT NULL") == [(1,)]
    history = run("history", record["case_ref"], "--json").output.splitlines()
    assert [json.loads(line)["action"] for line in history] == ["case.import", "case.reopen"]
    assert all(json.loads(line)["worker"] == backend.worker for line in history)


@pytest.mark.timeout(300)  # 16 interpreters starting at once on a small CI machine
def test_sixteen_processes_save_at_once_and_the_chain_holds(
    run: Run, pg_url: str, write_jsonl: Any, tmp_path: Path
) -> None:
    files = []
    for n in range(16):
        cases = [open_case(case_ref=f"C-{n}-{i}", team="North", person={"ref": f"P-{n}-{i}"}) for i in range(5)]
        files.append(write_jsonl(cases, f"batch{n}.jsonl"))
    review = tmp_path / "review.json"
    review.write_text(json.dumps({"date": "2025-06-02", "outcomes": [{"progress": "In progress"}]}), "utf-8")
    env = {**os.environ, "MSP_DB": pg_url}
    env.pop("MSP_WORKER", None)
    # each process: an import of five new cases, then two reviews, as three msp commands
    script = (
        "import sys\nfrom msp_cli.cli import app\nn, batch, review = sys.argv[1:]\n"
        "for args in (['import', batch], ['case', 'review', f'C-{n}-0', '--answers', review],"
        " ['case', 'review', f'C-{n}-1', '--answers', review]):\n"
        "    try:\n        app(args)\n    except SystemExit as done:\n        if done.code:\n            raise\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(n), str(f), str(review)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for n, f in enumerate(files)
    ]
    outputs = [p.communicate(timeout=280)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 16, outputs
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM safeguarding_case").fetchone() == (80,)
        assert conn.execute("SELECT count(*) FROM outcome_review_session").fetchone() == (32,)
        actions = dict(conn.execute("SELECT action, count(*) FROM audit_log GROUP BY action").fetchall())
    assert actions["case.import"] == 80 and actions["case.review"] == 32
    check = run("--db", pg_url, "check")
    assert check.exit_code == 0 and "audit chain" in check.output, check.output


def test_reports_answer_through_the_storage_door_with_a_scope(pg_url: str) -> None:
    """Scope-only report calls work through the server store (the door the commands use)."""
    from msp_cli.reports.period import parse_period
    from msp_cli.storage import open_storage

    store = open_storage(pg_url)
    try:
        figures = store.report("outcomes", Scope(period=parse_period(year="2024-25")))
    finally:
        store.close()
    assert figures["concluded"] == 0


def test_two_saves_of_one_case_the_second_is_refused_naming_who(run: Run, team: Team, write_jsonl: Any) -> None:
    from msp_cli.errors import MspError
    from msp_cli.storage import open_storage

    north_and_south(run, write_jsonl)
    feedback = {"date": "2025-01-02", "given_by": "Person", "felt_listened_to": 4, "felt_involved": None,
                "feels_safer": None, "outcomes_met": None, "note": None}  # fmt: skip
    ann, meg = open_storage(team.url(team.ann)), open_storage(team.url(team.meg))
    try:
        first, second = ann.load_case("C-NORTH"), meg.load_case("C-NORTH")  # both open the case
        assert first is not None and second is not None
        with meg.write() as audit:
            meg.add_feedback(audit, second, feedback)  # type: ignore[arg-type]
        refused = pytest.raises(MspError, match=f"C-NORTH was changed by {team.meg} at .* since you opened it")
        with refused, ann.write() as audit:
            ann.add_feedback(audit, first, feedback)  # type: ignore[arg-type]
        with meg.write() as audit:  # meg's own change does not stop meg
            meg.add_feedback(audit, second, feedback)  # type: ignore[arg-type]
    finally:
        ann.close()
        meg.close()
    assert owner_rows(team, "SELECT count(*) FROM feedback WHERE given_on = '2025-01-02'") == [(2,)]
    assert owner_rows(team, "SELECT worker FROM audit_log WHERE action = 'feedback.add'") == [(team.meg,), (team.meg,)]


def test_copy_a_file_to_the_server_and_back_keeps_everything(
    run: Run, pg_template: Any, write_jsonl: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin_url = pg_template[0]
    name = f"msp_copy_{uuid.uuid4().hex[:10]}"
    pg_admin(admin_url, f'CREATE DATABASE "{name}"')  # empty: msp copy sets it up
    server = pg_url_for(admin_url, name)
    try:
        a, b = tmp_path / "a.db", tmp_path / "b.db"
        monkeypatch.setenv("MSP_DB", str(a))
        assert run("init", "--worker", "Test Worker", "--team", "North").exit_code == 0
        assert run("import", str(write_jsonl([full_case(), open_case(case_ref="C-OPEN"), *CASES]))).exit_code == 0
        assert run("case", "reopen", "C-2024-0001", "--reason", "new concern").exit_code == 0
        to_server = run("copy", str(a), server)
        assert to_server.exit_code == 0, to_server.output
        assert "Copied 9 cases" in to_server.output and "audit chain verifies" in to_server.output
        assert run("copy", str(a), server).exit_code == 1  # the destination holds cases now
        back = run("copy", server, str(b))
        assert back.exit_code == 0, back.output
        exports = []
        for db in (a, b):
            target = tmp_path / f"{db.stem}.jsonl"
            result = run("--db", str(db), "export", str(target), "--identifiable", "--reason", "copy test", "--yes")
            assert result.exit_code == 0, result.output
            exports.append(target.read_bytes())
        assert exports[0] == exports[1] and b"Edna Example" in exports[0]
        trail_a = [r[1:] for r in rows(a, "SELECT id, at, worker, action, row_key, changes, hash FROM audit_log")]
        trail_b = [r[1:] for r in rows(b, "SELECT id, at, worker, action, row_key, changes, hash FROM audit_log")]
        copied = [r for r in trail_a if not r[2].startswith("export")]  # a's own export came after the copies
        assert trail_b[: len(copied)] == copied
        assert [r[2] for r in trail_b[len(copied) :]][:2] == ["database.copy", "database.copy"]
        assert rows(a, "SELECT key, value FROM settings ORDER BY key") == rows(
            b, "SELECT key, value FROM settings ORDER BY key"
        )
        assert run("--db", str(b), "check").exit_code == 0
        assert run("--db", server, "check").exit_code == 0
    finally:
        pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_of_a_server_is_a_checked_file(run: Run, backend: Backend, write_jsonl: Any, tmp_path: Path) -> None:
    assert run("import", str(write_jsonl(CASES))).exit_code == 0
    target = tmp_path / "backup.db"
    result = run("backup", str(target))
    assert result.exit_code == 0, result.output
    assert rows(target, "SELECT count(*) FROM safeguarding_case") == [(len(CASES),)]
    assert run("--db", str(target), "check").exit_code == 0
    assert run("backup", str(target)).exit_code != 0  # never overwritten without --force


def test_the_server_schema_has_the_tables_and_columns_of_the_sqlite_schema(pg_url: str, initialised: Path) -> None:
    """storage/postgres/sql/0001_schema.sql is schema.sql in PostgreSQL types: the same names, in order."""
    listed = rows(initialised, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    tables = [t for (t,) in listed if not t.startswith(("_", "sqlite_"))]  # not the migrations' own record
    assert "safeguarding_case" in tables and "audit_log" in tables
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for table in tables:
            on_file = [r[1] for r in rows(initialised, f"PRAGMA table_info({table})")]
            on_server = [c for (c,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'rowid'"
                " ORDER BY ordinal_position", (table,))]  # fmt: skip
            assert on_server == on_file, table


def test_the_same_demo_gives_byte_identical_reports_on_both_backends(
    run: Run, pg_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`msp demo` on a file and on an empty server database; every report of the last year agrees."""
    import datetime as dt

    from msp_cli.reports.period import reporting_year_of, year_starting

    admin_url = pg_template[0]
    name = f"msp_demo_{uuid.uuid4().hex[:10]}"
    pg_admin(admin_url, f'CREATE DATABASE "{name}"')
    year = year_starting(int(reporting_year_of(dt.date.today()).start[:4]) - 1).label
    try:
        outputs = []
        for db in (str(tmp_path / "demo.db"), pg_url_for(admin_url, name)):
            monkeypatch.setenv("MSP_DB", db)
            made = run("demo", "--cases", "400", "--seed", "7")
            assert made.exit_code == 0, made.output
            out = {}
            for args in REPORTS:
                result = run("report", *args, "--year", year, "--json")
                assert result.exit_code == 0, result.output
                out[" ".join(args)] = result.output
            outputs.append(out)
        assert outputs[0] == outputs[1]
        assert json.loads(outputs[1]["outcomes"])["concluded"] > 50
        again = run("demo", "--cases", "10")  # the server database holds cases now
        assert again.exit_code == 1 and "only an empty one" in again.output
    finally:
        pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_passwords_come_the_libpq_way_and_never_reach_a_message(
    run: Run, team: Team, write_jsonl: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Over TCP the server asks for a password (SCRAM): PGPASSWORD, ~/.pgpass, or the URL, never echoed."""
    from urllib.parse import parse_qs, urlsplit

    port = parse_qs(urlsplit(team.db_url).query).get("port", ["5432"])[0]
    dbname = urlsplit(team.db_url).path.lstrip("/")

    def tcp(password: str | None = None) -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{team.ann}{secret}@127.0.0.1:{port}/{dbname}"

    try:
        psycopg.connect(tcp("s3cret-pw"), connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        if "refused" in str(exc) or "could not connect" in str(exc):
            pytest.skip("the test server does not listen on 127.0.0.1 (.ci/pg-server does)")
        raise
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    monkeypatch.setenv("PGPASSWORD", "wrong-password-x")
    refused = run("--db", tcp(), "case", "list")
    assert refused.exit_code != 0 and "wrong-password-x" not in refused.output
    assert "PGPASSWORD" in refused.output and len(refused.output.strip().splitlines()) == 1
    monkeypatch.setenv("PGPASSWORD", "s3cret-pw")
    assert run("--db", tcp(), "case", "list").exit_code == 0
    monkeypatch.delenv("PGPASSWORD")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{port}:{dbname}:{team.ann}:s3cret-pw\n", encoding="utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert run("--db", tcp(), "case", "list").exit_code == 0
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    wrong = run("--db", tcp("wrong-in-url"), "case", "list")
    assert wrong.exit_code != 0 and "wrong-in-url" not in wrong.output
    saved = run("--db", tcp("s3cret-pw"), "import", str(write_jsonl([minimal_case(team="North")])))
    assert saved.exit_code == 0 and "s3cret" not in saved.output
    assert "s3cret" not in json.dumps(owner_rows(team, "SELECT * FROM audit_log"))
    assert "s3cret" not in run("--db", tcp("s3cret-pw"), "where").output


def test_every_case_read_for_an_export_streams_through_a_cursor_on_the_server(
    run: Run, pg_url: str, write_jsonl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain cursor brings a whole result into memory at once (every case, for an export of a
    million); iter_cases and the other whole-database reads fetch a few rows at a time instead."""
    from msp_cli.storage import open_storage
    from msp_cli.storage.postgres import connection
    from msp_cli.storage.sqlite import case_store

    cases = [minimal_case(f"C-{i:02}", person={"ref": f"P-{i % 7}", "name": f"Name {i % 7}"}) for i in range(11)]
    assert run("--db", pg_url, "import", str(write_jsonl(cases))).exit_code == 0
    monkeypatch.setattr(connection, "STREAM_ROWS", 3)  # several fetches for 11 cases
    monkeypatch.setattr(case_store, "CHUNK", 4)  # and cases loaded a few at a time, the cursor still open
    store = open_storage(pg_url)
    try:
        open_cursors = "SELECT count(*) FROM pg_cursors WHERE name LIKE 'msp_stream_%'"
        seen, cursors_while_reading = [], []
        for stored in store.iter_cases(period=None, team=None, worker=None):
            seen.append(stored.record["case_ref"])
            cursors_while_reading.append(store.conn.execute(open_cursors).fetchone()[0])  # statements between rows
        assert seen == [f"C-{i:02}" for i in range(11)]  # every case, in order
        # open while cases are still to come (chunks of 4); closed on the server once its last row is read
        assert cursors_while_reading == [1] * 8 + [0] * 3
        people = list(store.iter_people_in_groups(period=None, team=None, worker=None))
        assert sorted(row[0] for row in people) == sorted({row[0] for row in people}) and len(people) == 7
        assert {f"Name {i}" for i in range(7)} <= set(store.recorded_names())
        assert store.conn.execute(open_cursors).fetchone()[0] == 0
    finally:
        store.close()
