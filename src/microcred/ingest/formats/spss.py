"""SPSS ``.sav`` / ``.zsav`` files (pyreadstat), keeping user-missing values and why.

SPSS lets a variable declare codes as user-missing (up to three discrete values, or a
range plus one value). Reading them as plain NaN loses the reason ("No answer"), and
reading them as numbers averages them in; this reader does neither: the cell becomes NA
in ``data`` and the reason goes to ``missing``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from microcred.errors import InputError
from microcred.ingest.table import RawTable

__all__ = ["numbers_as_text", "read_sav"]


def numbers_as_text(values: np.ndarray) -> np.ndarray:
    """Numbers as the text a person would write: ``4`` not ``4.0``, ``6.75``.

    Parameters
    ----------
    values : numpy.ndarray of float, shape (n,)

    Returns
    -------
    numpy.ndarray of object, shape (n,)
        ``str`` per finite value (shortest round-trip repr for non-integers), ``NaN``
        for NaN.
    """
    values = np.asarray(values, dtype="float64")
    out = np.full(values.shape, np.nan, dtype=object)
    finite = np.isfinite(values)
    integral = finite & (np.floor(values) == values) & (np.abs(values) < 1e15)
    if integral.any():
        out[integral] = [str(v) for v in values[integral].astype(np.int64).tolist()]
    other = finite & ~integral
    if other.any():
        out[other] = [repr(v) for v in values[other].tolist()]
    infinite = np.isinf(values)
    if infinite.any():
        out[infinite] = [str(v) for v in values[infinite].tolist()]
    return out


def _code_text(code: object) -> str:
    if isinstance(code, float | int) and not isinstance(code, bool):
        return str(numbers_as_text(np.array([code], dtype="float64"))[0])
    return str(code)


def _user_missing_mask(values: pd.Series, ranges: list[dict[str, object]]) -> np.ndarray:
    mask = np.zeros(len(values), dtype=bool)
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        for bounds in ranges:
            lo, hi = bounds.get("lo"), bounds.get("hi")
            if isinstance(lo, int | float) and isinstance(hi, int | float):
                mask |= (numbers >= lo) & (numbers <= hi)
    else:
        text = values.astype("object")
        for bounds in ranges:
            lo, hi = bounds.get("lo"), bounds.get("hi")
            for code in {lo, hi}:
                if code is not None:
                    mask |= (text == code).fillna(False).to_numpy(dtype=bool)
    return mask


def _as_text(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype):
        return np.where(values.to_numpy(), "1", "0").astype(object)
    if pd.api.types.is_numeric_dtype(values.dtype):
        return numbers_as_text(values.to_numpy(dtype="float64", na_value=np.nan))
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        iso = values.dt.strftime("%Y-%m-%dT%H:%M:%S").astype("object")
        return iso.where(values.notna(), np.nan).to_numpy(dtype=object)
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values.tolist()):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out[i] = np.nan
        elif hasattr(value, "isoformat"):
            out[i] = value.isoformat()
        else:
            text = str(value)
            out[i] = text if text.strip() != "" else np.nan
    return out


def _read_in_child(file: str, connection: Any) -> None:
    """Child process: read the file with pyreadstat and send back (status, payload)."""
    import faulthandler

    faulthandler.disable()  # a crash here is reported by the parent; no dump to stderr
    try:
        import pyreadstat

        connection.send(("ok", pyreadstat.read_sav(file, user_missing=True)))
    except Exception as error:  # pyreadstat raises its own types and ValueError/OSError
        connection.send(("error", str(error)))
    finally:
        connection.close()


def _read_isolated(file: str) -> tuple[pd.DataFrame, Any]:
    """``pyreadstat.read_sav(file, user_missing=True)`` in a child process.

    ReadStat is C: a damaged file can crash it with a segmentation fault (found by
    ``fuzz/run.py``), which would kill the whole program without a message. In a child
    process the crash becomes an :class:`InputError`. The child is forked on Linux
    (it inherits the imported modules: a few milliseconds), spawned elsewhere.
    """
    import multiprocessing
    import sys

    context: Any = multiprocessing.get_context(
        "fork" if sys.platform.startswith("linux") else "spawn"
    )
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_read_in_child, args=(file, sender), daemon=True)
    child.start()
    sender.close()
    try:
        try:
            status, payload = receiver.recv()
        except EOFError:  # the child died before answering
            child.join()
            raise InputError(
                file,
                "cannot read as an SPSS .sav file: the SPSS reader (ReadStat) crashed on "
                f"it (exit code {child.exitcode}); the file is damaged or not an SPSS file",
            ) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.join(timeout=5)
        if child.is_alive():  # interrupted (Ctrl-C, a time limit) while reading
            child.kill()
            child.join()
    if status != "ok":
        raise InputError(file, f"cannot read as an SPSS .sav file ({payload})")
    frame, meta = payload
    return frame, meta


def read_sav(path: Path) -> RawTable:
    """Read an SPSS ``.sav`` file, applying its user-missing definitions.

    Parameters
    ----------
    path : pathlib.Path
        The ``.sav`` (or compressed ``.zsav``) file.

    Returns
    -------
    RawTable
        ``format="sav"``; ``headers`` = variable names, ``texts`` = variable labels;
        ``data`` with numbers as text (``"4"``, ``"6.75"``), dates as ISO 8601, and
        NA for system-missing and user-missing cells; ``missing`` the reason of each
        user-missing cell (``"No answer (9)"`` from the value label, else
        ``"user-missing (99)"``); ``missing_definitions`` = ``meta.missing_ranges``
        by column index; ``value_labels`` with codes as text (``"4"``). Case ``i``
        (0-based) is given row ``i + 2``, as if the variable names were a header row.

    Raises
    ------
    InputError
        The file cannot be read as SPSS data, or the names of its variables cannot
        be read (a damaged dictionary, for which pyreadstat gives ``None``).

    Notes
    -----
    Read with ``pyreadstat.read_sav(path, user_missing=True)`` (ReadStat) in a child
    process, so that a crash of the C reader on a damaged file is an InputError, not
    the end of the program. With ``user_missing=True`` the raw codes and
    ``meta.missing_ranges`` are available; user-missing values are then
    applied here, as SPSS does, instead of being dropped without their reason as
    ``user_missing=False`` (and haven's default) would.
    """
    file = str(path)
    frame, meta = _read_isolated(file)
    names = list(meta.column_names)
    unreadable = [i + 1 for i, name in enumerate(names) if not isinstance(name, str) or not name]
    if unreadable or frame.shape[1] != len(names):
        raise InputError(
            file,
            "cannot read as an SPSS .sav file (the names of variable(s) "
            f"{', '.join(map(str, unreadable[:10])) or '?'} cannot be read: damaged dictionary?)",
        )
    labels = list(meta.column_labels or [None] * len(names))
    ranges: dict[str, Any] = dict(meta.missing_ranges or {})
    value_labels_by_name: dict[str, Any] = dict(meta.variable_value_labels or {})
    columns: dict[int, np.ndarray] = {}
    reasons: dict[int, np.ndarray] = {}
    value_labels: dict[int, dict[str, str]] = {}
    definitions: dict[int, list[dict[str, float]]] = {}
    for index, name in enumerate(names):
        series = frame.iloc[:, index]  # by position: a damaged file may repeat a name
        text = _as_text(series)
        labelled = {
            _code_text(code): str(label)
            for code, label in value_labels_by_name.get(name, {}).items()
        }
        if labelled:
            value_labels[index] = labelled
        reason = np.full(len(series), np.nan, dtype=object)
        if ranges.get(name):
            definitions[index] = [dict(bounds) for bounds in ranges[name]]
            mask = _user_missing_mask(series, ranges[name])
            if mask.any():
                reason[mask] = [
                    f"{labelled[code]} ({code})" if code in labelled else f"user-missing ({code})"
                    for code in text[mask].tolist()
                ]
                text = text.copy()
                text[mask] = np.nan
        columns[index] = text
        reasons[index] = reason
    data = pd.DataFrame(columns, columns=pd.RangeIndex(len(names)), dtype=object)
    missing = (
        pd.DataFrame(reasons, columns=pd.RangeIndex(len(names)), dtype=object)
        if definitions
        else None
    )
    return RawTable(
        file=file,
        format="sav",
        headers=names,
        data=data,
        rows=list(range(2, len(frame) + 2)),
        texts=[str(label) if label else None for label in labels],
        codes=[None] * len(names),
        value_labels=value_labels,
        missing=missing,
        missing_definitions=definitions,
    )
