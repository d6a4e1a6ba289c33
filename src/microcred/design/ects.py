"""Notional workload arithmetic: weeks x hours per week -> hours -> ECTS credits.

Everything works on closed intervals ``(low, high)`` because survey answers are bands
("2-3 months", "6-10 hours"), and the honest result of multiplying bands is a band.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from microcred.errors import MicrocredError

__all__ = [
    "DURATION_UNITS",
    "HOURS_PER_ECTS",
    "WEEKS_PER_MONTH",
    "DesignError",
    "ects_range",
    "format_range",
    "notional_hours",
    "to_weeks",
]

HOURS_PER_ECTS = (25.0, 30.0)
"""ECTS Users' Guide (2015): 60 ECTS = one full-time year = 1,500-1,800 hours, so one
ECTS credit stands for 25-30 hours of notional learning."""

WEEKS_PER_MONTH = 52.0 / 12.0
"""1 month = 52/12 = 4.33 weeks (a 52-week year)."""

DURATION_UNITS = {
    "weeks": 1.0,
    "week": 1.0,
    "months": WEEKS_PER_MONTH,
    "month": WEEKS_PER_MONTH,
    "days": 1.0 / 7.0,
    "day": 1.0 / 7.0,
}
"""Weeks per unit for the duration units a study may declare (``Construct.unit``)."""


class DesignError(MicrocredError, ValueError):
    """Input to the design functions is unusable (a bad interval, an unknown unit).

    It is a :class:`~microcred.errors.MicrocredError` (the CLI exits with code 2) and a
    :class:`ValueError` (what Python code expects of a bad argument).
    """


def _interval(value: object, name: str, *, positive: bool = False) -> tuple[float, float]:
    """Check ``value`` is a pair of finite, non-negative numbers with low <= high."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
        raise DesignError(f"{name} must be a pair (low, high), got {value!r}")
    pair = []
    for end in value:
        if isinstance(end, bool):
            raise DesignError(f"{name} must hold numbers, got {value!r}")
        try:
            number = float(end)
        except (TypeError, ValueError):
            raise DesignError(f"{name} must hold numbers, got {value!r}") from None
        if not math.isfinite(number):
            raise DesignError(f"{name} must hold finite numbers, got {value!r}")
        if number < 0 or (positive and number == 0):
            kind = "positive" if positive else "non-negative"
            raise DesignError(f"{name} must be {kind}, got {value!r}")
        pair.append(number)
    low, high = pair
    if low > high:
        raise DesignError(f"{name} must be (low, high) with low <= high, got {value!r}")
    return low, high


def notional_hours(
    weeks: tuple[float, float], hours_per_week: tuple[float, float]
) -> tuple[float, float]:
    """Total notional learning hours of a course from its length and weekly load.

    Parameters
    ----------
    weeks : tuple of (float, float)
        Duration in weeks, ``(low, high)``; a single value is ``(w, w)``.
    hours_per_week : tuple of (float, float)
        Weekly study time in hours, ``(low, high)``.

    Returns
    -------
    tuple of (float, float)
        ``(weeks_low * hours_low, weeks_high * hours_high)`` in hours: the least and
        the most a learner would study over the whole course.

    Raises
    ------
    DesignError
        If an argument is not a pair of finite, non-negative numbers with low <= high.

    References
    ----------
    European Commission (2015). *ECTS Users' Guide 2015*, section 3.2: workload is
    the time learners typically need to complete all learning activities.

    Examples
    --------
    >>> notional_hours((8, 13), (6, 15))
    (48.0, 195.0)
    """
    w_lo, w_hi = _interval(weeks, "weeks")
    h_lo, h_hi = _interval(hours_per_week, "hours_per_week")
    return w_lo * h_lo, w_hi * h_hi


def ects_range(
    hours: tuple[float, float], hours_per_ects: tuple[float, float] = HOURS_PER_ECTS
) -> tuple[float, float]:
    """ECTS credits a band of notional hours stands for.

    Parameters
    ----------
    hours : tuple of (float, float)
        Notional learning hours ``(low, high)``.
    hours_per_ects : tuple of (float, float), default (25, 30)
        Hours one credit stands for, ``(low, high)``.

    Returns
    -------
    tuple of (float, float)
        ``(hours_low / hpe_high, hours_high / hpe_low)``: the fewest credits (the
        shortest course counted at 30 h per credit) and the most (the longest at
        25 h per credit). Not rounded.

    Raises
    ------
    DesignError
        If ``hours`` is not a pair of non-negative numbers with low <= high, or
        ``hours_per_ects`` not a pair of positive ones.

    References
    ----------
    European Commission (2015). *ECTS Users' Guide 2015*, section 3.2: 60 ECTS
    credits are allocated to the workload of a full-time year, which in most cases
    is 1,500-1,800 hours, so one credit corresponds to 25-30 hours.

    Examples
    --------
    >>> ects_range((48, 195))
    (1.6, 7.8)
    """
    lo, hi = _interval(hours, "hours")
    per_lo, per_hi = _interval(hours_per_ects, "hours_per_ects", positive=True)
    return lo / per_hi, hi / per_lo


def to_weeks(interval: tuple[float, float], unit: str | None) -> tuple[float, float]:
    """Express a duration interval in weeks.

    Parameters
    ----------
    interval : tuple of (float, float)
        ``(low, high)`` in ``unit``.
    unit : str or None
        ``"weeks"`` (also ``None``), ``"months"`` (1 month = 52/12 = 4.33 weeks) or
        ``"days"`` (7 days a week).

    Returns
    -------
    tuple of (float, float)
        The interval in weeks.

    Raises
    ------
    DesignError
        If the unit is not one of these, or the interval is invalid.
    """
    key = (unit or "weeks").strip().lower()
    if key not in DURATION_UNITS:
        raise DesignError(f"unknown duration unit {unit!r}: use one of weeks, months, days")
    lo, hi = _interval(interval, "duration")
    factor = DURATION_UNITS[key]
    return lo * factor, hi * factor


def format_range(low: float, high: float) -> str:
    """An interval as text with at most one decimal: ``(8, 13) -> "8-13"``, ``(7, 7) -> "7"``.

    Parameters
    ----------
    low, high : float

    Returns
    -------
    str
    """

    def one(x: float) -> str:
        text = f"{x:.1f}"
        return text[:-2] if text.endswith(".0") else text

    a, b = one(low), one(high)
    return a if a == b else f"{a}-{b}"
