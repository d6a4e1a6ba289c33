"""``tables.xlsx``: every table of the report in one workbook, numbers as numbers.

One sheet per kind of table, in long form so that a reader can filter and pivot:
items, frequencies, summaries, rankings, comparisons, crosstabs, segments, sample and
validation, after an "About" sheet that says what each sheet and column holds. The
values are those of the shared copy of :class:`~microcred.quant.results.QuantResults`
(:func:`microcred.privacy.shared.share_results`, the same as ``results.json`` and
``tables/*.csv``): shown values are numbers, and a suppressed cell holds its label
(``"<5"``, ``"[c]"``) as text. Proportions stay fractions and are only *displayed* as
percentages by the cell format.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from microcred.privacy.shared import shared_copy, shown_path
from microcred.report.safe import neutralise_cell, xml_text
from microcred.report.tables import comparison_table

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.worksheet.worksheet import Worksheet

    from microcred.ingest.validate import ValidationReport
    from microcred.quant.results import QuantResults
    from microcred.study.models import Study

__all__ = ["PERCENT_COLUMNS", "sheet_name", "workbook_tables", "write_xlsx"]

PERCENT_COLUMNS = frozenset(
    {
        "pct",
        "ci_low",
        "ci_high",
        "pct_mentions",
        "cum_pct",
        "top2_pct",
        "top2_ci_low",
        "top2_ci_high",
    }
)
"""Columns holding proportions in [0, 1], shown with the cell format ``0.0%``."""

MAX_CELL_TEXT = 32_767
"""Longest text an Excel cell holds (Excel specifications and limits)."""

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED = {"history"}

_DESCRIPTIONS = {
    "Items": "One row per item: question, type, construct, respondents asked, valid, "
    "missing, small-sample flag, number of 'Other' texts, notes.",
    "Frequencies": "One row per item and answer option: n, pct (share of respondents "
    "with a valid answer), ci_low and ci_high (Wilson 95% interval); multiple choice "
    "adds pct_mentions (share of all ticks); ordered items add cum_pct; scored options "
    "add value.",
    "Summaries": "One row per scored or numeric item: n, mean, sd, median, quartiles, "
    "IQR; Likert and rating items add the top-box share (top2_*); numeric items add "
    "bootstrap 95% intervals of the mean and median.",
    "Rankings": "Answer options of each construct ranked by share of respondents.",
    "Comparisons": "One row per test: the grouping (by), the item, the test, its "
    "statistic, degrees of freedom, p-value, Holm-adjusted p-value, effect size.",
    "Crosstabs": "Respondents per answer option and group for every compared item.",
    "Segments": "Segments of respondents: n, share and Wilson 95% interval.",
    "Sample": "Respondents analysed per source.",
    "Validation": "Problems found while reading the survey exports.",
}


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique worksheet name.

    Parameters
    ----------
    name : str
        The wished-for name.
    taken : iterable of str
        Names already in the workbook (compared without regard to case, as Excel does).

    Returns
    -------
    str
        At most 31 characters, none of ``[ ] : * ? / \\`` or control characters, not
        starting or ending with an apostrophe, not empty, not ``History``, and not
        equal (case-insensitively) to any of ``taken``: a clash gets ``~2``, ``~3``...
        at the end.

    References
    ----------
    Microsoft, "Rename a worksheet" (Excel sheet-name rules: 31 characters, the
    forbidden characters, the reserved name History).
    """
    clean = _SHEET_FORBIDDEN.sub("_", xml_text(name)).strip().strip("'") or "Sheet"
    if clean.lower() in _RESERVED:
        clean += "_"
    used = {t.lower() for t in taken}
    candidate = clean[:31]
    k = 1
    while candidate.lower() in used:
        k += 1
        suffix = f"~{k}"
        candidate = clean[: 31 - len(suffix)] + suffix
    return candidate


def _frame(records: list[dict[str, Any]], first: Sequence[str] = ()) -> pd.DataFrame:
    """Records -> DataFrame with the ``first`` columns first, others in seen order."""
    import pandas as pd

    columns: list[str] = list(first)
    for rec in records:
        for key in rec:
            if key not in columns:
                columns.append(key)
    return pd.DataFrame.from_records(records, columns=columns)


def workbook_tables(
    study: Study, results: QuantResults, validation: ValidationReport
) -> dict[str, pd.DataFrame]:
    """The tables of the workbook, by sheet name, in sheet order.

    Parameters
    ----------
    study : Study
        Gives the small-cell threshold (``study.privacy.k``).
    results : QuantResults
        Shared results; exact results are shared first
        (:func:`microcred.privacy.shared.shared_copy`).
    validation : ValidationReport

    Returns
    -------
    dict of str -> pandas.DataFrame
        ``Items``, ``Frequencies``, ``Summaries``, ``Rankings``, ``Comparisons``,
        ``Crosstabs``, ``Segments``, ``Sample``, ``Validation``; a sheet with no rows is
        left out. Values are copied from the shared results unchanged.
    """
    import pandas as pd

    results = shared_copy(results, study.privacy.k)

    items, freqs, summaries = [], [], []
    for item in results.items.values():
        head = {"item_id": item.item_id, "question": item.label}
        items.append(
            {
                **head,
                "type": item.item_type,
                "construct": item.construct,
                "n_asked": item.n_asked,
                "n_valid": item.n_valid,
                "n_missing": item.n_missing,
                "small_n": bool(item.small_n),
                "other_texts": item.other_texts,
                "notes": " ".join(str(n) for n in item.notes),
            }
        )
        if item.frequencies is not None and not item.frequencies.empty:
            freqs += [{**head, **rec} for rec in item.frequencies.to_dict(orient="records")]
        if item.summary:
            summaries.append({**head, "type": item.item_type, **dict(item.summary)})

    rankings = [
        {"construct": construct, **rec}
        for construct, frame in results.rankings.items()
        if frame is not None
        for rec in frame.sort_values("rank", kind="stable").to_dict(orient="records")
    ]
    comparisons = [comparison_table(c, results) for c in results.comparisons]
    crosstabs = []
    for comp in results.comparisons:
        group_labels = {}
        if comp.groups is not None and {"group_id", "label"} <= set(comp.groups.columns):
            group_labels = dict(zip(comp.groups["group_id"], comp.groups["label"], strict=True))
        for item_id, table in comp.crosstabs.items():
            compared = results.items.get(item_id)
            option_labels: dict[Any, Any] = {}
            if compared is not None and compared.frequencies is not None:
                freq = compared.frequencies
                if {"option_id", "label"} <= set(freq.columns):
                    option_labels = dict(zip(freq["option_id"], freq["label"], strict=True))
            for option, row in table.iterrows():
                for group, n in row.items():
                    crosstabs.append(
                        {
                            "by": comp.by,
                            "item_id": item_id,
                            "option_id": option,
                            "option_label": option_labels.get(option),
                            "group_id": group,
                            "group_label": group_labels.get(group),
                            "n": n,
                        }
                    )
    issues = []
    for issue in validation.issues:
        rec = issue.as_dict()
        rec["rows"] = ", ".join(str(r) for r in issue.rows or [])
        if rec.get("file"):  # relative to the study's folder: no analyst's folders shown
            rec["file"] = shown_path(rec["file"], study.base_dir)
        issues.append(rec)

    sheets: dict[str, pd.DataFrame] = {
        "Items": _frame(items),
        "Frequencies": _frame(freqs, ["item_id", "question", "option_id", "label"]),
        "Summaries": _frame(summaries),
        "Rankings": _frame(rankings),
        "Comparisons": (
            pd.concat(comparisons, ignore_index=True) if comparisons else pd.DataFrame()
        ),
        "Crosstabs": _frame(crosstabs),
        "Segments": (
            results.segments.reset_index(drop=True)
            if results.segments is not None
            else pd.DataFrame()
        ),
        "Sample": (
            results.sample.reset_index(drop=True) if results.sample is not None else pd.DataFrame()
        ),
        "Validation": _frame(
            issues,
            ["severity", "kind", "message", "file", "rows", "column", "item_id", "value", "count"],
        ),
    }
    return {name: frame for name, frame in sheets.items() if not frame.empty}


def _cell(value: Any) -> Any:
    """A value openpyxl writes as a number, boolean, empty cell or safe text."""
    import datetime as dt

    import numpy as np

    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    if isinstance(value, str):
        text = xml_text(value)
    elif isinstance(value, dt.date | dt.datetime):
        text = value.isoformat()
    else:
        try:
            import pandas as pd

            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
        text = xml_text(value)
    text = neutralise_cell(text)
    if len(text) > MAX_CELL_TEXT:
        text = text[: MAX_CELL_TEXT - 1] + "…"
    return text


def _display_width(value: Any, percent: bool) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return len(str(value))
    if isinstance(value, float):
        return 6 if percent else min(len(repr(value)), 11)
    return max((len(line) for line in str(value).splitlines()), default=0)


def _write_sheet(ws: Worksheet, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    headers = [_cell(str(c)) for c in frame.columns]
    percent = [str(c) in PERCENT_COLUMNS for c in frame.columns]
    widths = [len(str(h)) for h in headers]
    for col, header in enumerate(headers, 1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.data_type = "s"
        cell.font = bold
        cell.alignment = Alignment(vertical="top")
    for r, row in enumerate(frame.itertuples(index=False, name=None), 2):
        for col, raw in enumerate(row, 1):
            value = _cell(raw)
            if value is None:
                continue
            cell = ws.cell(row=r, column=col, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif percent[col - 1] and isinstance(value, float):
                cell.number_format = "0.0%"
            if r < 2000:
                widths[col - 1] = max(widths[col - 1], _display_width(value, percent[col - 1]))
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 6), 60)
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"


def write_xlsx(
    study: Study,
    results: QuantResults,
    validation: ValidationReport,
    provenance: Mapping[str, Any],
    path: Path,
    findings: Sequence[str] = (),
) -> Path:
    """Write ``tables.xlsx``: an "About" sheet, then one sheet per table.

    Parameters
    ----------
    study : Study
        Title and id for the "About" sheet.
    results : QuantResults
        Shared results (exact ones are shared first, see :func:`workbook_tables`).
    validation : ValidationReport
    provenance : mapping
        ``microcred_version`` and ``run_at`` are shown on the "About" sheet.
    path : pathlib.Path
        Destination file.
    findings : sequence of str, optional
        The report's key findings, listed on the "About" sheet.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Numbers are numeric cells (counts as integers, proportions as fractions with the
    ``0.0%`` format); a suppressed cell is the text of its label; text cells go
    through :func:`~microcred.report.safe.xml_text` and
    :func:`~microcred.report.safe.neutralise_cell` and are stored as text, never as
    formulas. Headers are bold, the first row is frozen and filterable, column
    widths follow the longest value (6 to 60 characters).

    References
    ----------
    OWASP Foundation, "CSV Injection" (also applies to spreadsheet files);
    openpyxl documentation (https://openpyxl.readthedocs.io/).
    """
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.styles import Font

    k = study.privacy.k
    tables = workbook_tables(study, results, validation)
    wb = Workbook()
    about = wb.worksheets[0]
    about.title = "About"
    lines: list[tuple[Any, Any]] = [
        ("Study", study.study.title),
        ("Study id", study.study.id),
        ("Respondents", results.n_respondents),
        ("Generated", f"{provenance.get('run_at', '')} by microcred "
                      f"{provenance.get('microcred_version', '')}"),
        ("Proportions", "pct and ci_* columns hold fractions between 0 and 1, shown as %."),
        (
            "Small counts",
            f'Counts from 1 to {k - 1} are shown as "<{k}", and counts hidden so that they '
            'cannot be worked out from the totals as "[c]"; so are the percentages, intervals '
            "and statistics of a hidden count. A test on a table with a hidden count shows "
            'no statistic or effect size, and its p-value only as a bound ("< 0.05", '
            '"≥ 0.05"...) true of every table consistent with the published counts. The exact '
            "counts are kept only in the project database.",
        ),
        (None, None),
        ("Sheet", "What it holds"),
    ]
    names: list[str] = ["About"]
    for name in tables:
        safe = sheet_name(name, names)
        names.append(safe)
        lines.append((safe, _DESCRIPTIONS.get(name, "")))
    if findings:
        lines += [(None, None), ("Key findings", None)]
        lines += [(None, f) for f in findings]
    _write_sheet(about, pd.DataFrame(lines[1:], columns=list(lines[0])))
    about.freeze_panes = None
    about.auto_filter.ref = None
    header_row = 1 + lines.index(("Sheet", "What it holds"))
    for cell in about[header_row]:
        cell.font = Font(bold=True)
    about.column_dimensions["B"].width = 100
    for name, safe in zip(tables, names[1:], strict=True):
        _write_sheet(wb.create_sheet(safe), tables[name])
    wb.properties.creator = "microcred"
    wb.properties.title = xml_text(study.study.title)[:255]
    wb.save(path)
    return path
