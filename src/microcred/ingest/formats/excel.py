"""XLSX workbooks: one sheet read into a grid of text cells (openpyxl).

The sheet's header is row 1. Numbers are written as text without a trailing ``.0``,
dates and times as ISO 8601, booleans as ``TRUE``/``FALSE`` (as Excel shows them), and
formulas by their cached value. The grid then goes through the same layout detection
as delimited text, so a Google Forms, LimeSurvey or Qualtrics sheet reads as such.
"""

from __future__ import annotations

import datetime as dt
import math
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from microcred.errors import InputError
from microcred.ingest.formats import Grid

__all__ = ["MAX_ROWS", "cell_text", "read_grid"]

MAX_ROWS = 1_048_576
"""Rows of an XLSX sheet (Excel's limit, ECMA-376 / "Excel specifications and limits")."""


def cell_text(value: object) -> object:
    """One cell value from openpyxl as text, ``NaN`` when empty.

    Parameters
    ----------
    value : object
        ``None``, ``str``, ``int``, ``float``, ``bool``, ``datetime``, ``date``,
        ``time`` or ``timedelta`` as openpyxl returns it.

    Returns
    -------
    str or float
        ``"4"`` for 4 and 4.0, ``"6.75"``, ``"2024-05-02T09:14:03"``, ``"2024-05-02"``
        for a date (or a datetime at midnight), ``"TRUE"``; ``NaN`` for an empty cell.
    """
    if value is None:
        return np.nan
    if isinstance(value, str):
        return value if value != "" else np.nan
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return np.nan if math.isnan(value) else str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)


def read_grid(path: Path, sheet: str | int | None = None) -> Grid:
    """Read one sheet of an XLSX workbook into a grid of text cells.

    Parameters
    ----------
    path : pathlib.Path
        The workbook (``.xlsx`` or ``.xlsm``).
    sheet : str or int, optional
        Sheet name, or 0-based index; the first sheet by default.

    Returns
    -------
    Grid
        Non-empty rows of the sheet with their spreadsheet row numbers;
        ``container="xlsx"``. Trailing empty columns are dropped.

    Raises
    ------
    InputError
        The file is not a readable XLSX workbook (not a zip, truncated, a corrupt
        member), the sheet does not exist (the message lists the sheets), is empty,
        is damaged (malformed XML, an invalid cell reference or number, a shared
        string that does not exist; the message says after which row, never quoting
        a cell), or has a row number beyond :data:`MAX_ROWS`.

    Notes
    -----
    Read with openpyxl in read-only mode with cached formula values
    (``load_workbook(read_only=True, data_only=True)``).
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    file = str(path)
    with Path(path).open("rb") as handle:  # a handle: openpyxl would insist on the extension
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
            raise InputError(file, f"not a readable XLSX workbook ({error})") from None
        except _DAMAGED as error:
            raise InputError(
                file, f"not a readable XLSX workbook ({_damage(error)})"
            ) from None
        return _read_sheet(workbook, file, sheet)


_DAMAGED = (
    ValueError, KeyError, IndexError, TypeError, AttributeError, LookupError, OverflowError,
    SyntaxError, EOFError, OSError, zipfile.BadZipFile, zlib.error, NotImplementedError,
)
"""What openpyxl, zipfile, zlib and ElementTree raise on a damaged workbook: bad cell
references or numbers (ValueError), malformed XML (ElementTree.ParseError, a
SyntaxError), an unknown XML encoding (LookupError), a shared string that does not
exist (IndexError), a cut or corrupt zip member (BadZipFile, zlib.error, EOFError), a
zip version or compression method zipfile does not support (NotImplementedError)."""


def _damage(error: BaseException) -> str:
    """What is wrong, without the library's message (it may quote a cell's text)."""
    position = getattr(error, "position", None)  # ElementTree.ParseError: (line, column)
    if isinstance(error, SyntaxError) and position:
        return f"malformed XML at line {position[0]}, column {position[1]} of the sheet part"
    if isinstance(error, zipfile.BadZipFile | zlib.error | EOFError):
        return "a corrupt or truncated zip member"
    if isinstance(error, NotImplementedError):
        return "a zip version or compression method that cannot be read"
    if isinstance(error, IndexError):
        return "a cell refers to a shared string that does not exist"
    if type(error) is LookupError:  # codecs.lookup; not its subclasses KeyError, IndexError
        return "an XML part in an unknown encoding"
    return f"an invalid cell value or reference ({type(error).__name__})"


def _read_sheet(workbook: Any, file: str, sheet: str | int | None) -> Grid:
    try:
        names = list(workbook.sheetnames)
        if sheet is None:
            index = 0
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            index = sheet
        elif sheet in names:
            index = names.index(sheet)
        else:
            index = -1
        if not 0 <= index < len(names):
            raise InputError(
                file,
                f"no sheet {sheet!r}; the workbook has "
                + ", ".join(f"{i}: {name!r}" for i, name in enumerate(names)),
            )
        worksheet = workbook.worksheets[index]
        records: list[list[object]] = []
        rows: list[int] = []
        width = 0
        number = 0
        try:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if number > MAX_ROWS:  # openpyxl yields an empty row for each one skipped
                    raise InputError(
                        file,
                        f"sheet {names[index]!r} has a row number beyond {MAX_ROWS:,}, the "
                        "largest an XLSX sheet can have (damaged file?)",
                    )
                texts = [cell_text(v) for v in values]
                last = max((i + 1 for i, v in enumerate(texts) if isinstance(v, str)), default=0)
                if last == 0:
                    continue
                width = max(width, last)
                records.append(texts[:last])
                rows.append(number)
        except _DAMAGED as error:
            raise InputError(
                file,
                f"sheet {names[index]!r} is damaged and cannot be read past row {number}: "
                f"{_damage(error)}",
            ) from None
    finally:
        workbook.close()
    if not records:
        raise InputError(file, f"sheet {names[index]!r} is empty")
    padded = [record + [np.nan] * (width - len(record)) for record in records]
    cells = pd.DataFrame(padded, columns=pd.RangeIndex(width), dtype=object)
    return Grid(file, cells, np.asarray(rows, dtype="int64"), "xlsx")
