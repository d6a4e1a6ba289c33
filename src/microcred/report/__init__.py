"""Reports: results -> ``report.html``, ``results.json`` and ``tables/*.csv``.

The report renders and never computes: every number comes from
:class:`~microcred.quant.results.QuantResults`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from microcred.errors import MicrocredError

if TYPE_CHECKING:
    from microcred.ingest.validate import ValidationReport
    from microcred.quant.results import QuantResults
    from microcred.study.models import Study

__all__ = ["render"]


def render(
    study: Study,
    results: QuantResults,
    validation: ValidationReport,
    provenance: Mapping[str, Any],
    out_dir: str | Path,
) -> dict[str, Path]:
    """Write the report of a study: HTML page, JSON of every number, CSV tables.

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

    Returns
    -------
    dict of str -> pathlib.Path
        Path relative to ``out_dir`` -> path written: ``"report.html"``,
        ``"results.json"``, ``"tables/<item_id>.csv"`` (items with frequencies or a
        summary; ``tables/<item_id>.summary.csv`` when an item has both) and
        ``"tables/comparisons_<by>.csv"``.

    Raises
    ------
    MicrocredError
        ``out_dir`` cannot be created or written.

    Notes
    -----
    ``report.html`` is self-contained (inline CSS, charts as inline SVG rendered offline
    by vl-convert, no script, no external font or image). Text from the data is
    HTML-escaped; CSV cells starting with ``= + - @``, tab or CR are neutralised
    (OWASP "CSV Injection").
    """
    from microcred.report.charts import render_svgs
    from microcred.report.context import build_context
    from microcred.report.html import render_html
    from microcred.report.json_out import results_dict, write_results_json
    from microcred.report.tables import write_tables

    out = Path(out_dir)
    context = build_context(study, results, validation, provenance)
    svgs = render_svgs(context.charts)
    page = render_html(context, svgs)
    data = results_dict(study, results, validation, provenance, key_findings=context.findings)
    try:
        out.mkdir(parents=True, exist_ok=True)
        html_path = out / "report.html"
        html_path.write_text(page, encoding="utf-8")
        json_path = write_results_json(data, out / "results.json")
        tables = write_tables(results, out)
    except OSError as exc:
        raise MicrocredError(f"cannot write the report to {out}: {exc.strerror or exc}") from exc
    return {"report.html": html_path, "results.json": json_path, **tables}
