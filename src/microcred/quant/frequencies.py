"""Frequencies of choice items: single and multiple choice, ordinal bands, scales.

Every percentage is a fraction of the item's valid answers with a Wilson 95% interval;
multiple choice adds the share of all mentions; ordered items add cumulative shares
in the study's declared order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from microcred.quant._data import SCALE_TYPES, ItemData, Prepared
from microcred.quant.proportions import proportion_table

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from microcred.study.models import Item

__all__ = ["frequencies", "frequency_table", "item_frequencies"]

FREQUENCY_TYPES = frozenset({"single_choice", "multi_choice", "likert", "rating", "ordinal"})


def frequency_table(
    counts: ArrayLike,
    option_ids: list[str],
    labels: list[str],
    base: int,
    *,
    values: ArrayLike | None = None,
    cumulative: int | None = None,
    mentions: bool = False,
) -> pd.DataFrame:
    """Turn counts per option into a frequency table with Wilson intervals.

    Parameters
    ----------
    counts : array_like of int, shape (k,)
        Respondents per option (ticks per option for multiple choice).
    option_ids, labels : list of str, length k
        Option ids and their labels, in the order to show.
    base : int
        Denominator of ``pct``: respondents with a valid answer (for multiple choice,
        respondents who ticked at least one option).
    values : array_like of float, shape (k,), optional
        Scale value of each option; adds a ``value`` column.
    cumulative : int, optional
        Add ``cum_pct``, the running sum of ``pct`` over the first ``cumulative`` rows
        (the options in their declared order); NaN on the rows after them ('other',
        undeclared ids).
    mentions : bool, default False
        Add ``pct_mentions``: each count as a share of all counts (multiple choice).

    Returns
    -------
    pandas.DataFrame, shape (k, 6 + extras)
        ``option_id, label, n, pct, ci_low, ci_high`` (fractions in [0, 1]) and, as
        asked, ``pct_mentions``, ``value``, ``cum_pct``.

    Raises
    ------
    ValueError
        If a count exceeds ``base`` or the lengths differ.

    References
    ----------
    Wilson (1927) score interval, see :func:`microcred.quant.proportions.wilson_ci`.
    """
    x = np.asarray(counts, dtype=np.int64).reshape(-1)
    if not len(option_ids) == len(labels) == x.size:
        raise ValueError("counts, option_ids and labels must have the same length")
    table = proportion_table(x, base)
    table.insert(0, "label", labels)
    table.insert(0, "option_id", option_ids)
    if mentions:
        total = int(x.sum())
        table["pct_mentions"] = x / total if total else np.nan
    if values is not None:
        table["value"] = np.asarray(values, dtype=float)
    if cumulative is not None:
        cum = np.full(x.size, np.nan)
        if base > 0:
            cum[:cumulative] = np.cumsum(x[:cumulative]) / base
            cum[:cumulative] = np.minimum(cum[:cumulative], 1.0)
        table["cum_pct"] = cum
    return table


def item_frequencies(data: ItemData) -> pd.DataFrame | None:
    """Frequency table of one prepared item (``None`` for numeric and open items).

    Parameters
    ----------
    data : ItemData
        The item's answers from :class:`microcred.quant._data.Prepared`.

    Returns
    -------
    pandas.DataFrame or None
        See :func:`frequency_table`. Rows: the study's options, then 'other' (when the
        item allows it or someone used it), then option ids the study does not declare.
    """
    kind = data.item.type
    if kind not in FREQUENCY_TYPES:
        return None
    ordered = kind in SCALE_TYPES
    return frequency_table(
        data.counts(),
        data.row_ids,
        data.labels,
        data.n_valid,
        values=data.row_values if ordered else None,
        cumulative=data.n_options if ordered else None,
        mentions=kind == "multi_choice",
    )


def frequencies(
    answers: pd.DataFrame,
    item: Item,
    *,
    respondents: pd.DataFrame | None = None,
    language: str = "en",
) -> pd.DataFrame | None:
    """Frequencies of one choice item from the long answers frame.

    Parameters
    ----------
    answers : pandas.DataFrame
        Long answers (``microcred.ingest.answers.ANSWER_COLUMNS``); rows of other items
        are ignored. A row with ``missing`` set is a declared-missing answer and does
        not count.
    item : Item
        The item (its options give the order and labels).
    respondents : pandas.DataFrame, optional
        Respondents kept for analysis; by default every respondent in ``answers``.
    language : str, default "en"
        Language of the labels.

    Returns
    -------
    pandas.DataFrame or None
        See :func:`frequency_table`; ``None`` for numeric and open-text items.

    Raises
    ------
    microcred.errors.InputError
        If a required column is missing.

    Examples
    --------
    >>> from microcred.study.models import Item
    >>> item = Item(id="q", type="single_choice", column="Q",
    ...             options=[{"id": "yes", "labels": "Yes"}, {"id": "no", "labels": "No"}])
    >>> answers = pd.DataFrame({"respondent_id": ["a", "b", "c"], "item_id": "q",
    ...     "option_id": ["yes", "yes", "no"], "value": np.nan, "text": None,
    ...     "missing": None})
    >>> frequencies(answers, item)[["option_id", "n", "pct"]].round(3)
      option_id  n    pct
    0       yes  2  0.667
    1        no  1  0.333
    """
    prepared = Prepared(answers, respondents, language=language)
    return item_frequencies(prepared.item(item))
