"""analyse() end to end on a small hand-built study whose counts can be checked by hand."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from microcred.errors import InputError
from microcred.quant import QuantResults, analyse
from microcred.study.models import Study

BANDS = ["h0_2", "h3_5", "h6_10", "h10p"]


def make_study() -> Study:
    return Study.model_validate({
        "study": {"id": "demo", "title": "Demo", "languages": ["en", "es"]},
        "sources": [{"id": "s_en", "path": "en.csv", "language": "en"},
                    {"id": "s_es", "path": "es.csv", "language": "es"}],
        "items": [
            {"id": "goal", "type": "single_choice", "column": "goal", "text": "Main goal",
             "options": [{"id": "career", "labels": {"en": "Career", "es": "Carrera"}},
                         {"id": "personal", "labels": {"en": "Personal", "es": "Personal"}},
                         {"id": "none", "labels": {"en": "None"}}]},
            {"id": "motiv", "type": "multi_choice", "column": "motiv", "construct": "motivation",
             "other": {"allowed": True},
             "options": [{"id": "career", "labels": "Career"},
                         {"id": "personal", "labels": "Personal interest"},
                         {"id": "requirement", "labels": "Required"}]},
            {"id": "agree", "type": "likert", "column": "agree", "construct": "attitude",
             "text": "Micro-credentials are useful",
             "scale": {"min": 1, "max": 5, "anchors": {1: {"en": "Disagree"},
                                                       5: {"en": "Agree"}}}},
            {"id": "hours", "type": "ordinal", "column": "hours",
             "options": [{"id": b, "labels": b} for b in BANDS]},
            {"id": "age", "type": "numeric", "column": "age"},
            {"id": "comment", "type": "open_text", "column": "comment"},
        ],
        "segments": [{"id": "career_motivated", "label": "Career-motivated",
                      "where": {"item": "motiv", "options": ["career"]}}],
        "comparisons": [{"by": "goal", "items": ["agree", "hours", "motiv"]},
                        {"by": "career_motivated"}],
    })


def make_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """40 respondents r01..r40; r01-r30 answered the English export, r31-r40 the Spanish."""
    rows: list[dict[str, object]] = []

    def add(i: int, item: str, option: str | None = None, value: float = np.nan,
            text: str | None = None, missing: str | None = None) -> None:
        rows.append({"respondent_id": f"r{i:02d}", "item_id": item, "option_id": option,
                     "value": value, "text": text, "missing": missing,
                     "source_id": "s_en" if i <= 30 else "s_es", "row": i + 1})

    for i in range(1, 41):
        # goal: r01-r24 career, r25-r36 personal, r37-r38 "No answer (9)", r39-r40 no row
        if i <= 24:
            add(i, "goal", "career")
        elif i <= 36:
            add(i, "goal", "personal")
        elif i <= 38:
            add(i, "goal", missing="No answer (9)")
        # motiv: career r01-r20, personal every even i, requirement every 5th,
        # other for r33 (blank text) and r39
        if i <= 20:
            add(i, "motiv", "career")
        if i % 2 == 0:
            add(i, "motiv", "personal")
        if i % 5 == 0:
            add(i, "motiv", "requirement")
        if i == 33:
            add(i, "motiv", "other", text="   ")
        if i == 39:
            add(i, "motiv", "other", text="my employer asked")
        # agree: value i % 5 + 1 (2,3,4,5,1,...), r40 no row
        if i != 40:
            add(i, "agree", f"v{i % 5 + 1}", float(i % 5 + 1))
        band = 0 if i <= 10 else 1 if i <= 25 else 2 if i <= 35 else 3
        add(i, "hours", BANDS[band], float(band + 1))
        if i == 40:
            add(i, "age", missing="Not applicable (-9)")
        else:
            add(i, "age", value=float(20 + i))
        # comment: only the English export has the column; r33's row must be ignored
        if i % 3 == 0 and i <= 33:
            add(i, "comment", text=f"comment {i}")
    add(99, "goal", "career")  # a respondent dropped before analysis: ignored
    answers = pd.DataFrame(rows)
    respondents = pd.DataFrame({
        "respondent_id": [f"r{i:02d}" for i in range(1, 41)],
        "source_id": ["s_en" if i <= 30 else "s_es" for i in range(1, 41)],
        "row": list(range(2, 42)),
        "language": ["en" if i <= 30 else "es" for i in range(1, 41)],
        "submitted_at": None, "finished": True})
    return answers, respondents


@pytest.fixture(scope="module")
def result() -> QuantResults:
    answers, respondents = make_frames()
    return analyse(make_study(), answers, respondents, asked={"comment": {"s_en"}})


def test_sample(result: QuantResults) -> None:
    assert result.n_respondents == 40
    assert result.sample.to_dict("list") == {
        "source_id": ["s_en", "s_es"], "language": ["en", "es"], "n": [30, 10]}
    assert list(result.items) == ["goal", "motiv", "agree", "hours", "age", "comment"]


def test_single_choice(result: QuantResults) -> None:
    goal = result.items["goal"]
    assert (goal.n_asked, goal.n_valid, goal.n_missing) == (40, 36, 4)
    assert goal.missing_reasons.to_dict("list") == {
        "reason": ["No answer (9)", "no answer"], "n": [2, 2]}
    freq = goal.frequencies
    assert freq["label"].tolist() == ["Career", "Personal", "None"]
    assert freq["n"].tolist() == [24, 12, 0]
    assert freq["pct"].tolist() == pytest.approx([24 / 36, 12 / 36, 0])
    assert freq["ci_low"].iloc[2] == 0.0 and not goal.small_n


def test_multi_choice(result: QuantResults) -> None:
    motiv = result.items["motiv"]
    # respondents who ticked anything: r01-r20, even r22-r40, r25, r35, r33, r39 = 34
    assert motiv.n_valid == 34 and motiv.n_missing == 6
    freq = motiv.frequencies
    assert freq["option_id"].tolist() == ["career", "personal", "requirement", "other"]
    assert freq["n"].tolist() == [20, 20, 8, 2]
    assert freq["pct"].tolist() == pytest.approx([20 / 34, 20 / 34, 8 / 34, 2 / 34])
    assert freq["pct_mentions"].tolist() == pytest.approx([0.4, 0.4, 0.16, 0.04])
    assert motiv.other_texts == 1  # the blank 'other' text is not a text
    assert any("more than 100%" in note for note in motiv.notes)


def test_likert(result: QuantResults) -> None:
    agree = result.items["agree"]
    assert agree.frequencies["n"].tolist() == [7, 8, 8, 8, 8]
    assert agree.frequencies["label"].tolist() == ["Disagree", "2", "3", "4", "Agree"]
    s = agree.summary
    assert s["n"] == 39
    assert s["mean"] == pytest.approx(119 / 39)
    assert s["median"] == 3 and s["top2_n"] == 16
    assert s["top2_pct"] == pytest.approx(16 / 39)


def test_ordinal_bands(result: QuantResults) -> None:
    freq = result.items["hours"].frequencies
    assert freq["option_id"].tolist() == BANDS
    assert freq["n"].tolist() == [10, 15, 10, 5]
    assert freq["cum_pct"].tolist() == pytest.approx([0.25, 0.625, 0.875, 1.0])
    assert result.items["hours"].missing_reasons.empty


def test_numeric_and_open(result: QuantResults) -> None:
    age = result.items["age"]
    assert age.summary["n"] == 39 and age.summary["mean"] == 40 and age.summary["median"] == 40
    assert age.missing_reasons.to_dict("list") == {"reason": ["Not applicable (-9)"], "n": [1]}
    comment = result.items["comment"]
    assert (comment.n_asked, comment.n_valid) == (30, 10)  # asked in s_en only
    assert comment.frequencies is None and comment.summary is None and comment.small_n


def test_segments_and_rankings(result: QuantResults) -> None:
    seg = result.segments
    assert seg["segment_id"].tolist() == ["career_motivated"]
    assert seg["n"].tolist() == [20] and seg["pct"].tolist() == [0.5]
    assert list(result.rankings)[0] == "motivation"
    ranking = result.rankings["motivation"]
    assert ranking["option_id"].tolist() == ["career", "personal", "requirement", "other"]
    assert ranking["rank"].tolist() == [1, 1, 3, 4]
    attitude = result.rankings["attitude"]
    assert attitude[["option_id", "n", "base"]].values.tolist() == [["top_box", 16, 39]]


def test_comparison_by_item(result: QuantResults) -> None:
    comp = result.comparisons[0]
    assert comp.by == "goal" and comp.label == "Main goal"
    assert comp.groups.to_dict("list") == {
        "group_id": ["career", "personal"], "label": ["Career", "Personal"], "n": [24, 12]}
    hours = comp.crosstabs["hours"]
    assert hours["career"].tolist() == [10, 14, 0, 0]
    assert hours["personal"].tolist() == [0, 1, 10, 1]
    tests = comp.tests.set_index(["item_id", "option_id"], drop=False)
    # independent path: scipy on the respondent-level arrays built by hand
    career_hours = [1] * 10 + [2] * 14
    personal_hours = [2] + [3] * 10 + [4]
    ref = stats.mannwhitneyu(career_hours, personal_hours)
    row = comp.tests[comp.tests["item_id"] == "hours"].iloc[0]
    assert row["test"] == "mann_whitney"
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert row["effect_size"] == pytest.approx(2 * ref.statistic / (24 * 12) - 1)
    assert bool(row["small_n"])  # 12 in the smaller group
    motiv = comp.tests[comp.tests["item_id"] == "motiv"]
    assert motiv["option_id"].tolist() == ["career", "personal", "requirement", "other"]
    # career ticked: r01-r20 all chose goal=career; base = those who answered both (31)
    career = comp.crosstabs["motiv"].loc["career"].tolist()
    assert career == [20, 0]
    assert motiv["n"].tolist() == [31] * 4
    ok = comp.tests["p_value"].notna()
    assert comp.tests.loc[ok, "p_holm"].tolist() == pytest.approx(
        multipletests(comp.tests.loc[ok, "p_value"], method="holm")[1])
    assert len(tests) == len(comp.tests)


def test_comparison_by_segment(result: QuantResults) -> None:
    comp = result.comparisons[1]
    assert comp.groups["group_id"].tolist() == ["career_motivated", "not_career_motivated"]
    assert comp.groups["n"].tolist() == [20, 20]
    # motiv defines the segment and is not compared; open text never is
    assert comp.tests["item_id"].tolist() == ["goal", "agree", "hours", "age"]
    goal = comp.tests.iloc[0]
    table = comp.crosstabs["goal"].loc[["career", "personal"]].to_numpy()
    assert table.tolist() == [[20, 4], [0, 12]]
    ref = stats.chi2_contingency(table)  # 2x2, Yates as R chisq.test; min expected 5.33
    assert goal["test"] == "chi2"
    assert goal["statistic"] == pytest.approx(ref.statistic)
    age = comp.tests.iloc[3]
    assert age["statistic"] == 0 and age["effect_size"] == -1  # r01-r20 are all younger


def test_progress_and_errors() -> None:
    answers, respondents = make_frames()
    calls: list[tuple[str, int, int]] = []
    analyse(make_study(), answers, respondents, progress=lambda *a: calls.append(a))
    assert calls[0] == ("preparing answers", 0, 9) and calls[-1] == ("done", 9, 9)
    with pytest.raises(InputError, match="missing"):
        analyse(make_study(), answers.drop(columns="missing"), respondents)
    doubled = pd.concat([respondents, respondents.iloc[:1]])
    with pytest.raises(InputError, match="more than once"):
        analyse(make_study(), answers, doubled)
    bad = answers.assign(value=answers["value"].astype(object))
    bad.loc[0, "value"] = "abc"
    with pytest.raises(InputError, match="not a number"):
        analyse(make_study(), bad, respondents)


def test_import_is_light() -> None:
    code = ("import sys, microcred.quant.results, microcred.quant as q; "
            "assert callable(q.analyse) and not isinstance(q.analyse, type(sys)); "
            "assert 'pandas' not in sys.modules and 'scipy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def _with_construct(item_id: str, construct: str) -> Study:
    spec = make_study().model_dump(mode="json", exclude_unset=True)
    for item in spec["items"]:
        if item["id"] == item_id:
            item["construct"] = construct
    return Study.model_validate(spec)


def test_rankings_compare_like_with_like(result: QuantResults) -> None:
    """A construct mixing a choice question with a Likert statement, or two choice
    questions, is not ranked: a top-box share and a share of one question's options (or
    options of different questions) answer different questions."""
    from microcred.quant.rankings import construct_rankings

    # a choice item beside the Likert one
    assert "attitude" not in construct_rankings(_with_construct("goal", "attitude"), result.items)
    # two choice questions in one construct
    two = construct_rankings(_with_construct("goal", "motivation"), result.items)
    assert "motivation" not in two
    assert set(construct_rankings(make_study(), result.items)) == {"motivation", "attitude"}
