"""The commands of msp: the modules that define each, and its one-line help.

A command's modules are imported only when it runs (or its own --help is asked for): importing
all of them, and typer building every command's options, costs more than many commands take
to do their work. `msp --help` lists every command from the one-line help kept here, without
importing any; tests/test_startup.py checks each against the command's own help.
"""

from __future__ import annotations

# `msp case` gathers commands from all three modules (progress.py also makes meeting and feedback);
# imported always together, in this order, so that `msp case --help` lists them as it always has
CASE_FAMILY = ("case", "correct", "progress")

# name -> (modules of msp_cli.commands, first sentence of its help), in the order `msp --help` lists them
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "init": (("admin",), "Create the database (owner-only), and record who uses it and in which team."),
    "where": (("admin",), "Say which database file msp uses, and why."),
    "history": (("admin",), "Show the audit trail: who changed what, and when (UTC)."),
    "import": (
        ("data",),
        "Import cases: JSON Lines (all of them, or none if any line is wrong), or an extract with --map.",
    ),
    "export": (("data",), "Export cases for analysts and auditors: pseudonymised unless --identifiable."),
    "demo": (("demo",), "Make a demonstration database of fictional cases and show its headline reports."),
    "tutorial": (
        ("tutorial",),
        "A guided case for training: coaching notes before each step, then where the case is counted.",
    ),
    "labels": (("labels",), "The allowed labels of a list (msp labels risk-type), or the lists there are."),
    "use": (("use",), "Make PATH the database later commands use where neither --db nor MSP_DB says otherwise."),
    "audit": (
        ("worklist",),
        "The case-audit worklist: where recording falls short, case by case, and how to put it right.",
    ),
    "backup": (
        ("safety",),
        "A consistent copy of the live database, checked after writing (encrypted stays encrypted).",
    ),
    "restore": (
        ("safety",),
        "Replace the database with a backup: the backup is checked first and the current file kept aside.",
    ),
    "check": (
        ("safety",),
        "Integrity, foreign keys, the audit trail, the schema, the cases against the trail, permissions.",
    ),
    "rekey": (
        ("safety",),
        "Change the passphrase of an encrypted database (the new one from MSP_NEW_PASSPHRASE, or asked for).",
    ),
    "copy": (
        ("copy",),
        "Copy a whole msp database, file to server or server to file: cases, history, settings, audit trail.",
    ),
    "case": (CASE_FAMILY, "Record a case: start, resume, list, show, review, close."),
    "meeting": (CASE_FAMILY, "Record meetings held with and about the person."),
    "feedback": (CASE_FAMILY, "Record what the person says about how it went."),
    "report": (("report",), "Aggregate reports: outcome measures, the national MSP tables, breakdowns."),
    "map": (("extract",), "Mapping files for council extracts (.csv, .xlsx): msp map draft FILE > MAP.toml"),
    "user": (("users",), "Who may use a server database: logins, their role and team (server only)."),
}
