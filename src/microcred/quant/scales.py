"""Summaries of Likert, rating and ordinal items: centre, spread and top-box share."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from microcred.quant._data import SCALE_TYPES, ItemData, Prepared, scored
from microcred.quant.proportions import wilson_ci

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike

    from microcred.study.models import Item

__all__ = [
    "describe_values",
    "item_scale_summary",
    "likert_summary",
    "scale_summary",
    "top_box_threshold",
]


def describe_values(values: ArrayLike) -> dict[str, float]:
    """Count, mean, SD, median and quartiles of the finite values.

    Parameters
    ----------
    values : array_like of float, shape (n,)
        Answers; NaN are ignored.

    Returns
    -------
    dict
        ``n`` (count), ``mean``, ``sd`` (sample SD, divisor n - 1; NaN when n < 2),
        ``median``, ``q1``, ``q3``, ``iqr`` (= q3 - q1), ``min``, ``max``. NaN when n = 0.

    Notes
    -----
    Quartiles use linear interpolation between order statistics (Hyndman & Fan 1996
    type 7), the default of R ``quantile``, NumPy and pandas.

    References
    ----------
    .. [1] Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical packages.
       The American Statistician 50(4), 361-365.
    """
    x = np.asarray(values, dtype=float).reshape(-1)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        nan = float("nan")
        return {"n": 0, "mean": nan, "sd": nan, "median": nan, "q1": nan, "q3": nan,
                "iqr": nan, "min": nan, "max": nan}
    q1, median, q3 = np.percentile(x, [25.0, 50.0, 75.0])
    return {
        "n": n,
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)) if n > 1 else float("nan"),
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "iqr": float(q3 - q1),
        "min": float(x.min()),
        "max": float(x.max()),
    }


def scale_summary(values: ArrayLike, top_threshold: float) -> dict[str, float]:
    """Summary of a Likert/rating/ordinal item with its top-box share.

    Parameters
    ----------
    values : array_like of float, shape (n,)
        Scale values of the valid answers (NaN ignored).
    top_threshold : float
        Smallest value in the top box (e.g. 4 on a 1-5 scale for top-2-box).

    Returns
    -------
    dict
        :func:`describe_values` plus ``top2_n`` (answers >= ``top_threshold``),
        ``top2_pct`` (fraction of ``n``), ``top2_ci_low``, ``top2_ci_high`` (Wilson 95%).
        The keys say ``top2`` whatever the box size, so every report reads the same keys.

    References
    ----------
    Wilson (1927) score interval; see :func:`microcred.quant.proportions.wilson_ci`.
    """
    x = np.asarray(values, dtype=float).reshape(-1)
    x = x[np.isfinite(x)]
    out = describe_values(x)
    n = int(x.size)
    top = int(np.count_nonzero(x >= top_threshold))
    lo, hi = wilson_ci(top, n)
    out.update(
        top2_n=top,
        top2_pct=top / n if n else float("nan"),
        top2_ci_low=float(lo),
        top2_ci_high=float(hi),
    )
    return out


def top_box_threshold(item: Item) -> float:
    """Smallest scale value in the item's top box.

    Parameters
    ----------
    item : Item
        A likert, rating or ordinal item; the box holds its ``scale.top_box`` highest
        option values (2 when the item has no ``scale``).

    Returns
    -------
    float
        The threshold (NaN when the item has no scored options).
    """
    size = item.scale.top_box if item.scale is not None else 2
    values = sorted({o.value for o in scored(item) if o.value is not None}, reverse=True)
    if not values or size < 1:
        return float("nan")
    return float(values[min(size, len(values)) - 1])


def item_scale_summary(data: ItemData) -> dict[str, float] | None:
    """:func:`scale_summary` of a prepared item (``None`` unless likert/rating/ordinal).

    Ordinal items get no top-2-box share.
    """
    if data.item.type not in SCALE_TYPES:
        return None
    summary = scale_summary(data.val, top_box_threshold(data.item))
    if data.item.type == "ordinal":
        # Bands such as age or weekly hours have no "agree" end: a top-2-box share would
        # only measure the two highest bands.
        summary = {k: v for k, v in summary.items() if not k.startswith("top2")}
    return summary


def likert_summary(
    answers: pd.DataFrame,
    item: Item,
    *,
    respondents: pd.DataFrame | None = None,
) -> dict[str, float] | None:
    """Summary of one Likert, rating or ordinal item from the long answers frame.

    Parameters
    ----------
    answers : pandas.DataFrame
        Long answers (``microcred.ingest.answers.ANSWER_COLUMNS``). Rows with ``missing``
        set (user-missing codes such as SPSS 9 = "No answer") never count as valid.
    item : Item
        The item; option values come from ``item.scored_options()`` or the scale.
    respondents : pandas.DataFrame, optional
        Respondents kept for analysis; by default those in ``answers``.

    Returns
    -------
    dict or None
        See :func:`scale_summary`.

    Raises
    ------
    microcred.errors.InputError
        If a required column is missing.
    """
    return item_scale_summary(Prepared(answers, respondents).item(item))

