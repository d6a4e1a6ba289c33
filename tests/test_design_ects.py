"""ECTS arithmetic of the design brief.

Reference: European Commission (2015), ECTS Users' Guide, section 3.2: 60 ECTS credits
= one full-time year = 1,500-1,800 hours, so 1 ECTS = 25-30 hours. The worked example
(8-13 weeks x 6-15 h/week = 48-195 h = about 1.6-7.8 ECTS) is the one in
shared/specs/microcredential-standards.md.
"""

from __future__ import annotations

import math

import pytest

from microcred.design.ects import (
    HOURS_PER_ECTS,
    WEEKS_PER_MONTH,
    DesignError,
    ects_range,
    notional_hours,
    to_weeks,
)
from microcred.errors import MicrocredError


def test_the_spec_example_8_to_13_weeks_at_6_to_15_hours() -> None:
    hours = notional_hours((8, 13), (6, 15))
    assert hours == (48.0, 195.0)
    low, high = ects_range(hours)
    assert low == pytest.approx(1.6)  # 48 / 30
    assert high == pytest.approx(7.8)  # 195 / 25


def test_a_full_time_year_is_60_ects_at_either_end() -> None:
    # ECTS Users' Guide 2015: 1,500-1,800 hours = 60 credits.
    assert ects_range((1500, 1500))[1] == pytest.approx(60)  # at 25 h per credit
    assert ects_range((1800, 1800))[0] == pytest.approx(60)  # at 30 h per credit
    assert HOURS_PER_ECTS == (25.0, 30.0)


def test_emoocs_common_microcredential_framework_size() -> None:
    # Common Microcredential Framework (2019): 100-150 h = 4-6 ECTS at 25 h per credit.
    low, high = ects_range((100, 150), hours_per_ects=(25, 25))
    assert (low, high) == (4.0, 6.0)


def test_a_single_value_is_a_degenerate_interval() -> None:
    assert notional_hours((7, 7), (5, 5)) == (35.0, 35.0)
    low, high = ects_range((35, 35))
    assert low == pytest.approx(35 / 30) and high == pytest.approx(35 / 25)
    assert low < high


def test_months_are_converted_with_52_over_12_weeks() -> None:
    assert abs(WEEKS_PER_MONTH - 52 / 12) < 1e-12 and round(WEEKS_PER_MONTH, 2) == 4.33
    low, high = to_weeks((2, 3), "months")
    assert low == pytest.approx(8.6667, abs=1e-4) and high == pytest.approx(13.0)
    assert to_weeks((8, 13), "weeks") == (8.0, 13.0)
    assert to_weeks((8, 13), None) == (8.0, 13.0)
    assert to_weeks((14, 28), "days") == (2.0, 4.0)


@pytest.mark.parametrize(
    "weeks, hours",
    [
        ((13, 8), (6, 15)),  # low > high
        ((-1, 8), (6, 15)),  # negative
        ((8, math.nan), (6, 15)),  # not finite
        ((8,), (6, 15)),  # not a pair
        ("8-13", (6, 15)),  # text
        ((8, "x"), (6, 15)),
        ((True, 13), (6, 15)),
    ],
)
def test_bad_intervals_raise_a_design_error(weeks: object, hours: object) -> None:
    with pytest.raises(DesignError) as info:
        notional_hours(weeks, hours)  # type: ignore[arg-type]
    assert isinstance(info.value, MicrocredError) and isinstance(info.value, ValueError)


def test_hours_per_ects_must_be_positive() -> None:
    with pytest.raises(DesignError):
        ects_range((10, 20), hours_per_ects=(0, 30))
    with pytest.raises(DesignError):
        ects_range((10, 20), hours_per_ects=(30, 25))


def test_unknown_unit() -> None:
    with pytest.raises(DesignError, match="unknown duration unit"):
        to_weeks((1, 2), "fortnights")
