"""Rankings of options within a construct (e.g. which motivations matter most)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from microcred.quant.results import ItemResult
    from microcred.study.models import Study

__all__ = ["RANKING_COLUMNS", "construct_rankings", "rank_options"]

RANKING_COLUMNS = ["item_id", "option_id", "label", "n", "base", "pct", "ci_low", "ci_high",
                   "rank", "small_n"]
TOP_BOX_ID = "top_box"
"""``option_id`` of a Likert/rating item's row in a ranking (its top-box share)."""


def rank_options(rows: pd.DataFrame) -> pd.DataFrame:
    """Sort rows by share of respondents and number them.

    Parameters
    ----------
    rows : pandas.DataFrame
        At least ``pct`` (fraction) and ``n``.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``pct`` then ``n``, both descending, with a fresh index and ``rank``
        (1 = largest share; ties share the lowest rank, as ``rank(method="min")``).
    """
    out = rows.sort_values(["pct", "n"], ascending=False, kind="stable").reset_index(drop=True)
    out["rank"] = out["pct"].rank(ascending=False, method="min").astype("Int64")
    return out


def construct_rankings(study: Study, items: dict[str, ItemResult]) -> dict[str, pd.DataFrame]:
    """Rank the options of each construct's items by share of respondents.

    Parameters
    ----------
    study : Study
        Gives the constructs and which items belong to them.
    items : dict of str -> ItemResult
        Item results (see :func:`microcred.quant.items.describe_item`).

    Returns
    -------
    dict of str -> pandas.DataFrame
        Construct id -> ``item_id, option_id, label, n, base, pct, ci_low, ci_high,
        rank, small_n`` (``base`` below :data:`~microcred.quant.results.SMALL_N`); the
        ``motivation`` construct first when there is one, then the study's order. Single
        and multiple choice items contribute every declared option (and 'other' or
        undeclared answers when chosen), each as a share of the item's valid
        answers (``base``); Likert and rating items contribute one row, their top-box
        share (``option_id`` = ``"top_box"``, ``label`` = the question). Only like is
        ranked with like: a construct is ranked when its items are all Likert/rating
        (top-box shares) or when it has a single choice item; a construct that mixes
        the two, or several choice questions (whose options answer different
        questions), is left out, as are constructs with nothing to rank.
    """
    from microcred.quant.results import SMALL_N

    by_construct: dict[str, list[pd.DataFrame]] = {}
    kinds: dict[str, list[str]] = {}
    for item in study.items:
        construct = study.construct_of(item.id)
        result = items.get(item.id)
        if construct is None or result is None:
            continue
        part: pd.DataFrame | None = None
        if item.type in ("single_choice", "multi_choice") and result.frequencies is not None:
            freq = result.frequencies
            declared = {o.id for o in item.effective_options()}
            keep = freq["option_id"].isin(declared) | (freq["n"] > 0)
            part = freq.loc[keep, ["option_id", "label", "n", "pct", "ci_low", "ci_high"]].copy()
            part["base"] = result.n_valid
        elif item.type in ("likert", "rating") and result.summary:
            s = result.summary
            part = pd.DataFrame({
                "option_id": [TOP_BOX_ID], "label": [result.label], "n": [s["top2_n"]],
                "pct": [s["top2_pct"]], "ci_low": [s["top2_ci_low"]],
                "ci_high": [s["top2_ci_high"]], "base": [s["n"]],
            })
        if part is not None and len(part):
            part.insert(0, "item_id", item.id)
            by_construct.setdefault(construct, []).append(part)
            kinds.setdefault(construct, []).append(
                "top_box" if item.type in ("likert", "rating") else "choice"
            )
    for construct, found in kinds.items():
        if set(found) != {"top_box"} and found != ["choice"]:
            del by_construct[construct]
    order = [c.id for c in study.constructs]
    order += sorted(set(by_construct) - set(order))
    if "motivation" in order:
        order.remove("motivation")
        order.insert(0, "motivation")
    out: dict[str, pd.DataFrame] = {}
    for construct in order:
        if construct in by_construct:
            table = rank_options(pd.concat(by_construct[construct], ignore_index=True))
            table["n"] = table["n"].astype(np.int64)
            table["base"] = table["base"].astype(np.int64)
            table["small_n"] = table["base"] < SMALL_N
            out[construct] = table[RANKING_COLUMNS]
    return out
