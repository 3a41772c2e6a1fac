"""Reading `--answers FILE`: one JSON object (or a one-line JSON Lines file), or - for stdin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from msp_cli import jsonin
from msp_cli.errors import UsageProblem


def read_answers(source: str) -> Any:
    limit = jsonin.MAX_LINE_BYTES  # answers for one case are a few kilobytes; /dev/zero never ends
    if source == "-":
        raw = sys.stdin.buffer.read(limit + 1)
    else:
        path = Path(source)
        if path.is_dir():
            raise UsageProblem(f"{source} is a folder; give a JSON file of answers.")
        try:
            with path.open("rb") as handle:
                raw = handle.read(limit + 1)
        except FileNotFoundError:
            raise UsageProblem(f"There is no file {source}; check the name and folder.") from None
        except PermissionError:
            raise UsageProblem(f"You may not read {source}; check its permissions.") from None
    if len(raw) > limit:
        raise UsageProblem(f"{source} is longer than {limit:,} bytes, too long to be the answers for one case.")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise UsageProblem(f"{source} is not UTF-8 text; save it as UTF-8.") from None
    try:
        return jsonin.loads(text)
    except jsonin.JsonProblem as exc:
        raise UsageProblem(f"{source} {exc}.") from None
