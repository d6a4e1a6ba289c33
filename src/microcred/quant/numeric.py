"""Numeric items: mean, SD, median and quartiles with bootstrap 95% intervals.

The intervals are percentile bootstrap intervals with a fixed seed, so a rerun on the
same data gives the same numbers. Up to :data:`DIRECT_MAX_N` values they come from
:func:`scipy.stats.bootstrap`; above it resampling n values n times is too slow, so the
same bootstrap is drawn in an equivalent, vectorised form (see :func:`bootstrap_ci`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from microcred.quant._data import ItemData, Prepared
from microcred.quant.scales import describe_values

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike

    from microcred.study.models import Item

__all__ = [
    "BOOTSTRAP_SEED",
    "bootstrap_ci",
    "item_numeric_summary",
    "numeric_item_summary",
    "numeric_summary",
]

BOOTSTRAP_SEED = 20230
"""Seed of every bootstrap (fixed so results are reproducible)."""
N_RESAMPLES = 9999
"""Bootstrap resamples."""
DIRECT_MAX_N = 2000
"""Largest sample resampled directly with :func:`scipy.stats.bootstrap`."""
MAX_DISTINCT = 5000
"""Largest number of distinct values for the multinomial form of the bootstrap."""
SUBSAMPLE_M = 2000
"""Resample size m of the m-out-of-n bootstrap (large samples of continuous values)."""
_BATCH = 500

Statistic = Literal["mean", "median"]


def _stat(name: Statistic) -> Callable[..., Any]:
    if name == "mean":
        return np.mean
    if name == "median":
        return np.median
    raise ValueError(f"statistic must be 'mean' or 'median', not {name!r}")


def _order_stat(cum: np.ndarray, k: int, uniq: np.ndarray) -> np.ndarray:
    # k-th smallest (0-based) of each resample given cumulative counts per distinct value
    return uniq[(cum > k).argmax(axis=1)]


def bootstrap_ci(
    values: ArrayLike,
    statistic: Statistic = "mean",
    *,
    confidence_level: float = 0.95,
    n_resamples: int = N_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean or the median.

    Parameters
    ----------
    values : array_like of float, shape (n,)
        The sample; NaN are ignored.
    statistic : {"mean", "median"}
        The statistic (median of an even n is the mean of the two middle values).
    confidence_level : float, default 0.95
    n_resamples : int, default 9999
    seed : int, default :data:`BOOTSTRAP_SEED`
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    (low, high) : tuple of float
        NaN when fewer than 2 values.

    Raises
    ------
    ValueError
        If ``statistic`` is neither "mean" nor "median".

    Notes
    -----
    Method: the *percentile* interval (Efron & Tibshirani 1993, ch. 13), chosen over BCa
    because BCa's jackknife acceleration is degenerate for the median of discrete data
    (survey answers are mostly whole numbers) and costs O(n^2) on large samples.

    - n <= :data:`DIRECT_MAX_N`: :func:`scipy.stats.bootstrap` with
      ``method="percentile"``.
    - larger n with at most :data:`MAX_DISTINCT` distinct values: a resample of n
      values drawn with replacement is, in distribution, a multinomial draw of counts
      over the distinct values with probabilities equal to their observed shares; the
      same resamples are drawn that way (O(distinct values) per resample instead of
      O(n)) and the statistic is computed from the counts. This is the ordinary
      bootstrap, not an approximation.
    - larger n with more distinct values: the m-out-of-n bootstrap (Bickel, Götze & van
      Zwet 1997) with m = :data:`SUBSAMPLE_M`, its percentile deviations rescaled by
      sqrt(m / n) (both statistics converge at the root-n rate).

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
       Chapman & Hall.
    .. [2] Bickel, P. J., Götze, F. & van Zwet, W. R. (1997). Resampling fewer than n
       observations. Statistica Sinica 7, 1-31.
    """
    from scipy import stats

    func = _stat(statistic)
    x = np.asarray(values, dtype=float).reshape(-1)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    alpha = (1.0 - confidence_level) / 2.0
    if np.all(x == x[0]):
        return float(x[0]), float(x[0])
    if n <= DIRECT_MAX_N:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.bootstrap(
                (x,),
                func,
                n_resamples=n_resamples,
                vectorized=True,
                confidence_level=confidence_level,
                method="percentile",
                rng=rng,
                batch=_BATCH,
            )
        ci = res.confidence_interval
        return float(ci.low), float(ci.high)

    uniq, counts = np.unique(x, return_counts=True)
    estimates = np.empty(n_resamples)
    if uniq.size <= MAX_DISTINCT:
        probs = counts / n
        for start in range(0, n_resamples, _BATCH):
            size = min(_BATCH, n_resamples - start)
            draw = rng.multinomial(n, probs, size=size)
            if statistic == "mean":
                est = draw @ uniq / n
            else:
                cum = np.cumsum(draw, axis=1)
                est = (_order_stat(cum, (n - 1) // 2, uniq) + _order_stat(cum, n // 2, uniq)) / 2
            estimates[start: start + size] = est
        low, high = np.percentile(estimates, [100 * alpha, 100 * (1 - alpha)])
        return float(low), float(high)

    m = SUBSAMPLE_M
    for start in range(0, n_resamples, _BATCH):
        size = min(_BATCH, n_resamples - start)
        estimates[start: start + size] = func(x[rng.integers(0, n, size=(size, m))], axis=1)
    theta = float(func(x))
    low, high = np.percentile(estimates, [100 * alpha, 100 * (1 - alpha)])
    scale = np.sqrt(m / n)
    return float(theta + scale * (low - theta)), float(theta + scale * (high - theta))


def numeric_summary(values: ArrayLike, *, seed: int = BOOTSTRAP_SEED) -> dict[str, float]:
    """Summary of a numeric item with bootstrap intervals of its mean and median.

    Parameters
    ----------
    values : array_like of float, shape (n,)
        The valid answers in the item's unit (hours, years, ...); NaN ignored.
    seed : int, default :data:`BOOTSTRAP_SEED`

    Returns
    -------
    dict
        ``n, mean, sd, median, q1, q3, iqr, min, max`` (see
        :func:`microcred.quant.scales.describe_values`) and ``mean_ci_low,
        mean_ci_high, median_ci_low, median_ci_high`` (percentile bootstrap 95%, see
        :func:`bootstrap_ci`).
    """
    out = describe_values(values)
    out["mean_ci_low"], out["mean_ci_high"] = bootstrap_ci(values, "mean", seed=seed)
    out["median_ci_low"], out["median_ci_high"] = bootstrap_ci(values, "median", seed=seed)
    return out


def item_numeric_summary(data: ItemData) -> dict[str, float] | None:
    """:func:`numeric_summary` of a prepared item (``None`` unless numeric)."""
    if data.item.type != "numeric":
        return None
    return numeric_summary(data.val)


def numeric_item_summary(
    answers: pd.DataFrame, item: Item, *, respondents: pd.DataFrame | None = None
) -> dict[str, float] | None:
    """:func:`numeric_summary` of one numeric item from the long answers frame.

    Parameters
    ----------
    answers : pandas.DataFrame
        Long answers (``microcred.ingest.answers.ANSWER_COLUMNS``); declared-missing rows
        (``missing`` set, e.g. SPSS -9 "Not applicable") never count.
    item : Item
    respondents : pandas.DataFrame, optional

    Returns
    -------
    dict or None
        See :func:`numeric_summary`; ``None`` unless the item is numeric.

    Raises
    ------
    microcred.errors.InputError
        If a required column is missing or ``value`` is not numeric.
    """
    return item_numeric_summary(Prepared(answers, respondents).item(item))
