"""LimeSurvey response exports, written as LimeSurvey writes them.

Per the LimeSurvey manual ("Export responses") and ``specs/survey-and-qda-formats.md``:
UTF-8 BOM, every field double-quoted, CRLF, a blank line at the end, ``;`` by default,
system columns first, question codes as headers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from microcred.ingest.detect import detect_layout, read_table
from microcred.study.models import Source

HEADER = [
    "id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp",
    "token", "ipaddr", "refurl", "Q1", "Q2[SQ001]", "Q2[SQ002]", "Q2[other]",
    "Q3[SQ001comment]", "Q4",
]  # fmt: skip
ROWS = [
    ["1", "2024-05-02 09:14:03", "3", "es", "123", "2024-05-02 09:01:00",
     "2024-05-02 09:14:03", "", "", "", "A1", "Y", "", "", "", "Me gusta; mucho"],
    ["2", "", "1", "ca", "456", "2024-05-03 10:00:00", "2024-05-03 10:02:00", "", "", "",
     "A2", "", "", "", "", ""],
    ["3", "1980-01-01 00:00:00", "3", "en", "789", "1980-01-01 00:00:00",
     "1980-01-01 00:00:00", "", "", "", "A3", "Y", "Y", "Mentoring, in Spanish", "n/a",
     'He said "yes"\r\nthen left'],
]  # fmt: skip


def lime_csv(sep: str = ";", header: list[str] = HEADER) -> bytes:
    def line(fields: list[str]) -> str:
        return sep.join('"' + f.replace('"', '""') + '"' for f in fields)

    text = "\r\n".join(line(r) for r in [header, *ROWS]) + "\r\n\r\n"
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def read(path: Path, **declared):
    return read_table(path, Source(id="s", path=path.name, **declared))


@pytest.mark.parametrize("sep", [";", ","])
def test_limesurvey_csv(tmp_path, sep):
    path = tmp_path / "results-survey123456.csv"
    path.write_bytes(lime_csv(sep))
    table = read(path)
    assert table.format == "limesurvey"
    assert table.headers == HEADER
    assert table.data.shape == (3, 16)
    assert table.rows == [2, 3, 4]  # the quoted line break keeps response 3 on one row
    assert table.system_columns == set(range(10))
    assert table.finished.tolist() == [True, False, True]
    # 1980-01-01 is what LimeSurvey writes when date stamps are off: no real time
    assert table.submitted_at.tolist() == ["2024-05-02T09:14:03", None, None]
    assert table.data.iloc[0, 15] == "Me gusta; mucho"
    assert table.data.iloc[2, 15] == 'He said "yes"\r\nthen left'
    assert pd.isna(table.data.iloc[1, 11])  # "" -> NA
    assert table.data.iloc[2, 13] == "Mentoring, in Spanish"


def test_full_headings_are_recognised(tmp_path):
    header = ["Response ID", "Date submitted", "Last page", "Start language", *HEADER[4:]]
    path = tmp_path / "results.csv"
    path.write_bytes(lime_csv(";", header))
    table = read(path)
    assert table.format == "limesurvey"
    assert {0, 1, 2, 3} <= table.system_columns
    assert table.finished.tolist() == [True, False, True]


def test_detected_from_codes_alone():
    assert detect_layout([["Q1", "Q2[SQ001]", "Q2[SQ002]", "Q3[SQ001][1]"]]) == "limesurvey"
    assert detect_layout([["id", "Q1", "Q2[SQ001]"]]) == "limesurvey"
    # a Google Forms grid header has spaces: not a LimeSurvey code
    assert detect_layout([["Timestamp", "Rate each [Cost]", "Rate each [Time]"]]) == (
        "google-forms"
    )
    assert detect_layout([["name", "age"]]) == "generic"


def test_declared_limesurvey_without_submitdate(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('"Q1";"Q2"\r\n"a";"b"\r\n', encoding="utf-8")
    table = read(path, format="limesurvey")
    assert table.format == "limesurvey"
    assert table.finished is None and table.submitted_at is None
