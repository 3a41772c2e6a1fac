"""The root group's commands, imported and built by typer only when one is used.

`msp history X` imports the modules of `history` alone, and typer builds the options of its
commands alone; `msp --help` lists every command from msp_cli.commands.COMMANDS, importing none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import typer
from typer._click import Command
from typer.core import TyperCommand

from msp_cli.commands import COMMANDS

Build = Callable[[typer.Typer], dict[str, Command]]  # a holder's commands as click commands

# modules -> a Typer holding their commands: a module registers once a process (report.py adds
# sac and board to its group each time it registers), however many root groups are built
_registered: dict[tuple[str, ...], typer.Typer] = {}


def registered(modules: tuple[str, ...]) -> typer.Typer:
    """A Typer with the commands of MODULES (of msp_cli.commands) registered on it."""
    if modules not in _registered:
        holder = typer.Typer()
        for name in modules:
            # __import__, not importlib.import_module: `python -X importtime` (tests/test_startup.py) sees it
            __import__(f"msp_cli.commands.{name}", fromlist=["register"]).register(holder)
        _registered[modules] = holder
    return _registered[modules]


class LazyCommands(MutableMapping[str, Command]):
    """The root group's `commands`: every name of COMMANDS, each built on first use.

    click reads a group's commands through this mapping (to run one, to suggest a name for a
    typo, to complete); reading a name builds the commands of its modules, and no others.
    """

    def __init__(self, build: Build) -> None:
        self._build = build
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._built and name in COMMANDS:
            self._built.update(self._build(registered(COMMANDS[name][0])))
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._built if name not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(name not in COMMANDS for name in self._built)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._built

    def summary(self, name: str) -> Command:
        """NAME's command if built, else a stand-in holding its one-line help (for listing it)."""
        if name in self._built or name not in COMMANDS:
            return self[name]
        return TyperCommand(name, help=COMMANDS[name][1])


def build(holder: typer.Typer, root: typer.Typer) -> dict[str, Command]:
    """HOLDER's commands and groups as click commands, made as typer makes them for the ROOT app."""
    from typer.main import get_command_from_info, get_group_from_info

    from msp_cli.typer_fixes import plain_metavars

    plain_metavars(holder)
    built: dict[str, Command] = {}
    for info in holder.registered_commands:
        command = get_command_from_info(
            info, pretty_exceptions_short=root.pretty_exceptions_short, rich_markup_mode=root.rich_markup_mode
        )
        built[command.name or ""] = command
    for group_info in holder.registered_groups:
        group = get_group_from_info(
            group_info,
            pretty_exceptions_short=root.pretty_exceptions_short,
            rich_markup_mode=root.rich_markup_mode,
            suggest_commands=root.suggest_commands,
        )
        built[group.name or ""] = group
    return built


def format_commands(group: Any, ctx: Any, formatter: Any, commands: LazyCommands) -> None:
    """The Commands section of `msp --help`, as typer's TyperGroup writes it, from COMMANDS' one-line help."""
    from gettext import gettext as _

    listed = [(name, commands.summary(name)) for name in group.list_commands(ctx)]
    listed = [(name, command) for name, command in listed if not command.hidden]
    if listed:
        limit = formatter.width - 6 - max(len(name) for name, _command in listed)
        with formatter.section(_("Commands")):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in listed])
