"""The survey results as they may leave the project: small counts suppressed.

:func:`share_results` is the one place where the quantitative results are made safe to
share. Every writer of the report (HTML, PDF, DOCX, XLSX, ``tables/*.csv``, the charts
and ``results.json``) renders the copy it returns, so the formats cannot disagree and
none of them shows an exact small count. The exact counts stay only in the project
database (``microcred.db`` by default), the analyst's store.

What is hidden, table by table (``k`` is ``study.privacy.k``, 5 by default):

* **item frequencies**: counts from 1 to ``k - 1`` become ``"<k"``; because the item's
  base (respondents with a valid answer) is shown, further counts are hidden as
  ``"[c]"`` until none of the small ones can be worked out from the base
  (:func:`~microcred.privacy.suppress_frequency_table`). The percentage, confidence
  interval, share of ticks and cumulative percentage of a hidden count are hidden with
  it; in a multiple-choice table with a hidden count the whole "share of all ticks"
  column is hidden (any shown share and its count give the number of ticks, and with
  it the hidden count). An item answered by fewer than ``k`` respondents shows no
  breakdown at all (zeros included).
* **item summaries**: the mean, SD, median and quartiles of an item with a hidden count
  (or fewer than ``k`` answers) are withheld (the mean and the base are two equations
  that give two hidden counts back; an interpolated median gives a cumulative count);
  the top-box share is withheld when one of its categories is hidden.
* **'Other' texts and reasons for missing answers**: a count of 'Other' texts below
  ``k`` (or whose 'Other' option is hidden) is hidden; reasons for missing answers are
  suppressed against the number of missing answers, which is shown.
* **rankings** show each option exactly as its item's table does; hidden options are
  listed after the ranked ones, without a rank (their place in the order would bound
  them), and the shown options are ranked among themselves.
* **segments**: sizes below ``k`` with their percentage and interval, and sizes whose
  complement (respondents outside the segment, the number of respondents being shown)
  is below ``k``.
* **sample**: respondents per source, against the number of respondents analysed.
* **comparisons**: group sizes (suppressed against their total, and hidden wherever the
  grouping item's table hides them); crosstabs, whose row and column totals the reader
  can know from the item tables and the group sizes, suppressed with those totals
  (:func:`~microcred.privacy.suppress_counts` with ``known`` and ``hide``), or withheld
  whole when the known totals would pin a small count; the number of answers in the
  smallest group and a test's ``n`` when below ``k``.

* **tests**: a test whose table has a hidden cell (or a hidden total) shows no
  statistic, effect size or smallest expected count, and its p-value only as a bound
  true of every table consistent with what is published
  (:mod:`microcred.privacy.pbounds`); the Holm-adjusted p-values of its family are
  shown as bounds wherever they depend on it. Other tests are shown as computed.
* **provenance**: file paths relative to the study file's folder (or the file name
  alone), and a SQLite database by its file name, so no output shows the analyst's
  folders.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from microcred.privacy.suppress import (
    COMPLEMENTARY_LABEL,
    DEFAULT_K,
    Suppression,
    _check_k,
    add_margins,
    suppress_counts,
    suppress_frequency_table,
    suppress_percentages,
)

if TYPE_CHECKING:
    from microcred.privacy.summary import PrivacySummary
    from microcred.quant.results import ComparisonResult, ItemResult, QuantResults

__all__ = [
    "SharedResults",
    "is_hidden",
    "is_shared",
    "share_results",
    "shared_copy",
    "shown_database",
    "shown_path",
]

_DERIVED = ("pct", "ci_low", "ci_high", "pct_mentions", "cum_pct")
_TOP_BOX = ("top2_n", "top2_pct", "top2_ci_low", "top2_ci_high")
_TOP_BOX_ID = "top_box"  # microcred.quant.rankings.TOP_BOX_ID
_TOTAL = "\x00total"  # a margin label no option or group id can take
_SMALLEST = re.compile(r"smallest group has \d+ answers")
_MARK = "_microcred_shared_k"  # set on the published copy (survives copy.deepcopy)


def is_hidden(value: object) -> bool:
    """Whether a cell of a shared table was suppressed (it holds a label, not a number).

    Parameters
    ----------
    value : object
        A cell of a count, percentage or statistic column of :func:`share_results`'s
        tables.

    Returns
    -------
    bool
    """
    return isinstance(value, str)


@dataclass
class SharedResults:
    """The results to publish and what was hidden to make them safe.

    Attributes
    ----------
    results : QuantResults
        A copy of the results with every suppressed cell replaced by its label
        (``"<k"`` or ``"[c]"``); shown counts stay numbers. ``extra`` is a shallow copy.
    k : int
        The threshold.
    tables : list of (str, Suppression)
        Every table checked, by name (``"item:<id>"``, ``"segments"``, ``"sample"``,
        ``"groups:<by>"``, ``"crosstab:<by>:<item>"``...), with what was hidden in
        the cells that are published.
    withheld : int
        Statistics withheld besides the cells (means, medians, top-box shares...).
    """

    results: QuantResults
    k: int
    tables: list[tuple[str, Suppression]] = field(default_factory=list)
    withheld: int = 0

    def record(self, summary: PrivacySummary) -> None:
        """Add every checked survey table to the privacy summary of the report.

        Parameters
        ----------
        summary : PrivacySummary
            Receives one :meth:`~PrivacySummary.record_suppression` per table, as
            survey tables.
        """
        for _, suppression in self.tables:
            summary.record_suppression(suppression, survey=True)
        summary.withheld_statistics += self.withheld

    def provenance(self, provenance: Mapping[str, Any]) -> dict[str, Any]:
        """The provenance with the row count of a source hidden where its size is.

        Parameters
        ----------
        provenance : mapping
            As given to :func:`microcred.report.render` (``inputs``: list of dicts with
            ``source_id`` and ``n_rows``).

        Returns
        -------
        dict
            A copy; ``n_rows`` of a source whose number of respondents is hidden in the
            sample table is replaced by the same label; the study file, the sources'
            paths and a SQLite database file are shown relative to the study file's
            folder, or by their file name when they lie outside it
            (:func:`shown_path`), so no output shows the analyst's folders.
        """
        out = dict(provenance)
        study_file = provenance.get("study_file")
        folder = _folder_of(study_file)
        if study_file:
            out["study_file"] = shown_path(study_file, folder)
        if isinstance(provenance.get("database"), str):
            out["database"] = shown_database(provenance["database"], folder)
        if isinstance(provenance.get("inputs"), list):
            out["inputs"] = [
                {**i, "path": shown_path(i.get("path"), folder)}
                if isinstance(i, Mapping) and i.get("path")
                else i
                for i in provenance["inputs"]
            ]
        sample = self.results.sample
        if sample is None or sample.empty or not {"source_id", "n"} <= set(sample.columns):
            return out
        hidden = {
            str(s): n for s, n in zip(sample["source_id"], sample["n"], strict=True) if is_hidden(n)
        }
        if hidden and isinstance(out.get("inputs"), list):
            out["inputs"] = [
                {**i, "n_rows": hidden[str(i.get("source_id"))]}
                if isinstance(i, Mapping) and str(i.get("source_id")) in hidden
                else i
                for i in out["inputs"]
            ]
        return out


def _folder_of(study_file: Any) -> Path | None:
    if study_file is None or str(study_file) == "":
        return None
    return Path(str(study_file)).parent


def shown_path(path: Any, folder: str | Path | None = None) -> str:
    """A file path as shared outputs show it: relative to ``folder``, or its name.

    Parameters
    ----------
    path : str or pathlib.Path
        A path as read (often absolute).
    folder : str or pathlib.Path, optional
        The study file's folder.

    Returns
    -------
    str
        The path relative to ``folder`` (POSIX separators) when the file lies inside
        it; a relative path without ``..`` as it is; otherwise the file name alone.
        ``""`` for no path.

    Examples
    --------
    >>> shown_path("/home/ana/study/data/en.csv", "/home/ana/study")
    'data/en.csv'
    >>> shown_path("/srv/exports/en.csv", "/home/ana/study")
    'en.csv'
    """
    from pathlib import PurePath

    if path is None or str(path) == "":
        return ""
    target = PurePath(str(path))
    if folder is not None and str(folder) not in ("", "."):
        base = Path(str(folder))
        for left, right in ((target, base), (Path(str(target)).resolve(), base.resolve())):
            try:
                relative = PurePath(left).relative_to(right)
            except ValueError:
                continue
            if ".." not in relative.parts:
                return relative.as_posix()
    if not target.is_absolute() and ".." not in target.parts and not target.drive:
        return target.as_posix()
    return target.name


def shown_database(url: str, folder: str | Path | None = None) -> str:
    """A database URL as shared outputs show it (password already hidden).

    Parameters
    ----------
    url : str
        SQLAlchemy URL, password hidden (:func:`microcred.store.redacted_url`).
    folder : str or pathlib.Path, optional
        The study file's folder.

    Returns
    -------
    str
        For a SQLite file, ``sqlite:///`` and the file's path as :func:`shown_path`
        gives it (``sqlite:///microcred.db``); any other URL as given.
    """
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url in (prefix, "sqlite:///:memory:"):
        return url
    path, _, query = url[len(prefix):].partition("?")
    return prefix + shown_path(path, folder) + (f"?{query}" if query else "")


def share_results(results: QuantResults, k: int = DEFAULT_K) -> SharedResults:
    """Suppress small counts in every table of the survey results.

    Parameters
    ----------
    results : QuantResults
        The exact results (left unchanged).
    k : int, default 5
        Threshold (``study.privacy.k``): counts from 1 to ``k - 1`` are hidden. At
        least 3.

    Returns
    -------
    SharedResults
        The copy to publish and the record of what was hidden. Count, percentage,
        interval and statistic columns of the copy hold numbers where shown and the
        label (``"<k"`` for a small count, ``"[c]"`` otherwise) where hidden; rankings
        keep ``rank`` as a nullable integer, missing for hidden options.

    Raises
    ------
    PrivacyError
        If ``k`` is below 3 or a count column holds something that is not a count.

    Notes
    -----
    Primary and complementary suppression with an audit by linear programming, as in
    :func:`~microcred.privacy.suppress_counts` (Hundepool et al. 2012, *Statistical
    Disclosure Control*, chapters 4-5). Tables linked through shared totals are treated
    as the reader sees them: a total shown in one table is *known* when another is
    suppressed, and a total hidden in one is hidden in the other (Hundepool et al. 2012,
    section 4.4 on linked tables). The same results always give the same copy.
    """
    k = _check_k(k)
    shared = SharedResults(results=results, k=k)
    items = {item_id: _share_item(item, k, shared) for item_id, item in results.items.items()}
    rankings = {
        construct: _share_ranking(frame, items, k)
        for construct, frame in results.rankings.items()
        if frame is not None
    }
    segments = _share_segments(results.segments, results.n_respondents, k, shared)
    sample = _share_sample(results.sample, results.n_respondents, k, shared)
    comparisons = _share_comparisons(results.comparisons, items, segments, k, shared)
    shared.results = dataclasses.replace(
        results,
        items=items,
        rankings=rankings,
        segments=segments,
        sample=sample,
        comparisons=comparisons,
        extra=dict(results.extra),
    )
    setattr(shared.results, _MARK, k)
    return shared


def is_shared(results: QuantResults) -> bool:
    """Whether ``results`` is a copy made by :func:`share_results` (or a copy of one).

    Parameters
    ----------
    results : QuantResults

    Returns
    -------
    bool
    """
    return getattr(results, _MARK, None) is not None


def shared_copy(results: QuantResults, k: int = DEFAULT_K) -> QuantResults:
    """The copy to publish: ``results`` itself when already shared, else a new one.

    Parameters
    ----------
    results : QuantResults
        Exact or already shared results.
    k : int, default 5
        Threshold, used only when ``results`` is not shared yet.

    Returns
    -------
    QuantResults
        Results with every table suppressed (:func:`share_results`).

    Raises
    ------
    PrivacyError
        As :func:`share_results`.

    Notes
    -----
    Every writer of the report calls this on the results it is given, so a writer
    called on its own cannot publish an exact small count either.
    """
    if is_shared(results):
        return results
    return share_results(results, k).results


# --- items ----------------------------------------------------------------------------


def _as_object(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        if column in out.columns:
            out[column] = out[column].astype(object)
    return out


def _withheld_frequencies(
    frequencies: pd.DataFrame, k: int
) -> tuple[pd.DataFrame, Suppression]:
    """Every count and derived value of the table hidden, zeros included."""
    published = _as_object(frequencies.reset_index(drop=True), ["n", *_DERIVED])
    for column in ("n", *_DERIVED):
        if column in published.columns:
            published[column] = COMPLEMENTARY_LABEL
    counts = pd.to_numeric(frequencies["n"], errors="coerce").fillna(0).to_numpy()
    index = pd.RangeIndex(len(published))
    suppression = Suppression(
        table=published["n"],
        mask=pd.Series(True, index=index),
        primary=pd.Series((counts > 0) & (counts < k), index=index),
        k=k,
        uniform=True,
    )
    return published, suppression


def _share_frequencies(
    frequencies: pd.DataFrame, n_valid: int, k: int, multiple: bool
) -> tuple[pd.DataFrame, Suppression]:
    if int(n_valid) < k:
        return _withheld_frequencies(frequencies, k)
    source = frequencies.reset_index(drop=True)
    published, _, result = suppress_frequency_table(
        source, int(n_valid), k, multiple=multiple, total_known=True
    )
    if result.uniform:
        return _withheld_frequencies(frequencies, k)
    inner = Suppression(
        table=result.table.iloc[:-1].reset_index(drop=True),
        mask=result.mask.iloc[:-1].reset_index(drop=True),
        primary=result.primary.iloc[:-1].reset_index(drop=True),
        k=k,
    )
    hidden = np.asarray(inner.mask, dtype=bool)
    if hidden.any() and "pct_mentions" in published.columns:
        published["pct_mentions"] = COMPLEMENTARY_LABEL
    counts = pd.to_numeric(source["n"], errors="coerce").fillna(0)
    if hidden.any() and "cum_pct" in source.columns and not multiple and (
        int(counts.sum()) == int(n_valid)
    ):
        _show_cumulative_after(published, source, hidden)
    return published, inner


def _show_cumulative_after(
    published: pd.DataFrame, source: pd.DataFrame, hidden: np.ndarray
) -> None:
    """Show the cumulative % again from the last hidden row on.

    :func:`~microcred.privacy.suppress_frequency_table` hides it from the first hidden
    row on. When the counts add up to the base (shown) and every hidden row is in the
    running sum, the cumulative share at or after the last hidden row is the base minus
    the shown counts after it: nothing the reader cannot already work out.
    """
    in_sum = source["cum_pct"].notna().to_numpy()
    if (hidden & ~in_sum).any():
        return
    last = int(np.flatnonzero(hidden)[-1])
    values = published["cum_pct"].to_numpy(dtype=object, copy=True)
    values[last:] = source["cum_pct"].to_numpy(dtype=object)[last:]
    published["cum_pct"] = values


def _top_box_cells(frequencies: pd.DataFrame, top_n: float) -> np.ndarray:
    """Rows whose counts make up the top-box count: the highest-scored options."""
    rows = np.zeros(len(frequencies), dtype=bool)
    if "value" not in frequencies.columns:
        return ~rows
    values = pd.to_numeric(frequencies["value"], errors="coerce").to_numpy()
    counts = pd.to_numeric(frequencies["n"], errors="coerce").fillna(0).to_numpy()
    order = [i for i in np.argsort(-values, kind="stable") if not np.isnan(values[i])]
    total = 0.0
    chosen: list[int] = []
    for i in order:
        if total == top_n and counts[i] > 0:
            break
        total += counts[i]
        chosen.append(int(i))
    if total != top_n:
        return ~rows  # cannot tell: treat every row as part of it
    rows[chosen] = True
    return rows


def _share_summary(
    item: ItemResult, hidden: np.ndarray | None, k: int, shared: SharedResults
) -> dict[str, Any] | None:
    summary = item.summary
    if not summary:
        return summary
    out: dict[str, Any] = dict(summary)
    withhold_all = int(item.n_valid) < k or (hidden is not None and bool(hidden.any()))
    top_hidden = withhold_all
    if (
        hidden is not None
        and hidden.any()
        and item.frequencies is not None
        and "top2_n" in summary
        and int(item.n_valid) >= k
    ):
        top = _top_box_cells(item.frequencies.reset_index(drop=True), float(summary["top2_n"]))
        top_hidden = bool((hidden & top).any())
    for key in summary:
        if key == "n":
            continue
        hide = top_hidden if key in _TOP_BOX else withhold_all
        if hide:
            out[key] = COMPLEMENTARY_LABEL
            shared.withheld += 1
    return out


def _share_missing(item: ItemResult, k: int) -> pd.DataFrame:
    frame = item.missing_reasons
    if (
        frame is None
        or frame.empty
        or not {"reason", "n"} <= set(frame.columns)
        or len(frame) < 2
    ):
        return frame
    counts = pd.to_numeric(frame["n"], errors="coerce").fillna(0).astype(np.int64)
    total = int(counts.sum())
    series = pd.Series([*counts.tolist(), total], index=[*range(len(frame)), _TOTAL])
    known = pd.Series([False] * len(frame) + [True], index=series.index)
    result = suppress_counts(series, k, margins_name=_TOTAL, known=known)
    out = _as_object(frame.reset_index(drop=True), ["n"])
    if result.uniform:
        out["n"] = [COMPLEMENTARY_LABEL if c > 0 else 0 for c in counts]
    else:
        out["n"] = result.table.iloc[:-1].to_numpy(dtype=object)
    return out


def _share_item(item: ItemResult, k: int, shared: SharedResults) -> ItemResult:
    changes: dict[str, Any] = {}
    hidden: np.ndarray | None = None
    frequencies = item.frequencies
    if frequencies is not None and not frequencies.empty and "n" in frequencies.columns:
        published, suppression = _share_frequencies(
            frequencies, item.n_valid, k, multiple=item.item_type == "multi_choice"
        )
        shared.tables.append((f"item:{item.item_id}", suppression))
        hidden = np.asarray(suppression.mask, dtype=bool)
        changes["frequencies"] = published
    changes["summary"] = _share_summary(item, hidden, k, shared)
    other = int(item.other_texts or 0)
    other_hidden = False
    if frequencies is not None and hidden is not None and "option_id" in frequencies.columns:
        ids = frequencies["option_id"].astype(str).to_numpy()
        other_hidden = bool(hidden[ids == "other"].any())
    if 0 < other < k:
        changes["other_texts"] = f"<{k}"
    elif other and other_hidden:
        changes["other_texts"] = COMPLEMENTARY_LABEL
    changes["missing_reasons"] = _share_missing(item, k)
    return dataclasses.replace(item, **changes)


# --- rankings -------------------------------------------------------------------------


def _share_ranking(
    frame: pd.DataFrame, items: Mapping[str, ItemResult], k: int
) -> pd.DataFrame:
    cells = ["n", "pct", "ci_low", "ci_high"]
    out = _as_object(frame.reset_index(drop=True), cells)
    if out.empty or not {"item_id", "option_id"} <= set(out.columns):
        return out
    for i, (item_id, option_id) in enumerate(zip(out["item_id"], out["option_id"], strict=True)):
        item = items.get(str(item_id))
        source: dict[str, Any] | None = None
        if item is not None and str(option_id) == _TOP_BOX_ID and item.summary:
            s = item.summary
            source = dict(zip(cells, (s.get(key) for key in _TOP_BOX), strict=True))
        elif item is not None and item.frequencies is not None:
            freq = item.frequencies
            match = freq.index[freq["option_id"].astype(str) == str(option_id)]
            if len(match):
                row = freq.loc[match[0]]
                source = {c: row[c] for c in cells if c in freq.columns}
        if source is None:  # not in any item table: primary suppression of its own
            n = out.at[i, "n"]
            if not is_hidden(n) and 0 < float(n) < k:
                source = {c: COMPLEMENTARY_LABEL for c in cells} | {"n": f"<{k}"}
        if source is not None and any(is_hidden(v) for v in source.values()):
            for column in cells:
                if column in out.columns:
                    value = source.get(column)
                    out.at[i, column] = value if is_hidden(value) else COMPLEMENTARY_LABEL
    hidden = out["n"].map(is_hidden).to_numpy(dtype=bool)
    shown = out[~hidden].copy()
    rest = out[hidden].copy()
    if "rank" in out.columns:
        if len(shown):
            pct = pd.to_numeric(shown["pct"], errors="coerce")
            shown["rank"] = pct.rank(ascending=False, method="min").astype("Int64")
        rest["rank"] = pd.array([pd.NA] * len(rest), dtype="Int64")
    rest = rest.sort_values(["item_id", "option_id"], kind="stable", key=lambda c: c.astype(str))
    result = pd.concat([shown, rest], ignore_index=True)
    if "rank" in result.columns:
        result["rank"] = result["rank"].astype("Int64")
    return result


# --- segments and sample --------------------------------------------------------------


def _share_segments(
    segments: pd.DataFrame | None, n_respondents: int, k: int, shared: SharedResults
) -> pd.DataFrame | None:
    """Segment sizes: each is one cell of "in the segment / not in it" out of everyone.

    Segments may overlap, so no total adds them up; but the number of respondents is
    shown, so a segment is also hidden when the rest of the sample is small.
    """
    if segments is None or segments.empty or "n" not in segments.columns:
        return segments
    frame = segments.reset_index(drop=True)
    counts = pd.to_numeric(frame["n"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
    rest = int(n_respondents) - counts
    primary = (counts > 0) & (counts < k)
    mask = primary | ((rest > 0) & (rest < k))
    shown = [
        f"<{k}" if p else COMPLEMENTARY_LABEL if m else int(n)
        for n, p, m in zip(counts, primary, mask, strict=True)
    ]
    result = Suppression(
        table=pd.Series(shown, index=frame.index, dtype=object),
        mask=pd.Series(mask, index=frame.index),
        primary=pd.Series(primary, index=frame.index),
        k=k,
    )
    shared.tables.append(("segments", result))
    out = _as_object(frame, ["n", *_DERIVED])
    out["n"] = result.table.to_numpy(dtype=object)
    for column in _DERIVED:
        if column in out.columns:
            out[column] = suppress_percentages(frame[column], result).to_numpy(dtype=object)
    return out


def _share_sample(
    sample: pd.DataFrame | None, n_respondents: int, k: int, shared: SharedResults
) -> pd.DataFrame | None:
    if sample is None or sample.empty or "n" not in sample.columns:
        return sample
    frame = sample.reset_index(drop=True)
    counts = pd.to_numeric(frame["n"], errors="coerce").fillna(0).astype(np.int64)
    total = int(n_respondents)
    additive = int(counts.sum()) == total
    series = pd.Series([*counts.tolist(), total], index=[*range(len(frame)), _TOTAL])
    known = pd.Series([False] * len(frame) + [True], index=series.index)
    result = suppress_counts(series, k, margins_name=_TOTAL, additive=additive, known=known)
    out = _as_object(frame, ["n"])
    if result.uniform or total < k:
        inner = _all_hidden(counts.to_numpy(), k)
    else:
        inner = _inner(result, len(frame))
    out["n"] = inner.table.to_numpy(dtype=object)
    shared.tables.append(("sample", inner))
    return out


def _inner(result: Suppression, n: int) -> Suppression:
    """The cells of a one-way table without its total row."""
    return Suppression(
        table=result.table.iloc[:n].reset_index(drop=True),
        mask=result.mask.iloc[:n].reset_index(drop=True),
        primary=result.primary.iloc[:n].reset_index(drop=True),
        k=result.k,
        uniform=result.uniform,
    )


def _all_hidden(counts: np.ndarray, k: int) -> Suppression:
    index = pd.RangeIndex(len(counts))
    return Suppression(
        table=pd.Series([COMPLEMENTARY_LABEL] * len(counts), index=index, dtype=object),
        mask=pd.Series(True, index=index),
        primary=pd.Series((counts > 0) & (counts < k), index=index),
        k=k,
        uniform=True,
    )


# --- comparisons ----------------------------------------------------------------------


def _hidden_options(item: ItemResult | None) -> set[str]:
    if item is None or item.frequencies is None or "option_id" not in item.frequencies:
        return set()
    freq = item.frequencies
    return {
        str(o) for o, n in zip(freq["option_id"], freq["n"], strict=True) if is_hidden(n)
    }


def _share_groups(
    comp: ComparisonResult,
    items: Mapping[str, ItemResult],
    segments: pd.DataFrame | None,
    k: int,
    shared: SharedResults,
    linked: set[str] | None = None,
) -> tuple[pd.DataFrame, set[str]]:
    groups = comp.groups
    if groups is None or groups.empty or not {"group_id", "n"} <= set(groups.columns):
        return groups, set()
    frame = groups.reset_index(drop=True)
    ids = [str(g) for g in frame["group_id"]]
    counts = pd.to_numeric(frame["n"], errors="coerce").fillna(0).astype(np.int64)
    total = int(counts.sum())
    # groups by an item mirror that item's table; by a segment, the segment's size
    elsewhere = _hidden_options(items.get(comp.by))
    if segments is not None and "segment_id" in segments.columns:
        for seg, n in zip(segments["segment_id"], segments["n"], strict=True):
            if str(seg) == comp.by and is_hidden(n):
                elsewhere.add(str(seg))
    elsewhere |= linked or set()
    series = pd.Series([*counts.tolist(), total], index=[*range(len(frame)), _TOTAL])
    known = pd.Series([False] * len(frame) + [total >= k], index=series.index)
    hide = pd.Series([g in elsewhere for g in ids] + [False], index=series.index)
    result = suppress_counts(series, k, margins_name=_TOTAL, known=known, hide=hide)
    inner = _all_hidden(counts.to_numpy(), k) if result.uniform else _inner(result, len(frame))
    shared.tables.append((f"groups:{comp.by}", inner))
    out = _as_object(frame, ["n"])
    out["n"] = inner.table.to_numpy(dtype=object)
    hidden = {g for g, h in zip(ids, np.asarray(inner.mask, dtype=bool), strict=True) if h}
    return out, hidden


def _share_crosstab(
    table: pd.DataFrame,
    hidden_rows: set[str],
    hidden_cols: set[str],
    k: int,
    *,
    known_cells: pd.DataFrame | None = None,
    hidden_cells: pd.DataFrame | None = None,
    known_rows: set[str] | None = None,
) -> tuple[pd.DataFrame, Suppression, Suppression]:
    """Options x groups, suppressed with the row and column totals a reader can know.

    Zeros are shown, as in :func:`~microcred.privacy.suppress_counts`: in the column of
    a group of fewer than ``k`` respondents every non-zero count is hidden (it is
    below ``k``), but a zero still says that none of the group gave that answer (and
    with the row totals known, hiding it would not hide it).

    ``known_cells`` and ``hidden_cells`` (bool, the table's shape) mark inner cells
    published, or hidden, in another table; ``known_rows`` names rows whose total the
    reader knows whatever its size (worked out from other published numbers). Returns
    the published inner table, the suppression of its cells, and the suppression of the
    table with its totals (the reader's view, for
    :func:`~microcred.privacy.pbounds.completions`).
    """
    counts = table.apply(pd.to_numeric, errors="coerce").fillna(0).astype(np.int64)
    full = add_margins(counts, margins_name=_TOTAL)
    values = full.to_numpy()
    n_rows, n_cols = counts.shape
    margin = np.zeros(values.shape, dtype=bool)
    margin[n_rows, :] = True
    margin[:, n_cols] = True
    hide = np.zeros(values.shape, dtype=bool)
    for r, option in enumerate(counts.index):
        hide[r, n_cols] = str(option) in hidden_rows
    for c, group in enumerate(counts.columns):
        hide[n_rows, c] = str(group) in hidden_cols
    known = margin & ~hide & ((values == 0) | (values >= k))
    for r, option in enumerate(counts.index):
        if known_rows and str(option) in known_rows and not hide[r, n_cols]:
            known[r, n_cols] = True
    if known_cells is not None:
        known[:n_rows, :n_cols] |= known_cells.reindex(
            index=counts.index, columns=counts.columns, fill_value=False
        ).to_numpy(dtype=bool)
    if hidden_cells is not None:
        hide[:n_rows, :n_cols] |= hidden_cells.reindex(
            index=counts.index, columns=counts.columns, fill_value=False
        ).to_numpy(dtype=bool)
    result = suppress_counts(
        full,
        k,
        margins_name=_TOTAL,
        known=pd.DataFrame(known, index=full.index, columns=full.columns),
        hide=pd.DataFrame(hide, index=full.index, columns=full.columns),
    )
    inner_values = counts.to_numpy()
    if result.uniform:
        published = pd.DataFrame(
            COMPLEMENTARY_LABEL, index=counts.index, columns=counts.columns, dtype=object
        )
        inner = Suppression(
            table=published,
            mask=pd.DataFrame(True, index=counts.index, columns=counts.columns),
            primary=pd.DataFrame(
                (inner_values > 0) & (inner_values < k), index=counts.index, columns=counts.columns
            ),
            k=k,
            uniform=True,
        )
    else:
        inner = Suppression(
            table=result.table.iloc[:n_rows, :n_cols],
            mask=result.mask.iloc[:n_rows, :n_cols],
            primary=result.primary.iloc[:n_rows, :n_cols],
            k=k,
        )
    published = inner.table.copy()
    published.index, published.columns = table.index, table.columns
    return published, inner, result


def _share_tests(
    tests: pd.DataFrame, any_group_hidden: bool, k: int
) -> pd.DataFrame:
    if tests is None or tests.empty:
        return tests
    out = _as_object(tests.reset_index(drop=True), ["n", "min_group_n"])
    small = f"<{k}"
    for i in range(len(out)):
        if "n" in out.columns:
            n = out.at[i, "n"]
            if not pd.isna(n) and 0 < float(n) < k:
                out.at[i, "n"] = small
        if "min_group_n" in out.columns:
            smallest = out.at[i, "min_group_n"]
            label = None
            if not pd.isna(smallest) and 0 < float(smallest) < k:
                label = small
            elif not pd.isna(smallest) and float(smallest) > 0 and any_group_hidden:
                label = COMPLEMENTARY_LABEL
            if label is not None:
                out.at[i, "min_group_n"] = label
                if "note" in out.columns and isinstance(out.at[i, "note"], str):
                    out.at[i, "note"] = _SMALLEST.sub(
                        f"smallest group has {label} answers", out.at[i, "note"]
                    )
    return out


_WITHHELD_WITH_P = ("statistic", "effect_size", "min_expected")


def _test_p_function(
    row: Mapping[str, Any],
    crosstab: pd.DataFrame,
    item: ItemResult | None,
    group_sizes: Mapping[str, int],
) -> Any:
    """Completed inner table -> the test's p-value, as the analysis computes it.

    ``None`` when the test cannot be recomputed from the table alone.
    """
    from microcred.quant.comparisons import crosstab_test, rank_test

    test = str(row.get("test"))
    option = row.get("option_id")
    if test in ("chi2", "fisher", "fisher_mc") and (option is None or pd.isna(option)):
        return lambda inner: crosstab_test(inner)["p_value"]
    if test in ("chi2", "fisher", "fisher_mc"):
        # a multiple-choice option: ticked vs not, out of the group's respondents
        options = [str(o) for o in crosstab.index]
        if str(option) not in options:
            return None
        r = options.index(str(option))
        sizes = np.array([group_sizes.get(str(g), -1) for g in crosstab.columns], dtype=float)
        if (sizes < 0).any():
            return None
        return lambda inner: crosstab_test(np.vstack([inner[r], sizes - inner[r]]))["p_value"]
    if test in ("mann_whitney", "kruskal") and item is not None and item.frequencies is not None:
        freq = item.frequencies
        if not {"option_id", "value"} <= set(freq.columns):
            return None
        by_option = dict(
            zip(freq["option_id"].astype(str), pd.to_numeric(freq["value"], errors="coerce"),
                strict=True)
        )
        scores = np.array([by_option.get(str(o), np.nan) for o in crosstab.index], dtype=float)
        n_groups = crosstab.shape[1]

        def ranks(inner: np.ndarray) -> float:
            counts = inner.astype(np.int64)
            values = np.repeat(np.tile(scores, n_groups), counts.T.ravel())
            groups = np.repeat(np.repeat(np.arange(n_groups), len(scores)), counts.T.ravel())
            return float(rank_test(values, groups, order=list(range(n_groups)))["p_value"])

        return ranks
    return None


def _bound_tests(
    comp: ComparisonResult,
    tests: pd.DataFrame,
    views: Mapping[str, Suppression],
    items: Mapping[str, ItemResult],
    any_group_hidden: bool,
    k: int,
    shared: SharedResults,
) -> pd.DataFrame:
    """Withhold the statistics of tests on tables with hidden cells; bound their p.

    See :mod:`microcred.privacy.pbounds` for the rule and why it is safe.
    """
    from microcred.privacy.pbounds import (
        MAX_COMPLETIONS,
        completions,
        holm_bounds,
        p_bound,
        recompute_matches,
    )

    if tests is None or tests.empty or "p_value" not in tests.columns:
        return tests
    exact = comp.tests.reset_index(drop=True)
    out = _as_object(tests, [c for c in ("p_value", "p_holm", *_WITHHELD_WITH_P)
                             if c in tests.columns])  # fmt: skip
    sizes: dict[str, int] = {}
    if comp.groups is not None and {"group_id", "n"} <= set(comp.groups.columns):
        sizes = {str(g): int(n) for g, n in zip(comp.groups["group_id"], comp.groups["n"],
                                                  strict=True)}  # fmt: skip
    p = pd.to_numeric(exact["p_value"], errors="coerce").to_numpy(dtype=float)
    low, high = p.copy(), p.copy()
    hidden_rows = np.zeros(len(out), dtype=bool)
    cache: dict[str, list[np.ndarray] | None] = {}
    for i, row in enumerate(exact.to_dict(orient="records")):
        item_id = str(row.get("item_id"))
        view = views.get(item_id)
        if view is None:
            hidden = any_group_hidden and row.get("test") is not None and not pd.isna(p[i])
        else:
            hidden = bool(np.asarray(view.mask, dtype=bool).any())
        if not hidden or pd.isna(p[i]):
            continue
        hidden_rows[i] = True
        for column in _WITHHELD_WITH_P:
            if column in out.columns and not _missing(out.at[i, column]):
                out.at[i, column] = COMPLEMENTARY_LABEL
                shared.withheld += 1
        low[i], high[i] = 0.0, 1.0  # withheld unless every completion agrees
        table = comp.crosstabs.get(item_id)
        if view is None or table is None or view.uniform:
            continue
        p_of = _test_p_function(row, table, items.get(item_id), sizes)
        if p_of is None:
            continue
        truth = table.apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(dtype=np.int64)
        try:
            if not recompute_matches(row.get("p_value"), p_of(truth)):
                continue
            if item_id not in cache:
                limit = 40 if str(row.get("test")) == "fisher_mc" else MAX_COMPLETIONS
                cache[item_id] = completions(view.table, k, margins_name=_TOTAL, limit=limit)
            tables = cache[item_id]
            if tables is None:
                continue
            n_rows, n_cols = truth.shape
            values = [float(p_of(t[:n_rows, :n_cols])) for t in tables]
        except (ValueError, ZeroDivisionError, FloatingPointError):
            continue
        if values and all(np.isfinite(values)):
            low[i], high[i] = min(values), max(values)
    if not hidden_rows.any():
        return out
    for row in np.flatnonzero(hidden_rows).tolist():
        out.at[row, "p_value"] = p_bound(low[row], high[row])
    if "p_holm" in out.columns:
        holm_low, holm_high = holm_bounds(low, high)
        exact_holm = pd.to_numeric(exact["p_holm"], errors="coerce").to_numpy(dtype=float)
        for i in range(len(out)):
            if np.isnan(exact_holm[i]):
                continue
            if hidden_rows[i] or not np.isclose(holm_low[i], holm_high[i], rtol=0, atol=1e-12):
                out.at[i, "p_holm"] = p_bound(holm_low[i], holm_high[i])
    return out


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _share_comparison(
    comp: ComparisonResult,
    items: Mapping[str, ItemResult],
    segments: pd.DataFrame | None,
    k: int,
    shared: SharedResults,
    *,
    prefix: str = "crosstab",
    known_cells: Mapping[str, pd.DataFrame] | None = None,
    hidden_cells: Mapping[str, pd.DataFrame] | None = None,
    known_rows: Mapping[str, set[str]] | None = None,
    views_out: dict[str, Suppression] | None = None,
    linked_groups: set[str] | None = None,
) -> ComparisonResult:
    """One comparison: group sizes, crosstabs (with cells published or hidden in other
    tables, and row totals known from them, by outcome item), tests. ``views_out``
    receives each crosstab's suppression with its totals; ``linked_groups`` names
    groups whose size is hidden in another table."""
    groups, hidden_groups = _share_groups(comp, items, segments, k, shared, linked_groups)
    crosstabs = {}
    views: dict[str, Suppression] = {}
    for item_id, table in comp.crosstabs.items():
        published, inner, full = _share_crosstab(
            table,
            _hidden_options(items.get(str(item_id))),
            hidden_groups,
            k,
            known_cells=(known_cells or {}).get(str(item_id)),
            hidden_cells=(hidden_cells or {}).get(str(item_id)),
            known_rows=(known_rows or {}).get(str(item_id)),
        )
        shared.tables.append((f"{prefix}:{comp.by}:{item_id}", inner))
        crosstabs[item_id] = published
        views[str(item_id)] = full
    if views_out is not None:
        views_out.update(views)
    tests = _share_tests(comp.tests, bool(hidden_groups), k)
    tests = _bound_tests(comp, tests, views, items, bool(hidden_groups), k, shared)
    return dataclasses.replace(comp, groups=groups, tests=tests, crosstabs=crosstabs)


# --- linked comparisons -----------------------------------------------------------------

_MAX_ROUNDS = 50


def _signatures(comp: ComparisonResult) -> dict[str, str]:
    """Group id -> who is in it: the membership signature, or a key of its own."""
    members = getattr(comp, "members", None) or {}
    groups = comp.groups
    ids: list[str] = []
    if groups is not None and "group_id" in getattr(groups, "columns", ()):
        ids = [str(g) for g in groups["group_id"]]
    for table in comp.crosstabs.values():
        ids.extend(str(g) for g in table.columns)
    return {g: str(members.get(g) or f"\x00{comp.by}\x00{g}") for g in ids}


def _share_comparisons(
    comparisons: list[ComparisonResult],
    items: Mapping[str, ItemResult],
    segments: pd.DataFrame | None,
    k: int,
    shared: SharedResults,
) -> list[ComparisonResult]:
    """Every comparison, a cell hidden in one table hidden in every table that shows it.

    A published crosstab cell is the count of the respondents of one group (its members'
    signature, :attr:`ComparisonResult.members`) who gave one answer (item, option): a
    segment made of the respondents of one option of an item, or the "everyone else" of
    a segment that is the other options' respondents, publishes the very cells of the
    comparison by that item. Each table is suppressed with ``hide`` = the cells (and
    group sizes) hidden anywhere, again and again until no table hides anything new (a
    fixpoint: hiding only grows, so it ends). Without that, a cell hidden in one table
    but printed in the other gives a small cell back by subtraction from the item's
    totals (Hundepool et al. 2012, *Statistical Disclosure Control*, section 4.4 on
    linked tables).
    """
    if not comparisons:
        return []
    signatures = [_signatures(c) for c in comparisons]
    hidden_cells: set[tuple[str, str, str]] = set()
    hidden_sizes: set[str] = set()

    def one_round(target: SharedResults) -> tuple[list[ComparisonResult], set[Any], set[str]]:
        out, cells, sizes = [], set(), set()
        for comp, sig in zip(comparisons, signatures, strict=True):
            masks = {
                str(item_id): pd.DataFrame(
                    [[(sig[str(g)], str(item_id), str(o)) in hidden_cells for g in table.columns]
                     for o in table.index],
                    index=table.index, columns=table.columns, dtype=bool,
                )  # fmt: skip
                for item_id, table in comp.crosstabs.items()
            }
            linked = {g for g, s in sig.items() if s in hidden_sizes}
            published = _share_comparison(
                comp, items, segments, k, target, hidden_cells=masks, linked_groups=linked
            )
            for item_id, table in published.crosstabs.items():
                for o in table.index:
                    for g in table.columns:
                        if is_hidden(table.at[o, g]):
                            cells.add((sig[str(g)], str(item_id), str(o)))
            groups = published.groups
            if groups is not None and {"group_id", "n"} <= set(groups.columns):
                sizes |= {sig[str(g)] for g, n in zip(groups["group_id"], groups["n"],
                                                       strict=True) if is_hidden(n)}  # fmt: skip
            out.append(published)
        return out, cells, sizes

    seen: dict[str, int] = {}
    for number, sig in enumerate(signatures):
        for value in set(sig.values()):
            seen[value] = seen.get(value, number) if seen.get(value, number) == number else -1
    rounds = _MAX_ROUNDS if any(v == -1 for v in seen.values()) else 0  # nothing linked
    for _ in range(rounds):
        scratch = SharedResults(results=shared.results, k=k)
        _, cells, sizes = one_round(scratch)
        if cells <= hidden_cells and sizes <= hidden_sizes:
            break
        hidden_cells |= cells
        hidden_sizes |= sizes
    published, _, _ = one_round(shared)
    return published
