"""Every output format from the same results: XLSX, DOCX, PDF, chart files.

The fixture results are those of ``test_report.py`` plus one hostile item whose option
labels look like spreadsheet formulas, markup and control characters. Numbers must
come out unchanged (XLSX cells equal ``results.json``), text must stay text
(neutralised in XLSX/CSV per OWASP "CSV Injection", plain runs in DOCX).
"""

from __future__ import annotations

import copy
import csv
import json
import math
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from microcred.quant.results import ItemResult, QuantResults
from microcred.report import FORMATS, render
from microcred.report.context import build_context
from microcred.report.pdf import ReportWarning, pdf_engine
from microcred.report.safe import xml_text
from microcred.report.xlsx import sheet_name
from test_report import PROVENANCE, SCRIPT, make_results, make_study, make_validation

openpyxl = pytest.importorskip("openpyxl")
docx = pytest.importorskip("docx")

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"]
CONTROL = "bad\x01\x1bchar\x00s"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def hostile_results() -> QuantResults:
    """``make_results()`` plus an item whose labels are formulas, markup and controls."""
    results = make_results()
    labels = [*FORMULAS, SCRIPT, CONTROL]
    hostile = ItemResult(
        item_id="hostile",
        item_type="single_choice",
        label=f"Hostile {SCRIPT}",
        construct=None,
        n_asked=60,
        n_valid=60,
        n_missing=0,
        missing_reasons=pd.DataFrame({"reason": ["no answer"], "n": [0]}),
        frequencies=pd.DataFrame(
            {
                "option_id": [f"o{k}" for k in range(len(labels))],
                "label": labels,
                "n": [10] * len(labels),
                "pct": [1 / len(labels)] * len(labels),
                "ci_low": [0.0917] * len(labels),
                "ci_high": [0.2787] * len(labels),
                "value": [-2.0, -1.0, 0.0, 1.0, 2.0, -0.5],
            }
        ),
    )
    results.items["hostile"] = hostile
    return results


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Path], Path, QuantResults]:
    out = tmp_path_factory.mktemp("formats") / "run"
    results = hostile_results()
    paths = render(make_study(), results, make_validation(), PROVENANCE, out)
    return paths, out, results


@pytest.fixture(scope="module")
def data(run: tuple[dict[str, Path], Path, QuantResults]) -> dict[str, Any]:
    return json.loads(run[0]["results.json"].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workbook(run: tuple[dict[str, Path], Path, QuantResults]) -> Any:
    return openpyxl.load_workbook(run[0]["tables.xlsx"])


@pytest.fixture(scope="module")
def document(run: tuple[dict[str, Path], Path, QuantResults]) -> Any:
    return docx.Document(str(run[0]["report.docx"]))


def _rows(ws: Any) -> list[dict[str, Any]]:
    """A sheet as dicts of cells, keyed by the header row."""
    rows = list(ws.iter_rows())
    headers = [c.value for c in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


# --- files -----------------------------------------------------------------------------


def test_every_format_is_written(run: tuple[dict[str, Path], Path, QuantResults]) -> None:
    paths, out, _ = run
    expected = {"report.html", "results.json", "tables.xlsx", "report.docx"}
    if pdf_engine() is not None:
        expected.add("report.pdf")
    assert expected <= set(paths)
    for rel, path in paths.items():
        assert path == out / rel and path.is_file() and path.stat().st_size > 0


def test_chart_files_for_every_chart(run: tuple[dict[str, Path], Path, QuantResults]) -> None:
    paths, out, results = run
    context = build_context(make_study(), results, make_validation(), PROVENANCE)
    names = {key.removeprefix("chart-") for key in context.charts}
    assert names == {"ranking-motivation", "motivation", "weekly_hours", "orientation",
                     "modality", "hostile"}
    for name in names:
        svg = paths[f"charts/{name}.svg"]
        png = paths[f"charts/{name}.png"]
        root = ET.fromstring(svg.read_text(encoding="utf-8"))  # well-formed XML
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<script" not in svg.read_text(encoding="utf-8").lower()
        raw = png.read_bytes()
        assert raw.startswith(PNG_MAGIC)
        width = int.from_bytes(raw[16:20], "big")
        assert width == pytest.approx(2 * float(root.attrib["width"]), abs=2)  # scale 2


# --- XLSX ------------------------------------------------------------------------------


def test_xlsx_sheets_and_headers(workbook: Any) -> None:
    assert workbook.sheetnames == [
        "About", "Items", "Frequencies", "Summaries", "Rankings", "Comparisons",
        "Crosstabs", "Segments", "Sample", "Validation",
    ]
    for ws in workbook.worksheets[1:]:
        header = next(ws.iter_rows(max_row=1))
        assert all(cell.font.b for cell in header), ws.title
        for cell in header:
            width = ws.column_dimensions[cell.column_letter].width
            assert 6 <= width <= 60 and width >= min(len(str(cell.value)), 58)


def test_xlsx_numbers_are_numeric_and_equal_results_json(
    workbook: Any, data: dict[str, Any]
) -> None:
    rows = _rows(workbook["Frequencies"])
    assert len(rows) == sum(len(i["options"]) for i in data["items"].values())
    for row in rows:
        expected = data["items"][row["item_id"].value]["options"][row["option_id"].value]
        for column in ("n", "pct", "ci_low", "ci_high"):
            cell, value = row[column], expected[column]
            if value is None:
                assert cell.value is None
            elif isinstance(value, str):  # a suppressed cell: its label, as text
                assert cell.value == value and cell.data_type == "s", (column, row)
            else:
                # openpyxl writes 16 significant digits (Excel keeps 15)
                assert cell.data_type == "n", (column, row)
                assert cell.value == pytest.approx(value, rel=1e-15, abs=0), (column, row)
        if not isinstance(row["pct"].value, str):
            assert row["pct"].number_format == "0.0%"
    summaries = {r["item_id"].value: r for r in _rows(workbook["Summaries"])}
    age = summaries["age"]
    assert age["mean"].data_type == "n"
    assert age["mean"].value == data["items"]["age"]["summary"]["mean"]
    assert summaries["orientation"]["q1"].value == "[c]"  # withheld: the item is small
    tests = _rows(workbook["Comparisons"])
    assert tests[1]["effect_size"].value == -0.089 and tests[1]["effect_size"].data_type == "n"
    assert tests[0]["p_holm"].value == data["comparisons"][0]["tests"]["weekly_hours"]["p_holm"]
    items = {r["item_id"].value: r for r in _rows(workbook["Items"])}
    assert items["weekly_hours"]["n_missing"].value == 86
    assert items["orientation"]["small_n"].value is True
    crosstabs = _rows(workbook["Crosstabs"])
    cell = next(
        r for r in crosstabs if r["option_id"].value == "h6_15" and r["group_id"].value == "yes"
    )
    assert cell["n"].value == 1100 and cell["n"].data_type == "n"


def test_xlsx_neutralises_formulas_and_strips_control_characters(workbook: Any) -> None:
    labels = {
        r["option_id"].value: r["label"]
        for r in _rows(workbook["Frequencies"])
        if r["item_id"].value == "hostile"
    }
    for k, formula in enumerate(FORMULAS):
        assert labels[f"o{k}"].value == "'" + formula
        assert labels[f"o{k}"].data_type == "s"
    assert labels["o4"].value == SCRIPT
    assert labels["o5"].value == "badchars"
    values = [r["value"] for r in _rows(workbook["Frequencies"]) if r["item_id"].value == "hostile"]
    assert [c.value for c in values] == [-2.0, -1.0, 0.0, 1.0, 2.0, -0.5]
    assert all(c.data_type == "n" for c in values)
    # nothing anywhere in the workbook is a formula
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r")), c.value


def test_xlsx_validation_sheet_neutralises_respondent_values(workbook: Any) -> None:
    rows = _rows(workbook["Validation"])
    unknown = next(r for r in rows if r["kind"].value == "unknown_label")
    assert unknown["value"].value == "<img src=x onerror=alert(1)>"
    assert unknown["rows"].value == "5, 9, 12"
    assert unknown["count"].value == 7


def test_csv_neutralises_the_same_labels(run: tuple[dict[str, Path], Path, QuantResults]) -> None:
    with run[0]["tables/hostile.csv"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["label"] for r in rows[:4]] == ["'" + f for f in FORMULAS]
    assert [r["value"] for r in rows] == ["-2.0", "-1.0", "0.0", "1.0", "2.0", "-0.5"]


def test_csv_keeps_rows_whole_when_a_cell_holds_a_line_break(tmp_path: Path) -> None:
    # RFC 4180: fields containing line breaks (CR or LF) are quoted; a bare CR left
    # unquoted would end the row and start the next one with a live "=1+1".
    from microcred.report.tables import write_csv

    frame = pd.DataFrame({"label": ["\r=1+1", "a\nb", "plain"], "n": [1, -2, 3]})
    path = write_csv(frame, tmp_path / "t.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["label", "n"], ["'\r=1+1", "1"], ["a\nb", "-2"], ["plain", "3"]]


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("Frequencies", [], "Frequencies"),
        ("a" * 40, [], "a" * 31),
        ("a" * 40, ["a" * 31], "a" * 29 + "~2"),
        ("Items", ["ITEMS", "items~2"], "Items~3"),
        ("q1/q2: [x]*?\\", [], "q1_q2_ _x____"),
        ("'quoted'", [], "quoted"),
        ("", [], "Sheet"),
        ("History", [], "History_"),
    ],
)
def test_sheet_name_is_valid_and_unique(name: str, taken: list[str], expected: str) -> None:
    # Excel's rules: at most 31 characters, none of [ ] : * ? / \, no leading or
    # trailing apostrophe, unique without regard to case, "History" reserved.
    assert sheet_name(name, taken) == expected


# --- DOCX ------------------------------------------------------------------------------


def _context(results: QuantResults) -> Any:
    return build_context(make_study(), results, make_validation(), PROVENANCE)


def _context_tables(context: Any) -> int:
    n = sum(t is not None for t in (context.issues, context.unknown_labels, context.sample,
                                     context.segments, context.motivation))
    for construct in context.constructs:
        n += construct.ranking is not None
        n += sum((it.table is not None) + (it.summary is not None) for it in construct.items)
    for comparison in context.comparisons:
        n += 2 + len(comparison.crosstabs)
    return n + 2  # inputs, libraries


def test_docx_tables_and_images_match_the_html(
    run: tuple[dict[str, Path], Path, QuantResults], document: Any
) -> None:
    context = _context(run[2])
    assert len(document.tables) == _context_tables(context)
    assert len(document.inline_shapes) == len(context.charts)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Table 1" in text and "Figure 1" in text
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert {"60.6%", "[59.1–62.2]", "2296"} <= cells  # formatted as in the HTML
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert headings[:3] == ["Key findings", "Data quality", "Sample"]
    assert headings[-1] == "Methods"


def test_docx_tables_are_apa_style(document: Any) -> None:
    from docx.oxml.ns import qn

    table = document.tables[0]
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    kinds = {child.tag.split("}")[1]: child.get(qn("w:val")) for child in borders}
    assert kinds == {"top": "single", "bottom": "single", "left": "nil", "right": "nil",
                     "insideH": "nil", "insideV": "nil"}
    for cell in table.rows[0].cells:
        bottom = cell._tc.tcPr.find(qn("w:tcBorders")).find(qn("w:bottom"))
        assert bottom.get(qn("w:val")) == "single"
    assert table.rows[1].cells[0]._tc.tcPr.find(qn("w:tcBorders")) is None
    # "Table N" in bold, then the title in italics, right above the table
    body = list(document.element.body)
    index = body.index(table._tbl)
    number, title = body[index - 2], body[index - 1]
    runs = number.findall(f".//{qn('w:r')}")
    assert "".join(r.findtext(qn("w:t")) for r in runs) == "Table 1"
    assert runs[0].find(qn("w:rPr")).find(qn("w:b")) is not None
    assert title.find(f".//{qn('w:i')}") is not None


def test_docx_escapes_markup_and_drops_control_characters(
    run: tuple[dict[str, Path], Path, QuantResults], document: Any
) -> None:
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert SCRIPT in cells  # shown as the text it is
    assert "badchars" in cells
    with zipfile.ZipFile(run[0]["report.docx"]) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert "<script" not in xml and "&lt;script&gt;" in xml
    assert "<img" not in xml
    ET.fromstring(xml)  # still well-formed


# --- PDF -------------------------------------------------------------------------------


def _pdf_pages(raw: bytes) -> int:
    """Page objects, also inside compressed object streams (PDF 1.7, section 7.5.7)."""
    chunks = [raw]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", raw, re.DOTALL):
        try:
            chunks.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", b"".join(chunks)))


@pytest.mark.skipif(pdf_engine() is None, reason="no PDF engine (WeasyPrint or Chromium)")
def test_pdf_is_a_pdf_with_pages(run: tuple[dict[str, Path], Path, QuantResults]) -> None:
    raw = run[0]["report.pdf"].read_bytes()
    assert raw.startswith(b"%PDF-")
    assert raw.rstrip().endswith(b"%%EOF")
    assert _pdf_pages(raw) >= 3  # title page, sections on new pages


def test_pdf_skipped_with_a_warning_when_no_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import microcred.report.pdf as pdf

    monkeypatch.setattr(pdf, "pdf_engine", lambda: None)
    with pytest.warns(ReportWarning, match="report.pdf not written"):
        paths = render(make_study(), make_results(), make_validation(), PROVENANCE, tmp_path,
                       formats=["pdf", "html"])
    assert set(paths) == {"report.html"}
    assert not (tmp_path / "report.pdf").exists()


# --- render options ------------------------------------------------------------------


def test_formats_subset_and_unknown_format(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = render(make_study(), make_results(), make_validation(), PROVENANCE, tmp_path,
                       formats=["xlsx", "charts"])
    assert "tables.xlsx" in paths and "charts/motivation.png" in paths
    assert "report.html" not in paths and not (tmp_path / "report.html").exists()
    assert set(FORMATS) >= {"html", "json", "csv", "charts", "xlsx", "docx", "pdf"}
    with pytest.raises(ValueError, match="unknown report format"):
        render(make_study(), make_results(), make_validation(), PROVENANCE, tmp_path,
               formats=["pptx"])


def test_render_leaves_results_unchanged(tmp_path: Path) -> None:
    results = hostile_results()
    before = copy.deepcopy(results.items["hostile"].frequencies)
    render(make_study(), results, make_validation(), PROVENANCE, tmp_path, formats=["xlsx"])
    pd.testing.assert_frame_equal(results.items["hostile"].frequencies, before)


def test_xml_text_removes_only_characters_xml_forbids() -> None:
    # XML 1.0, production Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | ...
    assert xml_text("a\x00b\x08c\x0bd\x1fe\ufffef") == "abcdef"
    assert xml_text("tab\tlf\ncr\r<&>é😀") == "tab\tlf\ncr\r<&>é😀"
    assert xml_text(None) == "" and xml_text(3.5) == "3.5"
    assert not math.isnan(float(xml_text(1.0)))
