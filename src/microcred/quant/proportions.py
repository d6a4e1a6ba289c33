"""Proportions with Wilson score confidence intervals, exact at the boundaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike

__all__ = ["proportion_table", "wilson_ci"]


def wilson_ci(
    count: ArrayLike, nobs: ArrayLike, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions, vectorised.

    Parameters
    ----------
    count : array_like of int, shape (k,) or scalar
        Successes.
    nobs : array_like of int, shape (k,) or scalar
        Trials (broadcast against ``count``).
    alpha : float, default 0.05
        ``1 - alpha`` is the coverage (0.05 gives a 95% interval).

    Returns
    -------
    ci_low, ci_high : numpy.ndarray of float, shape of the broadcast inputs
        Bounds as fractions. Where ``nobs == 0`` both are NaN. The bounds satisfy
        ``0 <= ci_low <= count/nobs <= ci_high <= 1`` exactly: ``ci_low`` is exactly 0 at
        ``count == 0`` and ``ci_high`` exactly 1 at ``count == nobs``.

    Raises
    ------
    ValueError
        If a count is negative or exceeds its ``nobs``.

    Notes
    -----
    The interval is computed by statsmodels ``proportion_confint(method="wilson")``
    (no continuity correction). The closed form gives exactly 0 and 1 at the boundaries,
    but floating point leaves artefacts such as ``6.9e-18`` or ``1.0000000000000002``;
    these are set to the exact values and the bounds are clipped into
    ``[0, p]`` and ``[p, 1]``.

    References
    ----------
    .. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and
       statistical inference. JASA 22(158), 209-212.
    .. [2] Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for a
       binomial proportion. Statistical Science 16(2), 101-133.
    """
    from statsmodels.stats.proportion import proportion_confint

    x = np.asarray(count, dtype=float)
    n = np.asarray(nobs, dtype=float)
    x, n = np.broadcast_arrays(x, n)
    if np.any(x < 0) or np.any(x > n):
        raise ValueError("counts must lie between 0 and the number of observations")
    positive = n > 0
    safe_n = np.where(positive, n, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        lo, hi = proportion_confint(x, safe_n, alpha=alpha, method="wilson")
        p = x / safe_n
    lo = np.where(x == 0, 0.0, np.clip(lo, 0.0, p))
    hi = np.where(x == n, 1.0, np.clip(hi, p, 1.0))
    lo = np.where(positive, lo, np.nan)
    hi = np.where(positive, hi, np.nan)
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def proportion_table(
    counts: ArrayLike, base: ArrayLike, alpha: float = 0.05, index: ArrayLike | None = None
) -> pd.DataFrame:
    """Counts as proportions of a base with Wilson confidence intervals.

    Parameters
    ----------
    counts : array_like of int, shape (k,)
        Respondents counted in each row.
    base : int or array_like of int, shape (k,)
        Denominator of each proportion (e.g. the item's valid answers).
    alpha : float, default 0.05
        ``1 - alpha`` is the coverage.
    index : array_like, shape (k,), optional
        Index of the returned frame.

    Returns
    -------
    pandas.DataFrame, shape (k, 4)
        Columns ``n`` (int), ``pct`` (fraction in [0, 1], NaN when the base is 0),
        ``ci_low``, ``ci_high`` (see :func:`wilson_ci`).

    Raises
    ------
    ValueError
        If a count is negative or exceeds its base.

    References
    ----------
    Wilson (1927); computed with statsmodels ``proportion_confint``.
    """
    import pandas as pd

    x = np.asarray(counts, dtype=np.int64).reshape(-1)
    n = np.broadcast_to(np.asarray(base, dtype=np.int64), x.shape)
    lo, hi = wilson_ci(x, n, alpha=alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)
    return pd.DataFrame({"n": x, "pct": pct, "ci_low": lo, "ci_high": hi}, index=index)
