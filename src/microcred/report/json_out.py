"""``results.json``: every number of the report, keyed by item id and option id."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from microcred.ingest.validate import ValidationReport
    from microcred.quant.results import ComparisonResult, ItemResult, QuantResults
    from microcred.study.models import Study

__all__ = ["results_dict", "to_jsonable", "write_results_json"]


def to_jsonable(value: Any) -> Any:
    """Convert ``value`` into plain JSON types.

    Parameters
    ----------
    value : object
        Nested dicts, lists, tuples, sets, dataclasses, pandas DataFrames (-> list of
        records) and Series (-> dict), numpy scalars and arrays, dates, paths.

    Returns
    -------
    object
        Only ``dict`` (string keys), ``list``, ``str``, ``int``, ``float``, ``bool`` and
        ``None``. NaN, infinities, ``pandas.NA`` and ``NaT`` become ``None``.

    Notes
    -----
    JSON (RFC 8259, section 6) has no NaN or Infinity, hence ``None``.
    """
    import numpy as np
    import pandas as pd

    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return to_jsonable(float(value))
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return [
            {str(k): to_jsonable(v) for k, v in row.items()}
            for row in value.to_dict(orient="records")
        ]
    if isinstance(value, pd.Series):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(v) for v in value), key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, _dt.datetime | _dt.date | _dt.time | pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "model_dump"):  # pydantic models
        return to_jsonable(value.model_dump(mode="json"))
    return str(value)


def _records_by(frame: pd.DataFrame | None, key: str) -> dict[str, dict[str, Any]]:
    if frame is None or frame.empty or key not in frame.columns:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for record in frame.to_dict(orient="records"):
        ident = str(record.pop(key))
        out[ident] = {str(k): to_jsonable(v) for k, v in record.items()}
    return out


def _item_dict(item: ItemResult) -> dict[str, Any]:
    reasons: dict[str, Any] = {}
    frame = item.missing_reasons
    if frame is not None and not frame.empty and {"reason", "n"} <= set(frame.columns):
        reasons = {str(r): to_jsonable(n) for r, n in zip(frame["reason"], frame["n"], strict=True)}
    return {
        "type": item.item_type,
        "label": item.label,
        "construct": item.construct,
        "n_asked": to_jsonable(item.n_asked),
        "n_valid": to_jsonable(item.n_valid),
        "n_missing": to_jsonable(item.n_missing),
        "small_n": bool(item.small_n),
        "missing_reasons": reasons,
        "other_texts": to_jsonable(item.other_texts),
        "notes": list(item.notes),
        "options": _records_by(item.frequencies, "option_id"),
        "summary": to_jsonable(item.summary) if item.summary is not None else None,
    }


def _comparison_dict(comp: ComparisonResult) -> dict[str, Any]:
    tests: Any
    frame = comp.tests
    if frame is not None and "item_id" in frame.columns and frame["item_id"].is_unique:
        tests = _records_by(frame, "item_id")
    else:
        tests = to_jsonable(frame)
    crosstabs = {
        str(item_id): {
            str(option): {str(group): to_jsonable(n) for group, n in row.items()}
            for option, row in table.iterrows()
        }
        for item_id, table in comp.crosstabs.items()
    }
    return {
        "by": comp.by,
        "label": comp.label,
        "groups": _records_by(comp.groups, "group_id"),
        "tests": tests,
        "crosstabs": crosstabs,
    }


def results_dict(
    study: Study,
    results: QuantResults,
    validation: ValidationReport,
    provenance: Mapping[str, Any],
    key_findings: list[str] | None = None,
) -> dict[str, Any]:
    """Everything the report shows, as one JSON-able dict.

    Parameters
    ----------
    study : Study
        The instrument (its ``study`` metadata is copied).
    results : QuantResults
    validation : ValidationReport
    provenance : mapping
        Versions, inputs with SHA-256, database URL (see :func:`microcred.report.render`).
    key_findings : list of str, optional
        The sentences of the report's "Key findings" section.

    Returns
    -------
    dict
        Keys ``study, n_respondents, sample, items`` (item id -> ``type, label,
        construct, n_asked, n_valid, n_missing, small_n, missing_reasons, other_texts,
        notes, options`` (option id -> its frequency row) ``, summary``), ``rankings``
        (construct id -> ranked records), ``segments`` (segment id -> row),
        ``comparisons`` (list; tests keyed by item id, crosstabs item -> option ->
        group -> n), ``key_findings``, ``validation`` (issue dicts), ``provenance``,
        ``extra``.
    """
    return {
        "study": to_jsonable(study.study),
        "n_respondents": to_jsonable(results.n_respondents),
        "sample": to_jsonable(results.sample) if results.sample is not None else [],
        "items": {item_id: _item_dict(item) for item_id, item in results.items.items()},
        "rankings": {k: to_jsonable(v) for k, v in results.rankings.items()},
        "segments": _records_by(results.segments, "segment_id"),
        "comparisons": [_comparison_dict(c) for c in results.comparisons],
        "key_findings": list(key_findings or []),
        "validation": [to_jsonable(issue.as_dict()) for issue in validation.issues],
        "provenance": to_jsonable(dict(provenance)),
        "extra": to_jsonable(results.extra),
    }


def write_results_json(data: Mapping[str, Any], path: Path) -> Path:
    """Write ``data`` (already JSON-able) as UTF-8, indented JSON.

    Parameters
    ----------
    data : mapping
        Typically :func:`results_dict`'s output.
    path : pathlib.Path
        Destination file.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        ``data`` still holds NaN or infinity (``allow_nan=False``).
    """
    text = json.dumps(to_jsonable(data), ensure_ascii=False, indent=2, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
