"""Google Forms exports: detection, timestamps in several locales, system columns.

Real files: the Coursera progfun 2013 exit survey and the 2019 Learning R survey
(``shared/data``), and case 02 (Spanish-locale timestamps, ``", "``-joined answers).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from microcred.ingest.detect import read_table
from microcred.ingest.formats import parse_timestamps
from microcred.study.models import Source

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CASE_02 = SHARED / "cases" / "02-gforms-multiselect-commas" / "google_forms_responses.csv"
PROGFUN = SHARED / "data" / "coursera-progfun-2013" / "progfun-nov2013.tsv"
LEARNING_R = SHARED / "data" / "learning-r-2019"


def read(path: Path, **declared):
    return read_table(path, Source(id="s", path=path.name, **declared))


def test_case_02_spanish_locale():
    table = read(CASE_02)
    assert table.format == "google-forms"
    assert table.data.shape == (10, 3)
    assert table.rows == list(range(2, 12))
    assert table.system_columns == {0}
    # CASE.md: row 1 parses to 2024-05-02T09:14:03+02:00; p. m. adds 12 hours
    assert table.submitted_at.tolist()[:3] == [
        "2024-05-02T09:14:03+02:00",
        "2024-05-02T09:20:41+02:00",
        "2024-05-02T13:05:12+02:00",
    ]
    assert table.submitted_at.notna().all()
    # multi-select cells are kept whole: splitting is the mapping layer's job
    assert table.data.iloc[1, 1] == "Online, self-paced, Online, with live Q&A sessions"
    # the blank response (row 8) keeps its timestamp and has NA answers
    assert table.data.iloc[6, 1:].isna().all()


def test_progfun_2013():
    table = read(PROGFUN)
    assert table.format == "google-forms"
    assert table.data.shape == (3786, 24)
    assert len(table.headers) == 24
    assert table.rows[0] == 2 and table.rows[-1] == 3787
    assert table.headers[1] == "What's your age group?"
    assert table.submitted_at.iloc[0] == "2013-11-24T04:11:08"  # 11/24/2013 4:11:08
    assert table.submitted_at.notna().all()
    assert table.system_columns == {0}


def test_learning_r_english():
    table = read(LEARNING_R / "2019 English R Community Survey Responses.tsv")
    assert table.format == "google-forms"
    assert table.data.shape == (1838, 52)
    assert table.submitted_at.iloc[0] == "2019-12-13T09:50:30"


def test_learning_r_spanish_keeps_duplicated_header():
    table = read(LEARNING_R / "2019 Spanish R Community Survey Responses.tsv")
    assert table.format == "google-forms"
    assert table.data.shape == (338, 52)
    question = "¿Qué opción refleja mejor la razón principal por la que aprendiste R?"
    positions = [i for i, h in enumerate(table.headers) if h == question]
    assert len(positions) == 2  # both columns kept, no ".1" suffix
    assert not any(h.endswith(".1") for h in table.headers)


def test_email_and_score_are_system_columns(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text(
        "Marca temporal,Dirección de correo electrónico,Puntuación,¿Edad?\n"
        "2/5/2024 9:14:03,a@example.org,3 / 5,25-34\n"
        "13/5/2024 18:00:00,b@example.org,4 / 5,35-44\n",
        encoding="utf-8",
    )
    table = read(path)
    assert table.format == "google-forms"
    assert table.system_columns == {0, 1, 2}
    # 13/5 can only be day-first, so the whole column is read day-first
    assert table.submitted_at.tolist() == ["2024-05-02T09:14:03", "2024-05-13T18:00:00"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024/05/02 9:14:03 a. m. GMT+2", "2024-05-02T09:14:03+02:00"),
        ("2024/05/02 12:01:00 a. m. GMT-3", "2024-05-02T00:01:00-03:00"),
        ("2024/05/02 12:30:00 p. m. GMT+5:30", "2024-05-02T12:30:00+05:30"),
        ("2024/05/02 9:14:03 p.m. GMT", "2024-05-02T21:14:03+00:00"),
        ("5/2/2024 9:14:03", "2024-05-02T09:14:03"),
        ("5/2/2024 9:14:03 PM", "2024-05-02T21:14:03"),
        ("11/24/2013 16:11:08", "2013-11-24T16:11:08"),
        ("2024-04-02 09:16:41", "2024-04-02T09:16:41"),
        ("2024-04-02T09:16:41Z", "2024-04-02T09:16:41+00:00"),
        ("2024-04-02", "2024-04-02"),
        ("2/30/2024 9:00:00", None),
        ("not a date", None),
        ("", None),
    ],
)
def test_parse_timestamps(text, expected):
    assert parse_timestamps(pd.Series([text, None], dtype=object)).tolist() == [expected, None]


def test_unparseable_timestamp_is_na_not_an_error(tmp_path):
    path = tmp_path / "form.tsv"
    path.write_text("Timestamp\tQ\nyesterday\tx\n5/2/2024 9:14:03\ty\n", encoding="utf-8")
    table = read(path)
    assert table.submitted_at.tolist() == [None, "2024-05-02T09:14:03"]
    assert table.data.shape == (2, 2)
