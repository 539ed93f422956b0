"""Drive Debian's chromium headless: dump the DOM after the page's scripts ran, or screenshot.

No WebDriver needed: the report's own script writes script errors and per-chart render checks
into the DOM, and `--dump-dom` prints the DOM once the page has loaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
)


def find_chromium() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(binary: str, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "HOME": profile},
        )


def dump_dom(binary: str, page: Path, *, width: int = 1440, height: int = 2400) -> str:
    result = _run(
        binary,
        [f"--window-size={width},{height}", "--dump-dom", Path(page).resolve().as_uri()],
        timeout=120,
    )
    if result.returncode != 0 or "<body" not in result.stdout:
        raise RuntimeError(f"chromium failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def screenshot(binary: str, page: Path, png: Path, *, width: int, height: int) -> None:
    result = _run(
        binary,
        [f"--window-size={width},{height}", f"--screenshot={png}", Path(page).resolve().as_uri()],
        timeout=120,
    )
    if result.returncode != 0 or not Path(png).exists():
        raise RuntimeError(f"chromium screenshot failed: {result.stderr[-2000:]}")


def screenshot_full_page(binary: str, page: Path, png: Path, *, width: int = 1440) -> int:
    """Screenshot the whole report: its height comes from the page's own `data-page-height`."""
    dom = dump_dom(binary, page, width=width)
    match = re.search(r'data-page-height="(\d+)"', dom)
    height = int(match.group(1)) if match else 2400
    screenshot(binary, page, png, width=width, height=height)
    return height


if __name__ == "__main__":  # python -m tests.report.browser REPORT.html docs/report.png
    chromium = find_chromium()
    if chromium is None:
        sys.exit("no chromium on PATH (apt-get install chromium)")
    print(screenshot_full_page(chromium, Path(sys.argv[1]), Path(sys.argv[2])))
