"""Names recorded in the database, taken out of free text.

A note says "Margaret said..." or "Dave took her card". Every word of every name of a
person or worker held in the database (at least 2 letters) is replaced by [name] wherever
it stands as a whole word in a note or the person's words, in any case and with or without
accents ("zoe" matches "Zoë"). Common words that are also names ("May", "Will") go too:
losing a word is the safe side. Names never typed into msp (a neighbour, a son) stay.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

REPLACEMENT = "[name]"
SHORTEST = 2  # letters in a part of a name worth replacing
CACHED = 4096  # texts remembered with what they became
# a word: letters, each perhaps followed by combining accents (text is NFC first, so these are rare)
WORD = re.compile(r"(?:[^\W\d_][\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]*)+")


def fold(word: str) -> str:
    """A word without accents, in case-free form: Zoë, ZOE and zoe are all `zoe`."""
    stripped = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return stripped.casefold()


class NameScrubber:
    """Replaces the parts of NAMES in text; counts how many it replaced."""

    def __init__(self, names: Iterable[str]) -> None:
        self.parts = {
            fold(word)
            for name in names
            for word in WORD.findall(unicodedata.normalize("NFC", name))
            if sum(c.isalpha() for c in word) >= SHORTEST
        }
        self.replaced = 0
        self._known: dict[str, tuple[str, int]] = {}  # text -> (scrubbed, names replaced in it)

    def __call__(self, text: str) -> str:
        """TEXT with the names replaced; a text met again (a stock phrase) is scrubbed once while the
        cache, emptied when full so memory stays flat, holds it, and its names are counted each time."""
        known = self._known.get(text)
        if known is None:
            before = self.replaced
            scrubbed = WORD.sub(self._replace, unicodedata.normalize("NFC", text))
            known = (scrubbed, self.replaced - before)
            if len(self._known) >= CACHED:
                self._known.clear()
            self._known[text] = known
        else:
            self.replaced += known[1]
        return known[0]

    def _replace(self, match: re.Match[str]) -> str:
        if fold(match.group()) in self.parts:
            self.replaced += 1
            return REPLACEMENT
        return match.group()
