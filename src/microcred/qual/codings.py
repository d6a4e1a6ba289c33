"""Human codings: import unit x code presence matrices, merge codings, review proposals.

A presence matrix has one row per unit (an answer, a turn) and 0/1 cells saying whether
a code applies; a blank cell means the coder did not code it (missing, not 0). Three
layouts are read by :func:`read_presence_matrix`:

- **one file per coder** (``coder="H1"``): a unit id column and one column per code;
  :func:`read_coder_files` reads one such file per coder;
- **one column per coder** for a single code (``code="career"``, columns ``A``, ``B``
  or ``coder_A``... with ``column_pattern=r"coder_(?P<coder>.+)"``);
- **code and coder in the column name**: ``career:H1, career:H2`` by default, or any
  regular expression with named groups ``code`` and ``coder``, e.g.
  :data:`SIGHT_PATTERN` for ``annotator_H1_general`` (:func:`read_sight`).

:func:`merge_codings` adds codings to existing ones without ever letting a machine
coding replace a human one; :func:`review` and :func:`review_many` record human
decisions on machine proposals; :func:`review_sheet`, :func:`write_review_sheet` and
:func:`read_review_decisions` are the review file of ``microcred code review``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from microcred.errors import InputError
from microcred.qual.units import CODING_COLUMNS, UNIT_COLUMNS

if TYPE_CHECKING:
    from microcred.qual.codebook import Codebook

__all__ = [
    "CODE_CODER_PATTERN",
    "CONFIRM_WORDS",
    "MACHINE_STATUSES",
    "REJECT_WORDS",
    "REVIEW_SHEET_COLUMNS",
    "SIGHT_CODES",
    "SIGHT_PATTERN",
    "coding_frame",
    "merge_codings",
    "proposal_thresholds",
    "read_coder_files",
    "read_presence_matrix",
    "read_review_decisions",
    "read_sight",
    "review",
    "review_many",
    "review_sheet",
    "write_review_sheet",
]

CODE_CODER_PATTERN = r"(?P<code>[^:]+):(?P<coder>[^:]+)"
"""Default column name pattern: ``code:coder`` (``career:H1``)."""

SIGHT_PATTERN = r"annotator_(?P<coder>H[12])_(?P<code>[a-z_]+)"
"""Human-annotator columns of the SIGHT sample (``annotator_H1_general``); the
``annotator_openaichat_*`` model columns do not match."""

SIGHT_CODES = (
    "general", "setup", "pedagogy", "confusion", "gratitude", "personal_experience",
    "clarification", "bookmark", "non_english", "na",
)
"""The 10 codes of the SIGHT human-coded sample (Wang et al. 2023)."""

MACHINE_STATUSES = ("proposed", "confirmed", "rejected")
"""Statuses of a machine coding; a human coding has status ``"human"``."""

_CODE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_MAX_LISTED = 5


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def coding_frame(rows: Any = None) -> pd.DataFrame:
    """Codings with exactly :data:`~microcred.qual.units.CODING_COLUMNS` and their dtypes.

    Parameters
    ----------
    rows : pandas.DataFrame, list of dict or None
        Codings; missing optional columns (``confidence``, ``model``,
        ``model_version``, ``created_at``) are filled with NA.

    Returns
    -------
    pandas.DataFrame
        Columns in contract order; ``present`` as int64, ``confidence`` as float64,
        the others as text.

    Raises
    ------
    InputError
        A required column (``unit_id``, ``code_id``, ``coder``, ``origin``,
        ``present``, ``status``) is missing, or ``present`` is not 0/1.
    """
    frame = pd.DataFrame(rows if rows is not None else [], copy=True)
    if len(frame) == 0 and len(frame.columns) == 0:
        frame = pd.DataFrame(columns=list(CODING_COLUMNS))
    required = ("unit_id", "code_id", "coder", "origin", "present", "status")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError("codings", f"missing column(s): {', '.join(missing)}")
    for column in CODING_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan
    frame = frame[list(CODING_COLUMNS)].reset_index(drop=True)
    present = pd.to_numeric(frame["present"], errors="coerce")
    if not present.isin([0, 1]).all():
        raise InputError("codings", "present must be 0 or 1 in every coding", column="present")
    frame["present"] = present.astype("int64")
    frame["confidence"] = frame["confidence"].astype("float64")
    text = ["unit_id", "code_id", "coder", "origin", "model", "model_version", "status",
            "created_at"]
    frame[text] = frame[text].astype("string")
    return frame


# ------------------------------------------------------------------------------ reading


def _read_table(path: Path, sheet: str | int | None) -> tuple[list[str], pd.DataFrame, list[int]]:
    """Headers, text cells (NaN when blank) and spreadsheet rows of a CSV/TSV/XLSX file."""
    from microcred.ingest.formats.delimited import build_generic
    from microcred.ingest.formats.delimited import read_grid as read_delimited

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from microcred.ingest.formats.excel import read_grid as read_excel

        grid = read_excel(path, sheet)
    else:
        grid = read_delimited(path, prefer="\t" if path.suffix.lower() == ".tsv" else None)
    table = build_generic(grid)
    data = table.data.copy()
    data.columns = pd.RangeIndex(len(table.headers))
    return [h.strip() for h in table.headers], data, list(table.rows)


def _raise(file: str, problems: list[tuple[int | None, str | None, str]]) -> None:
    """Raise one InputError for the first problem, counting the others."""
    if not problems:
        return
    row, column, message = problems[0]
    if len(problems) > 1:
        others = ", ".join(
            f"row {r}" + (f" column {c!r}" if c else "") for r, c, _ in problems[1:_MAX_LISTED]
        )
        more = len(problems) - _MAX_LISTED
        message += f" (and {len(problems) - 1} more problem(s): {others}"
        message += f", ... {more} more)" if more > 0 else ")"
    raise InputError(file, message, row=row, column=column)


def _shown(value: str, limit: int = 40) -> str:
    """``value`` quoted for a message, cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _column_index(headers: list[str], name: str, file: str, role: str) -> int:
    matches = [i for i, h in enumerate(headers) if h == name]
    if not matches:
        raise InputError(file, f"no {role} column {name!r} (columns: {', '.join(headers)})",
                         row=1)
    if len(matches) > 1:
        raise InputError(file, f"the {role} column {name!r} appears more than once", row=1,
                         column=name)
    return matches[0]


def _coding_columns(
    headers: list[str],
    skip: set[int],
    file: str,
    coder: str | None,
    code: str | None,
    column_pattern: str | None,
) -> dict[int, tuple[str, str]]:
    """Column index -> (code_id, coder) for every column that holds codings."""
    out: dict[int, tuple[str, str]] = {}
    problems: list[tuple[int | None, str | None, str]] = []
    if column_pattern is not None or (coder is None and code is None):
        strict = column_pattern is None
        pattern = re.compile(column_pattern or CODE_CODER_PATTERN)
        groups = set(pattern.groupindex)
        if ("code" not in groups and code is None) or ("coder" not in groups and coder is None):
            raise InputError(
                file,
                "the column pattern needs named groups 'code' and 'coder' (or pass code= "
                "or coder= for the one it lacks)",
            )
        for i, header in enumerate(headers):
            if i in skip:
                continue
            match = pattern.fullmatch(header)
            if match is None:
                if strict:
                    problems.append((1, header, "column name is not of the form 'code:coder'"))
                continue
            found = match.groupdict()
            out[i] = (
                (found.get("code") or code or "").strip(),
                (found.get("coder") or coder or "").strip(),
            )
        if not out and not problems:
            raise InputError(file, f"no column matches the pattern {pattern.pattern!r}", row=1)
    elif coder is not None and code is None:
        out = {i: (h, coder) for i, h in enumerate(headers) if i not in skip}
    elif code is not None and coder is None:
        out = {i: (code, h) for i, h in enumerate(headers) if i not in skip}
    else:
        raise InputError(file, "pass code= or coder=, not both, unless with column_pattern=")
    seen: dict[tuple[str, str], str] = {}
    for i, (code_id, coder_id) in out.items():
        if not _CODE_ID.match(code_id):
            problems.append((1, headers[i], f"{code_id!r} is not a valid code id"))
        if not coder_id:
            problems.append((1, headers[i], "no coder name in the column name"))
        if (code_id, coder_id) in seen:
            problems.append((1, headers[i], f"code {code_id!r} of coder {coder_id!r} is "
                             f"already in column {seen[(code_id, coder_id)]!r}"))
        seen[(code_id, coder_id)] = headers[i]
    _raise(file, problems)
    if not out:
        raise InputError(file, "no coding columns found", row=1)
    return out


def _expected_column(header: str, coder: str, code: str | None,
                     column_pattern: str | None) -> str | None:
    """The name ``header`` (another coder's column) would have for ``coder``."""
    if column_pattern is None and code is not None:
        return coder  # one column per coder, named by the coder
    match = re.fullmatch(column_pattern or CODE_CODER_PATTERN, header)
    if match is None or "coder" not in match.re.groupindex or match.start("coder") < 0:
        return None
    return header[: match.start("coder")] + coder + header[match.end("coder") :]


def _check_every_coder(
    headers: list[str],
    columns: dict[int, tuple[str, str]],
    coders: Sequence[str],
    file: str,
    code: str | None,
    column_pattern: str | None,
) -> None:
    """Raise when a code lacks a column of one of ``coders`` (renamed or left out)."""
    by_code: dict[str, dict[str, int]] = {}
    for i, (code_id, coder_id) in columns.items():
        by_code.setdefault(code_id, {})[coder_id] = i
    missing: list[str] = []
    first = ""
    for code_id, held in by_code.items():
        sibling = headers[next(iter(held.values()))]
        for name in coders:
            if name in held:
                continue
            expected = _expected_column(sibling, name, code, column_pattern)
            shown = repr(expected) if expected else f"of coder {name!r} for code {code_id!r}"
            if not missing:
                first = (f"no column {shown} (code {code_id!r}, coder {name!r}; column "
                         f"{sibling!r} holds it for another coder): renamed or left out?")
            missing.append(shown)
    if missing:
        more = missing[1:_MAX_LISTED]
        extra = f"; also missing: {', '.join(more)}" if more else ""
        if len(missing) > _MAX_LISTED:
            extra += f" and {len(missing) - _MAX_LISTED} more"
        raise InputError(file, first + extra, row=1)


def read_presence_matrix(
    path: str | Path,
    *,
    unit_column: str,
    text_column: str | None = None,
    coder: str | None = None,
    code: str | None = None,
    column_pattern: str | None = None,
    codebook: Codebook | None = None,
    ignore_columns: Sequence[str] = (),
    keep_columns: Sequence[str] = (),
    document: str | None = None,
    sheet: str | int | None = None,
    created_at: str | None = None,
    coders: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a unit x code 0/1 presence matrix (CSV, TSV or XLSX) as human codings.

    Parameters
    ----------
    path : str or pathlib.Path
        The file; ``.xlsx``/``.xlsm`` is read as a workbook, anything else as
        delimited text (encoding and delimiter detected).
    unit_column : str
        Header of the unit id column (ids must be unique and non-blank).
    text_column : str, optional
        Header of the unit text column, if any.
    coder : str, optional
        Layout "one file per coder": every other column is a code id, coded by
        ``coder``. With ``column_pattern``, the coder of a pattern without a
        ``coder`` group.
    code : str, optional
        Layout "one column per coder" for a single code: every other column is a
        coder. With ``column_pattern``, the code of a pattern without a ``code`` group.
    column_pattern : str, optional
        Regular expression matched against whole column names, with named groups
        ``code`` and/or ``coder``; columns that do not match are ignored. Without it,
        and without ``coder``/``code``, every other column must be named
        ``code:coder`` (:data:`CODE_CODER_PATTERN`).
    codebook : Codebook, optional
        When given, every code must be one of its codable codes.
    ignore_columns : sequence of str
        Other columns to leave out (e.g. metadata in a one-file-per-coder sheet).
    keep_columns : sequence of str
        Columns copied into the units table after the contract columns.
    document : str, optional
        Value of the units' ``document``; the file stem by default.
    sheet : str or int, optional
        Sheet of a workbook (first by default).
    created_at : str, optional
        ISO 8601 time of the codings; now (UTC) by default.
    coders : sequence of str, optional
        Coders that must have a column for every code found (layouts with the coder
        in the column name): a column renamed or left out would otherwise leave that
        coder silently without codings of the code.

    Returns
    -------
    units : pandas.DataFrame
        One row per unit, columns :data:`~microcred.qual.units.UNIT_COLUMNS` (plus
        ``keep_columns``); ``text`` is NA without ``text_column``.
    codings : pandas.DataFrame
        Columns :data:`~microcred.qual.units.CODING_COLUMNS`, one row per non-blank
        cell, ``origin == status == "human"``; blank cells give no row (missing).

    Raises
    ------
    InputError
        Naming file, row and column: a cell other than 0, 1 (``1.0`` accepted) or
        blank; a blank or duplicate unit id; a code not in ``codebook``; an invalid
        code id; a missing unit/text column; no coding column; with ``coders``, a
        code without a column of one of them (naming the column expected, e.g.
        ``annotator_H1_cost`` when ``annotator_H2_cost`` is there). All problems of
        a kind are counted in one message; cell values are never quoted (they may be
        personal data).

    Examples
    --------
    >>> units, codings = read_presence_matrix(  # doctest: +SKIP
    ...     "coding.csv", unit_column="answer_id", text_column="answer_text",
    ...     code="career", column_pattern=r"coder_(?P<coder>.+)")
    """
    path = Path(path)
    file = str(path)
    headers, data, rows = _read_table(path, sheet)
    unit_i = _column_index(headers, unit_column, file, "unit id")
    skip = {unit_i}
    text_i = None
    if text_column is not None:
        text_i = _column_index(headers, text_column, file, "text")
        skip.add(text_i)
    keep_i = [_column_index(headers, name, file, "kept") for name in keep_columns]
    for name in ignore_columns:
        skip.add(_column_index(headers, name, file, "ignored"))
    skip.update(keep_i)
    columns = _coding_columns(headers, skip, file, coder, code, column_pattern)
    if coders is not None:
        _check_every_coder(headers, columns, coders, file, code, column_pattern)

    problems: list[tuple[int | None, str | None, str]] = []
    if codebook is not None:
        known = {c.id for c in codebook.codable()}
        for i, (code_id, _) in columns.items():
            if code_id not in known:
                problems.append((1, headers[i], f"unknown code {code_id!r} (not a codable "
                                 f"code of codebook {codebook.id!r})"))
        _raise(file, problems)

    row_numbers = np.asarray(rows, dtype=np.int64)
    ids = data[unit_i].astype("object")
    ids = ids.where(ids.isna(), ids.astype(str).str.strip())
    blank = ids.isna() | (ids == "")
    for pos in np.flatnonzero(blank.to_numpy()):
        problems.append((int(row_numbers[pos]), unit_column, "blank unit id"))
    dupes = ids.duplicated(keep="first") & ~blank
    for pos in np.flatnonzero(dupes.to_numpy()):
        first = int(row_numbers[np.flatnonzero((ids == ids.iloc[pos]).to_numpy())[0]])
        problems.append((int(row_numbers[pos]), unit_column,
                         f"duplicate unit id {ids.iloc[pos]!r} (first in row {first})"))
    _raise(file, problems)

    cells = data[list(columns)].astype("object")
    text = cells.where(cells.isna(), cells.astype(str).apply(lambda s: s.str.strip()))
    empty = text.isna() | (text == "")
    values = text.apply(pd.to_numeric, errors="coerce")
    valid = empty | values.isin([0, 1])
    if not valid.to_numpy().all():
        bad_rows, bad_cols = np.nonzero(~valid.to_numpy())
        order = np.lexsort((bad_cols, bad_rows))
        col_list = list(columns)
        for r, c in zip(bad_rows[order], bad_cols[order], strict=True):
            problems.append((int(row_numbers[r]), headers[col_list[c]],
                             "value is not 0, 1 or blank"))
        _raise(file, problems)

    stamp = created_at or _now()
    frames = []
    id_values = ids.to_numpy(dtype=object)
    for j, (code_id, coder_id) in enumerate(columns.values()):
        keep = ~empty.iloc[:, j].to_numpy()
        frames.append(pd.DataFrame({
            "unit_id": id_values[keep],
            "code_id": code_id,
            "coder": coder_id,
            "origin": "human",
            "present": values.iloc[:, j].to_numpy()[keep].astype("int64"),
            "status": "human",
            "created_at": stamp,
        }))
    codings = coding_frame(pd.concat(frames, ignore_index=True) if frames else None)

    units = pd.DataFrame({column: pd.Series([pd.NA] * len(data), dtype="object")
                          for column in UNIT_COLUMNS})
    units["unit_id"] = id_values
    units["document"] = document if document is not None else path.stem
    if text_i is not None:
        units["text"] = data[text_i].astype("object").where(data[text_i].notna(), None)
    for name, i in zip(keep_columns, keep_i, strict=True):
        units[name] = pd.Series(data[i].to_numpy(dtype=object)).astype("string")
    for column in ("unit_id", "document", "respondent_id", "speaker", "text", "language"):
        units[column] = units[column].astype("string")
    units["start"] = units["start"].astype("Int64")
    units["end"] = units["end"].astype("Int64")
    return units, codings


def read_coder_files(
    files: Mapping[str, str | Path], *, unit_column: str, **options: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read one presence-matrix file per coder (layout "one file per coder").

    Parameters
    ----------
    files : mapping of str to path
        Coder name -> that coder's file (unit id column + one column per code).
    unit_column : str
        Header of the unit id column in every file.
    **options
        Passed to :func:`read_presence_matrix` (``text_column``, ``codebook``,
        ``ignore_columns``, ``sheet``...), except ``coder``/``code``/``column_pattern``.

    Returns
    -------
    units : pandas.DataFrame
        The union of the files' units (first file's row for a unit in several);
        ``document`` is the first file's stem unless given.
    codings : pandas.DataFrame
        All coders' codings; a unit missing from a coder's file is missing for that
        coder.

    Raises
    ------
    InputError
        As :func:`read_presence_matrix`, for the file at fault.
    """
    for name in ("coder", "code", "column_pattern"):
        if name in options:
            raise TypeError(f"read_coder_files() sets {name} itself")
    if not files:
        raise TypeError("read_coder_files() needs at least one file")
    options.setdefault("document", Path(next(iter(files.values()))).stem)
    all_units, all_codings = [], []
    for coder_name, path in files.items():
        units, codings = read_presence_matrix(
            path, unit_column=unit_column, coder=coder_name, **options
        )
        all_units.append(units)
        all_codings.append(codings)
    units = pd.concat(all_units, ignore_index=True).drop_duplicates("unit_id")
    return units.reset_index(drop=True), coding_frame(pd.concat(all_codings, ignore_index=True))


def read_sight(path: str | Path, **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the SIGHT human-coded sample: coders H1 and H2 over its 10 codes.

    Parameters
    ----------
    path : str or pathlib.Path
        ``sample_dataset_human_coded.csv`` of the SIGHT data set.
    **options
        Passed to :func:`read_presence_matrix` (e.g. ``codebook``).

    Returns
    -------
    units, codings : pandas.DataFrame
        As :func:`read_presence_matrix`: units keyed by ``comment_id`` (as written in
        the file, e.g. ``"54.0"``) with the comment as ``text`` and ``datasplit`` kept;
        codings of coders ``H1`` and ``H2`` for :data:`SIGHT_CODES`.

    References
    ----------
    Wang, R. E., Wirawarn, P., Goodman, N., & Demszky, D. (2023). SIGHT: A large
    annotated dataset on student insights gathered from higher education transcripts.
    Proceedings of the 18th Workshop on Innovative Use of NLP for Building Educational
    Applications (BEA 2023).
    """
    options.setdefault("document", "sight")
    options.setdefault("keep_columns", ("datasplit",))
    return read_presence_matrix(
        path,
        unit_column="comment_id",
        text_column="comment",
        column_pattern=SIGHT_PATTERN,
        **options,
    )


# ---------------------------------------------------------------------- merge and review

_KEY = ["unit_id", "code_id", "coder"]


def _validate(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    try:
        frame = coding_frame(frame)
    except InputError as error:
        raise InputError(label, error.message, column=error.column) from None
    problems: list[tuple[int | None, str | None, str]] = []
    origin_ok = frame["origin"].isin(["human", "machine"]).fillna(False)
    for pos in np.flatnonzero(~origin_ok.to_numpy(dtype=bool)):
        problems.append((None, "origin", f"coding {pos}: origin must be 'human' or 'machine'"))
    human = (frame["origin"] == "human").fillna(False).to_numpy(dtype=bool)
    status = frame["status"].astype("object")
    bad_status = (human & (status != "human").to_numpy(dtype=bool)) | (
        ~human & origin_ok.to_numpy(dtype=bool) & ~status.isin(MACHINE_STATUSES).to_numpy()
    )
    for pos in np.flatnonzero(bad_status):
        problems.append((None, "status", f"coding {pos}: status {status.iloc[pos]!r} does not "
                         f"fit origin {frame['origin'].iloc[pos]!r}"))
    dupes = frame.duplicated(_KEY, keep=False).to_numpy()
    if dupes.any():
        first = frame[dupes].iloc[0]
        problems.append((None, None, f"unit {first['unit_id']!r}, code {first['code_id']!r} "
                         f"is coded more than once by {first['coder']!r}"))
    _raise(label, problems)
    return frame


def _resolve_proposals(codings: pd.DataFrame) -> pd.DataFrame:
    """Confirm or reject machine proposals where the human codings agree."""
    human = codings[codings["origin"] == "human"]
    if human.empty:
        return codings
    decided = human.groupby(["unit_id", "code_id"])["present"].agg(["min", "max"])
    decided = decided[decided["min"] == decided["max"]]["min"].rename("human_present")
    proposed = codings["status"] == "proposed"
    if not proposed.any():
        return codings
    lookup = codings.loc[proposed, ["unit_id", "code_id"]].merge(
        decided, left_on=["unit_id", "code_id"], right_index=True, how="left"
    )["human_present"].to_numpy()
    idx = codings.index[proposed.to_numpy(dtype=bool)]
    has = ~pd.isna(lookup)
    agree = codings.loc[idx[has], "present"].to_numpy() == lookup[has].astype("int64")
    codings = codings.copy()
    codings.loc[idx[has], "status"] = np.where(agree, "confirmed", "rejected")
    return codings


def merge_codings(existing: pd.DataFrame, incoming: pd.DataFrame) -> pd.DataFrame:
    """Add codings to existing ones; a machine coding never overwrites a human one.

    Parameters
    ----------
    existing : pandas.DataFrame
        Codings already held (columns :data:`~microcred.qual.units.CODING_COLUMNS`).
    incoming : pandas.DataFrame
        New codings, human (import, review) or machine (automatic coder).

    Returns
    -------
    pandas.DataFrame
        The merged codings, existing rows first. Rules, per (unit, code, coder):

        - a human row is never replaced by a machine row nor removed; an incoming
          human row replaces the same coder's earlier row (a coder revising a coding);
        - an incoming machine row replaces an existing machine row only while that is
          still ``"proposed"`` (a confirmed or rejected one records a human decision);
        - per (unit, code), human wins: every machine row still ``"proposed"`` where
          the human codings of that unit and code exist and agree becomes
          ``"confirmed"`` (same presence) or ``"rejected"``; it keeps its own
          ``present`` and ``confidence``, so human-machine agreement stays measurable.
          Where human coders disagree it stays ``"proposed"`` for adjudication.

    Raises
    ------
    InputError
        Missing columns, an origin other than human/machine, a status that does not
        fit the origin (human rows ``"human"``; machine rows proposed, confirmed or
        rejected), ``present`` not 0/1, or a (unit, code, coder) twice in one input.
    """
    old = _validate(existing, "codings (existing)")
    new = _validate(incoming, "codings (incoming)")
    match = new[_KEY].merge(
        old[_KEY + ["origin", "status"]].reset_index(names="_old"), on=_KEY, how="left"
    )
    has_old = match["_old"].notna().to_numpy()
    new_human = (new["origin"] == "human").to_numpy(dtype=bool)
    old_protected = (match["origin"] == "human").fillna(False).to_numpy(dtype=bool) | match[
        "status"
    ].isin(["confirmed", "rejected"]).to_numpy(dtype=bool)
    take = ~has_old | new_human | ~old_protected
    replaced = match.loc[has_old & take, "_old"].astype("int64").to_numpy()
    kept_old = old.drop(index=replaced)
    merged = pd.concat([kept_old, new[take]], ignore_index=True)
    return _resolve_proposals(merged)


_PRESENCE_WORDS = {"present": 1, "absent": 0, "1": 1, "0": 0, "true": 1, "false": 0}


def review(
    codings: pd.DataFrame,
    unit_id: str,
    code_id: str,
    decision: bool | int | str,
    coder: str,
    created_at: str | None = None,
) -> pd.DataFrame:
    """Record a human decision on the machine codings of one unit and code.

    Parameters
    ----------
    codings : pandas.DataFrame
        Codings (columns :data:`~microcred.qual.units.CODING_COLUMNS`).
    unit_id, code_id : str
        The unit and code reviewed.
    decision : bool, int or str
        Whether the code applies: ``1``/``True``/``"present"`` or ``0``/``False``/
        ``"absent"``; or ``"confirm"``/``"reject"`` the machine proposal (which needs
        machine codings of the unit and code that agree with each other).
    coder : str
        The human reviewer (must not be a machine coder's name).
    created_at : str, optional
        ISO 8601 time of the decision; now (UTC) by default.

    Returns
    -------
    pandas.DataFrame
        New codings: every machine row of (unit, code) marked ``"confirmed"`` (same
        presence as the decision) or ``"rejected"``, and the decision added as a human
        coding of ``coder`` (replacing that coder's earlier coding of the unit and
        code). The input is not modified.

    Raises
    ------
    InputError
        An unknown decision; ``"confirm"``/``"reject"`` with no machine coding or with
        machine codings that disagree; ``coder`` used by a machine coder.

    See Also
    --------
    review_many : many decisions at once (what ``microcred code review --apply`` uses).
    """
    decisions = pd.DataFrame({
        "unit_id": [unit_id], "code_id": [code_id],
        "decision": pd.Series([decision], dtype="object"),
    })
    return review_many(codings, decisions, coder, created_at)


def review_many(
    codings: pd.DataFrame,
    decisions: pd.DataFrame,
    coder: str,
    created_at: str | None = None,
    *,
    file: str = "codings",
) -> pd.DataFrame:
    """Record many human decisions on machine codings at once, all or none.

    Parameters
    ----------
    codings : pandas.DataFrame
        Codings (columns :data:`~microcred.qual.units.CODING_COLUMNS`).
    decisions : pandas.DataFrame
        One row per decision: ``unit_id``, ``code_id``, ``decision`` (as in
        :func:`review`) and optionally ``row``, the spreadsheet row the decision was
        read from (named in error messages).
    coder : str
        The human reviewer (not blank, not a machine coder's name).
    created_at : str, optional
        ISO 8601 time of the decisions; now (UTC) by default. A decision that repeats
        the coder's stored coding keeps that coding's time, so applying the same
        decisions twice changes nothing.
    file : str
        Where the decisions come from, for error messages.

    Returns
    -------
    pandas.DataFrame
        New codings, as :func:`review` gives for each decision in turn; the input is
        not modified.

    Raises
    ------
    InputError
        Naming ``file``, the decision's ``row`` and the column at fault: an unknown
        decision; ``"confirm"``/``"reject"`` with no machine coding of the unit and
        code, or with machine codings that disagree; the same unit and code decided
        both ways; ``coder`` blank or the name of a machine coder. Nothing is applied
        when any decision is wrong.

    Notes
    -----
    A reviewed machine coding keeps its ``present`` and ``confidence`` and only changes
    status, so the agreement between the machine and its reviewers stays measurable;
    :func:`merge_codings` never lets a later machine run replace it.
    """
    frame = _validate(codings, "codings")
    if not isinstance(coder, str) or not coder.strip():
        raise InputError(file, "a review needs the human coder's name")
    machine = (frame["origin"] == "machine").fillna(False).to_numpy(dtype=bool)
    if (machine & (frame["coder"] == coder).fillna(False).to_numpy(dtype=bool)).any():
        raise InputError(file, f"{coder!r} is a machine coder; a review needs a human")
    for column in ("unit_id", "code_id", "decision"):
        if column not in decisions.columns:
            raise InputError(file, f"the decisions have no {column!r} column")
    proposals: dict[tuple[str, str], set[int]] = {}
    for unit, code, said in zip(frame.loc[machine, "unit_id"], frame.loc[machine, "code_id"],
                                frame.loc[machine, "present"], strict=True):
        proposals.setdefault((str(unit), str(code)), set()).add(int(said))
    rows = decisions["row"].tolist() if "row" in decisions.columns else [None] * len(decisions)
    problems: list[tuple[int | None, str | None, str]] = []
    decided: dict[tuple[str, str], tuple[int, int | None]] = {}
    for unit, code, decision, row in zip(decisions["unit_id"], decisions["code_id"],
                                         decisions["decision"], rows, strict=True):
        key = (str(unit), str(code))
        row = None if row is None or pd.isna(row) else int(row)
        word = decision.strip().lower() if isinstance(decision, str) else None
        present: int | None = None
        if word in ("confirm", "reject"):
            found = proposals.get(key)
            if not found:
                problems.append((row, "code_id", f"no machine coding of unit {key[0]!r} with "
                                 f"code {key[1]!r} to {word}"))
            elif len(found) > 1:
                problems.append((row, "decision", f"machine codings of unit {key[0]!r} with "
                                 f"code {key[1]!r} disagree; decide present or absent instead"))
            else:
                present = next(iter(found))
                present = present if word == "confirm" else 1 - present
        elif word is not None and word in _PRESENCE_WORDS:
            present = _PRESENCE_WORDS[word]
        elif (isinstance(decision, bool | int | np.integer | np.bool_)
              and int(decision) in (0, 1)):
            present = int(decision)
        else:
            problems.append((row, "decision", f"unknown review decision {decision!r}"))
        if present is None:
            continue
        if key in decided and decided[key][0] != present:
            first = decided[key][1]
            problems.append((row, "decision", f"unit {key[0]!r}, code {key[1]!r} is decided "
                             "the other way" + (f" in row {first}" if first else " already")))
            continue
        decided.setdefault(key, (present, row))
    _raise(file, problems)
    if not decided:
        return frame
    lookup = pd.Series([p for p, _ in decided.values()], dtype="float64",
                       index=pd.MultiIndex.from_tuples(list(decided)))
    keys = pd.MultiIndex.from_arrays([frame["unit_id"].astype(str).to_numpy(dtype=object),
                                      frame["code_id"].astype(str).to_numpy(dtype=object)])
    target = lookup.reindex(keys).to_numpy()
    has = ~np.isnan(target)
    frame = frame.copy()
    idx = frame.index[machine & has]
    frame.loc[idx, "status"] = np.where(
        frame.loc[idx, "present"].to_numpy() == target[machine & has], "confirmed", "rejected"
    )
    own = has & (frame["coder"] == coder).fillna(False).to_numpy(dtype=bool)
    earlier = {
        (str(u), str(c)): (int(p), t)
        for u, c, p, t in zip(frame.loc[own, "unit_id"], frame.loc[own, "code_id"],
                              frame.loc[own, "present"], frame.loc[own, "created_at"], strict=True)
    }
    stamp = created_at or _now()
    new_rows = []
    for key, (present, _) in decided.items():
        before = earlier.get(key)
        new_rows.append({
            "unit_id": key[0], "code_id": key[1], "coder": coder, "origin": "human",
            "present": present, "status": "human",
            "created_at": before[1] if before is not None and before[0] == present else stamp,
        })
    return coding_frame(pd.concat([frame[~own], coding_frame(new_rows)], ignore_index=True))


# --------------------------------------------------------------------------- review file

REVIEW_SHEET_COLUMNS = (
    "rank", "unit_id", "document", "code_id", "code", "proposal", "confidence", "model",
    "text", "decision",
)
"""Columns of the review file written by :func:`write_review_sheet`."""

CONFIRM_WORDS = ("confirm", "confirmed", "yes", "y", "1", "true")
"""Cells of a review file's ``decision`` column that confirm the machine's proposal."""

REJECT_WORDS = ("reject", "rejected", "no", "n", "0", "false")
"""Cells of a review file's ``decision`` column that reject the machine's proposal."""

_APPLIES = {1: "applies", 0: "does not apply"}


def _by_unit(units: pd.DataFrame) -> pd.DataFrame:
    """Units indexed by their id as text (first row of a repeated id)."""
    first = units.drop_duplicates("unit_id")
    return first.set_index(pd.Index(first["unit_id"].astype(str).to_numpy(dtype=object)))


def proposal_thresholds(units: pd.DataFrame, codings: pd.DataFrame) -> pd.Series:
    """Decision threshold of each machine coding, recovered from the stored codings.

    Parameters
    ----------
    units : pandas.DataFrame
        ``unit_id`` and ``document``.
    codings : pandas.DataFrame
        Codings (``CODING_COLUMNS``); machine rows carry ``confidence`` (probability
        that the code applies) and ``present`` = confidence >= threshold.

    Returns
    -------
    pandas.Series
        Aligned with ``codings``' index; NaN for human rows and rows without a
        confidence. Per document, code and model: the midpoint between the lowest
        confidence called present and the highest called absent (either one alone when
        only one side exists).

    Notes
    -----
    The threshold itself is not stored with the codings (the contract columns have no
    place for it); since every machine coding is ``present = confidence >= threshold``,
    the threshold lies between those two values, and the midpoint is off by at most
    half the gap between them.
    """
    frame = codings
    documents = _by_unit(units)["document"]
    machine = (frame["origin"] == "machine").fillna(False) & frame["confidence"].notna()
    rows = frame[machine]
    key = pd.DataFrame({
        "document": rows["unit_id"].astype(str).map(documents).astype(object).fillna(""),
        "code_id": rows["code_id"].astype(str),
        "model": rows["model"].astype(object).fillna(""),
        "confidence": rows["confidence"].astype(float),
        "present": rows["present"].astype(int),
    }, index=rows.index)
    group = ["document", "code_id", "model"]
    low = key[key["present"] == 1].groupby(group)["confidence"].min().rename("low")
    high = key[key["present"] == 0].groupby(group)["confidence"].max().rename("high")
    bounds = pd.concat([low, high], axis=1).mean(axis=1).rename("threshold")
    out = pd.Series(np.nan, index=frame.index, dtype="float64")
    if len(key):
        found = key[group].merge(bounds, left_on=group, right_index=True, how="left")
        out.loc[key.index] = found["threshold"].to_numpy()
    return out


def review_sheet(
    units: pd.DataFrame,
    codings: pd.DataFrame,
    *,
    limit: int | None = None,
    codebook: Codebook | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """The machine proposals still waiting for a human, least confident first.

    Parameters
    ----------
    units : pandas.DataFrame
        ``UNIT_COLUMNS`` (the texts are shown to the reviewer).
    codings : pandas.DataFrame
        ``CODING_COLUMNS``; machine rows with status ``"proposed"`` are queued.
    limit : int, optional
        At most this many rows (the least confident ones).
    codebook : Codebook, optional
        Gives the ``code`` column its label (the code id otherwise).
    language : str
        Language of the code labels.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REVIEW_SHEET_COLUMNS`: ``rank`` (1 = review first), the unit and
        its ``document`` and ``text``, the code, the machine's ``proposal``
        (``"applies"`` or ``"does not apply"``), its ``confidence`` (probability that
        the code applies), ``model`` and an empty ``decision``. The text is personal
        data: write it only where the reviewer reads it.

    Raises
    ------
    InputError
        The codings lack a required column.

    References
    ----------
    Lewis, D. D. & Gale, W. A. (1994). A sequential algorithm for training text
    classifiers. SIGIR 1994 (uncertainty sampling: the proposal closest to its
    decision threshold first; :func:`microcred.qual.autocode.review_queue`).
    """
    from microcred.qual.autocode import review_queue

    frame = coding_frame(codings)
    frame["threshold"] = proposal_thresholds(units, frame)
    queue = review_queue(frame)
    if limit is not None:
        queue = queue.head(max(0, int(limit)))
    text = _by_unit(units)
    ids = queue["unit_id"].astype(str)
    labels = {c.id: c.label(language) for c in codebook.walk()} if codebook is not None else {}
    sheet = pd.DataFrame({
        "rank": queue["rank"].astype("int64"),
        "unit_id": ids.astype(object),
        "document": ids.map(text["document"]).astype(object),
        "code_id": queue["code_id"].astype(str).astype(object),
        "code": queue["code_id"].astype(str).map(lambda c: labels.get(c, c)).astype(object),
        "proposal": queue["present"].astype(int).map(_APPLIES).astype(object),
        "confidence": queue["confidence"].astype(float),
        "model": queue["model"].astype(object),
        "text": ids.map(text["text"]).astype(object),
        "decision": "",
    }, columns=list(REVIEW_SHEET_COLUMNS))
    return sheet.reset_index(drop=True)


def write_review_sheet(sheet: pd.DataFrame, path: str | Path) -> Path:
    """Write a review sheet to CSV or XLSX, safe to open in a spreadsheet.

    Parameters
    ----------
    sheet : pandas.DataFrame
        As :func:`review_sheet` returns.
    path : str or pathlib.Path
        ``.csv`` (UTF-8 with a byte order mark, so that Excel reads accents) or
        ``.xlsx``; the folder is created if missing.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    InputError
        Any other file extension.

    Notes
    -----
    Every text cell goes through :func:`microcred.report.safe.neutralise_cell` (a
    respondent's ``=HYPERLINK(...)`` stays text); XLSX cells also lose the characters
    XML cannot hold (:func:`microcred.report.safe.xml_text`) and are cut at Excel's
    32,767 characters.

    References
    ----------
    OWASP Foundation, "CSV Injection",
    https://owasp.org/www-community/attacks/CSV_Injection.
    """
    from microcred.report.safe import neutralise_cell, neutralise_frame, xml_text

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(str(path), "the review file must end in .csv or .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        neutralise_frame(sheet).to_csv(path, index=False, encoding="utf-8-sig",
                                       lineterminator="\r\n")
        return path
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from microcred.report.xlsx import MAX_CELL_TEXT

    book = Workbook()
    ws = book.active
    ws.title = "review"
    ws.append([str(c) for c in sheet.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in sheet.itertuples(index=False):
        ws.append([
            None if v is None or (not isinstance(v, str) and pd.isna(v))
            else neutralise_cell(xml_text(v)[:MAX_CELL_TEXT]) if isinstance(v, str)
            else v.item() if isinstance(v, np.generic) else v
            for v in values
        ])
    widths = {"unit_id": 18, "document": 14, "code_id": 16, "code": 20, "proposal": 14,
              "model": 18, "text": 80, "decision": 12}
    for i, name in enumerate(sheet.columns, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = widths.get(str(name), 10)
        if name == "text":
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    book.save(path)
    return path


def _cell(value: Any) -> str:
    """A cell as text: blank for missing, without the apostrophe neutralisation adds."""
    from microcred.report.safe import FORMULA_TRIGGERS

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]
    return text


def read_review_decisions(
    path: str | Path, units: pd.DataFrame, codings: pd.DataFrame
) -> pd.DataFrame:
    """Read the decisions a reviewer wrote into a review file.

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV, TSV or XLSX file with columns ``unit_id``, ``code_id`` and ``decision``
        (other columns, e.g. the rest of :func:`review_sheet`, are ignored). A
        ``decision`` confirms the machine's proposal (:data:`CONFIRM_WORDS`:
        confirm, yes, 1...) or rejects it (:data:`REJECT_WORDS`: reject, no, 0...),
        case-insensitive; rows with a blank decision are skipped.
    units : pandas.DataFrame
        The stored units (``unit_id``), to check the file's unit ids.
    codings : pandas.DataFrame
        The stored codings, to check that each unit and code has a machine coding.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, code_id, decision ("confirm" | "reject"), row`` (the spreadsheet
        row, header = row 1), in file order.

    Raises
    ------
    InputError
        Naming the file, row and column: a missing column; a decision that is not one
        of the words above; a unit id not among the stored units; a unit and code with
        no machine coding. Every problem is counted in one message; cells are not
        quoted except ids and the first bad decision (a reviewer's word, not
        respondent text, cut to 40 characters).
    """
    path = Path(path)
    file = str(path)
    headers, data, rows = _read_table(path, None)
    unit_i = _column_index(headers, "unit_id", file, "unit id")
    code_i = _column_index(headers, "code_id", file, "code id")
    decision_i = _column_index(headers, "decision", file, "decision")
    known_units = set(units["unit_id"].astype(str))
    machine = codings[(codings["origin"] == "machine").fillna(False)]
    coded = set(zip(machine["unit_id"].astype(str), machine["code_id"].astype(str),
                    strict=True))
    problems: list[tuple[int | None, str | None, str]] = []
    out = []
    for pos, row in enumerate(rows):
        written = _cell(data.iat[pos, decision_i])
        word = written.casefold()
        unit, code = _cell(data.iat[pos, unit_i]), _cell(data.iat[pos, code_i])
        if not word:
            continue
        if word in CONFIRM_WORDS:
            decision = "confirm"
        elif word in REJECT_WORDS:
            decision = "reject"
        else:
            # a reviewer's word, not respondent text: echoed (cut short) as import
            # errors echo a closed answer
            problems.append((row, "decision", "not a decision: write confirm (or yes, 1) to "
                             "accept the machine's proposal, reject (or no, 0) to refuse it "
                             f"[value: {_shown(written)}]"))
            continue
        if unit not in known_units:
            problems.append((row, "unit_id", f"unknown unit {unit!r} (not among the stored "
                             "units of this study)"))
        elif (unit, code) not in coded:
            problems.append((row, "code_id", f"unit {unit!r} has no machine coding with code "
                             f"{code!r}"))
        else:
            out.append({"unit_id": unit, "code_id": code, "decision": decision, "row": row})
    _raise(file, problems)
    return pd.DataFrame(out, columns=["unit_id", "code_id", "decision", "row"])
