"""Inter-coder agreement: every coefficient against a published or independent value."""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from microcred.errors import InputError
from microcred.qual.agreement import (
    NO_VARIATION,
    TABLE_COLUMNS,
    agreement_table,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    kappa_label,
    krippendorff_alpha,
    pairwise_agreement,
    percent_agreement,
    ratings_matrix,
    verdict,
)
from microcred.qual.codings import read_presence_matrix, read_sight

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CASE_10 = SHARED / "cases" / "10-agreement-single-category" / "coding_career_theme.csv"
SIGHT = SHARED / "data" / "sight-ocw-comments-coded" / "sample_dataset_human_coded.csv"

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers,
# 12 units, values 1-5, missing data; the same data are irrCAC's cac.raw4raters (Gwet 2014,
# Handbook of Inter-Rater Reliability, 4th ed., p. 120) and the last example in the
# docstring of krippendorff.alpha (0.9.0). Units are rows, observers columns.
KRIPP_4x12 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]).T


def table_to_ratings(table: list[list[int]]) -> np.ndarray:
    """Two coders' ratings (n, 2) from a q x q contingency table (rows: coder A)."""
    pairs = [(i, j) for i, row in enumerate(table) for j, n in enumerate(row) for _ in range(n)]
    return np.array(pairs, dtype=float)


# Wikipedia, "Cohen's kappa", worked example: 50 proposals, Yes/Yes 20, A yes B no 5,
# A no B yes 10, No/No 15 -> p_o = 0.7, p_e = 0.5, kappa = 0.4.
WIKI_COHEN = table_to_ratings([[15, 10], [5, 20]])  # categories 0 = no, 1 = yes

# irrCAC vignette "overview" (Gwet), dataset cont3x3abstractors:
# kappa2.table 0.7964094, gwet.ac1.table 0.8493305, krippen2.table 0.7972585,
# pa2.table 0.89.
ABSTRACTORS = table_to_ratings([[13, 0, 0], [0, 20, 7], [0, 4, 56]])

# Fleiss (1971) via Wikipedia "Fleiss' kappa" worked example: 10 subjects, 14 raters,
# 5 categories -> P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
FLEISS_COUNTS = np.array([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
])
FLEISS_RATINGS = np.array([np.repeat(np.arange(5), row) for row in FLEISS_COUNTS], dtype=float)


def long_codings(matrix: np.ndarray | pd.DataFrame, code: str = "c", coders=None) -> pd.DataFrame:
    """Long codings from a units x coders 0/1/NaN matrix (NaN: no row at all)."""
    frame = pd.DataFrame(np.asarray(matrix, dtype=float))
    frame.columns = coders or [f"C{i + 1}" for i in range(frame.shape[1])]
    frame.index = [f"u{i:03d}" for i in range(len(frame))]
    out = frame.rename_axis("unit_id").reset_index().melt(
        id_vars="unit_id", var_name="coder", value_name="present"
    ).dropna(subset=["present"])
    out["code_id"] = code
    out["present"] = out["present"].astype(int)
    return out.reset_index(drop=True)


# ------------------------------------------------------------------ Krippendorff's alpha


def test_alpha_krippendorff_2011_nominal_with_missing():
    # Krippendorff (2011), section C: nominal alpha = 0.743.
    assert krippendorff_alpha(KRIPP_4x12) == pytest.approx(0.743, abs=5e-4)
    # The package itself, on the same data (its docstring example prints 0.743).
    expected = krippendorff.alpha(KRIPP_4x12.T, level_of_measurement="nominal")
    assert krippendorff_alpha(KRIPP_4x12) == pytest.approx(expected, abs=1e-12)


def test_alpha_krippendorff_package_docstring_example():
    # krippendorff.alpha docstring (0.9.0): 3 coders, 15 units, nominal 0.691358.
    data = np.array([
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]).T
    assert krippendorff_alpha(data) == pytest.approx(0.691358, abs=1e-6)


def test_alpha_krippendorff_2011_binary_two_observers():
    # Krippendorff (2011), section A: binary data, 2 observers, 10 units -> alpha = 0.095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha(np.array([a, b]).T, [0, 1]) == pytest.approx(0.095, abs=5e-4)


def test_alpha_abstractors_irrcac():
    # irrCAC vignette: krippen2.table(cont3x3abstractors) = 0.7972585.
    assert krippendorff_alpha(ABSTRACTORS) == pytest.approx(0.7972585, abs=1e-7)


# ------------------------------------------------------------------------ Cohen's kappa


def test_cohen_wikipedia_worked_example_and_libraries():
    # Wikipedia "Cohen's kappa" worked example: kappa = 0.4.
    assert cohen_kappa(WIKI_COHEN) == pytest.approx(0.4, abs=1e-12)
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    assert cohen_kappa(WIKI_COHEN) == pytest.approx(
        sklearn_metrics.cohen_kappa_score(WIKI_COHEN[:, 0], WIKI_COHEN[:, 1]), abs=1e-12
    )
    assert cohen_kappa(WIKI_COHEN) == pytest.approx(
        cohens_kappa(np.array([[15, 10], [5, 20]])).kappa, abs=1e-12
    )


def test_cohen_abstractors_irrcac():
    # irrCAC vignette: kappa2.table(cont3x3abstractors) = 0.7964094.
    assert cohen_kappa(ABSTRACTORS) == pytest.approx(0.7964094, abs=1e-7)


def test_cohen_uses_units_both_coded():
    ratings = np.vstack([WIKI_COHEN, [[1, nan], [nan, 0], [0, nan]]])
    assert cohen_kappa(ratings) == pytest.approx(0.4, abs=1e-12)


def test_cohen_needs_two_columns():
    with pytest.raises(ValueError):
        cohen_kappa(KRIPP_4x12)


# ------------------------------------------------------------------------ Fleiss' kappa


def test_fleiss_1971_wikipedia_example():
    # Fleiss (1971) as worked on Wikipedia "Fleiss' kappa": kappa = 0.210.
    assert fleiss_kappa(FLEISS_RATINGS) == pytest.approx(0.210, abs=5e-4)
    assert fleiss_kappa(FLEISS_RATINGS) == pytest.approx(
        sm_fleiss_kappa(FLEISS_COUNTS, method="fleiss"), abs=1e-12
    )


def test_fleiss_matches_statsmodels_on_complete_binary_data():
    rng = np.random.default_rng(7)
    ratings = (rng.random((40, 4)) < 0.3).astype(float)
    counts, _ = aggregate_raters(ratings.astype(int), n_cat=2)
    assert fleiss_kappa(ratings, [0, 1]) == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)


def test_fleiss_with_missing_ratings_irrcac():
    # irrCAC fleiss.kappa.raw(cac.raw4raters): pa 0.818, pe 0.239, kappa 0.761
    # (R irrCAC 1.0 / Python irrCAC test suite test_fleiss_kappa_raw4raters).
    assert fleiss_kappa(KRIPP_4x12) == pytest.approx(0.761, abs=5e-4)


# ---------------------------------------------------------------------------- Gwet's AC1


def test_ac1_hand_computed_2x2():
    # Wikipedia Cohen table by hand: pa = 35/50 = 0.7; pi_yes = (25 + 30) / 100 = 0.55;
    # pe = (0.55 * 0.45 + 0.45 * 0.55) / (2 - 1) = 0.495; AC1 = 0.205 / 0.505.
    assert gwet_ac1(WIKI_COHEN) == pytest.approx(0.205 / 0.505, abs=1e-12)


def test_ac1_abstractors_irrcac():
    # irrCAC vignette: gwet.ac1.table(cont3x3abstractors) = 0.8493305; pa2.table = 0.89.
    assert gwet_ac1(ABSTRACTORS) == pytest.approx(0.8493305, abs=1e-7)
    assert percent_agreement(ABSTRACTORS) == pytest.approx(0.89, abs=1e-12)


def test_ac1_missing_ratings_irrcac():
    # irrCAC gwet.ac1.raw(cac.raw4raters): pa 0.8181818, pe 0.1903212, AC1 0.7754
    # (Gwet 2014, Handbook 4th ed.; irrCAC vignette "overview").
    assert percent_agreement(KRIPP_4x12) == pytest.approx(0.8181818, abs=1e-7)
    assert gwet_ac1(KRIPP_4x12) == pytest.approx(0.7754, abs=5e-5)


def test_ac1_single_category_is_one_with_binary_domain():
    # Case 10: every rating 1, domain {0, 1}: pa = 1, pe = 0, AC1 = 1 (irrCAC gives 1.0).
    ones = np.ones((12, 3))
    assert gwet_ac1(ones, [0, 1]) == 1.0
    assert math.isnan(gwet_ac1(ones))  # domain of one value: q - 1 = 0, undefined


# ------------------------------------------------------------------- case 10 (degenerate)


def case10_codings() -> pd.DataFrame:
    _, codings = read_presence_matrix(
        CASE_10, unit_column="answer_id", text_column="answer_text", code="career",
        column_pattern=r"coder_(?P<coder>.+)",
    )
    return codings


def test_case10_agreement_table():
    # shared/cases/10-agreement-single-category/CASE.md: percent agreement 1.0, AC1 1.0,
    # kappa/Fleiss/alpha undefined (NaN with reason, never 0.0), n units 12, n coders 3.
    table = agreement_table(case10_codings(), n_boot=200)
    row = table.set_index("code_id").loc["career"]
    assert row["n_units"] == 12 and row["n_coders"] == 3
    assert row["percent_agreement"] == 1.0
    assert row["gwet_ac1"] == 1.0
    for name in ("cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
        assert math.isnan(row[name]), name
    assert NO_VARIATION in row["note"]
    assert "fleiss_kappa" in row["note"] and "krippendorff_alpha" in row["note"]
    assert row["verdict"] == "undefined" and row["kappa_label"] == "undefined"
    assert (row["ac1_ci_low"], row["ac1_ci_high"]) == (1.0, 1.0)
    assert math.isnan(row["alpha_ci_low"]) and math.isnan(row["kappa_ci_low"])


def test_case10_pairwise_cohen_is_nan_with_reason():
    # CASE.md: Cohen's kappa (A vs B) undefined; AC1 for A-B = 1.0.
    row = pairwise_agreement(case10_codings(), "A", "B", n_boot=50).iloc[0]
    assert math.isnan(row["cohen_kappa"]) and row["gwet_ac1"] == 1.0
    assert "cohen_kappa" in row["note"] and NO_VARIATION in row["note"]


def test_case10_does_not_stop_other_codes():
    rng = np.random.default_rng(3)
    other = long_codings((rng.random((12, 3)) < 0.5).astype(float), "price", ["A", "B", "C"])
    other["unit_id"] = [f"A{int(u[1:]) + 1:02d}" for u in other["unit_id"]]
    table = agreement_table(pd.concat([case10_codings(), other]), n_boot=20)
    assert list(table["code_id"]) == ["career", "price", "overall"]
    price = table.set_index("code_id").loc["price"]
    assert not math.isnan(price["fleiss_kappa"]) and not math.isnan(price["krippendorff_alpha"])


# --------------------------------------------------------------------- the table, missing


def test_table_columns_and_missing_units_are_missing_not_zero():
    rng = np.random.default_rng(11)
    truth = (rng.random(60) < 0.3).astype(float)
    a = truth.copy()
    b = np.where(rng.random(60) < 0.15, 1 - truth, truth)
    b[50:] = nan  # coder B never saw the last 10 units: no rows, not zeros
    codings = long_codings(np.column_stack([a, b]), "career", ["H1", "H2"])
    table = agreement_table(codings, n_boot=0)
    assert tuple(table.columns) == TABLE_COLUMNS
    row = table.iloc[0]
    assert row["n_units"] == 50 and row["n_coders"] == 2
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    assert row["cohen_kappa"] == pytest.approx(
        sklearn_metrics.cohen_kappa_score(a[:50], b[:50]), abs=1e-12
    )
    # Krippendorff's alpha on the matrix with NaN (the package handles missing values).
    assert row["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(np.array([a, b]), level_of_measurement="nominal",
                           value_domain=[0, 1]), abs=1e-12
    )
    assert row["prevalence"] == pytest.approx((a.sum() + b[:50].sum()) / 110, abs=1e-12)
    assert math.isnan(row["kappa_ci_low"])  # n_boot=0: no interval
    matrix = ratings_matrix(codings, "career")
    assert matrix.shape == (60, 2) and matrix["H2"].isna().sum() == 10


def test_three_coders_report_fleiss_and_its_interval():
    ratings = (np.random.default_rng(5).random((80, 3)) < 0.4).astype(float)
    table = agreement_table(long_codings(ratings), n_boot=200)
    row = table.iloc[0]
    assert math.isnan(row["cohen_kappa"])
    counts, _ = aggregate_raters(ratings.astype(int), n_cat=2)
    assert row["fleiss_kappa"] == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)
    assert row["kappa_ci_low"] <= row["fleiss_kappa"] <= row["kappa_ci_high"]
    assert row["kappa_label"] == kappa_label(row["fleiss_kappa"])


def test_overall_row_pools_unit_code_pairs():
    rng = np.random.default_rng(9)
    parts, stacked = [], []
    for code in ("x", "y", "z"):
        truth = (rng.random(40) < 0.3).astype(float)
        m = np.column_stack([truth, np.where(rng.random(40) < 0.2, 1 - truth, truth)])
        parts.append(long_codings(m, code, ["H1", "H2"]))
        stacked.append(m)
    table = agreement_table(pd.concat(parts), n_boot=0)
    overall = table.set_index("code_id").loc["overall"]
    pooled = np.vstack(stacked)
    assert overall["n_units"] == 40
    assert overall["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(pooled.T, level_of_measurement="nominal"), abs=1e-12
    )
    assert overall["cohen_kappa"] == pytest.approx(cohen_kappa(pooled), abs=1e-12)
    assert overall["gwet_ac1"] == pytest.approx(gwet_ac1(pooled, [0, 1]), abs=1e-12)


# ----------------------------------------------------------------------------- bootstrap


def test_bootstrap_matches_an_independent_loop():
    # Percentile bootstrap resampling units: recompute each sample with the reference
    # libraries (sklearn's kappa, the krippendorff package) and compare the intervals.
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(21)
    truth = (rng.random(70) < 0.35).astype(float)
    m = np.column_stack([truth, np.where(rng.random(70) < 0.15, 1 - truth, truth)])
    n_boot, seed = 300, 4
    row = agreement_table(long_codings(m, "c", ["H1", "H2"]), n_boot=n_boot, seed=seed).iloc[0]
    draws = np.random.default_rng([seed, zlib.crc32(b"c")]).integers(0, 70, size=(n_boot, 70))
    kappas = [sklearn_metrics.cohen_kappa_score(m[d, 0], m[d, 1]) for d in draws]
    alphas = [krippendorff.alpha(m[d].T, level_of_measurement="nominal", value_domain=[0, 1])
              for d in draws]
    ac1s = [gwet_ac1(m[d], [0, 1]) for d in draws]
    for values, low, high in ((kappas, "kappa_ci_low", "kappa_ci_high"),
                              (alphas, "alpha_ci_low", "alpha_ci_high"),
                              (ac1s, "ac1_ci_low", "ac1_ci_high")):
        expected = np.percentile(values, [2.5, 97.5])
        assert (row[low], row[high]) == pytest.approx(tuple(expected), abs=1e-10)


def test_bootstrap_is_reproducible_and_seeded():
    ratings = (np.random.default_rng(2).random((50, 2)) < 0.4).astype(float)
    codings = long_codings(ratings)
    one = agreement_table(codings, n_boot=100, seed=1)
    two = agreement_table(codings, n_boot=100, seed=1)
    other = agreement_table(codings, n_boot=100, seed=2)
    pd.testing.assert_frame_equal(one, two)
    assert one.loc[0, "alpha_ci_low"] != other.loc[0, "alpha_ci_low"]
    assert "percentile bootstrap" in one.attrs["ci_method"]


# ------------------------------------------------------------------------------ verdicts


@pytest.mark.parametrize(("alpha", "expected"), [
    (0.800, "reliable"), (0.95, "reliable"), (0.799, "tentative"), (0.667, "tentative"),
    (0.666, "unreliable"), (-0.2, "unreliable"), (nan, "undefined"),
])
def test_verdict_krippendorff_2004_thresholds(alpha, expected):
    # Krippendorff (2004, p. 241): rely on alpha >= .800; .667 <= alpha < .800 only
    # for tentative conclusions.
    assert verdict(alpha) == expected


@pytest.mark.parametrize(("kappa", "expected"), [
    (-0.1, "poor"), (0.0, "slight"), (0.20, "slight"), (0.21, "fair"), (0.40, "fair"),
    (0.41, "moderate"), (0.60, "moderate"), (0.61, "substantial"), (0.80, "substantial"),
    (0.81, "almost perfect"), (1.0, "almost perfect"), (nan, "undefined"),
])
def test_kappa_label_landis_koch_1977(kappa, expected):
    # Landis & Koch (1977, p. 165): <0 poor, .00-.20 slight, .21-.40 fair, .41-.60
    # moderate, .61-.80 substantial, .81-1.00 almost perfect.
    assert kappa_label(kappa) == expected


# --------------------------------------------------------------------------------- SIGHT


@pytest.mark.skipif(not SIGHT.exists(), reason="SIGHT sample not available")
def test_sight_kappa_matches_the_sight_irr_script():
    # Reference: the SIGHT authors' scripts/run_irr.py computes kappa(H1, H2) per
    # category with sklearn.metrics.cohen_kappa_score on comments both annotated.
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    raw = pd.read_csv(SIGHT)
    _, codings = read_sight(SIGHT)
    table = pairwise_agreement(codings, "H1", "H2", n_boot=0).set_index("code_id")
    for code in table.index.drop("overall"):
        pair = raw[[f"annotator_H1_{code}", f"annotator_H2_{code}"]].dropna()
        expected = sklearn_metrics.cohen_kappa_score(pair.iloc[:, 0], pair.iloc[:, 1])
        assert table.loc[code, "cohen_kappa"] == pytest.approx(expected, abs=1e-12), code
        assert table.loc[code, "n_units"] == len(pair)


# -------------------------------------------------------------------------------- errors


def test_bad_present_value_raises_input_error():
    codings = long_codings(np.array([[1.0, 0.0], [1.0, 1.0]]))
    codings.loc[0, "present"] = 2
    with pytest.raises(InputError, match="present"):
        agreement_table(codings)


def test_duplicate_coding_raises_input_error():
    codings = long_codings(np.array([[1.0, 0.0], [1.0, 1.0]]))
    with pytest.raises(InputError, match="more than once"):
        agreement_table(pd.concat([codings, codings.iloc[[0]]]))


def test_unknown_coder_and_self_pair_raise_input_error():
    codings = long_codings(np.array([[1.0, 0.0], [1.0, 1.0]]))
    with pytest.raises(InputError, match="no codings by coder"):
        agreement_table(codings, coders=["C1", "nobody"])
    with pytest.raises(InputError, match="itself"):
        pairwise_agreement(codings, "C1", "C1")
