"""Codebook files: YAML loading with line-numbered errors, YAML and REFI-QDA .qdc round trips."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from lxml import etree

from microcred.errors import InputError, StudyFileError
from microcred.qual.codebook_io import (
    CODEBOOK_NS,
    GUID_NAMESPACE,
    dump_codebook,
    load_codebook,
    read_qdc,
    slug,
    write_qdc,
)

VALID = """\
id: motivations
name: Why learners take micro-credentials
languages: [en, es, ca]
codes:
  - id: motivation
    name: {en: Motivation, es: Motivación, ca: Motivació}
    codable: false
    definition: Why the learner enrols.
    children:
      - id: career
        name: {en: Career, es: Carrera}
        definition: The learner wants to change or advance their job.
        include: [promotion, a new job]
        exclude: [general curiosity]
        examples: ["I need it to get promoted", "Per canviar de feina"]
        construct: motivation
        option: career
        color: "#3366CC"
      - id: personal_interest
        name: Personal interest
        color: "#c63"
  - id: format
    name: {en: Format preference}
    definition: Preferences about how the course is delivered.
    guid: 342B0DCB-D6BA-529F-8A5E-631824740EBF
"""


def write(tmp_path: Path, text: str, name: str = "codebook.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(exc: pytest.ExceptionInfo[StudyFileError]) -> list[tuple[int | None, str]]:
    return [(line, field) for line, field, _ in exc.value.problems]


def test_valid_codebook_loads(tmp_path):
    cb = load_codebook(write(tmp_path, VALID))
    assert [c.id for c in cb.walk()] == ["motivation", "career", "personal_interest", "format"]
    assert [c.id for c in cb.codable()] == ["career", "personal_interest", "format"]
    assert cb.parent_of("career") == "motivation"
    career = cb.walk()[1]
    assert career.label("es") == "Carrera"
    assert career.label("ca") == "Career"  # falls back to English
    assert career.examples == ["I need it to get promoted", "Per canviar de feina"]
    assert cb.walk()[2].label("ca") == "Personal interest"


def test_dump_then_load_gives_the_same_codebook(tmp_path):
    cb = load_codebook(write(tmp_path, VALID))
    out = dump_codebook(cb, tmp_path / "out.yaml")
    again = load_codebook(out)
    assert again == cb
    assert "name: Personal interest\n" in out.read_text(encoding="utf-8")  # "*" as a string


def test_duplicate_code_ids_are_reported_at_each_repeat(tmp_path):
    text = VALID.replace("id: personal_interest", "id: career").replace("id: format", "id: career")
    with pytest.raises(StudyFileError) as exc:
        load_codebook(write(tmp_path, text))
    assert problems(exc) == [
        (19, "codes[0].children[1].id"),
        (22, "codes[1].id"),
    ]
    assert "duplicate code id 'career' (first at codes[0].children[0].id)" in str(exc.value)


def test_bad_colour_is_reported_with_line_and_field(tmp_path):
    with pytest.raises(StudyFileError) as exc:
        load_codebook(write(tmp_path, VALID.replace('"#3366CC"', '"blue"')))
    assert problems(exc) == [(18, "codes[0].children[0].color")]
    assert "codebook.yaml:18: codes[0].children[0].color:" in str(exc.value)


def test_unknown_field_is_reported_with_its_line(tmp_path):
    text = VALID.replace("    definition: Preferences", "    defintion: Preferences")
    with pytest.raises(StudyFileError) as exc:
        load_codebook(write(tmp_path, text))
    assert problems(exc) == [(24, "codes[1].defintion")]
    assert "unknown field (a typo?)" in str(exc.value)


def test_every_problem_is_reported_in_one_pass(tmp_path):
    text = VALID.replace('"#3366CC"', '"blue"').replace("id: format", "id: 9format")
    with pytest.raises(StudyFileError) as exc:
        load_codebook(write(tmp_path, text))
    assert problems(exc) == [(18, "codes[0].children[0].color"), (22, "codes[1].id")]


def test_yaml_syntax_error_and_missing_file(tmp_path):
    with pytest.raises(StudyFileError) as exc:
        load_codebook(write(tmp_path, "id: x\ncodes: [\n  - id: a\n"))
    assert exc.value.problems[0][1] == "(yaml)"
    assert exc.value.problems[0][0] is not None
    with pytest.raises(StudyFileError, match="no such file"):
        load_codebook(tmp_path / "missing.yaml")
    with pytest.raises(StudyFileError) as exc:
        load_codebook(write(tmp_path, "id: x\nname: X\ncodes: []\n"))
    assert problems(exc) == [(3, "codes")]


def test_slug_makes_valid_unique_ids():
    taken: set[str] = set()
    assert slug("1. Oltás típusa", taken) == "c_1_oltas_tipusa"
    assert slug("Personal interest", taken) == "personal_interest"
    assert slug("Personal  interest!", taken) == "personal_interest_2"
    assert slug("???") == "code"


# ----------------------------------------------------------------------------- .qdc


def test_qdc_export_follows_the_codebook_schema(tmp_path):
    cb = load_codebook(write(tmp_path, VALID))
    path = write_qdc(cb, tmp_path / "cb.qdc", language="es")
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    root = etree.fromstring(data)
    assert root.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    assert [etree.QName(c).localname for c in root] == ["Codes"]
    ns = {"q": CODEBOOK_NS}
    top = root.findall("q:Codes/q:Code", ns)
    assert [c.get("name") for c in top] == ["Motivación", "Format preference"]
    assert top[0].get("isCodable") == "false"
    # Description first, then nested codes (CodeType sequence)
    assert [etree.QName(c).localname for c in top[0]] == ["Description", "Code", "Code"]
    career, interest = top[0].findall("q:Code", ns)
    assert career.get("color") == "#3366CC"
    assert interest.get("color") == "#CC6633"
    assert career.find("q:Description", ns).text.startswith("The learner wants")
    # stable GUIDs: uuid5 of the code id, or the code's own
    expected = str(uuid.uuid5(GUID_NAMESPACE, "code:motivations/career")).upper()
    assert career.get("guid") == expected
    assert top[1].get("guid") == "342B0DCB-D6BA-529F-8A5E-631824740EBF"
    assert write_qdc(cb, tmp_path / "again.qdc", language="es").read_bytes() == data


def test_qdc_round_trip_keeps_tree_names_definitions_colours_and_guids(tmp_path):
    cb = load_codebook(write(tmp_path, VALID))
    back = read_qdc(write_qdc(cb, tmp_path / "cb.qdc"), reference=cb)
    assert [c.id for c in back.walk()] == [c.id for c in cb.walk()]
    for old, new in zip(cb.walk(), back.walk(), strict=True):
        assert new.label() == old.label("en")
        assert new.definition == old.definition
        assert new.codable == old.codable
        assert [c.id for c in new.children] == [c.id for c in old.children]
    assert [c.color for c in back.walk()] == [None, "#3366CC", "#CC6633", None]
    assert back.walk()[3].guid == "342B0DCB-D6BA-529F-8A5E-631824740EBF"
    # without a reference the ids come from the names, and a second trip is stable
    plain = read_qdc(tmp_path / "cb.qdc")
    assert [c.id for c in plain.walk()] == [
        "motivation", "career", "personal_interest", "format_preference"]
    plain2 = read_qdc(write_qdc(plain, tmp_path / "cb2.qdc"))
    assert plain2 == plain.model_copy(update={"id": "cb2", "name": "cb2"})


def test_qdc_from_another_tool_old_namespace_braces_and_odd_colours(tmp_path):
    path = tmp_path / "other.qdc"
    path.write_bytes(
        b"\xef\xbb\xbf<?xml version='1.0' encoding='utf-8'?>"
        b"<CodeBook xmlns='urn:QDA-XML:codebook:0.4' origin='Tool'><Codes>"
        b"<Code guid='{0347C5FA-BACD-5197-BB88-D2BB41072FCF}' name='Carri\xc3\xa8re' "
        b"isCodable='1' color='#FF3366CC'><Code guid='F69A38E8-865D-5756-8209-18B0063F186D' "
        b"name='Sub' isCodable='false'/></Code></Codes></CodeBook>"
    )
    cb = read_qdc(path)
    career = cb.codes[0]
    assert (career.id, career.label(), career.guid) == (
        "carriere", "Carrière", "0347C5FA-BACD-5197-BB88-D2BB41072FCF")
    assert career.codable and career.color is None
    assert career.children[0].codable is False


def test_bad_qdc_files_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_qdc(tmp_path / "none.qdc")
    bad = tmp_path / "bad.qdc"
    bad.write_text("<CodeBook><Codes>", encoding="utf-8")
    with pytest.raises(InputError, match="not well-formed XML"):
        read_qdc(bad)
    bad.write_text("<Project name='x'/>", encoding="utf-8")
    with pytest.raises(InputError, match="expected <CodeBook>"):
        read_qdc(bad)
    bad.write_text(f"<CodeBook xmlns='{CODEBOOK_NS}'><Codes/></CodeBook>", encoding="utf-8")
    with pytest.raises(InputError, match="no <Code>"):
        read_qdc(bad)
