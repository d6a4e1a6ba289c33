"""Records with fewer fields than the header, anywhere in a CSV/TSV file.

The pandas C parser pads a short record with empty fields; the reader must refuse it
(an InputError naming file, row as a spreadsheet numbers it, first missing column and
the fields expected and found) unless the fields it lacks all fall under empty header
cells (a trailing delimiter on the header line) or it holds nothing but blanks.
RFC 4180 section 2.4: "Each line should contain the same number of fields throughout
the file"; the survey platforms read here (Qualtrics, LimeSurvey, Google Forms) write
every field of every record.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from microcred.cli import app
from microcred.errors import InputError
from microcred.ingest.detect import read_table
from microcred.ingest.formats import delimited
from microcred.study.models import Source

CASE_03 = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "cases" / "03-qualtrics-header-rows"
)


def read(path: Path, **declared):
    return read_table(path, Source(id="s", path=path.name, **declared))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def refused(path: Path, **declared) -> InputError:
    with pytest.raises(InputError) as caught:
        read(path, **declared)
    return caught.value


HEADER = ["id", "age", "country", "comment"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize(("name", "sep"), [("a.csv", ","), ("a.tsv", "\t"), ("a.txt", ";")])
def test_short_record_in_the_middle_names_row_column_and_counts(tmp_path, newline, sep, name):
    lines = [HEADER, ["1", "34", "ES", "ok"], ["2", "41"], ["3", "29", "FR", "fine"]]
    text = newline.join(sep.join(r) for r in lines) + newline
    error = refused(write(tmp_path, name, text))
    assert error.file.endswith(name)
    assert (error.row, error.column) == (3, "country")
    assert "this record has 2 fields but the header has 4" in error.message
    assert f"{name}, row 3, column 'country'" in str(error)


def test_last_record_short_is_still_a_truncated_file(tmp_path):
    error = refused(write(tmp_path, "a.csv", "id,age,country\n1,34,ES\n2,41"))
    assert (error.row, error.column) == (3, "country")
    assert "truncated" in error.message


def test_record_split_by_an_unquoted_line_break_is_explained(tmp_path):
    # "I like it\nbecause..." written without quotes: one record becomes two short ones
    text = "id,comment,score\n1,fine,4\n2,I like it\nbecause it is short,5\n3,ok,3\n"
    error = refused(write(tmp_path, "a.csv", text))
    assert (error.row, error.column) == (3, "score")
    assert "2 fields but the header has 3" in error.message
    assert "row 4 holds the rest of it" in error.message and "line break" in error.message
    assert "2 records are short in all (rows 3, 4)" in error.message


def test_row_counts_records_and_the_editor_line_is_given_when_it_differs(tmp_path):
    # row 2 spans two lines; the short record is row 3 as a spreadsheet shows it, line 4
    # in a text editor
    text = 'id,comment,score\n1,"two\nlines",3\n2,short\n3,ok,3\n'
    error = refused(write(tmp_path, "a.csv", text))
    assert error.row == 3
    assert "line 4 in a text editor" in error.message


def test_leading_blank_lines_count_in_the_row(tmp_path):
    error = refused(write(tmp_path, "a.csv", "\n\nid,q1,q2\n1,a,b\n2,a\n3,a,b\n"))
    assert error.row == 5


def test_many_short_records_are_counted(tmp_path):
    rows = ["id,q1,q2"] + [f"{i},a" if i % 2 else f"{i},a,b" for i in range(1, 16)]
    error = refused(write(tmp_path, "a.csv", "\n".join(rows) + "\n"))
    assert error.row == 2
    assert "8 records are short in all (rows 2, 4, 6, 8, 10, ...)" in error.message


def test_missing_fields_under_an_empty_header_cell_are_allowed(tmp_path):
    # the header line ends with a delimiter (an empty column, which is dropped); records
    # that leave out that last empty field lose nothing
    table = read(write(tmp_path, "a.csv", "q1,q2,\n1,2\n3,4,\n5,6\n"))
    assert table.headers == ["q1", "q2"]
    assert table.data.to_numpy().tolist() == [["1", "2"], ["3", "4"], ["5", "6"]]
    # but a named column may not be left out
    error = refused(write(tmp_path, "b.csv", "q1,q2,\n1,2\n3\n"))
    assert (error.row, error.column) == (3, "q2")


def test_a_line_of_blanks_is_not_a_short_record(tmp_path):
    table = read(write(tmp_path, "a.csv", "q1,q2,q3\n1,2,3\n   \n4,5,6\n"))
    assert len(table.data) == 3


def test_empty_trailing_fields_written_out_are_complete(tmp_path):
    table = read(write(tmp_path, "a.csv", "q1,q2,q3\n1,,\n,,3\n4,,\n"))
    assert len(table.data) == 3


def test_short_record_behind_a_stray_quote_is_found(tmp_path):
    # an odd quote inside an unquoted TSV answer (5" screen) defeats counting by quote
    # parity; the exact count with the csv module still finds the short record
    text = 'id\tcomment\tscore\n1\ta 5" screen\t4\n2\tfine\n3\tok\t3\n'
    error = refused(write(tmp_path, "a.tsv", text))
    assert (error.row, error.column) == (3, "score")


def test_short_record_in_a_cp1252_file(tmp_path):
    text = "id;pa\u00eds;edad\n1;Espa\u00f1a;34\n2;Per\u00fa\n3;Chile;41\n"
    error = refused(write(tmp_path, "a.csv", text.encode("cp1252")))
    assert (error.row, error.column) == (3, "edad")


def test_short_record_in_a_very_wide_file(tmp_path):
    width = delimited.WIDE_FIELDS + 5
    header = ",".join(f"q{i}" for i in range(width))
    full = ",".join("1" for _ in range(width))
    text = "\n".join([header, full, ",".join("1" for _ in range(width - 3)), full]) + "\n"
    error = refused(write(tmp_path, "wide.csv", text))
    assert (error.row, error.column) == (3, f"q{width - 3}")


def test_longer_record_in_the_middle_of_a_tsv_is_refused(tmp_path):
    text = "id\tq1\n1\ta\n2\tb\textra\n3\tc\n"
    error = refused(write(tmp_path, "a.tsv", text))
    assert error.row == 3
    assert "3 fields but the header has 2" in error.message


def test_qualtrics_export_with_a_short_response_is_refused(tmp_path):
    # case 03's standard export with the 2nd response cut after its 10th field: the
    # third-from-last record of the file, below three header rows (row 5)
    raw = (CASE_03 / "qualtrics_export.csv").read_bytes()
    records = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    records[4] = records[4][:10]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    error = refused(write(tmp_path, "qualtrics_export.csv", buffer.getvalue()))
    assert error.row == 5
    assert error.column == records[0][10]
    assert "10 fields but the header has 17" in error.message


def test_validate_exits_2_on_a_short_record(tmp_path):
    (tmp_path / "data.csv").write_text("id,q\nr1,a\nr2\nr3,b\n", encoding="utf-8")
    (tmp_path / "study.yaml").write_text(
        "study: {id: demo, title: Demo}\n"
        "sources:\n  - {id: s, path: data.csv}\n"
        "respondent_id: {column: id}\n"
        "items:\n  - {id: q, type: single_choice, column: q, options: [{id: a}, {id: b}]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "study.yaml")])
    assert result.exit_code == 2
    assert "data.csv, row 3, column 'q'" in result.output
    assert "this record has 1 field but the header has 2" in result.output


# ----------------------------------------------------------------------------- properties

_cell = st.text(
    alphabet=st.sampled_from(["a", "\u00e9", " ", ",", ";", "\t", '"', "\n", "\r"]),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(_cell, min_size=1, max_size=5), min_size=1, max_size=8),
    sep=st.sampled_from([",", ";", "\t"]),
    terminator=st.sampled_from(["\n", "\r\n", "\r"]),
    blank_lines=st.integers(0, 2),
)
def test_numpy_field_counts_equal_the_csv_module_on_rfc4180_text(
    rows, sep, terminator, blank_lines
):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator=terminator).writerows(rows)
    text = (buffer.getvalue() + terminator * blank_lines).lstrip("\r\n")
    if not text:
        return
    fast = delimited._fields_per_record(text.encode("utf-8"), sep)
    exact = delimited._exact_counts(text, sep)
    assert fast is not None and exact is not None
    assert fast.tolist() == exact.tolist()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    width=st.integers(2, 5),
    n_rows=st.integers(2, 8),
    short=st.data(),
)
def test_any_short_named_record_is_refused_at_its_row(tmp_path, width, n_rows, short):
    header = [f"q{i}" for i in range(width)]
    rows = [[f"v{r}{c}" for c in range(width)] for r in range(n_rows)]
    index = short.draw(st.integers(0, n_rows - 1))
    keep = short.draw(st.integers(1, width - 1))
    rows[index] = rows[index][:keep]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path = write(tmp_path, "p.csv", buffer.getvalue())
    error = refused(path)
    assert (error.row, error.column) == (index + 2, f"q{keep}")
    assert np.all(np.asarray(header) != "")
