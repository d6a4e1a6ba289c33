"""What the HTML template shows: plain, pre-formatted views of the results.

Everything here selects and formats numbers that :mod:`microcred.quant` computed; no
statistic is computed. All strings are plain text: the template escapes them. The
numbers are those of the *shared* copy of the results
(:func:`microcred.privacy.shared.share_results`): a suppressed cell holds its label
(``"<5"``, ``"[c]"``), which is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from microcred.privacy.shared import is_hidden, shared_copy
from microcred.quant.rankings import TOP_BOX_ID
from microcred.quant.results import SMALL_N
from microcred.report import fmt
from microcred.report.charts import Chart, item_chart, ranking_chart
from microcred.report.prose import Block, Span, methods, references

if TYPE_CHECKING:
    import pandas as pd

    from microcred.ingest.validate import Issue, ValidationReport
    from microcred.quant.results import ComparisonResult, ItemResult, QuantResults
    from microcred.study.models import Item, Study

__all__ = [
    "ALPHA",
    "ComparisonView",
    "ConstructView",
    "Details",
    "ItemView",
    "ReportContext",
    "Table",
    "build_context",
    "key_findings",
    "shown_path",
    "suppression_text",
]

ALPHA = 0.05
"""Significance level applied to Holm-adjusted p-values when the report says 'significant'."""

TYPE_LABELS = {
    "single_choice": "single choice",
    "multi_choice": "multiple choice",
    "likert": "Likert scale",
    "rating": "rating scale",
    "ordinal": "ordered categories",
    "numeric": "number",
    "open_text": "open text",
}
TEST_NAMES = {
    "chi2": "Chi-square test of independence",
    "fisher": "Fisher's exact test",
    "fisher_mc": "Fisher's exact test (Monte Carlo)",
    "mann_whitney": "Mann–Whitney U test",
    "kruskal": "Kruskal–Wallis H test",
}
EFFECT_NAMES = {
    "cramers_v": "Cramér's V",
    "rank_biserial": "rank-biserial r",
    "epsilon_squared": "epsilon squared (ε²)",
}


@dataclass(frozen=True)
class Details:
    """A long table cell: a short ``summary`` shown, the ``full`` text on demand.

    The HTML page shows it as ``<details>``; other formats show the summary (the full
    text is in ``tables.xlsx``).
    """

    summary: str
    full: str

    def __str__(self) -> str:
        return self.summary


@dataclass
class Table:
    """A table ready for the template: headers, rows of strings, numeric columns."""

    headers: list[str]
    rows: list[list[Any]]
    numeric: list[bool]
    caption: str = ""
    row_classes: list[str] = field(default_factory=list)
    row_header: bool = True


@dataclass
class ItemView:
    """One item's section."""

    id: str
    type: str
    type_label: str
    question: str
    n_text: str
    missing_text: str
    small_n: bool
    notes: list[str]
    other_text: str
    chart_key: str | None
    chart_caption: str
    table: Table | None
    summary: Table | None
    message: str = ""


@dataclass
class ConstructView:
    """One construct's section (or 'Other items')."""

    id: str
    label: str
    description: str
    items: list[ItemView]
    ranking: Table | None = None


@dataclass
class ComparisonView:
    """One comparison: its groups, tests and the crosstabs of significant items."""

    anchor: str
    by: str
    label: str
    groups: Table
    tests: Table
    crosstabs: list[tuple[str, Table]]
    summary: str


@dataclass
class ReportContext:
    """Everything the template needs, plus the charts to render (key -> spec, title)."""

    lang: str
    study: dict[str, Any]
    provenance: dict[str, Any]
    findings: list[str]
    n_respondents: str
    quality_summary: str
    issues: Table | None
    unknown_labels: Table | None
    unknown_summary: str
    sample: Table | None
    segments: Table | None
    motivation: Table | None
    motivation_chart: str | None
    constructs: list[ConstructView]
    comparisons: list[ComparisonView]
    libraries: Table
    inputs: Table
    small_n: int = SMALL_N
    alpha: float = ALPHA
    suppression_note: str = ""
    sections: list[Any] = field(default_factory=list)
    charts: dict[str, Chart] = field(default_factory=dict)
    methods: list[Block] = field(default_factory=list)
    references: list[tuple[Span, ...]] = field(default_factory=list)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """``"1 error"``, ``"2 errors"``."""
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _text(labels: Mapping[str, str] | None, lang: str, fallback: str) -> str:
    if not labels:
        return fallback
    for key in (lang, "*", "en"):
        if key in labels:
            return labels[key]
    return next(iter(labels.values()), fallback)


def _col(frame: pd.DataFrame, row: Mapping[str, Any], name: str) -> Any:
    return row.get(name) if name in frame.columns else None


def _is_sig(p_holm: Any) -> bool:
    """Below ALPHA; a p-value shown as a bound counts only when the bound says so."""
    from microcred.privacy.pbounds import p_is_below

    return bool(p_is_below(p_holm, ALPHA))


def _p(value: Any) -> str:
    """A p-value, or the bound ("< 0.05") or label it is published as."""
    return value if is_hidden(value) else fmt.p_value(value)


def _stat(value: Any, decimals: int) -> str:
    """A statistic, or the label it is withheld as."""
    return value if is_hidden(value) else fmt.fixed(value, decimals)


# A suppressed cell holds its label ("<5", "[c]"); it is shown as it is.


def _count(value: Any) -> str:
    return str(value) if is_hidden(value) else fmt.count(value)


def _pct(value: Any) -> str:
    return str(value) if is_hidden(value) else fmt.pct(value)


def _num(value: Any, decimals: int = 2) -> str:
    return str(value) if is_hidden(value) else fmt.num(value, decimals)


def _ci(low: Any, high: Any, *, percent: bool = True, trim: bool = True) -> str:
    for bound in (low, high):
        if is_hidden(bound):
            return str(bound)
    return fmt.ci(low, high, percent=percent, trim=trim)


def _pct_ci(value: Any, low: Any, high: Any) -> str:
    if is_hidden(value):
        return str(value)
    return fmt.pct_ci(value, low, high)


def suppression_text(k: int) -> str:
    """The sentence that tells the reader how small counts are shown.

    Parameters
    ----------
    k : int
        The study's threshold (``study.privacy.k``).

    Returns
    -------
    str
    """
    return (
        f'Counts from 1 to {k - 1} are shown as "<{k}", and counts hidden so that they '
        'cannot be worked out from the totals as "[c]"; the percentages, intervals and '
        "statistics of a hidden count are hidden with it. The exact counts are kept only "
        "in the project database."
    )


# --- items -------------------------------------------------------------------------


def _frequency_table(item: ItemResult, study_item: Item | None) -> Table | None:
    frame = item.frequencies
    if frame is None or frame.empty:
        return None
    multi = item.item_type == "multi_choice"
    has_mentions = multi and "pct_mentions" in frame.columns
    has_cum = "cum_pct" in frame.columns
    has_value = "value" in frame.columns and frame["value"].notna().any()
    headers = ["Answer", "n", "% of respondents", "95% CI"]
    numeric = [False, True, True, True]
    if has_mentions:
        headers.append("% of all ticks")
        numeric.append(True)
    if has_cum:
        headers.append("Cumulative %")
        numeric.append(True)
    if has_value:
        headers.append("Score")
        numeric.append(True)
    rows = []
    for rec in frame.to_dict(orient="records"):
        label = rec.get("label")
        row = [
            str(label) if not fmt.is_missing_text(label) else str(rec.get("option_id")),
            _count(rec.get("n")),
            _pct(rec.get("pct")),
            _ci(rec.get("ci_low"), rec.get("ci_high")),
        ]
        if has_mentions:
            row.append(_pct(rec.get("pct_mentions")))
        if has_cum:
            row.append(_pct(rec.get("cum_pct")))
        if has_value:
            row.append(fmt.num(rec.get("value")))
        rows.append(row)
    base = f"base: {item.n_valid} respondents with a valid answer"
    if multi:
        base += "; more than one answer allowed, so % add up to more than 100"
    return Table(headers, rows, numeric, caption=f"Answers ({base})")


def _summary_table(item: ItemResult, study_item: Item | None) -> Table | None:
    s = item.summary
    if not s:
        return None
    rows: list[list[str]] = []

    def add(name: str, value: str) -> None:
        rows.append([name, value])

    def with_interval(value: Any, low: Any, high: Any, *, fixed: bool = False) -> str:
        if is_hidden(value):
            return str(value)
        shown = fmt.fixed(value) if fixed else fmt.num(value)
        return f"{shown} {_ci(low, high, percent=False, trim=not fixed)}".strip()

    if "n" in s:
        add("Respondents (n)", _count(s["n"]))
    if "mean" in s:
        add(
            "Mean",
            with_interval(s["mean"], s.get("mean_ci_low"), s.get("mean_ci_high"), fixed=True),
        )
    if "sd" in s:
        add("Standard deviation", _stat(s["sd"], 2))
    if "median" in s:
        add(
            "Median", with_interval(s["median"], s.get("median_ci_low"), s.get("median_ci_high"))
        )
    if "iqr" in s:
        quartiles = ""
        if "q1" in s and "q3" in s and not is_hidden(s["iqr"]):
            quartiles = f" (Q1 {_num(s['q1'])} – Q3 {_num(s['q3'])})"
        add("Interquartile range", f"{_num(s['iqr'])}{quartiles}")
    if "top2_pct" in s:
        k = study_item.scale.top_box if study_item is not None and study_item.scale else 2
        text = _pct_ci(s["top2_pct"], s.get("top2_ci_low"), s.get("top2_ci_high"))
        if "top2_n" in s and not is_hidden(s["top2_pct"]):
            text += f" (n = {_count(s['top2_n'])})"
        add(f"Top-{k}-box (one of the {k} highest answers)", text)
    numeric_item = item.item_type == "numeric"
    caption = "Summary" + (" (95% CIs by bootstrap)" if numeric_item and "mean_ci_low" in s else "")
    return Table(["Statistic", "Value"], rows, [False, True], caption=caption)


def _missing_text(item: ItemResult) -> str:
    text = f"{item.n_missing} missing"
    frame = item.missing_reasons
    if (
        item.n_missing
        and frame is not None
        and not frame.empty
        and {"reason", "n"} <= set(frame.columns)
    ):
        parts = [f"{r}: {_count(n)}" for r, n in zip(frame["reason"], frame["n"], strict=True)]
        text += " (" + "; ".join(parts) + ")"
    return text


def _item_view(item: ItemResult, study_item: Item | None, charts: dict[str, Chart]) -> ItemView:
    other_option = study_item.other.option if study_item is not None else "other"
    chart_key = None
    caption = ""
    made = item_chart(item, other_option=other_option)
    if made is not None:
        spec, caption = made
        chart_key = f"chart-{item.item_id}"
        charts[chart_key] = (spec, f"Chart: {item.label}")
    message = ""
    if item.item_type == "open_text":
        message = (
            "Free-text answers are personal data and are not shown in this report; "
            "they are analysed in the qualitative part of the study."
        )
    elif item.item_type == "numeric":
        message = "Only summary statistics are reported for numeric answers."
    other_text = ""
    if is_hidden(item.other_texts):
        amount = str(item.other_texts)
        who = (
            f"Fewer than {amount[1:]} respondents"
            if amount.startswith("<")
            else "Some respondents (how many is hidden to protect a small count)"
        )
        other_text = f"{who} wrote an 'Other' answer (the texts are not shown here)."
    elif item.other_texts:
        other_text = (
            f"{item.other_texts} respondents wrote an 'Other' answer "
            "(the texts are not shown here)."
        )
    return ItemView(
        id=item.item_id,
        type=item.item_type,
        type_label=TYPE_LABELS.get(item.item_type, item.item_type),
        question=item.label,
        n_text=f"{item.n_valid} valid of {item.n_asked} asked",
        missing_text=_missing_text(item),
        small_n=bool(item.small_n),
        notes=[str(n) for n in item.notes],
        other_text=other_text,
        chart_key=chart_key,
        chart_caption=caption,
        table=_frequency_table(item, study_item),
        summary=_summary_table(item, study_item),
        message=message,
    )


def _ranking_table(ranking: pd.DataFrame, results: QuantResults, title: str) -> Table:
    frame = ranking.sort_values("rank", kind="stable")
    several_items = frame["item_id"].nunique() > 1
    headers = ["Rank", title, "n", "% of respondents", "95% CI"]
    numeric = [True, False, True, True, True]
    if several_items:
        headers.insert(2, "Item")
        numeric.insert(2, False)
    rows = []
    for rec in frame.to_dict(orient="records"):
        row = [
            fmt.count(rec.get("rank")),
            str(rec.get("label")),
            _count(rec.get("n")),
            _pct(rec.get("pct")),
            _ci(rec.get("ci_low"), rec.get("ci_high")),
        ]
        if several_items:
            row.insert(2, str(rec.get("item_id")))
        rows.append(row)
    caption = "Ranked by share of respondents"
    if frame["n"].map(is_hidden).any():
        caption += "; answers with a hidden count are listed last, without a rank"
    return Table(headers, rows, numeric, caption=caption, row_header=False)


# --- key findings --------------------------------------------------------------------


def _modal(frame: pd.DataFrame, k: int, base: Any = None) -> list[dict[str, Any]]:
    """The rows with the largest shown share, or none when a hidden row could be larger.

    A hidden ``"<k"`` count of a base ``b`` is at most ``(k - 1) / b`` of it; a ``"[c]"``
    count could be anything, so a finding is only drawn when no hidden row could reach
    the largest shown share.
    """
    import pandas as pd

    pct = pd.to_numeric(frame["pct"].map(lambda v: None if is_hidden(v) else v), errors="coerce")
    if pct.notna().sum() == 0:
        return []
    best = float(pct.max())
    records = frame.to_dict(orient="records")
    for rec in records:
        if not is_hidden(rec.get("n")):
            continue
        row_base = rec.get("base", base)
        bound = 1.0
        if rec.get("n") == f"<{k}" and not fmt.is_missing(row_base) and float(row_base) > 0:
            bound = (k - 1) / float(row_base)
        if bound >= best:
            return []
    return [rec for rec, p in zip(records, pct, strict=True) if p == best]


def _quote(labels: Sequence[Any]) -> str:
    quoted = [f"“{label}”" for label in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _item_finding(
    prefix: str, item: ItemResult, study_item: Item | None, k: int
) -> str | None:
    caution = " Small sample: read with caution." if item.small_n else ""
    frame = item.frequencies
    if item.item_type in {"likert", "rating"} and item.summary and "top2_pct" in item.summary:
        s = item.summary
        if is_hidden(s["top2_pct"]) or is_hidden(s.get("mean")):
            return None
        k = study_item.scale.top_box if study_item is not None and study_item.scale else 2
        return (
            f"{prefix}{fmt.pct_ci(s['top2_pct'], s.get('top2_ci_low'), s.get('top2_ci_high'))}"
            f" gave one of the {k} highest answers to “{item.label}”"
            f" (mean {fmt.num(s.get('mean'))}, n = {item.n_valid}).{caution}"
        )
    if item.item_type == "numeric" and item.summary and "median" in item.summary:
        s = item.summary
        if is_hidden(s["median"]):
            return None
        interval = fmt.ci(s.get("median_ci_low"), s.get("median_ci_high"), percent=False)
        return (
            f"{prefix}the median answer to “{item.label}” is {fmt.num(s['median'])}"
            f"{' ' + interval if interval else ''} (n = {item.n_valid}).{caution}"
        )
    if frame is not None and not frame.empty and "pct" in frame.columns:
        top = _modal(frame, k, item.n_valid)
        if not top:
            return None
        labels = [r.get("label") or r.get("option_id") for r in top]
        first = top[0]
        share = fmt.pct_ci(first.get("pct"), first.get("ci_low"), first.get("ci_high"))
        many = len(top) > 1
        kind = "ticked option" if item.item_type == "multi_choice" else "common answer"
        subject = f"the most {kind}{'s' if many else ''}"
        return (
            f"{prefix}{subject} to “{item.label}” {'are' if many else 'is'} "
            f"{_quote(labels)}: {share} of respondents{' each' if many else ''} "
            f"(n = {item.n_valid}).{caution}"
        )
    return None


def key_findings(study: Study, results: QuantResults, validation: ValidationReport) -> list[str]:
    """Headline sentences, each quoting numbers already in the results.

    Parameters
    ----------
    study : Study
    results : QuantResults
    validation : ValidationReport

    Returns
    -------
    list of str
        The sample size; the top motivation (rank 1 of ``rankings["motivation"]``) with
        its % and CI; for every construct, its first item's modal answer (choice items),
        top-box share (Likert, rating) or median (numeric); per comparison, the items
        that differ after Holm correction; the data-quality count.

    Notes
    -----
    Selection only: the largest share, the rank-1 row, ``p_holm < 0.05``. The results
    are those of the shared copy (:func:`microcred.privacy.shared.shared_copy`): a
    sentence is left out when a hidden count could change which answer it names.
    """
    k = study.privacy.k
    results = shared_copy(results, k)
    lang = (study.study.languages or ["en"])[0]
    out = [f"{results.n_respondents} respondents were analysed."]
    ranking = results.rankings.get("motivation")
    ranked = False
    top = _modal(ranking, k) if ranking is not None and not ranking.empty else []
    if top:
        first = top[0]
        base = results.items.get(str(first.get("item_id")))
        n_text = f" (n = {base.n_valid})" if base is not None else ""
        measure = (
            "given one of the two highest answers by"
            if first.get("option_id") == TOP_BOX_ID
            else "chosen by"
        )
        out.append(
            f"Top motivation: {_quote([r.get('label') for r in top])}, {measure} "
            f"{fmt.pct_ci(first.get('pct'), first.get('ci_low'), first.get('ci_high'))} "
            f"of respondents{n_text}."
        )
        ranked = True
    for construct in study.constructs:
        if ranked and construct.id == "motivation":
            continue
        label = _text(construct.label, lang, construct.id)
        for item_id in _construct_items(study, results, construct.id):
            item = results.items[item_id]
            if item.item_type == "open_text":
                continue
            finding = _item_finding(f"{label}: ", item, _study_item(study, item_id), k)
            if finding:
                out.append(finding)
                break
    for comp in results.comparisons:
        tests = comp.tests
        if tests is None or tests.empty or "p_holm" not in tests.columns:
            continue
        sig = [
            results.items[i].label if i in results.items else str(i)
            for i, p in zip(tests["item_id"], tests["p_holm"], strict=True)
            if _is_sig(p)
        ]
        if sig:
            shown = _quote(sig[:5]) + (f" and {len(sig) - 5} more" if len(sig) > 5 else "")
            out.append(
                f"By “{comp.label}”: {len(sig)} of {len(tests)} items "
                f"{'differs' if len(sig) == 1 else 'differ'} significantly "
                f"after Holm correction: {shown}."
            )
        else:
            out.append(
                f"By “{comp.label}”: no item differs significantly after Holm correction "
                f"({len(tests)} tested)."
            )
    errors, warnings = len(validation.errors), len(validation.warnings)
    if errors or warnings:
        out.append(
            f"Data quality: {_plural(errors, 'error')} and {_plural(warnings, 'warning')} "
            "(see Data quality)."
        )
    else:
        out.append("Data quality: no problems found.")
    return out


# --- grouping ------------------------------------------------------------------------


def _study_item(study: Study, item_id: str) -> Item | None:
    try:
        return study.item(item_id)
    except KeyError:
        return None


def _construct_of(study: Study, results: QuantResults, item_id: str) -> str | None:
    item = results.items[item_id]
    if item.construct:
        return item.construct
    try:
        return study.construct_of(item_id)
    except KeyError:
        return None


def _construct_items(study: Study, results: QuantResults, construct_id: str) -> list[str]:
    declared = next((c.items for c in study.constructs if c.id == construct_id), [])
    members = [i for i in results.items if _construct_of(study, results, i) == construct_id]
    listed = [i for i in declared if i in members]
    return listed + [i for i in members if i not in listed]


# --- sections ------------------------------------------------------------------------


def shown_path(path: Any, study_file: Any = None) -> str:
    """A source path as the report shows it: relative to the study file's folder.

    Parameters
    ----------
    path : str or pathlib.Path
        The path of a source file, as read (often absolute) or as the shared
        provenance gives it (already relative).
    study_file : str or pathlib.Path, optional
        The study file; its folder is the base.

    Returns
    -------
    str
        The path relative to the study file's folder when the file lies inside it, a
        relative path as it is, otherwise the file name alone (an absolute path would
        show the analyst's folders). ``""`` for no path. See
        :func:`microcred.privacy.shared.shown_path`.
    """
    from microcred.privacy.shared import shown_path as _shown

    folder = Path(str(study_file)).parent if study_file is not None and str(study_file) else None
    return _shown(path, folder)


_UNMAPPED_SHOWN = 3
"""Column names shown in the data-quality table before "and N more"."""


def _message(issue: Issue) -> str | Details:
    """An issue's message; a long list of unmapped columns is cut to its first names."""
    text = issue.message
    if issue.kind == "unmapped_column" and "): " in text:
        head, names = text.split("): ", 1)
        listed = names.split("; ")
        if len(listed) > _UNMAPPED_SHOWN:
            more = len(listed) - _UNMAPPED_SHOWN
            match = re.match(r"(\d+) column", head)
            if match and names.endswith(" more"):
                more = int(match.group(1)) - _UNMAPPED_SHOWN
            short = (
                f"{head}): {'; '.join(listed[:_UNMAPPED_SHOWN])} and {more} more "
                "(full list in tables.xlsx, sheet Validation)"
            )
            return Details(summary=short, full=text)
    if len(text) > _LONG_MESSAGE:
        return Details(summary=text[: _LONG_MESSAGE - 1].rstrip() + "…", full=text)
    return text


_LONG_MESSAGE = 300
"""Messages longer than this many characters are cut, the whole text on demand."""


def _where(issue: Issue, study_file: Any = None) -> str:
    parts = [shown_path(issue.file, study_file) if issue.file else "(study file)"]
    if issue.rows:
        shown = ", ".join(str(r) for r in issue.rows[:5])
        word = "row" if len(issue.rows) == 1 and issue.count <= 1 else "rows"
        more = " …" if issue.count > min(5, len(issue.rows)) else ""
        parts.append(f"{word} {shown}{more}")
    if issue.column is not None:
        parts.append(f"column “{issue.column}”")
    return ", ".join(parts)


def _quality(
    validation: ValidationReport, study_file: Any = None
) -> tuple[str, Table | None, Table | None, str]:
    from microcred.ingest.validate import KINDS

    issues = sorted(validation.issues, key=lambda i: (i.severity != "error", i.kind))
    if not issues:
        return "No problems found.", None, None, ""
    summary = (
        f"{_plural(len(validation.errors), 'error')} and "
        f"{_plural(len(validation.warnings), 'warning')} "
        f"({sum(i.count for i in issues)} occurrences in all)."
    )
    rows = [
        [
            issue.severity,
            f"{issue.kind} ({KINDS[issue.kind]})" if issue.kind in KINDS else issue.kind,
            _where(issue, study_file),
            issue.item_id or "",
            issue.value if issue.value is not None else "",
            str(issue.count),
            _message(issue),
        ]
        for issue in issues
    ]
    table = Table(
        ["Severity", "Kind", "Where", "Item", "Value", "Count", "Message"],
        rows,
        [False, False, False, False, False, True, False],
        caption="Problems found while reading the survey exports",
        row_classes=[f"sev-{i.severity}" for i in issues],
        row_header=False,
    )
    unknown = [i for i in issues if i.kind == "unknown_label"]
    if not unknown:
        return summary, table, None, "No answer was outside the declared options."
    unknown_table = Table(
        ["Item", "Column", "Value", "Count"],
        [
            [i.item_id or "", i.column or "", i.value if i.value is not None else "", str(i.count)]
            for i in unknown
        ],
        [False, False, False, True],
        caption="Answers that match no declared option",
        row_header=False,
    )
    total = sum(i.count for i in unknown)
    return (
        summary,
        table,
        unknown_table,
        f"{_plural(total, 'answer')} matched no declared option "
        f"({_plural(len(unknown), 'distinct value')}).",
    )


def _sample(results: QuantResults, provenance: Mapping[str, Any]) -> Table | None:
    frame = results.sample
    if frame is None or frame.empty:
        return None
    inputs = {str(i.get("source_id")): i for i in provenance.get("inputs", []) or []}
    rows = []
    for rec in frame.to_dict(orient="records"):
        source = str(rec.get("source_id"))
        info = inputs.get(source, {})
        rows.append(
            [
                source,
                str(rec.get("language", "")),
                _count(rec.get("n")),
                shown_path(info.get("path", ""), provenance.get("study_file")),
                _count(info.get("n_rows")) if info else "",
            ]
        )
    return Table(
        ["Source", "Language", "Respondents analysed", "File", "Rows in file"],
        rows,
        [False, False, True, False, True],
        caption="Respondents per source",
    )


def _segments(results: QuantResults) -> Table | None:
    frame = results.segments
    if frame is None or frame.empty:
        return None
    rows = [
        [
            str(rec.get("label") or rec.get("segment_id")),
            _count(rec.get("n")),
            _pct(rec.get("pct")),
            _ci(rec.get("ci_low"), rec.get("ci_high")),
        ]
        for rec in frame.to_dict(orient="records")
    ]
    return Table(
        ["Segment", "n", "% of respondents", "95% CI"],
        rows,
        [False, True, True, True],
        caption="Segments of respondents",
    )


def _option_labels(results: QuantResults, study: Study, item_id: str, lang: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    item = _study_item(study, item_id)
    if item is not None:
        labels.update({o.id: o.label(lang) for o in item.effective_options()})
        labels.setdefault(item.other.option, _text(item.other.labels, lang, item.other.option))
    result = results.items.get(item_id)
    if result is not None and result.frequencies is not None and "label" in result.frequencies:
        freq = result.frequencies
        labels.update(
            {str(o): str(lab) for o, lab in zip(freq["option_id"], freq["label"], strict=True)}
        )
    return labels


def _comparison(
    comp: ComparisonResult, index: int, results: QuantResults, study: Study, lang: str
) -> ComparisonView:
    group_labels: dict[str, str] = {}
    group_n: dict[str, str] = {}
    group_rows = []
    for rec in comp.groups.to_dict(orient="records"):
        gid = str(rec.get("group_id"))
        group_labels[gid] = str(rec.get("label") or gid)
        group_n[gid] = _count(rec.get("n"))
        group_rows.append([group_labels[gid], group_n[gid]])
    groups = Table(["Group", "n"], group_rows, [False, True], caption=f"Groups by {comp.label}")
    tests = comp.tests
    rows, classes, crosstabs = [], [], []
    n_sig = 0
    for rec in tests.to_dict(orient="records"):
        item_id = str(rec.get("item_id"))
        item = results.items.get(item_id)
        sig = _is_sig(rec.get("p_holm"))
        n_sig += sig
        effect_name = EFFECT_NAMES.get(str(rec.get("effect")), str(rec.get("effect") or ""))
        effect = _stat(rec.get("effect_size"), 3)
        rows.append(
            [
                f"{item.label if item else item_id} ({item_id})",
                TEST_NAMES.get(str(rec.get("test")), str(rec.get("test"))),
                _stat(rec.get("statistic"), 2),
                fmt.num(rec.get("dof"), 2),
                _p(rec.get("p_value")),
                _p(rec.get("p_holm")),
                "yes" if sig else ("—" if rec.get("p_holm") == "[c]" else "no"),
                f"{effect} ({effect_name})" if effect != fmt.DASH and effect_name else effect,
                _count(rec.get("n")),
                _stat(rec.get("min_expected"), 2),
                "yes" if rec.get("small_n") is True or rec.get("small_n") == 1 else "no",
                "" if fmt.is_missing_text(rec.get("note")) else str(rec.get("note")),
            ]
        )
        classes.append("sig" if sig else "")
        table = comp.crosstabs.get(item_id)
        if sig and table is not None:
            labels = _option_labels(results, study, item_id, lang)
            columns = [str(c) for c in table.columns]
            headers = ["Answer"] + [
                f"{group_labels.get(c, c)} (n = {group_n[c]})"
                if c in group_n
                else group_labels.get(c, c)
                for c in columns
            ]
            body = [
                [labels.get(str(opt), str(opt))] + [_count(v) for v in row.tolist()]
                for opt, row in table.iterrows()
            ]
            crosstabs.append(
                (
                    f"{item.label if item else item_id} ({item_id})",
                    Table(
                        headers,
                        body,
                        [False] + [True] * len(columns),
                        caption=f"Respondents per answer and group (counts): {item_id}",
                    ),
                )
            )
    summary = (
        f"{n_sig} of {len(rows)} items {'differs' if n_sig == 1 else 'differ'} significantly "
        "between groups after Holm "
        f"correction (α = {ALPHA})."
    )
    return ComparisonView(
        anchor=f"comparison-{index}-{comp.by}",
        by=comp.by,
        label=comp.label,
        groups=groups,
        tests=Table(
            [
                "Item",
                "Test",
                "Statistic",
                "df",
                "p",
                "p (Holm)",
                f"Significant (α = {ALPHA})",
                "Effect size",
                "n",
                "Min. expected",
                "Small n",
                "Note",
            ],
            rows,
            [False, False, True, True, True, True, False, True, True, True, False, False],
            caption=f"Tests by {comp.label} (one family for the Holm correction)",
            row_classes=classes,
        ),
        crosstabs=crosstabs,
        summary=summary,
    )


def build_context(
    study: Study,
    results: QuantResults,
    validation: ValidationReport,
    provenance: Mapping[str, Any],
) -> ReportContext:
    """Collect, select and format everything the HTML report shows.

    Parameters
    ----------
    study : Study
        The instrument: constructs (section order), question texts, scale settings.
    results : QuantResults
        The shared copy (:func:`microcred.privacy.shared.share_results`); exact results
        are shared here first (``k = study.privacy.k``), so the context never holds an
        exact small count.
    validation : ValidationReport
    provenance : mapping
        ``microcred_version, run_at, libraries, inputs, database, study_file,
        study_sha256``.

    Returns
    -------
    ReportContext
        Pre-formatted views; ``charts`` holds the vega-lite specifications still to be
        rendered (key -> (spec, title)). Source paths are shown relative to the study
        file (:func:`shown_path`).
    """
    results = shared_copy(results, study.privacy.k)
    lang = (study.study.languages or ["en"])[0]
    charts: dict[str, Chart] = {}
    study_file = provenance.get("study_file")
    if study_file is None or not Path(str(study_file)).is_absolute():
        # the shared provenance shows the study file by name: issues' paths are made
        # relative to the folder the study was read from
        study_file = Path(study.base_dir) / Path(str(study_file or "study.yaml")).name
    quality_summary, issues, unknown, unknown_summary = _quality(validation, study_file)

    motivation_table = None
    motivation_chart = None
    ranking = results.rankings.get("motivation")
    if ranking is not None and not ranking.empty:
        motivation_table = _ranking_table(ranking, results, "Motivation")
        motivation_chart = "chart-ranking-motivation"
        charts[motivation_chart] = (
            ranking_chart(ranking, description="Motivations ranked by share of respondents"),
            "Chart: motivations ranked by % of respondents, with 95% CIs",
        )

    constructs: list[ConstructView] = []
    placed: set[str] = set()
    known = {c.id for c in study.constructs}
    for construct in study.constructs:
        ids = _construct_items(study, results, construct.id)
        placed.update(ids)
        extra_ranking = None
        # A ranking only adds something when it puts several items side by side; for a
        # single item it would repeat the item's own table.
        if (
            construct.id != "motivation"
            and construct.id in results.rankings
            and len(ids) > 1
        ):
            frame = results.rankings[construct.id]
            if not frame.empty:
                extra_ranking = _ranking_table(frame, results, "Answer")
        constructs.append(
            ConstructView(
                id=construct.id,
                label=_text(construct.label, lang, construct.id),
                description=construct.description or "",
                items=[_item_view(results.items[i], _study_item(study, i), charts) for i in ids],
                ranking=extra_ranking,
            )
        )
    others = [
        i
        for i in results.items
        if i not in placed and _construct_of(study, results, i) not in known
    ]
    others += [i for i in results.items if i not in placed and i not in others]
    if others:
        constructs.append(
            ConstructView(
                id="other-items",
                label="Other items",
                description="Items that belong to no construct of the study.",
                items=[_item_view(results.items[i], _study_item(study, i), charts) for i in others],
            )
        )

    libraries = provenance.get("libraries", {}) or {}
    inputs = provenance.get("inputs", []) or []
    info = study.study
    return ReportContext(
        lang=lang,
        study={
            "id": info.id,
            "title": info.title,
            "institution": info.institution or "",
            "description": info.description or "",
            "citation": info.citation or "",
            "licence": info.licence or "",
            "languages": ", ".join(info.languages),
        },
        provenance={
            "microcred_version": str(provenance.get("microcred_version", "")),
            "run_at": str(provenance.get("run_at", "")),
            "database": str(provenance.get("database", "")),
            "study_file": str(provenance.get("study_file", "")),
            "study_sha256": str(provenance.get("study_sha256", "")),
        },
        findings=key_findings(study, results, validation),
        n_respondents=str(results.n_respondents),
        quality_summary=quality_summary,
        issues=issues,
        unknown_labels=unknown,
        unknown_summary=unknown_summary,
        sample=_sample(results, provenance),
        segments=_segments(results),
        motivation=motivation_table,
        motivation_chart=motivation_chart,
        constructs=constructs,
        comparisons=[
            _comparison(c, k, results, study, lang) for k, c in enumerate(results.comparisons, 1)
        ],
        libraries=Table(
            ["Library", "Version"],
            [[str(k), str(v)] for k, v in libraries.items()],
            [False, False],
            caption="Library versions",
        ),
        inputs=Table(
            ["Source", "File", "Format", "Rows", "SHA-256"],
            [
                [
                    str(i.get("source_id", "")),
                    shown_path(i.get("path", ""), study_file),
                    str(i.get("format", "")),
                    _count(i.get("n_rows")),
                    str(i.get("sha256", "")),
                ]
                for i in inputs
            ],
            [False, False, False, True, False],
            caption="Input files",
        ),
        charts=charts,
        suppression_note=suppression_text(study.privacy.k),
        methods=methods(SMALL_N, ALPHA),
        references=references(),
    )
