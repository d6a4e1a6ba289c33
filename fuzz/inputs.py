"""Hostile and broken inputs for every importer, as hypothesis strategies and edge cases.

Each strategy gives a :class:`FuzzInput`: the bytes of one file, how the study file
declares it (``format``, ``encoding``, ``delimiter``, ``sheet``) and, when the input is
a well-formed export that must import exactly, the :class:`Expected` grid (the oracle).
Inputs are made three ways:

- random bytes (with or without a container's magic number);
- valid-looking exports of each layout (generic table, Google Forms, LimeSurvey,
  Qualtrics standard and legacy, XLSX, SPSS) written with a random delimiter, quoting,
  line endings (mixed CRLF/LF/CR), encoding (UTF-8 with and without BOM, UTF-16 LE/BE
  with and without BOM, UTF-32, latin-1, cp1252) and then, often, mutated (truncated,
  bytes flipped, NUL bytes, stray quotes, chunks deleted or repeated, BOMs inside);
- :func:`edge_cases`: large deterministic inputs (10 MB fields, 100k and 1M columns,
  empty files, NUL-filled files, truncated zips, YAML alias bombs...).

Notes
-----
The mutation operators are the classic ones of byte-level fuzzers (AFL's "havoc"
stage: bit/byte flips, insertions, deletions, block duplication, truncation); the
structure-aware part follows the export layouts in ``shared/specs``.
"""

from __future__ import annotations

import codecs
import io
import json
import random
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import strategies as st

__all__ = [
    "IMPORTERS",
    "MAPPING_STUDY",
    "READ_TABLE_FORMATS",
    "EdgeCase",
    "Expected",
    "FuzzInput",
    "edge_cases",
    "havoc",
    "strategy",
]

READ_TABLE_FORMATS = (
    "auto", "csv", "tsv", "google-forms", "limesurvey", "qualtrics", "xlsx", "sav",
)
"""Declared formats of a source, each fuzzed through ``read_table``."""

IMPORTERS = (*READ_TABLE_FORMATS, "mapping", "study")
"""Everything the runner fuzzes: ``read_table`` per format, the mapping, the study file."""


@dataclass
class Expected:
    """What a well-formed export must import as (the oracle).

    Attributes
    ----------
    layout : str
        ``generic``, ``google-forms``, ``limesurvey``, ``qualtrics`` or ``sav``.
    n_header : int
        Header records above the responses.
    records : list of list of str
        Every non-blank record, header rows included, ``""`` for an empty cell.
    rows : list of int
        1-based row of each record (blank lines counted).
    """

    layout: str
    n_header: int
    records: list[list[str]]
    rows: list[int]


@dataclass
class FuzzInput:
    """One file and its declaration in the study file.

    Attributes
    ----------
    name : str
        File name (its extension matters to ``format: auto``).
    data : bytes
        The file's content.
    source : dict
        Fields of the study file's source (``format``, ``encoding``, ``delimiter``,
        ``sheet``); ``path`` is added by the target.
    expect : Expected or None
        The exact result when the input must import (unmutated, unambiguous).
    how : str
        How it was made, for reports (never the content).
    study_valid : bool
        For the study-file fuzzer: the document is a valid study file and must load.
    """

    name: str
    data: bytes
    source: dict[str, object] = field(default_factory=dict)
    expect: Expected | None = None
    how: str = ""
    study_valid: bool = False


# --------------------------------------------------------------------------- cells

_VOCAB = (
    "Personal interest", "Interés personal", "Interès personal", "Career", "Carrera",
    "Online, self-paced", "Blended", "In person", "Online, self-paced, Blended",
    "1", "2", "3", "4", "5", "6.75", "0", "-1", "1e308", "NaN", "inf", "-0", "٣",
    "1,5", "1.000,5", "Yes", "No", "TRUE", "FALSE", "x", "-oth-", "Other: a friend",
    "=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "<script>alert(1)</script>",
    "\u202eevil", "\u200b", "Ā一", "𝔘𝔫𝔦", "a\u0301", "ﬁ", "İ",
    "2024-05-02 09:14:03", "5/2/2024 9:14:03", "2024/05/02 9:14:03 a. m. GMT+2",
    "31/12/2023 23:59:59", "99/99/9999 99:99", "1980-01-01 00:00:00", "0000-00-00",
    '{"ImportId":"QID1"}', '{"ImportId":', "Q1[SQ001]", "V1", "Timestamp", "id",
    " ", "  padded  ", '"', '""', "a,b", "a;b", "a|b", "line\nbreak", "cr\rlf\r\n",
)
_TEXT_ALPHABET = st.characters(
    codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00\ufeff"
)
cells = st.one_of(
    st.sampled_from(_VOCAB),
    st.text(_TEXT_ALPHABET, max_size=12),
    st.just(""),
)
"""A cell: realistic answers (labels in several languages, numbers, dates, formulas,
markup, direction marks, quotes and delimiters) or arbitrary text."""


# --------------------------------------------------------------------------- layouts

_TIMESTAMP_HEADERS = ("Timestamp", "Marca temporal", "marca de temps", "Horodateur")
_LIME_SYSTEM = ("id", "submitdate", "lastpage", "startlanguage")
_QUALTRICS_META = (
    "StartDate", "EndDate", "Status", "Progress", "Duration (in seconds)", "Finished",
    "RecordedDate", "ResponseId", "UserLanguage",
)
_ZONES = ("Europe/Madrid", "America/Denver", "UTC", "Mars/Olympus", "", "+02:00")
_timestamp = st.one_of(
    st.sampled_from(_VOCAB[-13:-6]),
    st.from_regex(
        r"\A\d{1,5}[/.-]\d{1,3}[/.-]\d{1,5}( \d{1,3}:\d{1,3}(:\d{1,3})?)?"
        r"( [apAP]\. ?[mM]\.?)?( (GMT|UTC)[+-]\d{1,3}(:\d\d)?| Z| [+-]\d\d:?\d\d)?\Z",
        fullmatch=True,
    ),
    cells,
)


@st.composite
def _grid(draw: st.DrawFn, layout: str) -> tuple[int, list[list[str]]]:
    """(number of header records, records) of one export layout."""
    n_q = draw(st.integers(1, 6))
    n_rows = draw(st.integers(0, 6))
    questions = [draw(cells) for _ in range(n_q)]
    if layout == "google-forms":
        header = [draw(st.sampled_from(_TIMESTAMP_HEADERS))]
        if draw(st.booleans()):
            header.append("Email Address")
        header += questions
        rows = [
            [draw(_timestamp)] + [draw(cells) for _ in header[1:]] for _ in range(n_rows)
        ]
        return 1, [header, *rows]
    if layout == "limesurvey":
        codes = [
            draw(st.sampled_from(("Q1", "Q2[SQ001]", "Q2[SQ002]", "Q3[other]", "G1Q1[a][1]")))
            for _ in range(n_q)
        ]
        header = [*_LIME_SYSTEM, *codes]
        rows = [
            [
                str(i + 1),
                draw(st.one_of(_timestamp, st.just(""))),
                draw(st.sampled_from(("1", "2", "-1", ""))),
                draw(st.sampled_from(("en", "es", "ca", ""))),
                *(draw(cells) for _ in codes),
            ]
            for i in range(n_rows)
        ]
        return 1, [header, *rows]
    if layout == "qualtrics":
        cell = cells.filter(lambda c: "ImportId" not in c)  # would read as header row 3
        if draw(st.booleans()):  # legacy: V1..Vn then names
            n_v = draw(st.integers(2, 4))  # legacy exports start V1, V2, ...
            tags = [f"V{i + 1}" for i in range(n_v)] + [f"Q{i + 1}" for i in range(n_q)]
            names = ["ResponseID", "ResponseSet", "StartDate", "Finished"][:n_v] + questions
            names += [""] * (len(tags) - len(names))
            rows = [[draw(cell) for _ in tags] for _ in range(n_rows)]
            return 2, [tags, names, *rows]
        meta = draw(st.lists(st.sampled_from(_QUALTRICS_META), max_size=5, unique=True))
        tags = meta + [f"Q{i + 1}" for i in range(n_q)]
        texts = meta + questions
        zone = draw(st.sampled_from(_ZONES))
        ids = []
        for tag in tags:
            entry: dict[str, str] = {"ImportId": tag if tag in meta else f"QID{tags.index(tag)}"}
            if tag in ("StartDate", "EndDate", "RecordedDate") and zone:
                entry["timeZone"] = zone
            ids.append(json.dumps(entry))
        rows = []
        for _ in range(n_rows):
            row = []
            for tag in tags:
                if tag in ("StartDate", "EndDate", "RecordedDate"):
                    row.append(draw(_timestamp))
                elif tag == "Finished":
                    row.append(draw(st.sampled_from(("1", "0", "True", "False", "", "2"))))
                else:
                    row.append(draw(cell))
            rows.append(row)
        return 3, [tags, texts, ids, *rows]
    header = [draw(cells) for _ in range(n_q)]
    rows = [[draw(cells) for _ in header] for _ in range(n_rows)]
    return 1, [header, *rows]


# --------------------------------------------------------------------------- text files

_DELIMITERS = (",", ";", "\t", "|")
_ENCODINGS = (
    "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-16-be+bom",
    "utf-32", "latin-1", "cp1252",
)
_ENDINGS = ("\n", "\r\n", "\r")


def _quote(cell: str, delimiter: str, quote_all: bool) -> str:
    if quote_all or any(c in cell for c in (delimiter, '"', "\r", "\n")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _serialise(
    records: list[list[str]], delimiter: str, quote_all: bool, endings: list[str],
    blank_before: list[int], final_newline: bool,
) -> tuple[str, list[int]]:
    """Delimited text of ``records`` and the 1-based line number of each record."""
    parts: list[str] = []
    rows: list[int] = []
    line = 0
    previous = ""
    for i, record in enumerate(records):
        for _ in range(blank_before[i]):
            ending = endings[(i + line) % len(endings)]
            if previous.endswith("\r") and ending.startswith("\n"):
                ending = "\r\n" if previous != "\r" else "\r"
            if previous == "\r" and ending == "\r\n":
                ending = "\r"
            parts.append(ending)
            previous = ending
            line += 1
        line += 1
        rows.append(line)
        text = delimiter.join(_quote(c, delimiter, quote_all) for c in record)
        if text == "" and len(record) == 1:
            text = '""'
        ending = endings[i % len(endings)]
        parts.append(text)
        if i < len(records) - 1 or final_newline:
            parts.append(ending)
        previous = ending
    return "".join(parts), rows


def _encode(text: str, encoding: str) -> bytes | None:
    """The text in ``encoding`` (``utf-16-be+bom`` adds a BOM), None if not encodable."""
    try:
        if encoding == "utf-16-be+bom":
            return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
        return text.encode(encoding)
    except UnicodeEncodeError:
        return None


def _expected(
    layout: str, n_header: int, records: list[list[str]], rows: list[int]
) -> Expected | None:
    if any(not any(c != "" for c in r) for r in records[:n_header]):
        return None  # a blank header row is skipped like any blank line: layout shifts
    kept = [(r, row) for r, row in zip(records, rows, strict=True) if any(c != "" for c in r)]
    if len(kept) <= n_header:
        return None  # a header without responses: an InputError is expected, not an import
    return Expected(layout, n_header, [r for r, _ in kept], [row for _, row in kept])


def _exact_text_oracle(
    declared_format: str, layout: str, delimiter: str, declared_delimiter: str,
    encoding: str, declared_encoding: str, n_cols: int, text: str,
) -> bool:
    """Whether the reader has one right answer for this file (no ambiguity to guess)."""
    if n_cols < 2:
        return False  # one column: any delimiter fits, sniffing may rightly differ
    if declared_delimiter == "auto" and not (
        (declared_format == "csv" and delimiter == ",")
        or (declared_format == "tsv" and delimiter == "\t")
    ):
        return False
    if declared_encoding == "auto":
        if encoding in ("latin-1", "cp1252") and not text.isascii():
            return False
        if encoding in ("utf-16-le", "utf-16-be") and not text.isascii():
            return False  # BOM-less UTF-16 is recognised by its NUL bytes
    return not (declared_format == "auto" and layout == "generic")  # may look like a platform


_ENCODING_NAMES = {"utf-16-be+bom": "utf-16"}


@st.composite
def text_export(draw: st.DrawFn, declared_format: str) -> FuzzInput:
    """A delimited export of a layout fitting ``declared_format``, maybe mutated."""
    layouts = {
        "google-forms": ("google-forms",),
        "limesurvey": ("limesurvey",),
        "qualtrics": ("qualtrics",),
    }.get(declared_format, ("generic", "google-forms", "limesurvey", "qualtrics"))
    layout = draw(st.sampled_from(layouts))
    n_header, records = draw(_grid(layout))
    delimiter = draw(st.sampled_from(_DELIMITERS))
    n = len(records)
    endings = draw(st.lists(st.sampled_from(_ENDINGS), min_size=1, max_size=3))
    blank_before = draw(st.lists(st.sampled_from((0, 0, 0, 1, 2)), min_size=n, max_size=n))
    text, rows = _serialise(
        records, delimiter, draw(st.booleans()), endings, blank_before, draw(st.booleans())
    )
    encoding = draw(st.sampled_from(_ENCODINGS))
    data = _encode(text, encoding)
    if data is None:
        encoding = "utf-8"
        data = text.encode("utf-8")
    declared_encoding = draw(st.sampled_from(("auto", "auto", "declared")))
    if declared_encoding == "declared":
        declared_encoding = _ENCODING_NAMES.get(encoding, encoding)
        if encoding == "utf-32":
            declared_encoding = "utf-32"
    declared_delimiter = draw(st.sampled_from(("auto", "auto", "declared")))
    if declared_delimiter == "declared":
        declared_delimiter = delimiter
    ext = draw(st.sampled_from((".csv", ".tsv", ".txt", ".dat", "")))
    if declared_format == "auto" and draw(st.integers(0, 9)) == 0:
        ext = draw(st.sampled_from((".xlsx", ".sav", ".xls", ".ods", ".zsav")))
    source: dict[str, object] = {"format": declared_format, "encoding": declared_encoding,
                                 "delimiter": declared_delimiter}
    expect = None
    if _exact_text_oracle(
        declared_format, layout, delimiter, declared_delimiter, encoding, declared_encoding,
        len(records[0]), text,
    ) and ext in (".csv", ".txt", ".dat", ""):
        if declared_format in ("csv", "tsv"):  # any layout reads as a plain table
            expect = _expected("generic", 1, records, rows)
        else:
            expect = _expected(layout, n_header, records, rows)
    how = f"{layout} {encoding} delim={delimiter!r}"
    mutated, steps = draw(_mutations(data))
    if steps:
        expect = None
        how += " mutated:" + ",".join(steps)
    return FuzzInput(f"export{ext}", mutated, source, expect, how)


# --------------------------------------------------------------------------- mutations

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)


@st.composite
def _mutations(draw: st.DrawFn, data: bytes, max_steps: int = 4) -> tuple[bytes, list[str]]:
    """``data`` after 0..max_steps havoc-style mutations, and their names."""
    steps: list[str] = []
    n_steps = draw(st.sampled_from((0, 0, 1, 1, 2, 3, max_steps)))
    for _ in range(n_steps):
        kind = draw(
            st.sampled_from(
                (
                    "truncate", "flip", "insert", "nul", "quote", "delete", "repeat",
                    "endings", "bom", "high", "cr",
                )
            )
        )
        at = draw(st.integers(0, len(data)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif kind == "nul":
            data = data[:at] + b"\x00" * draw(st.integers(1, 3)) + data[at:]
        elif kind == "quote":
            data = data[:at] + b'"' + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)) :]
        elif kind == "repeat":
            chunk = data[at : at + draw(st.integers(1, 64))]
            data = data[:at] + chunk * draw(st.integers(2, 50)) + data[at:]
        elif kind == "endings":
            old, new = draw(st.sampled_from(((b"\r\n", b"\n"), (b"\n", b"\r"), (b"\n", b"\r\n"))))
            data = data.replace(old, new, draw(st.integers(1, 5)))
        elif kind == "bom":
            data = data[:at] + draw(st.sampled_from(_BOMS)) + data[at:]
        elif kind == "high":
            data = data[:at] + bytes([draw(st.integers(0x80, 0xFF))]) + data[at:]
        elif kind == "cr":
            data = data[:at] + b"\r" + data[at:]
        steps.append(kind)
    return data, steps


def havoc(item: FuzzInput, rng: random.Random, max_steps: int = 4) -> FuzzInput:
    """A mutant of ``item``: 1..max_steps of the byte mutations of :func:`_mutations`.

    Parameters
    ----------
    item : FuzzInput
        The input to mutate (left unchanged).
    rng : random.Random
        The source of randomness (seeded by hypothesis, so runs repeat).
    max_steps : int
        Most mutations applied.

    Returns
    -------
    FuzzInput
        Same name and declaration, mutated bytes, no oracle.

    Notes
    -----
    Several cheap mutants per generated input is the "havoc" stage of AFL; it
    amortises the cost of drawing a structured input with hypothesis.
    """
    data = item.data
    for _ in range(rng.randint(1, max_steps)):
        at = rng.randint(0, len(data))
        kind = rng.randrange(10)
        if kind == 0:
            data = data[:at]
        elif kind == 1 and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
        elif kind == 2:
            data = data[:at] + rng.randbytes(rng.randint(1, 8)) + data[at:]
        elif kind == 3:
            data = data[:at] + rng.choice((b"\x00", b'"', b"\r", b"\n", b",", b"\t")) + data[at:]
        elif kind == 4:
            data = data[:at] + data[at + rng.randint(1, 64) :]
        elif kind == 5:
            chunk = data[at : at + rng.randint(1, 64)]
            data = data[:at] + chunk * rng.randint(2, 20) + data[at:]
        elif kind == 6:
            data = data[:at] + rng.choice(_BOMS) + data[at:]
        elif kind == 7:
            data = data[:at] + bytes([rng.randint(0x80, 0xFF)]) + data[at:]
        elif kind == 8 and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
        else:
            other = rng.randint(0, len(data))
            data = data[:at] + data[other : other + rng.randint(1, 32)] + data[at:]
    return FuzzInput(item.name, data, dict(item.source), None, item.how + " havoc")


@st.composite
def random_bytes(draw: st.DrawFn, magic: tuple[bytes, ...] = ()) -> bytes:
    """Random bytes, sometimes after a container's magic number."""
    body = draw(st.binary(max_size=2048))
    prefixed = draw(st.booleans())
    if magic and prefixed:
        prefix: bytes = draw(st.sampled_from(magic))
        return prefix + body
    return body


# --------------------------------------------------------------------------- XLSX

_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Responses" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
}
_XML_OK = re.compile("^[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")
_OOXML_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


def column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index (0 -> A, 26 -> AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _xml_text(cell: str) -> str:
    return escape(cell).replace("\r", "&#13;")


def sheet_xml(records: list[list[str]], rows: list[int], shared: list[str]) -> str:
    """A worksheet part holding ``records`` at ``rows``: inline strings, numbers, shared."""
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>"
    ]
    for record, row in zip(records, rows, strict=True):
        out.append(f'<row r="{row}">')
        for col, cell in enumerate(record):
            if cell == "":
                continue
            ref = f"{column_letter(col)}{row}"
            if cell in shared:
                out.append(f'<c r="{ref}" t="s"><v>{shared.index(cell)}</v></c>')
            elif re.fullmatch(r"-?[1-9][0-9]{0,8}", cell):
                out.append(f'<c r="{ref}"><v>{cell}</v></c>')
            else:
                out.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{_xml_text(cell)}</t></is></c>"
                )
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def xlsx_bytes(sheet: str, shared: list[str], parts: dict[str, str] | None = None) -> bytes:
    """A minimal workbook (the parts Excel needs) with one sheet and shared strings."""
    strings = "".join(
        f'<si><t xml:space="preserve">{_xml_text(s)}</t></si>' for s in shared
    )
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(shared)}" uniqueCount="{len(shared)}">{strings}</sst>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_XLSX_PARTS, **(parts or {})}.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", sst)
    return buffer.getvalue()


_XML_MUTATIONS = (
    ('r="A', 'r="A0'), ('r="', 'r="XFE'), ('r="', 'r="1048577'), ('r="', 'r="-'),
    ('<v>', '<v>abc'), ('<v>', '<v>1e999'), ('<v>', '<v>99999'), (' t="s"', ' t="b"'),
    (' t="s"', ' t="e"'), (' t="s"', ' t="d"'), (' t="inlineStr"', ' t="n"'),
    ('<c r=', '<c s="999" r='), ('<c r=', '<c t="str" r='), ("</row>", ""),
    ("<row ", "<row spans=\"x\" "), ('<row r="', '<row r="0'), ("</t>", "&bogus;</t>"),
    ("<sheetData>", "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><sheetData>"),
    ("<t ", "<t\x01 "), ("</sheetData>", ""), ('<?xml version="1.0" encoding="UTF-8"',
                                              '<?xml version="1.0" encoding="latin-9"'),
)


@st.composite
def xlsx_export(draw: st.DrawFn) -> FuzzInput:
    """A workbook holding an export of any layout, maybe with its XML or zip mutated."""
    layout = draw(st.sampled_from(("generic", "google-forms", "limesurvey", "qualtrics")))
    n_header, records = draw(_grid(layout))
    rows: list[int] = []
    row = 0
    for _ in records:
        row += 1 + draw(st.sampled_from((0, 0, 0, 1, 3)))
        rows.append(row)
    flat = [c for r in records for c in r if c]
    shared = sorted(set(draw(st.lists(st.sampled_from(flat), max_size=4)))) if flat else []
    sheet = sheet_xml(records, rows, shared)
    clean = all(
        _XML_OK.match(c) and not _OOXML_ESCAPE.search(c) for c in flat
    ) and all(c == c.strip() or c not in shared for c in flat)
    steps: list[str] = []
    for _ in range(draw(st.sampled_from((0, 0, 1, 2)))):
        old, new = draw(st.sampled_from(_XML_MUTATIONS))
        if old in sheet:
            sheet = sheet.replace(old, new, draw(st.integers(1, 3)))
            steps.append(f"xml:{new[:12]!r}")
    sheet_choice = draw(st.sampled_from((None, None, None, 0, 1, "Responses", "Nope", -1)))
    data = xlsx_bytes(sheet, shared)
    data, byte_steps = draw(_mutations(data, max_steps=2))
    steps += byte_steps
    expect = None
    if not steps and clean and sheet_choice in (None, 0, "Responses") and layout == "generic":
        expect = _expected("generic", n_header, records, rows)
    source: dict[str, object] = {"format": draw(st.sampled_from(("xlsx", "auto")))}
    if source["format"] == "auto" and layout == "generic":
        expect = None
    if sheet_choice is not None:
        source["sheet"] = sheet_choice
    name = draw(st.sampled_from(("export.xlsx", "export.xlsx", "export.xlsm", "export.bin")))
    return FuzzInput(name, data, source, expect, f"xlsx {layout} " + ",".join(steps))


@cache
def _openpyxl_workbooks() -> tuple[bytes, ...]:
    """A few workbooks written by openpyxl (styles, dates, formulas, several sheets)."""
    import datetime as dt

    from openpyxl import Workbook

    out = []
    for variant in range(4):
        book = Workbook()
        sheet = book.active
        sheet.title = "Form responses 1"
        sheet.append(["Timestamp", "Q1", "Q2", "Hours"] if variant % 2 else ["id", "Q1", "Q2"])
        sheet.append([dt.datetime(2024, 5, 2, 9, 14, 3), "Personal interest", True, 4.0])
        sheet.append([dt.date(2024, 5, 3), "=1+1", None, 6.75])
        sheet.append([dt.time(9, 30), dt.timedelta(hours=26), float("nan"), -1])
        if variant >= 2:
            book.create_sheet("Second").append(["a", "b"])
        buffer = io.BytesIO()
        book.save(buffer)
        out.append(buffer.getvalue())
    return tuple(out)


@st.composite
def openpyxl_export(draw: st.DrawFn) -> FuzzInput:
    """A workbook written by openpyxl, maybe truncated or with bytes flipped."""
    data = draw(st.sampled_from(_openpyxl_workbooks()))
    data, steps = draw(_mutations(data, max_steps=3))
    sheet = draw(st.sampled_from((None, 0, 1, 2, "Second", "Form responses 1")))
    source: dict[str, object] = {"format": draw(st.sampled_from(("xlsx", "auto")))}
    if sheet is not None:
        source["sheet"] = sheet
    return FuzzInput("export.xlsx", data, source, None, "openpyxl " + ",".join(steps))


# --------------------------------------------------------------------------- SPSS

@cache
def sav_pool() -> tuple[bytes, ...]:
    """Valid SPSS files written by pyreadstat: labels, user-missing, strings, dates, zsav."""
    import datetime as dt
    import tempfile
    from pathlib import Path

    import numpy as np
    import pandas as pd
    import pyreadstat

    frames: list[tuple[pd.DataFrame, dict[str, Any]]] = [
        (
            pd.DataFrame({"id": [1.0, 2.0, 3.0], "q1": [1.0, 9.0, np.nan],
                          "txt": ["a", "Interés", ""]}),
            {"variable_value_labels": {"q1": {1.0: "Personal interest", 9.0: "No answer"}},
             "missing_ranges": {"q1": [9.0]},
             "column_labels": ["Respondent", "Why?", "Comment"]},
        ),
        (
            pd.DataFrame({"when": [dt.datetime(2024, 5, 2, 9, 14, 3), None],
                          "hours": [6.75, 1e15], "long": ["x" * 300, "y"]}),
            {"missing_ranges": {"hours": [{"lo": 98.0, "hi": 99.0}]}},
        ),
        (pd.DataFrame({"only": ["a" * 5]}), {}),
        (pd.DataFrame({f"v{i}": [float(i), np.nan] for i in range(40)}),
         {"variable_value_labels": {"v3": {3.0: "three"}}}),
    ]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, (frame, kwargs) in enumerate(frames):
            for compress in (False, True):
                path = Path(tmp) / f"f{index}{compress}.{'zsav' if compress else 'sav'}"
                pyreadstat.write_sav(frame, str(path), compress=compress, **kwargs)
                out.append(path.read_bytes())
    return tuple(out)


@st.composite
def sav_export(draw: st.DrawFn) -> FuzzInput:
    """An SPSS file from :func:`sav_pool`, maybe with its dictionary or data mutated."""
    index = draw(st.integers(0, len(sav_pool()) - 1))
    data = sav_pool()[index]
    steps: list[str] = []
    if draw(st.booleans()):  # aim at the header and dictionary, where lengths live
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, min(len(data), 1200) - 1))
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
            steps.append("dict-flip")
    data, more = draw(_mutations(data, max_steps=3))
    steps += more
    name = draw(st.sampled_from(("export.sav", "export.zsav", "export.dat")))
    fmt = draw(st.sampled_from(("sav", "auto")))
    return FuzzInput(name, data, {"format": fmt}, None, f"sav#{index} " + ",".join(steps))


# --------------------------------------------------------------------------- mapping

MAPPING_STUDY: dict[str, object] = {
    "study": {"id": "fuzz", "title": "Fuzz", "languages": ["en", "es"]},
    "sources": [{"id": "s", "path": "PLACEHOLDER"}],
    "respondent_id": {"column": "id"},
    "items": [
        {"id": "motivation", "type": "single_choice", "column": "Q1",
         "options": [
             {"id": "personal", "labels": {"en": "Personal interest", "es": "Interés personal"},
              "code": 1},
             {"id": "career", "labels": {"en": "Career", "es": "Carrera"}, "code": 2},
         ],
         "other": {"allowed": True}},
        {"id": "formats", "type": "multi_choice", "column": "Q2",
         "options": [{"id": "online", "labels": "Online, self-paced"},
                     {"id": "blended", "labels": "Blended"},
                     {"id": "inperson", "labels": "In person"}],
         "other": {"allowed": True, "column": "Q2_other"}},
        {"id": "agree", "type": "likert", "column": "Q3", "scale": {"min": 1, "max": 5}},
        {"id": "hours", "type": "numeric", "column": "Q4", "min": 0, "max": 60},
        {"id": "why", "type": "open_text", "column": "Q5"},
        {"id": "ects", "type": "ordinal", "column": "Q6",
         "options": [{"id": "low", "labels": "1-3"}, {"id": "mid", "labels": "4-6"},
                     {"id": "high", "labels": "7+"}]},
        {"id": "badge", "type": "multi_choice",
         "options": [{"id": "b1", "column": "B1", "labels": "Yes"},
                     {"id": "b2", "column": "B2", "labels": "Yes", "code": 1}]},
        {"id": "rate", "type": "rating", "column_pattern": r"^R\d", "scale": {"min": 0, "max": 10},
         "required": False},
    ],
    "segments": [{"id": "keen", "where": {"item": "agree", "min": 4}}],
}
"""A small study using every item type, pointed at the fuzzed file by the target."""

_MAPPING_COLUMNS = {
    "id": st.one_of(st.integers(1, 8).map(str), cells),
    "Q1": st.one_of(st.sampled_from(("Personal interest", "interés personal", "Career", "1",
                                     "2", "2.0", "-oth-", "Friend")), cells),
    "Q2": st.one_of(st.sampled_from(("Online, self-paced, Blended", "In person",
                                     "Blended, Other thing", "online, self-paced")), cells),
    "Q2_other": cells,
    "Q3": st.one_of(st.sampled_from(("1", "5", "3.0", "6", "0", "Agree")), cells),
    "Q4": st.one_of(st.sampled_from(("0", "60", "6,5", "61", "-1", "1e400", "nan", "ten")), cells),
    "Q5": st.one_of(cells, st.text(_TEXT_ALPHABET, max_size=200)),
    "Q6": st.one_of(st.sampled_from(("1-3", "4-6", "7+", "8")), cells),
    "B1": st.one_of(st.sampled_from(("Yes", "1", "", "x", "No", "maybe")), cells),
    "B2": st.one_of(st.sampled_from(("Yes", "1", "", "0", "true")), cells),
    "R1": st.one_of(st.sampled_from(("0", "10", "11", "5.5")), cells),
}


@st.composite
def mapping_export(draw: st.DrawFn) -> FuzzInput:
    """An export whose columns the mapping study knows (some missing, repeated, renamed)."""
    names = list(_MAPPING_COLUMNS)
    header = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names) + 2))
    if draw(st.booleans()):
        header = names + header[:2]
    header = [draw(st.sampled_from((h, h, h, h.lower(), f" {h} ", h + "x"))) for h in header]
    extra = draw(st.lists(cells, max_size=2))
    header += extra
    n_rows = draw(st.integers(0, 8))
    records = [header]
    for _ in range(n_rows):
        records.append(
            [draw(_MAPPING_COLUMNS.get(h.strip(), cells)) for h in header]
        )
    kind = draw(st.sampled_from(("csv", "csv", "limesurvey", "google-forms", "xlsx")))
    if kind == "limesurvey":
        records = [[*_LIME_SYSTEM, *records[0]]] + [
            [str(i), draw(st.sampled_from(("2024-05-02 10:00:00", ""))), "2", "en", *r]
            for i, r in enumerate(records[1:])
        ]
    elif kind == "google-forms":
        records = [["Timestamp", *records[0]]] + [
            [draw(_timestamp), *r] for r in records[1:]
        ]
    language = draw(st.sampled_from(("en", "es")))
    if kind == "xlsx":
        data = xlsx_bytes(sheet_xml(records, list(range(1, len(records) + 1)), []), [])
        name, fmt = "export.xlsx", "auto"
    else:
        delimiter = draw(st.sampled_from((",", ";", "\t")))
        text, _ = _serialise(records, delimiter, draw(st.booleans()), ["\r\n"],
                             [0] * len(records), True)
        data = _encode(text, draw(st.sampled_from(("utf-8", "utf-8-sig", "utf-16")))) or b""
        name = "export.csv"
        fmt = draw(st.sampled_from(("auto", "csv", kind if kind != "csv" else "auto")))
    data, steps = draw(_mutations(data, max_steps=2))
    source = {"format": fmt, "language": language,
              "include_unfinished": draw(st.booleans())}
    return FuzzInput(name, data, source, None, f"mapping {kind} " + ",".join(steps))


# --------------------------------------------------------------------------- study files

_STUDY_KEYS = ("study", "sources", "respondent_id", "items", "constructs", "segments",
               "comparisons", "coding", "id", "type", "options", "labels", "column",
               "scale", "min", "max", "where", "by", "item", "format", "path", "other")
_yaml_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True), st.text(_TEXT_ALPHABET, max_size=20),
    st.sampled_from(("likert", "single_choice", "csv", "auto", "en", "q1", "s", "x.csv",
                     "../../etc/passwd", "/dev/zero", "\x00", "*", "[a-", "(a+)+$")),
)


def _valid_study() -> dict[str, object]:
    return json.loads(json.dumps({**MAPPING_STUDY, "sources": [{"id": "s", "path": "x.csv"}]}))


def _paths(node: object, prefix: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _at(tree: Any, path: tuple[object, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


@st.composite
def study_file(draw: st.DrawFn) -> FuzzInput:
    """A study file: the valid mapping study, its tree mutated, as YAML or JSON text."""
    tree = _valid_study()
    steps: list[str] = []
    for _ in range(draw(st.sampled_from((0, 0, 1, 1, 2, 4)))):
        paths = [p for p in _paths(tree) if p]
        path = draw(st.sampled_from(paths))
        parent: Any = _at(tree, path[:-1])
        key: Any = path[-1]
        kind = draw(st.sampled_from(("delete", "scalar", "list", "dict", "rename", "dup")))
        if kind == "delete":
            del parent[key]
        elif kind == "scalar":
            parent[key] = draw(_yaml_scalar)
        elif kind == "list":
            parent[key] = [parent[key]]
        elif kind == "dict":
            parent[key] = {draw(st.sampled_from(_STUDY_KEYS)): parent[key]}
        elif kind == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(_STUDY_KEYS)) + "x"] = parent.pop(key)
        elif kind == "dup" and isinstance(parent, list):
            parent.append(parent[key])
        steps.append(kind)
    as_json = draw(st.booleans())
    text = json.dumps(tree, ensure_ascii=False, allow_nan=True) if as_json else _to_yaml(tree)
    data = text.encode("utf-8")
    tail = draw(st.sampled_from((
        b"", b"", b"\x00", b"\n\t- bad", b"\nitems: *nope", b"\n? [a, b]\n: c",
        b"\n!!python/object:os.system ls", b"\n&a [*a]", b"\nstudy: {}", b"\n\xff\xfe",
        b"\n" + b"[" * 2000, b"\n%YAML 9.9", b"\n---\n- 1", b"\nitems: !!binary ZZZ=",
        b"\nx: !!timestamp 2024-99-99", b"\nx: !!float abc", b"\nx: 0o999",
        b"\nx: &a [1]\ny: *a\nz: *a", b"\nitems: []", "\x85 \u2028".encode("utf-8"),
    )))
    if tail:
        steps.append("tail")
    data += tail
    data, more = draw(_mutations(data, max_steps=3))
    steps += more
    valid = not steps
    return FuzzInput("study.yaml", data, {}, None, "study " + ",".join(steps), valid)


def _to_yaml(tree: object) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    buffer = io.StringIO()
    yaml.dump(tree, buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- strategies

def strategy(importer: str) -> st.SearchStrategy[FuzzInput]:
    """The input strategy of one importer.

    Parameters
    ----------
    importer : str
        One of :data:`IMPORTERS`.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of FuzzInput
    """
    if importer == "study":
        return st.one_of(
            study_file(),
            random_bytes((b"study:", b"\xef\xbb\xbf", b"%YAML 1.2\n")).map(
                lambda b: FuzzInput("study.yaml", b, {}, None, "random bytes")
            ),
        )
    if importer == "mapping":
        return mapping_export()
    if importer == "xlsx":
        return st.one_of(
            xlsx_export(), xlsx_export(), openpyxl_export(),
            random_bytes((b"PK\x03\x04",)).map(
                lambda b: FuzzInput("export.xlsx", b, {"format": "xlsx"}, None, "random bytes")
            ),
        )
    if importer == "sav":
        return st.one_of(
            sav_export(), sav_export(),
            random_bytes((b"$FL2", b"$FL3", b"$FL2@(#) IBM SPSS")).map(
                lambda b: FuzzInput("export.sav", b, {"format": "sav"}, None, "random bytes")
            ),
        )
    random_text = random_bytes((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"PK\x03\x04", b"$FL2"))
    return st.one_of(
        text_export(importer), text_export(importer), text_export(importer),
        random_text.map(
            lambda b: FuzzInput("export.csv", b, {"format": importer}, None, "random bytes")
        ),
    )


# --------------------------------------------------------------------------- edge cases

@dataclass
class EdgeCase:
    """A large or degenerate input, built on demand (some are tens of megabytes)."""

    name: str
    importers: tuple[str, ...]
    build: Callable[[str], FuzzInput]


_TEXT = tuple(f for f in READ_TABLE_FORMATS if f not in ("xlsx", "sav")) + ("mapping",)
MB = 1 << 20


def _text(
    data: bytes | Callable[[], bytes], name: str = "export.csv",
    records: Callable[[], list[list[str]]] | None = None, **source: object,
) -> Callable[[str], FuzzInput]:
    """An edge case of delimited text; with ``records``, ``auto`` and ``csv`` must import
    exactly those records (one header row, rows 1, 2, ...)."""

    def build(importer: str) -> FuzzInput:
        fmt = importer if importer in READ_TABLE_FORMATS else "auto"
        expect = None
        if records is not None and importer in ("auto", "csv"):
            grid = records()
            expect = Expected("generic", 1, grid, list(range(1, len(grid) + 1)))
        content = data() if callable(data) else data
        return FuzzInput(name, content, {"format": fmt, **source}, expect, "edge case")

    return build


def _wide(n: int) -> bytes:
    header = ",".join(f"c{i}" for i in range(n))
    row = ",".join(str(i % 10) for i in range(n))
    return f"{header}\n{row}\n".encode()


def _wide_records(n: int) -> list[list[str]]:
    return [[f"c{i}" for i in range(n)], [str(i % 10) for i in range(n)]]


_HUGE_BODY = ("Lorem ipsum, \"dolor\"\r\nsit amet " * (10 * MB // 30))[: 10 * MB]


def _huge_field(quoted: bool, closed: bool = True) -> bytes:
    body = _HUGE_BODY
    cell = '"' + body.replace('"', '""') + ('"' if closed else "") if quoted else body.replace(
        ",", " ").replace('"', " ").replace("\r\n", "  ")
    return f"id,why,Q1\n1,{cell},Career\n".encode() if closed else f"id,why\n1,{cell}".encode()


def _billion_laughs() -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("study: {id: x, title: *a9}")
    return "\n".join(lines).encode()


def _wide_xlsx(n: int) -> bytes:
    header = [f"c{i}" for i in range(n)]
    return xlsx_bytes(sheet_xml([header, ["1"] * n], [1, 2], []), [])


def _many_items_study(n: int) -> bytes:
    tree = _valid_study()
    tree["items"] = [
        {"id": f"q{i}", "type": "likert", "column": f"Q{i}", "scale": {"min": 1, "max": 5}}
        for i in range(n)
    ]
    tree["segments"] = []
    return json.dumps(tree).encode()


def _study(data: bytes) -> Callable[[str], FuzzInput]:
    return lambda importer: FuzzInput("study.yaml", data, {}, None, "edge case")


def _truncated_xlsx(at: float) -> Callable[[str], FuzzInput]:
    def build(importer: str) -> FuzzInput:
        data = _openpyxl_workbooks()[0]
        return FuzzInput("export.xlsx", data[: int(len(data) * at)], {"format": "xlsx"}, None,
                         "edge case")

    return build


def _truncated_sav(index: int, at: float) -> Callable[[str], FuzzInput]:
    def build(importer: str) -> FuzzInput:
        data = sav_pool()[index]
        return FuzzInput("export.sav", data[: int(len(data) * at)], {"format": "sav"}, None,
                         "edge case")

    return build


def _wide_sav(n: int) -> Callable[[str], FuzzInput]:
    def build(importer: str) -> FuzzInput:
        import tempfile
        from pathlib import Path

        import pandas as pd
        import pyreadstat

        frame = pd.DataFrame({f"v{i}": [float(i % 7)] for i in range(n)})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "wide.sav"
            pyreadstat.write_sav(frame, str(path))
            data = path.read_bytes()
        return FuzzInput("export.sav", data, {"format": "sav"}, None, "edge case")

    return build


def edge_cases(importer: str, include_huge: bool = True) -> list[EdgeCase]:
    """The deterministic edge cases that apply to ``importer``.

    Parameters
    ----------
    importer : str
        One of :data:`IMPORTERS`.
    include_huge : bool
        Include the inputs of tens of megabytes (10 MB fields, a million columns).

    Returns
    -------
    list of EdgeCase
    """
    cases = [
        EdgeCase("empty file", (*_TEXT, "xlsx", "sav"), _text(b"")),
        EdgeCase("only a UTF-8 BOM", _TEXT, _text(codecs.BOM_UTF8)),
        EdgeCase("only a UTF-16 BOM", _TEXT, _text(codecs.BOM_UTF16_LE)),
        EdgeCase("blank lines only", _TEXT, _text(b"\r\n\n\r  \n\t\n")),
        EdgeCase("NUL bytes, 1 MB", (*_TEXT, "xlsx", "sav"), _text(b"\x00" * MB)),
        EdgeCase("header only", _TEXT, _text(b"id,Q1,Q2\r\n")),
        EdgeCase("CR line endings only", _TEXT, _text(b"id,Q1\r1,Career\r2,1\r")),
        EdgeCase("mixed CRLF/LF/CR", _TEXT, _text(b"id,Q1,Q3\r\n1,Career,4\n2,1,5\r3,,1\r\n")),
        EdgeCase("unterminated quote", _TEXT, _text(b'id,Q1\n1,"Career\n2,1\n')),
        EdgeCase("UTF-16 cut in a character", _TEXT,
                 _text(codecs.BOM_UTF16_LE + "id,Q1\n1,é\n".encode("utf-16-le")[:-1])),
        EdgeCase("latin-1, auto", _TEXT, _text("id,Q1\n1,Interés personal\n".encode("latin-1"))),
        EdgeCase("latin-1 declared utf-8", _TEXT,
                 _text("id,Q1\n1,Interés\n".encode("latin-1"), encoding="utf-8")),
        EdgeCase("unknown encoding declared", _TEXT, _text(b"id,Q1\n1,2\n", encoding="klingon")),
        EdgeCase("UTF-16 without BOM, CJK", _TEXT,
                 _text("id,Q1\n1,一二三\n".encode("utf-16-le"))),
        EdgeCase("wrong delimiter declared", _TEXT, _text(b"id;Q1\n1;2\n", delimiter=",")),
        EdgeCase("20,000 rows of 1 column", _TEXT, _text(b"id\n" + b"1\n" * 20000)),
        EdgeCase("100,000 columns", _TEXT,
                 _text(lambda: _wide(100_000), records=lambda: _wide_records(100_000))),
        EdgeCase("16,384 columns (XLSX maximum)", ("xlsx",),
                 lambda i: FuzzInput("export.xlsx", _wide_xlsx(16_384), {"format": "xlsx"}, None,
                                     "edge case")),
        EdgeCase("empty zip", ("xlsx",),
                 lambda i: FuzzInput("export.xlsx", b"PK\x05\x06" + b"\x00" * 18,
                                     {"format": "xlsx"}, None, "edge case")),
        *(EdgeCase(f"XLSX truncated at {int(at * 100)}%", ("xlsx",), _truncated_xlsx(at))
          for at in (0.1, 0.5, 0.9, 0.99)),
        *(EdgeCase(f"SAV #{i} truncated at {int(at * 100)}%", ("sav",), _truncated_sav(i, at))
          for i in (0, 1, 6) for at in (0.05, 0.3, 0.7, 0.95)),
        EdgeCase("SAV magic only", ("sav",),
                 lambda i: FuzzInput("export.sav", b"$FL2", {"format": "sav"}, None, "edge")),
        EdgeCase("empty study file", ("study",), _study(b"")),
        EdgeCase("study file: NUL bytes", ("study",), _study(b"study:\x00\n")),
        EdgeCase("study file: UTF-16", ("study",), _study("study: {}\n".encode("utf-16"))),
        EdgeCase("study file: alias bomb", ("study",), _study(_billion_laughs())),
        EdgeCase("study file: nested 10,000 deep", ("study",),
                 _study(b"study: " + b"[" * 10_000 + b"]" * 10_000)),
        EdgeCase("study file: nested maps 5,000 deep", ("study",),
                 _study(b"".join(b"  " * i + b"k:\n" for i in range(5000)))),
        EdgeCase("study file: recursive alias", ("study",), _study(b"study: &a\n  x: *a\n")),
        EdgeCase("study file: 1,000 items", ("study",), _study(_many_items_study(1000))),
        EdgeCase("study file: tabs", ("study",), _study(b"study:\n\tid: x\n")),
        EdgeCase("study file: a list", ("study",), _study(b"- 1\n- 2\n")),
    ]
    if include_huge:
        cases += [
            EdgeCase("10 MB quoted field with line breaks", _TEXT,
                     _text(lambda: _huge_field(True),
                           records=lambda: [["id", "why", "Q1"], ["1", _HUGE_BODY, "Career"]])),
            EdgeCase("10 MB unquoted field", _TEXT, _text(lambda: _huge_field(False))),
            EdgeCase("10 MB field, quote never closed", _TEXT,
                     _text(lambda: _huge_field(True, closed=False))),
            EdgeCase("1,000,000 columns", _TEXT,
                     _text(lambda: _wide(1_000_000), records=lambda: _wide_records(1_000_000))),
            EdgeCase("10 MB line without a line break", _TEXT, _text(b"x" * (10 * MB))),
            EdgeCase("study file: 10 MB string", ("study",),
                     _study(b"study:\n  id: x\n  title: '" + b"t" * (10 * MB) + b"'\n")),
            EdgeCase("SAV with 10,000 variables", ("sav",), _wide_sav(10_000)),
            EdgeCase("XLSX with a 10 MB cell", ("xlsx",),
                     lambda i: FuzzInput(
                         "export.xlsx",
                         xlsx_bytes(sheet_xml([["id", "why"], ["1", "w" * (10 * MB)]], [1, 2],
                                              []), []),
                         {"format": "xlsx"}, None, "edge case")),
        ]
    return [case for case in cases if importer in case.importers]
