"""The whole quantitative analysis of a study in one call: :func:`analyse`.

This module imports nothing heavy at load time, so the package can re-export
:func:`analyse` without loading pandas or SciPy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from microcred.quant.results import QuantResults
    from microcred.study.models import Study

__all__ = ["Progress", "analyse"]

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: called before each step of :func:`analyse`."""


def analyse(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    progress: Progress | None = None,
    *,
    asked: dict[str, set[str]] | None = None,
) -> QuantResults:
    """Run the quantitative analysis of a study.

    Parameters
    ----------
    study : Study
        The instrument: items, constructs, segments, comparisons.
    answers : pandas.DataFrame, shape (n_answers, 8)
        Long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`): one row per
        respondent x item (x ticked option for multi_choice); a row with ``missing`` set
        is a declared-missing answer; no row means no answer. Rows of respondents not in
        ``respondents`` are ignored.
    respondents : pandas.DataFrame, shape (n_respondents, 6)
        Respondents kept for analysis
        (:data:`microcred.ingest.answers.RESPONDENT_COLUMNS`).
    progress : callable, optional
        ``progress(step, done, total)`` called before each step.
    asked : dict of str -> set of str, optional
        Item id -> ids of the sources whose export has the item's column; ``n_asked``
        counts the respondents of those sources. ``None`` (or an item not in the
        mapping): every source.

    Returns
    -------
    QuantResults
        Items in the study's order, rankings per construct, segment sizes (``None``
        when the study declares no segment) and one
        :class:`~microcred.quant.results.ComparisonResult` per comparison.

    Raises
    ------
    microcred.errors.InputError
        If a frame lacks a required column, a respondent id is repeated, or ``value``
        holds something that is not a number.

    Notes
    -----
    Strings are factorised once and every item is then computed with NumPy on integer
    codes, so the run is linear in the number of answer rows (10 million rows take a
    few seconds). Methods: Wilson intervals
    (:func:`~microcred.quant.proportions.wilson_ci`), percentile bootstrap
    (:func:`~microcred.quant.numeric.bootstrap_ci`), tests and effect sizes
    (:mod:`microcred.quant.comparisons`).
    """
    import pandas as pd

    from microcred.quant._data import Prepared
    from microcred.quant.comparisons import run_comparison
    from microcred.quant.items import describe_item, sample_table
    from microcred.quant.rankings import construct_rankings
    from microcred.quant.results import ItemResult, QuantResults
    from microcred.quant.segments import membership_masks, segment_sizes

    language = study.study.languages[0] if study.study.languages else "en"
    total = len(study.items) + 1 + len(study.comparisons)
    step = 0

    def tick(what: str) -> None:
        nonlocal step
        if progress is not None:
            progress(what, step, total)
        step += 1

    tick("preparing answers")
    prepared = Prepared(answers, respondents, asked, language=language)
    items: dict[str, ItemResult] = {}
    for item in study.items:
        tick(f"item {item.id}")
        items[item.id] = describe_item(
            prepared.item(item), study.construct_of(item.id), language
        )
    masks = membership_masks(prepared, study)
    segments = None
    if study.segments:
        membership = pd.DataFrame(masks, columns=list(masks))
        segments = segment_sizes(study, membership, language)
    comparisons = []
    for comparison in study.comparisons:
        tick(f"comparison by {comparison.by}")
        comparisons.append(run_comparison(prepared, study, comparison, masks, language))
    if progress is not None:
        progress("done", total, total)
    return QuantResults(
        n_respondents=prepared.n,
        sample=sample_table(study, prepared.respondents),
        items=items,
        rankings=construct_rankings(study, items),
        segments=segments,
        comparisons=comparisons,
    )
