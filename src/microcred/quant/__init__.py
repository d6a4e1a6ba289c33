"""Quantitative analysis: frequencies with Wilson intervals, scale summaries, bootstrap
intervals, segments, rankings and group comparisons. DataFrames in, DataFrames out.

The functions are loaded on first use (PEP 562), so importing
``microcred.quant.results`` does not pull in pandas, SciPy or statsmodels.
"""

from __future__ import annotations

from typing import Any

from microcred._lazy import load

# bound here (the module is light) so that the name is the function, not the submodule
from microcred.quant.analyse import analyse as analyse

_EXPORTS = {
    "describe_item": "items",
    "sample_table": "items",
    "wilson_ci": "proportions",
    "proportion_table": "proportions",
    "frequencies": "frequencies",
    "frequency_table": "frequencies",
    "describe_values": "scales",
    "scale_summary": "scales",
    "likert_summary": "scales",
    "top_box_threshold": "scales",
    "bootstrap_ci": "numeric",
    "numeric_summary": "numeric",
    "numeric_item_summary": "numeric",
    "compare": "comparisons",
    "crosstab_test": "comparisons",
    "cramers_v": "comparisons",
    "rank_test": "comparisons",
    "holm": "comparisons",
    "segment_membership": "segments",
    "segment_sizes": "segments",
    "construct_rankings": "rankings",
    "ItemResult": "results",
    "ComparisonResult": "results",
    "QuantResults": "results",
    "SMALL_N": "results",
}

__all__ = sorted([*_EXPORTS, "analyse"])


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
