"""Study-file mistakes through `microcred validate`: exit code 2, the line, the bad value.

Every kind of problem the loader reports is made here once: a wrong value (echoed with
what is allowed), a typo in a key, a missing key, a value of the wrong kind for a field
that takes several kinds, a broken reference, and files that are not readable YAML.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.cli import app
from microcred.errors import StudyFileError

runner = CliRunner()

STUDY = """\
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
      - {id: personal_interest, labels: Personal interest}
      - {id: career, labels: Career}
  - id: worth
    type: likert
    column: Worth
    scale: {min: 1, max: 5}
segments:
  - id: career_motivated
    where: {item: motivation, options: [career]}
"""


def line_with(text: str, needle: str) -> int:
    """1-based line of the first line of ``text`` that contains ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def validate(tmp_path: Path, text: str | bytes) -> str:
    """Run `microcred validate` on ``text``; check exit code 2 and that every problem has
    a line; return the output."""
    path = tmp_path / "study.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    problems = [line for line in result.output.splitlines() if "study.yaml" in line]
    assert problems, result.output
    assert all("study.yaml:?" not in p and p.split("study.yaml:")[1][:1].isdigit()
               for p in problems), result.output
    return result.output


def edited(old: str, new: str, text: str = STUDY) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "field", "shown", "allowed"),
    [
        ("    type: likert", "    type: likret", "items[1].type", "'likret'",
         ["'likert'", "'single_choice'", "'open_text'"]),
        ("    path: data.csv", "    path: data.csv\n    format: xls", "sources[0].format",
         "'xls'", ["'xlsx'", "'csv'", "'qualtrics'"]),
        ("    column: Worth", "    column: Worth\n    min: one", "items[1].min", "'one'",
         ["a number"]),
        ("scale: {min: 1,", "scale: {min: one,", "items[1].scale.min", "'one'", ["a number"]),
        ("    column: Worth", "    column: Worth\n    required: maybe", "items[1].required",
         "'maybe'", ["true or false"]),
        ("  - id: worth", "  - id: 'wo rth'", "items[1].id", "'wo rth'",
         ["letters, digits, _ and -"]),
        # was accepted, then a TypeError traceback in the reader
        ("    path: data.csv", "    path: data.csv\n    delimiter: ';;'",
         "sources[0].delimiter", "';;'", ["one character"]),
    ],
)
def test_wrong_value_is_echoed_with_what_is_allowed(tmp_path, old, new, field, shown, allowed):
    text = edited(old, new)
    line = line_with(text, new.splitlines()[-1].strip())
    output = validate(tmp_path, text)
    problem = next(p for p in output.splitlines() if f"study.yaml:{line}: {field}:" in p)
    assert shown in problem
    assert all(a in problem for a in allowed), problem


def test_typo_in_a_key_is_an_unknown_field_at_its_line(tmp_path):
    text = edited("    column: Worth", "    colum: Worth")
    output = validate(tmp_path, text)
    assert f"study.yaml:{line_with(text, 'colum:')}: items[1].colum: unknown field" in output


def test_missing_key_is_reported_at_the_mapping_that_lacks_it(tmp_path):
    text = edited("    type: likert\n", "")
    output = validate(tmp_path, text)
    assert f"study.yaml:{line_with(text, '- id: worth')}: items[1].type: required" in output


def test_missing_top_level_key_is_reported_at_line_1(tmp_path):
    text = edited("study:\n  id: demo\n  title: Demo\n", "")
    output = validate(tmp_path, text)
    assert "study.yaml:1: study: required field is missing" in output


def test_flow_mapping_missing_key_at_its_line(tmp_path):
    text = edited("      - {id: career, labels: Career}", "      - {labels: Career}")
    output = validate(tmp_path, text)
    line = line_with(text, "{labels: Career}")
    assert f"study.yaml:{line}: items[0].options[1].id: required" in output


def test_a_field_of_several_kinds_gives_one_problem_naming_them(tmp_path):
    # column is text or a mapping language -> header (a pydantic union)
    text = edited("    column: Worth", "    column: [Worth]")
    output = validate(tmp_path, text)
    problems = [p for p in output.splitlines() if "items[1].column" in p]
    assert len(problems) == 1, problems
    assert problems[0].endswith(
        f"study.yaml:{line_with(text, 'column: [Worth]')}: items[1].column: "
        "expected text or a mapping (key: value), got ['Worth']"
    )


def test_a_union_of_mappings_reports_the_closest_kind_only(tmp_path):
    # a code segment's condition is {code: ...} or an item condition; this one is an
    # item condition whose options are not a list: no "unknown field item" from the
    # code-condition reading
    text = STUDY + (
        "code_segments:\n  - id: cs\n    where: [{item: motivation, options: career}]\n"
    )
    output = validate(tmp_path, text)
    line = line_with(text, "options: career}")
    assert (f"study.yaml:{line}: code_segments[0].where[0].options: "
            "expected a list, got 'career'") in output
    assert "unknown field" not in output


def test_model_rule_is_reported_without_pydantic_prefix(tmp_path):
    text = edited("scale: {min: 1, max: 5}", "scale: {min: 5, max: 1}")
    output = validate(tmp_path, text)
    line = line_with(text, "scale:")
    assert f"study.yaml:{line}: items[1].scale: scale.min must be lower than scale.max" in output
    assert "Value error" not in output


def test_broken_reference_names_its_line(tmp_path):
    text = edited("options: [career]", "options: [carer]")
    output = validate(tmp_path, text)
    line = line_with(text, "options: [carer]")
    assert f"study.yaml:{line}: segments[0].where[0].options[0]: " in output
    assert "'carer'" in output


@pytest.mark.parametrize(
    ("text", "needle", "words"),
    [
        (edited("  - id: worth", "  - id: worth: ["), "id: worth: [", "not allowed"),
        (edited("  title: Demo", "  title: Demo\n  title: Again"), "title: Again", "duplicate"),
        # a date-like value that is no date fails inside ruamel.yaml with a ValueError
        (edited("  title: Demo", "  title: Demo\n  description: 2001-13-45"), "2001-13-45",
         "in quotes"),
        (edited("  title: Demo", "  title: Demo\n  description: !!int x"), "!!int x",
         "in quotes"),
        # a directive after the document: KeyError inside ruamel.yaml
        ("x: 1\n%YAML 9.9\n---\na: 1\n", "%YAML 9.9", "not a YAML document"),
    ],
)
def test_unreadable_yaml_names_its_line(tmp_path, text, needle, words):
    output = validate(tmp_path, text)
    assert f"study.yaml:{line_with(text, needle)}: (yaml):" in output
    assert words in output


def test_file_not_in_utf8_names_the_line_of_the_bad_byte(tmp_path):
    text = STUDY.replace("  title: Demo", "  title: Caf\u00e9")
    output = validate(tmp_path, text.encode("latin-1"))
    assert f"study.yaml:{line_with(text, 'Caf')}: (file): not UTF-8: byte 0xe9" in output


def test_alias_bomb_names_the_line_where_the_expansion_passes_the_limit(tmp_path):
    lines = ["a: &a [1,1,1,1,1,1,1,1,1,1]"]
    for prev, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    text = "\n".join(lines) + "\n"
    output = validate(tmp_path, text)
    # 1 + 10 + ... : the mapping f is the first to pass 1,000,000 values
    assert f"study.yaml:{line_with(text, 'f: &f')}: (yaml): more than 1,000,000" in output


def test_nesting_past_the_recursion_limit_names_the_line(tmp_path):
    text = "study:\n  id: x\nitems:\n" + "".join("  " * i + "-\n" for i in range(1, 1500))
    output = validate(tmp_path, text)
    # the top mapping is level 1, the sequence under items (from line 4) level 2 and
    # each line one more: level 101 starts on line 103
    assert "(yaml): nested too deeply to be a study file (more than 100 levels" in output
    assert "study.yaml:103: (yaml)" in output


def test_missing_file_is_an_error_about_the_file_without_a_question_mark(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "study.yaml")])
    assert result.exit_code == 2
    assert "study.yaml: (file): no such file" in result.output
    assert ":?:" not in result.output


def test_problem_raised_without_a_line_is_located_in_the_file(tmp_path):
    # code that holds the validated study but not its YAML (the coding stage) raises
    # StudyFileError with no line: the field is looked up in the file
    path = tmp_path / "study.yaml"
    path.write_text(STUDY, encoding="utf-8")
    error = StudyFileError(str(path), [(None, "items[1].scale", "x"), (None, "coding.items", "y")])
    assert error.problems == [
        (line_with(STUDY, "scale:"), "items[1].scale", "x"),
        (1, "coding.items", "y"),  # no coding: section: the top-level mapping
    ]
    assert f"study.yaml:{line_with(STUDY, 'scale:')}: items[1].scale: x" in str(error)
    not_a_file = StudyFileError("demo (with code items)", [(None, "items.3.id", "z")])
    assert str(not_a_file).endswith("demo (with code items): items.3.id: z")
