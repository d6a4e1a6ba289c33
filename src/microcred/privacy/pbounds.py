"""Test results beside tables with hidden cells: p-values shown only as safe bounds.

A chi-square statistic, an exact p-value or an effect size computed from a table whose
margins are known is a function of the hidden cells: with one free cell (a 2x2 table),
its full-precision value usually leaves one or two possible tables. So for a test whose
table has a hidden cell:

* the statistic, the effect size and the smallest expected count are withheld;
* the p-value (and the Holm-adjusted one) is shown only as the finest of the bounds
  ``"< 0.001"``, ``"< 0.01"``, ``"< 0.05"``, ``"≥ 0.05"`` that holds for **every**
  table the reader cannot tell apart from the true one: every whole-number completion
  of the hidden cells that agrees with the published cells, the published totals and
  what the labels say (``"<k"``: 1 to k - 1; ``"[c]"``: at least k). The test is
  recomputed on each completion with the same function as the analysis
  (:func:`microcred.quant.comparisons.crosstab_test` or
  :func:`~microcred.quant.comparisons.rank_test`). When the completions straddle 0.05,
  or there are too many to check, or the test cannot be recomputed from the table
  alone, the p-value is withheld (``"[c]"``).

Because the bound shown is true of every completion, it rules none of them out: the
reader can narrow a hidden cell no further than the suppressed table already allows
(each small count keeps at least two possible values, as audited by
:func:`~microcred.privacy.suppress_counts`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from microcred.privacy.suppress import COMPLEMENTARY_LABEL, _is_margin, _lines, _system

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "P_BOUNDS",
    "completions",
    "holm_bounds",
    "is_p_bound",
    "p_bound",
    "p_is_below",
]

P_CUTS = (0.001, 0.01, 0.05)
P_BOUNDS = ("< 0.001", "< 0.01", "< 0.05", "≥ 0.05")
"""The bounds a p-value of a table with hidden cells may be shown as."""

MAX_COMPLETIONS = 400
"""Completions checked at most per table (more: the p-value is withheld)."""
MAX_PROGRAMMES = 4000
"""Linear programmes solved at most while listing the completions of one table."""


def p_bound(low: float, high: float) -> str:
    """The finest published bound true of every p-value in ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Smallest and largest p-value over the completions of the table.

    Returns
    -------
    str
        ``"< 0.001"``, ``"< 0.01"`` or ``"< 0.05"`` when ``high`` is below the cut,
        ``"≥ 0.05"`` when ``low`` is at least 0.05, else ``"[c]"`` (withheld).

    Examples
    --------
    >>> p_bound(0.0002, 0.004), p_bound(0.2, 0.9), p_bound(0.01, 0.3)
    ('< 0.01', '≥ 0.05', '[c]')
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return COMPLEMENTARY_LABEL
    for cut, label in zip(P_CUTS, P_BOUNDS, strict=False):
        if high < cut:
            return label
    if low >= P_CUTS[-1]:
        return P_BOUNDS[-1]
    return COMPLEMENTARY_LABEL


def is_p_bound(value: object) -> bool:
    """Whether ``value`` is a p-value shown as a bound or withheld (a label)."""
    return isinstance(value, str)


def p_is_below(value: object, alpha: float = 0.05) -> bool | None:
    """Whether a published p-value (number or bound) is below ``alpha``.

    Parameters
    ----------
    value : float or str
        A p-value, one of :data:`P_BOUNDS`, or ``"[c]"``.
    alpha : float, default 0.05

    Returns
    -------
    bool or None
        ``None`` when it cannot be told (withheld, missing, or a bound that straddles
        ``alpha``).
    """
    if isinstance(value, str):
        for cut, label in zip(P_CUTS, P_BOUNDS, strict=False):
            if value == label:
                return True if cut <= alpha else None
        if value == P_BOUNDS[-1]:
            return False if alpha <= P_CUTS[-1] else None
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number < alpha


def _bounds_of(label: object, k: int, uniform: bool) -> tuple[float, float]:
    if uniform:
        return 1.0, math.inf
    if isinstance(label, str) and label.startswith("<"):
        return 1.0, float(k - 1)
    return float(k), math.inf


def completions(
    published: pd.DataFrame,
    k: int,
    *,
    margins_name: str,
    uniform: bool = False,
    limit: int = MAX_COMPLETIONS,
) -> list[np.ndarray] | None:
    """Every whole-number table a reader cannot tell apart from the published one.

    Parameters
    ----------
    published : pandas.DataFrame, shape (r + 1, c + 1)
        The table as the reader sees it, totals included (row and column named
        ``margins_name``): shown cells are numbers, hidden ones labels (``"<k"`` for
        a count from 1 to k - 1, anything else for one of at least k).
    k : int
        The threshold.
    margins_name : str
        Label of the total row and column.
    uniform : bool, default False
        Every hidden cell is shown with one label (then it is only known to be >= 1).
    limit : int, default :data:`MAX_COMPLETIONS`
        Give up (return ``None``) beyond this many completions or
        :data:`MAX_PROGRAMMES` linear programmes.

    Returns
    -------
    list of numpy.ndarray of int, shape (r + 1, c + 1), or None
        The completions (the true table among them), or ``None`` when there are too
        many to list.

    Notes
    -----
    Depth-first search over the hidden cells, small ones first: each cell's range
    given the cells already fixed comes from two linear programmes (HiGHS, as in
    :func:`~microcred.privacy.suppress.attacker_bounds`); once the equations fix the
    remaining cells they are solved for directly and kept when whole and within their
    bounds.
    """
    from scipy.optimize import linprog

    frame = published
    shape = frame.shape
    margin_row = next((i for i, x in enumerate(frame.index) if _is_margin(x, margins_name)), None)
    margin_col = next(
        (i for i, x in enumerate(frame.columns) if _is_margin(x, margins_name)), None
    )
    flat = frame.to_numpy(dtype=object).ravel()
    hidden = np.array([isinstance(v, str) for v in flat])
    values = np.array([0.0 if isinstance(v, str) else float(v) for v in flat])
    lines = _lines(shape, margin_row, margin_col)
    unknown, a_eq, b_eq = _system(values, hidden, lines)
    if unknown.size == 0:
        return [values.reshape(shape).astype(np.int64)]
    low = np.empty(unknown.size)
    high = np.empty(unknown.size)
    for i, cell in enumerate(unknown):
        low[i], high[i] = _bounds_of(flat[cell], k, uniform)
    # small cells first: narrow ranges fix the rest sooner
    order = np.argsort(high, kind="stable")
    a_eq, low, high, unknown = a_eq[:, order], low[order], high[order], unknown[order]
    n = unknown.size
    found: list[np.ndarray] = []
    budget = [MAX_PROGRAMMES]
    equations = {"A_eq": a_eq, "b_eq": b_eq} if len(b_eq) else {}

    def finish(fixed: list[float]) -> bool:
        """Solve for the rest when the equations fix it; False to go on branching."""
        d = len(fixed)
        rest = a_eq[:, d:]
        if rest.shape[1] and (not len(b_eq) or np.linalg.matrix_rank(rest) < rest.shape[1]):
            return False
        x_fixed = np.asarray(fixed, dtype=float)
        target = b_eq - a_eq[:, :d] @ x_fixed if len(b_eq) else np.zeros(0)
        x_rest = np.linalg.lstsq(rest, target, rcond=None)[0] if rest.shape[1] else np.zeros(0)
        x = np.concatenate([x_fixed, x_rest])
        whole = np.round(x)
        ok = (
            np.allclose(x, whole, atol=1e-7)
            and (not len(b_eq) or np.allclose(a_eq @ whole, b_eq, atol=1e-7))
            and bool(np.all(whole >= low - 1e-9))
            and bool(np.all(whole <= high + 1e-9))
        )
        if ok:
            found.append(whole)
        return True

    def search(fixed: list[float]) -> bool:
        if len(found) > limit or budget[0] <= 0:
            return False
        if finish(fixed):
            return True
        d = len(fixed)
        bounds = [(v, v) for v in fixed] + [
            (low[i], None if math.isinf(high[i]) else high[i]) for i in range(d, n)
        ]
        objective = np.zeros(n)
        objective[d] = 1.0
        budget[0] -= 2
        lo = linprog(objective, bounds=bounds, method="highs", **equations)
        if lo.status != 0:
            return lo.status == 2  # infeasible branch: nothing here
        hi = linprog(-objective, bounds=bounds, method="highs", **equations)
        if hi.status != 0:  # unbounded: too many to list
            return False
        first, last = math.ceil(lo.fun - 1e-7), math.floor(-hi.fun + 1e-7)
        return all(search([*fixed, float(value)]) for value in range(first, last + 1))

    if not search([]) or len(found) > limit:
        return None
    out = []
    for x in found:
        table = values.copy()
        table[unknown] = x
        out.append(table.reshape(shape).astype(np.int64))
    return out


def p_range(
    tables: Sequence[np.ndarray], p_of: Callable[[np.ndarray], float]
) -> tuple[float, float] | None:
    """Smallest and largest p-value over ``tables`` (``None`` if any is undefined).

    Parameters
    ----------
    tables : sequence of numpy.ndarray
        Completions from :func:`completions`.
    p_of : callable
        Table -> p-value, the analysis' own test.

    Returns
    -------
    (float, float) or None
    """
    values = []
    for table in tables:
        p = p_of(table)
        if p is None or not math.isfinite(p):
            return None
        values.append(float(p))
    return (min(values), max(values)) if values else None


def holm_bounds(
    p_low: Sequence[float], p_high: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Range of every Holm-adjusted p-value when each raw p-value lies in a range.

    Parameters
    ----------
    p_low, p_high : sequence of float, shape (m,)
        Each test's smallest and largest possible raw p-value (equal when it is
        shown); NaN for a test without a p-value.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray), shape (m,) each
        Smallest and largest Holm-adjusted p-value of each test.

    Notes
    -----
    Holm's adjusted p-values (Holm 1979) are non-decreasing in each raw p-value, so
    their ranges are reached with every raw p-value at its low end and at its high end
    (:func:`microcred.quant.comparisons.holm`).
    """
    from microcred.quant.comparisons import holm

    return holm(np.asarray(p_low, dtype=float)), holm(np.asarray(p_high, dtype=float))


def recompute_matches(published: Any, recomputed: Any) -> bool:
    """Whether a test recomputed from the true table gives the published p-value."""
    try:
        a, b = float(published), float(recomputed)
    except (TypeError, ValueError):
        return False
    if math.isnan(a) or math.isnan(b):
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
