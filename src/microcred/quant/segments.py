"""Segments of respondents (e.g. career-motivated learners) and their sizes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from microcred.quant._data import Prepared
from microcred.quant.proportions import proportion_table

if TYPE_CHECKING:
    from microcred.study.models import Condition, Segment, Study

__all__ = ["segment_membership", "segment_sizes"]


def label_of(labels: dict[str, str], language: str, fallback: str) -> str:
    """Text of a ``labels`` mapping in ``language``.

    Parameters
    ----------
    labels : dict of str -> str
        Text per language code (``*`` = every language).
    language : str
        Wanted language.
    fallback : str
        Returned when ``labels`` is empty.

    Returns
    -------
    str
        The label in ``language``, else ``*``, English, any language, ``fallback``.
    """
    for key in (language, "*", "en"):
        if key in labels:
            return labels[key]
    return next(iter(labels.values()), fallback)


def condition_mask(prepared: Prepared, study: Study, condition: Condition) -> np.ndarray:
    """Boolean mask over respondents that meet one condition.

    A respondent meets it when one of their answers to ``condition.item`` is one of
    ``condition.options`` (any ticked option counts for multiple choice) or its value
    lies in ``[min, max]`` (either bound may be open). Respondents without a valid
    answer (no answer, declared missing, item not asked) never meet it.

    Parameters
    ----------
    prepared : Prepared
        The factorised answers.
    study : Study
        Gives the condition's item.
    condition : Condition

    Returns
    -------
    numpy.ndarray of bool, shape (n_respondents,)
    """
    data = prepared.item(study.item(condition.item))
    mask = np.zeros(prepared.n, dtype=bool)
    if condition.options is not None:
        wanted = [i for i, oid in enumerate(data.row_ids) if oid in set(condition.options)]
        mask[data.resp[np.isin(data.cat, wanted)]] = True
    if condition.min is not None or condition.max is not None:
        ok = np.isfinite(data.val)
        if condition.min is not None:
            ok &= data.val >= condition.min
        if condition.max is not None:
            ok &= data.val <= condition.max
        mask[data.resp[ok]] = True
    return mask


def membership_masks(prepared: Prepared, study: Study) -> dict[str, np.ndarray]:
    """Membership of every segment of the study.

    Parameters
    ----------
    prepared : Prepared
        The factorised answers.
    study : Study
        Its ``segments``; every condition of a segment must hold.

    Returns
    -------
    dict of str -> numpy.ndarray of bool, shape (n_respondents,)
        Segment id -> mask, in the study's order.
    """
    out: dict[str, np.ndarray] = {}
    for segment in study.segments:
        mask = np.ones(prepared.n, dtype=bool)
        for condition in segment.where:
            mask &= condition_mask(prepared, study, condition)
        out[segment.id] = mask
    return out


def segment_membership(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame | None = None,
    *,
    asked: dict[str, set[str]] | None = None,
) -> pd.DataFrame:
    """Which respondents belong to each of the study's segments.

    Parameters
    ----------
    study : Study
        Its ``segments`` define the groups; all conditions of a segment must hold.
    answers : pandas.DataFrame
        Long answers (``microcred.ingest.answers.ANSWER_COLUMNS``).
    respondents : pandas.DataFrame, optional
        Respondents kept for analysis; by default every respondent in ``answers``.
    asked : dict of str -> set of str, optional
        Item id -> sources where the item was asked.

    Returns
    -------
    pandas.DataFrame, shape (n_respondents, n_segments)
        Boolean, index ``respondent_id``, one column per segment id.

    Raises
    ------
    microcred.errors.InputError
        If a required column is missing.
    """
    prepared = Prepared(answers, respondents, asked)
    masks = membership_masks(prepared, study)
    frame = pd.DataFrame(masks, index=prepared.respondent_ids, columns=list(masks))
    frame.index.name = "respondent_id"
    return frame


def segment_sizes(
    study: Study, membership: pd.DataFrame, language: str | None = None
) -> pd.DataFrame:
    """Size of each segment as a share of respondents, with Wilson 95% intervals.

    Parameters
    ----------
    study : Study
        Gives the segments' order and labels.
    membership : pandas.DataFrame
        Boolean, one column per segment (see :func:`segment_membership`); its rows are
        the base of the percentages.
    language : str, optional
        Label language (default: the study's first language).

    Returns
    -------
    pandas.DataFrame, shape (n_segments, 7)
        ``segment_id, label, n, pct, ci_low, ci_high, small_n`` (``small_n``: fewer than
        :data:`microcred.quant.results.SMALL_N` members).

    References
    ----------
    Wilson (1927), see :func:`microcred.quant.proportions.wilson_ci`.
    """
    from microcred.quant.results import SMALL_N

    lang = language or (study.study.languages[0] if study.study.languages else "en")
    segments: list[Segment] = [s for s in study.segments if s.id in membership.columns]
    counts = [int(membership[s.id].sum()) for s in segments]
    table = proportion_table(counts, len(membership))
    table.insert(0, "label", [label_of(s.label, lang, s.id) for s in segments])
    table.insert(0, "segment_id", [s.id for s in segments])
    table["small_n"] = table["n"] < SMALL_N
    return table
