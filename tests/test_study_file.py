"""The study file: pydantic models, line-numbered errors, the example studies."""

from __future__ import annotations

from pathlib import Path

import pytest

from microcred.errors import StudyFileError
from microcred.study import load

ROOT = Path(__file__).resolve().parents[1]

VALID = """\
study:
  id: demo
  title: Demo
sources:
  - id: s
    path: data.csv
items:
  - id: motivation
    type: single_choice
    column: Why?
    options:
      - {id: personal_interest, labels: {en: Personal interest, es: Interés personal}}
      - {id: career, labels: Career}
  - id: worth
    type: likert
    column: Worth
    scale: {min: 1, max: 5, anchors: {1: Disagree, 5: Agree}}
segments:
  - id: career_motivated
    where: {item: motivation, options: [career]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_study_loads_with_base_dir(tmp_path):
    study = load(write(tmp_path, VALID))
    assert study.base_dir == tmp_path.resolve()
    assert study.source_path(study.sources[0]) == (tmp_path / "data.csv").resolve()
    motivation = study.item("motivation")
    assert motivation.options[0].label("es") == "Interés personal"
    assert motivation.options[1].label("es") == "Career"
    assert [o.id for o in study.item("worth").effective_options()] == ["v1", "v2", "v3", "v4", "v5"]


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("    type: likert", "    type: likret", 15, "items[1].type"),
        ("    column: Worth", "    colum: Worth", 16, "items[1].colum"),
        ("  title: Demo", "  titel: Demo", 3, "study.titel"),
        ("options: [career]", "options: [carer]", 20, "segments"),
    ],
)
def test_typos_are_reported_with_line_and_field(tmp_path, old, new, line, field):
    assert old in VALID
    with pytest.raises(StudyFileError) as caught:
        load(write(tmp_path, VALID.replace(old, new)))
    problems = caught.value.problems
    assert any(p[0] == line and p[1].startswith(field) for p in problems), problems
    assert f"study.yaml:{line}:" in str(caught.value)


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(StudyFileError) as caught:
        load(write(tmp_path, VALID.replace("  - id: worth", "  - id: worth: [")))
    assert caught.value.problems[0][0] == 14


def test_missing_file(tmp_path):
    with pytest.raises(StudyFileError, match="no such file"):
        load(tmp_path / "nope.yaml")


def test_choice_item_without_options_is_rejected(tmp_path):
    text = VALID.replace(
        "    options:\n"
        "      - {id: personal_interest, labels: {en: Personal interest, es: Interés personal}}\n"
        "      - {id: career, labels: Career}\n",
        "",
    ).replace(
        "segments:\n  - id: career_motivated\n    where: {item: motivation, options: [career]}\n",
        "",
    )
    with pytest.raises(StudyFileError, match="needs options"):
        load(write(tmp_path, text))


@pytest.mark.parametrize("name", ["coursera-progfun-2013", "learning-r-2019"])
def test_example_studies_load(name):
    study = load(ROOT / "examples" / name / "study.yaml")
    assert study.study.id == name
    assert study.constructs and study.segments and study.comparisons


def test_progfun_example_declares_the_issue_items():
    study = load(ROOT / "examples" / "coursera-progfun-2013" / "study.yaml")
    ids = {i.id for i in study.items}
    assert {
        "motivation",
        "weekly_hours",
        "worth_time",
        "follow_up_interest",
        "apply_where",
        "finished",
        "age_group",
        "degree",
        "programming_years",
    } <= ids
    assert len(study.item("weekly_hours").options) == 7
