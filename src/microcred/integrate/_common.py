"""Helpers shared by the integration modules: the error type, input checks, JSON cleaning."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from microcred.errors import InputError, MicrocredError

if TYPE_CHECKING:
    import pandas as pd

    from microcred.study.models import Study


class IntegrateError(MicrocredError, ValueError):
    """An argument of an integration function is unusable (an unknown origin, a bad k).

    It is a :class:`~microcred.errors.MicrocredError` (the CLI exits with code 2) and a
    :class:`ValueError` (what Python code expects of a bad argument).
    """


def require(frame: Any, columns: Iterable[str], name: str) -> None:
    """Raise :class:`~microcred.errors.InputError` unless ``frame`` has ``columns``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame to check.
    columns : iterable of str
        Columns it must have.
    name : str
        What the frame is (``"units"``, ``"codings"``), named in the error.

    Raises
    ------
    InputError
        ``frame`` is not a DataFrame or lacks a column.
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputError(name, f"expected a pandas DataFrame, got {type(frame).__name__}")
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise InputError(name, f"missing column(s): {', '.join(absent)}", column=absent[0])


def wilson(n: int, base: int) -> tuple[float, float]:
    """Wilson 95% interval of ``n / base`` (NaN, NaN when ``base`` is 0).

    Parameters
    ----------
    n, base : int
        Count and its base.

    Returns
    -------
    (float, float)
        See :func:`microcred.quant.proportions.wilson_ci`.
    """
    from microcred.quant.proportions import wilson_ci

    lo, hi = wilson_ci(n, base)
    return float(lo), float(hi)


def share(n: int, base: int) -> float:
    """``n / base``, NaN when ``base`` is 0."""
    return n / base if base else math.nan


def clean(value: Any) -> Any:
    """Plain JSON-ready data: tuples as lists, NaN/NA as ``None``, numpy scalars unboxed.

    Parameters
    ----------
    value : Any
        Nested dicts, lists, tuples and scalars.

    Returns
    -------
    Any
        The same structure with JSON types only.
    """
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if value is None or isinstance(value, str | bool):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return clean(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int | float):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def language_of(study: Study, language: str | None) -> str:
    """The language to label in: ``language``, else the study's first, else English."""
    if language:
        return language
    return study.study.languages[0] if study.study.languages else "en"


def label_in(labels: dict[str, str], language: str, fallback: str) -> str:
    """Text of a labels mapping in ``language`` (then ``*``, English, any, ``fallback``)."""
    for key in (language, "*", "en"):
        if key in labels:
            return labels[key]
    return next(iter(labels.values()), fallback)


def valid_answers(answers: pd.DataFrame, item_id: str) -> pd.DataFrame:
    """The rows of one item that hold a chosen option (declared-missing rows dropped).

    Parameters
    ----------
    answers : pandas.DataFrame
        Long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`).
    item_id : str

    Returns
    -------
    pandas.DataFrame
        Columns ``respondent_id``, ``option_id`` (both str), one row per respondent x
        chosen option, without repeats.
    """
    rows = answers[(answers["item_id"] == item_id) & answers["option_id"].notna()]
    if "missing" in rows.columns:
        rows = rows[rows["missing"].isna()]
    out = rows[["respondent_id", "option_id"]].astype(str)
    return out.drop_duplicates().reset_index(drop=True)
