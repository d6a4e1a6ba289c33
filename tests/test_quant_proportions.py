"""Wilson intervals: case 08 (all-Yes / all-No items, empty subgroup cell)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from microcred.quant.comparisons import compare
from microcred.quant.proportions import proportion_table, wilson_ci
from microcred.study.models import Study

CASE = Path(__file__).parents[1] / ".." / "shared" / "cases" / "08-wilson-ci-boundaries"
Z = 1.959963984540054

# Expected values from CASE.md: closed-form Wilson at 40 digits (mpmath), cross-checked
# there with statsmodels proportion_confint(method="wilson").
EXPECTED = [
    # column, segment (None = all), yes, n, lower, upper
    ("has_done_online_course", None, 38, 38, 0.908190131774, 1.0),
    ("holds_official_microcredential", None, 0, 38, 0.0, 0.091809868226),
    ("needs_credential_for_job", None, 17, 38, 0.301464009981, 0.602937028780),
    ("needs_credential_for_job", "career", 17, 28, 0.424090442966, 0.764343134584),
    ("needs_credential_for_job", "personal", 0, 10, 0.0, 0.277532799863),
]


@pytest.fixture(scope="module")
def case_counts() -> list[tuple[int, int]]:
    data = pd.read_csv(CASE / "yes_no_items.csv")
    out = []
    for column, segment, yes, n, _, _ in EXPECTED:
        rows = data if segment is None else data[data["segment"] == segment]
        out.append((int((rows[column] == "Yes").sum()), len(rows)))
        assert out[-1] == (yes, n)  # the CSV holds what CASE.md says
    return out


def test_case08_values(case_counts: list[tuple[int, int]]) -> None:
    x, n = np.array(case_counts).T
    lo, hi = wilson_ci(x, n)
    expected_lo = np.array([e[4] for e in EXPECTED])
    expected_hi = np.array([e[5] for e in EXPECTED])
    # CASE.md prints 12 decimals; the boundary formulas below check 1e-12 exactly
    np.testing.assert_allclose(lo, expected_lo, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hi, expected_hi, rtol=0, atol=1e-12)


def test_case08_exact_boundaries(case_counts: list[tuple[int, int]]) -> None:
    x, n = np.array(case_counts).T
    lo, hi = wilson_ci(x, n)
    p = x / n
    assert lo[1] == 0.0 and lo[4] == 0.0  # exactly 0 at x = 0 (statsmodels gives 6.9e-18)
    assert hi[0] == 1.0  # exactly 1 at x = n
    assert np.all((lo >= 0) & (lo <= p) & (p <= hi) & (hi <= 1))
    assert np.all(hi - lo > 0)  # never a zero-width interval
    # CASE.md: upper bound at x = 0 is z^2/(n + z^2); lower bound at x = n is n/(n + z^2)
    assert abs(hi[1] - Z**2 / (38 + Z**2)) < 1e-12
    assert abs(hi[4] - Z**2 / (10 + Z**2)) < 1e-12
    assert abs(lo[0] - 38 / (38 + Z**2)) < 1e-12


def test_wilson_matches_statsmodels_inside() -> None:
    from statsmodels.stats.proportion import proportion_confint

    x = np.arange(1, 50)
    lo, hi = wilson_ci(x, 50)
    ref_lo, ref_hi = proportion_confint(x, 50, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, atol=1e-15)
    np.testing.assert_allclose(hi, ref_hi, atol=1e-15)


def test_wilson_vectorised_many_sizes() -> None:
    n = np.repeat(np.arange(1, 200), 3)
    x = np.stack([np.zeros(199), np.arange(1, 200) // 2, np.arange(1, 200)], axis=1).reshape(-1)
    lo, hi = wilson_ci(x, n)
    p = x / n
    assert np.all((lo >= 0) & (lo <= p) & (p <= hi) & (hi <= 1))
    assert np.all(lo[x == 0] == 0) and np.all(hi[x == n] == 1)


def test_wilson_empty_base_and_errors() -> None:
    lo, hi = wilson_ci(0, 0)
    assert np.isnan(lo) and np.isnan(hi)
    with pytest.raises(ValueError):
        wilson_ci(5, 3)
    with pytest.raises(ValueError):
        wilson_ci(-1, 3)


def test_proportion_table() -> None:
    table = proportion_table([38, 0, 17], 38, index=["a", "b", "c"])
    assert list(table.columns) == ["n", "pct", "ci_low", "ci_high"]
    assert table.loc["b", "ci_low"] == 0.0 and table.loc["a", "ci_high"] == 1.0
    assert table.loc["c", "pct"] == pytest.approx(17 / 38)


def test_case08_small_subgroup_is_flagged() -> None:
    """CASE.md 'Should': the personal subgroup (0/10) is flagged as small-n."""
    data = pd.read_csv(CASE / "yes_no_items.csv")
    yes_no = [{"id": "yes", "labels": "Yes"}, {"id": "no", "labels": "No"}]
    study = Study.model_validate({
        "study": {"id": "case08", "title": "Case 08"},
        "sources": [{"id": "csv", "path": "yes_no_items.csv"}],
        "items": [
            {"id": "segment", "type": "single_choice", "column": "segment",
             "options": [{"id": "career", "labels": "career"},
                         {"id": "personal", "labels": "personal"}]},
            {"id": "needs", "type": "single_choice", "column": "needs_credential_for_job",
             "options": yes_no},
        ],
        "comparisons": [{"by": "segment", "items": ["needs"]}],
    })
    answers = pd.concat([
        pd.DataFrame({"respondent_id": data["resp_id"], "item_id": "segment",
                      "option_id": data["segment"]}),
        pd.DataFrame({"respondent_id": data["resp_id"], "item_id": "needs",
                      "option_id": data["needs_credential_for_job"].str.lower()}),
    ]).assign(value=np.nan, text=None, missing=None, source_id="csv")
    (result,) = compare(study, answers)
    table = result.crosstabs["needs"]
    assert table.loc["yes", "career"] == 17 and table.loc["yes", "personal"] == 0
    groups = result.groups.set_index("group_id")["n"]
    assert groups["personal"] == 10
    row = result.tests.iloc[0]
    assert bool(row["small_n"]) and row["min_group_n"] == 10
    # the subgroup share, with its Wilson interval from the crosstab, is the case's row
    share = proportion_table(table.loc["yes"], table.sum(), index=table.columns)
    assert share.loc["personal", "ci_low"] == 0.0
    assert share.loc["personal", "ci_high"] == pytest.approx(0.277532799863, abs=1e-12)
