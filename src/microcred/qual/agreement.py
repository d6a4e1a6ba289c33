"""Inter-coder agreement on units: percent agreement, kappas, Krippendorff's alpha, AC1.

Agreement is measured on units (an answer, a transcript turn), not on characters: for
each code, every coder says whether the code applies to a unit (``present`` 1) or not
(0), and a unit a coder did not code is missing, never 0. :func:`agreement_table` gives
one row per code plus a pooled ``overall`` row; :func:`pairwise_agreement` the same for
one pair of coders (human-human or human-machine).

The coefficient functions (:func:`percent_agreement`, :func:`cohen_kappa`,
:func:`fleiss_kappa`, :func:`krippendorff_alpha`, :func:`gwet_ac1`) take a ratings
matrix of shape (n_units, n_coders) of nominal categories with ``NaN`` for missing
ratings, and return ``NaN`` (without warning) where the coefficient is undefined.
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from microcred.errors import InputError

__all__ = [
    "NO_VARIATION",
    "TABLE_COLUMNS",
    "agreement_table",
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "kappa_label",
    "krippendorff_alpha",
    "pairwise_agreement",
    "percent_agreement",
    "ratings_matrix",
    "verdict",
]

NO_VARIATION = "no variation: only one category used"
"""Reason given when every rating falls in one category (chance-corrected 0/0)."""

NO_PAIRS = "no unit coded by two or more coders"
"""Reason given when no unit can be compared."""

TABLE_COLUMNS = (
    "code_id", "n_units", "n_coders", "prevalence", "percent_agreement",
    "cohen_kappa", "kappa_ci_low", "kappa_ci_high", "fleiss_kappa",
    "krippendorff_alpha", "alpha_ci_low", "alpha_ci_high",
    "gwet_ac1", "ac1_ci_low", "ac1_ci_high", "kappa_label", "verdict", "note",
)
"""Columns of :func:`agreement_table` (``pairwise_agreement`` adds ``coder_a``, ``coder_b``)."""

OVERALL = "overall"
_PRESENCE = (0.0, 1.0)


# ----------------------------------------------------------------------- core statistics


def _matrix(ratings: Any) -> np.ndarray:
    matrix = np.asarray(ratings, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"ratings must be 2-dimensional (units x coders), got {matrix.ndim}")
    return matrix


def _indices(matrix: np.ndarray, categories: Sequence[float] | None) -> tuple[np.ndarray, int]:
    """Category index of every rating (-1 where missing) and the number of categories."""
    observed = np.unique(matrix[~np.isnan(matrix)])
    domain = observed if categories is None else np.asarray(categories, dtype=float)
    index = np.full(matrix.shape, -1, dtype=np.int64)
    present = ~np.isnan(matrix)
    if present.any():
        position = np.searchsorted(np.sort(domain), matrix[present])
        position = np.clip(position, 0, len(domain) - 1)
        if not np.array_equal(np.sort(domain)[position], matrix[present]):
            raise ValueError("ratings hold values outside the given categories")
        index[present] = position
    return index, len(domain)


def _counts(index: np.ndarray, q: int) -> np.ndarray:
    """r_ik: number of coders who put unit i in category k, shape (n_units, q)."""
    return (index[:, :, np.newaxis] == np.arange(q)).sum(axis=1).astype(float)


def _pa_pi(counts: np.ndarray) -> tuple[float, np.ndarray, int]:
    """Observed agreement over units rated twice or more, and category propensities.

    ``pa`` is Fleiss' mean pairwise agreement over units with r_i >= 2; ``pi_k`` is the
    mean over units with r_i >= 1 of r_ik / r_i (Gwet 2014, eq. for missing ratings).
    """
    r = counts.sum(axis=1)
    pairable = r >= 2
    n_pairable = int(pairable.sum())
    rated = r >= 1
    if rated.any():
        pi = (counts[rated] / r[rated, np.newaxis]).mean(axis=0)
    else:
        pi = np.full(counts.shape[1], np.nan)
    if n_pairable == 0:
        return math.nan, pi, 0
    c = counts[pairable]
    rp = r[pairable]
    pa = float(((c * (c - 1)).sum(axis=1) / (rp * (rp - 1))).mean())
    return pa, pi, n_pairable


def _single_category(counts: np.ndarray) -> bool:
    """Whether every rating on a comparable unit falls in one category."""
    pairable = counts[counts.sum(axis=1) >= 2]
    return int((pairable.sum(axis=0) > 0).sum()) <= 1


def _stats(index: np.ndarray, q: int, cohen: bool) -> dict[str, Any]:
    """Every coefficient of one ratings matrix, with the reason of each NaN."""
    counts = _counts(index, q)
    pa, pi, n_pairable = _pa_pi(counts)
    out: dict[str, Any] = {"percent_agreement": pa, "reasons": {}}
    names = ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1") + (("cohen_kappa",) if cohen else ())
    if n_pairable == 0:
        for name in names:
            out[name] = math.nan
            out["reasons"][name] = NO_PAIRS
        return out
    # Gwet's AC1 (Gwet 2008; 2014): chance agreement from category propensities.
    if q < 2:
        out["gwet_ac1"] = math.nan
        out["reasons"]["gwet_ac1"] = "fewer than two categories in the domain"
    else:
        pe_gwet = float((pi * (1 - pi)).sum() / (q - 1))
        out["gwet_ac1"] = (pa - pe_gwet) / (1 - pe_gwet)
    degenerate = _single_category(counts)
    if degenerate:
        for name in ("fleiss_kappa", "krippendorff_alpha"):
            out[name] = math.nan
            out["reasons"][name] = NO_VARIATION
    else:
        # Fleiss' kappa generalised to missing ratings (Gwet 2014, sec. 2.5; irrCAC's
        # fleiss.kappa.raw): same pa, chance agreement sum(pi_k^2).
        pe_fleiss = float((pi**2).sum())
        out["fleiss_kappa"] = (pa - pe_fleiss) / (1 - pe_fleiss)
        import krippendorff

        pairable = counts[counts.sum(axis=1) >= 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            out["krippendorff_alpha"] = float(
                krippendorff.alpha(
                    value_counts=pairable,
                    value_domain=list(range(q)),
                    level_of_measurement="nominal",
                )
            )
    if cohen:
        out["cohen_kappa"], reason = _cohen(index, q)
        if reason:
            out["reasons"]["cohen_kappa"] = reason
    return out


def _cohen(index: np.ndarray, q: int) -> tuple[float, str | None]:
    if index.shape[1] != 2:
        raise ValueError("Cohen's kappa needs exactly two coders")
    both = (index >= 0).all(axis=1)
    if not both.any():
        return math.nan, "no unit coded by both coders"
    a, b = index[both, 0], index[both, 1]
    if len(np.unique(np.concatenate([a, b]))) < 2:
        return math.nan, NO_VARIATION
    from statsmodels.stats.inter_rater import cohens_kappa

    table = np.bincount(a * q + b, minlength=q * q).reshape(q, q)
    return float(cohens_kappa(table, return_results=False)), None


# -------------------------------------------------------------------- public coefficients


def percent_agreement(ratings: Any, categories: Sequence[float] | None = None) -> float:
    """Observed agreement: the mean, over units, of the share of agreeing coder pairs.

    Parameters
    ----------
    ratings : array_like, shape (n_units, n_coders)
        Nominal categories (numbers), ``NaN`` where a coder did not rate a unit.
    categories : sequence of float, optional
        The category domain; the observed values by default.

    Returns
    -------
    float
        In [0, 1]; ``NaN`` when no unit was rated by two coders or more. For two
        coders, the share of units both coded the same.

    Notes
    -----
    ``pa = (1/n') sum_{i: r_i>=2} sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))`` with r_ik the
    number of coders who put unit i in category k and r_i their total (Fleiss 1971).

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin, 76(5), 378-382.
    """
    index, q = _indices(_matrix(ratings), categories)
    return _pa_pi(_counts(index, q))[0]


def cohen_kappa(ratings: Any, categories: Sequence[float] | None = None) -> float:
    """Cohen's kappa of two coders, on the units both coded.

    Parameters
    ----------
    ratings : array_like, shape (n_units, 2)
        Nominal categories, ``NaN`` where a coder did not rate a unit.
    categories : sequence of float, optional
        The category domain; the observed values by default.

    Returns
    -------
    float
        ``NaN`` when no unit was coded by both, or when both used one and the same
        category only (kappa is then 0/0).

    Raises
    ------
    ValueError
        ``ratings`` does not have two columns.

    Notes
    -----
    Computed by ``statsmodels.stats.inter_rater.cohens_kappa`` on the q x q table;
    checked against ``sklearn.metrics.cohen_kappa_score`` in the tests.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement, 20(1), 37-46.
    """
    index, q = _indices(_matrix(ratings), categories)
    return _cohen(index, q)[0]


def fleiss_kappa(ratings: Any, categories: Sequence[float] | None = None) -> float:
    """Fleiss' kappa of two or more coders, allowing missing ratings.

    Parameters
    ----------
    ratings : array_like, shape (n_units, n_coders)
        Nominal categories, ``NaN`` where a coder did not rate a unit.
    categories : sequence of float, optional
        The category domain; the observed values by default.

    Returns
    -------
    float
        ``NaN`` when no unit was rated twice or every rating is in one category.

    Notes
    -----
    ``kappa = (pa - pe) / (1 - pe)`` with ``pa`` as in :func:`percent_agreement` and
    ``pe = sum_k pi_k^2``, ``pi_k`` the mean over rated units of r_ik / r_i. With every
    unit rated by all coders this is Fleiss (1971) exactly, as
    ``statsmodels.stats.inter_rater.fleiss_kappa`` computes it (checked in the tests);
    statsmodels requires the same number of ratings per unit, so the generalisation to
    missing ratings of Gwet (2014) and of the R package irrCAC
    (``fleiss.kappa.raw``) is computed here instead. For two coders it equals Scott's pi.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin, 76(5), 378-382.
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced
    Analytics.
    """
    index, q = _indices(_matrix(ratings), categories)
    return float(_stats(index, q, cohen=False)["fleiss_kappa"])


def krippendorff_alpha(ratings: Any, categories: Sequence[float] | None = None) -> float:
    """Krippendorff's alpha for nominal data, allowing missing ratings.

    Parameters
    ----------
    ratings : array_like, shape (n_units, n_coders)
        Nominal categories, ``NaN`` where a coder did not rate a unit.
    categories : sequence of float, optional
        The category domain (``[0, 1]`` for presence codings); the observed values
        by default.

    Returns
    -------
    float
        ``NaN`` when no unit was rated twice or every rating is in one category
        (the ``krippendorff`` package raises or returns NaN there).

    Notes
    -----
    Computed by the ``krippendorff`` package (``alpha(value_counts=...,
    level_of_measurement="nominal")``) on the units rated twice or more.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg
    School for Communication, University of Pennsylvania.
    Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology
    (2nd ed.). Sage.
    """
    index, q = _indices(_matrix(ratings), categories)
    return float(_stats(index, q, cohen=False)["krippendorff_alpha"])


def gwet_ac1(ratings: Any, categories: Sequence[float] | None = None) -> float:
    """Gwet's first-order agreement coefficient AC1, allowing missing ratings.

    Parameters
    ----------
    ratings : array_like, shape (n_units, n_coders)
        Nominal categories, ``NaN`` where a coder did not rate a unit.
    categories : sequence of float, optional
        The category domain, q categories (``[0, 1]`` for presence codings); the
        observed values by default. Pass it: a code every coder applied to every unit
        has one observed value but q = 2, and AC1 = 1 there.

    Returns
    -------
    float
        ``NaN`` when no unit was rated twice or the domain has fewer than 2 categories.

    Notes
    -----
    With r_ik the number of coders who put unit i in category k, r_i = sum_k r_ik,
    n' the number of units with r_i >= 2 and n those with r_i >= 1 (Gwet 2008; 2014,
    ch. 4)::

        pa   = (1/n') sum_{i: r_i>=2} sum_k r_ik (r_ik - 1) / (r_i (r_i - 1))
        pi_k = (1/n)  sum_{i: r_i>=1} r_ik / r_i
        pe   = (1/(q-1)) sum_k pi_k (1 - pi_k)
        AC1  = (pa - pe) / (1 - pe)

    For q = 2, pe <= 1/2, so AC1 is always defined. Checked against the irrCAC
    documentation (``gwet.ac1.table(cont3x3abstractors)`` = 0.8493305,
    ``gwet.ac1.raw(cac.raw4raters)`` = 0.7754) and a hand-computed 2 x 2 table.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the
    presence of high agreement. British Journal of Mathematical and Statistical
    Psychology, 61(1), 29-48.
    Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.). Advanced
    Analytics.
    """
    index, q = _indices(_matrix(ratings), categories)
    return float(_stats(index, q, cohen=False)["gwet_ac1"])


# ---------------------------------------------------------------------------- verdicts


def verdict(alpha: float) -> str:
    """Krippendorff's (2004) reading of an alpha value.

    Parameters
    ----------
    alpha : float
        Krippendorff's alpha.

    Returns
    -------
    str
        ``"reliable"`` (alpha >= .800), ``"tentative"`` (.667 <= alpha < .800, for
        tentative conclusions only), ``"unreliable"`` (below .667) or ``"undefined"``
        (NaN).

    References
    ----------
    Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology
    (2nd ed., p. 241). Sage.
    """
    if alpha is None or math.isnan(alpha):
        return "undefined"
    if alpha >= 0.800:
        return "reliable"
    if alpha >= 0.667:
        return "tentative"
    return "unreliable"


def kappa_label(kappa: float) -> str:
    """Landis & Koch (1977) label of a kappa value.

    Parameters
    ----------
    kappa : float
        Cohen's or Fleiss' kappa.

    Returns
    -------
    str
        ``"poor"`` (< 0), ``"slight"`` (0-.20), ``"fair"`` (.21-.40), ``"moderate"``
        (.41-.60), ``"substantial"`` (.61-.80), ``"almost perfect"`` (.81-1), or
        ``"undefined"`` for NaN.

    References
    ----------
    Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for
    categorical data. Biometrics, 33(1), 159-174.
    """
    if kappa is None or math.isnan(kappa):
        return "undefined"
    if kappa < 0:
        return "poor"
    for bound, label in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"),
                         (0.80, "substantial")):
        if kappa <= bound:
            return label
    return "almost perfect"


# ------------------------------------------------------------------------ codings input


def _check_codings(codings: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("unit_id", "code_id", "coder", "present") if c not in codings]
    if missing:
        raise InputError("codings", f"missing column(s): {', '.join(missing)}")
    frame = codings[["unit_id", "code_id", "coder", "present"]].copy()
    present = pd.to_numeric(frame["present"], errors="coerce")
    bad = frame["present"].notna() & ~present.isin(_PRESENCE)
    if bad.any():
        first = frame[bad].iloc[0]
        raise InputError(
            "codings",
            f"present must be 0, 1 or missing (unit {first['unit_id']!r}, code "
            f"{first['code_id']!r}, coder {first['coder']!r}; {int(bad.sum())} such rows)",
            column="present",
        )
    frame["present"] = present
    frame = frame[frame["present"].notna()]
    dupes = frame.duplicated(["unit_id", "code_id", "coder"], keep=False)
    if dupes.any():
        first = frame[dupes].iloc[0]
        raise InputError(
            "codings",
            f"unit {first['unit_id']!r}, code {first['code_id']!r} is coded more than once "
            f"by coder {first['coder']!r}",
        )
    return frame


def ratings_matrix(
    codings: pd.DataFrame, code_id: str, coders: Sequence[str] | None = None
) -> pd.DataFrame:
    """Presence ratings of one code as a units x coders matrix.

    Parameters
    ----------
    codings : pandas.DataFrame
        Codings with at least ``unit_id``, ``code_id``, ``coder``, ``present`` (see
        :data:`microcred.qual.units.CODING_COLUMNS`).
    code_id : str
        The code.
    coders : sequence of str, optional
        Coders (columns, in this order); every coder of the codings by default.

    Returns
    -------
    pandas.DataFrame, shape (n_units, n_coders)
        Index ``unit_id`` (units with at least one rating of the code), float values
        0.0/1.0, ``NaN`` where the coder did not code the unit.

    Raises
    ------
    InputError
        A present value other than 0/1/missing, or a (unit, code, coder) coded twice.
    """
    frame = _check_codings(codings)
    if coders is None:
        coders = list(dict.fromkeys(frame["coder"]))
    sub = frame[(frame["code_id"] == code_id) & frame["coder"].isin(list(coders))]
    wide = sub.pivot(index="unit_id", columns="coder", values="present")
    return wide.reindex(columns=list(coders)).astype(float)


# ----------------------------------------------------------------------------- the table


def _unit_features(icube: np.ndarray, q: int, cohen: bool) -> dict[str, np.ndarray]:
    """Per-unit sums from which every coefficient follows (first axis: units).

    ``icube`` has shape (n_units, n_items, n_coders) of category indices, -1 where
    missing; an item is one (unit, code) pair. Summing these over a bootstrap sample
    of units and applying :func:`_from_sums` gives the coefficients of that sample.
    """
    counts = (icube[..., np.newaxis] == np.arange(q)).sum(axis=2).astype(float)
    r = counts.sum(axis=-1)
    pairable = r >= 2
    rated = r >= 1
    with np.errstate(divide="ignore", invalid="ignore"):
        agree = np.where(pairable, (counts * (counts - 1)).sum(-1) / (r * (r - 1)), 0.0)
        share = np.where(rated[..., np.newaxis], counts / r[..., np.newaxis], 0.0)
        pair_product = counts[..., :, np.newaxis] * counts[..., np.newaxis, :]
        pair_product -= counts[..., np.newaxis] * np.eye(q)
        coincidences = np.where(
            pairable[..., np.newaxis, np.newaxis],
            pair_product / (r - 1)[..., np.newaxis, np.newaxis],
            0.0,
        )
    features = {
        "agree": agree.sum(axis=1),
        "n_pairable": pairable.sum(axis=1).astype(float),
        "share": share.sum(axis=1),
        "n_rated": rated.sum(axis=1).astype(float),
        "coincidences": coincidences.sum(axis=1).reshape(len(icube), q * q),
    }
    if cohen:
        both = (icube[..., 0] >= 0) & (icube[..., 1] >= 0)
        cell = np.where(both, icube[..., 0] * q + icube[..., 1], q * q)
        joint = (cell[..., np.newaxis] == np.arange(q * q)).sum(axis=1)
        features["joint"] = joint.astype(float)
    return features


def _from_sums(sums: dict[str, np.ndarray], q: int) -> dict[str, np.ndarray]:
    """Coefficients of many samples at once from summed unit features (rows: samples).

    The same definitions as the point estimates: Fleiss/Gwet ``pa`` and ``pi_k``;
    nominal alpha ``1 - (n - 1) sum_{c!=k} o_ck / sum_{c!=k} n_c n_k`` from the
    coincidence matrix (Krippendorff 2011); Cohen's kappa from the joint table.
    Undefined values are NaN, with the same rules as :func:`_stats`.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = sums["agree"] / sums["n_pairable"]
        pi = sums["share"] / sums["n_rated"][:, np.newaxis]
        pe_gwet = (pi * (1 - pi)).sum(axis=1) / (q - 1)
        ac1 = (pa - pe_gwet) / (1 - pe_gwet)
        o = sums["coincidences"].reshape(-1, q, q)
        n_c = o.sum(axis=2)
        n = n_c.sum(axis=1)
        observed = n - np.trace(o, axis1=1, axis2=2)
        expected = n**2 - (n_c**2).sum(axis=1)
        varied = (n_c > 0).sum(axis=1) >= 2
        alpha = np.where(varied, 1 - (n - 1) * observed / expected, np.nan)
        pe_fleiss = (pi**2).sum(axis=1)
        fleiss = np.where(varied, (pa - pe_fleiss) / (1 - pe_fleiss), np.nan)
        out = {"krippendorff_alpha": alpha, "gwet_ac1": ac1, "fleiss_kappa": fleiss}
        if "joint" in sums:
            table = sums["joint"].reshape(-1, q, q)
            total = table.sum(axis=(1, 2))
            po = np.trace(table, axis1=1, axis2=2) / total
            pe = (table.sum(axis=2) * table.sum(axis=1)).sum(axis=1) / total**2
            kappa = (po - pe) / (1 - pe)
            out["cohen_kappa"] = np.where((total > 0) & (pe < 1), kappa, np.nan)
    return out


def _bootstrap(
    icube: np.ndarray, n_boot: int, seed: int, key: str, cohen: bool
) -> dict[str, np.ndarray]:
    """Bootstrap replicates, resampling units (first axis of the category-index cube).

    Each sample draws ``n_units`` units with replacement; its coefficients follow from
    the unit features weighted by how often each unit was drawn.
    """
    rng = np.random.default_rng([seed, zlib.crc32(key.encode("utf-8"))])
    n_units = icube.shape[0]
    features = _unit_features(icube, 2, cohen)
    chunk = max(1, min(n_boot, 2_000_000 // max(n_units, 1)))
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        draws = rng.integers(0, n_units, size=(size, n_units))
        flat = (draws + np.arange(size)[:, np.newaxis] * n_units).ravel()
        weights = np.bincount(flat, minlength=size * n_units).reshape(size, n_units)
        weights = weights.astype(float)
        sums = {name: weights @ value for name, value in features.items()}
        parts.append(_from_sums(sums, 2))
    out = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    out["kappa"] = out["cohen_kappa"] if cohen else out["fleiss_kappa"]
    return out


def _ci(values: np.ndarray, point: float) -> tuple[float, float, int]:
    """95% percentile interval of the defined replicates, and how many were undefined."""
    if math.isnan(point) or len(values) == 0:
        return math.nan, math.nan, 0
    finite = values[np.isfinite(values)]
    undefined = len(values) - len(finite)
    if len(finite) == 0:
        return math.nan, math.nan, undefined
    low, high = np.percentile(finite, [2.5, 97.5])
    return float(low), float(high), undefined


def _row(code_id: str, cube: np.ndarray, n_boot: int, seed: int) -> dict[str, Any]:
    """One row of the table from a (n_units, n_items_per_unit, n_coders) 0/1/NaN cube."""
    n_coders_total = cube.shape[-1]
    flat = cube.reshape(-1, n_coders_total)
    used = ~np.isnan(flat).all(axis=0)
    cube = cube[..., used]
    flat = flat[:, used]
    n_coders = int(used.sum())
    icube = np.where(np.isnan(cube), -1, cube).astype(np.int64)
    index = icube.reshape(-1, n_coders)
    ratings_per_item = (index >= 0).sum(axis=1)
    unit_ok = (ratings_per_item.reshape(cube.shape[0], -1) >= 2).any(axis=1)
    cohen = n_coders == 2
    stats = _stats(index, 2, cohen=cohen) if n_coders >= 2 else None
    row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS, math.nan)
    row.update(code_id=code_id, n_units=int(unit_ok.sum()), n_coders=n_coders)
    rated = flat[~np.isnan(flat)]
    row["prevalence"] = float(rated.mean()) if len(rated) else math.nan
    notes: list[str] = []
    if stats is None:
        notes.append("fewer than two coders coded this code")
    else:
        row["percent_agreement"] = stats["percent_agreement"]
        row["gwet_ac1"] = stats["gwet_ac1"]
        row["krippendorff_alpha"] = stats["krippendorff_alpha"]
        if cohen:
            row["cohen_kappa"] = stats["cohen_kappa"]
        else:
            row["fleiss_kappa"] = stats["fleiss_kappa"]
        by_reason: dict[str, list[str]] = {}
        for name, reason in stats["reasons"].items():
            if name == "fleiss_kappa" and cohen:
                continue
            by_reason.setdefault(reason, []).append(name)
        notes.extend(f"{', '.join(names)}: {reason}" for reason, names in by_reason.items())
        if n_boot > 0:
            boot = _bootstrap(icube, n_boot, seed, code_id, cohen)
            kappa = row["cohen_kappa"] if cohen else row["fleiss_kappa"]
            for name, point, low, high in (
                ("kappa", kappa, "kappa_ci_low", "kappa_ci_high"),
                ("krippendorff_alpha", row["krippendorff_alpha"], "alpha_ci_low",
                 "alpha_ci_high"),
                ("gwet_ac1", row["gwet_ac1"], "ac1_ci_low", "ac1_ci_high"),
            ):
                row[low], row[high], undefined = _ci(boot[name], point)
                if undefined:
                    notes.append(
                        f"{name} CI: {undefined} of {n_boot} bootstrap samples undefined, "
                        "left out"
                    )
    kappa = row["cohen_kappa"] if cohen else row["fleiss_kappa"]
    row["kappa_label"] = kappa_label(kappa)
    row["verdict"] = verdict(row["krippendorff_alpha"])
    row["note"] = "; ".join(notes)
    return row


def agreement_table(
    codings: pd.DataFrame,
    coders: Sequence[str] | None = None,
    codes: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Agreement per code and overall for binary presence codings by 2+ coders.

    Parameters
    ----------
    codings : pandas.DataFrame
        Codings with at least ``unit_id``, ``code_id``, ``coder``, ``present`` (0/1;
        see :data:`microcred.qual.units.CODING_COLUMNS`). A unit a coder has no row
        for (or a missing ``present``) is missing for that coder, not 0. Other columns
        (origin, status) are ignored: a machine coder is a coder like any other.
    coders : sequence of str, optional
        Coders to compare; every coder in ``codings`` by default.
    codes : sequence of str, optional
        Codes, in the order of the rows; every code in ``codings`` (first appearance
        order) by default.
    n_boot : int
        Bootstrap samples for the 95% CIs of kappa, alpha and AC1; 0 for no CIs.
    seed : int
        Seed of the bootstrap (each code draws from ``default_rng([seed,
        crc32(code_id)])``, so a code's interval does not depend on the other codes).

    Returns
    -------
    pandas.DataFrame
        One row per code and a last row ``code_id == "overall"``; columns
        :data:`TABLE_COLUMNS`:

        - ``n_units``: units coded by at least two of the coders (those compared);
          ``n_coders``: coders with at least one coding of the code.
        - ``prevalence``: share of the ratings (unit x coder) with the code present.
        - ``percent_agreement``: mean share of agreeing coder pairs per unit.
        - ``cohen_kappa`` (exactly two coders, units both coded) or ``fleiss_kappa``
          (three or more); ``kappa_ci_*`` is the interval of whichever is reported.
        - ``krippendorff_alpha`` (nominal, value domain {0, 1}), ``gwet_ac1``.
        - ``kappa_label`` (Landis & Koch 1977), ``verdict`` (Krippendorff 2004, on
          alpha: reliable >= .800, tentative >= .667, else unreliable; undefined).
        - ``note``: why a coefficient is NaN (e.g. "no variation: only one category
          used", never reported as 0) and how many bootstrap samples were undefined.

        The ``overall`` row pools every (unit, code) pair of the listed codes as one
        item. ``attrs`` holds ``n_boot``, ``seed`` and ``ci_method``.

    Raises
    ------
    InputError
        Missing columns, a present value other than 0/1/missing, a (unit, code,
        coder) coded twice, or a requested coder with no codings.

    Notes
    -----
    Confidence intervals: nonparametric bootstrap resampling units with replacement
    (for ``overall``, a unit brings all its codes along), ``n_boot`` samples, 95%
    percentile interval of the samples where the coefficient is defined.

    References
    ----------
    Krippendorff, K. (2004). Content Analysis (2nd ed.). Sage.
    Gwet, K. L. (2008). British Journal of Mathematical and Statistical Psychology,
    61(1), 29-48.
    Landis, J. R., & Koch, G. G. (1977). Biometrics, 33(1), 159-174.
    Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap (ch. 13,
    percentile intervals). Chapman & Hall.
    """
    frame = _check_codings(codings)
    all_coders = list(dict.fromkeys(frame["coder"]))
    if coders is None:
        coders = all_coders
    coders = list(coders)
    absent = [c for c in coders if c not in all_coders]
    if absent:
        raise InputError("codings", f"no codings by coder(s): {', '.join(map(repr, absent))}")
    if codes is None:
        codes = list(dict.fromkeys(frame["code_id"]))
    codes = list(codes)
    frame = frame[frame["coder"].isin(coders) & frame["code_id"].isin(codes)]
    units = list(dict.fromkeys(frame["unit_id"]))
    cube = np.full((len(units), len(codes), len(coders)), np.nan)
    if len(frame):
        u = pd.Index(units).get_indexer(frame["unit_id"])
        k = pd.Index(codes).get_indexer(frame["code_id"])
        c = pd.Index(coders).get_indexer(frame["coder"])
        cube[u, k, c] = frame["present"].to_numpy(dtype=float)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for j, code in enumerate(codes):
            sub = cube[:, j : j + 1, :]
            sub = sub[~np.isnan(sub).all(axis=(1, 2))]
            rows.append(_row(code, sub, n_boot, seed))
        rows.append(_row(OVERALL, cube, n_boot, seed))
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table.attrs.update(
        n_boot=n_boot,
        seed=seed,
        ci_method="95% percentile bootstrap, units resampled with replacement",
        coders=coders,
    )
    return table


def pairwise_agreement(
    codings: pd.DataFrame,
    coder_a: str,
    coder_b: str,
    codes: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Agreement of two coders (human-human or human-machine), per code and overall.

    Parameters
    ----------
    codings : pandas.DataFrame
        Codings as for :func:`agreement_table`.
    coder_a, coder_b : str
        The two coders (e.g. ``"H1"`` and ``"H2"``, or ``"H1"`` and a machine coder).
    codes : sequence of str, optional
        Codes; every code in ``codings`` by default.
    n_boot : int
        Bootstrap samples for the CIs; 0 for none.
    seed : int
        Bootstrap seed.

    Returns
    -------
    pandas.DataFrame
        :func:`agreement_table` for the two coders (Cohen's kappa on the units both
        coded), with ``coder_a`` and ``coder_b`` as the first columns.

    Raises
    ------
    InputError
        As :func:`agreement_table`; also when ``coder_a == coder_b``.

    References
    ----------
    Cohen, J. (1960). Educational and Psychological Measurement, 20(1), 37-46.
    """
    if coder_a == coder_b:
        raise InputError("codings", f"a coder cannot be compared with itself ({coder_a!r})")
    table = agreement_table(codings, [coder_a, coder_b], codes, n_boot=n_boot, seed=seed)
    table.insert(0, "coder_b", coder_b)
    table.insert(0, "coder_a", coder_a)
    return table
