"""msp on one SQLite (or SQLCipher) file."""
