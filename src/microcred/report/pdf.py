"""``report.pdf``: the HTML page printed to PDF by WeasyPrint (or headless Chromium).

The PDF is the same page as ``report.html`` (same template, same context) with the
charts as PNG images, laid out by the page's ``@media print`` rules: A4 pages with
numbers, a new page for each major section, rows and figures kept whole.
"""

from __future__ import annotations

import base64
import logging
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from microcred.errors import MicrocredError
from microcred.report.safe import xml_text

if TYPE_CHECKING:
    from microcred.report.charts import RenderedChart

__all__ = ["CHROMIUM_NAMES", "ReportWarning", "png_figures", "pdf_engine", "write_pdf"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Executables tried, in order, when WeasyPrint cannot run."""

CHROMIUM_TIMEOUT_S = 180


class ReportWarning(UserWarning):
    """Something of the report could not be written (e.g. no PDF engine); the rest was."""


def pdf_engine() -> str | None:
    """The PDF engine available here.

    Returns
    -------
    str or None
        ``"weasyprint"`` when WeasyPrint imports and finds its system libraries
        (Pango >= 1.44); else the path of a Chromium executable; else ``None``.
    """
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        pass
    else:
        return "weasyprint"
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def png_figures(charts: Mapping[str, RenderedChart]) -> dict[str, Markup]:
    """The charts as ``<img>`` elements with the PNG inlined as a ``data:`` URL.

    Parameters
    ----------
    charts : mapping of str -> RenderedChart

    Returns
    -------
    dict of str -> markupsafe.Markup
        Same keys; each image keeps the chart's CSS size and its title as ``alt``.

    Notes
    -----
    PDF engines draw SVG text with their own, simpler layout; the PNG is vl-convert's
    own rendering, so the printed chart matches the one on screen.
    """
    out = {}
    for key, chart in charts.items():
        data = base64.b64encode(chart.png).decode("ascii")
        alt = escape(xml_text(chart.title))
        out[key] = Markup(  # noqa: S704 - base64 and escaped alt text only
            f'<img class="chart" src="data:image/png;base64,{data}" '
            f'width="{chart.width}" height="{chart.height}" alt="{alt}">'
        )
    return out


def _chromium(executable: str, html: str, path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="microcred-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        command = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={path}",
            page.as_uri(),
        ]
        try:
            subprocess.run(  # noqa: S603 - fixed arguments, no shell
                command, check=True, capture_output=True, timeout=CHROMIUM_TIMEOUT_S
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise MicrocredError(f"Chromium could not print the report to PDF: {exc}") from exc


def write_pdf(html: str, path: Path, engine: str | None = None) -> Path | None:
    """Print an HTML page to PDF.

    Parameters
    ----------
    html : str
        A self-contained page (inline CSS and images, no external resource).
    path : pathlib.Path
        Destination ``.pdf`` file.
    engine : str, optional
        ``"weasyprint"`` or a Chromium executable; :func:`pdf_engine` by default.

    Returns
    -------
    pathlib.Path or None
        ``path``, or ``None`` when no engine is available: then a
        :class:`ReportWarning` says so and nothing is written.

    Raises
    ------
    MicrocredError
        The engine failed.

    Notes
    -----
    WeasyPrint loads no URL here: the page is given as a string with no base URL and
    every image is a ``data:`` URL, so no file or network resource is read.

    References
    ----------
    WeasyPrint (https://doc.courtbouillon.org/weasyprint/); Chromium
    ``--headless --print-to-pdf``.
    """
    engine = engine or pdf_engine()
    if engine is None:
        warnings.warn(
            "report.pdf not written: no PDF engine (WeasyPrint needs the Pango "
            "library; or install Debian's chromium). The HTML, DOCX and XLSX are written.",
            ReportWarning,
            stacklevel=2,
        )
        return None
    if engine != "weasyprint":
        _chromium(engine, html, path)
        return path
    import weasyprint

    fetcher: object
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint >= 68
        fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)
    else:  # pragma: no cover - older WeasyPrint

        def fetcher(url: str, *args: object, **kwargs: object) -> object:
            if not url.startswith("data:"):
                raise ValueError("the report loads no external resource")
            return weasyprint.default_url_fetcher(url, *args, **kwargs)

    # WeasyPrint logs every CSS property it does not know (screen-only rules of the
    # page) as a warning; they are expected, so only errors are let through.
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(path)
    except (OSError, ValueError) as exc:
        raise MicrocredError(f"WeasyPrint could not write {path}: {exc}") from exc
    finally:
        logger.setLevel(level)
    return path
