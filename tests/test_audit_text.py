"""Audit entries' JSON text: orjson's, which must be exactly what the standard library would write.

The chain hashes each entry's text as stored, and entries written before orjson came in were
made by json.dumps: both must give the same text for anything an entry can hold, so that an
entry reads the same whichever wrote it.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from msp_cli.storage.sqlite import audit

# what an entry's changes can hold: text (any character a validated record may hold: no lone
# surrogates), whole numbers, true/false, null, lists and objects of them
TEXT = st.text(st.characters(exclude_categories=("Cs",)))
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


def _standard(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@given(st.dictionaries(TEXT, st.lists(VALUES, min_size=2, max_size=2), max_size=6))
def test_the_audit_text_is_what_the_standard_library_writes(changes: dict[str, Any]) -> None:
    assert audit._compact_json(changes) == _standard(changes)


def test_control_characters_quotes_and_non_latin_text_are_written_alike() -> None:
    odd = {"note": [None, 'tab\there "quoted" back\\slash \x00\x1f\x7f \u2028 é 中文 \U0001f600'], "n": [1, -0]}
    assert audit._compact_json(odd) == _standard(odd)
    assert json.loads(audit._compact_json(odd)) == odd
