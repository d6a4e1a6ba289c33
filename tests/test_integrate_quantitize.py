"""Quantitizing codes into respondent-level variables, and back through the quant stage.

Counts are checked by hand on small fixtures; the round trip checks that
``quantitize -> as_answers -> analyse`` gives back the counts it started from. The
codes x groups crosstab reproduces Fisher's tea-tasting table, whose two-sided exact
p-value is 34/70 = 0.4857 (R documentation of ``fisher.test``, TeaTasting example;
Agresti 2002, Categorical Data Analysis, sec. 3.5.2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from microcred.errors import InputError, StudyFileError
from microcred.integrate import IntegrateError
from microcred.integrate.quantitize import (
    as_answers,
    code_columns,
    code_comparisons,
    quantitize,
    theme_item_id,
    with_code_items,
)
from microcred.qual.codebook import Codebook
from microcred.quant import analyse
from microcred.study.models import Study


def _study() -> Study:
    return Study.model_validate({
        "study": {"id": "t", "title": "T"},
        "sources": [{"id": "s", "path": "x.csv"}],
        "items": [
            {"id": "modality", "type": "single_choice", "column": "M",
             "options": [{"id": "online_asynchronous"}, {"id": "blended"}]},
            {"id": "drivers", "type": "open_text", "column": "D", "required": False},
        ],
    })  # fmt: skip


def _respondents(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({
        "respondent_id": ids, "source_id": "s", "row": range(2, len(ids) + 2),
        "language": "en", "submitted_at": None, "finished": True,
    })  # fmt: skip


def _units(rows: list[tuple[str, str | None, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "unit_id": [u for u, _, _ in rows], "document": [d for _, _, d in rows],
        "respondent_id": [r for _, r, _ in rows], "speaker": None, "text": "(text)",
        "start": None, "end": None, "language": "en",
    })  # fmt: skip


def _codings(rows: list[tuple]) -> pd.DataFrame:
    """rows: (unit, code, present[, coder, origin, status])."""
    out = []
    for row in rows:
        unit, code, present, *rest = row
        coder, origin, status = (rest + ["H1", "human", "human"][len(rest):])[:3]
        out.append({"unit_id": unit, "code_id": code, "coder": coder, "origin": origin,
                    "present": present, "status": status})  # fmt: skip
    return pd.DataFrame(out)


UNITS = _units([
    ("u1", "r1", "drivers"), ("u2", "r1", "barriers"), ("u3", "r2", "drivers"),
    ("u4", "r3", "drivers"), ("u5", None, "focus_group"),
])  # fmt: skip
CODINGS = _codings([
    ("u1", "career", 1), ("u1", "flexibility", 0),
    ("u2", "career", 1), ("u2", "cost", 1),
    ("u3", "career", 0), ("u3", "flexibility", 1),
    ("u5", "career", 1),  # unlinked speaker: not quantitized
])  # fmt: skip


def test_presence_counts_and_na_for_uncoded() -> None:
    q = quantitize(UNITS, CODINGS, _respondents(["r1", "r2", "r3", "r4"]))
    assert code_columns(q) == ["career", "cost", "flexibility"]
    q = q.set_index("respondent_id")
    assert q["n_units"].tolist() == [2, 1, 0, 0]
    assert q.loc["r1", "code:career"] == 1 and q.loc["r1", "count:career"] == 2
    assert q.loc["r1", "code:cost"] == 1 and q.loc["r1", "count:cost"] == 1
    assert q.loc["r1", "code:flexibility"] == 0
    assert q.loc["r2", "code:career"] == 0 and q.loc["r2", "code:flexibility"] == 1
    # r3 has a unit nobody coded, r4 no unit at all: NA, never 0
    for rid in ("r3", "r4"):
        assert q.loc[[rid], [c for c in q.columns if ":" in c]].isna().all(axis=None)
    assert str(q["code:career"].dtype) == "Int64"


def test_documents_restrict_units() -> None:
    q = quantitize(UNITS, CODINGS, _respondents(["r1", "r2"]), documents=["drivers"])
    q = q.set_index("respondent_id")
    assert q.loc["r1", "count:career"] == 1  # u2 (barriers) left out
    assert q.loc["r1", "code:cost"] == 0


def test_human_codings_win_and_rejected_proposals_are_left_out() -> None:
    codings = pd.concat([CODINGS, _codings([
        ("u3", "career", 1, "auto", "machine", "proposed"),   # human said 0 for u3
        ("u4", "career", 1, "auto", "machine", "proposed"),   # nobody else coded u4
        ("u4", "cost", 1, "auto", "machine", "rejected"),     # a human rejected it
    ])], ignore_index=True)  # fmt: skip
    q = quantitize(UNITS, codings, _respondents(["r2", "r3"])).set_index("respondent_id")
    assert q.loc["r2", "code:career"] == 0
    assert q.loc["r3", "code:career"] == 1 and q.loc["r3", "code:cost"] == 0
    human_only = quantitize(UNITS, codings, _respondents(["r3"]), origin=("human",))
    assert human_only["code:career"].isna().all()
    confirmed_only = quantitize(UNITS, codings, _respondents(["r3"]),
                                statuses=("human", "confirmed"))  # fmt: skip
    assert confirmed_only["code:career"].isna().all()


@pytest.mark.parametrize(("combine", "expected"), [("any", 1), ("majority", 0), ("all", 0)])
def test_combining_coders(combine: str, expected: int) -> None:
    codings = _codings([
        ("u1", "career", 1, "H1"), ("u1", "career", 0, "H2"),
        ("u3", "career", 1, "H1"), ("u3", "career", 1, "H2"), ("u3", "career", 0, "H3"),
    ])  # fmt: skip
    q = quantitize(UNITS, codings, _respondents(["r1", "r2"]), combine=combine)  # type: ignore[arg-type]
    q = q.set_index("respondent_id")
    assert q.loc["r1", "code:career"] == expected  # a 1-1 tie
    assert q.loc["r2", "code:career"] == (0 if combine == "all" else 1)  # 2 of 3


def test_codebook_orders_codes_and_rejects_strangers() -> None:
    book = Codebook.model_validate({"id": "b", "name": "B", "codes": [
        {"id": "flexibility", "name": "Flexibility"},
        {"id": "motives", "name": "Motives", "codable": False, "children": [
            {"id": "career", "name": "Career"}, {"id": "cost", "name": "Cost"},
            {"id": "social", "name": "Social"}]},
    ]})  # fmt: skip
    q = quantitize(UNITS, CODINGS, _respondents(["r1"]), codebook=book)
    assert code_columns(q) == ["flexibility", "career", "cost", "social"]
    assert q["code:social"].tolist() == [0]
    small = Codebook.model_validate({"id": "b", "name": "B", "codes": [{"id": "career",
                                                                        "name": "C"}]})
    with pytest.raises(InputError, match="not in codebook"):
        quantitize(UNITS, CODINGS, _respondents(["r1"]), codebook=small)


def test_bad_arguments_raise_project_errors() -> None:
    with pytest.raises(IntegrateError):
        quantitize(UNITS, CODINGS, _respondents(["r1"]), origin=("robot",))
    with pytest.raises(InputError, match="missing column"):
        quantitize(UNITS.drop(columns="respondent_id"), CODINGS, _respondents(["r1"]))
    with pytest.raises(InputError, match="more than once"):
        quantitize(UNITS, CODINGS, _respondents(["r1", "r1"]))
    bad = CODINGS.assign(present=2)
    with pytest.raises(InputError, match="present"):
        quantitize(UNITS, bad, _respondents(["r1"]))


def _random_codes(seed: int, n: int = 60) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = [f"r{i}" for i in range(n)]
    unit_rows, coding_rows = [], []
    for i, rid in enumerate(ids):
        for d in range(int(rng.integers(0, 3))):  # 0, 1 or 2 units
            unit = f"u{i}_{d}"
            unit_rows.append((unit, rid, "drivers"))
            if rng.random() < 0.8:  # some units stay uncoded
                for code in ("career", "cost", "flexibility"):
                    coding_rows.append((unit, code, int(rng.random() < 0.4)))
    return _units(unit_rows), _codings(coding_rows), _respondents(ids)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_round_trip_through_analyse_gives_the_counts_back(seed: int) -> None:
    units, codings, respondents = _random_codes(seed)
    q = quantitize(units, codings, respondents)
    code_items = as_answers(q, respondents=respondents, counts=True)
    study = with_code_items(_study(), code_items.items)
    results = analyse(study, code_items.answers, respondents)
    for code in code_columns(q):
        presence = q[f"code:{code}"]
        item = results.items[theme_item_id(code)]
        assert item.n_valid == int(presence.notna().sum())
        assert item.n_asked == len(respondents)
        freq = item.frequencies.set_index("option_id")
        assert freq.loc["yes", "n"] == int((presence == 1).sum())
        assert freq.loc["no", "n"] == int((presence == 0).sum())
        counts = q[f"count:{code}"].dropna().astype(float)
        summary = results.items[theme_item_id("n_" + code)].summary
        assert summary["n"] == len(counts)
        assert summary["mean"] == pytest.approx(counts.mean())


def test_answers_follow_the_contract() -> None:
    from microcred.ingest.answers import ANSWER_COLUMNS

    q = quantitize(UNITS, CODINGS, _respondents(["r1", "r2", "r3"]))
    answers, items = as_answers(q, respondents=_respondents(["r1", "r2", "r3"]))
    assert tuple(answers.columns) == ANSWER_COLUMNS
    assert [i.id for i in items] == ["theme_career", "theme_cost", "theme_flexibility"]
    assert items[0].construct_id is None and items[0].type == "single_choice"
    assert set(answers["respondent_id"]) == {"r1", "r2"}  # r3 not coded: no row
    assert answers.loc[answers["respondent_id"] == "r2", "row"].unique().tolist() == [3]


def test_long_code_ids_stay_valid_identifiers() -> None:
    code = "c" * 64
    item_id = theme_item_id(code)
    assert len(item_id) == 64 and item_id.startswith("theme_c")
    assert theme_item_id(code) != theme_item_id("c" * 63 + "d")


def test_codes_by_groups_reproduce_fisher_tea_tasting() -> None:
    # theme yes/no x modality: [[3, 1], [1, 3]] (Fisher's tea-tasting table)
    ids = [f"r{i}" for i in range(8)]
    respondents = _respondents(ids)
    modality = ["online_asynchronous"] * 4 + ["blended"] * 4
    answers = pd.DataFrame({
        "respondent_id": ids, "item_id": "modality", "option_id": modality,
        "value": np.nan, "text": None, "missing": None, "source_id": "s",
        "row": range(2, 10),
    })  # fmt: skip
    present = [1, 1, 1, 0, 1, 0, 0, 0]
    units = _units([(f"u{i}", rid, "drivers") for i, rid in enumerate(ids)])
    codings = _codings([(f"u{i}", "career", p) for i, p in enumerate(present)]
                       + [(f"u{i}", "cost", 1 - p) for i, p in enumerate(present)])  # fmt: skip
    q = quantitize(units, codings, respondents)
    code_items = as_answers(q, respondents=respondents)
    (result,) = code_comparisons(_study(), answers, respondents, code_items, by=["modality"])
    table = result.crosstabs["theme_career"]
    assert table.loc["yes"].tolist() == [3, 1] and table.loc["no"].tolist() == [1, 3]
    tests = result.tests.set_index("item_id")
    assert tests.loc["theme_career", "test"] == "fisher"
    assert tests.loc["theme_career", "p_value"] == pytest.approx(34 / 70, abs=1e-12)
    assert tests.loc["theme_career", "p_value"] == pytest.approx(
        fisher_exact([[3, 1], [1, 3]]).pvalue
    )
    # two tests in the family: Holm doubles the smallest p (capped at 1)
    assert tests["p_holm"].tolist() == pytest.approx([min(1.0, 2 * 34 / 70)] * 2)


def test_unknown_grouping_is_a_study_error() -> None:
    q = quantitize(UNITS, CODINGS, _respondents(["r1"]))
    with pytest.raises(StudyFileError):
        with_code_items(_study(), as_answers(q).items, by=["nothing"])
