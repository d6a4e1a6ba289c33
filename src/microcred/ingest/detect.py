"""Pick the reader for a survey export and recognise the platform that wrote it.

:func:`read_table` is the one entry point: it chooses the container (SPSS, XLSX or
delimited text) from the declared format, the file's extension and its first bytes,
reads it into a grid, and :func:`detect_layout` recognises Qualtrics, LimeSurvey and
Google Forms from the first rows, the same way for text files and for sheets.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from microcred.errors import InputError
from microcred.ingest.table import RawTable

if TYPE_CHECKING:
    from microcred.ingest.formats import Grid
    from microcred.study.models import Source

__all__ = ["PLATFORMS", "detect_layout", "read_table"]

PLATFORMS = ("qualtrics", "limesurvey", "google-forms")
"""Layouts recognised on top of a grid of cells, in the order they are tried."""

_SAV_EXT = (".sav", ".zsav")
_XLSX_EXT = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_SAV_MAGIC = (b"$FL2", b"$FL3")


def detect_layout(head: list[list[str]]) -> str:
    """Recognise the platform from the first records of a file or sheet.

    Parameters
    ----------
    head : list of list of str
        The first (up to) three records, empty cells as ``""``.

    Returns
    -------
    str
        ``"qualtrics"`` (row 3 holds ``{"ImportId": ...}`` cells, or row 1 starts
        ``V1, V2`` as in the legacy export), ``"limesurvey"`` (system columns ``id,
        submitdate, lastpage, startlanguage`` or codes such as ``Q1[SQ001]``),
        ``"google-forms"`` (first header ``Timestamp``, ``Marca temporal``, ``Marca de
        temps``...), else ``"generic"``.

    Notes
    -----
    The signatures are the platforms' documented export layouts, see
    ``specs/survey-and-qda-formats.md``.
    """
    from microcred.ingest.formats import google_forms, limesurvey, qualtrics

    if not head:
        return "generic"
    if qualtrics.header_rows(head) is not None:
        return "qualtrics"
    if limesurvey.looks_like(head[0]):
        return "limesurvey"
    if google_forms.looks_like(head[0]):
        return "google-forms"
    return "generic"


def _container(path: Path, declared: str) -> str:
    """``sav``, ``xlsx`` or ``text``, from the declared format, extension and magic bytes."""
    if declared == "sav":
        return "sav"
    if declared in ("csv", "tsv"):
        return "text"
    ext = path.suffix.lower()
    if ext in _SAV_EXT and declared == "auto":
        return "sav"
    if ext in _XLSX_EXT or declared == "xlsx":
        return "xlsx"
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise InputError(str(path), f"cannot read the file: {error.strerror}") from None
    if magic == _ZIP_MAGIC:
        return "xlsx"
    if magic in _SAV_MAGIC and declared == "auto":
        return "sav"
    if ext in (".xls", ".ods"):
        raise InputError(
            str(path), f"{ext} workbooks are not supported: save the sheet as .xlsx or .csv"
        )
    return "text"


def read_table(path: Path, source: Source) -> RawTable:
    """Read one survey export into a :class:`RawTable`.

    Parameters
    ----------
    path : pathlib.Path
        The export file (already resolved against the study file's folder).
    source : microcred.study.Source
        Its declaration: ``format`` (``auto``, ``csv``, ``tsv``, ``xlsx``, ``sav``,
        ``google-forms``, ``limesurvey``, ``qualtrics``), ``encoding`` (``auto`` or a
        codec), ``delimiter`` (``auto`` or one character), ``sheet`` (XLSX sheet name
        or 0-based index).

    Returns
    -------
    RawTable
        One row per response, every cell text or NA, with spreadsheet row numbers;
        ``format`` says what was read (``google-forms``, ``limesurvey``,
        ``qualtrics``, ``csv``, ``tsv``, ``xlsx`` or ``sav``); ``guessed_encoding``
        names the code page guessed for a text file that is not UTF-8.

    Raises
    ------
    InputError
        The file is missing, empty, truncated, has a record with too many fields, a
        wrong declared delimiter, undecodable bytes, a missing sheet, or does not have
        the declared platform's layout; the message names the file, row and column.

    Notes
    -----
    With ``format: auto``: ``.sav`` goes to :func:`~.formats.spss.read_sav`, ``.xlsx``
    to :func:`~.formats.excel.read_grid`, anything else is read as delimited text
    (:func:`~.formats.delimited.read_grid`); the layout is then recognised by
    :func:`detect_layout`. With ``csv`` or ``tsv`` the file is read as a plain table
    with one header row; with a platform format its layout is applied without
    detection.
    """
    from microcred.ingest.formats import delimited, excel, google_forms, limesurvey, qualtrics
    from microcred.ingest.formats.spss import read_sav

    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise InputError(file, "file not found")
    declared: str = source.format
    container = _container(path, declared)
    if container == "sav":
        return read_sav(path)
    grid: Grid
    if container == "xlsx":
        grid = excel.read_grid(path, source.sheet)
    else:
        prefer = "\t" if declared == "tsv" or path.suffix.lower() == ".tsv" else None
        if declared == "csv" and prefer is None:
            prefer = ","
        grid = delimited.read_grid(path, source.encoding, source.delimiter, prefer)
    layout: str
    if declared in PLATFORMS:
        layout = declared
    elif declared in ("csv", "tsv"):
        layout = "generic"
    else:
        layout = detect_layout(grid.head(3))
    table: RawTable
    if layout == "qualtrics":
        table = qualtrics.build(grid)
    elif layout == "limesurvey":
        table = limesurvey.build(grid)
    elif layout == "google-forms":
        table = google_forms.build(grid)
    else:
        table = delimited.build_generic(grid, declared if declared in ("csv", "tsv") else None)
    table.guessed_encoding = grid.guessed_encoding
    return table
