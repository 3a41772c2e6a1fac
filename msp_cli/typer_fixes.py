"""Where msp departs from typer 0.29's defaults (pinned in pyproject): help in plain words, and
option values read without pydantic.

typer 0.29 reads every option and argument through a pydantic TypeAdapter; importing pydantic
and building the adapters is ~80 ms, more than a command that opens the database takes to do
its work. msp's options are text, whole numbers in a range and lists of text: those values are
taken here as pydantic would give them, and anything else (a number written `+5` or `1_000`,
a value out of range, a path, text that is not valid UTF-8) still goes to typer's own adapter,
so its result and its error message are typer's. tests/test_startup.py holds the two to the
same answers.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import typer
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperArgument, _TyperParameter
from typer.models import ArgumentInfo, OptionInfo, ParameterInfo

_NOT_PLAIN = object()  # a value to leave to typer's adapter
_LONGEST_PLAIN_INT = 18  # digits: well inside what any range check or SQLite integer takes


def apply() -> None:
    """Install both departures in typer's classes (once a process; applying again changes nothing)."""
    _TyperParameter.get_runtime_param = _plain_first_runtime_param  # type: ignore[method-assign]
    TyperArgument.display_type_rich = _no_type  # type: ignore[method-assign,assignment]


def plain_value(annotation: Any, info: ParameterInfo, value: Any) -> Any:
    """VALUE as typer's adapter would return it, where that is certain without it; else _NOT_PLAIN."""
    if info.parser is not None:
        return _NOT_PLAIN
    if annotation is str:
        return value if _is_text(value) else _NOT_PLAIN
    if annotation is int and not info.clamp:
        number = _plain_int(value)
        if number is None or (info.min is not None and number < info.min):
            return _NOT_PLAIN
        return _NOT_PLAIN if info.max is not None and number > info.max else number
    if annotation == list[str] and isinstance(value, (list, tuple)) and all(_is_text(v) for v in value):
        return list(value)
    return _NOT_PLAIN


def _is_text(value: Any) -> bool:
    """A str that is valid UTF-8 (argv on POSIX carries undecodable bytes as lone surrogates)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _plain_int(value: Any) -> int | None:
    """An int, or digits written plainly (no sign, no leading zero, no spaces or underscores)."""
    if type(value) is int:
        return value
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()) or len(value) > _LONGEST_PLAIN_INT:
        return None
    return int(value) if value == "0" or not value.startswith("0") else None


@dataclass(frozen=True)
class PlainFirst(RuntimeParam):
    """A parameter's values read by plain_value, and by typer's own adapter where that cannot."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Any) -> Any:
        plain = plain_value(self.annotation, self.parameter_info, value)
        if plain is not _NOT_PLAIN:
            return plain
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param=param, ctx=ctx)


def _plain_first_runtime_param(self: _TyperParameter) -> RuntimeParam:
    if self._runtime_param is None:
        described = self.type_descriptor
        self._runtime_param = PlainFirst(parameter_info=described.parameter_info, annotation=described.annotation)
    return self._runtime_param


def _no_type(self: TyperArgument, ctx: Any) -> str | None:
    """typer 0.29 prints an argument's Python type after its name (`CASE_REF <str>`): the name says enough."""
    return None


def plain_metavars(group: typer.Typer) -> None:
    """Show TEXT, N or the argument's name in --help, where typer would print `<str>` or `<list[str]>`."""
    for info in group.registered_commands:
        if info.callback is None:
            continue
        for param in inspect.signature(info.callback).parameters.values():
            default, annotation = param.default, str(param.annotation)
            if not isinstance(default, (ArgumentInfo, OptionInfo)) or default.metavar is not None:
                continue
            if isinstance(default, ArgumentInfo):
                default.metavar = param.name.upper()
            elif "bool" not in annotation:
                default.metavar = "N" if "int" in annotation else "TEXT"
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            plain_metavars(sub.typer_instance)
