"""None bound as NULL without the sqlite3 module's slow path.

Python's sqlite3 sends every parameter that is not an int, float, str or bytearray through
its adapter lookup, and for None that lookup ends by asking the protocol type for
`__adapt__`, which builds and throws away an AttributeError each time: about half the time
of inserting a row that is mostly NULL (a case's rows are). An adapter registered for None
is found first and returns None, which is bound as NULL exactly as before.
"""

from __future__ import annotations

from typing import Any

_AS_IS: Any = {}.get  # None -> None, called in C


def bind_quickly(module: Any) -> None:
    """Register the adapter in MODULE (sqlite3, or SQLCipher's copy of it): once a process is enough."""
    module.register_adapter(type(None), _AS_IS)
