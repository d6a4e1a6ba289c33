"""The fixed text of the report's Methods section, shared by the HTML and DOCX writers.

The text is kept as plain data (blocks of styled spans) so that every output format
says the same thing; each writer turns a span into its own markup and escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Block", "Span", "methods", "references"]


@dataclass(frozen=True)
class Span:
    """A run of text: ``style`` is ``""`` (plain), ``"b"`` (bold) or ``"i"`` (italic)."""

    text: str
    style: str = ""


@dataclass(frozen=True)
class Block:
    """A heading (``kind="h"``), a paragraph (``"p"``) or a bullet list (``"ul"``).

    ``spans`` holds the text of a heading or paragraph; ``items`` the spans of each
    bullet of a list.
    """

    kind: str
    spans: tuple[Span, ...] = ()
    items: tuple[tuple[Span, ...], ...] = ()


def _p(*parts: str | Span) -> Block:
    return Block("p", tuple(p if isinstance(p, Span) else Span(p) for p in parts))


def _li(*parts: str | Span) -> tuple[Span, ...]:
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts)


def _b(text: str) -> Span:
    return Span(text, "b")


def _i(text: str) -> Span:
    return Span(text, "i")


def _h(text: str) -> Block:
    return Block("h", (Span(text),))


def methods(small_n: int, alpha: float) -> list[Block]:
    """The Methods text: how percentages, intervals, summaries and tests are made.

    Parameters
    ----------
    small_n : int
        Valid answers below which an estimate is flagged (``quant.results.SMALL_N``).
    alpha : float
        Significance level of the Holm-adjusted p-values.

    Returns
    -------
    list of Block
        Headings, paragraphs and bullet lists in reading order.

    References
    ----------
    Wilson (1927); Holm (1979); Heiberger & Robbins (2014): see :func:`references`.
    """
    return [
        _h("Percentages and confidence intervals"),
        _p(
            "Every percentage is the share of respondents who gave a valid answer to the "
            "question (the base “n valid”); respondents not asked the question or who "
            "skipped it are counted as missing and left out of the base. For "
            "multiple-choice questions the base is still the respondents, so percentages "
            "add up to more than 100%. The 95% confidence interval of a percentage is the "
            "Wilson score interval (Wilson 1927), which stays inside 0–100% and is "
            "reliable for small samples and for shares close to 0 or 100%."
        ),
        _p(
            "For Likert and rating items the summary gives the mean, standard deviation, "
            "median and interquartile range of the scores, and the “top-box” share: "
            "respondents who chose one of the highest answers of the scale, with its "
            "Wilson interval. The diverging bar places answers below the midpoint of the "
            "scale to the left of zero and answers above it to the right, splitting the "
            "middle answer across zero (Heiberger & Robbins 2014). For numeric answers the "
            "confidence intervals of the mean and the median are bootstrap intervals."
        ),
        _p(
            f"Any estimate based on fewer than {small_n} valid answers carries a “small "
            "sample” badge: its interval is wide and it should be read with caution."
        ),
        _h("Comparing groups"),
        Block(
            "ul",
            items=(
                _li(
                    _b("Chi-square test of independence"),
                    " (Pearson): do the answers to a choice question depend on the group? "
                    "Its effect size is Cramér's V (0 = no association, 1 = complete "
                    "association).",
                ),
                _li(
                    _b("Fisher's exact test"),
                    " replaces the chi-square test when expected counts are too small for "
                    "the chi-square approximation (the smallest expected count is shown as "
                    "“Min. expected”; the usual rule is that expected counts should be at "
                    "least 5). Where the table says “Monte Carlo”, the p-value of a large "
                    "table was estimated by simulation instead of being computed exactly. "
                    "The effect size stays Cramér's V.",
                ),
                _li(
                    _b("Mann–Whitney U test"),
                    ": for ordered answers (Likert, rating, ordinal, numbers) in two "
                    "groups; effect size rank-biserial r (−1 to 1).",
                ),
                _li(
                    _b("Kruskal–Wallis H test"),
                    ": for ordered answers in three or more groups; effect size epsilon "
                    "squared (ε², 0 to 1).",
                ),
                _li(
                    _b("Holm correction"),
                    ": all the tests of one comparison form one family, and their p-values "
                    "are adjusted with Holm's step-down method (Holm 1979), which keeps the "
                    f"chance of any false positive in the family at or below α = {alpha}.",
                ),
            ),
        ),
    ]


def references() -> list[tuple[Span, ...]]:
    """The reference list (APA 7th style), one tuple of spans per reference.

    Returns
    -------
    list of tuple of Span
        Journal and proceedings names in italics.
    """
    return [
        _li(
            "Bruguera, C., Fitó, À. & Pagés, C. (2023). Exploring learners' motivations "
            "and preferences for micro-credentials: a mixed-method study. ",
            _i("Ubiquity Proceedings"),
            ". https://doi.org/10.5334/uproc.67 (the study design this toolkit "
            "implements).",
        ),
        _li(
            "Wilson, E. B. (1927). Probable inference, the law of succession, and "
            "statistical inference. ",
            _i("Journal of the American Statistical Association"),
            ", 22(158), 209–212.",
        ),
        _li(
            "Holm, S. (1979). A simple sequentially rejective multiple test procedure. ",
            _i("Scandinavian Journal of Statistics"),
            ", 6(2), 65–70.",
        ),
        _li(
            "Heiberger, R. M. & Robbins, N. B. (2014). Design of diverging stacked bar "
            "charts for Likert scales and other applications. ",
            _i("Journal of Statistical Software"),
            ", 57(5).",
        ),
    ]
