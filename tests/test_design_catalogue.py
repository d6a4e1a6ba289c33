"""Catalogue fit on hand-checkable fixtures (uoc-2023 template options).

Catalogue: "Data literacy" (10 weeks, 8 h/week, online asynchronous, optional Q&A,
modular levels, ECTS micro-credential) and "Campus workshop" (2 weeks, 20 h/week, face
to face, weekly mandatory, standalone, certificate of completion).

Respondents r1-r4 all want online asynchronous study and nothing Data literacy lacks:
it meets all four, the workshop none. r5-r9 are served by no course; working the
changes out by hand (see test_changes_are_ranked) gives exactly five useful single
changes. Wilson intervals are checked against statsmodels ``proportion_confint``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from microcred.design.catalogue import fit, preferences_from_answers, read_catalogue
from microcred.design.ects import DesignError
from microcred.errors import InputError
from microcred.study import Study, load
from microcred.study.templates import init

REPO = Path(__file__).parents[1]
NA = pd.NA

CATALOGUE = """\
Course,Weeks,Hours/week,ECTS,Modality,Live sessions,Levels,Credential type,Price (EUR),URL
Data literacy,10,8,3,En línea asíncrona (a mi ritmo y sin horario fijo),\
Optional live Q&A sessions with the instructor,"Modular levels (basic, intermediate and \
advanced) taken one at a time",Micro-credential with ECTS credits,300,https://example.edu/a
Campus workshop,2,20,"1,5",face_to_face,weekly_mandatory,standalone,\
certificate_of_completion,100,https://example.edu/b
"""

COLUMNS = ["duration", "weekly_hours", "modality", "live_sessions", "modularity", "credential"]
SERVED = {  # all met by Data literacy, none by Campus workshop (modality)
    "r1": ["two_to_three_months", "six_to_ten_hours", "online_asynchronous", "optional_qa",
           "modular_levels", "ects_micro_credential"],
    "r2": ["two_to_three_months", NA, "online_asynchronous", NA, NA, NA],
    "r3": [NA, NA, "online_asynchronous", NA, NA, NA],
    "r4": [NA, "six_to_ten_hours", "online_asynchronous", NA, NA, "ects_micro_credential"],
}  # fmt: skip
UNSERVED = {
    "r5": ["two_to_three_months", "six_to_ten_hours", "blended", NA, NA, NA],
    "r6": [NA, NA, "blended", NA, NA, "digital_badge"],
    "r7": [NA, "eleven_to_fifteen_hours", NA, NA, NA, NA],
    "r8": ["one_to_two_months", NA, "blended", NA, NA, NA],
    "r9": ["two_to_three_months", "six_to_ten_hours", "blended", NA, NA, NA],
}  # fmt: skip


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    (path,) = init("uoc-2023", tmp_path_factory.mktemp("uoc") / "study")
    return load(path)


@pytest.fixture()
def catalogue_path(tmp_path: Path) -> Path:
    path = tmp_path / "catalogue.csv"
    path.write_text(CATALOGUE, encoding="utf-8")
    return path


def _prefs(rows: dict[str, list[object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS, dtype=object)
    frame.index.name = "respondent_id"
    return frame


def test_read_catalogue_matches_labels_in_any_language(study: Study, catalogue_path: Path) -> None:
    frame = read_catalogue(catalogue_path, study)
    assert frame["title"].tolist() == ["Data literacy", "Campus workshop"]
    assert frame["weeks"].tolist() == [10.0, 2.0]
    assert frame["hours_per_week"].tolist() == [8.0, 20.0]
    assert frame["ects"].tolist() == [3.0, 1.5]  # decimal comma read
    assert frame["price"].tolist() == [300.0, 100.0]
    assert frame["modality"].tolist() == ["online_asynchronous", "face_to_face"]
    assert frame["live_sessions"].tolist() == ["optional_qa", "weekly_mandatory"]
    assert frame["levels"].tolist() == ["modular_levels", "standalone"]
    assert frame["credential"].tolist() == ["ects_micro_credential", "certificate_of_completion"]
    assert frame["row"].tolist() == [2, 3]


def test_a_course_meets_everyone_and_one_meets_no_one(study: Study, catalogue_path: Path) -> None:
    result = fit(study, _prefs(SERVED), read_catalogue(catalogue_path, study))
    assert result.dimensions == COLUMNS
    courses = result.courses.set_index("title")
    assert courses.loc["Data literacy", "n"] == 4 and courses.loc["Data literacy", "pct"] == 1.0
    assert courses.loc["Data literacy", "ci_high"] == 1.0
    assert courses.loc["Data literacy", "ci_low"] == pytest.approx(
        proportion_confint(4, 4, method="wilson")[0]
    )
    assert courses.loc["Data literacy", "unmet"] == "none"
    assert (
        courses.loc["Campus workshop", "n"] == 0 and courses.loc["Campus workshop", "ci_low"] == 0
    )
    # workshop misses: modality 4 (everyone); duration r1 r2; weekly r1 r4;
    # credential r1 r4; live r1; modularity r1
    assert courses.loc["Campus workshop", "unmet"] == (
        "modality (4), credential (2), duration (2), weekly_hours (2), live_sessions (1), "
        "modularity (1)"
    )
    assert courses.loc["Campus workshop", "unmet_modality"] == 4
    assert result.courses["title"].tolist()[0] == "Data literacy"  # best first
    # stated ECTS against weeks x hours at 25-30 h: 80 h = 2.67-3.2; 40 h = 1.33-1.6
    assert courses["ects_consistent"].tolist() == [True, True]
    assert result.unserved.empty and result.changes.empty
    unmet = result.unmet.set_index(["title", "dimension"])
    assert unmet.loc[("Campus workshop", "duration"), "n"] == 2


def test_changes_are_ranked(study: Study, catalogue_path: Path) -> None:
    profiles = pd.Series(
        {"r1": "upskiller", "r2": "upskiller", "r3": "upskiller", "r4": "upskiller",
         "r5": "career changer", "r9": "career changer",
         "r6": "curious", "r7": "curious", "r8": "curious"}
    )  # fmt: skip
    result = fit(
        study, _prefs({**SERVED, **UNSERVED}), read_catalogue(catalogue_path, study), profiles
    )
    assert sorted(result.unserved["respondent_id"]) == ["r5", "r6", "r7", "r8", "r9"]
    courses = result.courses.set_index("title")
    assert courses.loc["Data literacy", "n"] == 4 and courses.loc["Data literacy", "base"] == 9
    low, high = proportion_confint(4, 9, method="wilson")
    assert courses.loc["Data literacy", ["ci_low", "ci_high"]].tolist() == pytest.approx(
        [low, high]
    )
    # By hand: Data literacy -> blended serves r5 and r9 (their duration 8-13 and 6-10 h
    # hold 10 weeks and 8 h); r6 also needs a digital badge, r8 1-2 months. r7 needs
    # 11-15 h a week and nothing else: either course at 11 or 15 h serves r7, and only
    # the nearer value is proposed (Campus workshop 20 -> 15 h, Data literacy 8 -> 11 h).
    # Every other single change serves no unserved respondent.
    got = result.changes[["title", "dimension", "new_value", "n_reached"]].values.tolist()
    assert got == [
        ["Data literacy", "modality", "blended", 2],
        ["Campus workshop", "weekly_hours", 15.0, 1],
        ["Data literacy", "weekly_hours", 11.0, 1],
    ]
    top = result.changes.iloc[0]
    assert top["current"] == "online_asynchronous"
    assert top["new_label"].startswith("Blended")
    assert top["pct_of_unserved"] == pytest.approx(2 / 5)
    assert top["by_profile"] == "career changer: 2"

    table = result.profiles.set_index("profile")
    assert table.loc["career changer", "served_by_none"]
    assert table.loc["curious", "n_unserved"] == 3 and table.loc["curious", "served_by_none"]
    assert not table.loc["upskiller", "served_by_none"]
    assert table.loc["upskiller", "best_course"] == "Data literacy"
    assert table.loc["upskiller", "best_pct"] == 1.0
    by_profile = result.by_profile.set_index(["title", "profile"])
    assert by_profile.loc[("Data literacy", "upskiller"), "n"] == 4
    assert by_profile.loc[("Data literacy", "career changer"), "n"] == 0
    data = result.to_dict()
    assert data["changes"][0]["n_reached"] == 2 and data["courses"][0]["title"] == "Data literacy"


def test_blank_course_values_do_not_meet_stated_preferences(study: Study, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("title,weeks,modality\nA,,online_asynchronous\nB,10,\n", encoding="utf-8")
    catalogue = read_catalogue(path, study)
    result = fit(study, _prefs(SERVED), catalogue)
    # only weeks and modality are compared; blanks fail stated preferences
    assert result.dimensions == ["duration", "modality"]
    courses = result.courses.set_index("title")
    assert courses.loc["A", "n"] == 2  # r3, r4 state no duration
    assert courses.loc["B", "n"] == 0  # everyone states a modality
    assert any("no 'hours_per_week' column" in note for note in result.notes)


def test_xlsx_catalogue(study: Study, tmp_path: Path, catalogue_path: Path) -> None:
    frame = pd.read_csv(catalogue_path, dtype=str)
    path = tmp_path / "catalogue.xlsx"
    frame.to_excel(path, index=False)
    read = read_catalogue(path, study)
    assert read["modality"].tolist() == ["online_asynchronous", "face_to_face"]
    assert read["row"].tolist() == [2, 3]


@pytest.mark.parametrize(
    "text, row, column, message",
    [
        ("title,modality\nA,online_asynchronous\nB,Hybrid\n", 3, "modality", "not an option"),
        ("title,weeks\nA,6-8\n", 2, "weeks", "midpoint"),
        ("title,weeks\nA,-3\n", 2, "weeks", "non-negative"),
        ("title,weeks\nA,4\na ,5\n", 3, "title", "repeats row 2"),
        ("title,weeks\n,4\n", 2, "title", "blank"),
        ("name,course\nA,B\n", 1, "course", "both read as 'title'"),
        ("weeks,modality\n4,blended\n", 1, None, "no 'title' column"),
    ],
)
def test_bad_catalogues_name_file_row_and_column(
    study: Study, tmp_path: Path, text: str, row: int, column: str | None, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_catalogue(path, study)
    assert info.value.file == str(path)
    assert info.value.row == row
    if column is not None:
        assert info.value.column is not None and info.value.column.lower() == column
    assert message in info.value.message


def test_unsupported_file_type(study: Study, tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError):
        read_catalogue(path, study)


def test_nothing_to_compare(study: Study, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("title,price\nA,10\n", encoding="utf-8")
    with pytest.raises(DesignError):
        fit(study, _prefs(SERVED), read_catalogue(path, study))


def test_preferences_from_answers(study: Study) -> None:
    rows = [
        ("r1", "duration", "two_to_three_months", NA),
        ("r1", "modality", "online_asynchronous", NA),
        ("r1", "motivation", "career", NA),  # multi_choice: not a preference column
        ("r2", "modality", "other", NA),  # 'Other' text cannot be checked
        ("r2", "duration", NA, "No answer (9)"),  # declared missing
        ("r3", "credential_type", "digital_badge", NA),
    ]
    answers = pd.DataFrame(rows, columns=["respondent_id", "item_id", "option_id", "missing"])
    prefs = preferences_from_answers(study, answers)
    assert prefs.index.tolist() == ["r1", "r2", "r3"]
    assert "motivation" not in prefs.columns and "duration" in prefs.columns
    assert prefs.loc["r1", "duration"] == "two_to_three_months"
    assert prefs.loc["r1", "modality"] == "online_asynchronous"
    assert prefs.loc["r2", "modality"] is NA and prefs.loc["r2", "duration"] is NA
    assert prefs.loc["r3", "credential"] == "digital_badge"
    assert prefs.loc["r3", "weekly_hours"] is NA


def test_illustrative_example_catalogue_reads(study: Study) -> None:
    path = REPO / "examples" / "catalogue-illustrative.csv"
    frame = read_catalogue(path, study)
    assert len(frame) >= 6
    assert frame["modality"].notna().all() and frame["weeks"].notna().all()
    prefs = _prefs({**SERVED, **UNSERVED})
    result = fit(study, prefs, frame)
    assert len(result.courses) == len(frame)


def test_numeric_change_labels(study: Study, catalogue_path: Path) -> None:
    result = fit(study, _prefs({**SERVED, **UNSERVED}), read_catalogue(catalogue_path, study))
    labels = result.changes.loc[result.changes["dimension"] == "weekly_hours", "new_label"]
    assert sorted(set(labels)) == ["11 hours a week", "15 hours a week"]
