"""The only door to a database. Nothing outside this package imports sqlite3 or
sqlite_utils or holds SQL text (tests/test_architecture.py enforces it)."""
