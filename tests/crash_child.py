"""A child process for the crash tests: does real saves and says after each one that it is saved.

    python -m tests.crash_child wizard DB     saves a case step by step, as the wizard does
The parent kills it with SIGKILL at a random moment and checks what survived.
"""

from __future__ import annotations

import sys
from pathlib import Path

from msp_cli import wizard
from msp_cli.storage.sqlite.store import open_store
from tests.helpers import open_case


def wizard_steps(db: Path) -> None:
    store = open_store(db)
    for n in range(1, 1000):
        final = open_case(case_ref=f"K-{n}", person={"ref": f"PK-{n}"})
        w = wizard.Wizard(store=store, record=wizard.new_record(final["case_ref"]))
        # the wizard's seven steps, each adding its answers and saving in its own transaction
        steps = [
            ("person", "worker", "team"),
            ("concern_received", "risk_types", "location_of_risk", "source_of_risk", "enquiry_type", "enquiry_started"),
            ("consent",),
            ("capacity", "advocacy"),
            ("asked_about_outcomes", "desired_outcomes"),
            (),
            ("responses",),
        ]
        for step, keys in enumerate(steps, start=1):
            for key in keys:
                w.record[key] = final[key]
            w.save(None if step == len(steps) else step + 1)
            print(f"saved {final['case_ref']} {step}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "wizard":
        wizard_steps(Path(sys.argv[2]))
