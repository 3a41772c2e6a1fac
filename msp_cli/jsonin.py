"""JSON from outside (import files, --answers): strict, and bounded so no input can exhaust memory.

Python's json accepts a key given twice (the last wins, silently), NaN and Infinity, and
numbers of any length; a file from another system may hold any of these. Here each is a
clear problem instead.
"""

from __future__ import annotations

import json
from functools import cache
from typing import IO, Any

MAX_LINE_BYTES = 1_000_000  # one case is a few kilobytes; a longer line is not a case
MAX_NUMBER_DIGITS = 18


class JsonProblem(ValueError):
    """What is wrong with a JSON text, in words fit for the user (no values quoted)."""

    line: int | None = None  # the line read_line refused, if that is what this is


def loads(text: str) -> Any:
    try:
        if text.startswith("\ufeff"):  # as json.loads says, which decode() does not check
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _decoder().decode(text)
    except json.JSONDecodeError as exc:
        raise JsonProblem(f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise JsonProblem("is nested too deeply") from None


@cache
def _decoder() -> json.JSONDecoder:
    """One strict decoder for every line (json.loads with hooks builds a new one each call)."""
    return json.JSONDecoder(
        object_pairs_hook=_no_duplicate_keys,
        parse_int=_bounded_int,
        parse_float=_bounded_float,
        parse_constant=_no_constant,
    )


def read_line(stream: IO[bytes], number: int) -> bytes:
    """The next line, refusing one longer than MAX_LINE_BYTES (/dev/zero has no line end at all)."""
    raw = stream.readline(MAX_LINE_BYTES + 1)
    if len(raw) > MAX_LINE_BYTES:
        problem = JsonProblem(
            f"line {number} is longer than {MAX_LINE_BYTES:,} bytes, so it is not one case; give a JSON Lines file"
        )
        problem.line = number
        raise problem
    return raw


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # built in C; fewer keys than pairs means one came twice
    if len(out) == len(pairs):
        return out
    out = {}
    for key, value in pairs:
        if key in out:
            shown = repr(key) if len(key) <= 40 and key.isprintable() else "a field"
            raise JsonProblem(f"gives {shown} twice; give each field once")
        out[key] = value
    return out


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise JsonProblem(f"holds a number of more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS + 8:
        raise JsonProblem(f"holds a number of more than {MAX_NUMBER_DIGITS} digits")
    return float(text)


def _no_constant(text: str) -> Any:
    raise JsonProblem(f"holds {text}, which is not a number JSON allows")
