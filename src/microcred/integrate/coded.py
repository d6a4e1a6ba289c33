"""Quantitized codes in the main run: respondent variables, code segments, codes x groups.

When a study codes free text, :func:`coded_variables` turns every codable code into a
respondent-level 0/1 variable and a count (:func:`study_quantitized`, per document so
that a code's base is the respondents who answered a question the code applies to),
writes them as yes/no pseudo-items (:func:`~microcred.integrate.quantitize.as_answers`),
and with them

- sizes and comparisons of the study's ``code_segments`` (segments defined by codes,
  :class:`~microcred.study.models.CodeSegment`), computed with the quant stage's own
  :func:`~microcred.quant.segments.segment_sizes` and
  :func:`~microcred.quant.comparisons.compare`, and added to the run's segment and
  comparison tables by :meth:`CodedVariables.merge_into`;
- crosstabs of the codes x the study's segments (and the single-choice items its
  comparisons group by), with the quant stage's tests and Holm correction
  (:func:`~microcred.integrate.quantitize.code_comparisons`).

Respondent-level frames hold respondent ids and are never serialised; ``to_dict`` gives
aggregates only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from microcred.integrate._common import clean, language_of, wilson
from microcred.integrate.quantitize import (
    CODE_PREFIX,
    COUNT_PREFIX,
    CodeItems,
    as_answers,
    code_comparisons,
    quantitize,
    theme_item_id,
)

if TYPE_CHECKING:
    import pandas as pd

    from microcred.qual.codebook import Codebook
    from microcred.qual.stage import QualResults
    from microcred.quant.results import ComparisonResult, QuantResults
    from microcred.study.models import Study

__all__ = [
    "CodedVariables",
    "code_documents",
    "code_segment_study",
    "coded_variables",
    "study_quantitized",
]


@dataclass
class CodedVariables:
    """Quantitized codes of a run and what the quant stage made of them.

    Attributes
    ----------
    quantitized : pandas.DataFrame
        :func:`study_quantitized` output: one row per respondent (respondent ids:
        never written to a report).
    code_items : CodeItems
        The codes as long answers and pseudo-items (``theme_<code>`` yes/no,
        ``theme_n_<code>`` counts).
    labels : dict of str -> str
        Code id -> label.
    documents : dict of str -> list of str
        Code id -> the documents (open items, transcripts) it applies to.
    segments : pandas.DataFrame or None
        Sizes of the study's code segments (columns of
        :func:`microcred.quant.segments.segment_sizes`).
    comparisons : list of ComparisonResult
        One per code segment with ``compare`` items.
    by_groups : list of ComparisonResult
        Codes x each of the study's segments and single-choice ``by`` items: one Holm
        family each; outcomes are the ``theme_<code>`` pseudo-items.
    k : int or None
        Small-cell threshold of the study (counts 1 to k - 1 are shown as ``<k``).
    notes : list of str
    published : dict, optional
        Only in a shared copy (:func:`microcred.privacy.later.share_integration`): what
        :meth:`to_dict` returns, with small counts suppressed.
    """

    quantitized: pd.DataFrame
    code_items: CodeItems
    labels: dict[str, str]
    documents: dict[str, list[str]]
    segments: pd.DataFrame | None = None
    comparisons: list[ComparisonResult] = field(default_factory=list)
    by_groups: list[ComparisonResult] = field(default_factory=list)
    k: int | None = None
    notes: list[str] = field(default_factory=list)
    published: dict[str, Any] | None = None

    def summary(self) -> pd.DataFrame:
        """One row per code: how many respondents carry it, of how many coded.

        Returns
        -------
        pandas.DataFrame
            ``code_id, label, item_id, count_item_id, documents, n, base, pct, ci_low,
            ci_high, mean_count`` (``base``: respondents with a coded unit in a
            document the code applies to; ``mean_count``: coded units carrying the
            code per such respondent).
        """
        import pandas as pd

        rows = []
        for code, label in self.labels.items():
            presence = pd.to_numeric(self.quantitized.get(CODE_PREFIX + code))
            counts = pd.to_numeric(self.quantitized.get(COUNT_PREFIX + code))
            if presence is None or counts is None:
                continue
            base = int(presence.notna().sum())
            n = int((presence == 1).sum())
            lo, hi = wilson(n, base)
            rows.append({
                "code_id": code, "label": label, "item_id": theme_item_id(code),
                "count_item_id": theme_item_id("n_" + code),
                "documents": list(self.documents.get(code, [])), "n": n, "base": base,
                "pct": n / base if base else float("nan"), "ci_low": lo, "ci_high": hi,
                "mean_count": float(counts.mean()) if base else float("nan"),
            })  # fmt: skip
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Aggregates as JSON-ready data: ``variables``, ``segments``, ``by_groups``, ``notes``.

        ``by_groups`` lists, per grouping, its groups and per code the test, p, Holm p,
        Cramér's V and, per group, respondents with the code (``n``), coded
        respondents (``base``) and their share. No respondent id is included. A
        shared copy returns its :attr:`published` data.
        """
        if self.published is not None:
            return self.published
        out: dict[str, Any] = {
            "variables": self.summary().to_dict(orient="records"),
            "segments": (
                self.segments.to_dict(orient="records") if self.segments is not None else []
            ),
            "by_groups": [self.grouping_dict(c) for c in self.by_groups],
            "notes": list(self.notes),
        }
        return dict(clean(out))

    def grouping_dict(self, comparison: ComparisonResult) -> dict[str, Any]:
        """One grouping of :attr:`by_groups` as JSON-ready data (see :meth:`to_dict`).

        Parameters
        ----------
        comparison : ComparisonResult
            An element of :attr:`by_groups`.

        Returns
        -------
        dict
            ``by, label, groups`` (``group_id, label, n``) and ``tests``: per code,
            ``code_id, label``, the test columns of
            :class:`~microcred.quant.results.ComparisonResult` and ``groups`` (group id
            -> ``n, base, pct``).
        """
        def exact(item_id: str) -> dict[str, dict[str, Any]]:
            table = comparison.crosstabs.get(item_id)
            groups: dict[str, dict[str, Any]] = {}
            if table is not None:
                for group in table.columns:
                    yes = int(table.loc["yes", group]) if "yes" in table.index else 0
                    base = int(table[group].sum())
                    groups[str(group)] = {
                        "n": yes, "base": base, "pct": yes / base if base else None,
                    }  # fmt: skip
            return groups

        return grouping_record(comparison, self.labels, exact)

    def merge_into(self, results: QuantResults) -> None:
        """Add the code segments' sizes and comparisons to the run's quant results.

        Parameters
        ----------
        results : QuantResults
            Modified in place: rows appended to ``segments`` (created when the study
            has no survey segment), comparisons appended to ``comparisons``.
        """
        import pandas as pd

        if self.segments is not None and len(self.segments):
            if results.segments is None or results.segments.empty:
                results.segments = self.segments.reset_index(drop=True)
            else:
                results.segments = pd.concat(
                    [results.segments, self.segments], ignore_index=True
                )
        results.comparisons.extend(self.comparisons)


def code_documents(study: Study, codebook: Codebook) -> dict[str, list[str]]:
    """Code id -> the documents (open items, transcripts) the study applies it to.

    Parameters
    ----------
    study : Study
        Its ``coding`` section (``items`` selectors and ``transcripts``).
    codebook : Codebook

    Returns
    -------
    dict of str -> list of str
        Every codable code, in codebook order; documents in the study's order
        (transcripts named by their file stem, as the coding stage names them).

    Raises
    ------
    microcred.errors.StudyFileError
        A selector of ``coding.items`` names no code.
    """
    from microcred.errors import StudyFileError
    from microcred.qual.stage import allowed_codes

    out: dict[str, list[str]] = {c.id: [] for c in codebook.codable()}
    if study.coding is None:
        return out
    documents = dict(study.coding.item_codes())
    for transcript in study.coding.transcripts:
        documents[PurePath(transcript.path).stem] = []
    for document, selectors in documents.items():
        try:
            codes = allowed_codes(codebook, selectors)
        except KeyError as missing:
            raise StudyFileError(
                str(study.base_dir / "study.yaml"),
                [(None, "coding.items", f"no code or category {missing} in the codebook")],
            ) from None
        for code in codes:
            out.setdefault(code.id, []).append(document)
    return out


def study_quantitized(
    units: pd.DataFrame,
    codings: pd.DataFrame,
    respondents: pd.DataFrame,
    codebook: Codebook,
    documents: dict[str, list[str]],
) -> pd.DataFrame:
    """:func:`~microcred.integrate.quantitize.quantitize` with each code's own base.

    Parameters
    ----------
    units, codings, respondents : pandas.DataFrame
        As for :func:`~microcred.integrate.quantitize.quantitize`.
    codebook : Codebook
    documents : dict of str -> list of str
        Code id -> documents it applies to (:func:`code_documents`); a code with none
        is quantitized over every unit.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~microcred.integrate.quantitize.quantitize` (``n_units``
        over every document), except that a code's columns are NA for a respondent
        with no coded unit in the documents the code applies to: a respondent who only
        answered "what do you like least" is not counted as not liking the community.
    """
    import pandas as pd

    whole = quantitize(units, codings, respondents, codebook=codebook)
    groups: dict[tuple[str, ...], list[str]] = {}
    for code in [c[len(CODE_PREFIX):] for c in whole.columns if c.startswith(CODE_PREFIX)]:
        docs = tuple(documents.get(code, ()))
        groups.setdefault(docs, []).append(code)
    columns: dict[str, pd.Series] = {}
    for docs, codes in groups.items():
        part = whole if not docs else quantitize(
            units, codings, respondents, codebook=codebook, documents=docs
        )
        for code in codes:
            for prefix in (CODE_PREFIX, COUNT_PREFIX):
                columns[prefix + code] = part[prefix + code].reset_index(drop=True)
    ordered = [c for c in whole.columns if c in columns]
    out = whole[["respondent_id", "n_units"]].reset_index(drop=True)
    return pd.concat([out, pd.DataFrame(columns)[ordered]], axis=1)


def code_segment_study(study: Study, code_items: CodeItems, codes: Sequence[str]) -> Study:
    """The study with its code segments as ordinary segments on the code pseudo-items.

    Parameters
    ----------
    study : Study
    code_items : CodeItems
        From :func:`~microcred.integrate.quantitize.as_answers`.
    codes : sequence of str
        The codes that exist (quantitized).

    Returns
    -------
    Study
        Items: the study's plus the pseudo-items; ``segments``: the code segments, each
        code condition ``{code: c}`` read as ``{item: theme_c, options: [yes]}``;
        ``comparisons``: one ``by`` each code segment that lists ``compare`` items.

    Raises
    ------
    microcred.errors.StudyFileError
        A code condition names a code the codebook does not have.
    """
    from microcred.errors import StudyFileError
    from microcred.integrate.quantitize import with_code_items
    from microcred.study.models import CodeCondition, Comparison, Condition, Segment

    known = set(codes)
    problems: list[tuple[int | None, str, str]] = []
    segments = []
    for s, code_segment in enumerate(study.code_segments):
        where = []
        for w, condition in enumerate(code_segment.where):
            if isinstance(condition, CodeCondition):
                if condition.code not in known:
                    problems.append((None, f"code_segments[{s}].where[{w}].code",
                                     f"no codable code {condition.code!r} in the codebook"))
                    continue
                where.append(Condition(item=theme_item_id(condition.code), options=["yes"]))
            else:
                where.append(condition)
        segments.append(Segment(id=code_segment.id, label=code_segment.label, where=where))
    if problems:
        raise StudyFileError(str(study.base_dir / "study.yaml"), problems)
    extended = with_code_items(study, code_items.items)
    comparisons = [
        Comparison(by=c.id, items=list(c.compare)) for c in study.code_segments if c.compare
    ]
    return extended.model_copy(update={"segments": segments, "comparisons": comparisons})


def coded_variables(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    qual: QualResults,
    *,
    asked: dict[str, set[str]] | None = None,
    language: str | None = None,
) -> CodedVariables:
    """Quantitize a run's codes and use them as segments and in crosstabs.

    Parameters
    ----------
    study : Study
        With a ``coding`` section; its ``code_segments``, ``segments`` and
        ``comparisons`` are used.
    answers, respondents : pandas.DataFrame
        The run's long answers and respondents kept for analysis.
    qual : QualResults
        The coding stage's results (units, codings, codebook).
    asked : dict, optional
        Item id -> sources that asked it (as for :func:`microcred.quant.analyse`).
    language : str, optional
        Label language (default: the study's first).

    Returns
    -------
    CodedVariables

    Raises
    ------
    microcred.errors.StudyFileError
        A code segment names an unknown code, or a pseudo-item id clashes with a
        study item.

    Notes
    -----
    Quantitizing follows Sandelowski, Voils & Knafl (2009); the crosstabs use
    Pearson's chi-square or Fisher's exact test with Holm's correction per grouping
    (:mod:`microcred.quant.comparisons`).

    References
    ----------
    .. [1] Sandelowski, M., Voils, C. I. & Knafl, G. (2009). On quantitizing. Journal
       of Mixed Methods Research 3(3), 208-222.
    """
    import pandas as pd

    from microcred.quant.comparisons import compare
    from microcred.quant.segments import segment_membership, segment_sizes

    language = language_of(study, language)
    codebook = qual.codebook
    documents = code_documents(study, codebook)
    quantitized = study_quantitized(qual.units, qual.codings, respondents, codebook, documents)
    codes = [c[len(CODE_PREFIX):] for c in quantitized.columns if c.startswith(CODE_PREFIX)]
    by_id = {c.id: c for c in codebook.walk()}
    labels = {c: by_id[c].label(language) if c in by_id else c for c in codes}
    code_items = as_answers(quantitized, codebook=codebook, respondents=respondents, counts=True)
    both = pd.concat([answers, code_items.answers], ignore_index=True)
    coded = CodedVariables(
        quantitized=quantitized, code_items=code_items, labels=labels,
        documents={c: documents.get(c, []) for c in codes}, k=study.privacy.k,
    )  # fmt: skip
    if study.code_segments:
        extended = code_segment_study(study, code_items, codes)
        membership = segment_membership(extended, both, respondents, asked=asked)
        coded.segments = segment_sizes(extended, membership, language)
        coded.comparisons = compare(extended, both, respondents, asked=asked)
    groups = [s.id for s in study.segments]
    for comparison in study.comparisons:
        if comparison.by in groups:
            continue
        item = next((i for i in study.items if i.id == comparison.by), None)
        if item is not None and item.type == "single_choice":
            groups.append(item.id)
    if groups:
        coded.by_groups = code_comparisons(study, answers, respondents, code_items, groups)
    else:
        coded.notes.append("The study has no segment or single-choice grouping to cross "
                           "the codes with.")  # fmt: skip
    return coded


TEST_KEYS = (
    "test", "statistic", "dof", "p_value", "p_holm", "effect", "effect_size", "n",
    "min_expected", "small_n", "note",
)  # fmt: skip
"""The test columns of a :class:`~microcred.quant.results.ComparisonResult` kept per code."""


def grouping_record(
    comparison: Any,
    labels: dict[str, str],
    cells: Callable[[str], dict[str, dict[str, Any]]],
) -> dict[str, Any]:
    """A codes-by-grouping comparison as JSON-ready data, exact or suppressed.

    Parameters
    ----------
    comparison : ComparisonResult
        Its ``tests`` rows for code items (``theme_item_id(code)``) are kept.
    labels : dict of str -> str
        Code id -> label (:attr:`CodedVariables.labels`).
    cells : callable
        Item id -> group id -> ``n, base, pct`` (exact counts, or the shared copy's
        labels for hidden cells).

    Returns
    -------
    dict
        ``by, label, groups`` and ``tests``: per code, ``code_id, label``, the columns
        of :data:`TEST_KEYS` and ``groups``.
    """
    by_item = {theme_item_id(code): code for code in labels}
    tests = []
    for rec in comparison.tests.to_dict(orient="records"):
        item_id = str(rec["item_id"])
        code = by_item.get(item_id)
        if code is None:
            continue
        tests.append({
            "code_id": code, "label": labels.get(code, code),
            **{key: rec.get(key) for key in TEST_KEYS},
            "groups": cells(item_id),
        })  # fmt: skip
    return {
        "by": comparison.by,
        "label": comparison.label,
        "groups": comparison.groups.to_dict(orient="records"),
        "tests": tests,
    }
