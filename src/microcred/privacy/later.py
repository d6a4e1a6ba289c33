"""The later stages' results as they may leave the project: small counts suppressed.

:func:`share_later` does for themes, joint displays, codes as respondent variables,
learner profiles, design briefs and catalogue fit what
:func:`~microcred.privacy.shared.share_results` does for the survey tables, with the same
labels and the same machinery (:func:`~microcred.privacy.suppress_counts` with the totals
the reader knows, audited by linear programming). The run builds ``results.json``
(``extra.qual``, ``extra.integration``), the report sections and the brief files from
the copies it returns, so they agree with each other and with the survey tables.

Rules (``k`` is ``study.privacy.k``):

* **themes** (per document): theme counts from 1 to k - 1 are ``"<k"`` with their
  share and interval (a respondent may hold several themes, so no total gives one
  back); a document answered by fewer than ``k`` respondents shows no counts; the
  human- and machine-coded unit counts of a hidden theme are hidden, others below
  ``k`` are ``"<k"``. **By segment**: a segment with fewer than ``k`` answers shows
  no counts; counts below ``k`` are ``"<k"``, and when a code's counts over the
  segments add up to its total (segments that split the respondents) further ones
  are hidden so none can be worked out. **Co-occurrence** (units with both codes):
  counts below ``k`` are ``"<k"``, a hidden theme's own count ``"[c]"``; the report
  lists only pairs with a shown count. **Candidate themes**: respondents and units
  below ``k``.
* **codes as respondent variables**: as themes; the crosstabs codes x groups are
  suppressed as the survey's crosstabs are, with the code totals, the group sizes
  and every cell that the themes-by-segment table shows or hides as known or hidden
  totals and cells, and their tests follow :mod:`microcred.privacy.pbounds`.
* **joint displays**: the survey side is the published cell of the item's table (a
  hidden count stays hidden); the theme side as the codes; a kappa on fewer than
  ``k`` respondents is withheld; respondents left out below ``k`` are ``"<k"``.
* **learner profiles**: a profile of fewer than ``k`` respondents is not shown: its
  name, size, traits, preferences, quotes and design brief are withheld and its
  respondents are counted with "other profiles"; when those would number 1 to k - 1,
  the smallest shown profile joins them (:func:`published_profiles`), so every size
  shown, and the size of "other profiles" that the reader can work out, is at least
  ``k``. A shown profile's counts of each option (its preferences, the shares of its
  defining traits and the evidence of its brief) are a table options x profiles
  whose row totals are the item's published counts and whose column totals are the
  profile's answers: it is suppressed with everyone outside the shown profiles as an
  unpublished column, so a hidden count can be worked out neither from the item's
  table nor from the other profiles.
* **design briefs**: evidence (respondents who chose the recommended option(s), of
  those who answered) is shown only when every count it adds up is shown in the
  tables above (or those it leaves out, with a shown base); otherwise it is ``"[c]"``
  and its share, interval and the numbers in its reason are withheld. A profile that
  is not shown has no brief.
* **catalogue fit**: per course, served and not served, of all respondents and per
  shown profile (everyone else as an unpublished column); per profile, respondents no
  course serves; single changes: respondents reached, and their split by profile
  against that total. Respondent ids are never written.

Notes
-----
Hundepool et al. (2012), *Statistical Disclosure Control*, chapters 4-5 (cell
suppression, linked tables). The order facts a design brief rests on (which option is
most chosen, whether two intervals overlap) are shown: they bound hidden counts but
cannot pin them down.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from microcred.privacy.shared import (
    _DERIVED,
    _TOTAL,
    SharedResults,
    _as_object,
    _share_comparison,
    _share_frequencies,
    _top_box_cells,
    is_hidden,
)
from microcred.privacy.suppress import (
    COMPLEMENTARY_LABEL,
    DEFAULT_K,
    Suppression,
    _check_k,
    suppress_counts,
)

if TYPE_CHECKING:
    from microcred.design.brief import Brief, Recommendation
    from microcred.integrate.coded import CodedVariables
    from microcred.integrate.joint import JointDisplay, JointDisplays
    from microcred.integrate.profiles import Profile, Profiles
    from microcred.integrate.stage import Integration
    from microcred.privacy.summary import PrivacySummary
    from microcred.qual.stage import QualResults
    from microcred.quant.results import ItemResult, QuantResults

__all__ = [
    "OTHER_PROFILES",
    "SharedLater",
    "is_shared_later",
    "published_profiles",
    "share_brief",
    "share_fit",
    "share_integration",
    "share_later",
    "share_qual",
]

OTHER_PROFILES = "Other profiles"
"""Label of the respondents of the profiles that are not shown."""

_MARK = "_microcred_shared_k"
_PCT = ("pct", "ci_low", "ci_high")
_REST = "\x00rest"  # everyone outside the shown profiles: a label no profile id can take
MISSING_ROW = "\x00missing"  # profile members without an answer (no option id can take it)


@dataclass
class SharedLater:
    """The later stages' results to publish and what was hidden.

    Attributes
    ----------
    k : int
    qual : QualResults or None
        Shared copy of the coding stage's results.
    integration : Integration or None
        Shared copy of the integration stage's results.
    tables : list of (str, Suppression)
        Every table checked (``"themes:<document>"``, ``"codes:<by>:<item>"``,
        ``"profiles"``, ``"profile-item:<item>"``, ``"fit:<course>"``...).
    withheld : int
        Statistics withheld besides the cells (shares, kappas, test statistics...).
    withheld_profiles : int
        Profiles not shown (fewer than ``k`` respondents, or merged with those).
    withheld_briefs : int
        Design briefs not published (profiles not shown).
    """

    k: int
    qual: Any = None
    integration: Any = None
    tables: list[tuple[str, Suppression]] = field(default_factory=list)
    withheld: int = 0
    withheld_profiles: int = 0
    withheld_briefs: int = 0

    def record(self, summary: PrivacySummary) -> None:
        """Add every checked table and withheld statistic to the privacy summary.

        Parameters
        ----------
        summary : PrivacySummary
        """
        for _, suppression in self.tables:
            summary.record_suppression(suppression)
        summary.withheld_statistics += self.withheld
        summary.withheld_profiles += self.withheld_profiles

    def add(self, name: str, suppression: Suppression) -> None:
        """Record one checked table."""
        self.tables.append((name, suppression))


def is_shared_later(value: Any) -> bool:
    """Whether ``value`` (QualResults, Integration...) is a copy made here."""
    return getattr(value, _MARK, None) is not None


def _mark(value: Any, k: int) -> Any:
    object.__setattr__(value, _MARK, k)
    return value


def _label(n: Any, k: int, hidden: bool) -> Any:
    """A count as published: the small label, the complementary one, or the number."""
    if not hidden:
        return int(n)
    return f"<{k}" if 0 < int(n) < k else COMPLEMENTARY_LABEL


def _series_suppression(table: list[Any], mask: list[bool], primary: list[bool], k: int,
                        uniform: bool = False) -> Suppression:  # fmt: skip
    index = pd.RangeIndex(len(table))
    return Suppression(
        table=pd.Series(table, index=index, dtype=object),
        mask=pd.Series(mask, index=index, dtype=bool),
        primary=pd.Series(primary, index=index, dtype=bool),
        k=k,
        uniform=uniform,
    )


def _primary_only(counts: Sequence[int], k: int) -> Suppression:
    values = [int(c) for c in counts]
    small = [0 < v < k for v in values]
    return _series_suppression(
        [f"<{k}" if s else v for v, s in zip(values, small, strict=True)], small, small, k
    )


def _binary(n: int, base: int, k: int) -> Suppression:
    """``n`` of a shown ``base``: ``[n, base - n]`` with the base known.

    ``n`` is shown only when it is 0, the whole base, or leaves at least ``k`` on both
    sides; a base below ``k`` hides every non-zero count.
    """
    n, base = int(n), int(base)
    series = pd.Series([n, base - n, base], index=[0, 1, _TOTAL])
    known = pd.Series([False, False, True], index=series.index)
    result = suppress_counts(series, k, margins_name=_TOTAL, known=known)
    if result.uniform or base < k:
        return _series_suppression(
            [COMPLEMENTARY_LABEL if v > 0 else 0 for v in (n, base - n)],
            [v > 0 for v in (n, base - n)],
            [0 < v < k for v in (n, base - n)],
            k,
            uniform=True,
        )
    return _series_suppression(
        list(result.table.iloc[:2]),
        list(np.asarray(result.mask.iloc[:2], dtype=bool)),
        list(np.asarray(result.primary.iloc[:2], dtype=bool)),
        k,
    )


# --- profiles: which are shown ---------------------------------------------------------


def published_profiles(profiles: Profiles, k: int = DEFAULT_K) -> tuple[list[str], list[str]]:
    """Which profiles a shared output may show, and which are counted as "other".

    Parameters
    ----------
    profiles : Profiles
        Largest first.
    k : int, default 5

    Returns
    -------
    (list of str, list of str)
        Ids of the profiles shown, and of those merged into "other profiles": every
        profile of fewer than ``k`` respondents and, while those would number 1 to
        k - 1 together, the smallest shown profile (so the size of "other profiles",
        which the reader can work out from the profiled total, is 0 or at least ``k``).
    """
    k = _check_k(k)
    sizes = [(p.id, int(p.n)) for p in profiles.profiles]
    merged = [pid for pid, n in sizes if n < k]
    shown = [(pid, n) for pid, n in sizes if n >= k]
    total = sum(n for pid, n in sizes if pid in merged)
    while merged and 0 < total < k and shown:
        pid, n = min(reversed(shown), key=lambda pair: pair[1])
        shown.remove((pid, n))
        merged.append(pid)
        total += n
    return [pid for pid, _ in shown], merged


# --- qualitative results ----------------------------------------------------------------


def share_qual(qual: QualResults, k: int = DEFAULT_K, later: SharedLater | None = None) -> Any:
    """The coding stage's results with small counts suppressed.

    Parameters
    ----------
    qual : QualResults
        Exact results (left unchanged).
    k : int, default 5
    later : SharedLater, optional
        Receives the checked tables.

    Returns
    -------
    QualResults
        A copy: ``themes``, ``by_segment``, ``cooccurrence`` and ``candidates`` with
        hidden counts replaced by their labels (see the module notes); quotes as they
        are (the run has already withheld those of small themes).
    """
    k = _check_k(k)
    later = later if later is not None else SharedLater(k=k)
    themes, hidden_codes = _share_themes(qual.themes, k, later)
    by_segment = _share_by_segment(qual.by_segment, qual.themes, k, later)
    cooccurrence = _share_cooccurrence(qual.cooccurrence, hidden_codes, k, later)
    candidates = [_share_candidate(c, k) for c in qual.candidates]
    copy = dataclasses.replace(
        qual,
        themes=themes,
        by_segment=by_segment,
        cooccurrence=cooccurrence,
        candidates=candidates,
    )
    return _mark(copy, k)


def _share_themes(
    themes: pd.DataFrame, k: int, later: SharedLater
) -> tuple[pd.DataFrame, set[str]]:
    if themes is None or themes.empty:
        return themes, set()
    out = _as_object(themes, ["n", *_PCT, "n_human", "n_machine"])
    hidden_codes: set[str] = set()
    for document, rows in themes.groupby("document", sort=False):
        index = rows.index
        frame = rows.reset_index(drop=True)
        base = int(frame["base"].iloc[0])
        published, suppression = _share_frequencies(
            frame[["n", *_PCT]], base, k, multiple=True
        )
        later.add(f"themes:{document}", suppression)
        hidden = np.asarray(suppression.mask, dtype=bool)
        for column in ("n", *_PCT):
            out.loc[index, column] = published[column].to_numpy(dtype=object)
        for column in ("n_human", "n_machine"):
            if column not in frame.columns:
                continue
            values = [
                COMPLEMENTARY_LABEL if h else (f"<{k}" if 0 < int(v) < k else int(v))
                for v, h in zip(frame[column], hidden, strict=True)
            ]
            out.loc[index, column] = pd.Series(values, index=index, dtype=object)
        hidden_codes |= {str(c) for c, h in zip(frame["code_id"], hidden, strict=True) if h}
    if "base" in out.columns:
        out["base"] = [b if int(b) >= k else f"<{k}" for b in themes["base"]]
    return out, hidden_codes


def _share_by_segment(
    by_segment: pd.DataFrame, themes: pd.DataFrame, k: int, later: SharedLater
) -> pd.DataFrame:
    """Themes by segment: per code, respondents with and without it in each segment.

    A cell is the in-segment column of the codes x segment crosstab, whose "without"
    row is published too (as the base less the count): both counts are cells. When a
    code's counts over the segments add up to its total (segments that split the
    respondents), the code's table ``with / without x segments`` is suppressed with
    its totals; otherwise each segment on its own against its base.
    """
    if by_segment is None or by_segment.empty:
        return by_segment
    out = _as_object(by_segment, ["n", "base", *_PCT])
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    if themes is not None and not themes.empty:
        for doc, code, n, base in zip(themes["document"], themes["code_id"], themes["n"],
                                      themes["base"], strict=True):  # fmt: skip
            totals[(str(doc), str(code))] = (int(n), int(base))
    for document, rows in by_segment.groupby("document", sort=False):
        cells: list[Any] = []
        masks: list[bool] = []
        primaries: list[bool] = []
        for code, group in rows.groupby("code_id", sort=False):
            n = group["n"].astype(np.int64).to_numpy()
            base = group["base"].astype(np.int64).to_numpy()
            total = totals.get((str(document), str(code)))
            mask, uniform = _segment_mask(n, base, total, k)
            labels = [
                (COMPLEMENTARY_LABEL if uniform and h else _label(v, k, h))
                for v, h in zip(n, mask, strict=True)
            ]
            for position, (label, hidden, b) in enumerate(zip(labels, mask, base, strict=True)):
                at = group.index[position]
                out.at[at, "n"] = label
                out.at[at, "base"] = f"<{k}" if 0 < b < k else int(b)
                if hidden or b < k:
                    for column in _PCT:
                        out.at[at, column] = COMPLEMENTARY_LABEL
            cells += labels
            masks += [bool(h) for h in mask]
            primaries += [bool(0 < v < k) for v in n]
        later.add(f"themes-by-segment:{document}",
                  _series_suppression(cells, masks, primaries, k))  # fmt: skip
    return out


def _segment_mask(
    n: np.ndarray, base: np.ndarray, total: tuple[int, int] | None, k: int
) -> tuple[np.ndarray, bool]:
    """Hidden cells of one code across the segments (see :func:`_share_by_segment`),
    and whether they must all be shown as ``"[c]"``.

    When the segments' counts add up to the code's total, a reader who knows that the
    segments split the respondents knows the sum of the hidden cells: with the
    theme's count 8 shown, two cells shown as "<5" must be 4 and 4. So a table whose
    suppression is uniform (too small to hide anything otherwise) shows every hidden
    cell as ``"[c]"``, and one with a segment below ``k`` hides every non-zero cell of
    the code as ``"[c]"`` (the sum then says nothing about any one cell).
    """
    small_base = base < k
    sums = total is not None and int(n.sum()) == total[0] and int(base.sum()) == total[1]
    if sums and small_base.any() and len(n) > 1:
        return (n > 0) | (base - n > 0), True
    additive = sums and not small_base.any()
    if additive and total is not None:
        columns = [*range(len(n)), _TOTAL]
        full = pd.DataFrame(
            [[*n.tolist(), total[0]], [*(base - n).tolist(), total[1] - total[0]],
             [*base.tolist(), total[1]]],
            index=["with", "without", _TOTAL], columns=columns,
        )  # fmt: skip
        known = pd.DataFrame(False, index=full.index, columns=full.columns)
        known.loc[_TOTAL, :] = True
        if total[0] >= k or total[0] == 0:  # the theme's count, shown in the themes table
            known.loc[["with", "without"], _TOTAL] = True
        result = suppress_counts(full, k, margins_name=_TOTAL, known=known)
        hidden = result.mask.loc[["with", "without"], list(range(len(n)))].to_numpy(dtype=bool)
        mask = hidden.any(axis=0)
        if result.uniform:
            return (n > 0) | (base - n > 0), True
        return mask, False
    mask = np.zeros(len(n), dtype=bool)
    for i, (count, b) in enumerate(zip(n, base, strict=True)):
        if b < k:
            mask[i] = True
            continue
        result = _binary(int(count), int(b), k)
        mask[i] = bool(result.mask.iloc[0]) or bool(result.mask.iloc[1])
    return mask, False


def _share_cooccurrence(
    matrix: pd.DataFrame, hidden_codes: set[str], k: int, later: SharedLater
) -> pd.DataFrame:
    if matrix is None or matrix.empty:
        return matrix
    values = matrix.to_numpy(dtype=np.int64)
    out = matrix.astype(object).copy()
    codes = [str(c) for c in matrix.index]
    cells, masks, primaries = [], [], []
    for i, a in enumerate(codes):
        for j in range(len(matrix.columns)):
            v = int(values[i, j])
            small = 0 < v < k
            hidden = small or (i == j and a in hidden_codes and v > 0)
            label = f"<{k}" if small else COMPLEMENTARY_LABEL if hidden else v
            out.iat[i, j] = label
            if j >= i:  # each pair once
                cells.append(label)
                masks.append(hidden)
                primaries.append(small)
    later.add("cooccurrence", _series_suppression(cells, masks, primaries, k))
    return out


def _share_candidate(candidate: Mapping[str, Any], k: int) -> dict[str, Any]:
    out = dict(candidate)
    respondents = candidate.get("respondents")
    size = candidate.get("size")
    hidden = isinstance(respondents, int | np.integer) and 0 < int(respondents) < k
    if hidden:
        out["respondents"] = f"<{k}"
    if isinstance(size, int | np.integer):
        if 0 < int(size) < k:
            out["size"] = f"<{k}"
        elif hidden:
            out["size"] = COMPLEMENTARY_LABEL
    return out


# --- the whole integration --------------------------------------------------------------


def share_later(
    qual: QualResults | None,
    integration: Integration | None,
    results: QuantResults,
    shared: SharedResults,
    k: int = DEFAULT_K,
) -> SharedLater:
    """Shared copies of the coding and integration stages' results.

    Parameters
    ----------
    qual : QualResults or None
        Exact results of the coding stage (quotes already protected by the run).
    integration : Integration or None
        Exact results of the integration stage.
    results : QuantResults
        The exact survey results (item counts of the whole sample).
    shared : SharedResults
        Their shared copy (:func:`~microcred.privacy.share_results`): which survey
        counts are shown, hidden, or known to the reader.
    k : int, default 5

    Returns
    -------
    SharedLater
        ``qual`` and ``integration`` to publish, the tables checked and what was
        withheld (:meth:`SharedLater.record` adds them to the privacy summary).
    """
    k = _check_k(k)
    later = SharedLater(k=k)
    if qual is not None:
        later.qual = share_qual(qual, k, later)
    if integration is not None:
        later.integration = share_integration(
            integration, results, shared, k, later=later, qual=later.qual
        )
    return later


def share_integration(
    integration: Integration,
    results: QuantResults | None,
    shared: SharedResults | None,
    k: int = DEFAULT_K,
    *,
    later: SharedLater | None = None,
    qual: Any = None,
) -> Any:
    """The integration stage's results with small counts suppressed.

    Parameters
    ----------
    integration : Integration
        Exact results (left unchanged).
    results : QuantResults or None
        Exact survey results; without them (and ``shared``) the survey counts a
        display or brief repeats are suppressed on their own (``n`` of its base).
    shared : SharedResults or None
        The shared copy of ``results``.
    k : int, default 5
    later : SharedLater, optional
        Receives the checked tables and withheld counts.
    qual : QualResults, optional
        The shared coding results (:func:`share_qual`): the codes x groups crosstabs
        keep the cells its themes-by-segment table shows or hides.

    Returns
    -------
    Integration
        A copy to publish (see the module notes); ``profile_results`` is emptied.
    """
    k = _check_k(k)
    later = later if later is not None else SharedLater(k=k)
    survey = _Survey(results, shared, k)
    coded = (
        _share_coded(integration.coded, survey, qual, k, later)
        if integration.coded is not None
        else None
    )
    joint = (
        _share_joint(integration.joint, survey, coded, k, later)
        if integration.joint is not None
        else None
    )
    profiles = None
    briefs: dict[str, Brief] = {}
    cells = _ProfileCells(integration, survey, k, later)
    if integration.profiles is not None:
        profiles = _share_profiles(integration.profiles, cells, k, later)
    for group, brief in integration.briefs.items():
        if group == "all":
            briefs[group] = share_brief(brief, k, evidence=survey.evidence)
        elif group in cells.shown:
            briefs[group] = share_brief(brief, k, evidence=cells.evidence(group))
        else:
            later.withheld_briefs += 1
    fit = (
        _share_fit(integration.fit, cells, k, later) if integration.fit is not None else None
    )
    copy = dataclasses.replace(
        integration,
        joint=joint,
        coded=coded,
        profiles=profiles,
        briefs=briefs,
        fit=fit,
        profile_results={},
    )
    return _mark(copy, k)


class _Survey:
    """The survey's item counts as published (or, without results, checked one by one)."""

    def __init__(self, results: QuantResults | None, shared: SharedResults | None, k: int):
        self.k = k
        self.exact = results.items if results is not None else {}
        self.items = shared.results.items if shared is not None else {}
        self.segments = shared.results.segments if shared is not None else None

    def cell(self, item_id: str, option_id: str) -> dict[str, Any] | None:
        """The published row of an option in its item's table."""
        item = self.items.get(item_id)
        if item is None or item.frequencies is None or "option_id" not in item.frequencies:
            return None
        freq = item.frequencies
        match = freq.index[freq["option_id"].astype(str) == str(option_id)]
        return dict(freq.loc[match[0]]) if len(match) else None

    def hidden_options(self, item_id: str) -> dict[str, Any]:
        """Option id -> published count (number or label) of the item's table."""
        item = self.items.get(item_id)
        if item is None or item.frequencies is None or "option_id" not in item.frequencies:
            return {}
        freq = item.frequencies
        return {str(o): n for o, n in zip(freq["option_id"], freq["n"], strict=True)}

    def evidence(self, rec: Recommendation) -> dict[str, Any]:
        """Published evidence of a whole-sample recommendation (see :func:`share_brief`)."""
        ev = rec.evidence
        item = self.items.get(ev.item_id)
        if item is None:
            return _standalone(ev.n, ev.n_valid, self.k)
        if rec.aspect == "importance":
            summary = item.summary or {}
            top = summary.get("top2_n")
            if top is None or (not is_hidden(top) and int(top) != int(ev.n)):
                return _standalone(ev.n, ev.n_valid, self.k)
            return {"n": top, "n_valid": ev.n_valid, "hidden": is_hidden(top)}
        published = self.hidden_options(ev.item_id)
        counts = {o: n for o, n in published.items()}
        return _sum_evidence(ev.n, ev.n_valid, list(rec.options), counts, False, self.k)


def _standalone(n: int, base: int, k: int) -> dict[str, Any]:
    result = _binary(n, base, k)
    hidden = bool(result.mask.iloc[0])
    return {
        "n": result.table.iloc[0],
        "n_valid": int(base) if int(base) >= k else f"<{k}",
        "hidden": hidden or int(base) < k,
        "others_hidden": True,  # the other options' counts are not known here
    }


def _sum_evidence(
    n: int,
    n_valid: Any,
    options: Sequence[str],
    published: Mapping[str, Any],
    base_hidden: bool,
    k: int,
) -> dict[str, Any]:
    """Evidence that adds up published cells: shown only if it tells nothing new.

    ``others_hidden`` says whether any other cell of the line is hidden: then the
    intervals of other options that a reason may quote are withheld too.
    """
    inside = [published.get(str(o)) for o in options]
    outside = [v for o, v in published.items() if o not in {str(x) for x in options}]
    others_hidden = any(is_hidden(v) for v in outside) or base_hidden
    out: dict[str, Any] = {"n_valid": n_valid, "others_hidden": others_hidden}
    if any(v is None for v in inside):
        return out | {"n": COMPLEMENTARY_LABEL, "hidden": True}
    if len(inside) == 1 and is_hidden(inside[0]):
        return out | {"n": inside[0], "hidden": True}
    if all(not is_hidden(v) for v in inside):
        return out | {"n": int(n), "hidden": base_hidden}
    if not base_hidden and all(not is_hidden(v) for v in outside):
        return out | {"n": int(n), "hidden": False}
    return out | {"n": COMPLEMENTARY_LABEL, "hidden": True}


# --- codes as respondent variables -------------------------------------------------------


def _share_coded(
    coded: CodedVariables, survey: _Survey, qual: Any, k: int, later: SharedLater
) -> CodedVariables:
    from microcred.integrate._common import clean
    from microcred.integrate.quantitize import theme_item_id
    from microcred.quant.results import ItemResult

    summary = coded.summary()
    variables = _as_object(summary, ["n", "base", *_PCT, "mean_count"])
    hidden_code: dict[str, bool] = {}
    cells, masks, primaries = [], [], []
    for i, row in enumerate(summary.to_dict(orient="records")):
        n, base = int(row["n"]), int(row["base"])
        hidden = (0 < n < k) or (base < k and n > 0)
        hidden_code[str(row["code_id"])] = hidden or base < k
        label = _label(n, k, hidden)
        variables.at[i, "n"] = label
        if 0 < base < k:
            variables.at[i, "base"] = f"<{k}"
        if hidden or base < k:
            for column in (*_PCT, "mean_count"):
                if column in variables.columns:
                    variables.at[i, column] = COMPLEMENTARY_LABEL
        cells.append(label)
        masks.append(hidden)
        primaries.append(0 < n < k)
    later.add("codes:variables", _series_suppression(cells, masks, primaries, k))

    segments: list[dict[str, Any]] = []
    if coded.segments is not None and len(coded.segments):
        published = survey.segments
        by_id = {}
        if published is not None and "segment_id" in published.columns:
            by_id = {str(r["segment_id"]): r for r in published.to_dict(orient="records")}
        for rec in coded.segments.to_dict(orient="records"):
            shown = by_id.get(str(rec.get("segment_id")))
            if shown is None:
                n = int(rec.get("n", 0))
                shown = {**rec, "n": _label(n, k, 0 < n < k)}
                if 0 < n < k:
                    shown.update({c: COMPLEMENTARY_LABEL for c in _DERIVED if c in rec})
            segments.append(dict(shown))

    # the theme pseudo-items as published: yes/no of the coded respondents
    by_item = {theme_item_id(code): code for code in coded.labels}
    theme_items: dict[str, ItemResult] = {}
    known_rows: dict[str, set[str]] = {}
    for rec in summary.to_dict(orient="records"):
        item_id = theme_item_id(str(rec["code_id"]))
        n, base = int(rec["n"]), int(rec["base"])
        hidden = hidden_code.get(str(rec["code_id"]), False)
        shown_n = COMPLEMENTARY_LABEL if hidden else n
        shown_no = COMPLEMENTARY_LABEL if hidden else base - n
        theme_items[item_id] = ItemResult(
            item_id=item_id, item_type="single_choice", label=str(rec["label"]),
            construct=None, n_asked=base, n_valid=base, n_missing=0,
            missing_reasons=pd.DataFrame({"reason": [], "n": []}),
            frequencies=pd.DataFrame({"option_id": ["yes", "no"], "n": [shown_n, shown_no]}),
        )  # fmt: skip
        if not hidden:
            known_rows[item_id] = {"yes", "no"}
    items: dict[str, Any] = {**survey.items, **theme_items}
    by_segment = getattr(qual, "by_segment", None) if qual is not None else None
    groupings = []
    shared_groups = []
    holder = SharedResults(results=None, k=k)  # type: ignore[arg-type]
    for comp in coded.by_groups:
        known_cells, hidden_cells = _linked_cells(comp, coded, by_segment, by_item)
        rows = {
            item_id: (known_rows.get(item_id) if _rows_add_up(comp, item_id, summary, by_item)
                      else None)
            for item_id in comp.crosstabs
        }  # fmt: skip
        views: dict[str, Suppression] = {}
        published = _share_comparison(
            comp, items, survey.segments, k, holder, prefix="codes",
            known_cells=known_cells, hidden_cells=hidden_cells,
            known_rows={i: r for i, r in rows.items() if r}, views_out=views,
        )  # fmt: skip
        shared_groups.append(published)
        groupings.append(_grouping_dict(published, views, coded.labels))
    for name, suppression in holder.tables:
        later.add(name, suppression)
    later.withheld += holder.withheld
    document = {
        "variables": variables.to_dict(orient="records"),
        "segments": segments,
        "by_groups": groupings,
        "notes": list(coded.notes),
    }
    copy = dataclasses.replace(coded, by_groups=shared_groups, k=k)
    copy.published = dict(clean(document))
    return copy


def _rows_add_up(comp: Any, item_id: str, summary: pd.DataFrame, by_item: Mapping[str, str]
                 ) -> bool:  # fmt: skip
    """Whether a code crosstab's row totals are the code's published counts."""
    code = by_item.get(item_id)
    table = comp.crosstabs.get(item_id)
    if code is None or table is None or summary.empty:
        return False
    row = summary[summary["code_id"] == code]
    if row.empty:
        return False
    n, base = int(row["n"].iloc[0]), int(row["base"].iloc[0])
    counts = table.apply(pd.to_numeric, errors="coerce").fillna(0)
    yes = int(counts.loc["yes"].sum()) if "yes" in counts.index else 0
    no = int(counts.loc["no"].sum()) if "no" in counts.index else 0
    return yes == n and no == base - n


def _linked_cells(
    comp: Any, coded: CodedVariables, by_segment: pd.DataFrame | None,
    by_item: Mapping[str, str],
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:  # fmt: skip
    """Cells of a codes x segment crosstab that the themes-by-segment table shows or hides.

    The count of "yes" in the segment's own column is the same number as the theme's
    count in that segment when the code applies to one document; the shared table
    already shows (a number) or hides (a label) it, and the crosstab must agree.
    """
    known: dict[str, pd.DataFrame] = {}
    hidden: dict[str, pd.DataFrame] = {}
    if by_segment is None or by_segment.empty:
        return known, hidden
    segment = str(comp.by)
    rows = by_segment[by_segment["segment_id"].astype(str) == segment]
    if rows.empty:
        return known, hidden
    for item_id, table in comp.crosstabs.items():
        code = by_item.get(str(item_id))
        documents = coded.documents.get(code, []) if code is not None else []
        if code is None or len(documents) != 1 or "yes" not in table.index:
            continue
        if segment not in [str(c) for c in table.columns]:
            continue
        match = rows[(rows["code_id"].astype(str) == code)
                     & (rows["document"].astype(str) == str(documents[0]))]  # fmt: skip
        if match.empty:
            continue
        value = match["n"].iloc[0]
        flags = pd.DataFrame(False, index=table.index, columns=table.columns)
        column = next(c for c in table.columns if str(c) == segment)
        flags.loc["yes", column] = True
        if is_hidden(value):
            hidden[str(item_id)] = flags
        elif int(value) == int(pd.to_numeric(table.loc["yes", column])):
            known[str(item_id)] = flags
    return known, hidden


def _grouping_dict(
    comp: Any, views: Mapping[str, Suppression], labels: dict[str, str]
) -> dict[str, Any]:
    """As :meth:`CodedVariables.grouping_dict`, from a shared comparison."""
    from microcred.integrate.coded import grouping_record

    def shared(item_id: str) -> dict[str, dict[str, Any]]:
        table = comp.crosstabs.get(item_id)
        view = views.get(item_id)
        groups: dict[str, dict[str, Any]] = {}
        if table is not None and view is not None:
            for group in table.columns:
                yes = table.loc["yes", group] if "yes" in table.index else 0
                base = view.table.loc[_TOTAL, group]
                pct: Any = None
                if is_hidden(yes) or is_hidden(base):
                    pct = COMPLEMENTARY_LABEL
                elif int(base):
                    pct = int(yes) / int(base)
                groups[str(group)] = {
                    "n": yes if is_hidden(yes) else int(yes),
                    "base": base if is_hidden(base) else int(base),
                    "pct": pct,
                }
        return groups

    return grouping_record(comp, labels, shared)


# --- joint displays -------------------------------------------------------------------


def _share_joint(
    joint: JointDisplays, survey: _Survey, coded: Any, k: int, later: SharedLater
) -> JointDisplays:
    variables: dict[str, dict[str, Any]] = {}
    if coded is not None and getattr(coded, "published", None):
        variables = {str(v["code_id"]): v for v in coded.published.get("variables", [])}
    displays = [_share_display(d, survey, variables, k, later) for d in joint.displays]
    return _mark(dataclasses.replace(joint, displays=displays), k)


def _share_display(
    display: JointDisplay,
    survey: _Survey,
    variables: Mapping[str, Mapping[str, Any]],
    k: int,
    later: SharedLater,
) -> JointDisplay:
    changes: dict[str, Any] = {}
    s = display.survey
    if s is not None:
        row = survey.cell(s.item_id, s.option_id)
        values: dict[str, Any]
        if row is not None and (is_hidden(row.get("n")) or int(row["n"]) == int(s.n)):
            values = {c: row.get(c) for c in ("n", *_PCT)}
        else:
            result = _binary(s.n, s.n_valid, k)
            hidden = bool(result.mask.iloc[0]) or s.n_valid < k
            values = {"n": result.table.iloc[0] if s.n_valid >= k else _label(s.n, k, True)}
            values |= {c: COMPLEMENTARY_LABEL if hidden else getattr(s, c) for c in _PCT}
        changes["survey"] = dataclasses.replace(s, **values)
    themes = []
    for t in display.themes:
        published = variables.get(t.code_id)
        if published is not None and (is_hidden(published.get("n"))
                                      or int(published["n"]) == int(t.n)):  # fmt: skip
            hidden = is_hidden(published.get("n")) or is_hidden(published.get("base"))
            n = published["n"]
        else:
            hidden = 0 < t.n < k or t.n_coded < k
            n = _label(t.n, k, hidden)
        values = {"n": n, "n_coded": t.n_coded if t.n_coded >= k else f"<{k}"}
        values |= {c: COMPLEMENTARY_LABEL if hidden else getattr(t, c) for c in _PCT}
        themes.append(dataclasses.replace(t, **values))
    changes["themes"] = tuple(themes)
    reason = display.reason
    a = display.agreement
    if a is not None:
        values = {}
        if a.n < k:
            values = {"n": f"<{k}", "n_pairs": COMPLEMENTARY_LABEL,
                      "kappa": COMPLEMENTARY_LABEL, "percent_agreement": COMPLEMENTARY_LABEL}
            later.withheld += 2
            old = (f"Cohen's kappa = {a.kappa:.2f} ({a.method}, {a.n} respondents, "
                   f"{a.percent_agreement:.0%} agreement)")
            reason = reason.replace(old, f"Cohen's kappa withheld (fewer than {k} respondents "
                                         "compared)")
            reason = reason.replace(f"kappa is undefined on {a.n} respondents",
                                    f"kappa is undefined on fewer than {k} respondents")
        if a.left_out:
            left = {why: (f"<{k}" if 0 < int(n) < k else int(n)) for why, n in a.left_out.items()}
            old = "; left out: " + ", ".join(f"{n} {why}" for why, n in a.left_out.items())
            new = "; left out: " + ", ".join(f"{n} {why}" for why, n in left.items())
            reason = reason.replace(old, new)
            values["left_out"] = left
            later.add(f"joint-left-out:{display.construct}",
                      _primary_only(list(a.left_out.values()), k))  # fmt: skip
        if values:
            changes["agreement"] = dataclasses.replace(a, **values)
    changes["reason"] = reason
    return dataclasses.replace(display, **changes)


# --- learner profiles -------------------------------------------------------------------


class _ProfileCells:
    """Options x shown profiles, per item, suppressed against the published totals."""

    def __init__(self, integration: Integration, survey: _Survey, k: int, later: SharedLater):
        self.k = k
        self.survey = survey
        self.later = later
        self.profiles = integration.profiles
        self.results = integration.profile_results
        self.briefs = integration.briefs
        self.shown: list[str] = []
        self.merged: list[str] = []
        if self.profiles is not None:
            self.shown, self.merged = published_profiles(self.profiles, k)
        self.sizes = {p.id: int(p.n) for p in self.profiles.profiles} if self.profiles else {}
        self._tables: dict[str, tuple[pd.DataFrame, pd.DataFrame | None] | None] = {}

    def table(self, item_id: str) -> tuple[pd.DataFrame, pd.DataFrame | None] | None:
        """(published options x profiles, published column totals) of an item, or None.

        ``None`` when the item cannot be checked: its profile counts are then hidden.
        """
        if item_id not in self._tables:
            self._tables[item_id] = self._build(item_id)
        return self._tables[item_id]

    def _single_column(self, item_id: str) -> bool:
        """Whether the item is a one-answer column of the profiles' data (with "missing")."""
        if self.profiles is None or self.profiles.missing != "category":
            return False
        columns = self.profiles.columns
        if columns is None or columns.empty or "option_id" not in columns.columns:
            return False
        single = columns[columns["option_id"].isna()]
        return item_id in set(single["item_id"].astype(str))

    def _build(self, item_id: str) -> tuple[pd.DataFrame, pd.DataFrame | None] | None:
        """Options (and, for a profile column, "missing") x shown profiles, suppressed.

        Row totals: the item's counts (known where its table shows them); everyone
        outside the shown profiles is an unpublished column. For a column of the
        profiles' data the column totals are the profiles' sizes (known) and a "missing"
        row gives each profile's respondents without an answer; for another item of a
        brief the column totals are the profiles' answers, published in the brief.
        """
        k = self.k
        exact = self.survey.exact.get(item_id)
        if exact is None or exact.frequencies is None or not self.shown:
            return None
        if any(p not in self.results for p in self.shown):
            return None
        freq = exact.frequencies
        options = [str(o) for o in freq["option_id"]]
        total = pd.to_numeric(freq["n"], errors="coerce").fillna(0).astype(np.int64).to_numpy()
        columns: dict[str, np.ndarray] = {}
        valid: dict[str, int] = {}
        for pid in self.shown:
            item = self.results[pid].items.get(item_id)
            by_option: dict[str, int] = {}
            if item is not None and item.frequencies is not None:
                by_option = {
                    str(o): int(n)
                    for o, n in zip(item.frequencies["option_id"], item.frequencies["n"],
                                    strict=True)  # fmt: skip
                }
            if set(by_option) - set(options):
                return None
            columns[pid] = np.array([by_option.get(o, 0) for o in options], dtype=np.int64)
            valid[pid] = int(item.n_valid) if item is not None else 0
        rest = total - sum(columns.values())
        if (rest < 0).any():
            return None
        multiple = exact.item_type == "multi_choice"
        additive = not multiple and int(total.sum()) == int(exact.n_valid) and all(
            int(columns[p].sum()) == valid[p] for p in self.shown
        )
        with_missing = additive and self._single_column(item_id)
        rows = [*options, MISSING_ROW] if with_missing else list(options)
        names = [*self.shown, _REST]
        inner = pd.DataFrame({**columns, _REST: rest}, index=options)[names]
        row_totals = list(total)
        if with_missing and self.profiles is not None:
            n_profiled = int(self.profiles.n_profiled)
            missing = {p: self.sizes[p] - valid[p] for p in self.shown}
            all_missing = n_profiled - int(exact.n_valid)
            rest_missing = all_missing - sum(missing.values())
            if rest_missing < 0 or any(v < 0 for v in missing.values()):
                return None
            inner.loc[MISSING_ROW] = [*(missing[p] for p in self.shown), rest_missing]
            row_totals.append(all_missing)
        full = inner.copy()
        full[_TOTAL] = row_totals
        if with_missing and self.profiles is not None:
            n_profiled = int(self.profiles.n_profiled)
            sizes = [self.sizes[p] for p in self.shown]
            full.loc[_TOTAL] = [*sizes, n_profiled - sum(sizes), n_profiled]
        elif additive:
            full.loc[_TOTAL] = [*(valid[p] for p in self.shown),
                                int(exact.n_valid) - sum(valid.values()),
                                int(exact.n_valid)]  # fmt: skip
        known = pd.DataFrame(False, index=full.index, columns=full.columns)
        hide = known.copy()
        unpublished = known.copy()
        published_rows = self.survey.hidden_options(item_id)
        for option in options:
            shown = published_rows.get(option)
            if shown is None:
                unpublished.loc[option, _TOTAL] = True
            elif is_hidden(shown):
                hide.loc[option, _TOTAL] = True
            else:
                known.loc[option, _TOTAL] = True
        unpublished.loc[:, _REST] = True
        if with_missing:
            # the sizes, everyone else's number and the missing answers (the item's
            # missing count less the respondents not profiled) are all known
            known.loc[_TOTAL, :] = True
            known.loc[MISSING_ROW, _TOTAL] = True
            unpublished.loc[_TOTAL, _REST] = False
        elif additive:
            known.loc[_TOTAL, _TOTAL] = True
        result = suppress_counts(
            full, k, margins_name=_TOTAL, additive=True, known=known, hide=hide,
            unpublished=unpublished,
        )  # fmt: skip
        shown_cols = list(self.shown)
        cells = result.table.loc[rows, shown_cols]
        mask = result.mask.loc[rows, shown_cols]
        values = inner.loc[rows, shown_cols]
        if result.uniform:
            cells = values.astype(object).mask(values > 0, COMPLEMENTARY_LABEL)
            mask = values > 0
        self.later.add(
            f"profile-item:{item_id}",
            Suppression(table=cells, mask=mask, primary=(values > 0) & (values < k), k=k,
                        uniform=bool(result.uniform)),
        )  # fmt: skip
        totals = None
        if additive and not with_missing:
            totals = result.table.loc[[_TOTAL], shown_cols].astype(object)
            if result.uniform:
                totals = pd.DataFrame(COMPLEMENTARY_LABEL, index=[_TOTAL], columns=shown_cols)
        return cells, totals

    def cell(self, profile_id: str, item_id: str, option_id: str) -> Any:
        """A shown profile's published count of one option (a label when hidden)."""
        table = self.table(item_id)
        if table is None or option_id not in table[0].index:
            return COMPLEMENTARY_LABEL
        return table[0].loc[option_id, profile_id]

    def valid(self, profile_id: str, item_id: str, exact: int) -> Any:
        """A shown profile's published number of answers to an item."""
        table = self.table(item_id)
        if table is not None and MISSING_ROW in table[0].index:
            missing = table[0].loc[MISSING_ROW, profile_id]
            return COMPLEMENTARY_LABEL if is_hidden(missing) else self.sizes[profile_id] - int(
                missing
            )
        if table is None or table[1] is None:
            return exact if exact >= self.k else f"<{self.k}"
        return table[1].loc[_TOTAL, profile_id]

    def evidence(self, profile_id: str) -> Callable[[Recommendation], dict[str, Any]]:
        """Published evidence of the recommendations of a shown profile's brief."""

        def evidence(rec: Recommendation) -> dict[str, Any]:
            ev = rec.evidence
            table = self.table(ev.item_id)
            n_valid = self.valid(profile_id, ev.item_id, int(ev.n_valid))
            if table is None:
                return {"n": COMPLEMENTARY_LABEL, "n_valid": n_valid, "hidden": True}
            column = {o: table[0].loc[o, profile_id] for o in table[0].index}
            if rec.aspect == "importance":
                options = self._top_box_options(profile_id, ev.item_id, int(ev.n))
                if options is None:
                    return {"n": COMPLEMENTARY_LABEL, "n_valid": n_valid, "hidden": True}
            else:
                options = list(rec.options)
            return _sum_evidence(ev.n, n_valid, options, column, is_hidden(n_valid), self.k)

        return evidence

    def _top_box_options(self, profile_id: str, item_id: str, top: int) -> list[str] | None:
        item = self.results.get(profile_id)
        result = item.items.get(item_id) if item is not None else None
        if result is None or result.frequencies is None:
            return None
        freq = result.frequencies.reset_index(drop=True)
        rows = _top_box_cells(freq, float(top))
        return [str(o) for o, r in zip(freq["option_id"], rows, strict=True) if r]




def _share_profiles(
    profiles: Profiles, cells: _ProfileCells, k: int, later: SharedLater
) -> Profiles:
    shown = set(cells.shown)
    merged = [p for p in profiles.profiles if p.id not in shown]
    later.withheld_profiles += len(merged)
    sizes = [int(p.n) for p in profiles.profiles if p.id in shown]
    other_n = int(profiles.n_profiled) - sum(sizes)
    mask = [p.id not in shown for p in profiles.profiles]
    later.add(
        "profiles",
        _series_suppression(
            [COMPLEMENTARY_LABEL if m else int(p.n) for p, m in zip(profiles.profiles, mask,
                                                                    strict=True)],  # fmt: skip
            mask,
            [0 < p.n < k for p in profiles.profiles],
            k,
        ),
    )
    kept = [_share_profile(p, cells, k) for p in profiles.profiles if p.id in shown]
    other = None
    if merged:
        from microcred.integrate._common import wilson

        lo, hi = wilson(other_n, int(profiles.n_profiled))
        other = {
            "name": OTHER_PROFILES,
            "profiles": len(merged),
            "n": other_n,
            "pct": other_n / profiles.n_profiled if profiles.n_profiled else None,
            "ci_low": lo,
            "ci_high": hi,
            "note": (f"{len(merged)} profile(s) not shown: a profile of fewer than {k} "
                     "respondents (with, where needed, the smallest other profile) is "
                     "counted here, its name, traits, quotes and design brief withheld"),
        }  # fmt: skip
    copy = dataclasses.replace(
        profiles,
        profiles=kept,
        assignments=profiles.assignments.iloc[0:0],
        other=other,
    )
    return _mark(copy, k)


_NUMBERS_IN_BRACKETS = re.compile(r" \([^()]*\d[^()]*\)")


def _share_profile(profile: Profile, cells: _ProfileCells, k: int) -> Profile:
    traits = []
    any_hidden = False
    for t in profile.traits:
        option = t.option_id
        count = cells.cell(profile.id, t.item_id, option)
        if is_hidden(count):
            any_hidden = True
            withheld: dict[str, Any] = {"share": COMPLEMENTARY_LABEL, "lift": COMPLEMENTARY_LABEL}
            traits.append(dataclasses.replace(t, **withheld))
        else:
            traits.append(t)
    prefs = _as_object(profile.preferences, ["n", "pct", "sample_pct", "lift"])
    for i, row in enumerate(profile.preferences.to_dict(orient="records")):
        item_id, option = str(row["item_id"]), str(row["option_id"])
        if option == "missing":
            value: Any = cells.cell(profile.id, item_id, MISSING_ROW)
            hidden = is_hidden(value)
        else:
            value = cells.cell(profile.id, item_id, option)
            hidden = is_hidden(value)
        prefs.at[i, "n"] = value
        if hidden:
            prefs.at[i, "pct"] = COMPLEMENTARY_LABEL
            prefs.at[i, "lift"] = COMPLEMENTARY_LABEL
        sample = cells.survey.hidden_options(item_id).get(option)
        if sample is None and option != "missing" or is_hidden(sample):
            prefs.at[i, "sample_pct"] = COMPLEMENTARY_LABEL
            prefs.at[i, "lift"] = COMPLEMENTARY_LABEL
    naming = profile.naming
    if any_hidden:
        naming = _NUMBERS_IN_BRACKETS.sub("", naming)
    return dataclasses.replace(
        profile, traits=tuple(traits), preferences=prefs, naming=naming, members=()
    )


# --- design briefs ----------------------------------------------------------------------


def share_brief(
    brief: Brief,
    k: int = DEFAULT_K,
    *,
    evidence: Callable[[Recommendation], Mapping[str, Any]] | None = None,
) -> Brief:
    """A design brief with the evidence that could give a small count back withheld.

    Parameters
    ----------
    brief : Brief
        As :func:`microcred.design.brief.recommend` made it (exact).
    k : int, default 5
    evidence : callable, optional
        Recommendation -> ``{"n", "n_valid", "hidden"}`` as published (the run passes
        the survey's or the profile's published tables, see the module notes).
        Default: each count on its own against its base.

    Returns
    -------
    Brief
        A copy: hidden evidence counts hold their label, the share and interval of
        hidden evidence are ``"[c]"``, and texts that quote those numbers are
        rewritten without them.
    """
    k = _check_k(k)
    published = evidence or (lambda rec: _standalone(rec.evidence.n, rec.evidence.n_valid, k))
    recs = []
    texts: dict[str, str] = {}  # recommendation texts rewritten, for the design sentences
    for rec in brief.recommendations:
        shown = published(rec)
        hidden = bool(shown.get("hidden")) or is_hidden(shown.get("n")) or is_hidden(
            shown.get("n_valid")
        )
        values: dict[str, Any] = {
            "n": shown.get("n", rec.evidence.n),
            "n_valid": shown.get("n_valid", rec.evidence.n_valid),
        }
        for column in _PCT:
            values[column] = COMPLEMENTARY_LABEL if hidden else getattr(rec.evidence, column)
        ev = dataclasses.replace(rec.evidence, **values)
        changes: dict[str, Any] = {"evidence": ev}
        if hidden or is_hidden(ev.n_valid):
            changes["reason"] = _reason_without_numbers(rec, k, is_hidden(ev.n_valid))
            if rec.aspect == "importance":
                changes["text"] = re.sub(
                    r"^(.*?): \d+% chose (.*)$", r"\1 (the share that chose \2 is withheld)",
                    rec.text,
                )
                texts[rec.text] = changes["text"]
        elif shown.get("others_hidden") and rec.confidence == "divided":
            # the reason quotes the interval of the runner-up, whose count may be hidden
            changes["reason"] = _reason_without_numbers(rec, k, False)
        recs.append(dataclasses.replace(rec, **changes))
    copy = dataclasses.replace(brief, recommendations=recs)
    for name in ("participation", "assessment", "stackability", "credential"):
        value = getattr(copy, name)
        if isinstance(value, str):
            for old, new in texts.items():
                value = value.replace(old, new)
            setattr(copy, name, value)
    if int(brief.n_respondents) < k:
        copy.n_respondents = f"<{k}"  # type: ignore[assignment]
    return _mark(copy, k)


def _reason_without_numbers(rec: Recommendation, k: int, base_hidden: bool) -> str:
    from microcred.quant.results import SMALL_N

    if rec.confidence == "small n":
        return f"fewer than {SMALL_N} valid answers (counts withheld: small numbers)"
    if rec.confidence == "divided":
        reason = re.sub(r" \([^()]*\d+%[^()]*\)", "", rec.reason)
        if base_hidden:
            reason = re.sub(r"only \d+ valid answers", f"fewer than {SMALL_N} valid answers",
                            reason)  # fmt: skip
        return reason + " (counts withheld: small numbers)"
    return "a clear result (counts withheld: small numbers)"


# --- catalogue fit ----------------------------------------------------------------------


def share_fit(fit: Any, profiles: Profiles | None = None, k: int = DEFAULT_K) -> Any:
    """A catalogue fit with small counts suppressed and no respondent id (``microcred fit``).

    Parameters
    ----------
    fit : FitResult
        From :func:`microcred.design.catalogue.fit` (exact; left unchanged).
    profiles : Profiles, optional
        The profiles its per-profile shares are for (only the shown ones are kept:
        :func:`published_profiles`).
    k : int, default 5

    Returns
    -------
    FitResult
        The copy to publish (see the module notes).
    """
    from microcred.integrate.stage import Integration

    k = _check_k(k)
    later = SharedLater(k=k)
    cells = _ProfileCells(Integration(profiles=profiles, k=k), _Survey(None, None, k), k, later)
    return _share_fit(fit, cells, k, later)


def _share_fit(fit: Any, cells: _ProfileCells, k: int, later: SharedLater) -> Any:
    n_resp = int(fit.n_respondents)
    shown_names = {}
    if cells.profiles is not None:
        shown_names = {p.name: p.id for p in cells.profiles.profiles if p.id in cells.shown}
    sizes = {name: cells.sizes[pid] for name, pid in shown_names.items()}
    served_by_course: dict[str, Any] = {}
    courses = _as_object(fit.courses, ["n", *_PCT])
    unmet_columns = [c for c in fit.courses.columns if str(c).startswith("unmet_")]
    courses = _as_object(courses, unmet_columns)
    by_profile = fit.by_profile
    shown_bp = None
    if by_profile is not None:
        shown_bp = _as_object(by_profile[by_profile["profile"].isin(list(sizes))]
                              .reset_index(drop=True), ["n", *_PCT])  # fmt: skip
    for i, row in enumerate(fit.courses.to_dict(orient="records")):
        title = str(row["title"])
        n = int(row["n"])
        per_profile = {}
        if by_profile is not None:
            part = by_profile[by_profile["title"].astype(str) == title]
            per_profile = {
                str(p): int(c)
                for p, c in zip(part["profile"], part["n"], strict=True)
                if str(p) in sizes
            }
        total, groups = _served_table(n, n_resp, per_profile, sizes, k, later, f"fit:{title}")
        served_by_course[title] = groups
        courses.at[i, "n"] = total
        hidden = is_hidden(total)
        if hidden:
            for column in _PCT:
                courses.at[i, column] = COMPLEMENTARY_LABEL
        words = []
        for column in unmet_columns:
            missed = int(row[column])
            label = _label(missed, k, hidden and missed > 0 or 0 < missed < k)
            courses.at[i, column] = label
            if missed > 0:
                words.append((missed, column[len("unmet_"):], label))
        words.sort(key=lambda t: (-t[0], t[1]))
        courses.at[i, "unmet"] = ", ".join(f"{name} ({label})" for _, name, label in words) or (
            "none"
        )
    unmet = _as_object(fit.unmet, ["n", "pct"])
    published_unmet = {
        (str(r["title"]), str(c)[len("unmet_"):]): r[c]
        for r in courses.to_dict(orient="records")
        for c in unmet_columns
    }
    for i, row in enumerate(fit.unmet.to_dict(orient="records")):
        label = published_unmet.get((str(row["title"]), str(row["dimension"])), row["n"])
        unmet.at[i, "n"] = label
        if is_hidden(label):
            unmet.at[i, "pct"] = COMPLEMENTARY_LABEL
    if shown_bp is not None:
        for i, row in enumerate(shown_bp.to_dict(orient="records")):
            value = served_by_course.get(str(row["title"]), {}).get(str(row["profile"]))
            if value is not None:
                shown_bp.at[i, "n"] = value
                if is_hidden(value):
                    for column in _PCT:
                        shown_bp.at[i, column] = COMPLEMENTARY_LABEL
    # respondents served by no course, overall and per shown profile
    n_unserved = len(fit.unserved)
    per_profile_unserved = {}
    table = fit.profiles
    if table is not None:
        per_profile_unserved = {str(p): int(u) for p, u in zip(table["profile"],
                                table["n_unserved"], strict=True) if str(p) in sizes}  # fmt: skip
    unserved_total, unserved_groups = _served_table(
        n_unserved, n_resp, per_profile_unserved, sizes, k, later, "fit:unserved"
    )
    profiles_table = None
    if table is not None:
        profiles_table = _as_object(
            table[table["profile"].isin(list(sizes))].reset_index(drop=True),
            ["n_unserved", "pct_unserved", "best_pct"],
        )
        for i, row in enumerate(profiles_table.to_dict(orient="records")):
            value = unserved_groups.get(str(row["profile"]), COMPLEMENTARY_LABEL)
            profiles_table.at[i, "n_unserved"] = value
            if is_hidden(value):
                profiles_table.at[i, "pct_unserved"] = COMPLEMENTARY_LABEL
            best = served_by_course.get(str(row["best_course"]), {}).get(str(row["profile"]))
            if best is None or is_hidden(best):
                profiles_table.at[i, "best_pct"] = COMPLEMENTARY_LABEL
    changes = _share_changes(fit.changes, unserved_total, sizes, k, later)
    copy = dataclasses.replace(
        fit,
        courses=courses,
        by_profile=shown_bp,
        unmet=unmet,
        unserved=fit.unserved.iloc[0:0],
        profiles=profiles_table,
        changes=changes,
        unserved_n=unserved_total,
    )
    return _mark(copy, k)


def _served_table(
    n: int,
    base: int,
    per_profile: Mapping[str, int],
    sizes: Mapping[str, int],
    k: int,
    later: SharedLater,
    name: str,
) -> tuple[Any, dict[str, Any]]:
    """``n`` of ``base`` respondents, and per shown profile, suppressed together.

    A 2 x (profiles + everyone else) table: served / not served; column totals the
    profiles' sizes (shown) and everyone else's (worked out); row totals ``n`` and
    ``base - n`` (shown unless the one-way check hides them).
    """
    overall = _binary(n, base, k)
    total_label = overall.table.iloc[0]
    total_hidden = bool(overall.mask.iloc[0]) or overall.uniform
    names = [p for p in sizes if p in per_profile]
    if not names:
        later.add(name, _series_suppression([total_label], [total_hidden],
                                            [0 < n < k], k))  # fmt: skip
        return total_label, {}
    served = [per_profile[p] for p in names]
    rest_served = n - sum(served)
    rest_size = base - sum(sizes[p] for p in names)
    if rest_served < 0 or rest_size < rest_served:
        hidden_all = {
            p: COMPLEMENTARY_LABEL if v > 0 else 0 for p, v in zip(names, served, strict=True)
        }
        later.add(name, _primary_only([n, *served], k))
        return total_label, hidden_all
    columns = [*names, _REST]
    full = pd.DataFrame(
        [[*served, rest_served, n],
         [*(sizes[p] - v for p, v in zip(names, served, strict=True)), rest_size - rest_served,
          base - n],
         [*(sizes[p] for p in names), rest_size, base]],
        index=["served", "not", _TOTAL], columns=[*columns, _TOTAL],
    )  # fmt: skip
    known = pd.DataFrame(False, index=full.index, columns=full.columns)
    known.loc[_TOTAL, :] = True
    hide = known & False
    if total_hidden:
        hide.loc[["served", "not"], _TOTAL] = True
    else:
        known.loc[["served", "not"], _TOTAL] = True
    unpublished = known & False
    unpublished.loc[:, _REST] = True
    unpublished.loc[_TOTAL, _REST] = False
    result = suppress_counts(full, k, margins_name=_TOTAL, known=known, hide=hide,
                             unpublished=unpublished)  # fmt: skip
    out = {}
    for p in names:
        hidden = bool(result.mask.loc["served", p] or result.mask.loc["not", p]) or result.uniform
        value = int(full.loc["served", p])
        out[p] = _label(value, k, hidden and value > 0) if not (hidden and value == 0) else (
            COMPLEMENTARY_LABEL
        )
    later.add(name, _series_suppression(
        [total_label, *out.values()],
        [total_hidden, *(is_hidden(v) for v in out.values())],
        [0 < n < k, *(0 < v < k for v in served)],
        k, uniform=bool(result.uniform),
    ))  # fmt: skip
    return total_label, out


def _share_changes(
    changes: pd.DataFrame, unserved: Any, sizes: Mapping[str, int], k: int, later: SharedLater
) -> pd.DataFrame:
    if changes is None or changes.empty:
        return changes
    out = _as_object(changes, ["n_reached", "pct_of_unserved"])
    for i, row in enumerate(changes.to_dict(orient="records")):
        n = int(row["n_reached"])
        hidden = 0 < n < k
        out.at[i, "n_reached"] = _label(n, k, hidden)
        if hidden or is_hidden(unserved):
            out.at[i, "pct_of_unserved"] = COMPLEMENTARY_LABEL
        counts = row.get("by_profile_n")
        if isinstance(counts, Mapping) and counts:
            merged: dict[str, int] = {}
            for profile, c in counts.items():
                key = profile if profile in sizes else OTHER_PROFILES
                merged[key] = merged.get(key, 0) + int(c)
            values = list(merged.values())
            if hidden:
                labels = [COMPLEMENTARY_LABEL if v > 0 else 0 for v in values]
                mask = [v > 0 for v in values]
            else:
                series = pd.Series([*values, n], index=[*range(len(values)), _TOTAL])
                known = pd.Series([False] * len(values) + [True], index=series.index)
                result = suppress_counts(series, k, margins_name=_TOTAL, known=known)
                mask = list(np.asarray(result.mask.iloc[:-1], dtype=bool))
                labels = (
                    [COMPLEMENTARY_LABEL if v > 0 else 0 for v in values]
                    if result.uniform
                    else list(result.table.iloc[:-1])
                )
            later.add(f"fit-change:{i}", _series_suppression(
                labels, mask, [0 < v < k for v in values], k))  # fmt: skip
            shown = dict(zip(merged, labels, strict=True))
            out.at[i, "by_profile_n"] = shown
            out.at[i, "by_profile"] = ", ".join(f"{p}: {v}" for p, v in shown.items())
        elif isinstance(row.get("by_profile"), str) and row.get("by_profile"):
            out.at[i, "by_profile"] = COMPLEMENTARY_LABEL
    return out
