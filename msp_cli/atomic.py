"""Files that are whole or absent: written beside their final name, renamed when complete.

Exports, backups, kept-aside copies and the audit seal are written under a clearly named
partial name in the target's own folder (never in $TMPDIR), then renamed into place in one
step. A failure removes the partial; a kill leaves only the partial, which the next write
of the same name removes.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PARTIAL = ".msp-partial"


def partial_for(target: Path) -> Path:
    """A new, unique partial name beside TARGET: 'out.xlsx.1a2b3c4d.msp-partial'."""
    return target.with_name(f"{target.name}.{secrets.token_hex(4)}{PARTIAL}")


def remove_partials(target: Path) -> None:
    """Remove what killed writes of TARGET left behind (partials of that name only, and a
    partial database's -wal, -shm and -journal files)."""
    pattern = str(target.parent / f"{glob.escape(target.name)}.*{PARTIAL}*")
    for leftover in glob.glob(pattern):
        remove(Path(leftover))


def remove(path: Path) -> None:
    """Remove a file or folder if it is there; a symbolic link is removed, never followed."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


@contextlib.contextmanager
def working_folder(target: Path) -> Iterator[Path]:
    """A new owner-only folder beside TARGET for the working files of its write (they hold what it will);
    removed when the write ends. Named as a partial of TARGET, so a kill leaves it where the next write
    of that name removes it."""
    folder = Path(tempfile.mkdtemp(prefix=f"{target.name}.", suffix=PARTIAL, dir=target.parent))  # 0700
    try:
        yield folder
    except BaseException:
        with contextlib.suppress(OSError):  # a file a failed write still holds open (Windows): left to the next
            remove(folder)
        raise
    remove(folder)


@contextlib.contextmanager
def whole_or_absent(target: Path, *, replace: bool = False) -> Iterator[Path]:
    """Yield a partial path for the caller to create and fill; rename it to TARGET when done.

    Without REPLACE an existing TARGET is never overwritten (the check and the rename are as
    close as the platform allows). On any error, or Ctrl-C, the partial is removed.
    """
    remove_partials(target)
    partial = partial_for(target)
    try:
        yield partial
        sync(partial)
        if replace:
            os.replace(partial, target)
        else:
            publish_new(partial, target)
        sync_folder(target.parent)
    except BaseException:
        for leftover in glob.glob(glob.escape(str(partial)) + "*"):  # with a database's -journal
            remove(Path(leftover))
        raise


def publish_new(partial: Path, target: Path) -> None:
    """Rename PARTIAL to TARGET, refusing (FileExistsError) if TARGET appeared meanwhile."""
    if partial.is_dir():
        if os.path.lexists(target):
            raise FileExistsError(target)
        os.rename(partial, target)
        return
    try:
        os.link(partial, target)  # atomic and never overwrites
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.replace(partial, target)
        return
    partial.unlink()


def sync(path: Path) -> None:
    """Flush a written file (or every file of a written folder) to the disk."""
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    for file in files:
        with file.open("rb") as handle:
            os.fsync(handle.fileno())


def sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX; Windows cannot open a folder for fsync)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private(target: Path, data: bytes, *, replace: bool = True) -> None:
    """Write a small owner-only file whole (the audit key and seal): partial, fsync, rename."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with whole_or_absent(target, replace=replace) as partial:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
