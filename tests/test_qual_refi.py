"""REFI-QDA projects: import variants (case 15, a real NVivo 12 export, synthetic files),
export, structural validity, and round trips."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest
from lxml import etree

from microcred.errors import InputError
from microcred.qual.codebook import Code, Codebook
from microcred.qual.refi import (
    PROJECT_NS,
    READINGS,
    SEGMENT_COLUMNS,
    check_qdpx,
    project_from_units,
    read_qdpx,
    write_qdpx,
)
from microcred.qual.transcripts import read_transcript, survey_units

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CASE15 = SHARED / "cases" / "15-refi-qdpx-container-variants"
NVIVO = SHARED / "data" / "refi-qda-nvivo12" / "nvivo12-youtube-comments.qdpx"

needs_case15 = pytest.mark.skipif(not CASE15.exists(), reason="shared case 15 not present")
needs_nvivo = pytest.mark.skipif(not NVIVO.exists(), reason="shared NVivo export not present")

# Project.xsd (QDA-XML 1.0) sequences, written out here independently of the module.
PROJECT_SEQUENCE = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links",
                    "Sets", "Graphs", "Description", "NoteRef"]
TEXTSOURCE_SEQUENCE = ["Description", "PlainTextContent", "PlainTextSelection", "Coding",
                       "NoteRef", "VariableValue"]
CASE_SEQUENCE = ["Description", "CodeRef", "VariableValue", "SourceRef", "SelectionRef"]


def local(el) -> str:
    return etree.QName(el).localname


def in_sequence(el, sequence: list[str]) -> bool:
    ranks = [sequence.index(local(c)) for c in el]
    return ranks == sorted(ranks)


def segment_table(project) -> list[tuple]:
    seg = project.segments.sort_values(["document", "start", "end", "code_id"])
    return list(seg[["document", "start", "end", "code_id", "coder", "text"]]
                .itertuples(index=False, name=None))


# ------------------------------------------------------------------------- case 15


@needs_case15
def test_case15_container_variants_import_as_expected():
    expected = json.loads((CASE15 / "expected.json").read_text(encoding="utf-8"))
    project = read_qdpx(CASE15 / "learner_interviews.qdpx")
    assert project.name == expected["project_name"]
    sources = project.sources
    assert list(sources["name"]) == [s["name"] for s in expected["sources"]]
    assert [len(t) for t in sources["text"]] == [s["n_chars"] for s in expected["sources"]]
    assert [t.split("\n")[0] for t in sources["text"]] == [
        s["first_line"] for s in expected["sources"]]
    codebook = project.codebook
    by_name = {c.label(): c for c in codebook.walk()}
    got_codes = []
    for code in codebook.walk():
        parent = codebook.parent_of(code.id)
        got_codes.append({
            "name": code.label(),
            "parent": by_name_label(codebook, parent),
            "isCodable": code.codable,
            "color": code.color,
        })
    assert got_codes == expected["codes"]
    assert "Motivation" not in [c.label() for c in codebook.codable()]
    assert by_name["Motivation"].definition == "Why learners enrol"
    got = [
        {"source": r.document, "start": r.start, "end": r.end,
         "code": by_id(codebook, r.code_id).label(), "text": r.text}
        for r in project.segments.itertuples()
    ]
    assert got == expected["segments"]
    assert "Q&A" in sources["text"].iloc[2] and "&amp;" not in sources["text"].iloc[2]
    assert set(project.segments["coder"]) == {"coder01"}
    assert project.annotations.empty


def by_id(codebook: Codebook, code_id: str) -> Code:
    return next(c for c in codebook.walk() if c.id == code_id)


def by_name_label(codebook: Codebook, code_id: str | None) -> str | None:
    return None if code_id is None else by_id(codebook, code_id).label()


@needs_case15
def test_case15_reexport_is_valid_and_reimports_the_same(tmp_path):
    project = read_qdpx(CASE15 / "learner_interviews.qdpx")
    out = write_qdpx(project, tmp_path / "again.qdpx")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        qde = zf.read("project.qde")
    assert [n for n in names if n.endswith(".qde")] == ["project.qde"]
    assert all(n == "project.qde" or n.startswith("sources/") for n in names)
    assert len([n for n in names if n.startswith("sources/")]) == 3
    assert not qde.startswith(b"\xef\xbb\xbf")
    root = etree.fromstring(qde)
    assert root.tag == f"{{{PROJECT_NS}}}Project"
    assert in_sequence(root, PROJECT_SEQUENCE)
    for source in root.iter(f"{{{PROJECT_NS}}}TextSource"):
        assert in_sequence(source, TEXTSOURCE_SEQUENCE)
        assert source.get("plainTextPath", "").startswith("internal://")
        assert source.get("richTextPath") is None
    assert check_qdpx(out) == []
    again = read_qdpx(out)
    assert again.name == project.name
    assert again.codebook == project.codebook
    assert list(again.sources["text"]) == list(project.sources["text"])
    assert list(again.sources["guid"]) == list(project.sources["guid"])
    assert segment_table(again) == segment_table(project)
    assert list(again.segments["selection_guid"]) == list(project.segments["selection_guid"])
    # writing is deterministic
    write_qdpx(project, tmp_path / "third.qdpx", created_at="2024-01-01T00:00:00Z")
    write_qdpx(project, tmp_path / "fourth.qdpx", created_at="2024-01-01T00:00:00Z")
    assert (zipfile.ZipFile(tmp_path / "third.qdpx").read("project.qde")
            == zipfile.ZipFile(tmp_path / "fourth.qdpx").read("project.qde"))


# ------------------------------------------------------------------------- NVivo 12


@needs_nvivo
def test_nvivo12_export_reads_with_utf16_offsets():
    project = read_qdpx(NVIVO)
    assert project.origin == "NVivo for Windows 12.6"
    assert len(project.codebook.walk()) == 152
    assert len(project.segments) == 303
    assert project.offsets == "UTF-16 code units"
    # reference: slice the source file as .NET does (UTF-16 code units on the CRLF
    # text), independently of the importer, then normalise the newlines
    root = etree.fromstring(zipfile.ZipFile(NVIVO).read("project.qde"))
    raw = {}
    with zipfile.ZipFile(NVIVO) as zf:
        for name in zf.namelist():
            if name.endswith(".txt"):
                guid = name.rsplit("/", 1)[-1][:-4]
                raw[guid] = zf.read(name).decode("utf-8-sig").encode("utf-16-le")
    expected = {}
    for source in root.iter(f"{{{PROJECT_NS}}}TextSource"):
        units = raw[source.get("guid")]
        for sel in source.iter(f"{{{PROJECT_NS}}}PlainTextSelection"):
            s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
            text = units[2 * s:2 * e].decode("utf-16-le").replace("\r\n", "\n")
            expected[sel.get("guid")] = text
    got = dict(zip(project.segments["selection_guid"], project.segments["text"], strict=True))
    assert got == expected
    sources = dict(zip(project.sources["guid"], project.sources["text"], strict=True))
    for row in project.segments.itertuples():
        assert sources[row.source_guid][row.start:row.end] == row.text


@needs_nvivo
def test_nvivo12_round_trip_keeps_every_code_and_coded_selection(tmp_path):
    project = read_qdpx(NVIVO)
    out = write_qdpx(project, tmp_path / "nvivo-again.qdpx")
    assert check_qdpx(out) == []
    again = read_qdpx(out)
    assert again.offsets == READINGS[0]
    assert [(c.id, c.label(), c.guid, c.definition, c.codable) for c in again.codebook.walk()] == [
        (c.id, c.label(), c.guid, c.definition, c.codable) for c in project.codebook.walk()]
    assert segment_table(again) == segment_table(project)
    assert sorted(again.segments["selection_guid"]) == sorted(project.segments["selection_guid"])
    assert again.users == project.users


# ------------------------------------------------------------------------- synthetic


def make_qdpx(path: Path, qde: str, files: dict[str, bytes] | None = None,
              qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(qde_name, qde.encode("utf-8"))
        for name, data in (files or {}).items():
            zf.writestr(name, data)
    return path


CODES = """<CodeBook><Codes>
<Code guid="11111111-1111-1111-1111-111111111111" name="Career" isCodable="true"/>
<Code guid="22222222-2222-2222-2222-222222222222" name="Format" isCodable="true"/>
</Codes></CodeBook>"""
SRC = "33333333-3333-3333-3333-333333333333"
USER = "44444444-4444-4444-4444-444444444444"


def selection(guid_n: int, start: int, end: int, name: str | None, code: str | None = "1") -> str:
    attr = f' name="{name}"' if name is not None else ""
    coding = (f'<Coding guid="5555555{guid_n}-0000-0000-0000-000000000000" creatingUser="{USER}">'
              f'<CodeRef targetGUID="{code * 8}-{code * 4}-{code * 4}-{code * 4}-{code * 12}"/>'
              "</Coding>") if code else ""
    return (f'<PlainTextSelection guid="6666666{guid_n}-0000-0000-0000-000000000000"{attr} '
            f'startPosition="{start}" endPosition="{end}">{coding}</PlainTextSelection>')


def project_xml(selections: str, ns: str = PROJECT_NS, source_attrs: str = "",
                extra: str = "", source_children: str = "") -> str:
    if not source_attrs:
        source_attrs = f'plainTextPath="internal://{SRC}.txt"'
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{ns}" name="Synthetic" '
            f'origin="test"><Users><User guid="{USER}" name="ana"/></Users>{CODES}{extra}'
            f'<Sources><TextSource guid="{SRC}" name="Doc" {source_attrs}>'
            f"{selections}{source_children}</TextSource></Sources></Project>")


CRLF_TEXT = "Why I enrol\r\nI want a promotion 🙂 soon\r\nOnline suits me best\r\n"
LF_TEXT = CRLF_TEXT.replace("\r\n", "\n")


def quote_positions(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


@pytest.mark.parametrize(
    ("offsets_in", "reading"),
    [
        (CRLF_TEXT, "code points"),  # QualCoder / MAXQDA: the text as stored
        (LF_TEXT, "code points, CRLF counted once"),  # ATLAS.ti
    ],
)
def test_crlf_offsets_are_detected_from_selection_names(tmp_path, offsets_in, reading):
    sels = "".join(
        selection(i, *quote_positions(offsets_in, q), q, code)
        for i, (q, code) in enumerate([("a promotion", "1"), ("Online suits me", "2")])
    )
    path = make_qdpx(tmp_path / "p.qdpx", project_xml(sels),
                     {f"sources/{SRC}.txt": CRLF_TEXT.encode("utf-8")})
    project = read_qdpx(path)
    assert project.offsets == reading
    assert list(project.segments["text"]) == ["a promotion", "Online suits me"]
    assert list(project.segments["code_id"]) == ["career", "format"]
    assert project.sources["text"].iloc[0] == LF_TEXT
    start, end = quote_positions(LF_TEXT, "Online suits me")
    assert (project.segments["start"].iloc[1], project.segments["end"].iloc[1]) == (start, end)


def test_without_names_word_boundaries_choose_the_reading(tmp_path):
    # offsets in UTF-16 units on the CRLF text (NVivo), no names: the emoji and the
    # CRLFs shift the second and third selections unless UTF-16 + CRLF is used
    units = CRLF_TEXT.encode("utf-16-le")

    def u16(quote: str) -> tuple[int, int]:
        start = units.index(quote.encode("utf-16-le")) // 2
        return start, start + len(quote.encode("utf-16-le")) // 2

    quotes = ["promotion", "soon", "Online suits me best"]
    sels = "".join(selection(i, *u16(q), None) for i, q in enumerate(quotes))
    path = make_qdpx(tmp_path / "p.qdpx", project_xml(sels),
                     {f"Sources/{SRC}.txt": b"\xef\xbb\xbf" + CRLF_TEXT.encode("utf-8")})
    project = read_qdpx(path)
    assert project.offsets == "UTF-16 code units"
    assert list(project.segments["text"]) == quotes
    # the same selections given in code points on the stored text read by default
    sels = "".join(selection(i, *quote_positions(CRLF_TEXT, q), None)
                   for i, q in enumerate(quotes))
    path = make_qdpx(tmp_path / "q.qdpx", project_xml(sels),
                     {f"sources/{SRC}.txt": CRLF_TEXT.encode("utf-8")})
    project = read_qdpx(path)
    assert project.offsets == "code points"
    assert list(project.segments["text"]) == quotes


def test_docx_only_source_old_namespace_annotations_variables_and_cases(tmp_path):
    document = docx.Document()
    document.add_paragraph("Interview with R7")
    document.add_paragraph("I want a promotion.")
    buffer = tmp_path / "d.docx"
    document.save(buffer)
    text = "Interview with R7\nI want a promotion."
    sels = (selection(1, *quote_positions(text, "a promotion"), "a promotion")
            + selection(2, 0, 9, None, code=None))
    var_guid = "77777777-7777-7777-7777-777777777777"
    age_guid = "88888888-8888-8888-8888-888888888888"
    extra = (f'<Variables><Variable guid="{var_guid}" name="employed" typeOfVariable="Boolean"/>'
             f'<Variable guid="{age_guid}" name="age" typeOfVariable="Integer"/></Variables>'
             '<Cases><Case guid="99999999-9999-9999-9999-999999999999" name="R7">'
             f'<VariableValue><VariableRef targetGUID="{var_guid}"/>'
             "<BooleanValue>true</BooleanValue></VariableValue>"
             f'<SourceRef targetGUID="{SRC}"/></Case></Cases>')
    source_children = (f'<VariableValue><VariableRef targetGUID="{age_guid}"/>'
                       "<IntegerValue>34</IntegerValue></VariableValue>")
    qde = project_xml(sels, ns="urn:QDA-XML:project:0.4",
                      source_attrs=f'richTextPath="internal://{SRC}.docx"', extra=extra,
                      source_children=source_children)
    path = make_qdpx(tmp_path / "p.qdpx", qde, {f"Sources/{SRC}.docx": buffer.read_bytes()},
                     qde_name="My project.qde")
    project = read_qdpx(path)
    assert project.sources["text"].iloc[0] == text
    assert project.sources["variables"].iloc[0] == {"age": 34}
    assert list(project.segments["text"]) == ["a promotion"]
    assert list(project.segments["respondent_id"]) == ["R7"]
    assert list(project.segments["coder"]) == ["ana"]
    assert list(project.annotations["text"]) == ["Interview"]
    assert project.cases[0].variables == {"employed": True}
    assert [v.type for v in project.variables] == ["Boolean", "Integer"]
    # written back, annotation, variables and case survive
    again = read_qdpx(write_qdpx(project, tmp_path / "w.qdpx"))
    assert list(again.annotations["text"]) == ["Interview"]
    assert again.cases[0].variables == {"employed": True}
    assert again.sources["variables"].iloc[0] == {"age": 34}
    assert list(again.segments["respondent_id"]) == ["R7"]


def test_inline_text_and_a_folder_instead_of_a_zip(tmp_path):
    qde = project_xml(selection(1, 0, 14, "Short &amp; online")).replace(
        f'plainTextPath="internal://{SRC}.txt">',
        ">" + "<PlainTextContent>Short &amp; online, please.</PlainTextContent>",
    )
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "whatever.qde").write_text(qde, encoding="utf-8")
    for target in (folder, folder / "whatever.qde"):
        project = read_qdpx(target)
        assert project.sources["text"].iloc[0] == "Short & online, please."
        assert list(project.segments["text"]) == ["Short & online"]


@pytest.mark.parametrize(
    ("qde", "files", "message"),
    [
        (project_xml(selection(1, 0, 500, None)), {f"sources/{SRC}.txt": b"short"},
         "lies outside source"),
        (project_xml(selection(1, 0, 3, None, code="9")), {f"sources/{SRC}.txt": b"short"},
         "unknown code 99999999"),
        (project_xml(selection(1, 0, 3, None)), {}, "not found"),
        ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', {}, "expected <Project>"),
        ("<Project", {}, "not well-formed"),
    ],
)
def test_broken_projects_raise_input_error(tmp_path, qde, files, message):
    path = make_qdpx(tmp_path / "p.qdpx", qde, files)
    with pytest.raises(InputError, match=message):
        read_qdpx(path)


def test_not_a_project_container(tmp_path):
    bad = tmp_path / "x.qdpx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a .qdpx"):
        read_qdpx(bad)
    with zipfile.ZipFile(tmp_path / "empty.qdpx", "w") as zf:
        zf.writestr("sources/a.txt", "x")
    with pytest.raises(InputError, match="no .qde"):
        read_qdpx(tmp_path / "empty.qdpx")
    with zipfile.ZipFile(tmp_path / "two.qdpx", "w") as zf:
        zf.writestr("a.qde", "<Project name='a'/>")
        zf.writestr("b.qde", "<Project name='b'/>")
    with pytest.raises(InputError, match="2 .qde files"):
        read_qdpx(tmp_path / "two.qdpx")
    with pytest.raises(InputError, match="no such file"):
        read_qdpx(tmp_path / "missing.qdpx")


# ------------------------------------------------------------------------- export


def survey_fixture():
    codebook = Codebook(
        id="likes", name="Likes", codes=[
            Code(id="theme", name="Themes", codable=False, children=[
                Code(id="pace", name={"en": "Pace", "es": "Ritmo"}, color="#3366CC",
                     definition="About the speed of the course."),
                Code(id="content", name="Content"),
            ]),
        ],
    )
    answers = pd.DataFrame({
        "respondent_id": ["r1", "r1", "r1", "r2", "r2", "r2", "r1", "r2"],
        "item_id": ["like_best", "age", "worth", "like_best", "age", "worth", "employed",
                    "employed"],
        "option_id": [None, None, None, None, None, None, "yes", "no"],
        "value": [None, 34.0, 4.5, None, 51.0, 3.0, None, None],
        "text": ["The pace,\r\nreally", None, None, "Good videos & = sums", None, None, None,
                 None],
        "missing": [None] * 8, "source_id": ["s"] * 8, "row": [2, 2, 2, 3, 3, 3, 2, 3],
    })
    units = survey_units(answers, ["like_best"])
    codings = pd.DataFrame({
        "unit_id": ["like_best:r1", "like_best:r1", "like_best:r2", "like_best:r2",
                    "like_best:r2"],
        "code_id": ["pace", "pace", "content", "pace", "pace"],
        "coder": ["ana", "bot", "ana", "bot", "ana"],
        "origin": ["human", "machine", "human", "machine", "human"],
        "present": [1, 1, 1, 1, 0],
        "confidence": [None, 0.9, None, 0.7, None],
        "model": [None, "e5", None, "e5", None],
        "model_version": [None, "1", None, "1", None],
        "status": ["human", "confirmed", "human", "proposed", "human"],
        "created_at": ["2024-05-01T10:00:00Z"] * 5,
    })
    return codebook, answers, units, codings


def test_survey_project_export_has_typed_case_variables_and_coded_selections(tmp_path):
    codebook, answers, units, codings = survey_fixture()
    project = project_from_units("Survey 2024", units, codings, codebook=codebook,
                                 answers=answers)
    assert tuple(project.segments.columns) == SEGMENT_COLUMNS
    out = write_qdpx(project, tmp_path / "survey.qdpx", language="es")
    assert check_qdpx(out) == []
    root = etree.fromstring(zipfile.ZipFile(out).read("project.qde"))
    ns = {"q": PROJECT_NS}
    assert in_sequence(root, PROJECT_SEQUENCE)
    types = {v.get("name"): v.get("typeOfVariable") for v in root.findall(".//q:Variable", ns)}
    assert types == {"like_best": "Text", "age": "Integer", "worth": "Float",
                     "employed": "Text"}
    case = root.find(".//q:Case[@name='r1']", ns)
    assert in_sequence(case, CASE_SEQUENCE)
    values = {}
    for vv in case.findall("q:VariableValue", ns):
        ref = vv.find("q:VariableRef", ns).get("targetGUID")
        name = root.find(f".//q:Variable[@guid='{ref}']", ns).get("name")
        value = vv[1]
        values[name] = (local(value), value.text)
    assert values == {"like_best": ("TextValue", "The pace,\nreally"),
                      "age": ("IntegerValue", "34"), "worth": ("FloatValue", "4.5"),
                      "employed": ("TextValue", "yes")}
    assert root.find(".//q:Code[@name='Ritmo']", ns) is not None
    # the machine's proposed coding and the absent (0) coding are not exported
    assert "ritmo" in set(read_qdpx(out).segments["code_id"])  # ids from the names
    back = read_qdpx(out, codebook=codebook)  # ids from the exported codebook
    rows = sorted(zip(back.segments["respondent_id"], back.segments["code_id"],
                      back.segments["coder"], back.segments["text"], strict=True))
    assert rows == [
        ("r1", "pace", "ana", "The pace,\nreally"),
        ("r1", "pace", "bot", "The pace,\nreally"),
        ("r2", "content", "ana", "Good videos & = sums"),
    ]
    assert back.sources["text"].iloc[0] == "The pace,\nreally\n\nGood videos & = sums"
    assert {c.name: c.variables["age"] for c in back.cases} == {"r1": 34, "r2": 51}
    assert back.cases[0].variables["worth"] == 4.5


def test_crlf_export_round_trips(tmp_path):
    codebook, answers, units, codings = survey_fixture()
    project = project_from_units("Survey", units, codings, codebook=codebook)
    out = write_qdpx(project, tmp_path / "crlf.qdpx", newline="\r\n")
    with zipfile.ZipFile(out) as zf:
        stored = [zf.read(n) for n in zf.namelist() if n.endswith(".txt")][0]
    assert b"\r\n" in stored and not stored.startswith(b"\xef\xbb\xbf")
    back = read_qdpx(out)
    assert segment_table(back) == segment_table(project)


def test_transcript_export_keeps_offsets_and_speakers(tmp_path):
    path = tmp_path / "fg.txt"
    path.write_text("Moderator: Why?\nAnna: For my career.\nJoan: For fun.\n", encoding="utf-8")
    units = read_transcript(path, {"Anna": "R1", "Joan": "R2"})
    codebook = Codebook(id="m", name="M", codes=[Code(id="career", name="Career"),
                                                 Code(id="fun", name="Fun")])
    codings = pd.DataFrame({
        "unit_id": ["fg:2", "fg:3"], "code_id": ["career", "fun"], "coder": ["ana", "ana"],
        "origin": ["human", "human"], "present": [1, 1], "confidence": [None, None],
        "model": [None, None], "model_version": [None, None], "status": ["human", "human"],
        "created_at": [None, None],
    })
    project = project_from_units("FG", units, codings, codebook=codebook,
                                 documents={"fg": units.attrs["document_text"]})
    back = read_qdpx(write_qdpx(project, tmp_path / "fg.qdpx"))
    assert back.sources["text"].iloc[0] == units.attrs["document_text"]
    assert list(back.segments["text"]) == ["For my career.", "For fun."]
    assert list(back.segments["start"]) == list(units["start"].iloc[1:])
    assert list(back.segments["respondent_id"]) == ["R1", "R2"]


def test_export_refuses_segments_that_do_not_match_their_source(tmp_path):
    codebook, answers, units, codings = survey_fixture()
    project = project_from_units("Survey", units, codings, codebook=codebook)
    project.segments.loc[0, "text"] = "something else"
    with pytest.raises(InputError, match="differs from the source span"):
        write_qdpx(project, tmp_path / "x.qdpx")
    project = project_from_units("Survey", units, codings, codebook=codebook)
    project.segments.loc[0, "code_id"] = "nope"
    with pytest.raises(InputError, match="unknown code 'nope'"):
        write_qdpx(project, tmp_path / "x.qdpx")


def test_check_qdpx_finds_structural_problems(tmp_path):
    qde = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{PROJECT_NS}" name="x">'
           f'<Sources><TextSource guid="{SRC}" plainTextPath="internal://{SRC}.txt">'
           "<PlainTextContent>x</PlainTextContent></TextSource></Sources>"
           f"<Users><User guid='not-a-guid'/></Users></Project>")
    path = make_qdpx(tmp_path / "bad.qdpx", "\ufeff" + qde, {f"Sources/{SRC}.txt": b"x"},
                     qde_name="other.qde")
    problems = check_qdpx(path)
    joined = "\n".join(problems)
    assert "expected one project.qde" in joined
    assert "BOM" in joined
    assert "Sources/" in joined
    assert "<Project> children out of xsd:sequence order" in joined
    assert "exactly one of PlainTextContent/plainTextPath" in joined
    assert "'not-a-guid' is not a GUID" in joined


def test_coding_of_a_whole_source_becomes_a_segment_spanning_it(tmp_path):
    qde = project_xml("").replace(
        f'plainTextPath="internal://{SRC}.txt">',
        "><PlainTextContent>hello world</PlainTextContent>"
        '<Coding guid="55555555-3333-3333-3333-333333333333">'
        '<CodeRef targetGUID="11111111-1111-1111-1111-111111111111"/></Coding>',
    )
    project = read_qdpx(make_qdpx(tmp_path / "w.qdpx", qde))
    assert list(project.segments[["text", "start", "end", "code_id"]].itertuples(
        index=False, name=None)) == [("hello world", 0, 11, "career")]
    out = write_qdpx(project, tmp_path / "w2.qdpx")
    assert check_qdpx(out) == []
    assert list(read_qdpx(out).segments["text"]) == ["hello world"]


def test_non_utf8_source_text_is_read_as_windows_1252():
    """A plain-text source saved as Windows-1252 (short, Western European) is not read
    as a DOS or Baltic code page: the same rule as the survey readers
    (:func:`microcred.ingest.encoding.guess_encoding`)."""
    from microcred.qual.refi import _decode

    text = "Für das café, señor, ça va."
    assert _decode(text.encode("cp1252"), "sources/a.txt") == text
