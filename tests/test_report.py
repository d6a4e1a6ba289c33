"""The report: files written, every number shown, data escaped, CSV neutralised.

QuantResults are built by hand here, so these tests check rendering only; the numbers
are whatever the fixture says and must come out unchanged (``results.json``) or
formatted with one decimal (HTML).
"""

from __future__ import annotations

import csv
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from microcred.ingest.validate import Issue, ValidationReport
from microcred.quant.results import ComparisonResult, ItemResult, QuantResults
from microcred.report import render
from microcred.study.models import Study

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def make_study(title: str = "Micro-credentials survey") -> Study:
    return Study.model_validate(
        {
            "study": {"id": "uoc", "title": title, "institution": "UOC", "languages": ["en"]},
            "sources": [{"id": "en", "path": "en.csv"}],
            "items": [
                {
                    "id": "motivation",
                    "type": "multi_choice",
                    "text": "Why do you want a micro-credential?",
                    "column": "Q1",
                    "construct": "motivation",
                    "options": [
                        {"id": "personal_interest", "labels": "Personal interest"},
                        {"id": "career", "labels": "Career"},
                        {"id": "social", "labels": SCRIPT},
                    ],
                },
                {
                    "id": "weekly_hours",
                    "type": "ordinal",
                    "text": "Hours per week",
                    "column": "Q2",
                    "construct": "dedication",
                    "options": [
                        {"id": "h1_5", "labels": "1-5 hours"},
                        {"id": "h6_15", "labels": "6-15 hours"},
                        {"id": "h16", "labels": "16 or more"},
                    ],
                },
                {
                    "id": "orientation",
                    "type": "likert",
                    "text": "Courses should be practical",
                    "column": "Q3",
                    "construct": "content",
                    "scale": {"min": -2, "max": 2},
                    "options": [
                        {"id": "sd", "labels": "Strongly disagree", "value": -2},
                        {"id": "d", "labels": "Disagree", "value": -1},
                        {"id": "n", "labels": "Neutral", "value": 0},
                        {"id": "a", "labels": "Agree", "value": 1},
                        {"id": "sa", "labels": "Strongly agree", "value": 2},
                    ],
                },
                {"id": "age", "type": "numeric", "text": "Age", "column": "Q4"},
                {"id": "comments", "type": "open_text", "text": "Comments", "column": "Q5"},
                {
                    "id": "modality",
                    "type": "single_choice",
                    "text": "Preferred modality",
                    "column": "Q6",
                    "construct": "content",
                    "options": [
                        {"id": "online", "labels": '=HYPERLINK("http://x")'},
                        {"id": "blended", "labels": "Blended"},
                    ],
                },
            ],
            "constructs": [
                {"id": "motivation", "label": "Motivations", "items": ["motivation"]},
                {"id": "dedication", "label": "Weekly dedication"},
                {"id": "content", "label": f"Content {IMG}"},
            ],
            "segments": [
                {
                    "id": "career_motivated",
                    "label": "Career-motivated",
                    "where": {"item": "motivation", "options": ["career"]},
                },
            ],
            "comparisons": [{"by": "career_motivated", "items": ["weekly_hours", "orientation"]}],
        }
    )


def _missing(n: int = 0) -> pd.DataFrame:
    return pd.DataFrame({"reason": ["no answer"], "n": [n]})


def make_results() -> QuantResults:
    motivation = ItemResult(
        item_id="motivation",
        item_type="multi_choice",
        label="Why do you want a micro-credential?",
        construct="motivation",
        n_asked=3786,
        n_valid=3786,
        n_missing=0,
        missing_reasons=_missing(0),
        frequencies=pd.DataFrame(
            {
                "option_id": ["personal_interest", "career", "social"],
                "label": ["Personal interest", "Career", SCRIPT],
                "n": [2296, 1900, 300],
                "pct": [0.6064, 0.5018, 0.0792],
                "ci_low": [0.5908, 0.4859, 0.0710],
                "ci_high": [0.6218, 0.5178, 0.0883],
                "pct_mentions": [0.5107, 0.4226, 0.0667],
            }
        ),
        other_texts=12,
    )
    weekly = ItemResult(
        item_id="weekly_hours",
        item_type="ordinal",
        label="Hours per week",
        construct="dedication",
        n_asked=3786,
        n_valid=3700,
        n_missing=86,
        missing_reasons=pd.DataFrame({"reason": ["no answer", "not shown"], "n": [80, 6]}),
        frequencies=pd.DataFrame(
            {
                "option_id": ["h1_5", "h6_15", "h16"],
                "label": ["1-5 hours", "6-15 hours", "16 or more"],
                "n": [900, 2100, 700],
                "pct": [0.2432, 0.5676, 0.1892],
                "ci_low": [0.2296, 0.5516, 0.1769],
                "ci_high": [0.2574, 0.5835, 0.2021],
                "cum_pct": [0.2432, 0.8108, 1.0],
                "value": [1.0, 2.0, 3.0],
            }
        ),
        summary={
            "n": 3700,
            "mean": 1.946,
            "sd": 0.64,
            "median": 2.0,
            "q1": 2.0,
            "q3": 2.0,
            "iqr": 0.0,
        },
    )
    orientation = ItemResult(
        item_id="orientation",
        item_type="likert",
        label="Courses should be practical",
        construct="content",
        n_asked=40,
        n_valid=20,
        n_missing=20,
        missing_reasons=_missing(20),
        frequencies=pd.DataFrame(
            {
                "option_id": ["sd", "d", "n", "a", "sa"],
                "label": ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"],
                "n": [2, 4, 6, 5, 3],
                "pct": [0.1, 0.2, 0.3, 0.25, 0.15],
                "ci_low": [0.0279, 0.0807, 0.1455, 0.1119, 0.0524],
                "ci_high": [0.3010, 0.4160, 0.5190, 0.4687, 0.3604],
                "cum_pct": [0.1, 0.3, 0.6, 0.85, 1.0],
                "value": [-2.0, -1.0, 0.0, 1.0, 2.0],
            }
        ),
        summary={
            "n": 20,
            "mean": 0.15,
            "sd": 1.226,
            "median": 0.0,
            "q1": -1.0,
            "q3": 1.0,
            "iqr": 2.0,
            "top2_n": 8,
            "top2_pct": 0.4,
            "top2_ci_low": 0.2188,
            "top2_ci_high": 0.6134,
        },
        small_n=True,
        notes=[f"Note with {SCRIPT}"],
    )
    age = ItemResult(
        item_id="age",
        item_type="numeric",
        label="Age",
        construct=None,
        n_asked=3786,
        n_valid=3750,
        n_missing=36,
        missing_reasons=_missing(36),
        summary={
            "n": 3750,
            "mean": 38.42,
            "sd": 9.1,
            "median": 37.0,
            "q1": 31.0,
            "q3": 45.0,
            "iqr": 14.0,
            "median_ci_low": 36.0,
            "median_ci_high": 38.0,
            "mean_ci_low": 38.13,
            "mean_ci_high": 38.71,
        },
    )
    comments = ItemResult(
        item_id="comments",
        item_type="open_text",
        label="Comments",
        construct=None,
        n_asked=3786,
        n_valid=1200,
        n_missing=2586,
        missing_reasons=_missing(2586),
    )
    modality = ItemResult(
        item_id="modality",
        item_type="single_choice",
        label=f"Preferred modality {IMG}",
        construct="content",
        n_asked=3786,
        n_valid=3786,
        n_missing=0,
        missing_reasons=_missing(0),
        frequencies=pd.DataFrame(
            {
                "option_id": ["online", "blended"],
                "label": ['=HYPERLINK("http://x")', "Blended"],
                "n": [3000, 786],
                "pct": [0.7924, 0.2076],
                "ci_low": [0.7792, float("nan")],
                "ci_high": [0.8050, float("nan")],
            }
        ),
    )
    items = {i.item_id: i for i in (motivation, weekly, orientation, age, comments, modality)}
    ranking = motivation.frequencies.drop(columns="pct_mentions").assign(  # type: ignore[union-attr]
        item_id="motivation", rank=[1, 2, 3]
    )
    comparison = ComparisonResult(
        by="career_motivated",
        label="Career-motivated",
        groups=pd.DataFrame(
            {"group_id": ["yes", "no"], "label": [f"Career {SCRIPT}", "Others"], "n": [1900, 1886]}
        ),
        tests=pd.DataFrame(
            {
                "item_id": ["weekly_hours", "orientation"],
                "test": ["chi2", "mann_whitney"],
                "statistic": [25.31, 41.0],
                "dof": [2.0, float("nan")],
                "p_value": [0.0000032, 0.61],
                "p_holm": [0.0000064, 0.61],
                "effect": ["cramers_v", "rank_biserial"],
                "effect_size": [0.0827, -0.089],
                "n": [3700, 20],
                "min_expected": [349.6, float("nan")],
                "small_n": [False, True],
                "note": ["", "small sample"],
            }
        ),
        crosstabs={
            "weekly_hours": pd.DataFrame(
                {"yes": [400, 1100, 400], "no": [500, 1000, 300]},
                index=pd.Index(["h1_5", "h6_15", "h16"], name="option_id"),
            )
        },
    )
    return QuantResults(
        n_respondents=3786,
        sample=pd.DataFrame({"source_id": ["en"], "language": ["en"], "n": [3786]}),
        items=items,
        rankings={"motivation": ranking},
        segments=pd.DataFrame(
            {
                "segment_id": ["career_motivated"],
                "label": ["Career-motivated"],
                "n": [1900],
                "pct": [0.5018],
                "ci_low": [0.4859],
                "ci_high": [0.5178],
            }
        ),
        comparisons=[comparison],
        extra={"profiles": {"k": 3}, "nan": float("nan")},
    )


def make_validation() -> ValidationReport:
    report = ValidationReport()
    report.add(
        Issue(
            severity="warning",
            kind="unknown_label",
            message=f"answer {SCRIPT!r} matches no option",
            file="en.csv",
            column="Q6",
            item_id="modality",
            value=IMG,
            rows=[5, 9, 12],
            count=7,
        )
    )
    report.add(
        Issue(
            severity="error",
            kind="duplicate_id",
            message="respondent id r1 appears twice",
            file="en.csv",
            column="ID",
            rows=[14],
            count=1,
        )
    )
    return report


PROVENANCE = {
    "microcred_version": "0.1.0",
    "run_at": "2024-05-01T10:00:00+00:00",
    "libraries": {"pandas": "2.2.2", "altair": "5.3.0"},
    "inputs": [
        {
            "source_id": "en",
            "path": "data/en.csv",
            "sha256": "ab" * 32,
            "format": "csv",
            "n_rows": 3800,
        }
    ],
    "database": "postgresql://user:***@db/microcred",
    "study_file": "study.yaml",
    "study_sha256": "cd" * 32,
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], Path]:
    out = tmp_path_factory.mktemp("report")
    paths = render(make_study(), make_results(), make_validation(), PROVENANCE, out / "run")
    return paths, out / "run"


@pytest.fixture(scope="module")
def html(rendered: tuple[dict[str, Path], Path]) -> str:
    return rendered[0]["report.html"].read_text(encoding="utf-8")


def _section(html: str, item_id: str) -> str:
    start = html.index(f'<section id="item-{item_id}"')
    return html[start : html.index("</section>", start)]


def test_files_written(rendered: tuple[dict[str, Path], Path]) -> None:
    paths, out = rendered
    expected = {
        "report.html",
        "results.json",
        "tables/motivation.csv",
        "tables/weekly_hours.csv",
        "tables/weekly_hours.summary.csv",
        "tables/orientation.csv",
        "tables/orientation.summary.csv",
        "tables/age.csv",
        "tables/modality.csv",
        "tables/comparisons_career_motivated.csv",
    }
    others = {"tables.xlsx", "report.docx", "report.pdf"}
    assert expected <= set(paths)
    assert all(p in others or p.startswith("charts/") for p in set(paths) - expected)
    for rel, path in paths.items():
        assert path == out / rel
        assert path.is_file() and path.stat().st_size > 0
    assert not (out / "tables" / "comments.csv").exists()


def test_every_item_has_a_section_in_construct_order(html: str) -> None:
    positions = [
        html.index(f'<section id="item-{i}"')
        for i in ("motivation", "weekly_hours", "orientation", "modality", "age", "comments")
    ]
    assert positions == sorted(positions)
    # construct sections in the study's order, then "Other items"
    order = [
        html.index(f'id="construct-{c}"')
        for c in ("motivation", "dedication", "content", "other-items")
    ]
    assert order == sorted(order)
    for section in ("findings", "quality", "sample", "motivations", "comparisons", "methods"):
        assert f'<section id="{section}"' in html


def test_numbers_formatted_with_one_decimal_and_ci(html: str) -> None:
    motivation = _section(html, "motivation")
    assert "60.6%" in motivation and "[59.1–62.2]" in motivation and "2296" in motivation
    assert "51.1%" in motivation  # % of all ticks
    weekly = _section(html, "weekly_hours")
    assert "56.8%" in weekly and "[55.2–58.4]" in weekly and "81.1%" in weekly
    assert "3700 valid of 3786 asked" in weekly
    assert "no answer: 80" in weekly and "not shown: 6" in weekly
    orientation = _section(html, "orientation")
    # 2, 4 and 3 of its 20 respondents chose three answers: below k = 5, so those counts
    # are "<5" and the mean, quartiles and top-2-box (which would give them back) are
    # withheld; the answers chosen by 6 and 5 are shown
    assert "<td class=\"num\">&lt;5</td>" in orientation
    assert "<th scope=\"row\">Neutral</th><td class=\"num\">6</td>" in orientation
    assert "Top-2-box (one of the 2 highest answers)</th><td class=\"num\">[c]</td>" in orientation
    assert "<th scope=\"row\">Mean</th><td class=\"num\">[c]</td>" in orientation
    assert "40.0%" not in orientation
    age = _section(html, "age")
    assert "38.42 [38.13–38.71]" in age and "37 [36–38]" in age
    assert "<svg" not in age  # no histogram without raw data
    comments = _section(html, "comments")
    assert "1200 valid of 3786 asked" in comments and "<svg" not in comments
    modality = _section(html, "modality")
    assert "20.8%" in modality  # missing CI shown without an interval


def test_key_findings_select_from_results(html: str) -> None:
    findings = html[html.index('id="findings"') : html.index('id="quality"')]
    assert "Top motivation: “Personal interest”" in findings
    assert "60.6% [59.1–62.2]" in findings
    assert "“6-15 hours”: 56.8% [55.2–58.4]" in findings  # modal weekly-hours band
    assert "1 of 2 items differs significantly" in findings


def test_small_n_badge_only_where_flagged(html: str) -> None:
    assert "Small sample" in _section(html, "orientation")
    assert "Small sample" not in _section(html, "motivation")


def test_data_quality_lists_issues_and_unknown_labels(html: str) -> None:
    quality = html[html.index('id="quality"') : html.index('id="sample"')]
    assert "1 error and 1 warning" in quality
    assert "duplicate_id" in quality and "unknown_label" in quality
    assert "rows 5, 9, 12 …" in quality and "column “Q6”" in quality
    assert "7 answers matched no declared option" in quality


def test_no_problems_found(tmp_path: Path) -> None:
    paths = render(make_study(), make_results(), ValidationReport(), PROVENANCE, tmp_path)
    text = paths["report.html"].read_text(encoding="utf-8")
    quality = text[text.index('id="quality"') : text.index('id="sample"')]
    assert "No problems found." in quality


def test_comparisons_table_and_crosstab_of_significant_items(html: str) -> None:
    comparisons = html[html.index('<section id="comparisons"') : html.index('id="methods"')]
    assert "Chi-square test of independence" in comparisons
    assert "25.31" in comparisons and "&lt; 0.001" in comparisons
    assert "0.083 (Cramér&#39;s V)" in comparisons
    assert "-0.089 (rank-biserial r)" in comparisons
    # crosstab only for the significant item, with group sizes
    assert "Respondents per answer and group (counts): weekly_hours" in comparisons
    assert "counts): orientation" not in comparisons
    assert "(n = 1900)" in comparisons and "1100" in comparisons


def test_methods_show_provenance(html: str) -> None:
    methods = html[html.index('<section id="methods"') :]
    assert "ab" * 32 in methods and "cd" * 32 in methods
    assert "postgresql://user:***@db/microcred" in methods
    assert "2.2.2" in methods and "Wilson" in methods and "Holm" in methods


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_data_is_escaped_and_there_is_no_script(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    parser = _Tags()
    parser.feed(html)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert "iframe" not in parser.tags and "foreignobject" not in parser.tags
    names = {name for name, _ in parser.attrs}
    assert not [n for n in names if n.startswith("on")]
    assert not [v for _, v in parser.attrs if v and v.strip().lower().startswith("javascript:")]


def test_escaped_in_title_and_study_metadata(tmp_path: Path) -> None:
    paths = render(
        make_study(title=SCRIPT), make_results(), make_validation(), PROVENANCE, tmp_path
    )
    text = paths["report.html"].read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; — microcred report</title>" in text


def test_self_contained(html: str) -> None:
    assert "<link" not in html.lower()
    assert not re.search(r"\bsrc\s*=", html.split("<body>")[1].replace("&lt;img src=x", ""))
    assert not re.search(r"""(href|src)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(http" not in html
    assert "@font-face" not in html


def test_charts_are_inline_svg_with_accessible_titles(html: str) -> None:
    likert = _section(html, "orientation")
    assert "<svg" in likert  # the diverging stacked bar
    assert "<title>Chart: Courses should be practical</title>" in likert
    assert 'role="img"' in likert
    # legend in scale order: Strongly disagree ... Strongly agree
    assert likert.index("Strongly disagree") < likert.index("Strongly agree")
    for item_id in ("motivation", "weekly_hours", "modality"):
        assert "<svg" in _section(html, item_id)
    assert "<svg" in html[html.index('id="motivations"') : html.index('id="construct-')]
    # chart ids are unique across the page (clip paths of several inline SVGs)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_results_json_round_trips_with_keyed_numbers(
    rendered: tuple[dict[str, Path], Path],
) -> None:
    data = json.loads(rendered[0]["results.json"].read_text(encoding="utf-8"))
    assert data["n_respondents"] == 3786
    assert data["study"]["id"] == "uoc"
    option = data["items"]["motivation"]["options"]["personal_interest"]
    assert option == {
        "label": "Personal interest",
        "n": 2296,
        "pct": 0.6064,
        "ci_low": 0.5908,
        "ci_high": 0.6218,
        "pct_mentions": 0.5107,
    }
    motivation = data["items"]["motivation"]
    assert motivation["n_valid"] == 3786 and motivation["missing_reasons"] == {"no answer": 0}
    assert motivation["type"] == "multi_choice" and motivation["construct"] == "motivation"
    assert data["items"]["modality"]["options"]["blended"]["ci_low"] is None  # NaN -> null
    assert data["items"]["orientation"]["summary"]["top2_pct"] == "[c]"  # 3 chose "sa"
    assert data["items"]["orientation"]["options"]["sd"]["n"] == "<5"
    assert data["items"]["orientation"]["small_n"] is True
    assert data["items"]["age"]["options"] == {}
    assert data["items"]["age"]["summary"]["median_ci_high"] == 38.0
    assert data["rankings"]["motivation"][0]["option_id"] == "personal_interest"
    assert data["segments"]["career_motivated"]["n"] == 1900
    comparison = data["comparisons"][0]
    assert comparison["tests"]["weekly_hours"]["p_holm"] == 0.0000064
    assert comparison["tests"]["orientation"]["dof"] is None
    assert comparison["crosstabs"]["weekly_hours"]["h6_15"] == {"yes": 1100, "no": 1000}
    assert comparison["groups"]["yes"]["n"] == 1900
    assert {i["kind"] for i in data["validation"]} == {"unknown_label", "duplicate_id"}
    assert data["provenance"]["inputs"][0]["sha256"] == "ab" * 32
    assert data["extra"] == {"profiles": {"k": 3}, "nan": None}
    assert any("Personal interest" in f for f in data["key_findings"])
    # strict JSON: no NaN anywhere
    text = rendered[0]["results.json"].read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_tables_neutralise_formulas_but_keep_negative_numbers(
    rendered: tuple[dict[str, Path], Path],
) -> None:
    paths = rendered[0]
    modality = _read_csv(paths["tables/modality.csv"])
    assert modality[0]["label"] == '\'=HYPERLINK("http://x")'
    assert modality[0]["pct"] == "0.7924"
    orientation = _read_csv(paths["tables/orientation.csv"])
    assert [r["value"] for r in orientation] == ["-2.0", "-1.0", "0.0", "1.0", "2.0"]
    assert orientation[0]["option_id"] == "sd"
    summary = _read_csv(paths["tables/orientation.summary.csv"])
    assert {r["statistic"]: r["value"] for r in summary}["q1"] == "[c]"  # small item
    age = _read_csv(paths["tables/age.csv"])
    assert {r["statistic"]: float(r["value"]) for r in age}["mean"] == 38.42
    tests = _read_csv(paths["tables/comparisons_career_motivated.csv"])
    assert [r["item_id"] for r in tests] == ["weekly_hours", "orientation"]
    assert tests[0]["item_label"] == "Hours per week"
    assert tests[1]["effect_size"] == "-0.089"
    frame = pd.read_csv(paths["tables/motivation.csv"])
    assert frame.loc[0, "n"] == 2296 and math.isclose(frame.loc[0, "pct"], 0.6064)


def test_render_without_rankings_comparisons_or_segments(tmp_path: Path) -> None:
    results = make_results()
    results.rankings = {}
    results.comparisons = []
    results.segments = None
    paths = render(make_study(), results, ValidationReport(), PROVENANCE, tmp_path)
    text = paths["report.html"].read_text(encoding="utf-8")
    assert 'id="motivations"' not in text and 'id="comparisons"' not in text
    assert '<section id="item-motivation"' in text
    assert set(paths) >= {"report.html", "results.json", "tables/motivation.csv"}


def test_unwritable_out_dir_raises_project_error(tmp_path: Path) -> None:
    from microcred.errors import MicrocredError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(MicrocredError, match="cannot write the report"):
        render(make_study(), make_results(), ValidationReport(), PROVENANCE, blocker / "out")


def test_top_motivation_from_likert_items_is_worded_as_top_box() -> None:
    """A motivation ranked by top-box shares (Likert importance items) is not "chosen"."""
    from microcred.report.context import key_findings

    results = make_results()
    ranking = results.rankings["motivation"].copy()
    ranking.loc[:, "option_id"] = "top_box"
    results.rankings = {"motivation": ranking}
    findings = " ".join(key_findings(make_study(), results, make_validation()))
    assert "Top motivation:" in findings
    assert "given one of the two highest answers by" in findings
    assert "chosen by" not in findings.split("Top motivation:")[1].split(".")[0]
