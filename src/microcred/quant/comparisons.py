"""Comparisons across groups: crosstab tests, rank tests, effect sizes and Holm correction.

Categorical outcomes (single choice; each option of a multiple-choice item as ticked /
not ticked) are tested on the crosstab with Pearson's chi-square, or Fisher's exact test
when an expected count is below 5. Ordered and numeric outcomes (ordinal, Likert,
rating, numeric) are tested with Mann-Whitney U (two groups) or Kruskal-Wallis H (three
or more). Each comparison of the study file is one family for the Holm correction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from microcred.quant._data import SCALE_TYPES, Prepared
from microcred.quant.results import SMALL_N, ComparisonResult, membership_signature
from microcred.quant.segments import label_of, membership_masks

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from microcred.study.models import Comparison, Study

__all__ = [
    "FISHER_RESAMPLES",
    "FISHER_SEED",
    "compare",
    "cramers_v",
    "crosstab_test",
    "holm",
    "rank_test",
]

MIN_EXPECTED = 5.0
"""Below this smallest expected count the crosstab is tested with Fisher's exact test."""
FISHER_RESAMPLES = 10_000
"""Monte Carlo tables of the Fisher test beyond 2x2."""
FISHER_SEED = 20230
"""Seed of the Monte Carlo Fisher test (fixed so results are reproducible)."""
TEST_COLUMNS = [
    "item_id",
    "option_id",
    "test",
    "statistic",
    "dof",
    "p_value",
    "p_holm",
    "effect",
    "effect_size",
    "n",
    "min_group_n",
    "min_expected",
    "small_n",
    "note",
]
ORDERED_TYPES = SCALE_TYPES | {"numeric"}
GROUPING_TYPES = frozenset({"single_choice"}) | SCALE_TYPES


def _empty(note: str, n: int = 0) -> dict[str, Any]:
    nan = float("nan")
    return {"test": None, "statistic": nan, "dof": nan, "p_value": nan, "effect": None,
            "effect_size": nan, "n": n, "min_group_n": 0, "min_expected": nan, "note": note}


def cramers_v(table: ArrayLike) -> float:
    """Cramér's V of a contingency table, without bias correction.

    Parameters
    ----------
    table : array_like of int, shape (r, c)
        Counts; rows or columns that are all zero are dropped.

    Returns
    -------
    float
        ``sqrt(chi2 / (n * (min(r, c) - 1)))`` with Pearson's chi-square computed
        without Yates' correction; NaN when the table has fewer than 2 non-empty rows
        or columns.

    Notes
    -----
    The bias-corrected version of Bergsma (2013) is not used, so V matches SPSS and
    :func:`scipy.stats.contingency.association` (``method="cramer"``).

    References
    ----------
    .. [1] Cramér, H. (1946). Mathematical Methods of Statistics. Princeton, p. 282.
    """
    from scipy.stats import chi2_contingency

    obs = _trim(np.asarray(table))
    if min(obs.shape) < 2:
        return float("nan")
    chi2 = chi2_contingency(obs, correction=False).statistic
    return float(np.sqrt(chi2 / (obs.sum() * (min(obs.shape) - 1))))


def _trim(obs: np.ndarray) -> np.ndarray:
    if obs.ndim != 2:
        raise ValueError("a contingency table must be two-dimensional")
    obs = obs[obs.sum(axis=1) > 0]
    return obs[:, obs.sum(axis=0) > 0]


def crosstab_test(
    table: ArrayLike,
    *,
    min_expected: float = MIN_EXPECTED,
    n_resamples: int = FISHER_RESAMPLES,
    seed: int = FISHER_SEED,
) -> dict[str, Any]:
    """Test independence of the rows and columns of a contingency table.

    Parameters
    ----------
    table : array_like of int, shape (r, c)
        Counts (e.g. options x groups). All-zero rows and columns are dropped first.
    min_expected : float, default 5
        Below this smallest expected count Fisher's exact test replaces chi-square.
    n_resamples : int, default 10000
        Monte Carlo tables for Fisher's test beyond 2x2.
    seed : int, default :data:`FISHER_SEED`

    Returns
    -------
    dict
        ``test`` (``"chi2"``, ``"fisher"`` for a 2x2 table, ``"fisher_mc"`` beyond,
        ``None`` when there is nothing to test), ``statistic`` (chi-square; the sample
        odds ratio for ``fisher``; NaN for ``fisher_mc``), ``dof`` (NaN for Fisher),
        ``p_value``, ``effect`` (``"cramers_v"``), ``effect_size``, ``n``,
        ``min_group_n`` (smallest column total), ``min_expected``, ``note``.

    Notes
    -----
    Chi-square is :func:`scipy.stats.chi2_contingency` with its default Yates
    continuity correction, which applies to 2x2 tables only (as R ``chisq.test``); no
    correction beyond 2x2. Fisher's test is :func:`scipy.stats.fisher_exact`: exact
    for 2x2; beyond 2x2 the Freeman-Halton p-value is estimated from ``n_resamples``
    random tables with the observed margins (``MonteCarloMethod``, fixed seed), as R
    ``fisher.test(simulate.p.value = TRUE)``. Cramér's V: see :func:`cramers_v`.

    References
    ----------
    .. [1] Pearson, K. (1900). Phil. Mag. 50(302), 157-175.
    .. [2] Fisher, R. A. (1935). The Design of Experiments.
    .. [3] Freeman, G. H. & Halton, J. H. (1951). Biometrika 38(1/2), 141-149.
    """
    from scipy import stats

    obs = _trim(np.asarray(table, dtype=np.int64))
    n = int(obs.sum())
    if min(obs.shape) < 2:
        return _empty("only one answer category or one group: nothing to compare", n)
    res = stats.chi2_contingency(obs)
    smallest = float(res.expected_freq.min())
    out: dict[str, Any] = {
        "test": "chi2",
        "statistic": float(res.statistic),
        "dof": float(res.dof),
        "p_value": float(res.pvalue),
        "effect": "cramers_v",
        "effect_size": cramers_v(obs),
        "n": n,
        "min_group_n": int(obs.sum(axis=0).min()),
        "min_expected": smallest,
        "note": "",
    }
    if smallest < min_expected:
        if obs.shape == (2, 2):
            fisher = stats.fisher_exact(obs)
            out.update(test="fisher", statistic=float(fisher.statistic), dof=float("nan"),
                       p_value=float(fisher.pvalue),
                       note=f"expected count below {min_expected:g}: Fisher's exact test")
        else:
            method = stats.MonteCarloMethod(
                n_resamples=n_resamples, rng=np.random.default_rng(seed)
            )
            fisher = stats.fisher_exact(obs, method=method)
            out.update(test="fisher_mc", statistic=float("nan"), dof=float("nan"),
                       p_value=float(fisher.pvalue),
                       note=f"expected count below {min_expected:g}: Fisher's exact test, "
                       f"p-value from {n_resamples:,} Monte Carlo tables")
    return out


def rank_test(
    values: ArrayLike,
    groups: ArrayLike,
    *,
    order: list[Any] | None = None,
    alternative: str = "two-sided",
) -> dict[str, Any]:
    """Mann-Whitney U (two groups) or Kruskal-Wallis H (three or more) with effect size.

    Parameters
    ----------
    values : array_like of float, shape (n,)
        Ordered or numeric answers; NaN are dropped.
    groups : array_like, shape (n,)
        Group of each answer.
    order : list, optional
        Groups in the order to use (the first is ``x`` of Mann-Whitney); by default the
        order of first appearance. Groups without values are dropped.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        Mann-Whitney alternative (``"greater"``: the first group tends higher).

    Returns
    -------
    dict
        ``test`` (``"mann_whitney"``, ``"kruskal"`` or ``None``), ``statistic`` (U of
        the first group; H), ``dof`` (NaN; k - 1), ``p_value``, ``effect``
        (``"rank_biserial"``; ``"epsilon_squared"``), ``effect_size``, ``n``,
        ``min_group_n``, ``note``.

    Notes
    -----
    Mann-Whitney: :func:`scipy.stats.mannwhitneyu`, exact when both groups have fewer
    than 50 values and there are no ties, otherwise the normal approximation with tie
    and continuity correction (the defaults of R ``wilcox.test``). Rank-biserial
    correlation ``r = 2 U1 / (n1 n2) - 1`` (Kerby 2014): positive when the first group
    tends higher; it equals pingouin ``mwu``'s ``RBC``.

    Kruskal-Wallis: :func:`scipy.stats.kruskal` (tie-corrected H, chi-square with k - 1
    df). Epsilon-squared ``H / ((n^2 - 1) / (n + 1))`` (Tomczak & Tomczak 2014).

    References
    ----------
    .. [1] Mann, H. B. & Whitney, D. R. (1947). Ann. Math. Statist. 18(1), 50-60.
    .. [2] Kruskal, W. H. & Wallis, W. A. (1952). JASA 47(260), 583-621.
    .. [3] Kerby, D. S. (2014). The simple difference formula: an approach to teaching
       nonparametric correlation. Comprehensive Psychology 3, 11.IT.3.1.
    .. [4] Tomczak, M. & Tomczak, E. (2014). The need to report effect size estimates
       revisited. Trends in Sport Sciences 1(21), 19-25.
    """
    from scipy import stats

    x = np.asarray(values, dtype=float).reshape(-1)
    g = np.asarray(groups).reshape(-1)
    if x.size != g.size:
        raise ValueError("values and groups must have the same length")
    keep = np.isfinite(x)
    x, g = x[keep], g[keep]
    labels = list(order) if order is not None else list(pd.unique(g))
    samples = [x[g == label] for label in labels]
    samples = [s for s in samples if s.size]
    n = int(sum(s.size for s in samples))
    if len(samples) < 2:
        return _empty("fewer than two groups with answers: nothing to compare", n)
    min_group = int(min(s.size for s in samples))
    if np.all(x == x[0]):
        out = _empty("every answer is the same: nothing to compare", n)
        out["min_group_n"] = min_group
        return out
    if len(samples) == 2:
        a, b = samples
        exact = a.size < 50 and b.size < 50 and np.unique(x).size == x.size
        res = stats.mannwhitneyu(
            a, b, alternative=alternative, method="exact" if exact else "asymptotic"
        )
        u = float(res.statistic)
        return {"test": "mann_whitney", "statistic": u, "dof": float("nan"),
                "p_value": float(res.pvalue), "effect": "rank_biserial",
                "effect_size": 2.0 * u / (a.size * b.size) - 1.0, "n": n,
                "min_group_n": min_group, "min_expected": float("nan"), "note": ""}
    res = stats.kruskal(*samples)
    h = float(res.statistic)
    return {"test": "kruskal", "statistic": h, "dof": float(len(samples) - 1),
            "p_value": float(res.pvalue), "effect": "epsilon_squared",
            "effect_size": h / ((n * n - 1) / (n + 1)), "n": n, "min_group_n": min_group,
            "min_expected": float("nan"), "note": ""}


def holm(pvalues: ArrayLike) -> np.ndarray:
    """Holm step-down adjusted p-values; NaN entries are left out and kept NaN.

    Parameters
    ----------
    pvalues : array_like of float, shape (m,)

    Returns
    -------
    numpy.ndarray of float, shape (m,)

    Notes
    -----
    :func:`statsmodels.stats.multitest.multipletests` with ``method="holm"``, equal to
    R ``p.adjust(p, "holm")``.

    References
    ----------
    .. [1] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       Scandinavian Journal of Statistics 6(2), 65-70.
    """
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float).reshape(-1)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


def _groups(
    prepared: Prepared, study: Study, by: str, masks: dict[str, np.ndarray], language: str
) -> tuple[np.ndarray, pd.DataFrame, str, str | None]:
    """Group index per respondent (-1 outside every group), groups frame, label, problem."""
    empty = pd.DataFrame({"group_id": [], "label": [], "n": []}).astype({"n": "int64"})
    if by in masks:
        segment = next(s for s in study.segments if s.id == by)
        label = label_of(segment.label, language, by)
        group = np.where(masks[by], 0, 1)
        n_in = int(masks[by].sum())
        frame = pd.DataFrame({
            "group_id": [by, f"not_{by}"],
            "label": [label, "Everyone else"],
            "n": [n_in, prepared.n - n_in],
        })
        return group, frame, label, None
    item = study.item(by)
    label = item.label(language)
    if item.type not in GROUPING_TYPES:
        problem = (
            f"cannot form groups from a {item.type} item"
            + (" (respondents can tick several options)" if item.type == "multi_choice" else "")
            + ": define a segment instead"
        )
        return np.full(prepared.n, -1), empty, label, problem
    data = prepared.item(item)
    cat = data.category_by_respondent()
    counts = np.bincount(cat[cat >= 0], minlength=len(data.row_ids))
    used = np.flatnonzero(counts > 0)
    remap = np.full(len(data.row_ids) + 1, -1)
    remap[used] = np.arange(used.size)
    group = remap[cat]  # cat == -1 picks the last entry, -1
    frame = pd.DataFrame({
        "group_id": [data.row_ids[i] for i in used],
        "label": [data.labels[i] for i in used],
        "n": counts[used].astype(np.int64),
    })
    return group, frame, label, None


def _outcomes(study: Study, comparison: Comparison) -> list[str]:
    if comparison.items:
        return [i for i in comparison.items if i != comparison.by]
    defining = {c.item for s in study.segments if s.id == comparison.by for c in s.where}
    return [
        i.id for i in study.items
        if i.type != "open_text" and i.id != comparison.by and i.id not in defining
    ]


def run_comparison(
    prepared: Prepared,
    study: Study,
    comparison: Comparison,
    masks: dict[str, np.ndarray],
    language: str,
) -> ComparisonResult:
    """One comparison on already prepared answers.

    Parameters
    ----------
    prepared : Prepared
        The factorised answers.
    study : Study
    comparison : Comparison
    masks : dict of str -> numpy.ndarray of bool
        Segment membership (:func:`microcred.quant.segments.membership_masks`).
    language : str
        Label language.

    Returns
    -------
    ComparisonResult
        See :func:`compare`.
    """
    group, groups, label, problem = _groups(prepared, study, comparison.by, masks, language)
    group_ids = list(groups["group_id"])
    n_groups = len(group_ids)
    rows: list[dict[str, Any]] = []
    crosstabs: dict[str, pd.DataFrame] = {}
    for item_id in _outcomes(study, comparison):
        item = study.item(item_id)
        base = {"item_id": item_id, "option_id": None}
        if problem is not None:
            rows.append({**base, **_empty(problem)})
            continue
        if item.type == "open_text":
            rows.append({**base, **_empty("open answers are not tested")})
            continue
        data = prepared.item(item)
        grp = group[data.resp]
        inside = grp >= 0
        resp, cat, val, grp = data.resp[inside], data.cat[inside], data.val[inside], grp[inside]
        n_rows = len(data.row_ids)
        if item.type != "numeric" and n_rows:
            counts = np.bincount(cat * n_groups + grp, minlength=n_rows * n_groups)
            crosstabs[item_id] = pd.DataFrame(
                counts.reshape(n_rows, n_groups), index=pd.Index(data.row_ids, name="option_id"),
                columns=pd.Index(group_ids, name="group_id"),
            )
        if item.type == "single_choice":
            rows.append({**base, **crosstab_test(crosstabs[item_id].to_numpy())})
        elif item.type == "multi_choice":
            answered = np.zeros(prepared.n, dtype=bool)
            answered[resp] = True
            per_group = np.bincount(group[answered], minlength=n_groups)
            ticks = crosstabs[item_id].to_numpy()
            for r, option_id in enumerate(data.row_ids):
                table = np.vstack([ticks[r], per_group - ticks[r]])
                result = crosstab_test(table)
                rows.append({**base, "option_id": option_id, **result})
        elif item.type in ORDERED_TYPES:
            rows.append({**base, **rank_test(val, grp, order=list(range(n_groups)))})
    tests = pd.DataFrame(rows, columns=TEST_COLUMNS)
    if rows:
        _finish(tests)
    ids = prepared.respondent_ids
    members = {  # who is in each group, for linking the suppression of the same cells
        str(g): membership_signature(ids[group == i]) for i, g in enumerate(group_ids)
    }
    return ComparisonResult(
        by=comparison.by, label=label, groups=groups, tests=tests, crosstabs=crosstabs,
        members=members,
    )


def _finish(tests: pd.DataFrame) -> None:
    """Holm within the family, the small-n flag and the notes."""
    tests["p_holm"] = holm(tests["p_value"].to_numpy(dtype=float))
    tests["min_group_n"] = tests["min_group_n"].fillna(0).astype("int64")
    tests["small_n"] = tests["test"].notna() & (
        tests["min_group_n"] < SMALL_N
    )
    notes = []
    for note, small, smallest in zip(
        tests["note"].fillna(""), tests["small_n"], tests["min_group_n"], strict=True
    ):
        extra = f"smallest group has {int(smallest)} answers (under {SMALL_N})" if small else ""
        notes.append("; ".join(t for t in (note, extra) if t))
    tests["note"] = notes
    tests["n"] = tests["n"].astype("int64")


def compare(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame | None = None,
    comparison: Comparison | None = None,
    *,
    asked: dict[str, set[str]] | None = None,
) -> list[ComparisonResult]:
    """Run the study's comparisons (or one of them) on the long answers.

    Parameters
    ----------
    study : Study
        Items, segments and ``comparisons``.
    answers : pandas.DataFrame
        Long answers (``microcred.ingest.answers.ANSWER_COLUMNS``).
    respondents : pandas.DataFrame, optional
        Respondents kept for analysis; by default every respondent in ``answers``.
    comparison : Comparison, optional
        Run only this comparison (default: every comparison of the study).
    asked : dict of str -> set of str, optional
        Item id -> sources where the item was asked (``None``: all).

    Returns
    -------
    list of ComparisonResult
        One per comparison. ``by`` an item: groups are its options chosen by at least
        one respondent; ``by`` a segment: the segment against everyone else. Outcomes
        are ``comparison.items`` or every closed item (except ``by`` and, for a segment,
        the items that define it). Single choice: one crosstab test; multiple choice:
        one test per option (ticked vs not ticked among those who answered); ordered
        and numeric items: :func:`rank_test`. ``p_holm`` is Holm-adjusted within the
        comparison. ``small_n`` flags tests whose smallest group has fewer than
        :data:`~microcred.quant.results.SMALL_N` answers. ``tests`` also has
        ``option_id`` (multiple choice) and ``min_group_n``.

    Raises
    ------
    microcred.errors.InputError
        If a required column is missing.

    Notes
    -----
    See :func:`crosstab_test`, :func:`rank_test` and :func:`holm` for the methods.
    """
    language = study.study.languages[0] if study.study.languages else "en"
    prepared = Prepared(answers, respondents, asked, language=language)
    masks = membership_masks(prepared, study)
    wanted = [comparison] if comparison is not None else list(study.comparisons)
    return [run_comparison(prepared, study, c, masks, language) for c in wanted]
