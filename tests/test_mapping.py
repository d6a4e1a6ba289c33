"""Mapping raw exports onto items: labels in any language, multi-select splitting, issues."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from microcred.ingest.mapping import map_source, split_multi
from microcred.ingest.table import RawTable
from microcred.ingest.validate import ValidationReport
from microcred.study.models import Study

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CASE_02 = SHARED / "cases" / "02-gforms-multiselect-commas"


def raw_table(headers: list[str], rows: list[list[str | None]], **extra) -> RawTable:
    data = pd.DataFrame(rows, columns=range(len(headers)), dtype="object")
    data = data.where(data.notna() & (data != ""), None)
    return RawTable(
        file="export.csv",
        format="csv",
        headers=headers,
        data=data,
        rows=list(range(2, len(rows) + 2)),
        **extra,
    )


def make_study(items: list[dict], **extra) -> Study:
    return Study.model_validate(
        {
            "study": {"id": "t", "title": "T", "languages": ["en", "es"]},
            "sources": [{"id": "s", "path": "x.csv", "language": extra.pop("language", "en")}],
            "items": items,
            **extra,
        }
    )


def test_case_02_split_keeps_labels_with_commas_and_other_text_whole():
    options = json.loads((CASE_02 / "question_options.json").read_text())["options"]
    with (CASE_02 / "google_forms_responses.csv").open(encoding="utf-8") as handle:
        cells = [row[1] for row in list(csv.reader(handle))[1:]]
    counts: Counter[str] = Counter()
    others = []
    answered = 0
    for cell in cells:
        if not cell.strip():
            continue
        answered += 1
        found, rest = split_multi(cell, options)
        counts.update(found)
        if rest:
            others.append(rest)
    assert counts == {
        "Online, self-paced": 4,
        "Online, with live Q&A sessions": 3,
        "Blended (online + campus days)": 2,
        "In person": 3,
        "Weekend intensive, 2-3 days": 2,
    }
    assert others == ["Mentoring by a tutor, in Spanish"]
    assert answered == 9


def test_case_02_through_mapping_counts_blank_as_missing_not_none_chosen():
    options = json.loads((CASE_02 / "question_options.json").read_text())["options"]
    with (CASE_02 / "google_forms_responses.csv").open(encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    study = make_study(
        [
            {
                "id": "formats",
                "type": "multi_choice",
                "column": table[0][1],
                "options": [{"id": f"o{i}", "labels": label} for i, label in enumerate(options)],
                "other": {"allowed": True},
            }
        ]
    )
    report = ValidationReport()
    mapped = map_source(study, study.sources[0], raw_table(table[0], table[1:]), report)
    answers = mapped.answers
    assert answers["respondent_id"].nunique() == 9
    assert len(mapped.respondents) == 10
    assert answers["option_id"].value_counts().to_dict() == {
        "o0": 4,
        "o1": 3,
        "o3": 3,
        "o2": 2,
        "o4": 2,
        "other": 1,
    }
    assert answers.loc[answers["option_id"] == "other", "text"].tolist() == [
        "Mentoring by a tutor, in Spanish"
    ]
    assert not report.errors


def test_labels_in_two_languages_are_one_option():
    item = {
        "id": "motivation",
        "type": "single_choice",
        "column": {"en": "Why?", "es": "¿Por qué?"},
        "options": [
            {
                "id": "personal_interest",
                "labels": {"en": "Personal interest", "es": "Interés personal"},
            },
            {"id": "career", "labels": {"en": "Career", "es": "Carrera profesional"}},
        ],
    }
    study = make_study([item], language="es")
    raw = raw_table(
        ["¿Por qué?"], [["Interés personal"], ["interés  personal "], ["Carrera profesional"]]
    )
    mapped = map_source(study, study.sources[0], raw, ValidationReport())
    assert mapped.answers["option_id"].tolist() == [
        "personal_interest",
        "personal_interest",
        "career",
    ]


def test_unknown_labels_are_counted_with_rows_never_dropped_silently():
    study = make_study(
        [
            {
                "id": "q",
                "type": "single_choice",
                "column": "Q",
                "options": [{"id": "a", "labels": "A"}, {"id": "b", "labels": "B"}],
            }
        ]
    )
    raw = raw_table(["Q"], [["A"], ["C"], ["B"], ["C"], ["D"]])
    report = ValidationReport()
    mapped = map_source(study, study.sources[0], raw, report)
    assert mapped.answers["option_id"].tolist() == ["a", "b"]
    unknown = {i.value: i for i in report.errors if i.kind == "unknown_label"}
    assert set(unknown) == {"C", "D"}
    assert unknown["C"].count == 2 and unknown["C"].rows == [3, 5]
    assert unknown["C"].file == "export.csv" and unknown["C"].column == "Q"


def test_duplicate_and_missing_respondent_ids_are_errors_first_kept():
    study = make_study(
        [{"id": "q", "type": "numeric", "column": "Q"}], respondent_id={"column": "id"}
    )
    raw = raw_table(["id", "Q"], [["r1", "1"], ["r2", "2"], ["r1", "3"], [None, "4"]])
    report = ValidationReport()
    mapped = map_source(study, study.sources[0], raw, report)
    kinds = {i.kind: i for i in report.errors}
    assert kinds["duplicate_id"].rows == [2, 4] and kinds["duplicate_id"].value == "r1"
    assert kinds["missing_id"].rows == [5]
    assert mapped.respondents["respondent_id"].tolist() == ["r1", "r2"]
    assert mapped.answers["value"].tolist() == [1.0, 2.0]


def test_numeric_out_of_range_and_not_a_number():
    study = make_study([{"id": "hours", "type": "numeric", "column": "H", "min": 0, "max": 80}])
    raw = raw_table(["H"], [["6,5"], ["120"], ["lots"], ["10"]])
    report = ValidationReport()
    mapped = map_source(study, study.sources[0], raw, report)
    assert mapped.answers["value"].tolist() == [6.5, 10.0]
    assert {(i.kind, i.rows[0]) for i in report.errors} == {
        ("out_of_range", 3),
        ("not_a_number", 4),
    }


def test_likert_numbers_outside_scale_are_out_of_range():
    study = make_study(
        [{"id": "l", "type": "likert", "column": "L", "scale": {"min": 1, "max": 5}}]
    )
    raw = raw_table(["L"], [["1"], ["5"], ["7"]])
    report = ValidationReport()
    mapped = map_source(study, study.sources[0], raw, report)
    assert mapped.answers["value"].tolist() == [1.0, 5.0]
    assert [i.kind for i in report.errors] == ["out_of_range"]


def test_limesurvey_wide_multiple_choice_and_other_column():
    study = make_study(
        [
            {
                "id": "m",
                "type": "multi_choice",
                "options": [
                    {"id": "a", "labels": "A", "column": "Q1[SQ001]"},
                    {"id": "b", "labels": "B", "column": "Q1[SQ002]"},
                ],
                "other": {"allowed": True, "column": "Q1[other]"},
            }
        ]
    )
    raw = raw_table(
        ["Q1[SQ001]", "Q1[SQ002]", "Q1[other]"],
        [["Y", None, None], ["Y", "Y", "my own way"], [None, None, None], [None, "maybe", None]],
    )
    report = ValidationReport()
    mapped = map_source(study, study.sources[0], raw, report)
    got = sorted(zip(mapped.answers["row"], mapped.answers["option_id"], strict=True))
    assert got == [(2, "a"), (3, "a"), (3, "b"), (3, "other")]
    assert [i.kind for i in report.errors] == ["unknown_label"]


def test_declared_missing_reasons_are_kept_apart_from_no_answer():
    study = make_study(
        [{"id": "s", "type": "likert", "column": "S", "scale": {"min": 1, "max": 5}}]
    )
    raw = raw_table(["S"], [["4"], [None], [None]])
    raw.missing = pd.DataFrame({0: [None, "No answer (9)", None]}, dtype="object")
    mapped = map_source(study, study.sources[0], raw, ValidationReport())
    answers = mapped.answers.sort_values("row")
    assert answers["missing"].tolist() == [None, "No answer (9)"]
    assert answers["value"].iloc[0] == 4.0


def test_occurrence_per_language_picks_the_repeated_header():
    study = make_study(
        [
            {
                "id": "r",
                "type": "single_choice",
                "column": "Why?",
                "occurrence": {"es": 2},
                "options": [{"id": "x", "labels": "X"}],
            }
        ],
        language="es",
    )
    raw = raw_table(["Why?", "Why?"], [["nonsense", "X"]])
    report = ValidationReport()
    mapped = map_source(study, study.sources[0], raw, report)
    assert mapped.answers["option_id"].tolist() == ["x"]
    assert not report.errors


def test_missing_column_is_an_error_naming_the_item():
    study = make_study([{"id": "q", "type": "numeric", "column": "Nope"}])
    report = ValidationReport()
    map_source(study, study.sources[0], raw_table(["Other"], [["1"]]), report)
    (error,) = report.errors
    assert error.kind == "missing_column" and error.item_id == "q" and error.column == "Nope"


@pytest.mark.parametrize("keep", [False, True])
def test_unfinished_responses_follow_the_study_file(keep):
    study = Study.model_validate(
        {
            "study": {"id": "t", "title": "T"},
            "sources": [{"id": "s", "path": "x.csv", "include_unfinished": keep}],
            "items": [{"id": "q", "type": "numeric", "column": "Q"}],
        }
    )
    raw = raw_table(["Q"], [["1"], ["2"]])
    raw.finished = pd.Series([True, False])
    report = ValidationReport()
    mapped = map_source(study, study.sources[0], raw, report)
    assert len(mapped.respondents) == (2 if keep else 1)
    assert any(i.kind == "unfinished" for i in report.warnings) != keep
