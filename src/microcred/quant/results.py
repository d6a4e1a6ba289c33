"""Results of the quantitative analysis: what the report renders and results.json holds.

Proportions are fractions in [0, 1]; the report formats them as percentages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

SMALL_N = 30
"""Below this many valid answers an estimate carries a small-n warning."""


@dataclass
class ItemResult:
    """Everything computed for one item.

    Attributes
    ----------
    item_id, item_type, label, construct : str
        From the study file (``construct`` may be ``None``).
    n_asked : int
        Respondents in the sources where the item exists.
    n_valid : int
        Respondents with a usable answer (the base of every percentage).
    n_missing : int
        ``n_asked - n_valid``.
    missing_reasons : pandas.DataFrame
        Columns ``reason`` (``"no answer"`` or the export's reason), ``n``.
    frequencies : pandas.DataFrame or None
        Choice items, one row per option in the study's order, then ``other``:
        ``option_id, label, n, pct, ci_low, ci_high`` (Wilson 95%, base ``n_valid``);
        multi_choice adds ``pct_mentions`` (share of all ticks); ordinal, likert and
        rating add ``cum_pct``; ``value`` when options are scored.
    summary : dict or None
        Likert/rating/ordinal: ``n, mean, sd, median, q1, q3, iqr, top2_n, top2_pct,
        top2_ci_low, top2_ci_high``; numeric: ``n, mean, sd, median, q1, q3, iqr,
        median_ci_low, median_ci_high, mean_ci_low, mean_ci_high`` (bootstrap 95%).
    small_n : bool
        ``n_valid < SMALL_N``.
    other_texts : int
        How many 'Other' free texts were given (the texts are not copied here).
    notes : list of str
        Plain-language caveats for the reader.
    """

    item_id: str
    item_type: str
    label: str
    construct: str | None
    n_asked: int
    n_valid: int
    n_missing: int
    missing_reasons: pd.DataFrame
    frequencies: pd.DataFrame | None = None
    summary: dict[str, float] | None = None
    small_n: bool = False
    other_texts: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class ComparisonResult:
    """One family of tests: items compared across the groups of ``by``.

    Attributes
    ----------
    by : str
        Item or segment id that defines the groups.
    label : str
        Human label of ``by``.
    groups : pandas.DataFrame
        ``group_id, label, n``.
    tests : pandas.DataFrame
        One row per compared item: ``item_id, test`` (``chi2``, ``fisher``,
        ``fisher_mc``, ``mann_whitney``, ``kruskal``), ``statistic, dof, p_value,
        p_holm, effect`` (``cramers_v``, ``rank_biserial``, ``epsilon_squared``),
        ``effect_size, n, min_expected, small_n, note``.
    crosstabs : dict of str -> pandas.DataFrame
        Item id -> counts, index = option ids, columns = group ids.
    members : dict of str -> str
        Group id -> signature of its members (a hash of the sorted respondent ids,
        :func:`membership_signature`): groups of different comparisons with the same
        respondents publish the same cells, which small-cell suppression must treat
        alike. Never published. Empty when unknown.
    """

    by: str
    label: str
    groups: pd.DataFrame
    tests: pd.DataFrame
    crosstabs: dict[str, pd.DataFrame] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)


def membership_signature(respondent_ids: Any) -> str:
    """A signature of a set of respondents: SHA-256 of the sorted distinct ids.

    Parameters
    ----------
    respondent_ids : iterable of str, shape (n,)

    Returns
    -------
    str
        64 hex digits; equal sets give equal signatures (order and repeats ignored).

    Notes
    -----
    SHA-256 (FIPS 180-4) over the ids joined by NUL characters.
    """
    import hashlib

    joined = "\0".join(sorted({str(i) for i in respondent_ids}))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


@dataclass
class QuantResults:
    """The whole quantitative analysis of a study.

    Attributes
    ----------
    n_respondents : int
        Respondents kept for analysis.
    sample : pandas.DataFrame
        ``source_id, language, n`` per source.
    items : dict of str -> ItemResult
        In the study file's item order.
    rankings : dict of str -> pandas.DataFrame
        Construct id -> options of its choice items ranked by share of respondents:
        ``item_id, option_id, label, n, pct, ci_low, ci_high, rank`` (the motivation
        ranking is ``rankings["motivation"]``).
    segments : pandas.DataFrame
        ``segment_id, label, n, pct, ci_low, ci_high``.
    comparisons : list of ComparisonResult
    extra : dict
        Anything a later stage adds (kept in results.json under its own key).
    """

    n_respondents: int
    sample: pd.DataFrame
    items: dict[str, ItemResult]
    rankings: dict[str, pd.DataFrame] = field(default_factory=dict)
    segments: pd.DataFrame | None = None
    comparisons: list[ComparisonResult] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
