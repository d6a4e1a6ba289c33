"""``report.docx``: the report as an editable Word document, APA-style tables and figures.

Built from the same :class:`~microcred.report.context.ReportContext` as the HTML page:
the same sections, sentences and formatted tables, with the charts as PNG images.
Every piece of text is added as a plain run (python-docx escapes it for XML) after
:func:`~microcred.report.safe.xml_text` drops characters XML cannot hold, so text from
the data can never become markup or break the file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from microcred.report.safe import xml_text

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    from microcred.report.charts import RenderedChart
    from microcred.report.context import ItemView, ReportContext, Table
    from microcred.report.prose import Span

__all__ = ["write_docx"]

FONT = "Calibri"
BODY_PT = 11
TABLE_PT = 9
WIDE_TABLE_PT = 8
WIDE_TABLE = 7
"""Tables with at least this many columns use :data:`WIDE_TABLE_PT`."""
CELL_MARGIN_TWIPS = 72
"""Left and right cell margins, 0.05 in (Word's default is 0.08 in)."""
RULE = {"val": "single", "sz": "8", "space": "0", "color": "000000"}
"""APA rules: 1 pt (8 eighths of a point), black."""


class _Writer:
    """Adds numbered tables and figures, headings and runs to one document."""

    def __init__(self, charts: Mapping[str, RenderedChart]) -> None:
        import docx
        from docx.shared import Mm, Pt

        self.charts = charts
        self.doc: DocumentObject = docx.Document()
        self.n_tables = 0
        self.n_figures = 0
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)  # A4
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Mm(25))
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_PT)
        self._page_numbers(section)

    def text_width(self) -> int:
        """Width between the margins of the current section, in EMU."""
        section = self.doc.sections[-1]
        return (
            int(section.page_width or 0)
            - int(section.left_margin or 0)
            - int(section.right_margin or 0)
        )

    # --- text ---------------------------------------------------------------------

    @staticmethod
    def runs(paragraph: Paragraph, spans: Sequence[Span | str]) -> Paragraph:
        for span in spans:
            if isinstance(span, str):
                paragraph.add_run(xml_text(span))
                continue
            run = paragraph.add_run(xml_text(span.text))
            run.bold = span.style == "b" or None
            run.italic = span.style == "i" or None
        return paragraph

    def para(self, text: str = "", style: str | None = None, **fmt: Any) -> Paragraph:
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            run = paragraph.add_run(xml_text(text))
            for key, value in fmt.items():
                setattr(run, key, value)
        return paragraph

    def heading(self, text: str, level: int, note: str = "") -> Paragraph:
        paragraph = self.doc.add_heading(level=level)
        paragraph.add_run(xml_text(text))
        if note:
            from docx.shared import RGBColor

            run = paragraph.add_run("  " + xml_text(note))
            run.bold = False
            run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
        return paragraph

    def bullets(self, items: Sequence[str | Sequence[Span | str]]) -> None:
        for item in items:
            paragraph = self.doc.add_paragraph(style="List Bullet")
            self.runs(paragraph, [item] if isinstance(item, str) else item)

    def labelled(self, rows: Sequence[tuple[str, str]]) -> None:
        """``Label: value`` lines (study metadata, provenance)."""
        from docx.shared import Pt

        for label, value in rows:
            if not value:
                continue
            paragraph = self.doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(2)
            paragraph.add_run(xml_text(label) + ": ").bold = True
            paragraph.add_run(xml_text(value))

    # --- tables -------------------------------------------------------------------

    def _caption(self, kind: str, number: int, title: str) -> None:
        from docx.shared import Pt

        label = self.doc.add_paragraph()
        label.paragraph_format.keep_with_next = True
        label.paragraph_format.space_before = Pt(12)
        label.paragraph_format.space_after = Pt(0)
        label.add_run(f"{kind} {number}").bold = True
        name = self.doc.add_paragraph()
        name.paragraph_format.keep_with_next = True
        name.paragraph_format.space_after = Pt(6)
        name.add_run(xml_text(title)).italic = True

    def table(self, table: Table, title: str | None = None) -> DocxTable:
        """An APA-style table: number and italic title above, horizontal rules only."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        self.n_tables += 1
        self._caption("Table", self.n_tables, title or table.caption or "Table")
        n_cols = len(table.headers)
        out = self.doc.add_table(rows=1 + len(table.rows), cols=n_cols)
        out.alignment = WD_TABLE_ALIGNMENT.LEFT
        size = Pt(WIDE_TABLE_PT if n_cols >= WIDE_TABLE else TABLE_PT)
        for r, values in enumerate([table.headers, *table.rows]):
            row = out.rows[r]
            _row_props(row, header=r == 0)
            for c, value in enumerate(values):
                paragraph = row.cells[c].paragraphs[0]
                paragraph.paragraph_format.space_after = Pt(0)
                paragraph.paragraph_format.space_before = Pt(1)
                numeric = c < len(table.numeric) and table.numeric[c]
                if numeric:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                run = paragraph.add_run(xml_text(value))
                run.font.size = size
        _apa_rules(out)
        self._widths(out, table)
        spacer = self.doc.add_paragraph()
        spacer.paragraph_format.space_after = Pt(0)
        return out

    def _widths(self, out: DocxTable, table: Table) -> None:
        """Column widths from the text: no word is broken, long text columns wrap.

        Each column gets at least its longest word (or number), at most its longest
        cell; the room left on the line goes to the columns that would wrap, in
        proportion to what they lack.
        """
        available = self.text_width()
        points = WIDE_TABLE_PT if len(table.headers) >= WIDE_TABLE else TABLE_PT
        # 0.62 em per character fits Calibri and the wider fallbacks (DejaVu Sans,
        # Liberation Sans) used where Calibri is missing; 12700 EMU per point.
        per_char = int(points * 0.62 * 12700)
        padding = 2 * CELL_MARGIN_TWIPS * 635 + per_char  # cell margins + one character
        lows, highs = [], []
        for c, header in enumerate(table.headers):
            cells = [str(row[c]) for row in table.rows if c < len(row)]
            numeric = c < len(table.numeric) and table.numeric[c]
            words = [w for cell in [str(header), *cells] for w in cell.split()] or [""]
            longest_cell = max((len(cell) for cell in [str(header), *cells]), default=0)
            longest_word = min(max(len(w) for w in words), 12)
            if numeric:  # numbers do not wrap ("< 0.001", "[30.3–34.3]")
                longest_word = max([longest_word, *(min(len(cell), 11) for cell in cells)])
            lows.append(longest_word * per_char + padding)
            highs.append(longest_cell * per_char + padding)
        if sum(highs) <= available:
            widths = highs
        elif sum(lows) >= available:
            widths = [lo * available // sum(lows) for lo in lows]
        else:
            spare = available - sum(lows)
            lack = [h - lo for lo, h in zip(lows, highs, strict=True)]
            total = sum(lack) or 1
            widths = [lo + spare * d // total for lo, d in zip(lows, lack, strict=True)]
        for c, width in enumerate(widths):
            out.columns[c].width = width
            for cell in out.columns[c].cells:
                cell.width = width

    # --- figures ------------------------------------------------------------------

    def figure(self, key: str | None, title: str, note: str = "") -> None:
        """A numbered figure (APA: number and italic title above, note below)."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Emu, Pt

        if not key or key not in self.charts:
            return
        chart = self.charts[key]
        self.n_figures += 1
        self._caption("Figure", self.n_figures, title)
        available = self.text_width()
        width = min(int(chart.width / 96 * 914400), available)  # CSS px at 96 dpi -> EMU
        self.doc.add_picture(io.BytesIO(chart.png), width=Emu(width))
        picture = self.doc.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.LEFT
        picture.paragraph_format.keep_with_next = bool(note)
        inline = self.doc.inline_shapes[-1]._inline
        inline.docPr.set("descr", xml_text(chart.title))
        inline.docPr.set("title", xml_text(chart.title))
        if note:
            paragraph = self.doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(8)
            paragraph.add_run("Note. ").italic = True
            run = paragraph.add_run(xml_text(note))
            run.font.size = Pt(9)

    # --- layout -------------------------------------------------------------------

    def orientation(self, landscape: bool) -> None:
        from docx.enum.section import WD_ORIENT, WD_SECTION

        current = self.doc.sections[-1]
        wants = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        if current.orientation == wants:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = wants
        width, height = section.page_width, section.page_height
        if (width > height) != landscape:
            section.page_width, section.page_height = height, width

    @staticmethod
    def _page_numbers(section: Any) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        paragraph._p.append(field)


def _border(parent: Any, tag: str, spec: Mapping[str, str] | None) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(f"w:{tag}")
    if spec is None:
        element.set(qn("w:val"), "nil")
    else:
        for key, value in spec.items():
            element.set(qn(f"w:{key}"), value)
    parent.append(element)


def _apa_rules(table: DocxTable) -> None:
    """Rules above the table, below the header row and below the table; nothing else.

    References
    ----------
    American Psychological Association (2020), Publication Manual, 7th ed., section
    7.12 "Table borders and shading": borders only where needed for clarity, generally
    at the top and bottom of the table, beneath column headings; no vertical rules.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    _border(borders, "top", RULE)
    _border(borders, "left", None)
    _border(borders, "bottom", RULE)
    _border(borders, "right", None)
    _border(borders, "insideH", None)
    _border(borders, "insideV", None)
    tbl_pr.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        _border(margins, side, {"w": str(CELL_MARGIN_TWIPS), "type": "dxa"})
    tbl_pr.append(margins)
    for cell in table.rows[0].cells:
        tc_pr = cell._tc.get_or_add_tcPr()
        cell_borders = OxmlElement("w:tcBorders")
        _border(cell_borders, "bottom", RULE)
        tc_pr.append(cell_borders)


def _row_props(row: Any, header: bool) -> None:
    """Rows do not break across pages; the header row repeats on every page."""
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _item(w: _Writer, it: ItemView, small_n: int) -> None:
    from docx.shared import Pt

    w.heading(it.question, 2, note=it.id)
    counts = w.para(f"{it.type_label.capitalize()}; n = {it.n_text}; {it.missing_text}.")
    counts.paragraph_format.space_after = Pt(4)
    if it.small_n:
        w.para(
            f"Small sample (fewer than {small_n} answers): read with caution.", bold=True
        )
    if it.message:
        w.para(it.message, italic=True)
    w.figure(it.chart_key, f"Answers to “{it.question}”", it.chart_caption)
    if it.table:
        w.table(it.table, f"{it.question} — {it.table.caption or 'Answers'}")
    if it.summary:
        w.table(it.summary, f"{it.question} — {it.summary.caption or 'Summary'}")
    notes = ([it.other_text] if it.other_text else []) + list(it.notes)
    if notes:
        w.bullets(notes)


def write_docx(
    context: ReportContext, charts: Mapping[str, RenderedChart], path: Path
) -> Path:
    """Write the report as a Word document.

    Parameters
    ----------
    context : ReportContext
        From :func:`microcred.report.context.build_context` (the HTML page's context).
    charts : mapping of str -> RenderedChart
        Rendered charts by the keys in ``context.charts`` (their PNG is embedded).
    path : pathlib.Path
        Destination ``.docx`` file.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Sections follow the HTML page (key findings, data quality, sample, motivations,
    constructs with their items, segment comparisons in landscape, methods). Tables
    are numbered with an italic title above and only horizontal rules (top, below the
    header, bottom); figures are numbered with an italic title above and a note below.
    Header rows repeat and rows do not split across pages.

    References
    ----------
    American Psychological Association (2020), Publication Manual, 7th ed., sections
    7.8-7.13 (tables) and 7.22-7.26 (figures); python-docx
    (https://python-docx.readthedocs.io/).
    """
    w = _Writer(charts)
    c = context
    title = w.doc.add_heading(level=0)
    title.add_run(xml_text(c.study["title"]))
    if c.study["description"]:
        w.para(c.study["description"])
    w.labelled(
        [
            ("Study id", c.study["id"]),
            ("Institution", c.study["institution"]),
            ("Languages", c.study["languages"]),
            ("Respondents", c.n_respondents),
            ("Cite as", c.study["citation"]),
            ("Licence", c.study["licence"]),
            (
                "Generated",
                f"{c.provenance['run_at']} by microcred {c.provenance['microcred_version']}",
            ),
        ]
    )

    w.heading("Key findings", 1)
    w.bullets(c.findings)
    w.para(
        "Percentages are shares of respondents who answered the question, with 95% "
        "confidence intervals in brackets [low–high].",
        italic=True,
    )
    if c.suppression_note:
        w.para(c.suppression_note, italic=True)

    w.heading("Data quality", 1)
    w.para(c.quality_summary)
    if c.issues:
        w.table(c.issues)
    if c.unknown_summary:
        w.heading("Unknown labels", 2)
        w.para(c.unknown_summary)
        if c.unknown_labels:
            w.table(c.unknown_labels)

    w.heading("Sample", 1)
    w.para(f"{c.n_respondents} respondents were kept for analysis.")
    if c.sample:
        w.table(c.sample)
    if c.segments:
        w.table(c.segments)

    if c.motivation:
        w.heading("Motivations ranked", 1)
        w.para(
            "Why respondents want a micro-credential, ranked by the share who chose each "
            "reason."
        )
        w.figure(
            c.motivation_chart,
            "Motivations ranked by share of respondents",
            "Bars: % of respondents with 95% Wilson CI, most chosen first.",
        )
        w.table(c.motivation, "Motivations ranked by share of respondents")

    for construct in c.constructs:
        w.heading(construct.label, 1)
        if construct.description:
            w.para(construct.description)
        if construct.ranking:
            w.table(construct.ranking, f"{construct.label}: answers ranked by share")
        for it in construct.items:
            _item(w, it, c.small_n)

    if c.comparisons:
        w.orientation(landscape=True)
        w.heading("Segment comparisons", 1)
        w.para(
            "Each comparison tests whether answers differ between groups of respondents. "
            "Rows marked “yes” are significant after the Holm correction "
            f"(α = {c.alpha})."
        )
        for comparison in c.comparisons:
            w.heading(f"By “{comparison.label}”", 2, note=comparison.by)
            w.para(comparison.summary)
            w.table(comparison.groups)
            w.table(comparison.tests)
            for name, crosstab in comparison.crosstabs:
                w.table(crosstab, f"{crosstab.caption} — {name}")
        w.orientation(landscape=False)

    for section in c.sections:
        w.heading(section.title, 1)
        for part in section.blocks:
            if part.kind == "p":
                w.para(part.text)
            elif part.kind == "table" and part.table is not None:
                w.table(part.table, part.table.caption or None)
            elif part.kind == "quotes":
                for text, source in part.quotes:
                    w.para(f"“{text}” ({source})", italic=True)
            elif part.kind == "html":
                w.para("The full design brief is in brief/ (HTML, DOCX and JSON).")

    w.heading("Methods", 1)
    for block in c.methods:
        if block.kind == "h":
            w.heading("".join(s.text for s in block.spans), 2)
        elif block.kind == "p":
            w.runs(w.doc.add_paragraph(), block.spans)
        elif block.kind == "ul":
            w.bullets(block.items)
    w.heading("Provenance", 2)
    w.labelled(
        [
            ("microcred", c.provenance["microcred_version"]),
            ("Run at", c.provenance["run_at"]),
            ("Study file", c.provenance["study_file"]),
            ("Study SHA-256", c.provenance["study_sha256"]),
            ("Database", c.provenance["database"]),
        ]
    )
    w.table(c.inputs)
    w.table(c.libraries)
    w.heading("References", 2)
    for ref in c.references:
        paragraph = w.runs(w.doc.add_paragraph(), ref)
        paragraph.paragraph_format.left_indent = 457200  # hanging indent, 0.5 in
        paragraph.paragraph_format.first_line_indent = -457200
    _properties(w.doc, c)
    w.doc.save(str(path))
    return path


def _properties(doc: DocumentObject, c: ReportContext) -> None:
    """Document properties: title, generator and date (python-docx's defaults otherwise)."""
    import datetime as dt

    props = doc.core_properties
    props.title = xml_text(c.study["title"])[:255]
    props.subject = "microcred report"
    props.author = "microcred"
    props.last_modified_by = "microcred"
    props.comments = f"Generated by microcred {c.provenance['microcred_version']}"
    try:
        when = dt.datetime.fromisoformat(c.provenance["run_at"])
    except ValueError:
        when = dt.datetime.now(dt.UTC)
    props.created = props.modified = when
