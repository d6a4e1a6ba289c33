"""Qualtrics exports: standard (3 header rows) and legacy (2), CSV and UTF-16 TSV.

Case 03 (``shared/cases/03-qualtrics-header-rows``) gives the expected values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from microcred.errors import InputError
from microcred.ingest.detect import read_table
from microcred.study.models import Source

CASE_03 = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "cases" / "03-qualtrics-header-rows"
)
STANDARD = CASE_03 / "qualtrics_export.csv"
LEGACY = CASE_03 / "qualtrics_legacy_export.csv"
TAGS = ["Q1", "Q1_4_TEXT", "Q2_1", "Q2_2", "Q3", "Q4"]
HEADER_ROW_CELLS = {"Q1", "Why are you considering a short course? - Selected Choice"}


def read(path: Path, **declared):
    return read_table(path, Source(id="s", path=path.name, **declared))


def column(table, name: str) -> pd.Series:
    return table.data[table.headers.index(name)]


@pytest.mark.parametrize(("path", "first_row"), [(STANDARD, 4), (LEGACY, 3)])
def test_case_03_both_layouts(path, first_row):
    table = read(path)
    assert table.format == "qualtrics"
    assert len(table.data) == 5
    responses = column(table, "ResponseId" if path == STANDARD else "ResponseID")
    assert responses.iloc[0] == "R_1aAbCdEfGh000001"
    assert table.rows == list(range(first_row, first_row + 5))
    # no header row leaked into the data
    values = set(table.data.stack().tolist())
    assert not values & HEADER_ROW_CELLS
    assert not any(str(v).startswith('{"ImportId"') for v in values)
    # export tags are the headers, question text comes from row 2
    assert table.headers[-6:] == TAGS
    q2_1 = table.headers.index("Q2_1")
    assert table.texts[q2_1] == "How important is each feature? - Live Q&A sessions"
    assert column(table, "Q3").tolist()[:4] == ["8", "12", "6", "10"]
    assert pd.isna(column(table, "Q3").iloc[4])
    assert column(table, "Q1").tolist() == ["1", "2", "4", "1", "3"]
    assert column(table, "Q1_4_TEXT").iloc[2] == "Changing sector"
    # Q4 row 4 round-trips with its quotes; the comma inside quotes stays in one cell
    assert column(table, "Q4").iloc[3] == '"Short" means under 3 months for me'
    assert column(table, "Q4").iloc[0] == "Evening sessions, please"
    # response 5 is unfinished
    assert table.finished.tolist() == [True, True, True, True, False]
    # metadata columns are system columns, questions are not
    question_cols = {table.headers.index(t) for t in TAGS}
    assert not question_cols & table.system_columns
    assert len(table.system_columns) == len(table.headers) - 6


def test_case_03_standard_import_ids_and_time_zone():
    table = read(STANDARD)
    assert table.codes[table.headers.index("Q2_1")] == "QID2_1"
    assert table.codes[table.headers.index("Q1_4_TEXT")] == "QID1_4_TEXT"
    assert table.codes[table.headers.index("ResponseId")] == "_recordId"
    assert table.texts[table.headers.index("Q4")] == (
        "Anything else you'd like to tell us, e.g. about timing, cost, or support?"
    )
    # RecordedDate 2024-04-02 09:16:41 in Europe/Madrid (CEST, UTC+2)
    assert table.submitted_at.iloc[0] == "2024-04-02T09:16:41+02:00"


def test_case_03_legacy_names_and_v_codes():
    table = read(LEGACY)
    assert table.headers[:3] == ["ResponseID", "ResponseSet", "Name"]
    assert table.codes[:2] == ["V1", "V2"]
    assert table.texts[0] is None
    assert table.submitted_at.iloc[0] == "2024-04-02T09:16:40"  # EndDate, no zone given


def test_utf16_tsv_export_with_true_false(tmp_path):
    rows = [
        ["StartDate", "Finished", "RecordedDate", "ResponseId", "LocationLatitude", "Q1"],
        ["Start Date", "Finished", "Recorded Date", "Response ID", "Location Latitude", "Año"],
        ['{"ImportId":"startDate","timeZone":"America/Denver"}', '{"ImportId":"finished"}',
         '{"ImportId":"recordedDate","timeZone":"America/Denver"}', '{"ImportId":"_recordId"}',
         '{"ImportId":"locationLatitude"}', '{"ImportId":"QID1"}'],
        ["2024-01-10 08:00:00", "True", "2024-01-10 08:05:00", "R_1", "41.4", "2020"],
        ["2024-07-10 08:00:00", "False", "2024-07-10 08:05:00", "R_2", "", ""],
    ]  # fmt: skip
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    path = tmp_path / "export.tsv"
    path.write_bytes(text.encode("utf-16"))  # Qualtrics TSV: UTF-16 with BOM
    table = read(path)
    assert table.format == "qualtrics"
    assert table.texts[5] == "Año"
    assert table.finished.tolist() == [True, False]
    assert table.system_columns == {0, 1, 2, 3, 4}
    # Denver: MST (UTC-7) in January, MDT (UTC-6) in July
    assert table.submitted_at.tolist() == [
        "2024-01-10T08:05:00-07:00",
        "2024-07-10T08:05:00-06:00",
    ]


def test_declared_qualtrics_without_its_header_rows(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n3,4\n4,5\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a Qualtrics export"):
        read(path, format="qualtrics")


def test_qualtrics_header_rows_without_responses(tmp_path):
    lines = STANDARD.read_text(encoding="utf-8-sig").splitlines()[:3]
    path = tmp_path / "empty.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="no responses") as caught:
        read(path)
    assert caught.value.row == 3
