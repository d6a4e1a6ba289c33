"""Transcripts (.txt, .docx, .vtt) into speaker-turn units; survey answers into units."""

from __future__ import annotations

from pathlib import Path

import docx
import pandas as pd
import pytest

from microcred.errors import InputError
from microcred.qual.transcripts import (
    docx_paragraphs,
    read_transcript,
    survey_units,
    transcript_text,
)
from microcred.qual.units import UNIT_COLUMNS

TXT = """\
Focus group 3 - 12 May 2024

[00:00:05] Moderator: Welcome, everyone.
Let's start with why you enrolled.
[00:00:12] Anna: I want to lead the change at work.

It matters to me.
00:01:02 Joan Puig: I prefer short courses; weekends only.
P4: Me too: shorter is better 🙂
(00:02:10.5) Anna:
Evenings work for me.
"""


def check_offsets(units: pd.DataFrame) -> None:
    text = units.attrs["document_text"]
    for row in units.itertuples():
        assert text[row.start:row.end] == row.text


def test_txt_turns_with_time_stamps_continuations_and_preamble(tmp_path):
    path = tmp_path / "fg03.txt"
    path.write_bytes(TXT.replace("\n", "\r\n").encode("utf-8-sig"))
    units = read_transcript(path, {"Anna": "R017", " joan puig ": "R042"}, language="en")
    assert tuple(units.columns) == UNIT_COLUMNS
    assert list(units["unit_id"]) == ["fg03:1", "fg03:2", "fg03:3", "fg03:4", "fg03:5"]
    assert list(units["speaker"]) == ["Moderator", "Anna", "Joan Puig", "P4", "Anna"]
    assert list(units["respondent_id"].fillna("-")) == ["-", "R017", "R042", "-", "R017"]
    assert list(units["text"]) == [
        "Welcome, everyone.\nLet's start with why you enrolled.",
        "I want to lead the change at work.\n\nIt matters to me.",
        "I prefer short courses; weekends only.",
        "Me too: shorter is better 🙂",
        "Evenings work for me.",
    ]
    assert set(units["document"]) == {"fg03"} and set(units["language"]) == {"en"}
    # offsets are code points in the LF text (no BOM): counted by hand on TXT
    assert (units["start"].iloc[0], units["end"].iloc[0]) == (51, 104)
    text = transcript_text(path)
    assert text == TXT and "\r" not in text
    check_offsets(units)


def test_docx_paragraphs_follow_the_same_convention(tmp_path):
    document = docx.Document()
    document.add_heading("Interview 7", level=1)
    document.add_paragraph("Interviewer: Why this course?")
    document.add_paragraph("Maria: For my career.")
    document.add_paragraph("And because it is online.")
    path = tmp_path / "int07.docx"
    document.save(path)
    assert docx_paragraphs(path)[0] == "Interview 7"
    units = read_transcript(path, {"Maria": "R1"}, document="interview 7")
    assert list(units["unit_id"]) == ["interview 7:1", "interview 7:2"]
    assert list(units["text"]) == ["Why this course?", "For my career.\nAnd because it is online."]
    assert list(units["respondent_id"].fillna("-")) == ["-", "R1"]
    assert units.attrs["document_text"].startswith("Interview 7\nInterviewer: Why")
    check_offsets(units)


VTT = """\
WEBVTT - focus group

NOTE recorded on Zoom

1
00:00:01.000 --> 00:00:03.000
<v Moderator>Hello &amp; welcome</v>

2
00:00:03.500 --> 00:00:05.000
<v.loud Anna>I want</v>

00:00:05.000 --> 00:00:07.000 align:start position:10%
<v Anna>to <i>lead</i>
the change.</v>

00:00:07.500 --> 00:00:08.000
And grow.

00:01:08.000 --> 00:01:09.000
Joan: Short courses.
"""


def test_vtt_voice_tags_prefixes_and_merged_cues(tmp_path):
    path = tmp_path / "fg.vtt"
    path.write_text(VTT, encoding="utf-8")
    units = read_transcript(path, {"Anna": "R1", "Joan": "R2"})
    assert list(units["speaker"]) == ["Moderator", "Anna", "Joan"]
    assert list(units["text"]) == [
        "Hello & welcome", "I want to lead the change. And grow.", "Short courses."]
    assert list(units["respondent_id"].fillna("-")) == ["-", "R1", "R2"]
    assert units.attrs["document_text"] == (
        "Moderator: Hello & welcome\nAnna: I want to lead the change. And grow.\n"
        "Joan: Short courses."
    )
    check_offsets(units)


@pytest.mark.parametrize(
    ("name", "content", "message", "row"),
    [
        ("a.vtt", "WEBVT\n\n00:00:01.000 --> 00:00:02.000\nHi\n", "first line must be", 1),
        ("b.vtt", "WEBVTT\n\n1\n00:00:01 --> 00:00:02.000\nHi\n", "malformed cue timing", 4),
        ("c.vtt", "WEBVTT\n\nNOTE only a note\n", "no cue text", 1),
        ("d.txt", "Just a paragraph of notes\nwithout any speaker label.\n", "no speaker turn", 1),
    ],
)
def test_bad_transcripts_name_file_and_line(tmp_path, name, content, message, row):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as exc:
        read_transcript(path)
    assert exc.value.file == str(path)
    assert exc.value.row == row


def test_undecodable_missing_and_unsupported_files(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("A: hola\nB: adéu\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as exc:
        read_transcript(latin)
    assert exc.value.row == 2
    with pytest.raises(InputError, match="no such file"):
        read_transcript(tmp_path / "nope.txt")
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match="unsupported transcript type"):
        read_transcript(pdf)
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable DOCX"):
        read_transcript(fake)


def test_survey_units_one_per_answer_linked_to_the_respondent():
    answers = pd.DataFrame(
        {
            "respondent_id": ["r1", "r1", "r2", "r2", "r3", "r3", "r2"],
            "item_id": ["like_best", "motivation", "like_best", "like_least", "like_best",
                        "like_least", "motivation"],
            "option_id": [None, "career", None, None, None, None, "other"],
            "value": [None] * 7,
            "text": ["The pace", None, "Short videos", "   ", None, "Too long", "For fun"],
            "missing": [None] * 7,
            "source_id": ["s"] * 7,
            "row": [2, 2, 3, 3, 4, 4, 3],
        }
    )
    respondents = pd.DataFrame(
        {"respondent_id": ["r1", "r2", "r3"], "language": ["es", None, "ca"]}
    )
    units = survey_units(answers, ["like_least", "like_best", "motivation"], respondents)
    assert tuple(units.columns) == UNIT_COLUMNS
    assert list(units["unit_id"]) == [
        "like_least:r3", "like_best:r1", "like_best:r2", "motivation:r2"]
    assert list(units["text"]) == ["Too long", "The pace", "Short videos", "For fun"]
    assert list(units["respondent_id"]) == ["r3", "r1", "r2", "r2"]
    assert list(units["document"]) == ["like_least", "like_best", "like_best", "motivation"]
    assert list(units["language"].fillna("-")) == ["ca", "es", "-", "-"]
    assert units["start"].isna().all() and units["speaker"].isna().all()
    with pytest.raises(InputError, match="missing column"):
        survey_units(answers.drop(columns=["text"]), ["like_best"])


def test_units_are_never_found_in_a_bad_label_line(tmp_path: Path):
    # a long sentence with a colon is not a speaker label
    path = tmp_path / "t.txt"
    path.write_text(
        "A: First turn.\nThe thing we all agreed on in the end was this: short courses.\n",
        encoding="utf-8",
    )
    units = read_transcript(path)
    assert len(units) == 1
    assert units["text"].iloc[0].endswith("short courses.")
