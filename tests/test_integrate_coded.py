"""Quantitized codes in the main run: per-document bases, code segments, codes x segments,
survey-only joint displays, the indirect-evidence reading, and a whole run built in code.

Reference values: Fisher's exact test on the tea-tasting table [[3, 1], [1, 3]] has the
two-sided p-value 34/70 (R documentation of ``fisher.test``, TeaTasting example), also
checked with ``scipy.stats.fisher_exact``; Holm's correction is checked with statsmodels
``multipletests(method="holm")``; Wilson intervals with statsmodels
``proportion_confint(method="wilson")``; Cohen's kappa with scikit-learn
``cohen_kappa_score``.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from microcred import pipeline
from microcred.errors import StudyFileError
from microcred.integrate.coded import (
    code_documents,
    coded_variables,
    study_quantitized,
)
from microcred.integrate.joint import NO_STRAND, joint_displays, survey_only_displays
from microcred.integrate.quantitize import as_answers, theme_item_id
from microcred.integrate.stage import construct_quotes
from microcred.qual.codebook import Codebook
from microcred.quant import analyse
from microcred.study.models import Study

CODEBOOK = Codebook.model_validate({"id": "b", "name": "B", "codes": [
    {"id": "likes", "name": "Likes", "codable": False, "children": [
        {"id": "community", "name": "Community", "construct": "motivation",
         "option": "community"},
        {"id": "speed", "name": "Speed"},
    ]},
    {"id": "dislikes", "name": "Dislikes", "codable": False, "children": [
        {"id": "curve", "name": "Learning curve", "construct": "duration"},
    ]},
]})  # fmt: skip


def _study(**extra: object) -> Study:
    data: dict[str, object] = {
        "study": {"id": "t", "title": "T"},
        "sources": [{"id": "s", "path": "x.csv"}],
        "constructs": [
            {"id": "motivation", "items": ["motivation"]},
            {"id": "duration", "items": ["duration"]},
            {"id": "free_text", "items": ["like", "dislike"]},
        ],
        "items": [
            {"id": "motivation", "type": "single_choice", "column": "Mo",
             "options": [{"id": "community"}, {"id": "career"}]},
            {"id": "duration", "type": "single_choice", "column": "D",
             "options": [{"id": "weeks"}, {"id": "months"}]},
            {"id": "like", "type": "open_text", "column": "L", "required": False},
            {"id": "dislike", "type": "open_text", "column": "DL", "required": False},
        ],
        "coding": {"codebook": "cb.yaml", "items": {"like": ["likes"], "dislike": ["dislikes"]}},
    }  # fmt: skip
    data.update(extra)
    return Study.model_validate(data)


def _respondents(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({
        "respondent_id": ids, "source_id": "s", "row": range(2, len(ids) + 2),
        "language": "en", "submitted_at": None, "finished": True,
    })  # fmt: skip


def _answers(rows: dict[str, dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame([
        {"respondent_id": rid, "item_id": item, "option_id": option, "value": np.nan,
         "text": None, "missing": None, "source_id": "s", "row": 2}
        for rid, answers in rows.items() for item, option in answers.items()
    ])  # fmt: skip


def _units(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "unit_id": [u for u, _, _ in rows], "document": [d for _, _, d in rows],
        "respondent_id": [r for _, r, _ in rows], "speaker": None, "text": "(text)",
        "start": None, "end": None, "language": "en",
    })  # fmt: skip


def _codings(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame([
        {"unit_id": u, "code_id": c, "coder": "H1", "origin": "human", "present": p,
         "status": "human"} for u, c, p in rows
    ])  # fmt: skip


def _coded_units(present: dict[str, dict[str, dict[str, int]]]):
    """present: respondent -> document -> {code: 0/1}: one unit per respondent x document."""
    units, codings = [], []
    for rid, documents in present.items():
        for document, codes in documents.items():
            unit = f"{document}:{rid}"
            units.append((unit, rid, document))
            codings.extend((unit, code, flag) for code, flag in codes.items())
    return _units(units), _codings(codings)


# --------------------------------------------------------------------------- bases


def test_each_code_has_the_base_of_its_own_question() -> None:
    study = _study()
    units, codings = _coded_units({
        "r1": {"like": {"community": 1, "speed": 0}, "dislike": {"curve": 1}},
        "r2": {"dislike": {"curve": 0}},                       # answered "dislike" only
        "r3": {"like": {"community": 0, "speed": 1}},           # answered "like" only
    })  # fmt: skip
    documents = code_documents(study, CODEBOOK)
    assert documents == {"community": ["like"], "speed": ["like"], "curve": ["dislike"]}
    q = study_quantitized(units, codings, _respondents(["r1", "r2", "r3", "r4"]), CODEBOOK,
                          documents).set_index("respondent_id")  # fmt: skip
    # r2 never answered "like": NA, not 0, for the "like" codes; r3 likewise for "curve"
    assert q.loc["r1", "code:community"] == 1 and q.loc["r3", "code:community"] == 0
    assert pd.isna(q.loc["r2", "code:community"]) and pd.isna(q.loc["r2", "code:speed"])
    assert pd.isna(q.loc["r3", "code:curve"]) and q.loc["r2", "code:curve"] == 0
    assert q["n_units"].tolist() == [2, 1, 1, 0]
    assert q.loc["r4"].drop("n_units").isna().all()  # r4 wrote nothing


@pytest.mark.parametrize("seed", [3, 4])
def test_round_trip_codings_to_variables_and_back(seed: int) -> None:
    """codings -> respondent variables -> long answers -> respondent variables again."""
    rng = np.random.default_rng(seed)
    ids = [f"r{i}" for i in range(40)]
    present = {}
    for rid in ids:
        docs = {}
        if rng.random() < 0.7:
            docs["like"] = {"community": int(rng.random() < 0.4), "speed": int(rng.random() < 0.3)}
        if rng.random() < 0.6:
            docs["dislike"] = {"curve": int(rng.random() < 0.5)}
        present[rid] = docs
    units, codings = _coded_units(present)
    respondents = _respondents(ids)
    q = study_quantitized(units, codings, respondents, CODEBOOK, code_documents(_study(), CODEBOOK))
    answers, _ = as_answers(q, codebook=CODEBOOK, respondents=respondents, counts=True)
    for code in ("community", "speed", "curve"):
        document = "dislike" if code == "curve" else "like"
        expected = pd.Series(
            [present[r][document][code] if document in present[r] else pd.NA for r in ids],
            index=ids, dtype="Int64",
        )
        rows = answers[answers["item_id"] == theme_item_id(code)].set_index("respondent_id")
        back = rows["option_id"].map({"yes": 1, "no": 0}).reindex(ids).astype("Int64")
        pd.testing.assert_series_equal(back, expected, check_names=False)
        counts = answers[answers["item_id"] == theme_item_id("n_" + code)]
        back_counts = counts.set_index("respondent_id")["value"].reindex(ids)
        assert back_counts.isna().tolist() == expected.isna().tolist()
        assert (back_counts.dropna() == expected.dropna().astype(float)).all()


# --------------------------------------------------------------------------- code segments


def _tea_fixture(study: Study):
    """8 respondents; community named by r0-r3; motivation [[3, 1], [1, 3]] across it."""
    ids = [f"r{i}" for i in range(8)]
    motivation = ["community"] * 3 + ["career"] + ["community"] + ["career"] * 3
    answers = _answers({rid: {"motivation": m, "duration": "weeks"}
                        for rid, m in zip(ids, motivation, strict=True)})  # fmt: skip
    units, codings = _coded_units({
        rid: {"like": {"community": int(i < 4), "speed": int(i % 2)}} for i, rid in enumerate(ids)
    })  # fmt: skip
    qual = SimpleNamespace(units=units, codings=codings, codebook=CODEBOOK, quotes={})
    return answers, _respondents(ids), qual


def test_code_segment_sizes_and_comparison_use_the_quant_tests() -> None:
    study = _study(code_segments=[{
        "id": "names_community", "label": "Named the community",
        "where": {"code": "community"}, "compare": ["motivation"],
    }])  # fmt: skip
    answers, respondents, qual = _tea_fixture(study)
    coded = coded_variables(study, answers, respondents, qual)  # type: ignore[arg-type]
    sizes = coded.segments.set_index("segment_id")
    assert sizes.loc["names_community", "n"] == 4
    lo, hi = proportion_confint(4, 8, method="wilson")
    assert sizes.loc["names_community", "ci_low"] == pytest.approx(lo)
    assert sizes.loc["names_community", "ci_high"] == pytest.approx(hi)
    (comparison,) = coded.comparisons
    assert comparison.by == "names_community"
    assert comparison.groups["n"].tolist() == [4, 4]
    test = comparison.tests.set_index("item_id").loc["motivation"]
    assert test["test"] == "fisher"
    assert test["p_value"] == pytest.approx(34 / 70)
    assert test["p_value"] == pytest.approx(fisher_exact([[3, 1], [1, 3]]).pvalue)
    # merged into the run's tables
    results = analyse(study, answers, respondents)
    assert results.segments is None
    coded.merge_into(results)
    assert results.segments["segment_id"].tolist() == ["names_community"]
    assert [c.by for c in results.comparisons] == ["names_community"]


def test_codes_by_segments_are_one_holm_family_per_segment() -> None:
    study = _study(segments=[{"id": "community_motivated", "label": "Community",
                              "where": {"item": "motivation", "options": ["community"]}}])
    answers, respondents, qual = _tea_fixture(study)
    coded = coded_variables(study, answers, respondents, qual)  # type: ignore[arg-type]
    (family,) = coded.by_groups
    assert family.by == "community_motivated"
    tests = family.tests.set_index("item_id")
    # community x segment: [[3, 1], [1, 3]]; speed (r1, r3, r5, r7) x segment: [[1, 3], [3, 1]]
    assert family.crosstabs["theme_community"].loc["yes"].tolist() == [3, 1]
    assert tests.loc["theme_community", "p_value"] == pytest.approx(34 / 70)
    # "curve" applies to the other question, which nobody answered: no test, no p-value
    assert np.isnan(tests.loc["theme_curve", "p_value"])
    tested = tests["p_value"].notna()
    expected = multipletests(tests.loc[tested, "p_value"].to_numpy(dtype=float), method="holm")[1]
    assert tests.loc[tested, "p_holm"].to_numpy() == pytest.approx(expected)
    assert expected == pytest.approx([2 * 34 / 70] * 2)
    data = coded.to_dict()
    (grouping,) = data["by_groups"]
    community = next(t for t in grouping["tests"] if t["code_id"] == "community")
    assert community["groups"]["community_motivated"] == {"n": 3, "base": 4, "pct": 0.75}
    assert "respondent_id" not in json.dumps(data)


def test_code_segment_naming_an_unknown_code_is_a_study_error() -> None:
    study = _study(code_segments=[{"id": "x", "where": {"code": "nothing_like_it"}}])
    answers, respondents, qual = _tea_fixture(study)
    with pytest.raises(StudyFileError, match="nothing_like_it"):
        coded_variables(study, answers, respondents, qual)  # type: ignore[arg-type]


def test_study_file_rules_for_code_segments() -> None:
    with pytest.raises(ValueError, match="code_segments"):
        _study(segments=[{"id": "x", "where": {"code": "community"}}])
    with pytest.raises(ValueError, match="needs a coding"):
        _study(coding=None, code_segments=[{"id": "x", "where": {"code": "community"}}])
    with pytest.raises(ValueError, match="is a code segment"):
        _study(code_segments=[{"id": "x", "where": {"code": "community"}}],
               comparisons=[{"by": "x", "items": ["duration"]}])  # fmt: skip
    with pytest.raises(ValueError, match="unknown item"):
        _study(code_segments=[{"id": "x", "where": {"code": "community"}, "compare": ["nope"]}])
    with pytest.raises(ValueError, match="needs a condition"):
        _study(code_segments=[{"id": "x", "where": {"item": "duration", "options": ["weeks"]}}])
    both = _study(code_segments=[{"id": "x", "where": [
        {"code": "community"}, {"item": "duration", "options": ["weeks"]}]}])  # fmt: skip
    assert both.code_segments[0].codes() == ["community"]


# --------------------------------------------------------------------------- joint displays


def test_study_without_free_text_gets_the_survey_side_only() -> None:
    study = _study(coding=None)
    answers = _answers({f"r{i}": {"motivation": "community" if i < 7 else "career"}
                        for i in range(10)})  # fmt: skip
    results = analyse(study, answers, _respondents([f"r{i}" for i in range(10)]))
    joint = survey_only_displays(study, results)
    assert not joint.qualitative and joint.n_coded == 0
    # duration has an item but nobody answered it: no survey result, no display
    assert [d.construct for d in joint.displays] == ["motivation"]
    (display,) = joint.displays
    assert display.survey is not None and display.survey.option_id == "community"
    lo, hi = proportion_confint(7, 10, method="wilson")
    assert (display.survey.ci_low, display.survey.ci_high) == pytest.approx((lo, hi))
    assert display.themes == () and display.quotes == ()
    assert display.verdict == "undetermined" and display.qualitative == NO_STRAND
    assert "no free text or transcript" in display.reason
    assert any("coding:" in note for note in joint.notes)
    frame = joint.to_frame()
    assert frame.loc[0, "qualitative"] == NO_STRAND
    json.dumps(joint.to_dict())


def _motivation_joint(documents: dict[str, list[str]] | None, study: Study | None = None):
    """Stated vs coded motivation with a known kappa below 0.2."""
    stated = ["community"] * 10 + ["career"] * 10
    coded = [1] * 5 + [0] * 5 + [1] * 6 + [0] * 4  # community named or not
    codebook = Codebook.model_validate({"id": "b", "name": "B", "codes": [
        {"id": "community", "name": "Community", "construct": "motivation",
         "option": "community"},
        {"id": "career", "name": "Career", "construct": "motivation", "option": "career"},
    ]})  # fmt: skip
    study = study or _study()
    ids = [f"r{i}" for i in range(20)]
    answers = _answers({rid: {"motivation": s} for rid, s in zip(ids, stated, strict=True)})
    results = analyse(study, answers, _respondents(ids))
    q = pd.DataFrame({"respondent_id": ids, "n_units": 1,
                      "code:community": pd.array(coded, dtype="Int64"),
                      "code:career": pd.array([1 - c for c in coded], dtype="Int64")})
    codes_as = ["community" if c else "career" for c in coded]
    kappa = cohen_kappa_score(stated, codes_as)
    joint = joint_displays(study, results, q, codebook, answers=answers, documents=documents)
    return joint.get("motivation"), kappa


def test_indirect_evidence_is_said_and_does_not_diverge() -> None:
    direct, kappa = _motivation_joint({"community": ["motivation_why"], "career": []})
    assert kappa == pytest.approx(-0.1)  # p_o = 0.45, p_e = 0.5
    assert direct.agreement.kappa == pytest.approx(kappa)
    # documents not in the study (transcripts): not judged, the rule applies as written
    assert direct.verdict == "diverge" and direct.direct is None
    indirect, _ = _motivation_joint({"community": ["like"], "career": ["like"]})
    assert indirect.direct is False
    assert indirect.documents == ("“like”",)
    assert indirect.verdict == "complement"
    assert "did not ask about motivation" in indirect.reason
    assert "association" in indirect.reason
    # without documents every theme is taken as direct: the rule applies as written
    unknown, _ = _motivation_joint(None)
    assert unknown.verdict == "diverge" and unknown.direct is None and unknown.documents == ()


def test_open_question_of_the_construct_is_direct() -> None:
    study = _study(constructs=[{"id": "motivation", "items": ["motivation", "like"]}])
    display, _ = _motivation_joint({"community": ["like"], "career": ["like"]}, study)
    assert display.direct is True and display.documents == ("“like”",)
    assert display.verdict == "diverge" and "did not ask" not in display.reason


def test_construct_quotes_take_turns_across_themes() -> None:
    quotes = {
        "community": [{"text": "a1", "respondent_id": "P1"}, {"text": "a2", "respondent_id": "P2"}],
        "speed": [{"text": "s1", "respondent_id": "P3"}],
        "curve": [{"text": "c1", "respondent_id": "P1"}, {"text": "c2", "respondent_id": "P4"}],
    }  # fmt: skip
    codebook = Codebook.model_validate({"id": "b", "name": "B", "codes": [
        {"id": "community", "name": "Community", "construct": "motivation"},
        {"id": "speed", "name": "Speed", "construct": "motivation"},
        {"id": "curve", "name": "Curve", "construct": "motivation"},
    ]})  # fmt: skip
    summary = pd.DataFrame({"code_id": ["community", "speed", "curve"], "n": [5, 1, 9]})
    coded = SimpleNamespace(summary=lambda: summary)
    out = construct_quotes(SimpleNamespace(quotes=quotes, codebook=codebook), coded)  # type: ignore[arg-type]
    # most frequent theme first (curve), one quote per theme in turn, one per respondent
    assert out["motivation"] == [("c1", "Curve, P1"), ("a2", "Community, P2"),
                                 ("s1", "Speed, P3")]  # fmt: skip


# --------------------------------------------------------------------------- whole runs

CODEBOOK_YAML = """\
id: demo
name: Demo
codes:
  - id: likes
    name: Likes
    codable: false
    children:
      - {id: community, name: Community, construct: motivation, option: community,
         definition: The people.}
      - {id: speed, name: Speed, definition: Fast.}
"""


def _write_run(folder: Path, coded: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    n = 24
    motivation = ["Community" if i % 3 else "Career" for i in range(n)]
    likes = ["The people in the community help me a lot" if i % 2 else "It runs really fast"
             for i in range(n)]  # fmt: skip
    rows = ["id,Why?,What do you like?"] + [
        f"r{i},{motivation[i]},{likes[i]}" for i in range(n)
    ]
    (folder / "answers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    text = (
        "study: {id: demo, title: Demo}\n"
        "sources: [{id: s, path: answers.csv}]\n"
        "respondent_id: {column: id}\n"
        "constructs: [{id: motivation, items: [why]}]\n"
        "items:\n"
        "  - {id: why, type: single_choice, column: Why?, options: [{id: community, "
        "labels: Community}, {id: career, labels: Career}]}\n"
        "  - {id: like, type: open_text, column: What do you like?}\n"
        "segments:\n"
        "  - {id: career_motivated, label: Career, where: {item: why, options: [career]}}\n"
        "privacy: {k: 3}\n"
    )
    if coded:
        (folder / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
        lines = ["unit_id,community:H1,speed:H1"] + [
            f"like:r{i},{i % 2},{1 - i % 2}" for i in range(n)
        ]
        (folder / "human.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        text += (
            "coding:\n  codebook: codebook.yaml\n  items: {like: [likes]}\n"
            "  automatic: none\n  human: [{path: human.csv, unit_column: unit_id}]\n"
            "code_segments:\n"
            "  - {id: names_community, label: Named the community, where: {code: community},"
            " compare: [why]}\n"
        )
    (folder / "study.yaml").write_text(text, encoding="utf-8")
    return folder / "study.yaml"


def test_run_with_a_code_segment(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pipeline.run(_write_run(tmp_path / "s", coded=True), out)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    segment = results["segments"]["names_community"]
    assert segment["n"] == 12  # odd respondents
    comparison = next(c for c in results["comparisons"] if c["by"] == "names_community")
    # why x segment: odd i -> community unless i % 3 == 0 (i = 3, 9, 15, 21: career);
    # the table [[8, 8], [4, 4]] is balanced: chi-square 0, p = 1 (scipy agrees)
    crosstab = comparison["crosstabs"]["why"]
    assert crosstab["community"] == {"names_community": 8, "not_names_community": 8}
    assert crosstab["career"] == {"names_community": 4, "not_names_community": 4}
    codes = results["extra"]["integration"]["codes"]
    assert {v["code_id"]: v["n"] for v in codes["variables"]} == {"community": 12, "speed": 12}
    (grouping,) = codes["by_groups"]
    assert grouping["by"] == "career_motivated"
    joint = results["extra"]["integration"]["joint_displays"]
    (motivation,) = joint["displays"]
    assert motivation["verdict"] in {"converge", "complement", "diverge"}
    assert motivation["agreement"]["n"] == 12
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="joint"' in html and 'id="codes"' in html
    assert "Named the community" in html


def test_run_without_free_text_shows_the_survey_side(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pipeline.run(_write_run(tmp_path / "s", coded=False), out)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    joint = results["extra"]["integration"]["joint_displays"]
    assert joint["qualitative"] is False
    (motivation,) = joint["displays"]
    assert motivation["survey"]["option_id"] == "community"
    assert motivation["verdict"] == "undetermined" and motivation["themes"] == []
    assert "codes" not in results["extra"]["integration"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="joint"' in html and NO_STRAND in html


def test_report_sections_suppress_small_theme_counts() -> None:
    from microcred.integrate.stage import Integration
    from microcred.report.mixed import integration_sections

    study = _study(segments=[{"id": "community_motivated", "label": "Community",
                              "where": {"item": "motivation", "options": ["community"]}}])
    answers, respondents, qual = _tea_fixture(study)
    coded = coded_variables(study, answers, respondents, qual)  # type: ignore[arg-type]
    assert coded.k == 5
    results = analyse(study, answers, respondents)
    joint = joint_displays(study, results, coded.quantitized, CODEBOOK, answers=answers,
                           quotes={"motivation": [("<b>we help</b>", "Community, P1")]})
    sections = {s.id: s for s in integration_sections(Integration(joint=joint, coded=coded))}
    codes = next(b.table for b in sections["codes"].blocks if b.kind == "table")
    community = next(row for row in codes.rows if row[0] == "Community")
    # 3 of 4 and 1 of 4, with bases of 4 (k = 5) adding up to the 8 coded: the table is
    # too small to protect any cell, so every count and base is withheld
    assert community[1:3] == ["[c] of [c]", "[c] of [c]"]
    table = next(b.table for b in sections["joint"].blocks if b.kind == "table")
    assert table.rows[0][2].startswith("Community: <5 of 8")
    quotes = next(b for b in sections["joint"].blocks if b.kind == "quotes")
    assert quotes.quotes == [("<b>we help</b>", "Community, P1")]  # escaped by the template
