"""Hostile and broken input: a short fuzz run over every importer, and regressions.

The full run is ``python fuzz/run.py`` (10,000 inputs per importer); here each importer
gets a few dozen hypothesis-drawn inputs (:mod:`fuzz.inputs`), so that ``make test``
fails, with a shrunk example, as soon as an importer raises anything but a
:class:`~microcred.errors.MicrocredError` or imports a well-formed export wrongly
(:func:`fuzz.targets.run_input`). The regressions below are the crashes the fuzzer
found, each reduced to the smallest input that showed it.
"""

from __future__ import annotations

import io
import sys
import tempfile
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fuzz import inputs, run  # noqa: E402
from fuzz.inputs import IMPORTERS, FuzzInput, sheet_xml, xlsx_bytes  # noqa: E402
from fuzz.targets import Crash, run_input  # noqa: E402

from microcred.errors import InputError, StudyFileError  # noqa: E402
from microcred.ingest.detect import read_table  # noqa: E402
from microcred.study import load  # noqa: E402
from microcred.study.models import Source  # noqa: E402

SMOKE = settings(
    max_examples=25,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("importer", IMPORTERS)
def test_short_fuzz_run_finds_no_crash(importer):
    with tempfile.TemporaryDirectory() as scratch:

        @SMOKE
        @given(inputs.strategy(importer))
        def outcome_is_an_error_or_a_correct_import(item: FuzzInput) -> None:
            assert run_input(importer, item, Path(scratch), timeout=60) in (
                "imported", "rejected"
            )

        outcome_is_an_error_or_a_correct_import()


@pytest.mark.parametrize("importer", IMPORTERS)
def test_edge_cases_are_errors_or_correct_imports(importer, tmp_path):
    # the deterministic ones of a few megabytes at most (100,000 columns included);
    # the 10 MB fields and the million columns run in fuzz/run.py
    for case in inputs.edge_cases(importer, include_huge=False):
        assert run_input(importer, case.build(importer), tmp_path, timeout=120) in (
            "imported", "rejected"
        ), case.name


def test_the_runner_prints_inputs_crashes_and_time_per_importer(tmp_path):
    printed = io.StringIO()
    with redirect_stdout(printed):
        code = run.main([
            "--per-importer", "12", "--importers", "csv,study", "--no-edge",
            "--crash-dir", str(tmp_path / "crashes"), "--json", str(tmp_path / "s.json"),
        ])
    text = printed.getvalue()
    assert code == 0, text
    table = {line.split()[0]: line.split() for line in text.splitlines() if line[:1].isalpha()}
    assert table["importer"][:6] == ["importer", "inputs", "imported", "rejected", "crashes",
                                     "hangs"]
    for name in ("csv", "study"):
        tried, imported, rejected, crashes = map(int, table[name][1:5])
        assert tried == 12 and imported + rejected == 12 and crashes == 0
    assert (tmp_path / "s.json").exists()


def test_a_crash_is_reported_with_its_input_saved(tmp_path, monkeypatch):
    def broken(importer, item, workdir, timeout=0):
        raise Crash("exception", "builtins.ValueError: boom", "somewhere.py:1")

    monkeypatch.setattr(run, "run_input", broken)
    summary = run.fuzz_importer(
        "csv", 3, workdir=tmp_path / "w", crash_dir=tmp_path / "crashes", edge=False,
        mutants=1,
    )
    assert summary.tried == 3 and summary.n_crashes == 3
    saved = sorted((tmp_path / "crashes" / "csv").glob("*.json"))
    assert len(saved) == 3  # the first three of each kind of crash are kept


# --------------------------------------------------------------------------- the two parsers

@settings(max_examples=60, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(inputs.text_export("csv"), st.sampled_from(["csv", "auto", "tsv"]))
def test_wide_file_parser_reads_every_file_as_the_pandas_parser_does(item, fmt):
    """Files over WIDE_FIELDS columns go through csv, others through pandas: same grid."""
    from microcred.ingest.formats import delimited

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(item.data)
        source = Source(id="s", path="export.csv", format=fmt,
                        encoding=str(item.source.get("encoding", "auto")))
        outcomes = []
        for wide in (10**9, 0):
            delimited.WIDE_FIELDS = wide
            try:
                raw = read_table(path, source)
                outcomes.append((raw.headers, raw.data.fillna("").values.tolist(), raw.rows))
            except InputError as error:
                outcomes.append(("error", error.row))
            finally:
                delimited.WIDE_FIELDS = 2_000
        assert outcomes[0] == outcomes[1]


# --------------------------------------------------------------------------- regressions

def _xlsx(tmp_path: Path, sheet: str) -> Path:
    path = tmp_path / "export.xlsx"
    path.write_bytes(xlsx_bytes(sheet, []))
    return path


HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
ROW1 = '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'


@pytest.mark.parametrize(
    "body, expected",
    [
        # openpyxl: ValueError "could not convert string to float: 'XFEA2'" (bad reference)
        ('<row r="2"><c r="XFEA2"><v>1</v></c></row>', "invalid cell value or reference"),
        # openpyxl: ValueError "invalid literal for int()" (text in a number cell)
        ('<row r="2"><c r="A2"><v>abc</v></c></row>', "invalid cell value or reference"),
        # ElementTree.ParseError: a control character the XML does not allow
        ('<row r="2"><c r="A2" t="inlineStr"><is><t>a\x01b</t></is></c></row>', "malformed XML"),
        # ElementTree.ParseError: a row never closed
        ('<row r="2"><c r="A2"><v>1</v></c>', "malformed XML"),
        # IndexError: a shared string that does not exist
        ('<row r="2"><c r="A2" t="s"><v>7</v></c></row>', "shared string"),
    ],
)
def test_damaged_sheet_is_an_input_error_not_a_library_exception(tmp_path, body, expected):
    path = _xlsx(tmp_path, HEAD + ROW1 + body + "</sheetData></worksheet>")
    with pytest.raises(InputError, match=expected) as caught:
        read_table(path, Source(id="s", path="export.xlsx", format="xlsx"))
    assert "abc" not in str(caught.value)  # the library's message may quote a cell: not shown


def test_sheet_xml_in_an_unknown_encoding_is_an_input_error(tmp_path):
    sheet = (HEAD + ROW1 + "</sheetData></worksheet>").replace('encoding="UTF-8"',
                                                               'encoding="latin-9"')
    with pytest.raises(InputError, match="unknown encoding"):  # was LookupError
        read_table(_xlsx(tmp_path, sheet), Source(id="s", path="export.xlsx", format="xlsx"))


def test_row_number_beyond_the_xlsx_maximum_is_refused_not_iterated(tmp_path):
    # openpyxl yields an empty row for every row number skipped: r="10485774" took
    # minutes (and r="999999999999" would never end) before the limit
    body = '<row r="10485774"><c r="A10485774"><v>1</v></c></row>'
    path = _xlsx(tmp_path, HEAD + ROW1 + body + "</sheetData></worksheet>")
    with pytest.raises(InputError, match="beyond 1,048,576"):
        read_table(path, Source(id="s", path="export.xlsx", format="xlsx"))


def test_truncated_workbook_is_an_input_error(tmp_path):
    data = xlsx_bytes(sheet_xml([["id", "q"], ["1", "Career"]], [1, 2], []), [])
    for cut in (10, len(data) // 2, len(data) - 30):
        path = tmp_path / "export.xlsx"
        path.write_bytes(data[:cut])
        with pytest.raises(InputError):
            read_table(path, Source(id="s", path="export.xlsx", format="xlsx"))


def test_corrupt_archive_member_is_an_input_error(tmp_path):
    buffer = io.BytesIO(xlsx_bytes(sheet_xml([["id"], ["1"]], [1, 2], []), []))
    with zipfile.ZipFile(buffer) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(buffer.getvalue())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start, start + info.compress_size):
        data[i] ^= 0x5A  # the deflated sheet is garbage: zlib.error or a CRC error
    path = tmp_path / "export.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError):
        read_table(path, Source(id="s", path="export.xlsx", format="xlsx"))


def test_sav_with_an_unreadable_variable_name_is_an_input_error(tmp_path):
    import pandas as pd
    import pyreadstat

    path = tmp_path / "export.sav"
    pyreadstat.write_sav(pd.DataFrame({"id": [1.0, 2.0], "q1": [1.0, 2.0]}), str(path))
    data = path.read_bytes()
    at = data.index(b"ID      ")  # the short name in the variable record
    path.write_bytes(data[:at] + b" " * 8 + data[at + 8 :])  # pyreadstat then gives None
    with pytest.raises(InputError, match="variable\\(s\\) 1 cannot be read"):
        read_table(path, Source(id="s", path="export.sav", format="sav"))


def test_zip_version_zipfile_cannot_read_is_an_input_error(tmp_path):
    data = bytearray(xlsx_bytes(sheet_xml([["id"], ["1"]], [1, 2], []), []))
    entry = data.index(b"PK\x01\x02")  # first central directory record
    data[entry + 6 : entry + 8] = (176).to_bytes(2, "little")  # "version needed": 17.6
    path = tmp_path / "export.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="zip version"):  # was NotImplementedError
        read_table(path, Source(id="s", path="export.xlsx", format="xlsx"))


# A .sav file (ReadStat's own writer, then bytes mutated by fuzz/run.py) on which
# pyreadstat 1.3.7 / ReadStat die with SIGSEGV: the whole program ended, no message.
SEGFAULT_SAV = (
    "JEZMMkAoIykgU1BTUyBEQVRBIEZJTEUgLSBodHRwczovL2dpdGh1Yi5jb20vV2l6YXJkTWFjL1JlYWRTdGF0IAIAAACA"
    "AAAAAAAAAAAAAAADAAAAAAAAAAAAWUAyOSBOb3YgMjYxMzoxNjoyOCAgICAgICAgICAgICAgICAgICAgICAgICAgICAg"
    "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAAAAACAAAAAAAAAAEAAAAAAAAAAggFAAIIBQBJRCAgICAg"
    "IAoAAABSZXNwb25kZW50ICACAAAAAAAAAAEAAAABAAAAAggFAAIIBQBRMSAgICAgIAQAAABXaHk/AAAAAAAAIkACAAAA"
    "CAAAAAEA3wAAAAAAAAgBAAAIAQBUWFQgICAgIAcAAABDb21tZW50IAMAAAACAAAAAAAAAAAA8D8RUGVyc29uYWwgaW50"
    "ZXJlc3QgICAgICAAAAAAAAAiQAlObyBhbnN3ZXIgICAgICAEAAAAAQAAAALMAAAHAAAAAwAAAAQAAAAIAAAAFAAAAAAA"
    "AAAAAAAA/////wEAAAABAAAAAgAAAOn9ADUHAAAABAAAAAgAAAADAAAA////////7//////////vf/7//////+//BwAA"
    "ABQAAAABAAAABQAAAFVURi04BwAAAAsAAAAEAAAACQAAAAAAAAAIAAAAAQAAAAAAAAAIAAAAAQAAAAAAAAAIAAAAAAAA"
    "AAcAAAANAAAAAQAAABMAAABJRD1pZAlRMT1xMQlUWFQ9dHh0BwAAABAAAAAIAAAAAgAAAAEAAAAAAAAAAwAAAAAAAADn"
    "AwAAAAAAAAAAAAAAAPA/AAAAAAAA8D9hICAgICAgIAAAAAAAAABAAAAAAAAAIkBJbnRlcsOpcwAAAAAAAAhA////////"
    "7/8gICAgICAgIA=="
)


def test_sav_that_crashes_the_c_reader_is_an_input_error(tmp_path):
    import base64

    path = tmp_path / "export.sav"
    path.write_bytes(base64.b64decode(SEGFAULT_SAV))
    with pytest.raises(InputError, match="ReadStat\\) crashed"):
        read_table(path, Source(id="s", path="export.sav", format="sav"))


@pytest.mark.parametrize(
    "text, expected",
    [
        (b"study:\x00\n", "character U\\+0000 is not allowed"),  # was ruamel ReaderError
        (b"study: {id: a\x1a}\n", "character U\\+001A is not allowed"),
        (b"%YAML 9.9\n---\nstudy: 1\n", "version 1"),
        (b"x: 1\n%YAML 9.9\n---\na: 1\n", "not a YAML document"),  # was KeyError (9, 9)
        (b"study: " + b"[" * 1200 + b"]" * 1200, "nested too deeply"),  # was RecursionError
        (b"".join(b"  " * i + b"k:\n" for i in range(1200)), "nested too deeply"),
    ],
)
def test_unreadable_study_file_is_a_study_file_error(tmp_path, text, expected):
    path = tmp_path / "study.yaml"
    path.write_bytes(text)
    with pytest.raises(StudyFileError, match=expected):
        load(path)


def test_yaml_alias_bomb_is_refused_without_expanding_it(tmp_path):
    # nine levels of nine aliases: 387 million strings once expanded; before the check
    # the conversion to plain dicts ran for minutes and gigabytes
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "study.yaml"
    path.write_text("\n".join([*lines, "study: {id: x, title: *a9}"]))
    with pytest.raises(StudyFileError, match="alias bomb"):
        load(path)


def test_a_few_shared_aliases_are_still_fine(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(
        "study: {id: s, title: T}\n"
        "sources: [{id: s1, path: x.csv}]\n"
        "scale: &likert {min: 1, max: 5}\n"
        "items:\n"
        "  - {id: a, type: likert, column: A, scale: *likert}\n"
        "  - {id: b, type: likert, column: B, scale: *likert}\n"
    )
    with pytest.raises(StudyFileError, match="scale: unknown field"):
        load(path)  # the top-level anchor key is an unknown field; the aliases expand fine


def test_hundred_thousand_columns_are_read_and_mapped(tmp_path):
    # the pandas parser builds one Series per column: 100,000 columns took ~50 s and a
    # million ~10 min; wide files now go through csv into one block
    from microcred import ingest
    from microcred.study.models import Study

    n = 100_000
    (tmp_path / "wide.csv").write_text(
        ",".join(["id", "Q1"] + [f"c{i}" for i in range(n)]) + "\n"
        + ",".join(["r1", "Career"] + [str(i % 7) for i in range(n)]) + "\n"
    )
    raw = read_table(tmp_path / "wide.csv", Source(id="s", path="wide.csv", format="csv"))
    assert raw.data.shape == (1, n + 2)
    assert raw.headers[-1] == f"c{n - 1}" and raw.data.iloc[0, -1] == str((n - 1) % 7)
    tree = dict(inputs.MAPPING_STUDY, sources=[{"id": "s", "path": "wide.csv"}])
    study = Study.model_validate(tree).model_copy(update={"base_dir": tmp_path})
    result = ingest.read(study)
    assert result.answers["option_id"].tolist() == ["career"]
    unmapped = [i for i in result.report.issues if i.kind == "unmapped_column"]
    assert len(unmapped) == 1 and f"and {n - 50} more" in unmapped[0].message
