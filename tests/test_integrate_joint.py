"""Joint displays and their verdict rules, on fixtures with known agreement.

Kappa values are constructed by hand from 2x2 tables (Cohen 1960:
kappa = (p_o - p_e) / (1 - p_e)) and cross-checked with scikit-learn's
``cohen_kappa_score``, an implementation independent of the statsmodels one used by
``microcred.qual.agreement``. Wilson intervals are checked against statsmodels
``proportion_confint(method="wilson")``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.proportion import proportion_confint

from microcred.integrate import IntegrateError
from microcred.integrate.joint import (
    JointDisplays,
    SurveyEvidence,
    ThemeEvidence,
    joint_displays,
    kappa_verdict,
    motivation_agreement,
    theme_verdict,
)
from microcred.qual.codebook import Codebook
from microcred.quant import analyse
from microcred.study.models import Study

MOTIVES = ["career", "personal_interest", "academic"]


def _study(motivation_type: str = "single_choice") -> Study:
    return Study.model_validate({
        "study": {"id": "t", "title": "T"},
        "sources": [{"id": "s", "path": "x.csv"}],
        "constructs": [
            {"id": "motivation", "label": "Motivation", "items": ["motivation"]},
            {"id": "modality", "label": "Modality", "items": ["modality"]},
            {"id": "duration", "label": "Duration", "items": ["duration"]},
        ],
        "items": [
            {"id": "motivation", "type": motivation_type, "column": "Mo",
             "options": [{"id": m} for m in MOTIVES]},
            {"id": "modality", "type": "single_choice", "column": "M",
             "options": [{"id": "online_asynchronous", "labels": "Online async"},
                         {"id": "blended", "labels": "Blended"},
                         {"id": "face_to_face", "labels": "Face to face"}]},
            {"id": "duration", "type": "ordinal", "column": "D",
             "options": [{"id": "short"}, {"id": "long"}]},
        ],
    })  # fmt: skip


CODEBOOK = Codebook.model_validate({"id": "b", "name": "B", "codes": [
    {"id": "m_career", "name": "Career goals", "construct": "motivation", "option": "career"},
    {"id": "m_personal", "name": "Curiosity", "construct": "motivation",
     "option": "personal_interest"},
    {"id": "m_academic", "name": "Credits", "construct": "motivation", "option": "academic"},
    {"id": "m_flex", "name": "Flexibility", "construct": "motivation"},
    {"id": "mod_async", "name": "Own pace", "construct": "modality",
     "option": "online_asynchronous"},
    {"id": "mod_blended", "name": "Some campus days", "construct": "modality",
     "option": "blended"},
    {"id": "mod_f2f", "name": "Classroom", "construct": "modality", "option": "face_to_face"},
    {"id": "mod_video", "name": "Video lectures", "construct": "modality"},
    {"id": "mod_hybrid", "name": "Hybrid", "construct": "modality", "option": "hyflex"},
]})  # fmt: skip


def _answers(rows: dict[str, dict[str, str | list[str]]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    records = []
    for rid, answers in rows.items():
        for item, chosen in answers.items():
            for option in [chosen] if isinstance(chosen, str) else chosen:
                records.append({"respondent_id": rid, "item_id": item, "option_id": option,
                                "value": np.nan, "text": None, "missing": None,
                                "source_id": "s", "row": 2})  # fmt: skip
    ids = list(rows)
    respondents = pd.DataFrame({"respondent_id": ids, "source_id": "s", "row": 2,
                                "language": "en", "submitted_at": None, "finished": True})
    return pd.DataFrame(records), respondents


def _quantitized(ids: list[str], present: dict[str, dict[str, int]]) -> pd.DataFrame:
    """present: respondent -> {code: 0/1}; respondents not in it are uncoded (NA)."""
    codes = [c.id for c in CODEBOOK.codable()]
    frame = pd.DataFrame({"respondent_id": ids, "n_units": [int(r in present) for r in ids]})
    for code in codes:
        frame[f"code:{code}"] = pd.array(
            [present[r].get(code, 0) if r in present else pd.NA for r in ids], dtype="Int64"
        )
        frame[f"count:{code}"] = frame[f"code:{code}"]
    return frame


def _motivation_fixture(table: dict[tuple[str, str], int], study: Study | None = None):
    """table: (stated, coded) -> number of respondents."""
    rows, present = {}, {}
    i = 0
    for (stated, coded), n in table.items():
        for _ in range(n):
            rid = f"r{i}"
            i += 1
            rows[rid] = {"motivation": stated, "modality": "online_asynchronous"}
            present[rid] = {f"m_{coded.split('_')[0]}": 1}
    answers, respondents = _answers(rows)
    study = study or _study()
    results = analyse(study, answers, respondents)
    return study, answers, respondents, results, _quantitized(list(rows), present)


def _expected_kappa(table: dict[tuple[str, str], int]) -> float:
    stated = [s for (s, _), n in table.items() for _ in range(n)]
    coded = [c for (_, c), n in table.items() for _ in range(n)]
    return float(cohen_kappa_score(stated, coded))


def test_perfect_agreement_converges() -> None:
    table = {("career", "career"): 20, ("personal_interest", "personal_interest"): 25,
             ("academic", "academic"): 15}  # fmt: skip
    study, answers, _, results, q = _motivation_fixture(table)
    shown = joint_displays(study, results, q, CODEBOOK, answers=answers)
    display = shown.get("motivation")
    assert display is not None and display.agreement is not None
    assert display.agreement.kappa == pytest.approx(1.0)
    assert display.agreement.method == "nominal" and display.agreement.n == 60
    assert display.verdict == "converge"
    assert "kappa" in display.rule.lower()


def test_constructed_kappa_of_0_4_complements() -> None:
    # p_o = 70/100, p_e = .5 * .5 + .5 * .5 = .5 -> kappa = (.7 - .5) / .5 = 0.4
    table = {("career", "career"): 35, ("career", "personal_interest"): 15,
             ("personal_interest", "career"): 15,
             ("personal_interest", "personal_interest"): 35}  # fmt: skip
    study, answers, _, results, q = _motivation_fixture(table)
    display = joint_displays(study, results, q, CODEBOOK, answers=answers).get("motivation")
    assert display.agreement.kappa == pytest.approx(0.4)
    assert display.agreement.kappa == pytest.approx(_expected_kappa(table))
    assert display.agreement.percent_agreement == pytest.approx(0.7)
    assert display.verdict == "complement"


def test_disagreement_diverges() -> None:
    # p_o = .2, p_e = .5 -> kappa = -0.6
    table = {("career", "career"): 10, ("career", "personal_interest"): 40,
             ("personal_interest", "career"): 40,
             ("personal_interest", "personal_interest"): 10}  # fmt: skip
    study, answers, _, results, q = _motivation_fixture(table)
    display = joint_displays(study, results, q, CODEBOOK, answers=answers).get("motivation")
    assert display.agreement.kappa == pytest.approx(-0.6)
    assert display.agreement.kappa == pytest.approx(_expected_kappa(table))
    assert display.verdict == "diverge"


def test_ambiguous_and_silent_respondents_are_left_out_and_counted() -> None:
    table = {("career", "career"): 20, ("personal_interest", "personal_interest"): 20}
    study, answers, respondents, results, q = _motivation_fixture(table)
    q = q.set_index("respondent_id")
    q.loc["r0", "code:m_personal"] = 1  # now coded with two motivations
    q.loc["r1", "code:m_career"] = 0  # now coded with none (only the flex theme)
    q.loc["r1", "code:m_flex"] = 1
    display = joint_displays(study, results, q.reset_index(), CODEBOOK,
                             answers=answers).get("motivation")  # fmt: skip
    agreement = display.agreement
    assert agreement.n == 38
    assert agreement.left_out == {
        "coded with two or more motivations": 1,
        "coded with no motivation linked to a survey option": 1,
    }
    assert "further theme" in display.reason  # the flexibility theme


def test_multiple_choice_motivation_uses_respondent_option_pairs() -> None:
    study = _study("multi_choice")
    stated = {"a": ["career", "personal_interest"], "b": ["career"], "c": ["academic"],
              "d": ["personal_interest"], "e": ["career", "academic"]}  # fmt: skip
    coded = {"a": {"m_career": 1}, "b": {"m_career": 1}, "c": {"m_personal": 1},
             "d": {"m_personal": 1, "m_academic": 1},
             "e": {"m_career": 1, "m_academic": 1}}
    answers, respondents = _answers({r: {"motivation": o} for r, o in stated.items()})
    q = _quantitized(list(stated), coded)
    agreement = motivation_agreement(answers, study.item("motivation"), q, CODEBOOK.codable())
    x = [int(m in stated[r]) for r in stated for m in MOTIVES]
    y = [int(coded[r].get(f"m_{m.split('_')[0]}", 0)) for r in stated for m in MOTIVES]
    assert agreement.method == "binary" and agreement.n == 5 and agreement.n_pairs == 15
    assert agreement.kappa == pytest.approx(cohen_kappa_score(x, y))
    assert agreement.percent_agreement == pytest.approx(np.mean(np.equal(x, y)))


def test_only_unlinked_motivation_themes_complement() -> None:
    book = Codebook.model_validate({"id": "b", "name": "B", "codes": [
        {"id": "m_flex", "name": "Flexibility", "construct": "motivation"}]})  # fmt: skip
    table = {("career", "career"): 5}
    study, answers, _, results, _q = _motivation_fixture(table)
    q = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(5)],
                      "code:m_flex": pd.array([1, 0, 1, 0, 0], dtype="Int64")})  # fmt: skip
    display = joint_displays(study, results, q, book, answers=answers).get("motivation")
    assert display.agreement is None
    assert display.verdict == "complement"
    assert "did not ask" in display.reason and display.small_n


def _modality_fixture(top_code: str, counts: dict[str, int] | None = None):
    counts = counts or {"online_asynchronous": 40, "blended": 15, "face_to_face": 5}
    rows, present = {}, {}
    i = 0
    for option, n in counts.items():
        for _ in range(n):
            rows[f"r{i}"] = {"modality": option, "motivation": "career"}
            i += 1
    ids = list(rows)
    for k, rid in enumerate(ids[:40]):  # 40 coded respondents: top theme 20, another 10
        present[rid] = {top_code: int(k < 20), "mod_video" if top_code != "mod_video"
                        else "mod_f2f": int(20 <= k < 30)}  # fmt: skip
    answers, respondents = _answers(rows)
    study = _study()
    return study, answers, analyse(study, answers, respondents), _quantitized(ids, present)


@pytest.mark.parametrize(
    ("top_code", "counts", "verdict"),
    [
        ("mod_async", None, "converge"),
        ("mod_f2f", None, "diverge"),  # 5/60 vs 40/60: intervals apart
        ("mod_video", None, "complement"),  # no survey option
        ("mod_hybrid", None, "complement"),  # an option the survey did not offer
        # survey divided: 25 vs 22 of 60, overlapping intervals
        ("mod_blended", {"online_asynchronous": 25, "blended": 22, "face_to_face": 13},
         "complement"),
    ],
)
def test_modal_rule(top_code: str, counts: dict[str, int] | None, verdict: str) -> None:
    study, answers, results, q = _modality_fixture(top_code, counts)
    display = joint_displays(study, results, q, CODEBOOK, answers=answers).get("modality")
    assert display.themes[0].code_id == top_code
    assert display.themes[0].n == 20 and display.themes[0].n_coded == 40
    assert display.verdict == verdict
    assert display.rule.startswith("Modal survey option")


def test_survey_and_theme_shares_carry_wilson_intervals() -> None:
    study, answers, results, q = _modality_fixture("mod_async")
    display = joint_displays(study, results, q, CODEBOOK, answers=answers).get("modality")
    survey = display.survey
    assert (survey.option_id, survey.n, survey.n_valid) == ("online_asynchronous", 40, 60)
    lo, hi = proportion_confint(40, 60, method="wilson")
    assert (survey.ci_low, survey.ci_high) == pytest.approx((lo, hi))
    theme = display.themes[0]
    lo, hi = proportion_confint(20, 40, method="wilson")
    assert theme.pct == 0.5 and (theme.ci_low, theme.ci_high) == pytest.approx((lo, hi))


def test_construct_without_themes_is_undetermined_and_outputs_serialise() -> None:
    study, answers, results, q = _modality_fixture("mod_async")
    quotes = {"modality": ["one", "two", "three", "four"]}
    shown = joint_displays(study, results, q, CODEBOOK, answers=answers, quotes=quotes)
    assert [d.construct for d in shown.displays] == ["motivation", "duration", "modality"]
    duration = shown.get("duration")
    assert duration.verdict == "undetermined" and duration.themes == ()
    assert shown.get("modality").quotes == ("one", "two", "three")
    data = json.loads(json.dumps(shown.to_dict()))
    assert data["displays"][2]["quotes"] == ["one", "two", "three"]
    assert data["n_coded"] == 40 and len(data["rules"]) == 4  # kappa, modal, indirect, undetermined
    frame = shown.to_frame()
    assert list(frame["verdict"]) == [d.verdict for d in shown.displays]
    assert "quotes" not in frame.columns
    assert math.isnan(frame.set_index("construct").loc["duration", "theme_pct"])


def test_kappa_thresholds_and_rule_helpers() -> None:
    assert kappa_verdict(0.6) == "converge"
    assert kappa_verdict(0.59) == "complement" and kappa_verdict(0.2) == "complement"
    assert kappa_verdict(0.19) == "diverge" and kappa_verdict(float("nan")) == "undetermined"
    assert kappa_verdict(0.5, converge_at=0.5) == "converge"
    survey = SurveyEvidence("m", "single_choice", "a", "A", 10, 20, 0.5, 0.3, 0.7)
    theme = ThemeEvidence("t", "T", None, 0, 10, 0.0, 0.0, 0.3)
    assert theme_verdict(survey, theme, {})[0] == "undetermined"
    assert theme_verdict(None, theme, {})[0] == "undetermined"
    with pytest.raises(IntegrateError):
        joint_displays(_study(), None, pd.DataFrame({"respondent_id": []}), CODEBOOK,  # type: ignore[arg-type]
                       converge_at=0.1, complement_at=0.3)  # fmt: skip


def test_motivation_without_answers_falls_back_to_the_modal_rule() -> None:
    table = {("career", "career"): 30, ("personal_interest", "personal_interest"): 10}
    study, _answers_, _, results, q = _motivation_fixture(table)
    shown: JointDisplays = joint_displays(study, results, q, CODEBOOK)
    display = shown.get("motivation")
    assert display.agreement is None and display.verdict == "converge"
    assert any("modal rule" in note for note in shown.notes)
