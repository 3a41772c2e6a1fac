"""Is every table, constraint, index and trigger of the schema still there, as msp made it?

Someone with the file can `DROP TRIGGER audit_log_no_delete` (then delete entries) or drop a
CHECK by rebuilding a table. The expected schema is what the migrations build in memory;
each object of the file is compared with it by name and by its SQL text.
"""

from __future__ import annotations

import re
import sqlite3

_KINDS = ("table", "index", "trigger", "view")


def objects(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(type, name) -> SQL text without comments or white space, for msp's own objects."""
    found = {}
    for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"):
        if kind in _KINDS and not name.startswith(("_sqlite_migrations", "sqlite_")):
            found[(kind, name)] = re.sub(r"\s+", "", re.sub(r"--[^\n]*", "", sql))
    return found


def expected() -> dict[tuple[str, str], str]:
    from msp_cli.storage.sqlite import migrations

    memory = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrations.apply(memory)
        return objects(memory)
    finally:
        memory.close()


def missing_or_changed(conn: sqlite3.Connection) -> list[str]:
    want, have = expected(), objects(conn)
    found = []
    for (kind, name), sql in want.items():
        if (kind, name) not in have:
            found.append(f"the {kind} {name} is missing (someone dropped it); restore from a backup")
        elif have[(kind, name)] != sql:
            found.append(f"the {kind} {name} has been changed from msp's definition (its constraints may be gone)")
    found.extend(f"the {kind} {name} is not part of msp's schema" for kind, name in have if (kind, name) not in want)
    return found
