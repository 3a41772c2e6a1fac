"""The mapping file (TOML): which column feeds which field, and local labels to national ones.

    [source]   sheet, encoding, date_format, delimiter; team and worker as constants
    [columns]  field = "Heading"  or  field = { column = "Heading", split = ";" }
    [labels.FIELD]  "local label" = "National label"

Every problem in the file is found and listed at once; national labels are checked here, so a
typing slip in the map is named as such rather than as a thousand bad rows.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msp_cli.errors import MspError
from msp_cli.extract.fields import CONSTANTS, FIELDS, REQUIRED, Field
from msp_cli.extract.values import normal
from msp_cli.model import describe_label_problem

SOURCE_KEYS = ("sheet", "encoding", "date_format", "delimiter", *CONSTANTS)


class MappingProblem(MspError):
    """The mapping file cannot be used as it is; lists every problem in it."""

    exit_code = 65  # EX_DATAERR: the map is data the user supplies

    def __init__(self, name: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{name} needs fixing before anything can be imported:\n" + "\n".join(problems))


@dataclass(frozen=True)
class Column:
    field: Field
    heading: str
    split: str | None = None


@dataclass
class Mapping:
    name: str
    columns: list[Column]
    labels: dict[str, dict[str, str]]  # field -> {local label as written: national label}
    sheet: str | None = None
    encoding: str | None = None
    date_format: str | None = None
    delimiter: str = ","
    constants: dict[str, str] = field(default_factory=dict)

    def lookup(self, field_name: str) -> dict[str, str]:
        """Local labels (compared without case or extra spaces) to national ones, for one field."""
        return {normal(local): national for local, national in self.labels.get(field_name, {}).items()}


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover (Python 3.10)
        import tomli as tomllib
    return tomllib


def load(path: Path) -> Mapping:
    if path.is_dir():
        raise MspError(f"{path} is a folder; give the mapping file (.toml).")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MspError(
            f"There is no mapping file {path}.", hint=f"Draft one with: msp map draft EXTRACT > {path.name}"
        ) from None
    except UnicodeDecodeError:
        raise MspError(f"{path.name} is not UTF-8 text; save the mapping file as UTF-8.") from None
    except OSError:
        raise MspError(f"{path} cannot be read; check its permissions.") from None
    try:
        data = _toml().loads(text)
    except _toml().TOMLDecodeError as exc:
        raise MspError(f"{path.name} is not valid TOML: {exc}. Check quotes around headings and labels.") from None
    return parse(path.name, data)


def _closest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _leaves(table: dict[str, Any], is_leaf: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted names for nested tables: `person.ref = ...` and `"person.ref" = ...` are the same."""
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not is_leaf(value):
            out += _leaves(value, is_leaf, name + ".")
        else:
            out.append((name, value))
    return out


def parse(name: str, data: dict[str, Any]) -> Mapping:
    problems: list[str] = []
    for key in data:
        if key not in ("source", "columns", "labels"):
            problems.append(f"[{key}]: not a section of a mapping file; use [source], [columns] and [labels.FIELD]")
    source = data.get("source", {})
    mapping = Mapping(name=name, columns=[], labels={})
    _source(source if isinstance(source, dict) else {}, mapping, problems)
    _columns(data.get("columns", {}), mapping, problems)
    _labels(data.get("labels", {}), mapping, problems)
    if problems:
        raise MappingProblem(name, problems)
    return mapping


def _source(source: dict[str, Any], mapping: Mapping, problems: list[str]) -> None:
    for key, value in source.items():
        if key not in SOURCE_KEYS:
            problems.append(
                f"[source] {key}: not a setting{_closest(key, list(SOURCE_KEYS))} ({', '.join(SOURCE_KEYS)})"
            )
        elif not isinstance(value, str) or not value:
            problems.append(f'[source] {key}: must be text in quotes, as {key} = "..."')
    text = {k: v for k, v in source.items() if k in SOURCE_KEYS and isinstance(v, str) and v}
    mapping.sheet = text.get("sheet")
    mapping.constants = {k: text[k] for k in CONSTANTS if k in text}
    if "encoding" in text:
        try:
            mapping.encoding = codecs.lookup(text["encoding"]).name
        except LookupError:
            problems.append("[source] encoding: not an encoding Python knows; use utf-8, utf-8-sig or cp1252")
    if "delimiter" in text:
        mapping.delimiter = text["delimiter"]
        if len(mapping.delimiter) != 1:
            problems.append('[source] delimiter: must be one character, as delimiter = ";"')
    if "date_format" in text:
        fmt = text["date_format"]
        sample = dt.date(2025, 1, 31)
        try:
            good = dt.datetime.strptime(sample.strftime(fmt), fmt).date() == sample
        except ValueError:
            good = False
        if not good:
            problems.append('[source] date_format: must give day, month and year, as date_format = "%d/%m/%Y"')
        mapping.date_format = fmt


def _columns(columns: Any, mapping: Mapping, problems: list[str]) -> None:
    if not isinstance(columns, dict):
        problems.append('[columns]: must be a table of field = "Heading"')
        return
    for name, value in _leaves(columns, lambda v: "column" in v):
        target = FIELDS.get(name)
        if target is None:
            problems.append(
                f"[columns] {name}: not an interchange field an extract can feed{_closest(name, list(FIELDS))}"
            )
            continue
        split = None
        if isinstance(value, dict):
            unknown = [k for k in value if k not in ("column", "split")]
            split = value.get("split")
            value = value.get("column")
            if unknown:
                problems.append(f"[columns] {name}: only column and split may be given")
            if split is not None and (not isinstance(split, str) or not split):
                problems.append(f'[columns] {name}: split must be the text between labels, as split = ";"')
            elif split is not None and not target.is_list:
                problems.append(f"[columns] {name}: only a list field (risk_types, responses) can be split")
        if not isinstance(value, str) or not value.strip():
            problems.append(f'[columns] {name}: must be the column heading in quotes, as {name} = "Heading"')
            continue
        if name in mapping.constants:
            problems.append(f"[columns] {name}: is also set for every case in [source]; keep one")
        mapping.columns.append(Column(target, value.strip(), split if isinstance(split, str) else None))
    mapped = {c.field.name for c in mapping.columns}
    for name in REQUIRED:
        if name not in mapped:
            problems.append(f'[columns] {name}: is required; give the heading of its column, as {name} = "Heading"')


def _labels(labels: Any, mapping: Mapping, problems: list[str]) -> None:
    if not isinstance(labels, dict):
        problems.append('[labels]: must hold tables such as [labels.risk_types] "Local" = "National label"')
        return
    for name, table in _leaves(labels, lambda v: all(not isinstance(x, dict) for x in v.values())):
        target = FIELDS.get(name)
        if target is None or not target.labels:
            choices = [f for f, spec in FIELDS.items() if spec.labels]
            problems.append(f"[labels.{name}]: not a field that takes labels{_closest(name, choices)}")
            continue
        if not isinstance(table, dict):
            problems.append(f'[labels.{name}]: must be a table of "local label" = "National label"')
            continue
        seen: dict[str, str] = {}
        for local, national in table.items():
            if not isinstance(national, str) or national not in target.labels:
                problems.append(
                    f"[labels.{name}] {local!r}: " + describe_label_problem(national, target.labels, "a national label")
                )
            elif seen.get(normal(local), national) != national:
                problems.append(f"[labels.{name}] {local!r}: given twice with different national labels")
            seen[normal(local)] = national if isinstance(national, str) else ""
        mapping.labels[name] = {k: v for k, v in table.items() if isinstance(v, str)}
