"""One item's results and the sample description."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from microcred.quant._data import ItemData
from microcred.quant.frequencies import item_frequencies
from microcred.quant.numeric import item_numeric_summary
from microcred.quant.results import SMALL_N, ItemResult
from microcred.quant.scales import item_scale_summary

if TYPE_CHECKING:
    from microcred.study.models import Study

__all__ = ["describe_item", "sample_table"]


def describe_item(data: ItemData, construct: str | None = None, language: str = "en") -> ItemResult:
    """Everything computed for one item: counts, missing reasons, frequencies, summary.

    Parameters
    ----------
    data : ItemData
        The item's answers, from :class:`microcred.quant._data.Prepared`.
    construct : str, optional
        The item's construct id.
    language : str, default "en"
        Language of the question text.

    Returns
    -------
    ItemResult
        See :class:`microcred.quant.results.ItemResult`; frequencies from
        :func:`~microcred.quant.frequencies.item_frequencies`, summary from
        :func:`~microcred.quant.scales.scale_summary` (likert, rating, ordinal) or
        :func:`~microcred.quant.numeric.numeric_summary` (numeric).
    """
    item = data.item
    n_valid = data.n_valid
    notes: list[str] = []
    if n_valid == 0:
        notes.append("Nobody answered this item.")
    elif n_valid < SMALL_N:
        notes.append(
            f"Only {n_valid} valid answers (fewer than {SMALL_N}): treat percentages as rough."
        )
    if item.type == "multi_choice" and n_valid:
        notes.append(
            "Several options could be chosen: percentages are of respondents who chose at "
            "least one and add up to more than 100%."
        )
    if data.unknown_ids:
        notes.append(
            "Answers with options the study file does not declare: "
            + ", ".join(data.unknown_ids[:10])
            + (" ..." if len(data.unknown_ids) > 10 else "")
        )
    summary = item_scale_summary(data) or item_numeric_summary(data)
    return ItemResult(
        item_id=item.id,
        item_type=item.type,
        label=item.label(language),
        construct=construct,
        n_asked=data.n_asked,
        n_valid=n_valid,
        n_missing=data.n_asked - n_valid,
        missing_reasons=data.missing_reasons(),
        frequencies=item_frequencies(data),
        summary=summary,
        small_n=n_valid < SMALL_N,
        other_texts=data.other_texts,
        notes=notes,
    )


def sample_table(study: Study, respondents: pd.DataFrame) -> pd.DataFrame:
    """Respondents per source and language.

    Parameters
    ----------
    study : Study
        Sources in their order, with their declared language.
    respondents : pandas.DataFrame
        ``respondent_id, source_id`` and optionally ``language`` (NA: the source's).

    Returns
    -------
    pandas.DataFrame
        ``source_id, language, n``, sources in the study's order.
    """
    declared = {s.id: s.language for s in study.sources}
    source = respondents["source_id"].astype("str")
    if "language" in respondents.columns:
        language = respondents["language"].astype("object")
        language = language.where(language.notna(), source.map(declared))
    else:
        language = source.map(declared)
    frame = pd.DataFrame({"source_id": source.to_numpy(), "language": language.to_numpy()})
    counts = frame.groupby(["source_id", "language"], dropna=False, sort=False).size()
    table = counts.rename("n").reset_index()
    position = {sid: i for i, sid in enumerate(declared)}
    table["_order"] = table["source_id"].map(position).fillna(len(position))
    table = table.sort_values(["_order", "n"], ascending=[True, False], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True).astype({"n": "int64"})
