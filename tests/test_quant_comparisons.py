"""Tests, effect sizes and Holm against published reference values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy.stats.contingency import association

from microcred.quant.comparisons import cramers_v, crosstab_test, holm, rank_test

# R documentation, ?chisq.test: M <- as.table(rbind(c(762, 327, 468), c(484, 239, 477)))
# (gender x party, Agresti 2007 p. 39) -> X-squared = 30.07, df = 2, p-value = 2.954e-07
PARTY = np.array([[762, 327, 468], [484, 239, 477]])
# R documentation, ?fisher.test: TeaTasting <- matrix(c(3, 1, 1, 3), nrow = 2)
# fisher.test(TeaTasting) (two-sided) -> p-value = 0.4857
TEA = np.array([[3, 1], [1, 3]])
# R documentation, ?fisher.test: Job <- matrix(c(1,2,1,0, 3,3,6,1, 10,10,14,9, 6,7,12,11),
# 4, 4) (Agresti 2002 p. 57, job satisfaction by income) -> fisher.test(Job) p = 0.7827
JOB = np.array([1, 2, 1, 0, 3, 3, 6, 1, 10, 10, 14, 9, 6, 7, 12, 11]).reshape(4, 4).T
# R documentation, ?wilcox.test: Hollander & Wolfe (1973) p. 69, permeability constants
# wilcox.test(x, y, alternative = "g") -> W = 35, p-value = 0.1272
HW_X = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
HW_Y = [1.15, 0.88, 0.90, 0.74, 1.21]
# R documentation, ?kruskal.test: Hollander & Wolfe (1973) p. 116, mucociliary efficiency
# kruskal.test(list(x, y, z)) -> Kruskal-Wallis chi-squared = 0.77143, df = 2, p = 0.68
KW = {"x": [2.9, 3.0, 2.5, 2.6, 3.2], "y": [3.8, 2.7, 4.0, 2.4],
      "z": [2.8, 3.4, 3.7, 2.2, 2.0]}


def test_chisq_r_example() -> None:
    res = crosstab_test(PARTY)
    assert res["test"] == "chi2"
    assert res["statistic"] == pytest.approx(30.07, abs=5e-3)
    assert res["dof"] == 2
    assert res["p_value"] == pytest.approx(2.954e-07, rel=5e-4)
    assert res["n"] == PARTY.sum()


def test_cramers_v_uncorrected() -> None:
    # cross-check: scipy.stats.contingency.association (bias-uncorrected Cramér's V), and
    # the definition sqrt(X^2 / (n (min(r, c) - 1))) with R's X-squared = 30.07
    v = cramers_v(PARTY)
    assert v == pytest.approx(association(PARTY, method="cramer"), rel=1e-12)
    assert v == pytest.approx(np.sqrt(30.070149 / (PARTY.sum() * 1)), rel=1e-6)
    assert crosstab_test(JOB)["effect_size"] == pytest.approx(
        association(JOB, method="cramer"), rel=1e-12)
    # a 2x2 table: V is computed without Yates, although the 2x2 chi-square test uses it
    two = np.array([[20, 10], [12, 25]])
    assert cramers_v(two) == pytest.approx(association(two, method="cramer"), rel=1e-12)


def test_fisher_tea_tasting() -> None:
    res = crosstab_test(TEA)  # expected counts 2 < 5 -> Fisher
    assert res["test"] == "fisher"
    assert res["p_value"] == pytest.approx(0.4857, abs=5e-5)
    assert res["min_expected"] == 2.0


def test_fisher_rxc_monte_carlo_job_satisfaction() -> None:
    res = crosstab_test(JOB)
    assert res["test"] == "fisher_mc"
    # 10,000 Monte Carlo tables: standard error sqrt(.78 * .22 / 1e4) = 0.004
    assert res["p_value"] == pytest.approx(0.7827, abs=0.015)
    assert crosstab_test(JOB)["p_value"] == res["p_value"]  # fixed seed


def test_crosstab_drops_empty_rows_and_handles_degenerate() -> None:
    with_empty = np.vstack([PARTY, [0, 0, 0]])
    assert crosstab_test(with_empty)["statistic"] == pytest.approx(30.070149, rel=1e-6)
    one_group = crosstab_test([[5, 0], [7, 0]])
    assert one_group["test"] is None and np.isnan(one_group["p_value"])


def test_mann_whitney_hollander_wolfe() -> None:
    values = HW_X + HW_Y
    groups = ["x"] * len(HW_X) + ["y"] * len(HW_Y)
    res = rank_test(values, groups, alternative="greater")
    assert res["test"] == "mann_whitney"
    assert res["statistic"] == 35  # R's W is U of the first sample
    assert res["p_value"] == pytest.approx(0.1272, abs=5e-5)
    two_sided = rank_test(values, groups)
    assert two_sided["p_value"] == pytest.approx(2 * 0.1272061272, abs=1e-9)
    # rank-biserial: cross-check with pingouin.mwu's RBC (same sign convention)
    ref = pg.mwu(HW_X, HW_Y)
    rbc = ref["RBC"].iloc[0]
    assert two_sided["effect_size"] == pytest.approx(rbc, abs=1e-12)
    assert two_sided["effect_size"] == pytest.approx(2 * 35 / 50 - 1)


def test_mann_whitney_ties_use_normal_approximation() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.integers(1, 6, 40), rng.integers(2, 6, 35)
    res = rank_test(np.r_[a, b], ["a"] * 40 + ["b"] * 35)
    ref = pg.mwu(a, b)  # pingouin -> scipy asymptotic with continuity correction
    assert res["p_value"] == pytest.approx(ref["p_val"].iloc[0], rel=1e-12)
    assert res["effect_size"] == pytest.approx(ref["RBC"].iloc[0], rel=1e-12)


def test_kruskal_hollander_wolfe() -> None:
    values = [v for group in KW.values() for v in group]
    groups = [g for g, vs in KW.items() for _ in vs]
    res = rank_test(values, groups)
    assert res["test"] == "kruskal"
    assert res["statistic"] == pytest.approx(0.77143, abs=5e-6)
    assert res["dof"] == 2
    assert res["p_value"] == pytest.approx(0.68, abs=5e-3)
    # epsilon-squared (Tomczak & Tomczak 2014): H / ((n^2 - 1) / (n + 1)), n = 14
    assert res["effect_size"] == pytest.approx(0.7714286 / ((14**2 - 1) / 15), rel=1e-6)
    # pingouin.kruskal as an independent implementation of H
    frame = pd.DataFrame({"v": values, "g": groups})
    assert res["statistic"] == pytest.approx(pg.kruskal(frame, dv="v", between="g")["H"].iloc[0])


def test_rank_test_degenerate() -> None:
    assert rank_test([3, 3, 3, 3], ["a", "a", "b", "b"])["test"] is None
    assert rank_test([1, 2, 3], ["a", "a", "a"])["test"] is None
    res = rank_test([1, 2, np.nan, 4, 5], ["a", "a", "b", "b", "b"])
    assert res["n"] == 4


def test_holm() -> None:
    # Holm (1979) step-down; worked example of the Wikipedia article "Holm-Bonferroni
    # method": p = (0.01, 0.04, 0.03, 0.005) -> adjusted (0.03, 0.06, 0.06, 0.02),
    # as R p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm")
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    out = holm([0.01, np.nan, 0.04])
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], [0.02, 0.04])
    assert holm([]).size == 0
