"""LimeSurvey response exports (CSV, or XLSX from the same export screen).

LimeSurvey writes a UTF-8 byte-order mark, quotes every field, ends lines with CRLF
and adds a blank line at the end; the separator is selectable (``;`` by default in
recent versions). Headers are the question codes (``Q1``, ``Q1[SQ001]``,
``Q1[other]``, ``Q1[SQ001comment]``, ``Q1[SQ001][1]`` for dual scale) or, if chosen,
the question texts; the system columns come first.
"""

from __future__ import annotations

import re

from microcred.ingest.formats import Grid, parse_timestamps, split_header
from microcred.ingest.table import RawTable

__all__ = ["CORE_COLUMNS", "SYSTEM_COLUMNS", "build", "looks_like"]

SYSTEM_COLUMNS = frozenset(
    {
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "startdate",
        "datestamp",
        "token",
        "ipaddr",
        "refurl",
        # the same columns when exported with full headings
        "response id",
        "date submitted",
        "last page",
        "start language",
        "date started",
        "date last action",
        "ip address",
        "referrer url",
        "access code",
    }
)
"""Columns LimeSurvey adds to every response, lower-cased (codes and full headings)."""

CORE_COLUMNS = (
    frozenset({"id", "submitdate", "lastpage", "startlanguage"}),
    frozenset({"response id", "date submitted", "last page", "start language"}),
)
"""The system columns every LimeSurvey response export has, as codes and as headings."""

_SUBMITDATE = ("submitdate", "date submitted")
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\[[^\]\s]+\]){1,2}$")
_NO_DATESTAMP = "1980-01-01T00:00:00"


def looks_like(headers: list[str]) -> bool:
    """Whether a header row is a LimeSurvey response export's.

    Parameters
    ----------
    headers : list of str
        Row 1 of the file.

    Returns
    -------
    bool
        True when the four core system columns (``id, submitdate, lastpage,
        startlanguage``, or their full headings) are all present, or when sub-question
        codes such as ``Q1[SQ001]`` appear together with one of them or make up at
        least half of the headers.
    """
    keys = {h.strip().lower() for h in headers}
    if any(core <= keys for core in CORE_COLUMNS):
        return True
    n_codes = sum(1 for h in headers if _CODE.match(h.strip()))
    if n_codes == 0:
        return False
    return bool(keys & (CORE_COLUMNS[0] | CORE_COLUMNS[1])) or n_codes * 2 >= len(headers)


def build(grid: Grid) -> RawTable:
    """Read a LimeSurvey response export from its grid.

    Parameters
    ----------
    grid : Grid
        Records of the file; row 1 is the header.

    Returns
    -------
    RawTable
        ``format="limesurvey"``; system columns in ``system_columns``; ``finished``
        True where ``submitdate`` is filled (LimeSurvey leaves it empty for incomplete
        responses); ``submitted_at`` from ``submitdate`` (``None`` for the placeholder
        ``1980-01-01 00:00:00`` that surveys without date stamps write).

    Raises
    ------
    InputError
        Empty file, or a header without responses.

    Notes
    -----
    Column conventions from the LimeSurvey manual ("Export responses") and its
    export code (``application/helpers/admin/export``): the placeholder date is what
    LimeSurvey stores as ``submitdate`` when "Date stamp" is off.
    """
    (headers,), data, rows = split_header(grid, 1)
    keys = [h.strip().lower() for h in headers]
    system = {i for i, key in enumerate(keys) if key in SYSTEM_COLUMNS}
    finished = None
    submitted = None
    column = next((i for i, key in enumerate(keys) if key in _SUBMITDATE), None)
    if column is not None:
        finished = data[column].notna().reset_index(drop=True)
        submitted = parse_timestamps(data[column])
        submitted = submitted.where(submitted != _NO_DATESTAMP, None)
    return RawTable(
        file=grid.file,
        format="limesurvey",
        headers=headers,
        data=data,
        rows=rows,
        finished=finished,
        submitted_at=submitted,
        system_columns=system,
    )
