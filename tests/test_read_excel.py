"""XLSX workbooks (written here with openpyxl): cell types as text, sheets, layouts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from microcred.errors import InputError
from microcred.ingest.detect import read_table
from microcred.study.models import Source

CASE_03 = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "cases" / "03-qualtrics-header-rows"
)


def read(path: Path, **declared):
    return read_table(path, Source(id="s", path=path.name, **declared))


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def values(table) -> list[list[object]]:
    return table.data.where(table.data.notna(), None).to_numpy().tolist()


def test_cell_types_as_text(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "Data": [
                ["id", "age", "hours", "when", "day", "ok", "note"],
                [1, 34, 6.75, dt.datetime(2024, 5, 2, 9, 14, 3), dt.date(2024, 5, 2), True, "x"],
                [2, 41.0, None, None, None, False, ""],
                [None] * 7,
                [3, -9, 0.1, dt.datetime(2024, 5, 3, 18, 0), None, None, "plain text"],
            ]
        },
    )
    table = read(path)
    assert table.format == "xlsx"
    assert table.headers == ["id", "age", "hours", "when", "day", "ok", "note"]
    assert values(table) == [
        ["1", "34", "6.75", "2024-05-02T09:14:03", "2024-05-02", "TRUE", "x"],
        ["2", "41", None, None, None, "FALSE", None],
        ["3", "-9", "0.1", "2024-05-03T18:00:00", None, None, "plain text"],
    ]
    assert table.rows == [2, 3, 5]  # the empty row 4 is skipped but counted


def test_sheet_by_name_and_index(tmp_path):
    path = workbook(
        tmp_path / "b.xlsx",
        {"Notes": [["read me"], ["nothing here"]], "Responses": [["q"], ["a"], ["b"]]},
    )
    assert values(read(path, sheet="Responses")) == [["a"], ["b"]]
    assert values(read(path, sheet=1)) == [["a"], ["b"]]
    assert values(read(path)) == [["nothing here"]]  # first sheet by default


@pytest.mark.parametrize("sheet", ["Answers", 5])
def test_missing_sheet_lists_the_sheets(tmp_path, sheet):
    path = workbook(tmp_path / "c.xlsx", {"Notes": [["x"]], "Responses": [["q"], ["a"]]})
    with pytest.raises(InputError) as caught:
        read(path, sheet=sheet)
    assert "'Notes'" in caught.value.message and "'Responses'" in caught.value.message
    assert caught.value.file.endswith("c.xlsx")


def test_google_forms_sheet_is_detected(tmp_path):
    path = workbook(
        tmp_path / "form.xlsx",
        {
            "Form Responses 1": [
                ["Timestamp", "Email Address", "Why?", "Why?"],
                [dt.datetime(2024, 5, 2, 9, 14, 3), "a@example.org", "Career, salary", "x"],
            ]
        },
    )
    table = read(path)
    assert table.format == "google-forms"
    assert table.headers == ["Timestamp", "Email Address", "Why?", "Why?"]
    assert table.system_columns == {0, 1}
    assert table.submitted_at.tolist() == ["2024-05-02T09:14:03"]


def test_qualtrics_sheet_is_detected_like_the_csv(tmp_path):
    import csv

    with (CASE_03 / "qualtrics_export.csv").open(encoding="utf-8-sig", newline="") as f:
        rows: list[list[object]] = [list(r) for r in csv.reader(f)]
    for row in rows[3:]:  # Qualtrics XLSX holds numbers as numbers
        row[4] = int(row[4])
    path = workbook(tmp_path / "q.xlsx", {"Sheet0": rows})
    table = read(path)
    from_csv = read(CASE_03 / "qualtrics_export.csv")
    assert table.format == "qualtrics"
    assert table.headers == from_csv.headers
    assert table.codes == from_csv.codes
    assert table.rows == [4, 5, 6, 7, 8]
    pd.testing.assert_frame_equal(table.data, from_csv.data)
    assert table.finished.tolist() == from_csv.finished.tolist()


def test_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("id,q\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="XLSX"):
        read(path)


def test_empty_sheet(tmp_path):
    path = workbook(tmp_path / "e.xlsx", {"Empty": []})
    with pytest.raises(InputError, match="empty"):
        read(path)
