"""msp on a PostgreSQL server (the `server` extra: psycopg 3). See store.py."""
