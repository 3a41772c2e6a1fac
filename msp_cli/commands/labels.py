"""`msp labels [LIST]`: the labels a field allows, letter for letter."""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    app.command("labels")(labels)


def _list_names(incomplete: str) -> list[str]:
    from msp_cli.labels import LISTS

    return [lst.name for lst in LISTS if lst.name.startswith(incomplete)]


def labels(
    name: str | None = typer.Argument(
        None, metavar="[LIST]", help="Which list (risk-type...); all if left out.", autocompletion=_list_names
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON, for programs."),
) -> None:
    """The allowed labels of a list (msp labels risk-type), or the lists there are."""
    from msp_cli.labels import LISTS, find
    from msp_cli.ui import say

    if name is not None:
        chosen = find(name)
        if as_json:
            print(
                json.dumps({"list": chosen.name, "fields": chosen.fields, "labels": chosen.labels}, ensure_ascii=False)
            )
            return
        say(f"{chosen.name}: {chosen.about} Used in: {', '.join(chosen.fields)}.")
        for label in chosen.labels:
            print(label)
        return
    if as_json:
        print(json.dumps({lst.name: lst.labels for lst in LISTS}, ensure_ascii=False, indent=2))
        return
    import shutil
    import textwrap

    width = max(len(lst.name) for lst in LISTS)
    indent = " " * (width + 12)
    columns = max(shutil.get_terminal_size().columns, len(indent) + 20)
    for lst in LISTS:
        line = f"{lst.name:<{width}}  {len(lst.labels):>2} labels  {lst.about}"
        print(textwrap.fill(line, columns, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False))
    say("See one list with: msp labels NAME (the labels print one a line, as the data must hold them).")
