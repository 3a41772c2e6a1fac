"""Reading `--answers FILE`: one JSON object (or a one-line JSON Lines file), or - for stdin."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from msp_cli.errors import UsageProblem


def read_answers(source: str) -> Any:
    if source == "-":
        raw = sys.stdin.buffer.read()
    else:
        path = Path(source)
        if path.is_dir():
            raise UsageProblem(f"{source} is a folder; give a JSON file of answers.")
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise UsageProblem(f"There is no file {source}; check the name and folder.") from None
        except PermissionError:
            raise UsageProblem(f"You may not read {source}; check its permissions.") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise UsageProblem(f"{source} is not UTF-8 text; save it as UTF-8.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageProblem(
            f"{source} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise UsageProblem(f"{source} is nested too deeply to be answers.") from None
