"""Drive Debian's headless Chromium from tests with Playwright, downloading nothing.

Playwright's wheel ships its own driver; the browser is the system one
(``/usr/bin/chromium``, installed by ``.ci/run``), launched through
``executable_path`` with a temporary profile. ``playwright install`` is never run.

Without Chromium or Playwright the browser tests are skipped on a developer machine
and fail in CI (``CI`` set), where ``.ci/run`` installs Chromium, so a green CI always
means the report was really opened in a browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Chromium switches: headless, no sandbox (CI runs as root), nothing fetched from outside."""


def chromium_executable() -> str | None:
    """Path of the system Chromium (``$CHROMIUM`` first), or None when none is installed."""
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if name and (path := shutil.which(name)):
            return path
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run must install it for the browser tests", pytrace=False)
    pytest.skip(reason)


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """Start headless Chromium with a fresh profile; yield a Playwright ``BrowserContext``.

    Parameters
    ----------
    profile : pathlib.Path
        Empty folder for the temporary ``--user-data-dir``.

    Yields
    ------
    playwright.sync_api.BrowserContext
        Closed, and the browser stopped, on exit.
    """
    executable = chromium_executable()
    if executable is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as p:
        # launch_persistent_context is Playwright's way to pass --user-data-dir.
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 900},
            java_script_enabled=True,  # on, so that injected script would run and be seen
        )
        try:
            yield context
        finally:
            context.close()


@contextmanager
def only_formats(*formats: str) -> Iterator[None]:
    """Make :func:`microcred.pipeline.run` write only ``formats`` of the report.

    ``pipeline.run`` has no option for it, and the PDF alone takes longer than the
    browser checks; this narrows ``microcred.report.FORMATS``, the default of
    ``report.render``. Should that name go, every format is written: slower, still right.
    """
    import microcred.report

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(microcred.report, "FORMATS", formats, raising=False)
        yield


@dataclass
class Visit:
    """A page opened from a file, and everything it did while loading."""

    page: Any
    url: str
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions and dialogs, one line each."""
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"exception: {e}" for e in self.exceptions]
            + [f"dialog: {d}" for d in self.dialogs]
        )

    def outside_requests(self) -> list[str]:
        """Requests for anything but the page itself (the report must be self-contained)."""
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]


def visit(context: Any, html: Path) -> Visit:
    """Open ``html`` in a new page of ``context`` and record what happens until ``load``.

    Parameters
    ----------
    context : playwright.sync_api.BrowserContext
    html : pathlib.Path
        The file to open (``file://`` URL).

    Returns
    -------
    Visit
        The page (still open) with its console errors, uncaught exceptions, dialogs
        (``alert``/``confirm``/``prompt``, dismissed) and requests.
    """
    page = context.new_page()
    url = html.resolve().as_uri()
    seen = Visit(page, url)

    def on_console(message: Any) -> None:
        if message.type == "error":
            seen.console_errors.append(message.text)

    def on_dialog(dialog: Any) -> None:
        seen.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.exceptions.append(str(error)))
    page.on("dialog", on_dialog)
    page.on("request", lambda request: seen.requests.append(request.url))
    page.goto(url, wait_until="load")
    return seen
