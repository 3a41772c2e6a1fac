"""Headless Chromium: HTML to PDF (and to PNG, for looking at a report as a reader will).

Started with no network at all (every host name resolves to nothing), a fresh profile that is
thrown away afterwards, and nothing running in the background; the HTML is msp's own.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from msp_cli.errors import MspError

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HOW_TO_GET = (
    "Install Chromium (Debian or Ubuntu: sudo apt-get install chromium), or open the --html file"
    " in a browser and print it to PDF."
)
FLAGS = (
    "--headless",
    "--no-sandbox",  # runs as root in containers and CI; the page is msp's own and cannot reach the network
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no request can leave the machine
    "--no-pdf-header-footer",
    "--print-to-pdf-no-header",
)


def find() -> str | None:
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def run(
    html: Path,
    *,
    pdf: Path | None = None,
    png: Path | None = None,
    width: int = 900,
    height: int = 1200,
    extra: tuple[str, ...] = (),
) -> str:
    """Render HTML to PDF or PNG; returns what Chromium wrote to stderr (for tests to inspect)."""
    binary = find()
    if binary is None:
        raise MspError("A PDF needs Chromium, which is not installed.", hint=HOW_TO_GET)
    output = [f"--print-to-pdf={pdf}"] if pdf else [f"--screenshot={png}", f"--window-size={width},{height}"]
    with tempfile.TemporaryDirectory(prefix="msp-chromium-") as profile:
        try:
            done = subprocess.run(
                [binary, *FLAGS, *extra, f"--user-data-dir={profile}", *output, html.resolve().as_uri()],
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise MspError("Chromium took more than 3 minutes to draw the report; nothing was written.") from None
    written = pdf or png
    assert written is not None
    if done.returncode != 0 or not written.exists() or written.stat().st_size == 0:
        raise MspError(f"Chromium could not draw the report (exit code {done.returncode}); nothing was written.")
    return done.stderr
