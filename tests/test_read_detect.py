"""Choosing the reader (declared format, extension, magic bytes) and the layout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from microcred.errors import InputError
from microcred.ingest.detect import detect_layout, read_table
from microcred.study.models import Source


def read(path: Path, **declared):
    return read_table(path, Source(id="s", path=path.name, **declared))


def test_layout_signatures():
    assert detect_layout([["Q1"], ["text"], ['{"ImportId":"QID1"}']]) == "qualtrics"
    assert detect_layout([["V1", "V2", "Q1"], ["ResponseID", "ResponseSet", "t"]]) == ("qualtrics")
    assert detect_layout([["Marca de temps", "Q"]]) == "google-forms"
    assert detect_layout([["id", "submitdate", "lastpage", "startlanguage", "Q1"]]) == (
        "limesurvey"
    )
    assert detect_layout([["V1", "name"], ["1", "x"]]) == "generic"
    assert detect_layout([]) == "generic"


def test_sav_and_xlsx_found_by_content(tmp_path):
    import pyreadstat
    from openpyxl import Workbook

    sav = tmp_path / "export.dat"
    pyreadstat.write_sav(pd.DataFrame({"q": [1.0, 2.0]}), str(sav))
    assert read(sav).format == "sav"

    book = Workbook()
    book.active.append(["q"])
    book.active.append([3])
    xlsx = tmp_path / "download"
    book.save(xlsx)
    table = read(xlsx)
    assert table.format == "xlsx" and table.data.iloc[0, 0] == "3"


def test_declared_tsv_format(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("a\tb, c\n1\t2, 3\n", encoding="utf-8")
    table = read(path, format="tsv")
    assert table.format == "tsv"
    assert table.headers == ["a", "b, c"]


def test_declared_google_forms_on_an_unusual_header(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("When,Q\n5/2/2024 9:14:03,x\n", encoding="utf-8")
    table = read(path, format="google-forms")
    assert table.format == "google-forms"
    assert table.submitted_at is None  # no recognised timestamp column


def test_old_excel_is_refused(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(InputError, match="xlsx"):
        read(path)
