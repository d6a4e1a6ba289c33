"""Likert/rating/ordinal summaries: case 04 (SPSS user-missing values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.quant.frequencies import frequencies
from microcred.quant.numeric import numeric_item_summary
from microcred.quant.scales import (
    describe_values,
    likert_summary,
    scale_summary,
    top_box_threshold,
)
from microcred.study.models import Item

# /work/shared/cases/04-spss-user-missing/CASE.md: learner_survey_missing.sav, 12 cases.
# The answers are built here as the ingest stage delivers them: user-missing codes arrive
# as rows with `missing` set (and no value); L010's system-missing q_satisf has no row.
SATISF: dict[str, int | str] = {
    "L001": 5, "L002": 4, "L003": "No answer (9)", "L004": 3, "L005": 4, "L006": 5,
    "L007": "No answer (9)", "L008": 2, "L009": 4, "L011": 5, "L012": 1}
NA_LABEL = "Not applicable (not studying now) (-9)"
DK_LABEL = "Don't know (99)"
HOURS: dict[str, int | str] = {
    "L001": 6, "L002": 10, "L003": NA_LABEL, "L004": 4, "L005": DK_LABEL, "L006": 8,
    "L007": 12, "L008": NA_LABEL, "L009": 5, "L010": 3, "L011": DK_LABEL, "L012": 6}
RESPONDENTS = pd.DataFrame({"respondent_id": [f"L{i:03d}" for i in range(1, 13)],
                            "source_id": "sav"})

Q_SATISF = Item.model_validate({
    "id": "q_satisf", "type": "likert", "column": "q_satisf",
    "options": [{"id": f"s{c}", "labels": label, "code": c} for c, label in enumerate(
        ["Very dissatisfied", "Dissatisfied", "Neither", "Satisfied", "Very satisfied"], 1)],
    "scale": {"min": 1, "max": 5, "top_box": 2},
})
HOURS_WK = Item(id="hours_wk", type="numeric", column="hours_wk")


def _answers(item_id: str, values: dict[str, int | str], option_prefix: str | None) -> pd.DataFrame:
    rows = []
    for rid, v in values.items():
        if isinstance(v, str):
            rows.append({"respondent_id": rid, "item_id": item_id, "option_id": None,
                         "value": np.nan, "missing": v})
        else:
            option = f"{option_prefix}{v}" if option_prefix else None
            rows.append({"respondent_id": rid, "item_id": item_id, "option_id": option,
                         "value": float(v), "missing": None})
    return pd.DataFrame(rows).assign(text=None, source_id="sav")


def test_case04_likert_summary() -> None:
    summary = likert_summary(_answers("q_satisf", SATISF, "s"), Q_SATISF,
                             respondents=RESPONDENTS)
    assert summary is not None
    assert summary["n"] == 9  # user-missing 9 is not a valid answer
    assert summary["mean"] == pytest.approx(3.6667, abs=5e-5)  # wrong if counted: 4.64
    assert summary["median"] == 4
    assert summary["top2_n"] == 6
    assert summary["top2_pct"] == pytest.approx(0.6667, abs=5e-5)
    assert summary["top2_ci_low"] == pytest.approx(0.3542, abs=5e-5)
    assert summary["top2_ci_high"] == pytest.approx(0.8794, abs=5e-5)
    # quartiles: type 7 (R quantile default) of 1,2,3,4,4,4,5,5,5
    assert (summary["q1"], summary["q3"], summary["iqr"]) == (3.0, 5.0, 2.0)


def test_case04_frequencies_in_code_order() -> None:
    table = frequencies(_answers("q_satisf", SATISF, "s"), Q_SATISF, respondents=RESPONDENTS)
    assert table is not None
    assert table["label"].tolist() == ["Very dissatisfied", "Dissatisfied", "Neither",
                                       "Satisfied", "Very satisfied"]
    assert table["n"].tolist() == [1, 1, 1, 3, 3]
    assert table["cum_pct"].tolist() == pytest.approx([1 / 9, 2 / 9, 3 / 9, 6 / 9, 1.0])
    assert table["value"].tolist() == [1, 2, 3, 4, 5]


def test_case04_missing_reasons_kept_apart() -> None:
    from microcred.quant._data import Prepared

    data = Prepared(_answers("q_satisf", SATISF, "s"), RESPONDENTS).item(Q_SATISF)
    reasons = data.missing_reasons().set_index("reason")["n"].to_dict()
    assert reasons == {"No answer (9)": 2, "no answer": 1}  # user-missing vs L010 skipped
    assert data.n_asked == 12 and data.n_valid == 9

    hours = Prepared(_answers("hours_wk", HOURS, None), RESPONDENTS).item(HOURS_WK)
    reasons = hours.missing_reasons().set_index("reason")["n"].to_dict()
    assert reasons == {NA_LABEL: 2, DK_LABEL: 2}
    assert hours.n_valid == 8


def test_case04_numeric_summary() -> None:
    summary = numeric_item_summary(_answers("hours_wk", HOURS, None), HOURS_WK,
                                   respondents=RESPONDENTS)
    assert summary is not None
    assert summary["n"] == 8
    assert summary["mean"] == pytest.approx(6.75, abs=1e-12)  # wrong if codes kept: 19.5
    assert summary["sd"] == pytest.approx(3.0589, abs=5e-5)  # n - 1 divisor
    assert summary["mean_ci_low"] < 6.75 < summary["mean_ci_high"]
    assert summary["median_ci_low"] <= summary["median"] <= summary["median_ci_high"]


def test_describe_values_matches_pandas() -> None:
    # independent reference: pandas describe (sample SD, type-7 quartiles)
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, 57).astype(float)
    ref = pd.Series(x).describe()
    out = describe_values(np.append(x, np.nan))
    assert out["n"] == 57
    for key, ref_key in [("mean", "mean"), ("sd", "std"), ("q1", "25%"), ("median", "50%"),
                         ("q3", "75%"), ("min", "min"), ("max", "max")]:
        assert out[key] == pytest.approx(ref[ref_key], rel=1e-12)
    empty = describe_values([])
    assert empty["n"] == 0 and np.isnan(empty["mean"])


def test_top_box_threshold_and_size() -> None:
    assert top_box_threshold(Q_SATISF) == 4.0
    seven = Item.model_validate({"id": "r", "type": "rating", "column": "r",
                                 "scale": {"min": 0, "max": 10, "top_box": 3}})
    assert top_box_threshold(seven) == 8.0
    no_scale = Item.model_validate({"id": "o", "type": "ordinal", "column": "o",
                                    "options": [{"id": "a"}, {"id": "b"}, {"id": "c"}]})
    assert top_box_threshold(no_scale) == 2.0  # default top-2 of values 1, 2, 3
    s = scale_summary([1, 2, 3, 3, 3], 3.0)
    assert s["top2_n"] == 3 and s["top2_pct"] == 0.6
