"""evaluate(): cross-validated machine-human agreement on fixtures with known figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from microcred.errors import InputError
from microcred.qual.embed import TfidfEmbedder
from microcred.qual.evaluate import SIGHT_CODES, EvaluationResult, evaluate, load_sight

SIGHT = (Path(__file__).parents[1] / ".." / "shared" / "data" / "sight-ocw-comments-coded"
         / "sample_dataset_human_coded.csv")


def _fixture() -> tuple[pd.DataFrame, pd.DataFrame]:
    """50 units; code "b" follows the 2x2 table of the Cohen's kappa article example.

    H1 yes & H2 yes 20, H1 yes & H2 no 5, H1 no & H2 yes 10, both no 15:
    p_o = 35/50 = 0.7, p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa = (0.7 - 0.5) / 0.5 = 0.4
    (Wikipedia, "Cohen's kappa", worked example; Cohen 1960 formula).
    Each coder's decision is spelled in the text (alpha/beta for H1, gamma/delta for
    H2), so a coder trained on either reproduces that coder exactly. Code "a" (zeta/eta)
    is coded identically by both.
    """
    cells = [(1, 1)] * 20 + [(1, 0)] * 5 + [(0, 1)] * 10 + [(0, 0)] * 15
    units, codings = [], []
    for i, (h1, h2) in enumerate(cells):
        a = i % 2
        uid = f"u{i:02d}"
        text = " ".join(["alpha" if h1 else "beta", "gamma" if h2 else "delta",
                         "zeta" if a else "eta"])
        units.append({"unit_id": uid, "text": text})
        for coder, b in (("H1", h1), ("H2", h2)):
            codings.append({"unit_id": uid, "code_id": "b", "coder": coder, "present": b,
                            "origin": "human", "status": "human"})
            codings.append({"unit_id": uid, "code_id": "a", "coder": coder, "present": a,
                            "origin": "human", "status": "human"})
    return pd.DataFrame(units), pd.DataFrame(codings)


@pytest.fixture(scope="module")
def result() -> EvaluationResult:
    units, codings = _fixture()
    return evaluate(units, codings, TfidfEmbedder(), ["a", "b"], folds=5, curve=(5, 30, None))


def test_human_kappa_matches_the_hand_computed_value(result):
    table = result.table.set_index("code")
    assert table.loc["b", "kappa_H1_H2"] == pytest.approx(0.4)
    assert table.loc["a", "kappa_H1_H2"] == pytest.approx(1.0)
    assert table.loc["b", "n"] == 50
    assert table.loc["b", "prev_H1"] == pytest.approx(0.5)
    assert table.loc["b", "prev_H2"] == pytest.approx(0.6)


def test_separable_codes_give_perfect_machine_agreement(result):
    table = result.table.set_index("code")
    for code in ("a", "b"):
        for coder in ("H1", "H2"):
            assert table.loc[code, f"kappa_machine_{coder}"] == pytest.approx(1.0)
            assert table.loc[code, f"f1_macro_{coder}"] == pytest.approx(1.0)
    # the machine trained on H1 reproduces H1, so it agrees with H2 as H1 does
    assert table.loc["b", "kappa_machineH1_H2"] == pytest.approx(0.4)
    assert table.loc["b", "target"] == pytest.approx(0.35)
    assert table["meets_target"].all()
    assert result.met == 2
    assert "2 of 2 codes" in result.summary()


def test_out_of_fold_predictions_reproduce_each_coder(result):
    p = result.predictions
    assert len(p) == 2 * 2 * 50
    assert (p["present"] == p["human"]).all()
    assert p["confidence"].between(0, 1).all()
    assert ((p["confidence"] >= p["threshold"]).astype(int) == p["present"]).all()


def test_learning_curve(result):
    curve = result.curve.set_index(["code", "n_pos"])
    assert set(result.curve["coder"]) == {"H1"}
    assert curve.loc[("b", "all"), "kappa"] == pytest.approx(1.0)
    assert -1.0 <= curve.loc[("b", 5), "kappa"] <= 1.0
    # 5 positives and the same 1:1 ratio of negatives per training fold
    assert curve.loc[("b", 5), "n_train"] == pytest.approx(10.0)
    assert curve.loc[("b", "all"), "n_train"] == pytest.approx(40.0)
    # a training fold holds 20 positives: 30 cannot be drawn
    assert np.isnan(curve.loc[("b", 30), "kappa"])


def test_markdown_table(result):
    md = result.to_markdown()
    assert md.splitlines()[0].startswith("| code | n |")
    assert "| b | 50 |" in md and "| yes |" in md


def test_a_constant_machine_has_kappa_zero_and_misses_the_target():
    # identical texts: the coder can only predict one class for all units, and
    # kappa of a constant rating is 0 (p_o = p_e); the humans agree perfectly
    n = 20
    units = pd.DataFrame({"unit_id": [f"u{i}" for i in range(n)], "text": ["same text"] * n})
    labels = [1] * 8 + [0] * 12
    codings = pd.DataFrame([
        {"unit_id": f"u{i}", "code_id": "c", "coder": coder, "present": y}
        for coder in ("H1", "H2") for i, y in enumerate(labels)
    ])
    res = evaluate(units, codings, TfidfEmbedder(), ["c"], curve=())
    row = res.table.iloc[0]
    assert row["kappa_H1_H2"] == pytest.approx(1.0)
    assert row["kappa_machine_H1"] == pytest.approx(0.0)
    assert not row["meets_target"]
    assert res.met == 0


def test_evaluate_rejects_a_missing_coder():
    units, codings = _fixture()
    with pytest.raises(InputError, match="H3"):
        evaluate(units, codings, TfidfEmbedder(), ["a"], coders=("H1", "H3"), curve=())


@pytest.mark.skipif(not SIGHT.is_file(), reason="shared SIGHT data not present")
def test_load_sight_matches_the_raw_file():
    from sklearn.metrics import cohen_kappa_score

    units, codings = load_sight(SIGHT)
    raw = pd.read_csv(SIGHT)
    assert len(units) == 289 and units["unit_id"].is_unique
    expected = sum(raw[f"annotator_{c}_{k}"].notna().sum() for c in ("H1", "H2")
                   for k in SIGHT_CODES)
    assert len(codings) == expected
    h1 = codings[(codings.coder == "H1") & (codings.code_id == "setup")].set_index("unit_id")
    h2 = codings[(codings.coder == "H2") & (codings.code_id == "setup")].set_index("unit_id")
    both = h1.index.intersection(h2.index)
    keep = raw["annotator_H1_setup"].notna() & raw["annotator_H2_setup"].notna()
    assert cohen_kappa_score(h1.loc[both, "present"], h2.loc[both, "present"]) == pytest.approx(
        cohen_kappa_score(raw.loc[keep, "annotator_H1_setup"], raw.loc[keep, "annotator_H2_setup"]))


def test_load_sight_reports_a_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_sight(tmp_path / "missing.csv")
