"""Qualtrics response exports (CSV, TSV or XLSX), standard and legacy layouts.

Standard exports have three header rows: (1) export tags (``Q1``, ``Q2_3``,
``Q1_4_TEXT``), (2) the question text (matrix rows as ``Question - Statement``), (3)
``{"ImportId":"QID2_3"}`` JSON. The legacy export has two: ``V1..Vn`` plus the tags,
then the metadata names and the question text. TSV exports are UTF-16 with a BOM.
"""

from __future__ import annotations

import json
import re

import pandas as pd

from microcred.errors import InputError
from microcred.ingest.formats import Grid, parse_timestamps, split_header
from microcred.ingest.table import RawTable

__all__ = ["METADATA_COLUMNS", "build", "header_rows", "import_id"]

METADATA_COLUMNS = frozenset(
    {
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "ExternalReference",
        "DistributionChannel",
        "UserLanguage",
        # legacy export
        "ResponseID",
        "ResponseSet",
        "Name",
        "ExternalDataReference",
        "EmailAddress",
        # fraud and quality fields Qualtrics adds
        "Q_RecaptchaScore",
        "Q_RelevantIDDuplicate",
        "Q_RelevantIDDuplicateScore",
        "Q_RelevantIDFraudScore",
        "Q_RelevantIDLastStartDate",
        "Q_BallotBoxStuffing",
        "Q_TotalDuration",
        "Q_DuplicateRespondent",
        "Q_URL",
    }
)
"""Export tags of the columns Qualtrics adds; ``Recipient*`` and ``Location*`` too."""

_METADATA_PREFIXES = ("Recipient", "Location")
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:')
_LEGACY_TAG = re.compile(r"^V\d+$")
_TRUE = ("1", "true", "yes")
_FALSE = ("0", "false", "no")


def header_rows(head: list[list[str]]) -> int | None:
    """Number of header rows of a Qualtrics export, or None if it is not one.

    Parameters
    ----------
    head : list of list of str
        The first three records of the file.

    Returns
    -------
    int or None
        3 when row 3 holds ``{"ImportId": ...}`` cells (standard export), 2 when row 1
        starts with ``V1`` (legacy export), else None.
    """
    if len(head) >= 3:
        filled = [cell for cell in head[2] if cell.strip()]
        hits = sum(1 for cell in filled if _IMPORT_ID.match(cell))
        if hits and hits * 2 >= len(filled):
            return 3
    if (
        len(head) >= 2
        and head[0]
        and head[0][0].strip() == "V1"
        and (len(head[0]) == 1 or head[0][1].strip() == "V2")
    ):
        return 2
    return None


def import_id(cell: str) -> tuple[str | None, str | None]:
    """The ImportId and time zone of a header-row-3 cell.

    Parameters
    ----------
    cell : str
        E.g. ``{"ImportId":"QID2_1"}`` or
        ``{"ImportId":"recordedDate","timeZone":"Europe/Madrid"}``.

    Returns
    -------
    (str or None, str or None)
        ``("QID2_1", None)``; ``(None, None)`` when the cell is not such JSON.
    """
    if not _IMPORT_ID.match(cell):
        return None, None
    try:
        value = json.loads(cell)
    except ValueError:
        match = re.search(r'"ImportId"\s*:\s*"([^"]*)"', cell)
        return (match.group(1) if match else None), None
    if not isinstance(value, dict):
        return None, None
    found = value.get("ImportId")
    zone = value.get("timeZone")
    return (
        str(found) if found is not None else None,
        str(zone) if isinstance(zone, str) and zone else None,
    )


def _localize(iso: pd.Series, zone: str | None) -> pd.Series:
    """Attach the export's time zone (IANA name from the ImportId JSON) to naive times."""
    if zone is None:
        return iso
    naive = iso.notna() & (iso.astype("object").str.len() == 19)
    if not naive.any():
        return iso
    try:
        stamps = pd.to_datetime(iso[naive], format="%Y-%m-%dT%H:%M:%S").dt.tz_localize(
            zone, ambiguous="NaT", nonexistent="NaT"
        )
    except (ValueError, KeyError, TypeError, LookupError):
        return iso
    text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S%z").astype("object")
    text = (text.str[:-2] + ":" + text.str[-2:]).where(stamps.notna(), None)
    out = iso.astype("object").copy()
    out[naive] = text
    return out


def _finished(values: pd.Series) -> pd.Series:
    flag = values.astype("object").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[flag.isin(_TRUE).fillna(False).astype(bool)] = True
    out[flag.isin(_FALSE).fillna(False).astype(bool)] = False
    return out


def build(grid: Grid) -> RawTable:
    """Read a Qualtrics export (standard or legacy) from its grid.

    Parameters
    ----------
    grid : Grid
        Records of the file, header rows included.

    Returns
    -------
    RawTable
        ``format="qualtrics"``. Standard: ``headers`` = export tags (row 1),
        ``texts`` = row 2, ``codes`` = ImportIds of row 3, first response at row 4.
        Legacy: ``headers`` = the tag, or the row-2 name for ``V1..Vn`` columns,
        ``texts`` = row 2 for question columns, ``codes`` = ``V1..Vn``, first
        response at row 3. ``finished`` from ``Finished`` (1/0, True/False; NA when
        empty); ``submitted_at`` from ``RecordedDate`` (else ``EndDate``), with the
        export's time zone offset when row 3 gives one; metadata columns in
        ``system_columns``.

    Raises
    ------
    InputError
        The grid has neither header layout, or has no responses below its headers.

    Notes
    -----
    Layouts from the Qualtrics support pages "Data & Analysis > Export data" and
    "Legacy exports", and the case files in ``cases/03-qualtrics-header-rows``.
    """
    n_header = header_rows(grid.head(3))
    if n_header is None:
        raise InputError(
            grid.file,
            'not a Qualtrics export: row 3 should hold {"ImportId": ...} cells '
            "(standard export) or row 1 start with V1, V2 (legacy export)",
            row=1,
        )
    header, data, rows = split_header(grid, n_header)
    zones: list[str | None] = [None] * len(header[0])
    if n_header == 3:
        headers = header[0]
        texts: list[str | None] = [t or None for t in header[1]]
        parsed = [import_id(cell) for cell in header[2]]
        codes: list[str | None] = [code for code, _ in parsed]
        zones = [zone for _, zone in parsed]
        legacy = [False] * len(headers)
    else:
        legacy = [bool(_LEGACY_TAG.match(tag.strip())) for tag in header[0]]
        headers = [
            name if is_v else tag
            for tag, name, is_v in zip(header[0], header[1], legacy, strict=True)
        ]
        texts = [None if is_v else (t or None) for t, is_v in zip(header[1], legacy, strict=True)]
        codes = [tag if is_v else None for tag, is_v in zip(header[0], legacy, strict=True)]
    system = {
        i
        for i, tag in enumerate(headers)
        if legacy[i] or tag in METADATA_COLUMNS or tag.startswith(_METADATA_PREFIXES)
    }
    finished = None
    if "Finished" in headers:
        finished = _finished(data[headers.index("Finished")])
    submitted = None
    for name in ("RecordedDate", "EndDate"):
        if name in headers:
            col = headers.index(name)
            submitted = _localize(parse_timestamps(data[col]), zones[col])
            break
    return RawTable(
        file=grid.file,
        format="qualtrics",
        headers=headers,
        data=data,
        rows=rows,
        texts=texts,
        codes=codes,
        finished=finished,
        submitted_at=submitted,
        system_columns=system,
    )
