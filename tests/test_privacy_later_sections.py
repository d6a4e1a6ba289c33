"""Small-cell suppression of the later report sections and of ``results.json`` ``extra``.

A study of 50 respondents is written here and run through :func:`microcred.pipeline.run`.
Its answers fall into four answer patterns (27, 17, 3 and 3 respondents), so k-modes
finds four learner profiles, two of them under k = 5; human codings (from a file) give a
theme held by 3 of the 30 career-motivated respondents and a modality theme held by 2
respondents; a catalogue course serves 3 respondents. The exact counts below follow from
the way the data are written (``test_fixture_counts_are_what_the_definitions_say``), not
from the code under test. Every shared output (HTML, DOCX, XLSX, results.json, the brief
files) must hide them, and the tables whose totals a reader knows are checked with the
independent checker of ``test_privacy_suppress.py`` (rank test plus integer programming
with scipy's ``milp``) or, where a column is never published, with the same checker
written here for unknown cells. The p-value bounds are checked against every table a
reader cannot tell apart from the true one, computed here with scipy directly.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.optimize import Bounds, LinearConstraint, milp

from microcred import ingest, pipeline, study
from microcred.privacy import add_margins, suppress_counts
from microcred.privacy.pbounds import completions, holm_bounds, p_bound, p_is_below
from test_privacy_suppress import check_safe

openpyxl = pytest.importorskip("openpyxl")
docx = pytest.importorskip("docx")

K = 5
N = 50
GROUPS = {"A": 27, "B": 17, "C": 3, "D": 3}  # answer patterns, in respondent order


def group(i: int) -> str:
    return "A" if i < 27 else "B" if i < 44 else "C" if i < 47 else "D"


PATTERN = {  # motivation, modality, weekly hours, credential type
    "A": ("Career", "Online", "1-5", "Certificate"),
    "B": ("Personal interest", "Blended", "6-15", "Badge"),
    "C": ("Social", "Onsite", "6-15", "Certificate"),
    "D": ("Career", "Onsite", "16+", "Badge"),
}
RECOGNITION_A = [1] * 2 + [2] * 3 + [3] * 5 + [4] * 8 + [5] * 9
RECOGNITION_B = [2] * 1 + [3] * 4 + [4] * 6 + [5] * 6


def recognition(i: int) -> int:
    g = group(i)
    if g == "A":
        return RECOGNITION_A[i]
    if g == "B":
        return RECOGNITION_B[i - 27]
    return 3 if g == "C" else 5


COMMUNITY = {0, 1, 2} | set(range(27, 37))  # 3 career-motivated respondents, 10 others
FLEXIBLE = {5, 6}  # a modality theme held by 2 respondents
CAREER = {i for i in range(N) if group(i) in ("A", "D")}  # 30

STUDY = """\
study: {id: later, title: Later sections, languages: [en]}
sources:
  - {id: s1, path: data/responses.csv}
respondent_id: {column: id}
constructs:
  - {id: motivation, label: Motivation, items: [motivation]}
  - {id: modality, label: Modality, items: [modality]}
  - {id: weekly_hours, label: Weekly hours, items: [hours], unit: hours_per_week}
  - {id: credential, label: Credential, items: [cred_type, recognition]}
items:
  - id: motivation
    type: single_choice
    column: Why?
    options:
      - {id: career, labels: Career}
      - {id: interest, labels: Personal interest}
      - {id: social, labels: Social}
  - id: modality
    type: single_choice
    column: Modality
    options:
      - {id: online_asynchronous, labels: Online}
      - {id: blended, labels: Blended}
      - {id: face_to_face, labels: Onsite}
  - id: hours
    type: ordinal
    column: Hours
    options:
      - {id: low, labels: "1-5", range: [1, 5]}
      - {id: mid, labels: "6-15", range: [6, 15]}
      - {id: high, labels: "16+", range: [16, 25]}
  - id: cred_type
    type: single_choice
    column: Credential
    options:
      - {id: certificate, labels: Certificate}
      - {id: badge, labels: Badge}
  - id: recognition
    type: likert
    column: Recognition
    scale: {min: 1, max: 5, anchors: {1: Not at all, 5: Very much}}
  - {id: like, type: open_text, column: What do you like?}
segments:
  - {id: career_motivated, label: Career-motivated,
     where: {item: motivation, options: [career]}}
comparisons:
  - {by: career_motivated, items: [modality]}
coding:
  codebook: codebook.yaml
  items: {like: [likes]}
  automatic: none
  human: [{path: human.csv, unit_column: unit_id}]
design:
  catalogue: catalogue.csv
"""
CODEBOOK = """\
id: demo
name: Demo
codes:
  - id: likes
    name: Likes
    codable: false
    children:
      - {id: community, name: Community, definition: The people.}
      - {id: speed, name: Speed, definition: Fast.}
      - {id: flexible, name: Learning online, construct: modality,
         option: online_asynchronous, definition: Studying online.}
"""
# Onsite intensive (20 h a week, onsite) serves exactly the 3 respondents of pattern D
CATALOGUE = """title,weeks,hours_per_week,modality
Online light,6,3,online_asynchronous
Blended standard,8,10,blended
Onsite intensive,4,20,face_to_face
"""


def write_study(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    rows = [["id", "Why?", "Modality", "Hours", "Credential", "Recognition",
             "What do you like?"]]  # fmt: skip
    for i in range(N):
        motivation, modality, hours, credential = PATTERN[group(i)]
        rows.append([f"r{i}", motivation, modality, hours, credential, str(recognition(i)),
                     f"answer number {i}"])  # fmt: skip
    with (folder / "data" / "responses.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    lines = ["unit_id,community:H1,speed:H1,flexible:H1"] + [
        f"like:r{i},{int(i in COMMUNITY)},{int(i not in COMMUNITY)},{int(i in FLEXIBLE)}"
        for i in range(N)
    ]
    (folder / "human.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "catalogue.csv").write_text(CATALOGUE, encoding="utf-8")
    (folder / "study.yaml").write_text(STUDY, encoding="utf-8")
    return folder / "study.yaml"


def run(folder: Path, formats: tuple[str, ...]) -> Path:
    import microcred.report

    path = write_study(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(microcred.report, "FORMATS", formats)
        pipeline.run(path, folder / "out")
    return folder / "out"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run(tmp_path_factory.mktemp("later"), ("html", "json", "csv", "xlsx", "docx"))


@pytest.fixture(scope="module")
def data(out: Path) -> dict[str, Any]:
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def html(out: Path) -> str:
    return (out / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def exact_profiles(out: Path) -> Any:
    """The profiles as k-modes finds them (exact: the analyst's view)."""
    from microcred.integrate.stage import study_profiles

    instrument = study.load(out.parent / "study.yaml")
    read = ingest.read(instrument)
    profiles, note = study_profiles(instrument, read.answers, read.respondents)
    assert profiles is not None, note
    return profiles


def later_part(text: str) -> str:
    """The report from the themes section on (HTML), or the same part of DOCX XML."""
    start = text.find('class="extra"')
    if start < 0:
        start = text.find("<w:t>Themes in learners")
    assert start >= 0
    return text[start:]


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def xlsx_values(path: Path) -> list[Any]:
    workbook = openpyxl.load_workbook(path)
    return [cell.value for ws in workbook.worksheets for row in ws.iter_rows() for cell in row]


def has_share(text: str, share: str) -> bool:
    return re.search(r"(?<![\d.])" + re.escape(share), text) is not None


COUNT_KEYS = {"n", "n_valid", "base", "n_coded", "n_human", "n_machine", "respondents", "size",
              "n_reached", "n_unserved", "n_respondents", "unmet_weekly_hours",
              "unmet_modality"}  # fmt: skip


def small_counts(value: Any, path: str = "") -> list[str]:
    """Every count from 1 to k - 1 published under a count key, with where it is."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            count = isinstance(item, int) and not isinstance(item, bool)
            if key in COUNT_KEYS and count and 0 < item < K:
                found.append(f"{where}={item}")
            found += small_counts(item, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += small_counts(item, f"{path}[{i}]")
    return found


# --- the fixture ----------------------------------------------------------------------


def test_fixture_counts_are_what_the_definitions_say() -> None:
    assert {g: sum(group(i) == g for i in range(N)) for g in GROUPS} == GROUPS
    assert len(CAREER) == 30 and len(COMMUNITY & CAREER) == 3
    assert len(COMMUNITY - CAREER) == 10 and len(FLEXIBLE) == 2 and FLEXIBLE <= CAREER
    assert len(RECOGNITION_A) == GROUPS["A"] and len(RECOGNITION_B) == GROUPS["B"]


def test_kmodes_finds_the_four_patterns(exact_profiles: Any) -> None:
    assert sorted(p.n for p in exact_profiles.profiles) == [3, 3, 17, 27]


# --- learner profiles -------------------------------------------------------------------


def test_profiles_under_k_are_not_shown_anywhere(
    out: Path, data: dict[str, Any], html: str, exact_profiles: Any
) -> None:
    hidden = [p for p in exact_profiles.profiles if p.n < K]
    shown = [p for p in exact_profiles.profiles if p.n >= K]
    profiles = data["extra"]["integration"]["profiles"]
    assert [(p["id"], p["n"]) for p in profiles["profiles"]] == [(p.id, p.n) for p in shown]
    assert profiles["other"]["n"] == 6 and profiles["other"]["profiles"] == 2
    assert data["extra"]["privacy"]["withheld_profiles"] == 2
    # their names (from their traits: "Networkers" for the social one) appear nowhere
    names = {p.name for p in hidden} - {p.name for p in shown}
    assert "Networkers" in names
    published = json.loads((out / "results.json").read_text(encoding="utf-8"))
    del published["extra"]["integration"]["profiles"]["rules"]  # the naming rules name them
    texts = {
        "results.json": json.dumps(published, ensure_ascii=False),
        "report.html": html,
        "report.docx": docx_text(out / "report.docx"),
        "tables.xlsx": " ".join(str(v) for v in xlsx_values(out / "tables.xlsx")),
    }
    for path in sorted((out / "brief").iterdir()):
        texts[path.name] = (
            docx_text(path) if path.suffix == ".docx" else path.read_text(encoding="utf-8")
        )
    for where, text in texts.items():
        for name in names:
            assert name not in text, (where, name)
    # no brief for them, in the report or as files
    assert sorted(p.name for p in (out / "brief").iterdir()) == sorted(
        f"brief-{g}.{ext}" for g in ["all", *(p.id for p in shown)]
        for ext in ("docx", "html", "json")
    )  # fmt: skip
    assert set(data["extra"]["integration"]["briefs"]) == {"all", *(p.id for p in shown)}
    section = html[html.index('id="profiles"'):]
    section = section[: section.index("</section>")]
    assert "Other profiles" in section and "6.0%" not in section


def test_profile_sizes_cannot_be_undone(data: dict[str, Any]) -> None:
    # the reader sees the two shown sizes and the profiled total; C and D are not shown
    profiles = data["extra"]["integration"]["profiles"]
    sizes = [p["n"] for p in profiles["profiles"]]
    assert profiles["n_profiled"] == N
    exact = pd.DataFrame({"n": [27, 17, 3, 3, N]}, index=["A", "B", "C", "D", "All"])
    shown = pd.DataFrame({"n": [*sizes, "<5", "<5", N]}, index=exact.index, dtype=object)
    check_safe(exact, shown, K)


def test_profile_option_counts_cannot_be_undone(data: dict[str, Any]) -> None:
    """Options x shown profiles with everyone else as a column nobody publishes.

    The reader knows the item's published counts (row totals), the shown profiles'
    counts (preferences), and that everyone else adds up to the rest.
    """
    items = data["items"]
    for profile_item, options in (("motivation", ["career", "interest", "social"]),
                                  ("cred_type", ["certificate", "badge"])):  # fmt: skip
        exact_rows = {
            "motivation": {"career": [27, 0, 3], "interest": [0, 17, 0], "social": [0, 0, 3]},
            "cred_type": {"certificate": [27, 0, 3], "badge": [0, 17, 3]},
        }[profile_item]
        columns = ["p1", "p2"]
        published: dict[tuple[str, str], Any] = {}
        for profile, column in zip(data["extra"]["integration"]["profiles"]["profiles"],
                                   columns, strict=True):  # fmt: skip
            for pref in profile["preferences"]:
                if pref["item_id"] == profile_item and pref["option_id"] in options:
                    published[(pref["option_id"], column)] = pref["n"]
        exact = pd.DataFrame(exact_rows, index=[*columns, "rest"]).T
        totals = {o: items[profile_item]["options"][o]["n"] for o in options}
        check_with_unpublished(exact, published, totals, K)


def test_traits_of_a_hidden_count_show_no_share(data: dict[str, Any], html: str) -> None:
    # "Career" in the largest profile: 27 of its 27, but 30 career-motivated in all, so
    # showing 27 would give the other profiles' 3 back: hidden with its share and lift
    first = data["extra"]["integration"]["profiles"]["profiles"][0]
    career = next(t for t in first["traits"] if t["label"] == "Career")
    assert career["share"] == "[c]" and career["lift"] == "[c]"
    assert "Career (100%" not in html


# --- themes, codes and joint displays -------------------------------------------------------


def test_theme_counts_in_json_agree_with_the_report(data: dict[str, Any], html: str) -> None:
    qual = data["extra"]["qual"]
    flexible = next(t for t in qual["themes"] if t["code_id"] == "flexible")
    assert flexible["n"] == "<5" and flexible["pct"] == "[c]"
    assert flexible["n_human"] == "[c]"  # a unit count would bound the respondents
    segment = {r["code_id"]: r for r in qual["by_segment"]}
    assert segment["community"]["n"] == "<5" and segment["community"]["pct"] == "[c]"
    # 27 of 30 career-motivated name speed: the 3 who do not are a small cell too
    assert segment["speed"]["n"] == "[c]"
    assert qual["cooccurrence"]["flexible"]["flexible"] == "<5"
    themes = later_part(html)
    assert 'Learning online</th><td class="num">&lt;5</td>' in themes
    assert not has_share(themes, "4.0%") and not has_share(themes, "10.0%")


def test_codes_by_segment_cannot_be_undone(data: dict[str, Any]) -> None:
    (grouping,) = data["extra"]["integration"]["codes"]["by_groups"]
    variables = {v["code_id"]: v for v in data["extra"]["integration"]["codes"]["variables"]}
    community = next(t for t in grouping["tests"] if t["code_id"] == "community")
    cells = community["groups"]
    assert cells["career_motivated"]["n"] == "<5"
    # the reader's view: cells shown here, code total and base (variables), group bases
    exact = add_margins(pd.DataFrame(
        {"career_motivated": [3, 27], "not_career_motivated": [10, 10]}, index=["yes", "no"]
    ))  # fmt: skip
    shown = exact.astype(object).copy()
    for g in ("career_motivated", "not_career_motivated"):
        shown.loc["yes", g] = cells[g]["n"]
        # "no" is not shown: the reader works it out from the base, or (when "yes" is
        # hidden) knows it only as hidden; the checker lets the reader know whether it is
        # small, which only makes the reader stronger
        no = exact.loc["no", g]
        shown.loc["no", g] = (cells[g]["base"] - cells[g]["n"]) if not isinstance(
            cells[g]["n"], str) else ("<5" if no < K else "[c]")  # fmt: skip
        shown.loc["All", g] = cells[g]["base"]
    shown.loc["yes", "All"] = variables["community"]["n"]
    shown.loc["no", "All"] = variables["community"]["base"] - variables["community"]["n"]
    check_safe(exact, shown, K)


def chi2_p(table: np.ndarray) -> float:
    """The quant stage's test on a table (scipy directly: chi-square with Yates on a
    2x2 table, Fisher's exact test when an expected count is below 5)."""
    result = stats.chi2_contingency(table)
    if result.expected_freq.min() < 5:
        return float(stats.fisher_exact(table).pvalue)
    return float(result.pvalue)


def test_p_value_bound_holds_for_every_table_the_reader_cannot_rule_out(
    data: dict[str, Any],
) -> None:
    (grouping,) = data["extra"]["integration"]["codes"]["by_groups"]
    community = next(t for t in grouping["tests"] if t["code_id"] == "community")
    # the statistic and the effect size would pin the hidden cell: withheld
    assert community["statistic"] == "[c]" and community["effect_size"] == "[c]"
    assert community["min_expected"] == "[c]"
    bound = community["p_value"]
    assert bound in ("< 0.001", "< 0.01", "< 0.05", "≥ 0.05")
    # margins 13 / 37 (code) and 30 / 20 (bases): the hidden "yes, career" cell x is in
    # [1, 4] ("<5") and the other cells, hidden as [c], are at least 5
    feasible = [x for x in range(1, K) if min(13 - x, 30 - x, 7 + x) >= K]
    assert len(feasible) >= 2
    p_values = [chi2_p(np.array([[x, 13 - x], [30 - x, 7 + x]])) for x in feasible]
    true_p = chi2_p(np.array([[3, 10], [27, 10]]))
    assert true_p in p_values
    for p in p_values:  # every table the reader cannot rule out satisfies the bound
        assert p_is_below(p, float(bound.split()[-1])) is (bound.startswith("<"))
    # "Learning online": x of 30 career-motivated ("<5"), 0 of 20 others (shown), its
    # total "<5" too: x in 1..4, and every such table gives p >= 0.05
    flexible = next(t for t in grouping["tests"] if t["code_id"] == "flexible")
    assert flexible["p_value"] == "≥ 0.05"
    assert all(chi2_p(np.array([[x, 0], [30 - x, 20]])) >= 0.05 for x in range(1, K))


def test_joint_display_theme_under_k(data: dict[str, Any], html: str) -> None:
    displays = {d["construct"]: d for d in data["extra"]["integration"]["joint_displays"][
        "displays"]}  # fmt: skip
    theme = displays["modality"]["themes"][0]
    assert theme["code_id"] == "flexible" and theme["n"] == "<5" and theme["pct"] == "[c]"
    assert displays["modality"]["survey"]["n"] == 27  # shown in the item's table too
    joint = html[html.index('id="joint"'):]
    joint = joint[: joint.index("</section>")]
    assert "Learning online: &lt;5 of 50" in joint and "2 of 50" not in joint


# --- briefs and catalogue fit ----------------------------------------------------------------


def test_briefs_show_no_small_count(out: Path, data: dict[str, Any]) -> None:
    for path in sorted((out / "brief").glob("*.json")):
        brief = json.loads(path.read_text(encoding="utf-8"))
        assert small_counts(brief) == [], path.name
        for rec in brief["brief"]["recommendations"]:
            ev = rec["evidence"]
            if isinstance(ev["n"], str) or isinstance(ev["n_valid"], str):
                assert ev["pct"] == ev["ci_low"] == ev["ci_high"] == "[c]"
                assert not re.search(r"\d+%", rec["reason"]), rec["reason"]
    # profile 1 (27 respondents): its recognition answers include counts of 2 and 3, so
    # the top-2-box evidence (8 + 9 of 27) is withheld with its share in every text
    p1 = json.loads((out / "brief" / "brief-p1.json").read_text(encoding="utf-8"))
    importance = next(r for r in p1["brief"]["recommendations"] if r["aspect"] == "importance")
    assert importance["evidence"]["pct"] == "[c]" and "%" not in importance["text"]
    assert "63%" not in (out / "brief" / "brief-p1.html").read_text(encoding="utf-8")


def test_fit_hides_small_counts_and_respondent_ids(out: Path, data: dict[str, Any]) -> None:
    fit = data["extra"]["integration"]["catalogue_fit"]
    courses = {c["title"]: c for c in fit["courses"]}
    onsite = courses["Onsite intensive"]  # serves the 3 respondents of pattern D
    assert onsite["n"] == "<5" and onsite["pct"] == "[c]"
    assert onsite["unmet_modality"] == "[c]"  # 47 unmet would give the 3 back
    assert fit["unserved"] == {"n": "<5"}  # pattern C: 3 respondents
    assert all(isinstance(c["n_reached"], str) for c in fit["changes"])
    text = json.dumps(fit)
    assert not re.search(r'"r\d+"', text)  # no respondent id
    profiles = {p["profile"] for p in fit["profiles"]}
    assert len(profiles) == 2 and all(p["profile"] in profiles for p in fit["by_profile"])


def test_json_extra_publishes_no_small_count(data: dict[str, Any]) -> None:
    assert small_counts(data["extra"]["integration"]) == []
    assert small_counts(data["extra"]["qual"]) == []


def test_docx_and_xlsx_later_parts_show_no_small_share(out: Path) -> None:
    xml = later_part(docx_text(out / "report.docx"))
    for share in ("4.0%", "10.0%", "6.0%", "90.0%", "7.4%", "11.1%"):
        assert not has_share(xml, share), share
    assert "Other profiles" in xml and "&lt;5" in xml
    for value in xlsx_values(out / "tables.xlsx"):
        assert value != "r1"


def test_privacy_section_states_the_rules(data: dict[str, Any], html: str) -> None:
    privacy = data["extra"]["privacy"]
    text = " ".join(privacy["sentences"])
    assert "only as a bound" in text and "every table consistent" in text
    assert "2 learner profiles are not shown" in text
    assert privacy["tables"] > privacy["survey_tables"]
    assert "only as a bound" in html[html.index('id="privacy"'):]


# --- provenance -----------------------------------------------------------------------------


def test_provenance_shows_no_absolute_path(out: Path, data: dict[str, Any], html: str) -> None:
    provenance = data["provenance"]
    assert provenance["study_file"] == "study.yaml"
    assert provenance["inputs"][0]["path"] == "data/responses.csv"
    assert provenance["database"] == "sqlite:///out/microcred.db"
    folder = str(out.parent)
    assert folder not in json.dumps(provenance)
    methods = html[html.index('<section id="methods"'):]
    assert folder not in methods and "data/responses.csv" in methods
    assert folder not in later_part(docx_text(out / "report.docx"))


# --- the checkers fail when suppression is off ------------------------------------------------


def test_the_checks_catch_an_unprotected_run(tmp_path: Path) -> None:
    """With the later stages published exactly, the scans above find the small counts."""
    import microcred.privacy.later as later

    def exact(qual: Any, integration: Any, results: Any, shared: Any, k: int = K) -> Any:
        done = later.SharedLater(k=k, qual=qual, integration=integration)
        later._mark(qual, k) if qual is not None else None
        later._mark(integration, k)
        return done

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(later, "share_later", exact)
        unprotected = run(tmp_path, ("json",))
    data = json.loads((unprotected / "results.json").read_text(encoding="utf-8"))
    assert small_counts(data["extra"]["integration"])
    assert small_counts(data["extra"]["qual"])
    assert "Networkers" in json.dumps(data["extra"])


# --- an independent checker for tables with an unpublished column -------------------------------


def check_with_unpublished(
    exact: pd.DataFrame, published: dict[tuple[str, str], Any], totals: dict[str, Any], k: int
) -> None:
    """Fail if a small count of a shown column can be pinned down.

    ``exact``: options x (shown columns..., "rest"). The reader knows the published cells
    of the shown columns (a number, or a label: "<k" for 1..k-1, "[c]" for >= k), the
    row totals where published (numbers), and that each row adds up; the "rest" column
    is unknown (>= 0). Each small shown count must keep at least two possible values
    (integer programming, scipy ``milp``).
    """
    shown_cols = [c for c in exact.columns if c != "rest"]
    unknown: list[tuple[str, str]] = []
    low, high = [], []
    for option in exact.index:
        for column in exact.columns:
            value = published.get((option, column)) if column != "rest" else "?"
            if column == "rest":
                unknown.append((option, column))
                low.append(0.0)
                high.append(np.inf)
            elif isinstance(value, str):
                unknown.append((option, column))
                low.append(1.0 if value.startswith("<") else float(k))
                high.append(k - 1.0 if value.startswith("<") else np.inf)
            else:
                assert value == exact.loc[option, column]
                assert value == 0 or value >= k, (option, column, value)
    position = {cell: i for i, cell in enumerate(unknown)}
    rows, rhs = [], []
    for option in exact.index:
        total = totals.get(option)
        if isinstance(total, str) or total is None:
            continue
        row = np.zeros(len(unknown))
        known = 0.0
        for column in exact.columns:
            if (option, column) in position:
                row[position[(option, column)]] = 1.0
            else:
                known += float(published[(option, column)])
        rows.append(row)
        rhs.append(total - known)
    a = np.array(rows) if rows else np.zeros((0, len(unknown)))
    b = np.array(rhs)
    for j, (option, column) in enumerate(unknown):
        if column == "rest" or not 0 < exact.loc[option, column] < k:
            continue
        c = np.zeros(len(unknown))
        c[j] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            res = milp(sign * c, constraints=[LinearConstraint(a, b, b)] if len(b) else [],
                       bounds=Bounds(low, high), integrality=np.ones(len(unknown)))  # fmt: skip
            ends.append(sign * res.fun if res.status == 0 else np.inf)
        assert ends[0] <= exact.loc[option, column] <= ends[1]
        assert ends[1] > ends[0], f"{(option, column)} is pinned to {ends[0]}"
    for option, column in product(exact.index, shown_cols):
        if 0 < exact.loc[option, column] < k:
            assert (option, column) in position, f"{(option, column)} is small and shown"


# --- the pieces -------------------------------------------------------------------------------


def test_p_bound_rule() -> None:
    assert p_bound(0.0001, 0.0009) == "< 0.001"
    assert p_bound(0.0001, 0.02) == "< 0.05"
    assert p_bound(0.05, 0.9) == "≥ 0.05"
    assert p_bound(0.01, 0.2) == "[c]"
    assert p_is_below("< 0.01") is True and p_is_below("≥ 0.05") is False
    assert p_is_below("[c]") is None and p_is_below(0.2) is False


def test_completions_of_a_two_by_two_with_known_margins() -> None:
    # reader's view of [[3, 10], [27, 10]] with the margins known: x in 1..4
    shown = pd.DataFrame(
        [["<5", "[c]", 13], ["[c]", "[c]", 37], [30, 20, 50]],
        index=["yes", "no", "All"], columns=["in", "out", "All"], dtype=object,
    )
    tables = completions(shown, K, margins_name="All")
    assert tables is not None
    assert sorted(int(t[0, 0]) for t in tables) == [1, 2, 3, 4]
    for t in tables:
        inner = t[:2, :2]
        assert (inner.sum(axis=1) == [13, 37]).all() and (inner.sum(axis=0) == [30, 20]).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=2, max_size=6),
    st.data(),
)
def test_holm_adjusted_p_values_move_with_each_raw_p_value(p: list[float], draw: Any) -> None:
    # the p-value bounds rely on it: Holm's adjusted p-values are non-decreasing in
    # each raw p-value (checked against statsmodels, which computes them)
    from statsmodels.stats.multitest import multipletests

    i = draw.draw(st.integers(0, len(p) - 1))
    higher = list(p)
    higher[i] = draw.draw(st.floats(p[i], 1))
    before = multipletests(p, method="holm")[1]
    after = multipletests(higher, method="holm")[1]
    assert (after >= before - 1e-12).all()
    low, high = holm_bounds(p, higher)
    assert np.allclose(low, before) and np.allclose(high, after)


def test_unpublished_cells_are_protected_only_when_small() -> None:
    # everyone outside the shown groups is a column nobody publishes: a small count
    # there must not be worked out; one of at least k may be
    def protect(rest: list[int]) -> Any:
        table = add_margins(pd.DataFrame({"a": [20, 10], "b": [15, 12], "rest": rest},
                                         index=["x", "y"]))  # fmt: skip
        unpublished = pd.DataFrame(False, index=table.index, columns=table.columns)
        unpublished.loc[["x", "y"], "rest"] = True
        known = pd.DataFrame(False, index=table.index, columns=table.columns)
        known.loc[:, "All"] = True
        known.loc["All", :] = True
        return table, suppress_counts(table, K, known=known, unpublished=unpublished)

    table, result = protect([3, 9])
    mask = result.mask
    assert mask.loc["x", "rest"] and mask.loc["y", "rest"]
    assert mask.loc[["x", "y"], ["a", "b"]].to_numpy().any()  # something else protects 3
    check_safe(table, result.table, K)  # (the checker gives the reader the labels too)
    # without a small unpublished count, nothing is hidden in the published columns,
    # although "rest" can be worked out from the totals
    _, quiet = protect([8, 9])
    assert not quiet.mask.loc[["x", "y"], ["a", "b"]].to_numpy().any()
    assert not quiet.uniform


def test_survey_test_on_a_two_by_two_with_a_hidden_cell() -> None:
    """A survey comparison: the p-value is a bound every completion satisfies."""
    from microcred.privacy import share_results
    from microcred.quant.comparisons import crosstab_test
    from microcred.quant.results import ComparisonResult, ItemResult, QuantResults

    def item(item_id: str, counts: dict[str, int]) -> ItemResult:
        n = sum(counts.values())
        return ItemResult(
            item_id=item_id, item_type="single_choice", label=item_id, construct=None,
            n_asked=n, n_valid=n, n_missing=0,
            missing_reasons=pd.DataFrame({"reason": ["no answer"], "n": [0]}),
            frequencies=pd.DataFrame({"option_id": list(counts), "label": list(counts),
                                      "n": list(counts.values()),
                                      "pct": [v / n for v in counts.values()]}),
        )  # fmt: skip

    # 3 of group 1 and 17 of group 2 chose "p": the 3 is hidden, and with the margins
    # known (20, 20 both ways) the whole table with it; x = 1..4 all differ strongly
    crosstab = pd.DataFrame({"g1": [3, 17], "g2": [17, 3]},
                            index=pd.Index(["p", "q"], name="option_id"))  # fmt: skip
    test = crosstab_test(crosstab.to_numpy())
    tests = pd.DataFrame([{"item_id": "b", "option_id": None, **test, "p_holm": test["p_value"]}])
    comparison = ComparisonResult(
        by="a", label="A",
        groups=pd.DataFrame({"group_id": ["g1", "g2"], "label": ["G1", "G2"], "n": [20, 20]}),
        tests=tests, crosstabs={"b": crosstab},
    )  # fmt: skip
    results = QuantResults(n_respondents=40, sample=pd.DataFrame(),
                           items={"a": item("a", {"g1": 20, "g2": 20}),
                                  "b": item("b", {"p": 20, "q": 20})},
                           comparisons=[comparison])  # fmt: skip
    shared = share_results(results, K).results.comparisons[0]
    published = shared.tests.iloc[0]
    assert shared.crosstabs["b"].loc["p", "g1"] == "<5"
    assert published["statistic"] == "[c]" and published["effect_size"] == "[c]"
    bound = published["p_value"]
    assert bound in ("< 0.001", "< 0.01", "< 0.05", "≥ 0.05") and published["p_holm"] == bound
    assert bound == "< 0.001"
    feasible = [x for x in range(1, K) if 20 - x >= K]
    assert len(feasible) >= 2
    for x in feasible:  # the analysis' test, recomputed here with scipy
        p = chi2_p(np.array([[x, 20 - x], [20 - x, x]]))
        assert p_is_below(p, float(bound.split()[-1])) is bound.startswith("<")
    assert test["p_value"] == pytest.approx(chi2_p(crosstab.to_numpy()))
