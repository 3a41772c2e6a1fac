"""The wizard as a person meets it: a real pseudo-terminal, start to finish, then the database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.conftest import Run, rows

pexpect = pytest.importorskip("pexpect")
pytestmark = [
    pytest.mark.pty,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]

DOWN = "\x1b[B"


def spawn(db: Path, *args: str) -> pexpect.spawn:
    # pexpect does not answer cursor-position requests; without this each prompt waits for one
    env = {**os.environ, "MSP_DB": str(db), "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(
        sys.executable, ["-m", "msp_cli", *args], env=env, encoding="utf-8", timeout=15, dimensions=(40, 120)
    )
    return child


def answer(child: pexpect.spawn, prompt: str, keys: str) -> None:
    child.expect_exact(prompt)
    child.send(keys)


def test_case_new_in_a_real_terminal(run: Run, initialised: Path) -> None:
    child = spawn(initialised, "case", "new")
    answer(child, "Case reference", "\x15C-PTY-1\r")
    answer(child, "Lead worker", "\r")
    answer(child, "Team", "\r")
    answer(child, "person's reference", "P-PTY\r")
    answer(child, "Name", "\r")
    answer(child, "Age band", "65\r")
    answer(child, "Sex", "Male\r")
    answer(child, "Ethnicity", "White\r")
    answer(child, "Primary support reason", "Physical\r")
    answer(child, "concern was received", "\x152025-07-01\r")
    answer(child, "Types of risk", "\r")
    child.expect_exact("Choose at least one")  # the check shows beside the list, not at the screen's foot
    child.send("Neglect \r")
    child.expect_exact("chosen: Neglect and Acts of Omission")  # what was ticked is echoed
    answer(child, "Where was the risk?", "Residential\r")
    answer(child, "Source of risk", "Service\r")
    answer(child, "The decision", "Section\r")
    answer(child, "enquiry started", "\x152025-07-02\r")
    answer(child, "consent to the enquiry sought?", "y")
    answer(child, "give consent?", "y")
    answer(child, "lack capacity", "did\r")
    answer(child, "advocacy been offered?", "n")
    answer(child, "asked about the outcomes", "expressed\r")
    answer(child, "Desired outcome 1", "I just want the carers to come on time\r")
    answer(child, "kind of outcome", "safer\r")
    answer(child, "Who expressed it?", "Person\r")
    answer(child, "Add another", "n")
    answer(child, "negotiated", "n")
    answer(child, "Responses planned", "Personalised \r")
    child.expect_exact("is saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert rows(
        initialised, "SELECT case_ref, draft_step, location_of_risk, source_of_risk FROM safeguarding_case"
    ) == [("C-PTY-1", None, "Care Home - Residential", "Service Provider")]
    assert rows(initialised, "SELECT text FROM desired_outcome") == [("I just want the carers to come on time",)]


def test_ctrl_c_in_a_real_terminal(run: Run, initialised: Path) -> None:
    child = spawn(initialised, "case", "new")
    answer(child, "Case reference", "\x15C-PTY-2\r")
    answer(child, "Lead worker", "\r")
    answer(child, "Team", "\r")
    answer(child, "person's reference", "P-PTY\r")
    answer(child, "Name", "\r")
    # Enter alone chooses nothing: the refusal shows beside the list, and "not known" is typed
    for question, typed in (
        ("Age band", "Not Known"),
        ("Sex", "not known"),
        ("Ethnicity", "Undeclared"),
        ("Primary support reason", "Not Known"),
    ):
        answer(child, question, "\r")
        child.expect_exact("Choose one")
        child.send(typed + "\r")
    child.expect_exact("concern was received")
    child.sendintr()
    child.expect_exact("msp case resume C-PTY-2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert rows(initialised, "SELECT draft_step FROM safeguarding_case") == [(2,)]
    assert rows(initialised, "SELECT age_band, sex, ethnicity, primary_support_reason FROM person") == [
        ("Not Known", "Not Known", "Undeclared / Not Known", "Not Known")
    ]
