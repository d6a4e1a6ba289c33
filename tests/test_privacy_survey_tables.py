"""Small-cell suppression of the survey tables in every shared output.

A study of 40 respondents is written here and run through :func:`microcred.pipeline.run`;
its answers are chosen so that some options are picked by 1 to 4 respondents. The
exact counts below are worked out from the way the data are written (not from the
code under test). Every shared output (HTML, DOCX, XLSX, CSV, charts, results.json)
must show those counts as "<5" (k = 5), hide the percentages and intervals that would
give them back, and publish nothing from which a reader could work them out: the
published tables, with the totals a reader can find elsewhere in the report, are
checked with the independent checker of ``test_privacy_suppress.py`` (rank test plus
integer programming with scipy's ``milp``).
"""

from __future__ import annotations

import csv
import json
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from microcred import pipeline, study
from microcred.errors import StudyFileError
from microcred.privacy import PrivacySummary, add_margins, share_results, suppress_counts
from microcred.quant.results import ItemResult, QuantResults
from test_privacy_suppress import check_safe

openpyxl = pytest.importorskip("openpyxl")
docx = pytest.importorskip("docx")

N = 40
UNMAPPED = [f"Extra question {j}" for j in range(6)]


def _modality(i: int) -> str:
    return "Online" if i < 20 else "Blended" if i < 37 else "Onsite"


def _career(i: int) -> bool:
    return i % 3 != 0


def _motives(i: int) -> str:
    picked = []
    if _career(i):
        picked.append("Career")
    if i % 2 == 0 or i % 3 == 0:
        picked.append("Personal interest")
    if i in (5, 11):
        picked.append("Social")
    return ", ".join(picked)


def _hours(i: int) -> str:
    return "1-5" if i < 12 else "6-15" if i < 36 else "16+"


def _practical(i: int) -> int:
    return 1 if i < 2 else 2 if i < 10 else 3 if i < 20 else 4 if i < 32 else 5


# What the data hold, counted from the definitions above.
MODALITY = {"online": 20, "blended": 17, "onsite": 3}
MOTIVATION = {"career": 26, "interest": 27, "social": 2}
HOURS = {"low": 12, "mid": 24, "high": 4}
PRACTICAL = {1: 2, 2: 8, 3: 10, 4: 12, 5: 8}
CAREER = 26
MODALITY_BY_CAREER = pd.DataFrame(  # rows: modality; columns: in the segment or not
    {"career_motivated": [13, 11, 2], "not_career_motivated": [7, 6, 1]},
    index=["online", "blended", "onsite"],
)


def study_text(k: int | None = None) -> str:
    privacy = f"privacy: {{k: {k}}}\n" if k is not None else ""
    return f"""\
study: {{id: small, title: Small study, languages: [en]}}
sources:
  - {{id: s1, path: responses.csv}}
respondent_id: {{column: id}}
constructs:
  - {{id: motivation, label: Motivation, items: [motivation]}}
  - {{id: delivery, label: Delivery, items: [modality, hours, practical]}}
items:
  - id: motivation
    type: multi_choice
    text: Why do you want a micro-credential?
    column: Why?
    options:
      - {{id: career, labels: Career}}
      - {{id: interest, labels: Personal interest}}
      - {{id: social, labels: Social}}
  - id: modality
    type: single_choice
    text: Preferred modality
    column: Modality
    options:
      - {{id: online, labels: Online}}
      - {{id: blended, labels: Blended}}
      - {{id: onsite, labels: Onsite}}
  - id: hours
    type: ordinal
    text: Hours per week
    column: Hours
    options:
      - {{id: low, labels: "1-5"}}
      - {{id: mid, labels: "6-15"}}
      - {{id: high, labels: "16+"}}
  - id: practical
    type: likert
    text: Courses should be practical
    column: Practical
    scale: {{min: 1, max: 5, anchors: {{1: Strongly disagree, 5: Strongly agree}}}}
  - id: age
    type: numeric
    text: Age
    column: Age
segments:
  - {{id: career_motivated, label: Career-motivated,
     where: {{item: motivation, options: [career]}}}}
comparisons:
  - {{by: career_motivated, items: [modality, hours]}}
{privacy}"""


def write_study(folder: Path, k: int | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [["id", "Why?", "Modality", "Hours", "Practical", "Age", *UNMAPPED]]
    for i in range(N):
        rows.append(
            [f"r{i}", _motives(i), _modality(i), _hours(i), str(_practical(i)), str(20 + i)]
            + [f"x{i}"] * len(UNMAPPED)
        )
    with (folder / "responses.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    (folder / "study.yaml").write_text(study_text(k), encoding="utf-8")
    return folder / "study.yaml"


def run(folder: Path, k: int | None = None, formats: tuple[str, ...] | None = None) -> Path:
    import microcred.report

    path = write_study(folder, k)
    with pytest.MonkeyPatch.context() as patch:
        if formats is not None:
            patch.setattr(microcred.report, "FORMATS", formats)
        pipeline.run(path, folder / "out")
    return folder / "out"


def test_fixture_counts_are_what_the_definitions_say() -> None:
    # guards the hand counts the other tests rely on
    assert sum(_modality(i) == "Onsite" for i in range(N)) == MODALITY["onsite"]
    assert sum(_modality(i) == "Blended" for i in range(N)) == MODALITY["blended"]
    assert sum("Social" in _motives(i) for i in range(N)) == MOTIVATION["social"]
    assert sum(_career(i) for i in range(N)) == CAREER
    assert sum(_hours(i) == "16+" for i in range(N)) == HOURS["high"]
    assert sum(_practical(i) == 1 for i in range(N)) == PRACTICAL[1]
    assert all(_motives(i) for i in range(N))  # everyone answered: base 40
    for option, label in (("online", "Online"), ("blended", "Blended"), ("onsite", "Onsite")):
        inside = sum(_modality(i) == label and _career(i) for i in range(N))
        outside = sum(_modality(i) == label and not _career(i) for i in range(N))
        assert (inside, outside) == tuple(MODALITY_BY_CAREER.loc[option])


# The shares a reader must not see: those of every small count and of the counts hidden
# to protect them (with k = 5), and their Wilson intervals (statsmodels).
def _secrets() -> list[float]:
    out = []
    for n in (MODALITY["onsite"], MODALITY["blended"], MOTIVATION["social"], HOURS["high"],
              PRACTICAL[1]):
        out.append(n / N)
        out.extend(proportion_confint(n, N, method="wilson"))
    return out


SECRETS = _secrets()


def _is_secret(value: Any) -> bool:
    return (
        isinstance(value, float)
        and not isinstance(value, bool)
        and any(math.isclose(value, s, rel_tol=0, abs_tol=1e-9) for s in SECRETS)
    )


def _numbers(data: Any) -> list[float]:
    if isinstance(data, dict):
        return [x for v in data.values() for x in _numbers(v)]
    if isinstance(data, list):
        return [x for v in data for x in _numbers(v)]
    return [float(data)] if isinstance(data, int | float) and not isinstance(data, bool) else []


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    formats = ("html", "json", "csv", "charts", "xlsx", "docx")
    return run(tmp_path_factory.mktemp("privacy"), formats=formats)


@pytest.fixture(scope="module")
def data(out: Path) -> dict[str, Any]:
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def html(out: Path) -> str:
    return (out / "report.html").read_text(encoding="utf-8")


def _has_share(text: str, share: str) -> bool:
    """``share`` ("7.5%") as a number of its own (not the end of "67.5%")."""
    return re.search(r"(?<![\d.])" + re.escape(share), text) is not None


def _survey_part(text: str) -> str:
    """The report up to the sections of the later stages (HTML, or DOCX XML).

    Those sections (joint displays, learner profiles, design brief...) are not survey
    tables and are left out of the checks: in HTML they are ``section.extra``; in the
    DOCX they are the first level-1 headings after "Segment comparisons".
    """
    end = text.find('class="extra"')
    if end < 0:
        comparisons = text.find("<w:t>Segment comparisons</w:t>")
        end = text.find('w:val="Heading1"', comparisons) if comparisons >= 0 else -1
    return text[:end] if end >= 0 else text


def _section(html: str, item_id: str) -> str:
    start = html.index(f'<section id="item-{item_id}"')
    return html[start : html.index("</section>", start)]


def _published_one_way(options: dict[str, Any], counts: dict[str, int], base: int):
    """Exact and published one-way tables with the base as their total ("All")."""
    exact = pd.DataFrame({"n": [*counts.values(), base]}, index=[*counts, "All"])
    shown = pd.DataFrame(
        {"n": [options[o]["n"] for o in counts] + [base]}, index=[*counts, "All"], dtype=object
    )
    return exact, shown


# --- results.json ------------------------------------------------------------------------


def test_json_shows_small_counts_as_labels(data: dict[str, Any]) -> None:
    modality = data["items"]["modality"]
    assert modality["n_valid"] == N
    options = modality["options"]
    assert options["onsite"]["n"] == "<5"
    assert options["onsite"]["pct"] == "[c]" and options["onsite"]["ci_low"] == "[c]"
    # 20 + 17 + 3 = 40 is published: 17 is hidden too, or 40 - 20 gives the 3 back
    assert options["blended"]["n"] == "[c]" and options["online"]["n"] == 20
    assert data["items"]["motivation"]["options"]["social"]["n"] == "<5"
    assert data["items"]["hours"]["options"]["high"]["n"] == "<5"
    practical = data["items"]["practical"]
    assert practical["options"]["v1"]["n"] == "<5"
    # with a hidden count, the mean (with the base, a second equation) is withheld
    assert practical["summary"]["mean"] == "[c]" and practical["summary"]["n"] == N
    assert data["items"]["age"]["summary"]["mean"] == pytest.approx(20 + (N - 1) / 2)



def test_cumulative_share_is_shown_only_where_it_tells_nothing_new(data: dict[str, Any]) -> None:
    # practical: 2 ("1") and 8 ("2") hidden. Their sum, 40 - 10 - 12 - 8 = 10, is known
    # from the base anyway, so the cumulative % from "2" on (25%, 50%...) may be shown;
    # the one at "1" (5%) would give the 2 back.
    cumulative = {o: v["cum_pct"] for o, v in data["items"]["practical"]["options"].items()}
    assert cumulative["v1"] == "[c]"
    assert cumulative["v2"] == pytest.approx((PRACTICAL[1] + PRACTICAL[2]) / N)
    assert cumulative["v3"] == pytest.approx(0.5) and cumulative["v5"] == pytest.approx(1.0)
    hours = {o: v["cum_pct"] for o, v in data["items"]["hours"]["options"].items()}
    assert hours == {"low": "[c]", "mid": "[c]", "high": pytest.approx(1.0)}


def test_json_publishes_no_share_of_a_hidden_count(data: dict[str, Any]) -> None:
    survey = {key: data[key] for key in ("items", "rankings", "segments", "comparisons", "sample")}
    leaked = [x for x in _numbers(survey) if _is_secret(x)]
    assert leaked == []


def test_one_way_tables_cannot_be_undone_from_the_base(data: dict[str, Any]) -> None:
    for item_id, counts in (("modality", MODALITY), ("hours", HOURS),
                            ("practical", {f"v{k}": v for k, v in PRACTICAL.items()})):
        exact, shown = _published_one_way(data["items"][item_id]["options"], counts, N)
        check_safe(exact, shown, 5)


def test_crosstab_cannot_be_undone_from_what_the_report_shows(data: dict[str, Any]) -> None:
    comparison = data["comparisons"][0]
    groups = comparison["groups"]
    assert groups["career_motivated"]["n"] == CAREER and groups["not_career_motivated"]["n"] == 14
    crosstab = comparison["crosstabs"]["modality"]
    exact = add_margins(MODALITY_BY_CAREER)
    # the reader's view: the published cells, the item's published counts as row totals,
    # the group sizes as column totals (everyone answered modality) and the base
    shown = exact.astype(object).copy()
    for option in MODALITY_BY_CAREER.index:
        for group in MODALITY_BY_CAREER.columns:
            shown.loc[option, group] = crosstab[option][group]
        shown.loc[option, "All"] = data["items"]["modality"]["options"][option]["n"]
    for group in MODALITY_BY_CAREER.columns:
        shown.loc["All", group] = groups[group]["n"]
    assert crosstab["onsite"]["career_motivated"] == "<5"
    assert crosstab["onsite"]["not_career_motivated"] == "<5"
    assert crosstab["online"]["career_motivated"] == 13  # a cell nobody needs hidden
    check_safe(exact, shown, 5)


def test_ranking_lists_hidden_options_last_without_a_rank(data: dict[str, Any]) -> None:
    ranking = data["rankings"]["motivation"]
    assert [(r["option_id"], r["rank"]) for r in ranking] == [
        ("interest", 1), ("career", 2), ("social", None)
    ]
    assert ranking[2]["n"] == "<5" and ranking[2]["pct"] == "[c]"


def test_privacy_section_counts_survey_and_other_tables(data: dict[str, Any]) -> None:
    privacy = data["extra"]["privacy"]
    assert privacy["k"] == 5 and privacy["survey_tables"] >= 9
    assert privacy["primary_cells"] >= 8  # onsite, social, high, "1" and the crosstab cells
    assert privacy["complementary_cells"] >= 1 and privacy["withheld_statistics"] >= 1
    text = " ".join(privacy["sentences"])
    assert "survey tables" in text and "project database" in text
    assert "show their counts as they are" not in text


# --- HTML (and the PDF, printed from the same page) -------------------------------------


def test_html_tables_show_labels_not_small_counts(html: str) -> None:
    modality = _section(html, "modality")
    assert '<th scope="row">Onsite</th><td class="num">&lt;5</td><td class="num">[c]</td>' in (
        modality
    )
    assert '<th scope="row">Blended</th><td class="num">[c]</td>' in modality
    assert '<th scope="row">Online</th><td class="num">20</td><td class="num">50.0%</td>' in (
        modality
    )
    survey = _survey_part(html)
    assert 'id="comparisons"' in survey and "Learner profiles</h2>" not in survey
    for share in ("7.5%", "42.5%", "10.0%", "5.0%"):  # 3, 17, 4 and 2 of 40
        assert not _has_share(survey, share), share
    comparisons = html[html.index('<section id="comparisons"') :]
    assert "Small study" in html and 'id="suppression-note"' in html
    assert "&lt;5" in comparisons or "counts): modality" not in comparisons


def test_charts_draw_no_bar_for_a_hidden_count(out: Path, html: str) -> None:
    svg = (out / "charts" / "modality.svg").read_text(encoding="utf-8")
    assert "&lt;5" in svg and not _has_share(svg, "7.5%") and not _has_share(svg, "42.5%")
    assert "50.0%" in svg
    caption = _section(html, "modality")
    assert "Answers whose count is hidden have no bar." in caption


# --- CSV, XLSX, DOCX ----------------------------------------------------------------------


def test_csv_tables_show_labels(out: Path) -> None:
    with (out / "tables" / "modality.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["option_id"]: r for r in csv.DictReader(handle)}
    assert rows["onsite"]["n"] == "<5" and rows["onsite"]["pct"] == "[c]"
    assert rows["online"]["n"] == "20" and rows["online"]["pct"] == "0.5"
    with (out / "tables" / "practical.summary.csv").open(encoding="utf-8", newline="") as handle:
        summary = {r["statistic"]: r["value"] for r in csv.DictReader(handle)}
    assert summary["mean"] == "[c]" and summary["n"] == str(N)


def test_xlsx_labels_are_text_and_numbers_stay_numbers(out: Path) -> None:
    workbook = openpyxl.load_workbook(out / "tables.xlsx")
    sheet = workbook["Frequencies"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    onsite = next(r for r in rows if r["option_id"].value == "onsite")
    assert onsite["n"].value == "<5" and onsite["n"].data_type == "s"
    assert onsite["pct"].value == "[c]"
    online = next(r for r in rows if r["option_id"].value == "online")
    assert online["n"].value == 20 and online["n"].data_type == "n"
    assert online["pct"].value == 0.5 and online["pct"].number_format == "0.0%"
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                assert not _is_secret(cell.value), (ws.title, cell.coordinate, cell.value)
    about = " ".join(str(c.value) for row in workbook["About"].iter_rows() for c in row)
    assert "Counts from 1 to 4 are shown as" in about


def test_docx_tables_show_labels(out: Path) -> None:
    document = docx.Document(str(out / "report.docx"))
    rows = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["Onsite", "<5", "[c]", "[c]"] in rows
    with zipfile.ZipFile(out / "report.docx") as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    survey = _survey_part(xml)
    assert "Segment comparisons" in survey and "<w:t>Learner profiles</w:t>" not in survey
    for share in ("7.5%", "42.5%", "10.0%", "5.0%"):
        assert not _has_share(survey, share), share
    text = "\n".join(p.text for p in document.paragraphs)
    assert "The exact counts are kept only in the project database." in text


# --- data quality ------------------------------------------------------------------------


def test_data_quality_shows_relative_paths_and_a_short_unmapped_list(out: Path, html: str) -> None:
    quality = html[html.index('id="quality"') : html.index('id="sample"')]
    sample = html[html.index('id="sample"') : html.index('id="motivations"')]
    inputs = html[html.index('id="inputs"') :]
    inputs = inputs[: inputs.index("</table>")]
    folder = str(out.parent)
    for part in (quality, sample, inputs):  # no absolute path of the analyst's folders
        assert folder not in part
    assert "<td>responses.csv</td>" in sample and "<td>responses.csv</td>" in inputs
    assert "responses.csv, row 1" in quality
    # 6 unmapped columns: three names shown, the whole list behind <details>
    match = re.search(r"<details><summary>(.*?)</summary><p>(.*?)</p></details>", quality, re.S)
    assert match is not None
    short, full = match.groups()
    assert "Extra question 2" in short and "Extra question 3" not in short
    assert "and 3 more" in short
    assert all(name in full for name in UNMAPPED)


# --- k is the study's ----------------------------------------------------------------------


def test_k_comes_from_the_study_file(tmp_path: Path) -> None:
    low = json.loads((run(tmp_path / "k3", k=3, formats=("json",)) / "results.json").read_text())
    high = json.loads((run(tmp_path / "k10", k=10, formats=("json",)) / "results.json").read_text())
    # k = 3: 3 and 4 are shown, only the 2 ticks of "social" are hidden
    assert low["items"]["modality"]["options"]["onsite"]["n"] == 3
    assert low["items"]["hours"]["options"]["high"]["n"] == 4
    assert low["items"]["motivation"]["options"]["social"]["n"] == "<3"
    assert low["extra"]["privacy"]["k"] == 3
    # k = 10: 8 (practical 2 and 5) is small too
    assert high["items"]["modality"]["options"]["onsite"]["n"] == "<10"
    assert high["items"]["hours"]["options"]["high"]["n"] == "<10"
    assert high["items"]["practical"]["options"]["v2"]["n"] == "<10"
    assert high["items"]["modality"]["options"]["online"]["n"] == 20
    exact, shown = _published_one_way(high["items"]["modality"]["options"], MODALITY, N)
    check_safe(exact, shown, 10)
    # k = 3 leaves the hours table whole: its mean is shown; k = 10 withholds it
    assert isinstance(low["items"]["hours"]["summary"]["mean"], float)
    assert high["items"]["hours"]["summary"]["mean"] == "[c]"


def test_k_below_3_is_refused(tmp_path: Path) -> None:
    # with zeros shown, "<2" would say the count is 1
    path = write_study(tmp_path, k=2)
    with pytest.raises(StudyFileError):
        study.load(path)


# --- the pieces ------------------------------------------------------------------------------


def test_known_totals_are_never_hidden_and_hidden_ones_stay_hidden() -> None:
    table = add_margins(pd.DataFrame({"a": [3, 20, 15], "b": [0, 30, 12]}, index=["x", "y", "z"]))
    known = pd.DataFrame(False, index=table.index, columns=table.columns)
    known.loc[:, "All"] = True
    known.loc["All", :] = True
    known.loc["x", "All"] = False  # 3: small, hidden
    known.loc["z", "All"] = False  # hidden in another table (below)
    hide = pd.DataFrame(False, index=table.index, columns=table.columns)
    hide.loc["z", "All"] = True  # hidden in another table
    result = suppress_counts(table, 5, known=known, hide=hide)
    mask = result.mask
    assert not mask.loc["All", :].any() and not mask.loc["y", "All"]
    assert mask.loc["z", "All"] and mask.loc["x", "a"] and mask.loc["x", "All"]
    assert not result.uniform
    check_safe(table, result.table, 5)


cells = st.one_of(st.integers(0, 4), st.integers(5, 30))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 4).flatmap(
        lambda r: st.integers(2, 3).flatmap(
            lambda c: st.lists(cells, min_size=r * c, max_size=r * c).map(
                lambda v: np.array(v).reshape(r, c)
            )
        )
    ),
    st.sampled_from([3, 5]),
)
def test_random_crosstabs_with_known_totals_are_safe(values: np.ndarray, k: int) -> None:
    # totals the reader knows from the item tables and group sizes stay shown; the
    # small counts must still not be recoverable, or the table is withheld whole
    frame = pd.DataFrame(values, index=[f"r{i}" for i in range(values.shape[0])],
                         columns=[f"c{j}" for j in range(values.shape[1])])
    table = add_margins(frame)
    margin = pd.DataFrame(False, index=table.index, columns=table.columns)
    margin.loc[:, "All"] = True
    margin.loc["All", :] = True
    known = margin & ((table == 0) | (table >= k))
    result = suppress_counts(table, k, known=known)
    if result.uniform:
        return  # share_results withholds every cell of such a table
    assert not (result.mask & known).to_numpy().any()
    check_safe(table, result.table, k)


def _item(item_id: str, counts: list[int], item_type: str = "single_choice") -> ItemResult:
    n = sum(counts)
    return ItemResult(
        item_id=item_id, item_type=item_type, label=item_id, construct=None, n_asked=n,
        n_valid=n, n_missing=0,
        missing_reasons=pd.DataFrame({"reason": ["no answer"], "n": [0]}),
        frequencies=pd.DataFrame({
            "option_id": [f"o{i}" for i in range(len(counts))],
            "label": [f"o{i}" for i in range(len(counts))],
            "n": counts, "pct": [c / n for c in counts],
            "ci_low": [0.0] * len(counts), "ci_high": [1.0] * len(counts),
        }),
    )


def test_an_item_answered_by_fewer_than_k_shows_no_breakdown() -> None:
    # 3 answers, all "o0": showing "<5, 0, 0" with the base 3 would say all chose o0
    results = QuantResults(n_respondents=3, sample=pd.DataFrame(),
                           items={"q": _item("q", [3, 0, 0])})
    shared = share_results(results, 5)
    freq = shared.results.items["q"].frequencies
    assert freq["n"].tolist() == ["[c]"] * 3 and freq["pct"].tolist() == ["[c]"] * 3
    assert results.items["q"].frequencies["n"].tolist() == [3, 0, 0]  # input unchanged
    summary = PrivacySummary(k=5)
    shared.record(summary)
    assert (summary.survey_tables, summary.suppressed_cells, summary.primary_cells) == (1, 3, 1)


def test_a_segment_is_hidden_when_the_rest_of_the_sample_is_small() -> None:
    segments = pd.DataFrame({"segment_id": ["most", "few", "half"], "label": ["M", "F", "H"],
                             "n": [38, 2, 20], "pct": [0.95, 0.05, 0.5],
                             "ci_low": [0.8, 0.01, 0.3], "ci_high": [0.99, 0.2, 0.7]})
    results = QuantResults(n_respondents=40, sample=pd.DataFrame(), items={}, segments=segments)
    shared = share_results(results, 5).results.segments
    # 40 - 38 = 2 respondents outside "most": its size would give them away
    assert shared["n"].tolist() == ["[c]", "<5", 20]
    assert shared["pct"].tolist() == ["[c]", "[c]", 0.5]


def test_multiple_choice_hides_the_share_of_ticks_column() -> None:
    item = _item("m", [30, 2, 25], "multi_choice")
    item.n_valid = 40
    item.frequencies["pct_mentions"] = [30 / 57, 2 / 57, 25 / 57]
    results = QuantResults(n_respondents=40, sample=pd.DataFrame(), items={"m": item})
    freq = share_results(results, 5).results.items["m"].frequencies
    # a shown count over its share of ticks gives the number of ticks, then 57 - 55 = 2
    assert freq["pct_mentions"].tolist() == ["[c]"] * 3
    assert freq["n"].tolist() == [30, "<5", 25]


def test_groups_by_an_item_are_hidden_as_in_its_table() -> None:
    from microcred.quant.results import ComparisonResult

    item = _item("a", [20, 17, 3])
    groups = pd.DataFrame({"group_id": ["o0", "o1", "o2"], "label": ["x", "y", "z"],
                           "n": [20, 17, 3]})
    tests = pd.DataFrame({
        "item_id": ["b"], "test": ["chi2"], "statistic": [1.0], "dof": [2.0],
        "p_value": [0.6], "p_holm": [0.6], "effect": ["cramers_v"], "effect_size": [0.1],
        "n": [40], "min_expected": [1.0], "small_n": [True], "min_group_n": [3],
        "note": ["smallest group has 3 answers (under 30)"],
    })
    crosstab = pd.DataFrame({"o0": [10, 10], "o1": [9, 8], "o2": [1, 2]},
                            index=pd.Index(["p", "q"], name="option_id"))
    comparison = ComparisonResult(by="a", label="A", groups=groups, tests=tests,
                                  crosstabs={"b": crosstab})
    results = QuantResults(n_respondents=40, sample=pd.DataFrame(),
                           items={"a": item, "b": _item("b", [20, 20])},
                           comparisons=[comparison])
    shared = share_results(results, 5).results.comparisons[0]
    # 17 is hidden in item a's table (to protect the 3): hidden as a group size too
    assert shared.groups["n"].tolist() == [20, "[c]", "<5"]
    assert shared.tests.loc[0, "min_group_n"] == "<5"
    assert shared.tests.loc[0, "note"] == "smallest group has <5 answers (under 30)"
    published = shared.crosstabs["b"]
    assert published.loc["p", "o2"] == "<5" and published.loc["q", "o2"] == "<5"
    # the reader knows the row totals (item b: 20, 20) and the shown group size 20;
    # 17 and 3 are hidden there
    exact = add_margins(crosstab.rename_axis(index=None, columns=None))
    shown = exact.astype(object).copy()
    shown.loc[["p", "q"], ["o0", "o1", "o2"]] = published.to_numpy()
    shown.loc["All", ["o1", "o2"]] = ["[c]", "<5"]
    check_safe(exact, shown, 5)
