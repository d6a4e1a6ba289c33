"""Reports: results -> HTML, PDF, DOCX, XLSX, JSON, CSV tables and chart files.

The report renders and never computes: every number comes from
:class:`~microcred.quant.results.QuantResults`, through the one shared copy that
:func:`microcred.privacy.shared.share_results` makes (small counts suppressed).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from microcred.errors import MicrocredError

if TYPE_CHECKING:
    from microcred.ingest.validate import ValidationReport
    from microcred.quant.results import QuantResults
    from microcred.study.models import Study

__all__ = ["FORMATS", "render"]

FORMATS = ("html", "json", "csv", "charts", "xlsx", "docx", "pdf")
"""What :func:`render` can write: ``report.html``, ``results.json``, ``tables/*.csv``,
``charts/*.svg|png``, ``tables.xlsx``, ``report.docx``, ``report.pdf``."""


def render(
    study: Study,
    results: QuantResults,
    validation: ValidationReport,
    provenance: Mapping[str, Any],
    out_dir: str | Path,
    formats: Collection[str] | None = None,
    sections: Sequence[Any] | None = None,
    *,
    key: bytes | None = None,
) -> dict[str, Path]:
    """Write the report of a study in every format, all from the same results.

    Parameters
    ----------
    study : Study
        The instrument (constructs give the section order; question texts, scales).
    results : QuantResults
        The quantitative analysis.
    validation : ValidationReport
        Problems found while reading the exports (shown under "Data quality").
    provenance : mapping
        ``microcred_version``, ``run_at`` (ISO 8601), ``libraries`` (name -> version),
        ``inputs`` (list of dicts ``source_id, path, sha256, format, n_rows``),
        ``database`` (URL with the password hidden), ``study_file``, ``study_sha256``.
    out_dir : str or pathlib.Path
        Folder to write into; created if missing. Existing files of the same names are
        replaced.
    formats : collection of str, optional
        Subset of :data:`FORMATS` to write; all by default.
    sections : sequence of microcred.report.mixed.SectionView, optional
        Sections of the later stages (themes, joint displays, profiles, design brief,
        catalogue fit, privacy), shown after the segment comparisons.
    key : bytes, optional
        The project's pseudonym key (:func:`microcred.privacy.load_or_create_key`):
        respondent ids echoed by validation issues are shown as the pseudonyms they
        have elsewhere (a fresh random key without it).

    Returns
    -------
    dict of str -> pathlib.Path
        Path relative to ``out_dir`` -> path written: ``"report.html"``,
        ``"results.json"``, ``"tables/<item_id>.csv"`` (items with frequencies or a
        summary; ``tables/<item_id>.summary.csv`` when an item has both),
        ``"tables/comparisons_<by>.csv"``, ``"charts/<name>.svg"`` and
        ``"charts/<name>.png"`` (``<name>`` = item id or ``ranking-<construct>``),
        ``"tables.xlsx"``, ``"report.docx"`` and ``"report.pdf"`` (left out, with a
        :class:`~microcred.report.pdf.ReportWarning`, when no PDF engine is available).

    Raises
    ------
    MicrocredError
        ``out_dir`` cannot be created or written, or the PDF engine failed.
    ValueError
        ``formats`` names an unknown format.

    Notes
    -----
    Every format is written from one shared copy of ``results``
    (:func:`microcred.privacy.shared.share_results` with ``k = study.privacy.k``):
    counts from 1 to k - 1 are shown as ``"<k"``, the counts hidden so that they cannot
    be worked out from the totals as ``"[c]"``, and the percentages, intervals and
    statistics of a hidden count with them, in the page, the PDF, the DOCX, the
    workbook, the CSV tables, the charts and ``results.json`` alike (numbers stay
    numbers where shown). ``results`` itself is not changed; the exact counts stay in
    the project database. Validation issues are shown as
    :func:`microcred.privacy.share_validation` gives them: answers scrubbed of e-mail
    addresses, phone numbers, URLs, ids and listed names, respondent ids as pseudonyms,
    files relative to the study's folder (the analyst's terminal keeps the raw values).

    ``report.html`` is self-contained (inline CSS, charts as inline SVG rendered offline
    by vl-convert, no script, no external font or image). Each chart is rendered once
    (SVG, then PNG from it) and reused by the page, the chart files, the DOCX and the
    PDF; the PDF is the same page printed by WeasyPrint (headless Chromium when
    WeasyPrint cannot load). Text from the data is HTML-escaped in HTML and PDF,
    added as plain runs in DOCX, and neutralised in CSV and XLSX when it starts with
    ``= + - @``, tab or CR (OWASP "CSV Injection").
    """
    from microcred.privacy.shared import share_results
    from microcred.privacy.validation import share_validation
    from microcred.report.charts import render_charts, write_chart_files
    from microcred.report.context import build_context
    from microcred.report.html import render_html
    from microcred.report.json_out import results_dict, write_results_json
    from microcred.report.tables import write_tables

    wanted = set(FORMATS if formats is None else formats)
    unknown = wanted - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report format(s): {', '.join(sorted(unknown))}")
    out = Path(out_dir)
    shared = share_results(results, study.privacy.k)
    public = shared.results
    provenance = shared.provenance(provenance)
    validation, _, _ = share_validation(
        validation, key=key, names=study.privacy.names or None, folder=study.base_dir
    )
    context = build_context(study, public, validation, provenance)
    context.sections = list(sections or [])
    rendered = render_charts(context.charts)
    written: dict[str, Path] = {}
    try:
        out.mkdir(parents=True, exist_ok=True)
        if "html" in wanted:
            page = render_html(context, {k: r.svg for k, r in rendered.items()})
            html_path = out / "report.html"
            html_path.write_text(page, encoding="utf-8")
            written["report.html"] = html_path
        if "json" in wanted:
            data = results_dict(
                study, public, validation, provenance, key_findings=context.findings
            )
            written["results.json"] = write_results_json(data, out / "results.json")
        if "csv" in wanted:
            written.update(write_tables(public, out))
        if "charts" in wanted:
            written.update(write_chart_files(rendered, out))
        if "xlsx" in wanted:
            from microcred.report.xlsx import write_xlsx

            written["tables.xlsx"] = write_xlsx(
                study, public, validation, provenance, out / "tables.xlsx", context.findings
            )
        if "docx" in wanted:
            from microcred.report.docx_out import write_docx

            written["report.docx"] = write_docx(context, rendered, out / "report.docx")
        if "pdf" in wanted:
            from microcred.report.pdf import png_figures, write_pdf

            printed = render_html(context, png_figures(rendered))
            pdf_path = write_pdf(printed, out / "report.pdf")
            if pdf_path is not None:
                written["report.pdf"] = pdf_path
    except OSError as exc:
        raise MicrocredError(f"cannot write the report to {out}: {exc.strerror or exc}") from exc
    return written

