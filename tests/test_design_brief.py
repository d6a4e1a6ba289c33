"""The design brief, its Annex I rendering and its HTML/DOCX/JSON outputs.

Fixtures are hand-made QuantResults on the uoc-2023 template (Bruguera, Fitó & Pagés
2023), with counts chosen so every rule can be checked by hand. Wilson intervals are
checked against statsmodels ``proportion_confint(method="wilson")`` (an independent
implementation of Wilson 1927). The workload reproduces the example of
shared/specs/microcredential-standards.md: 8-13 weeks x 6-15 h/week = 48-195 h =
1.6-7.8 ECTS (ECTS Users' Guide 2015: 1 ECTS = 25-30 h).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from microcred.design.annex import INSTITUTION, annex_elements
from microcred.design.brief import band_window, recommend
from microcred.design.ects import DesignError
from microcred.design.render import brief_html, brief_json, write_brief, write_docx
from microcred.quant.results import ItemResult, QuantResults
from microcred.study import Study, load
from microcred.study.templates import init

# Counts per option, in the template's option order; every item has 40 valid answers.
COUNTS = {
    "duration": [2, 6, 22, 8, 2],  # median band 2-3 months holds 55%
    "weekly_hours": [4, 6, 14, 12, 4],  # median 6-10 h (35%); + 11-15 h = 65%
    "content_orientation": [1, 3, 10, 16, 10],  # median "more applied"
    "modality": [24, 4, 10, 2],  # asynchronous 60% vs blended 25%: clear
    "live_sessions": [12, 16, 8, 4],  # optional Q&A 40% vs none 30%: divided
    "modularity": [8, 20, 12],
    "credential_type": [6, 4, 22, 6, 2],
}
TOP2 = {"credential_official": 30, "stackability_importance": 18}  # of 40


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    folder = tmp_path_factory.mktemp("uoc")
    (path,) = init("uoc-2023", folder / "study")
    return load(path)


def _item_result(study: Study, item_id: str, counts: list[int] | None, top2: int | None = None,
                 n: int = 40) -> ItemResult:  # fmt: skip
    item = study.item(item_id)
    frequencies = None
    summary = None
    if counts is not None:
        options = item.effective_options()
        assert len(options) == len(counts)
        x = np.array(counts)
        lo, hi = proportion_confint(x, n, method="wilson")
        frequencies = pd.DataFrame(
            {"option_id": [o.id for o in options], "label": [o.label("en") for o in options],
             "n": x, "pct": x / n, "ci_low": lo, "ci_high": hi}
        )  # fmt: skip
    if top2 is not None:
        lo, hi = proportion_confint(top2, n, method="wilson")
        summary = {"n": float(n), "top2_n": float(top2), "top2_pct": top2 / n,
                   "top2_ci_low": float(lo), "top2_ci_high": float(hi)}  # fmt: skip
    return ItemResult(
        item_id=item_id,
        item_type=item.type,
        label=item.label("en"),
        construct=study.construct_of(item_id),
        n_asked=n,
        n_valid=n,
        n_missing=0,
        missing_reasons=pd.DataFrame({"reason": [], "n": []}),
        frequencies=frequencies,
        summary=summary,
        small_n=n < 30,
    )


def _results(study: Study, scale: float = 1.0) -> QuantResults:
    n = int(round(40 * scale))
    items = {}
    for item_id, counts in COUNTS.items():
        scaled = [int(round(c * scale)) for c in counts]
        items[item_id] = _item_result(study, item_id, scaled, n=sum(scaled))
    for item_id, top in TOP2.items():
        items[item_id] = _item_result(study, item_id, None, int(round(top * scale)), n=n)
    return QuantResults(n_respondents=n, sample=pd.DataFrame(), items=items)


def _wilson(x: int, n: int) -> tuple[float, float]:
    lo, hi = proportion_confint(x, n, method="wilson")
    return float(lo), float(hi)


# --------------------------------------------------------------------------- rules


def test_band_window_rules_by_hand() -> None:
    # median band 2 (cumulative 22 of 40), and 22/40 >= 50% alone
    assert band_window([2, 6, 22, 8, 2], 40, 0.5) == (2, 2)
    # median band 2 holds 35%; of the two runs of two, 6-15 h (26) beats 3-10 h (20)
    assert band_window([4, 6, 14, 12, 4], 40, 0.5) == (2, 3)
    # a tie between runs of equal size and count goes to the lower bands
    assert band_window([5, 5, 5, 5], 20, 0.5) == (0, 1)
    # 'Other' answers count in the base: 6 of 10 needs both bands
    assert band_window([3, 3], 10, 0.5) == (0, 1)
    # nothing reaches the threshold: every band
    assert band_window([1, 1, 1], 10, 0.5) == (0, 2)
    # a higher threshold widens the run: 75% needs 30 (22 + 8); 80% needs 32: of the
    # runs of three, 6 + 22 + 8 = 36 holds the most
    assert band_window([2, 6, 22, 8, 2], 40, 0.75) == (2, 3)
    assert band_window([2, 6, 22, 8, 2], 40, 0.8) == (1, 3)


def test_duration_and_weekly_hours_give_the_spec_workload(study: Study) -> None:
    brief = recommend(study, _results(study))
    duration = brief.get("duration")
    assert duration is not None
    assert duration.options == ("two_to_three_months",)
    assert duration.interval == (8.0, 13.0) and duration.unit == "weeks"
    assert duration.evidence.n == 22 and duration.evidence.n_valid == 40
    assert duration.evidence.pct == pytest.approx(0.55)
    assert (duration.evidence.ci_low, duration.evidence.ci_high) == pytest.approx(_wilson(22, 40))
    assert duration.confidence == "ok"
    assert "8-13 weeks" in duration.text

    hours = brief.get("weekly_hours")
    assert hours is not None
    assert hours.options == ("six_to_ten_hours", "eleven_to_fifteen_hours")
    assert hours.interval == (6.0, 15.0)
    assert hours.evidence.n == 26
    assert hours.confidence == "ok"  # 2 of 5 bands is not more than half

    workload = brief.workload
    assert workload is not None
    assert workload.hours == (48.0, 195.0)
    assert workload.ects == pytest.approx((1.6, 7.8))
    assert workload.sources == {"duration": "evidence", "weekly_hours": "evidence"}
    assert "1.6-7.8 ECTS" in workload.text and "48-195 notional hours" in workload.text


def test_categorical_modal_option_and_divided_flag(study: Study) -> None:
    brief = recommend(study, _results(study))
    modality = brief.get("modality")
    assert modality is not None and modality.options == ("online_asynchronous",)
    assert modality.evidence.n == 24
    # 24/40 Wilson low (0.446) is above 10/40 Wilson high (0.402): not divided
    assert _wilson(24, 40)[0] > _wilson(10, 40)[1]
    assert modality.confidence == "ok"

    live = brief.get("live_sessions")
    assert live is not None and live.options == ("optional_qa",)
    # 16/40 low (0.263) is below 12/40 high (0.455): the top two overlap
    assert _wilson(16, 40)[0] <= _wilson(12, 40)[1]
    assert live.confidence == "divided" and "overlap" in live.reason

    credential = brief.get("credential")
    assert credential is not None and credential.options == ("ects_micro_credential",)
    assert credential.confidence == "ok"


def test_importance_top_two_box(study: Study) -> None:
    brief = recommend(study, _results(study))
    official = brief.get("credential", "importance")
    assert official is not None
    assert official.matters is True and official.evidence.pct == pytest.approx(0.75)
    assert official.confidence == "ok"  # 30/40: Wilson 0.598-0.858 excludes 50%
    assert brief.recognition_matters is True
    stacking = brief.get("modularity", "importance")
    assert stacking is not None
    assert stacking.matters is False  # 45%
    lo, hi = _wilson(18, 40)
    assert lo < 0.5 < hi
    assert stacking.confidence == "divided"


def test_derived_design_sentences(study: Study) -> None:
    brief = recommend(study, _results(study))
    orientation = brief.get("content_orientation")
    assert orientation is not None
    # median "more applied"; runs balanced+more applied and more+mainly applied tie at
    # 26: the lower run wins
    assert orientation.options == ("balanced", "more_applied")
    assert brief.assessment is not None
    assert brief.assessment.startswith("Suggestion")
    assert "applied work" in brief.assessment
    assert brief.participation is not None
    assert brief.participation.startswith("online, self-paced (asynchronous)")
    # optional Q&A every two weeks over 8-13 weeks: 4-7 sessions
    assert "optional live Q&A" in brief.participation and "4-7 over the course" in (
        brief.participation
    )
    assert brief.stackability is not None and brief.stackability.startswith("modular levels")
    assert brief.credential is not None and "Micro-credential with ECTS credits" in (
        brief.credential
    )
    assert any("smallest run of adjacent bands" in rule for rule in brief.rules)


def test_small_group_is_flagged(study: Study) -> None:
    brief = recommend(study, _results(study, scale=0.25), group="career", label="Career changers")
    assert brief.group == "career" and brief.label == "Career changers"
    assert brief.n_respondents == 10
    assert {r.confidence for r in brief.recommendations} == {"small n"}
    assert all("fewer than 30" in r.reason for r in brief.recommendations)


def test_quotes_are_attached_and_capped(study: Study) -> None:
    quotes = {"modality": ["a", "b", "c", "d"], "credential": ["ECTS please"]}
    brief = recommend(study, _results(study), quotes=quotes)
    modality = brief.get("modality")
    assert modality is not None and modality.evidence.quotes == ("a", "b", "c")
    credential = brief.get("credential")
    assert credential is not None and credential.evidence.quotes == ("ECTS please",)
    official = brief.get("credential", "importance")
    assert official is not None and official.evidence.quotes == ("ECTS please",)


def test_missing_constructs_and_assumed_workload(study: Study) -> None:
    results = _results(study)
    del results.items["duration"]
    brief = recommend(study, results)
    assert brief.get("duration") is None and brief.workload is None
    assert any("no notional workload" in note for note in brief.notes)
    assumed = recommend(study, results, assume={"duration": (7, 7)})
    assert assumed.workload is not None
    assert assumed.workload.sources["duration"] == "assumed"
    assert assumed.workload.hours == (42.0, 105.0)
    assert any("assumed" in note for note in assumed.notes)


def test_bad_threshold(study: Study) -> None:
    with pytest.raises(DesignError):
        recommend(study, _results(study), threshold=1.5)


# --------------------------------------------------------------------------- annex


def test_annex_i_elements(study: Study) -> None:
    brief = recommend(study, _results(study))
    elements = annex_elements(brief)
    assert [e["number"] for e in elements] == list(range(1, 17))
    assert [e["mandatory"] for e in elements] == [True] * 11 + [False] * 5
    by_number = {e["number"]: e for e in elements}
    for number in (1, 3, 4, 5, 6, 8, 11, 12, 13, 14):
        assert by_number[number]["value"] == INSTITUTION, number
        assert by_number[number]["source"] == "institution", number
    assert INSTITUTION in by_number[2]["value"] and by_number[2]["source"] == "institution"
    assert by_number[7]["source"] == "evidence" and "1.6-7.8 ECTS" in by_number[7]["value"]
    assert by_number[9]["value"].startswith("Suggestion")
    assert "online, self-paced" in by_number[10]["value"]
    assert by_number[10]["constructs"] == ["modality", "live_sessions"]
    assert "modular levels" in by_number[15]["value"]
    assert "does not in itself mean official recognition" in by_number[16]["value"]
    assert set(elements[0]) == {"number", "name", "mandatory", "value", "source", "constructs"}


def test_annex_eqf_level_only_when_given(study: Study) -> None:
    brief = recommend(study, _results(study))
    elements = annex_elements(brief, eqf_level=6, title="Applied data analysis")
    assert elements[7]["value"].startswith("EQF level 6")
    assert elements[1]["value"].startswith("Applied data analysis")
    with pytest.raises(DesignError):
        annex_elements(brief, eqf_level=9)


# --------------------------------------------------------------------------- render


def test_html_fragment_escapes_quotes(study: Study) -> None:
    brief = recommend(study, _results(study), quotes={"modality": ['<script>alert("x")</script>']})
    html = brief_html(brief, annex=annex_elements(brief), badge={"name": "<b>"})
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.lstrip().startswith("<section") and html.rstrip().endswith("</section>")
    assert "1.6-7.8 ECTS" in html and INSTITUTION in html
    assert "&lt;b&gt;" in html


def test_write_brief_json_docx_html(study: Study, tmp_path: Path) -> None:
    brief = recommend(study, _results(study), quotes={"modality": ["at night\x07, after work"]})
    paths = write_brief(brief, tmp_path / "out", eqf_level=6)
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["brief"]["workload"]["ects"] == pytest.approx([1.6, 7.8])
    assert len(data["annex_i"]) == 16
    assert data["open_badges_achievement"]["achievementType"] == "MicroCredential"
    assert data["open_badges_achievement"]["creditsAvailable"] == 1.6
    rec = next(r for r in data["brief"]["recommendations"] if r["construct"] == "modality")
    assert rec["evidence"]["n"] == 24 and rec["evidence"]["quotes"] == ["at night\x07, after work"]

    from docx import Document

    doc = Document(str(paths["docx"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "Design brief: All respondents (n = 40)" in text
    assert "at night, after work" in text  # control character removed
    assert INSTITUTION in cells and "1.6-7.8 ECTS" in cells
    assert paths["html"].read_text(encoding="utf-8").startswith("<section")


def test_json_export_has_no_nan(study: Study, tmp_path: Path) -> None:
    brief = recommend(study, _results(study))
    data = brief_json(brief)
    json.dumps(data, allow_nan=False)
    write_docx(brief, tmp_path / "plain.docx")
    assert (tmp_path / "plain.docx").stat().st_size > 0


# --------------------------------------------------------------------------- via analyse


def test_brief_through_quant_analyse(study: Study) -> None:
    """The same counts as long answers, through microcred.quant.analyse."""
    from microcred.quant import analyse

    rows = []
    for item_id, counts in {**COUNTS}.items():
        item = study.item(item_id)
        r = 0
        for position, (option, count) in enumerate(zip(item.options, counts, strict=True)):
            for _ in range(count):
                value = float(position + 1) if item.type == "ordinal" else np.nan
                rows.append((f"r{r}", item_id, option.id, value))
                r += 1
    for item_id, top in TOP2.items():
        for r in range(40):
            point = 5 if r < top else 2
            rows.append((f"r{r}", item_id, f"v{point}", float(point)))
    answers = pd.DataFrame(rows, columns=["respondent_id", "item_id", "option_id", "value"])
    answers["text"] = pd.NA
    answers["missing"] = pd.NA
    answers["source_id"] = "responses"
    answers["row"] = 2
    respondents = pd.DataFrame(
        {"respondent_id": [f"r{i}" for i in range(40)], "source_id": "responses", "row": 2,
         "language": "en", "submitted_at": pd.NA, "finished": pd.NA}
    )  # fmt: skip
    results = analyse(study, answers, respondents)
    brief = recommend(study, results)
    expected = recommend(study, _results(study))
    for a, b in zip(brief.recommendations, expected.recommendations, strict=True):
        assert (a.construct, a.aspect, a.options, a.confidence) == (
            b.construct, b.aspect, b.options, b.confidence
        )  # fmt: skip
        assert a.evidence.n == b.evidence.n and a.evidence.n_valid == b.evidence.n_valid
        assert a.evidence.ci_low == pytest.approx(b.evidence.ci_low)
    assert brief.workload is not None and brief.workload.ects == pytest.approx((1.6, 7.8))


def test_importance_from_frequencies_when_there_is_no_summary(study: Study) -> None:
    results = _results(study)
    likert = _item_result(study, "credential_official", [2, 3, 5, 10, 20])
    assert likert.frequencies is not None and likert.summary is None
    likert.frequencies["value"] = [1.0, 2.0, 3.0, 4.0, 5.0]
    results.items["credential_official"] = likert
    official = recommend(study, results).get("credential", "importance")
    assert official is not None
    assert (official.evidence.n, official.evidence.n_valid) == (30, 40)  # points 4 and 5


def test_degenerate_intervals_read_as_one_number(study: Study) -> None:
    results = _results(study)
    del results.items["duration"]
    brief = recommend(study, results, assume={"duration": (7, 7)})
    assert brief.workload is not None
    assert "7 weeks x 6-15 hours a week" in brief.workload.text
    assert any(note.startswith("duration 7 weeks is assumed") for note in brief.notes)
