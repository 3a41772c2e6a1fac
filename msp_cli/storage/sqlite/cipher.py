"""Encryption at rest with SQLCipher (the optional `encrypt` extra of msp-safeguarding).

An encrypted database is a SQLCipher file: without the passphrase its pages are noise. The
passphrase comes from MSP_PASSPHRASE or is asked for in the terminal without echo; it is
never written anywhere by msp.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from types import ModuleType
from typing import Any

from msp_cli.errors import DatabaseProblem, MspError, UsageProblem
from msp_cli.hints import install_command
from msp_cli.storage.sqlite.nulls import bind_quickly

PASSPHRASE_ENV = "MSP_PASSPHRASE"
MIN_LENGTH = 8


def module() -> ModuleType:
    try:
        import sqlcipher3 as cipher
    except ImportError:
        raise MspError(
            "Encrypted databases need SQLCipher support, which is not installed.",
            hint=f"Install it with: {install_command('sqlcipher3')}",
        ) from None
    bind_quickly(cipher)
    loaded: ModuleType = cipher
    return loaded


def looks_encrypted(path: Path, header: bytes) -> bool:
    """A SQLCipher file has no SQLite header and whole pages of random bytes; a text file is neither."""
    size = path.stat().st_size
    return bool(header) and size % 512 == 0 and not header.isascii()


def looks_encrypted_file(path: Path) -> bool:
    """True for a file that is not plain SQLite but has the shape of a SQLCipher one."""
    with path.open("rb") as handle:
        header = handle.read(16)
    return header != b"SQLite format 3\x00" and looks_encrypted(path, header)


def quoted(passphrase: str) -> str:
    return "'" + passphrase.replace("'", "''") + "'"


def passphrase_for(path: Path, *, new: bool, interactive: bool) -> str:
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    if not interactive:
        raise MspError(
            f"{path.name} is encrypted (or is meant to be); msp needs its passphrase.",
            hint=f"Set {PASSPHRASE_ENV}, or run msp in a terminal to be asked.",
        )
    phrase = getpass.getpass(f"Passphrase for {path.name}: ")
    if new:
        if len(phrase) < MIN_LENGTH:
            raise UsageProblem(f"Choose a passphrase of at least {MIN_LENGTH} characters.")
        if getpass.getpass("The same passphrase again: ") != phrase:
            raise UsageProblem("The two passphrases differ; nothing was created.")
    return phrase


def connect(path: Path, passphrase: str, *, timeout: float, readonly: bool = False) -> Any:
    """An open SQLCipher connection, or one clear line if the passphrase does not fit."""
    cipher = module()
    if readonly:  # a backup being checked is never written to
        conn = cipher.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None, timeout=timeout)
    else:
        conn = cipher.connect(str(path), isolation_level=None, timeout=timeout)
    # SQLCipher logs a wrong key to stderr by itself; msp says it once, in its own words
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = {quoted(passphrase)}")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except cipher.DatabaseError:
        conn.close()
        raise DatabaseProblem(
            f"Wrong passphrase for {path.name} (or it is not an msp database); nothing was changed."
        ) from None
    return conn


def rekey(conn: Any, new_passphrase: str) -> None:
    conn.execute(f"PRAGMA rekey = {quoted(new_passphrase)}")


def export_copy(
    conn: Any, target: Path, passphrase: str, user_version: int, *, settings: dict[str, str] | None = None
) -> None:
    """An encrypted copy of the open database at TARGET, under PASSPHRASE, with SETTINGS added."""
    conn.execute(f"ATTACH DATABASE ? AS backup KEY {quoted(passphrase)}", (str(target),))
    try:
        conn.execute("SELECT sqlcipher_export('backup')")
        conn.execute(f"PRAGMA backup.user_version = {int(user_version)}")
        for key, value in (settings or {}).items():
            conn.execute("INSERT OR REPLACE INTO backup.settings (key, value) VALUES (?, ?)", (key, value))
    finally:
        conn.execute("DETACH DATABASE backup")


def encrypt_copy(plain: Path, target: Path, passphrase: str) -> None:
    """An encrypted copy at TARGET of the plain database file PLAIN (a restore onto an encrypted database)."""
    conn = module().connect(str(plain), isolation_level=None)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        export_copy(conn, target, passphrase, version)
    finally:
        conn.close()
