"""Hostile text end to end: survey export -> import -> report, then opened in a browser.

Respondent free text, 'other' answers, unknown answers, option labels, column headers
and every study field carry script, event-handler, ``javascript:`` and markup-breaking
payloads and Unicode direction tricks. The report must show them as inert text: no
dialog, no script element, no ``on*`` attribute, no ``javascript:`` URL, no request
leaving the page. Spreadsheet outputs must not start a cell with a formula trigger.

References
----------
OWASP, "Cross Site Scripting Prevention Cheat Sheet" and "XSS Filter Evasion Cheat Sheet"
(payloads); OWASP, "CSV Injection" (formula triggers ``= + - @``, tab, CR);
Boucher & Anderson (2021), "Trojan Source: Invisible Vulnerabilities", CVE-2021-42574
(bidirectional override and isolate characters U+202A-U+202E, U+2066-U+2069).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from browser import chromium, only_formats, visit
from microcred import pipeline
from microcred.report.safe import FORMULA_TRIGGERS

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS = "javascript:alert(1)"
BREAKOUT = '"><svg onload=alert(1)>'
RLO, LRI, RLI, FSI, PDI = "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"
SPOOF = f"invoice{RLO}fdp.exe"  # shows as "invoiceexe.pdf" when the override works
ISOLATED = f"{LRI}{RLO}reerac{PDI} {RLI}x{PDI} {FSI}y{PDI}"
PAYLOADS = [SCRIPT, IMG, JS, BREAKOUT]
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")

FORMULAS = {
    "eq": '=HYPERLINK("http://x.invalid","click")',
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}

HEADERS = {
    "id": "id",
    "motivation": f"Why? {IMG}",
    "modality": f"Modality {BREAKOUT}",
    "modality_other": f"Other modality {SCRIPT}",
    "worth": f"Worth {SCRIPT}",
    "channel": f"Channel {JS}",
    "formula": f"Formula {RLO}xlsx.exe",
    "comments": f"Comments {JS}",
    "extra": f"Extra {SCRIPT}{RLO}",
}


def hostile_study() -> dict:
    return {
        "study": {
            "id": "hostile",
            "title": f"Report {SCRIPT} {IMG} {BREAKOUT} {JS} {SPOOF}",
            "description": f"Description {BREAKOUT} {JS} {ISOLATED}",
            "institution": f"Institution {IMG}",
            "citation": f"{JS} {SCRIPT}",
            "licence": BREAKOUT,
            "languages": ["en"],
        },
        "sources": [{"id": "s1", "path": "responses.csv", "format": "auto"}],
        "respondent_id": {"column": "id"},
        "constructs": [
            {"id": "motivation", "label": f"Construct {SCRIPT} {SPOOF}",
             "description": BREAKOUT, "items": ["motivation"]},
        ],
        "items": [
            {"id": "motivation", "type": "multi_choice", "text": f"Why {SCRIPT}",
             "column": HEADERS["motivation"], "other": {"allowed": True},
             "options": [
                 {"id": "js", "labels": JS},
                 {"id": "breakout", "labels": BREAKOUT},
                 {"id": "spoof", "labels": SPOOF},
                 {"id": "isolated", "labels": ISOLATED},
             ]},
            {"id": "modality", "type": "single_choice", "text": f"Modality {BREAKOUT}",
             "column": HEADERS["modality"],
             "other": {"allowed": True, "column": HEADERS["modality_other"]},
             "options": [{"id": "online", "labels": f"Online {IMG}"},
                         {"id": "other", "labels": f"Other {SCRIPT}"}]},
            {"id": "worth", "type": "likert", "column": HEADERS["worth"],
             "scale": {"min": 1, "max": 5, "anchors": {1: IMG, 5: SPOOF}}},
            {"id": "channel", "type": "single_choice", "text": f"Channel {IMG}",
             "column": HEADERS["channel"],
             "options": [{"id": "web", "labels": "Web"}]},
            {"id": "formula", "type": "single_choice", "text": FORMULAS["eq"],
             "column": HEADERS["formula"],
             "options": [{"id": k, "labels": v} for k, v in FORMULAS.items()]},
            {"id": "comments", "type": "open_text", "text": f"Comments {SCRIPT}",
             "column": HEADERS["comments"]},
        ],
        "segments": [
            {"id": "hostile_segment", "label": f"Segment {IMG} {SPOOF}",
             "where": {"item": "motivation", "options": ["js"]}},
        ],
        "comparisons": [
            {"by": "hostile_segment", "items": ["worth", "modality", "formula"]},
        ],
    }


def hostile_rows(n: int = 24) -> list[list[str]]:
    motives = [JS, BREAKOUT, SPOOF, ISOLATED, f"{JS}, {SPOOF}", SCRIPT, f"{IMG}{RLO}"]
    modality = [f"Online {IMG}", f"Other {SCRIPT}", f"Other {SCRIPT}", f"Online {IMG}"]
    other_text = ["", f"{SCRIPT} {RLO}", IMG, ""]
    channel = ["Web", f"{SCRIPT}{SPOOF}", BREAKOUT, f"=cmd|' /C calc'!A0 {IMG}"]
    comments = [SCRIPT, IMG, JS, BREAKOUT, SPOOF, ISOLATED, "=1+1", "@SUM(A1)"]
    formulas = list(FORMULAS.values())
    rows = [list(HEADERS.values())]
    for i in range(n):
        rows.append([
            f"r{i}", motives[i % len(motives)], modality[i % 4], other_text[i % 4],
            str(1 + i % 5), channel[i % 4], formulas[i % len(formulas)],
            comments[i % len(comments)], "=1+1",
        ])
    return rows


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    # JSON is YAML: every payload is quoted exactly, with its quotes, colons and controls.
    (folder / "study.yaml").write_text(json.dumps(hostile_study(), indent=1), encoding="utf-8")
    with (folder / "responses.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(hostile_rows())
    # Every format whose text a reader opens, less the PDF (the same page, printed).
    with only_formats("html", "json", "csv", "xlsx", "docx"):
        pipeline.run(folder / "study.yaml", folder / "out")
    return folder / "out"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


# Everything in the DOM that could run code or load something.
ACTIVE_JS = r"""
() => {
  const found = [];
  const dangerous = new Set(['script', 'iframe', 'frame', 'frameset', 'object', 'embed',
    'img', 'image', 'foreignobject', 'base', 'form', 'animate', 'set', 'use']);
  const url = /^(javascript|vbscript|data:text\/html)/;
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (dangerous.has(tag)) found.push(`<${tag}> element`);
    if (tag === 'meta' && el.hasAttribute('http-equiv')) found.push('<meta http-equiv>');
    if (tag === 'svg' && !el.closest('figure')) found.push('<svg> outside a chart figure');
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(`<${tag} ${name}>`);
      if (name === 'srcdoc') found.push(`<${tag} srcdoc>`);
      if (url.test(value)) found.push(`<${tag} ${name}="${a.value}">`);
    }
  }
  return found;
}
"""

# Every text a reader or a screen reader gets: text nodes (SVG text included),
# attribute values (aria-label, title) and the document title.
TEXTS_JS = r"""
() => {
  const texts = [document.title];
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) texts.push(walker.currentNode.nodeValue);
  for (const el of document.querySelectorAll('*'))
    for (const a of el.attributes) texts.push(a.value);
  return texts;
}
"""


def test_checks_catch_injected_markup(browser, tmp_path):
    """Control: the same checks on a page that does inject the payloads find them all."""
    page = tmp_path / "injected.html"
    page.write_text(f"<!DOCTYPE html><title>t</title><h1>{IMG}</h1><p>{BREAKOUT}</p>"
                    f"<a href='{JS}'>x</a>", encoding="utf-8")
    seen = visit(browser, page)
    try:
        seen.page.evaluate("() => new Promise(r => setTimeout(r, 0))")
        assert seen.dialogs  # the onerror/onload alert ran and was caught
        found = seen.page.evaluate(ACTIVE_JS)
        assert "<img> element" in found and "<img onerror>" in found
        assert "<svg onload>" in found and "<svg> outside a chart figure" in found
        assert any(f.startswith("<a href=") for f in found)
        assert seen.outside_requests()  # src=x was fetched
    finally:
        seen.page.close()


def test_hostile_text_is_shown_as_text_and_nothing_runs(browser, out):
    seen = visit(browser, out / "report.html")
    page = seen.page
    try:
        page.evaluate("() => new Promise(r => setTimeout(r, 0))")
        assert seen.dialogs == []
        assert seen.problems() == []
        assert seen.outside_requests() == []
        assert page.evaluate(ACTIVE_JS) == []
        # Escaped, not dropped: every payload reads literally on the page.
        body = page.inner_text("body")
        for payload in PAYLOADS:
            assert payload in body
        assert SCRIPT in page.inner_text("h1")
        assert SCRIPT in page.title()
        # Headers of the export reach the report (data-quality section) as text too.
        assert HEADERS["modality"] in body and HEADERS["extra"].rstrip(RLO) in body
    finally:
        page.close()


def test_direction_overrides_are_neutralised(browser, out):
    """No bidi override, embedding or isolate control survives into what the reader sees.

    Wrapping in ``<bdi>`` would only stop an override leaking into the text around it,
    the label itself would still read reversed; so the controls must be removed (or
    replaced by a visible mark) while the rest of the text stays.
    """
    seen = visit(browser, out / "report.html")
    try:
        texts = seen.page.evaluate(TEXTS_JS)
        assert [t for t in texts if BIDI.search(t)] == []
        assert "fdp.exe" in seen.page.inner_text("body")
    finally:
        seen.page.close()


NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def formula_like(cell: str) -> bool:
    """A cell a spreadsheet would read as a formula; plain negative numbers are numbers."""
    return cell.startswith(FORMULA_TRIGGERS) and not NUMBER.fullmatch(cell)


def test_csv_tables_neutralise_formula_triggers(out):
    files = sorted((out / "tables").glob("*.csv"))
    assert files
    cells = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        # A CR left unquoted ends the row in every CSV reader, and the rest of the cell
        # ("=1+1") then opens a new row as a live formula: every row keeps its width.
        assert [r for r in rows if len(r) != len(rows[0])] == [], f"{path.name}: rows split"
        cells += [(path.name, c) for row in rows for c in row]
    assert [(name, c) for name, c in cells if formula_like(c)] == []
    values = {c for _, c in cells}
    # Not vacuous: the formula labels and the question text did reach the CSVs.
    for label in FORMULAS.values():
        assert "'" + label in values
    comparisons = (out / "tables" / "comparisons_hostile_segment.csv").read_text("utf-8")
    assert "'" + FORMULAS["eq"].replace('"', '""') in comparisons


def test_xlsx_tables_neutralise_formula_triggers(out):
    books = sorted(out.rglob("*.xlsx"))
    if not books:
        pytest.skip("the run wrote no .xlsx file")
    from openpyxl import load_workbook

    bad, values = [], set()
    for book in books:
        for sheet in load_workbook(book).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    value = cell.value
                    values.add(value)
                    if cell.data_type == "f" or (isinstance(value, str) and formula_like(value)):
                        bad.append((book.name, sheet.title, cell.coordinate, value))
    assert bad == []
    for label in FORMULAS.values():  # the labels are there, as text
        assert "'" + label in values


def test_docx_report_keeps_payloads_as_text(out):
    docs = sorted(out.rglob("*.docx"))
    if not docs:
        pytest.skip("the run wrote no .docx file")
    import docx

    for path in docs:
        document = docx.Document(str(path))
        text = "\n".join(p.text for p in document.paragraphs)
        text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        assert SCRIPT in text, path.name
