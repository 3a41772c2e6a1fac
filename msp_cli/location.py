"""Where the database lives: the per-user default, and whether a folder is safe for SQLite.

SQLite's WAL mode needs shared memory that network file systems do not give, and locking
on SMB shares and in cloud-synced folders is unreliable (sqlite.org: useovernet, wal,
howtocorrupt). Councils keep files on shared drives, so msp looks, and where the file is
remote or synced it uses rollback journaling and says that one person at a time is safe.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# File system types that are remote (or remote-like) on Linux, from /proc/mounts.
_NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "lustre",
    "fuse.sshfs",
    "fuse.rclone",
    "fuse.s3fs",
    "davfs",
    "fuse.davfs",
    "fuse.gvfsd-fuse",
    "vboxsf",
    "fuse.dropbox",
}
# Folder names that cloud-sync clients watch and upload behind SQLite's back.
_SYNCED_NAMES = (
    "onedrive",
    "dropbox",
    "google drive",
    "googledrive",
    "icloud drive",
    "icloud",
    "box sync",
    "sharepoint",
    "mobile documents",
    "nextcloud",
    "owncloud",
)


def default_data_dir() -> Path:
    """The per-user data folder: %LOCALAPPDATA%\\msp, ~/Library/Application Support/msp or XDG."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "msp"


def demo_file() -> Path:
    """The demonstration database's own file, apart from any real data."""
    return default_data_dir() / "msp-demo.db"


def tutorial_file() -> Path:
    """The tutorial's own file: a training case never lands in the demo or in real data."""
    return default_data_dir() / "msp-tutorial.db"


CHOSEN_WITH_USE = "set with `msp use` (`msp use --clear` goes back to the per-user default)"


def use_file() -> Path:
    """Where `msp use PATH` keeps the file it made the default (one line: the absolute path)."""
    return default_data_dir() / "use.txt"


def used_path() -> Path | None:
    """The database `msp use` made the default, if any."""
    try:
        text = use_file().read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return Path(text) if text else None


def resolve_db_path(option: str | None) -> tuple[Path, str]:
    """The database path and why it was chosen: --db, then MSP_DB, then `msp use`, then the per-user folder."""
    if option:
        return Path(option).expanduser(), "given with --db"
    env = os.environ.get("MSP_DB")
    if env:
        return Path(env).expanduser(), "from the MSP_DB environment variable"
    used = used_path()
    if used is not None:
        return used, CHOSEN_WITH_USE
    return default_data_dir() / "msp.db", "the per-user default (no --db or MSP_DB given)"


SERVER_SCHEMES = ("postgresql://", "postgres://")


def server_url(option: str | None) -> str | None:
    """The PostgreSQL URL given with --db or MSP_DB, or None when the database is a file."""
    given = option or os.environ.get("MSP_DB")
    return given if given is not None and given.lower().startswith(SERVER_SCHEMES) else None


def redacted(url: str) -> str:
    """URL without a password written into it: a password must never reach a message."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}@{host}" if parts.username else host))


def shared_storage_reason(path: Path) -> str | None:
    """Why PATH is on a network or synced folder, or None where it looks like a local disk."""
    try:
        resolved = path.expanduser().resolve()
    except OSError:
        resolved = path.absolute()
    text = str(resolved)
    lowered = text.lower()
    for part in resolved.parts:
        if any(part.lower().startswith(name) for name in _SYNCED_NAMES):
            return f"it is inside a cloud-synced folder ({part})"
    if sys.platform == "win32":
        return _windows_network_reason(text)
    if lowered.startswith("//"):
        return "it is on a network path"
    fstype = _linux_fs_type(resolved)
    if fstype in _NETWORK_FS:
        return f"it is on a network file system ({fstype})"
    return None


def _linux_fs_type(path: Path) -> str | None:
    """The type of the file system holding PATH, read from /proc/mounts (Linux only)."""
    mounts = Path("/proc/mounts")
    if not mounts.exists():
        return None
    best, best_type = "", None
    try:
        lines = mounts.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    target = str(path)
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fields[2]
    return best_type


def _windows_network_reason(text: str) -> str | None:
    if text.startswith("\\\\"):
        return "it is on a network share (UNC path)"
    if sys.platform == "win32" and len(text) >= 2 and text[1] == ":":
        import ctypes  # Windows only: GetDriveTypeW says whether a drive letter is mapped

        drive_remote = 4
        if ctypes.windll.kernel32.GetDriveTypeW(text[:2] + "\\") == drive_remote:
            return f"it is on a mapped network drive ({text[:2]})"
    return None
