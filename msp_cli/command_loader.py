"""Commands imported, and built by typer, only when one is used.

`msp report outcomes` imports the modules of `report` alone, and typer builds the options of
`report outcomes` alone: building a command reads its signature and evaluates every annotation,
a few milliseconds a command, and the report and case groups have eight and nine. `msp --help`
lists every command from msp_cli.commands.COMMANDS, importing none.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import typer
from typer._click import Command
from typer.core import TyperCommand, TyperGroup

from msp_cli.commands import COMMANDS

# modules -> a Typer holding their commands: a module registers once a process (report.py adds
# sac and board to its group each time it registers), however many root groups are built
_registered: dict[tuple[str, ...], typer.Typer] = {}


def registered(modules: tuple[str, ...]) -> typer.Typer:
    """A Typer with the commands of MODULES (of msp_cli.commands) registered on it."""
    if modules not in _registered:
        from msp_cli.typer_fixes import plain_metavars

        holder = typer.Typer()
        for name in modules:
            # __import__, not importlib.import_module: `python -X importtime` (tests/test_startup.py) sees it
            __import__(f"msp_cli.commands.{name}", fromlist=["register"]).register(holder)
        plain_metavars(holder)
        _registered[modules] = holder
    return _registered[modules]


class LazyCommands(MutableMapping[str, Command]):
    """A group's `commands`: its names, in order, each command built on first use.

    click reads a group's commands through this mapping (to run one, to suggest a name for a
    typo, to complete, to list them in --help); reading a name builds that command alone.
    """

    def __init__(self, names: Iterable[str], make: Callable[[str], Command | None], helps: Mapping[str, str]) -> None:
        self._names = list(names)
        self._make = make
        self._helps = helps  # name -> its one-line help, to list it without building it
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._built and name in self._names:
            made = self._make(name)
            if made is not None:
                self._built[name] = made
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._names
        yield from (name for name in self._built if name not in self._names)

    def __len__(self) -> int:
        return sum(1 for _name in self)

    def __contains__(self, name: object) -> bool:
        return name in self._names or name in self._built

    def summary(self, name: str) -> Command:
        """NAME's command if built or without a kept help, else a stand-in holding that help (to list it)."""
        if name in self._built or name not in self._helps:
            return self[name]
        return TyperCommand(name, help=self._helps[name])


def root_commands(root: typer.Typer) -> LazyCommands:
    """The commands of msp itself (COMMANDS), as typer would make them for ROOT."""

    def make(name: str) -> Command | None:
        return build(registered(COMMANDS[name][0]), root, name)

    return LazyCommands(COMMANDS, make, {name: first_sentence for name, (_modules, first_sentence) in COMMANDS.items()})


def build(holder: typer.Typer, root: typer.Typer, name: str) -> Command | None:
    """HOLDER's command or group NAME as a click command, as typer makes it for ROOT; a group's commands lazily."""
    from typer.main import get_command_from_info

    for info in holder.registered_commands:
        if info.name == name:
            return get_command_from_info(
                info, pretty_exceptions_short=root.pretty_exceptions_short, rich_markup_mode=root.rich_markup_mode
            )
    for group_info in holder.registered_groups:
        if group_info.name == name and group_info.typer_instance is not None:
            return _lazy_group(group_info, group_info.typer_instance, root)
    return None


def _lazy_group(info: Any, members: typer.Typer, root: typer.Typer) -> Command:
    """The group of INFO as typer makes it, with its commands (registered on MEMBERS) built when used."""
    from typer.main import get_group_from_info

    shell = copy.copy(info)  # typer builds the group from this, with none of its commands
    shell.typer_instance = copy.copy(members)
    shell.typer_instance.registered_commands = []
    group = get_group_from_info(
        shell,
        pretty_exceptions_short=root.pretty_exceptions_short,
        rich_markup_mode=root.rich_markup_mode,
        suggest_commands=root.suggest_commands,
    )
    names = [command.name or "" for command in members.registered_commands]
    group.commands = LazyCommands(names, lambda name: build(members, root, name), {})
    return group


def format_commands(group: TyperGroup, ctx: Any, formatter: Any, commands: LazyCommands) -> None:
    """The Commands section of --help, as typer's TyperGroup writes it, from kept one-line helps where there are."""
    from gettext import gettext as _

    listed = [(name, commands.summary(name)) for name in group.list_commands(ctx)]
    listed = [(name, command) for name, command in listed if not command.hidden]
    if listed:
        limit = formatter.width - 6 - max(len(name) for name, _command in listed)
        with formatter.section(_("Commands")):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in listed])
