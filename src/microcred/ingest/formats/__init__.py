"""Readers of survey exports, one module per format, each returning a :class:`RawTable`.

Delimited text and XLSX sheets are first read into a :class:`Grid` (every record of
the file, header rows included, as text). The platform modules (:mod:`.google_forms`,
:mod:`.limesurvey`, :mod:`.qualtrics`) and the generic :func:`.delimited.build_generic`
turn a grid into a :class:`~microcred.ingest.table.RawTable`, whatever the container,
so a Qualtrics export reads the same from CSV, TSV or XLSX. SPSS files are read
directly by :func:`.spss.read_sav`. :func:`microcred.ingest.detect.read_table` picks the
reader and the layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from microcred.errors import InputError

__all__ = ["Grid", "header_cells", "parse_timestamps", "split_header"]


@dataclass
class Grid:
    """Every non-blank record of a delimited file or sheet, as text.

    Attributes
    ----------
    file : str
        Path of the file, as shown in messages.
    cells : pandas.DataFrame, shape (n_records, n_columns)
        Object columns labelled ``0..n_columns-1``; header rows are the first records.
        Cells are ``str`` or ``NaN`` (an empty cell is ``NaN``).
    rows : numpy.ndarray of int64, shape (n_records,)
        1-based spreadsheet row of each record (blank lines are skipped but counted,
        and a quoted field with line breaks stays one row).
    container : str
        ``"csv"``, ``"tsv"`` or ``"xlsx"``: what the file is, before any platform
        layout is recognised.
    guessed_encoding : str or None
        The code page guessed for a text file that is neither UTF-8, UTF-16 nor marked
        by a byte-order mark, when no encoding was declared (``cp1252``...); ``None``
        otherwise.
    """

    file: str
    cells: pd.DataFrame
    rows: np.ndarray
    container: str
    guessed_encoding: str | None = None

    def head(self, n: int = 3) -> list[list[str]]:
        """The first records, as layout detection reads them.

        Parameters
        ----------
        n : int
            How many records (fewer when the grid is shorter).

        Returns
        -------
        list of list of str
            ``n`` lists of length ``n_columns``, ``""`` for an empty cell.
        """
        return [header_cells(self.cells.iloc[i]) for i in range(min(n, len(self.cells)))]


def header_cells(record: pd.Series) -> list[str]:
    """One record as a list of text, empty cells as ``""``.

    Parameters
    ----------
    record : pandas.Series
        One row of :attr:`Grid.cells`.

    Returns
    -------
    list of str
    """
    return ["" if pd.isna(value) else str(value) for value in record.tolist()]


def split_header(grid: Grid, n_header: int) -> tuple[list[list[str]], pd.DataFrame, list[int]]:
    """Split ``n_header`` header records from the responses below them.

    Trailing columns with no header and no data (a delimiter at the end of every
    line, formatted but empty spreadsheet columns) are dropped.

    Parameters
    ----------
    grid : Grid
        The records of the file.
    n_header : int
        Number of header rows (1 for most exports, 3 for Qualtrics).

    Returns
    -------
    header_rows : list of list of str
        ``n_header`` lists of length ``n_columns``.
    data : pandas.DataFrame, shape (n_responses, n_columns)
        Responses, columns ``0..n_columns-1``, index ``0..n_responses-1``.
    rows : list of int
        Spreadsheet row of each response.

    Raises
    ------
    InputError
        The file is empty, or holds header rows but no response.
    """
    if len(grid.cells) == 0:
        raise InputError(grid.file, "the file is empty (no header row, no responses)")
    if len(grid.cells) <= n_header:
        raise InputError(
            grid.file,
            f"the file has a header ({n_header} row{'s' if n_header > 1 else ''}) but no responses",
            row=int(grid.rows[-1]),
        )
    header_rows = grid.head(n_header)
    data = grid.cells.iloc[n_header:]
    n_cols = data.shape[1]
    while (
        n_cols > 1
        and not any(h[n_cols - 1] for h in header_rows)
        and (data[n_cols - 1].isna().all())
    ):
        n_cols -= 1
    if n_cols < data.shape[1]:
        data = data.iloc[:, :n_cols]
        header_rows = [h[:n_cols] for h in header_rows]
    data = data.reset_index(drop=True)
    data.columns = pd.RangeIndex(n_cols)
    return header_rows, data, grid.rows[n_header:].astype("int64").tolist()


_TIMESTAMP = re.compile(
    r"""^\s*
    (?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{1,4})
    (?:[\sT,]+
      (?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?
      \s*(?:(?P<ampm>[aApP])\.?\s*[mM]\.?)?
    )?
    \s*(?:(?:GMT|UTC)(?P<gsign>[+-])(?P<gh>\d{1,2})(?::?(?P<gm>\d{2}))?
       |(?P<gmt>GMT|UTC|Z)
       |(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2}))?
    \s*$""",
    re.VERBOSE,
)


def parse_timestamps(values: pd.Series) -> pd.Series:
    """Parse survey timestamps into ISO 8601 text, unparseable values into NA.

    Handles the forms that survey platforms write: ISO (``2024-05-02 09:14:03``,
    LimeSurvey, Qualtrics), Google Sheets' US style (``5/2/2024 9:14:03``, also with
    ``AM``/``PM``), its day-first locales (``2/5/2024 9:14:03``) and its Spanish
    locale (``2024/05/02 9:14:03 a. m. GMT+2``). Whether ``a/b/yyyy`` is month-first
    or day-first is decided once per column: day-first when some first number is
    above 12 and no second number is, month-first (the US default) otherwise.

    Parameters
    ----------
    values : pandas.Series of str or NA, shape (n,)
        The timestamp column.

    Returns
    -------
    pandas.Series of object, shape (n,)
        ``YYYY-MM-DDTHH:MM:SS`` with ``+HH:MM`` when the value gives a UTC offset
        (``GMT+2`` -> ``+02:00``), ``YYYY-MM-DD`` for a date alone, ``None`` where the
        value is empty or is not a valid date; same index as ``values``.

    Notes
    -----
    The value forms come from exports of Google Forms (US, Spanish and Catalan
    locales), LimeSurvey (``submitdate``) and Qualtrics (``RecordedDate``). Distinct
    values are parsed once, so a column of repeated timestamps is cheap.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series([None] * len(values), index=values.index, dtype="object")
    parts = (
        pd.Series(np.asarray(uniques, dtype=object))
        .astype("object")
        .str.extract(_TIMESTAMP.pattern, flags=re.VERBOSE)
    )
    a = pd.to_numeric(parts["a"], errors="coerce")
    b = pd.to_numeric(parts["b"], errors="coerce")
    c = pd.to_numeric(parts["c"], errors="coerce")
    year_first = parts["a"].str.len() == 4
    year_last = ~year_first & parts["c"].str.len().isin([2, 4])
    slash = year_last.fillna(False).astype(bool)
    day_first = bool((a[slash] > 12).any()) and not bool((b[slash] > 12).any())
    year = a.where(year_first, c.where(parts["c"].str.len() == 4, c + 2000))
    month = b.where(year_first, b if day_first else a)
    day = c.where(year_first, a if day_first else b)
    hour = pd.to_numeric(parts["H"], errors="coerce")
    ampm = parts["ampm"].str.lower()
    hour = hour.where(ampm.isna(), hour % 12 + np.where(ampm == "p", 12, 0))
    hour_bad = ampm.notna() & (
        (pd.to_numeric(parts["H"], errors="coerce") > 12)
        | (pd.to_numeric(parts["H"], errors="coerce") == 0)
    )
    minute = pd.to_numeric(parts["M"], errors="coerce")
    second = pd.to_numeric(parts["S"], errors="coerce").fillna(0)
    has_time = parts["H"].notna()
    stamp = pd.to_datetime(
        pd.DataFrame(
            {
                "year": year,
                "month": month,
                "day": day,
                "hour": hour.fillna(0),
                "minute": minute.fillna(0),
                "second": second,
            }
        ),
        errors="coerce",
    )
    ok = stamp.notna() & (year_first | year_last).fillna(False) & ~hour_bad.fillna(False)
    iso = stamp.dt.strftime("%Y-%m-%dT%H:%M:%S").where(has_time, stamp.dt.strftime("%Y-%m-%d"))
    offset = pd.Series("", index=parts.index, dtype=object)
    glob_h = pd.to_numeric(parts["gh"], errors="coerce")
    glob_m = pd.to_numeric(parts["gm"], errors="coerce").fillna(0)
    gmt_off = parts["gsign"].notna()
    if gmt_off.any():
        text = (
            parts["gsign"]
            + glob_h.fillna(0).astype(int).astype(str).str.zfill(2)
            + ":"
            + glob_m.astype(int).astype(str).str.zfill(2)
        )
        offset = offset.where(~gmt_off, text)
        ok &= ~(gmt_off & ((glob_h > 14) | (glob_m > 59)))
    offset = offset.where(parts["gmt"].isna(), "+00:00")
    iso_off = parts["sign"].notna()
    if iso_off.any():
        offset = offset.where(~iso_off, parts["sign"] + parts["h"] + ":" + parts["m"])
    iso = (iso.astype(object) + offset.where(has_time, "")).where(ok, None)
    result = np.asarray(iso.astype(object), dtype=object)[codes]
    result[codes < 0] = None
    return pd.Series(result, index=values.index, dtype="object")
