"""Number formatting for the report: percentages with one decimal, CIs as ``[lo–hi]``.

Formatting only: every number comes from :class:`~microcred.quant.results.QuantResults`.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "DASH",
    "ci",
    "count",
    "is_missing",
    "is_missing_text",
    "num",
    "p_value",
    "pct",
    "pct_ci",
]

DASH = "—"
"""Shown where a number is missing (NaN, None)."""


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN, ``pandas.NA`` and anything that is not a real number.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def is_missing_text(value: Any) -> bool:
    """True for ``None``, NaN, ``pandas.NA`` and the empty string.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool
    """
    if value is None or (isinstance(value, str) and value == ""):
        return True
    if isinstance(value, str):
        return False
    try:
        return bool(value != value)  # NaN and pandas.NA
    except (TypeError, ValueError):
        return True


def pct(value: Any, decimals: int = 1) -> str:
    """A proportion in [0, 1] as a percentage: ``0.6064 -> "60.6%"``.

    Parameters
    ----------
    value : float
        Proportion (fraction, not percent).
    decimals : int, default 1

    Returns
    -------
    str
        ``"—"`` when missing.
    """
    if is_missing(value):
        return DASH
    return f"{float(value) * 100:.{decimals}f}%"


def ci(
    low: Any, high: Any, *, percent: bool = True, decimals: int | None = None, trim: bool = True
) -> str:
    """A confidence interval as ``[lo–hi]`` (percent points by default, no % sign).

    Parameters
    ----------
    low, high : float
        Bounds; proportions when ``percent`` (multiplied by 100), raw values otherwise.
    percent : bool, default True
    decimals : int, optional
        Defaults to 1 for percentages and to 2 otherwise.
    trim : bool, default True
        For raw values: drop trailing zeros (:func:`num`) rather than keep exactly
        ``decimals`` (:func:`fixed`, to match a point estimate shown that way).

    Returns
    -------
    str
        ``"[58.9–62.2]"``, or ``""`` when either bound is missing.
    """
    if is_missing(low) or is_missing(high):
        return ""
    if percent:
        d = 1 if decimals is None else decimals
        return f"[{float(low) * 100:.{d}f}–{float(high) * 100:.{d}f}]"
    shown = num if trim else fixed
    return f"[{shown(low, decimals or 2)}–{shown(high, decimals or 2)}]"


def pct_ci(value: Any, low: Any, high: Any) -> str:
    """``"60.6% [58.9–62.2]"``; the interval is left out when missing."""
    text = pct(value)
    interval = ci(low, high)
    return f"{text} {interval}" if interval and text != DASH else text


def num(value: Any, decimals: int = 2) -> str:
    """A real number with at most ``decimals`` decimals and no trailing zeros.

    Parameters
    ----------
    value : float
    decimals : int, default 2

    Returns
    -------
    str
        ``3.5 -> "3.5"``, ``4.0 -> "4"``, ``3.456 -> "3.46"``; ``"—"`` when missing.
    """
    text = fixed(value, decimals)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fixed(value: Any, decimals: int = 2) -> str:
    """A real number with exactly ``decimals`` decimals, for columns of one statistic.

    Parameters
    ----------
    value : float
    decimals : int, default 2

    Returns
    -------
    str
        ``0.02 -> "0.020"`` with 3 decimals, so a column of effect sizes lines up
        (APA 7th ed., section 6.36: report a statistic with the same decimals
        throughout); ``"—"`` when missing.
    """
    if is_missing(value):
        return DASH
    text = f"{float(value):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def count(value: Any) -> str:
    """An integer count: ``3786.0 -> "3786"``; ``"—"`` when missing."""
    if is_missing(value):
        return DASH
    return str(round(float(value)))


def p_value(value: Any) -> str:
    """A p-value with three decimals, ``"< 0.001"`` below one in a thousand."""
    if is_missing(value):
        return DASH
    value = float(value)
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
