"""Generic delimited text: encodings, line endings, delimiters, rows, and every bad input.

Fixtures are written by each test from RFC 4180 (quoting, CRLF) and the variants seen in
real exports (BOM, ``;``, tab, ``|``, Windows-1252, UTF-16 with BOM).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.errors import InputError
from microcred.ingest.detect import read_table
from microcred.ingest.formats.delimited import sniff_delimiter
from microcred.study.models import Source


def read(path: Path, **declared):
    return read_table(path, Source(id="s", path=path.name, **declared))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def cells(table) -> list[list[str | None]]:
    return [[None if pd.isna(v) else v for v in row] for row in table.data.to_numpy().tolist()]


# ----------------------------------------------------------------------------- reading


def test_plain_csv_cells_are_text_or_na(tmp_path):
    path = write(tmp_path, "a.csv", "id,age,score\nr1,34,6.75\nr2,,007\n")
    table = read(path)
    assert table.format == "csv"
    assert table.headers == ["id", "age", "score"]
    assert cells(table) == [["r1", "34", "6.75"], ["r2", None, "007"]]
    assert list(table.data.columns) == [0, 1, 2]
    assert table.rows == [2, 3]
    assert all(isinstance(v, str) or pd.isna(v) for v in table.data.to_numpy().ravel())
    assert table.finished is None and table.submitted_at is None
    assert table.texts == [None, None, None] and table.codes == [None, None, None]


@pytest.mark.parametrize(
    ("name", "sep", "fmt"),
    [("a.csv", ",", "csv"), ("a.tsv", "\t", "tsv"), ("a.txt", ";", "csv"), ("a.csv", "|", "csv")],
)
def test_delimiter_is_sniffed(tmp_path, name, sep, fmt):
    lines = [
        ["id", "Why? (tick all)", "hours"],
        ["1", "Career, salary", "3"],
        ["2", "Interest", "4"],
        ["3", "Career; family, other", "10"],
    ]
    quoted = [sep.join(f'"{c}"' if ("," in c or ";" in c) else c for c in line) for line in lines]
    table = read(write(tmp_path, name, "\n".join(quoted) + "\n"))
    assert table.format == fmt
    assert table.headers == lines[0]
    assert cells(table) == lines[1:]


def test_sniffer_prefers_consistent_field_counts():
    # commas inside answers of a TSV make comma counts vary; tab is consistent
    sample = "a\tb, c\td\n1\tx, y, z\t2\n3\tw\t4\n"
    delimiter, scores = sniff_delimiter(sample, complete=True)
    assert delimiter == "\t"
    assert scores["\t"] == (3, 1.0)
    assert scores[","][1] < 1.0


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings(tmp_path, newline):
    text = newline.join(["q1,q2", "a,b", "c,d", ""])
    table = read(write(tmp_path, "a.csv", text))
    assert cells(table) == [["a", "b"], ["c", "d"]]
    assert table.rows == [2, 3]


def test_mixed_line_endings_and_bom(tmp_path):
    raw = b"\xef\xbb\xbfq1,q2\r\na,b\nc,d\r\n"
    table = read(write(tmp_path, "a.csv", raw))
    assert table.headers == ["q1", "q2"]  # BOM removed from the first header
    assert cells(table) == [["a", "b"], ["c", "d"]]


def test_quoted_line_breaks_stay_one_row_and_blank_lines_count(tmp_path):
    text = 'id,comment\r\n1,"line one\r\nline two"\r\n\r\n2,"say ""hi"""\r\n3,x\r\n\r\n'
    table = read(write(tmp_path, "a.csv", text))
    assert cells(table) == [["1", "line one\r\nline two"], ["2", 'say "hi"'], ["3", "x"]]
    # row 2 spans two lines but is one spreadsheet row; row 3 is the blank line
    assert table.rows == [2, 4, 5]


def test_duplicate_headers_kept_without_suffix(tmp_path):
    table = read(write(tmp_path, "a.csv", "Q,Q,R\n1,2,3\n"))
    assert table.headers == ["Q", "Q", "R"]
    assert cells(table) == [["1", "2", "3"]]


def test_trailing_delimiter_column_dropped(tmp_path):
    table = read(write(tmp_path, "a.csv", "q1,q2,\n1,2,\n3,4,\n"))
    assert table.headers == ["q1", "q2"]
    assert table.data.shape == (2, 2)


def test_last_record_with_empty_trailing_fields_is_complete(tmp_path):
    table = read(write(tmp_path, "a.csv", "q1,q2,q3\n1,2,3\n4,,\n"))
    assert cells(table) == [["1", "2", "3"], ["4", None, None]]


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("cp1252", "auto"),
        ("utf-16", "auto"),
        ("utf-16-le", "auto"),
        ("latin-1", "latin-1"),
        ("utf-8-sig", "auto"),
    ],
)
def test_encodings(tmp_path, encoding, declared):
    dash = "" if encoding == "latin-1" else " – sí"
    text = f"nombre,opinión\r\nJosé,«Más práctica»{dash}\r\nAnna,Très bien\r\n"
    table = read(write(tmp_path, "a.csv", text.encode(encoding)), encoding=declared)
    assert table.headers == ["nombre", "opinión"]
    assert cells(table) == [["José", f"«Más práctica»{dash}"], ["Anna", "Très bien"]]


def test_declared_tab_delimiter(tmp_path):
    table = read(write(tmp_path, "a.txt", "a\tb\n1\t2\n"), delimiter="\t")
    assert table.format == "tsv"
    assert cells(table) == [["1", "2"]]


def test_declared_csv_is_a_plain_table_even_for_a_google_form(tmp_path):
    path = write(tmp_path, "a.csv", "Timestamp,Q\n5/2/2024 9:14:03,x\n")
    assert read(path).format == "google-forms"
    plain = read(path, format="csv")
    assert plain.format == "csv" and plain.submitted_at is None and not plain.system_columns


# ----------------------------------------------------------------------------- bad input


def test_leading_blank_lines_are_counted(tmp_path):
    table = read(write(tmp_path, "a.csv", "\r\n\r\nq1,q2\r\n1,2\r\n"))
    assert table.headers == ["q1", "q2"]
    assert table.rows == [4]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_truncated_last_record_names_row_and_first_missing_column(tmp_path, newline):
    text = newline.join(["id,age,country,comment", "1,34,ES,ok", "2,41,FR,fine", "3,29"])
    with pytest.raises(InputError) as caught:
        read(write(tmp_path, "cut.csv", text))
    error = caught.value
    assert error.file.endswith("cut.csv")
    assert error.row == 4
    assert error.column == "country"
    assert "cut.csv, row 4, column 'country'" in str(error)
    assert "truncated" in str(error)


def test_truncated_inside_a_quoted_field(tmp_path):
    text = 'id,comment\n1,"complete"\n2,"cut in the mid'
    with pytest.raises(InputError) as caught:
        read(write(tmp_path, "cut.csv", text))
    assert caught.value.row == 3
    assert "never closed" in caught.value.message


def test_truncated_after_a_multiline_record(tmp_path):
    text = 'id,comment,score\n1,"two\nlines",3\n2,"also\ntwo lines"'
    with pytest.raises(InputError) as caught:
        read(write(tmp_path, "cut.csv", text))
    assert (caught.value.row, caught.value.column) == (3, "score")


def test_too_many_fields_names_the_row(tmp_path):
    text = 'id,comment\n1,fine\n2,"multi\nline"\n3,unquoted, with a comma\n4,x\n'
    with pytest.raises(InputError) as caught:
        read(write(tmp_path, "extra.csv", text))
    assert caught.value.row == 4
    assert "3 fields but the header has 2" in caught.value.message
    assert "extra.csv, row 4" in str(caught.value)


def test_wrong_declared_delimiter(tmp_path):
    path = write(tmp_path, "a.tsv", "id\tq1\tq2\n1\ta\tb\n2\tc\td\n")
    with pytest.raises(InputError) as caught:
        read(path, delimiter=",")
    assert "delimiter seems wrong" in caught.value.message
    assert "tab was detected" in caught.value.message
    assert caught.value.file.endswith("a.tsv")


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    with pytest.raises(InputError, match="empty"):
        read(write(tmp_path, "empty.csv", content))


def test_header_only(tmp_path):
    with pytest.raises(InputError, match="no responses") as caught:
        read(write(tmp_path, "h.csv", "id,q1,q2\r\n"))
    assert caught.value.row == 1


def test_undecodable_bytes_with_declared_encoding_name_row_and_column(tmp_path):
    raw = "id,name\n1,Ana\n2,José\n".encode("latin-1")
    with pytest.raises(InputError) as caught:
        read(write(tmp_path, "enc.csv", raw), encoding="utf-8")
    assert (caught.value.row, caught.value.column) == (3, "name")
    assert "utf-8" in caught.value.message


def test_unknown_declared_encoding(tmp_path):
    with pytest.raises(InputError, match="unknown encoding"):
        read(write(tmp_path, "a.csv", "a,b\n1,2\n"), encoding="no-such-codec")


def test_file_not_found(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read(tmp_path / "missing.csv")


def test_very_long_answer_and_extra_field_after_it(tmp_path):
    long_answer = "word " * 40_000  # beyond the csv module's default field limit
    text = f'id,comment\n1,"{long_answer}"\n2,fine,extra\n'
    with pytest.raises(InputError) as caught:
        read(write(tmp_path, "long.csv", text))
    assert caught.value.row == 3


# ----------------------------------------------------------------------------- properties

_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.integers(1, 6).flatmap(
        lambda width: st.lists(
            st.lists(_cell, min_size=width, max_size=width), min_size=1, max_size=8
        )
    ),
    sep=st.sampled_from([",", ";", "\t"]),
)
def test_round_trip_of_any_cells_written_by_the_csv_module(tmp_path, rows, sep):
    header = [f"q{i}" for i in range(len(rows[0]))]
    rows = [r for r in rows if any(c.strip() for c in r)] or [["x"] * len(header)]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows([header, *rows])
    path = write(tmp_path, "rt.csv", buffer.getvalue())
    table = read(path, delimiter=sep)
    assert table.headers == header
    assert cells(table) == [[c if c != "" else None for c in r] for r in rows]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=300))
def test_any_bytes_give_a_table_or_an_input_error(tmp_path, content):
    path = write(tmp_path, "any.csv", content)
    try:
        table = read(path)
    except InputError:
        return
    assert len(table.rows) == len(table.data) > 0
