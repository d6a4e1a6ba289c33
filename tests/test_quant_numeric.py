"""Bootstrap intervals of numeric items."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from microcred.quant import numeric
from microcred.quant.numeric import BOOTSTRAP_SEED, bootstrap_ci, numeric_summary


def test_small_sample_is_scipy_percentile_bootstrap() -> None:
    # reference: scipy.stats.bootstrap itself, percentile method, same seed
    x = np.array([6, 10, 4, 8, 12, 5, 3, 6], dtype=float)  # case 04 hours_wk
    for name, func in (("mean", np.mean), ("median", np.median)):
        ref = stats.bootstrap((x,), func, n_resamples=9999, method="percentile",
                              rng=np.random.default_rng(BOOTSTRAP_SEED), batch=500)
        assert bootstrap_ci(x, name) == pytest.approx(
            (ref.confidence_interval.low, ref.confidence_interval.high), abs=1e-12)


def test_reproducible_and_nan_ignored() -> None:
    x = np.random.default_rng(1).normal(10, 2, 300)
    assert bootstrap_ci(x) == bootstrap_ci(np.append(x, [np.nan, np.nan]))
    assert bootstrap_ci(x, seed=1) != bootstrap_ci(x, seed=2)


def test_multinomial_form_agrees_with_direct_resampling() -> None:
    # above DIRECT_MAX_N the counts over distinct values are resampled; the interval must
    # agree with the direct percentile bootstrap (scipy) up to Monte Carlo error
    x = np.random.default_rng(7).poisson(6, numeric.DIRECT_MAX_N + 3000).astype(float)
    assert np.unique(x).size <= numeric.MAX_DISTINCT
    for name, func in (("mean", np.mean), ("median", np.median)):
        ref = stats.bootstrap((x,), func, n_resamples=2000, method="percentile",
                              rng=np.random.default_rng(0), batch=200).confidence_interval
        low, high = bootstrap_ci(x, name)
        width = ref.high - ref.low
        assert low == pytest.approx(ref.low, abs=max(0.1 * width, 1e-9))
        assert high == pytest.approx(ref.high, abs=max(0.1 * width, 1e-9))


def test_m_out_of_n_for_large_continuous_sample() -> None:
    # many distinct values: m-out-of-n with sqrt(m/n) rescaling; reference: normal theory,
    # mean +- 1.96 sd / sqrt(n), median +- 1.96 * sqrt(pi/2) * sd / sqrt(n) (normal data)
    rng = np.random.default_rng(11)
    x = rng.normal(50, 10, 40_000)
    assert np.unique(x).size > numeric.MAX_DISTINCT
    se = x.std(ddof=1) / np.sqrt(x.size)
    low, high = bootstrap_ci(x, "mean")
    assert (high - low) / 2 == pytest.approx(1.959964 * se, rel=0.1)
    assert low < x.mean() < high
    low, high = bootstrap_ci(x, "median")
    assert (high - low) / 2 == pytest.approx(1.959964 * np.sqrt(np.pi / 2) * se, rel=0.15)


def test_degenerate_and_tiny_samples() -> None:
    assert bootstrap_ci([4, 4, 4, 4]) == (4.0, 4.0)
    low, high = bootstrap_ci([3.0])
    assert np.isnan(low) and np.isnan(high)
    with pytest.raises(ValueError):
        bootstrap_ci([1, 2, 3], "mode")


def test_numeric_summary_keys() -> None:
    out = numeric_summary([1, 2, 3, 4, 100])
    assert out["median"] == 3 and out["mean"] == 22
    assert {"mean_ci_low", "mean_ci_high", "median_ci_low", "median_ci_high"} <= set(out)
