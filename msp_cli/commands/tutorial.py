"""`msp tutorial`: a guided case on a demonstration database, for training."""

from __future__ import annotations

from pathlib import Path

import typer

from msp_cli.commands.case import needs_terminal
from msp_cli.context import AppState
from msp_cli.errors import MspError
from msp_cli.hints import command, quote
from msp_cli.location import tutorial_file
from msp_cli.ui import console, interactive, say


def register(app: typer.Typer) -> None:
    app.command("tutorial")(tutorial)


def tutorial(
    ctx: typer.Context,
    scenario_key: str | None = typer.Option(
        None, "--scenario", help="money (default), home or care-home: which fictional person to meet."
    ),
) -> None:
    """A guided case for training: coaching notes before each step, then where the case is counted.

    It works in a file of its own (unless --db names one), so the demonstration database and
    real data are left as they were.
    """
    from msp_cli import prompts, rules, tutorial, vocab, wizard

    state: AppState = ctx.obj
    chosen = tutorial.scenario(scenario_key)
    if not interactive():
        raise needs_terminal("msp tutorial", answers=False)
    restart = command("tutorial", "--scenario", chosen.key)
    path = Path(state.db_option).expanduser() if state.db_option else tutorial_file()
    state.db_option = str(path)  # so that every hint from here on names this file
    store = state.open(create=True)
    if not store.is_demo():
        if store.count_cases():
            raise MspError(
                f"{path} holds real data; the tutorial only runs on a demonstration database.",
                hint="Leave out --db: the tutorial then uses a file of its own.",
            )
        with store.write() as audit:
            store.set_setting(audit, "demo", "yes")
    prompts.show_warning(f"Tutorial: {chosen.title}")
    prompts.show(chosen.story)
    notes = tutorial.coaching(chosen)
    w = wizard.Wizard(
        store=store,
        record=wizard.new_record(),
        coach=lambda step: prompts.show_help(notes[step]),
        restart=restart,
    )
    wizard.run(w)
    from msp_cli.case_view import render_case

    stored = store.load_case(w.record["case_ref"])
    assert stored is not None
    console.print(render_case(stored.record, None, store.load_history(stored.case_id), demo=True))
    r = stored.record
    where = [
        "Where this case is counted:",
        f"- msp report sac: a concern received on {r['concern_received']} (SG1f)",
    ]
    if r["enquiry_type"] in rules.ENQUIRY_TYPES:
        kind = "a Section 42 enquiry" if r["enquiry_type"] == vocab.SECTION_42 else "an other enquiry"
        where.append(f"- msp report sac: {kind} started on {r['enquiry_started']} (SG1f)")
        if r["enquiry_type"] == vocab.SECTION_42:
            where.append(f"- once closed, in SG2a under {', '.join(r['risk_types'])}, and in SG3a and SG4a")
        where.append("- once closed, in msp report outcomes: whether what the person wanted was achieved")
        ref = quote(r["case_ref"])
        where.append(f"Next, as the enquiry goes on: {command('case review', ref)}, then {command('case close', ref)}")
    else:
        shown = command("case show", quote(r["case_ref"]))
        where.append(f"It needed no enquiry, so it is closed already. See it again with: {shown}")
    say("\n".join(where))
