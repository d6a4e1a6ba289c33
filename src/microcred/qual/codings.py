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
coding replace a human one; :func:`review` records a human decision on machine
proposals.
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
    "MACHINE_STATUSES",
    "SIGHT_CODES",
    "SIGHT_PATTERN",
    "coding_frame",
    "merge_codings",
    "read_coder_files",
    "read_presence_matrix",
    "read_sight",
    "review",
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
        code id; a missing unit/text column; no coding column. All problems of a
        kind are counted in one message; cell values are never quoted (they may be
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
    """
    frame = _validate(codings, "codings")
    machine = frame["origin"] == "machine"
    if (machine & (frame["coder"] == coder)).any():
        raise InputError("codings", f"{coder!r} is a machine coder; a review needs a human")
    target = machine & (frame["unit_id"] == unit_id) & (frame["code_id"] == code_id)
    target = target.fillna(False).to_numpy(dtype=bool)
    words = {"present": 1, "absent": 0, "1": 1, "0": 0, "true": 1, "false": 0}
    if isinstance(decision, str) and decision.lower() in ("confirm", "reject"):
        proposals = frame.loc[target, "present"].unique()
        if len(proposals) == 0:
            raise InputError("codings", f"no machine coding of unit {unit_id!r} with code "
                             f"{code_id!r} to {decision.lower()}")
        if len(proposals) > 1:
            raise InputError("codings", f"machine codings of unit {unit_id!r} with code "
                             f"{code_id!r} disagree; decide present or absent instead")
        present = int(proposals[0])
        if decision.lower() == "reject":
            present = 1 - present
    elif isinstance(decision, str) and decision.lower() in words:
        present = words[decision.lower()]
    elif isinstance(decision, bool | int | np.integer) and int(decision) in (0, 1):
        present = int(decision)
    else:
        raise InputError("codings", f"unknown review decision {decision!r}")
    frame = frame.copy()
    idx = frame.index[target]
    frame.loc[idx, "status"] = np.where(
        frame.loc[idx, "present"].to_numpy() == present, "confirmed", "rejected"
    )
    own = (
        (frame["unit_id"] == unit_id) & (frame["code_id"] == code_id)
        & (frame["coder"] == coder)
    ).fillna(False).to_numpy(dtype=bool)
    frame = frame[~own]
    decision_row = {
        "unit_id": unit_id, "code_id": code_id, "coder": coder, "origin": "human",
        "present": present, "status": "human", "created_at": created_at or _now(),
    }
    return coding_frame(pd.concat([frame, coding_frame([decision_row])], ignore_index=True))
