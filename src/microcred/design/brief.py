"""The design brief: what a micro-credential for a group of learners should look like.

:func:`recommend` reads the quantitative results of a study (for the whole sample or
for one group, e.g. a learner profile, with results computed on that subset) and turns
each design construct into a :class:`Recommendation` with its evidence and a
confidence flag, then derives the workload (notional hours and ECTS), the form of
participation, an assessment suggestion, stackability and the credential.

Rules (also written into every :class:`Brief`, so a reader sees how it was decided):

- **Ordered bands** (ordinal items, or choice items whose options all carry a
  ``range``): the smallest run of adjacent bands that contains the median band and
  holds at least ``threshold`` (default 50%) of the valid answers; among runs of the
  same length the one holding more answers, then the lower one. With ranges, it is
  reported as the interval its bands cover, in the construct's unit. Flagged
  *divided* when the run needs more than half of the bands.
- **Unordered options**: the modal (most chosen) option; flagged *divided* when the
  95% Wilson intervals of the top two options overlap.
- **Importance / agreement scales** (a Likert item of the credential or modularity
  construct): the top-2-box share; it *matters* when above ``matters_above`` (50%);
  flagged *divided* when its 95% Wilson interval contains that threshold.
- Any estimate from fewer than :data:`~microcred.quant.results.SMALL_N` valid
  answers is flagged *small n* (this flag wins over *divided*; the reason names both).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from microcred.design.ects import (
    HOURS_PER_ECTS,
    DesignError,
    ects_range,
    format_range,
    notional_hours,
    to_weeks,
)
from microcred.quant.results import SMALL_N

if TYPE_CHECKING:
    from microcred.quant.results import ItemResult, QuantResults
    from microcred.study.models import Item, Option, Study

__all__ = [
    "DESIGN_CONSTRUCTS",
    "Brief",
    "Evidence",
    "Recommendation",
    "Workload",
    "construct_items",
    "main_item",
    "recommend",
]

DESIGN_CONSTRUCTS = (
    "duration",
    "weekly_hours",
    "content_orientation",
    "modality",
    "live_sessions",
    "modularity",
    "credential",
)
"""Constructs a brief looks for, in the order it presents them."""

IMPORTANCE_CONSTRUCTS = ("modularity", "credential")
"""Constructs whose first Likert/rating item is read as 'how much this matters'."""

Confidence = Literal["ok", "small n", "divided"]

MODALITY_TEXT = {
    "online_asynchronous": "online, self-paced (asynchronous)",
    "online_synchronous": "online, scheduled (live classes at set times)",
    "blended": "blended (online with some onsite sessions)",
    "face_to_face": "onsite, scheduled",
}
"""Annex I wording (online / onsite / blended; self-paced or scheduled) of the
modality options of the uoc-2023 template."""

LIVE_TEXT = {
    "none": "no live sessions",
    "optional_qa": "optional live Q&A sessions",
    "occasional_mandatory": "a few scheduled live sessions",
    "weekly_mandatory": "a weekly scheduled live session",
}

STACK_TEXT = {
    "standalone": "stand-alone micro-credential",
    "modular_levels": (
        "modular levels (e.g. basic, intermediate, advanced), each a micro-credential on its own"
    ),
    "stackable": "stackable towards a larger credential",
}

ASSESSMENT_TEXT = {
    "applied": (
        "assessment of applied work: a practical project or case study marked with a "
        "rubric, with short formative quizzes along the way"
    ),
    "balanced": (
        "a mix: short quizzes on the concepts and a practical assignment that applies them"
    ),
    "theoretical": (
        "assessment of knowledge: quizzes or a written test, and a short analytical essay"
    ),
}

WORKLOAD_RULE = (
    "Workload: notional hours = weeks x hours per week at both ends of the recommended "
    "intervals; ECTS = hours / 30 (fewest) to hours / 25 (most), since 1 ECTS = 25-30 "
    "hours (ECTS Users' Guide 2015)."
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Evidence:
    """What a recommendation rests on.

    Attributes
    ----------
    item_id : str
        The survey item read.
    n : int
        Respondents who chose the recommended option(s) (for a scale: the top 2 box).
    n_valid : int
        Respondents with a valid answer (the base).
    pct, ci_low, ci_high : float
        ``n / n_valid`` and its Wilson 95% interval, fractions in [0, 1].
    quotes : tuple of str
        Exemplar quotes given by the caller (personal data: never logged).
    """

    item_id: str
    n: int
    n_valid: int
    pct: float
    ci_low: float
    ci_high: float
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    """One construct's recommendation with its evidence.

    Attributes
    ----------
    construct : str
        Construct id (``duration``, ``credential``, ...).
    aspect : {"preference", "importance"}
        A preferred option (choice or ordinal item) or how much it matters (Likert).
    label : str
        The construct's label.
    text : str
        The recommendation in words.
    options : tuple of str
        Chosen option ids (several for a run of bands; none for importance).
    option_labels : tuple of str
        Their labels.
    evidence : Evidence
    confidence : {"ok", "small n", "divided"}
    reason : str
        Why the flag was given (plain language).
    rule : str
        The rule that chose the options.
    interval : tuple of (float, float) or None
        For bands with ranges: the covered interval, in ``unit``.
    unit : str or None
    matters : bool or None
        For importance: top-2-box share above the threshold.
    """

    construct: str
    aspect: Literal["preference", "importance"]
    label: str
    text: str
    options: tuple[str, ...]
    option_labels: tuple[str, ...]
    evidence: Evidence
    confidence: Confidence
    reason: str
    rule: str
    interval: tuple[float, float] | None = None
    unit: str | None = None
    matters: bool | None = None


@dataclass(frozen=True)
class Workload:
    """Duration x weekly hours -> notional hours -> ECTS, each as ``(low, high)``.

    ``sources`` says for ``duration`` and ``weekly_hours`` whether the interval came
    from the survey (``"evidence"``) or from the caller (``"assumed"``).
    """

    weeks: tuple[float, float]
    hours_per_week: tuple[float, float]
    hours: tuple[float, float]
    ects: tuple[float, float]
    hours_per_ects: tuple[float, float]
    sources: dict[str, str]
    text: str


@dataclass
class Brief:
    """A recommended micro-credential design for one group of respondents.

    Attributes
    ----------
    study_id, title : str
        The study.
    group, label : str
        Group id (``"all"`` for the whole sample) and its display label.
    n_respondents : int
        Respondents in the results the brief was computed from.
    threshold : float
        Share a run of bands must hold (see module notes).
    recommendations : list of Recommendation
        In :data:`DESIGN_CONSTRUCTS` order; constructs the study lacks are absent.
    workload : Workload or None
        ``None`` when duration or weekly hours are unknown.
    participation, assessment, stackability, credential : str or None
        Sentences for the design; ``assessment`` is a suggestion and says so.
    recognition_matters : bool or None
        From the credential construct's Likert item, when there is one.
    rules : list of str
        The rules applied, in words.
    notes : list of str
        Caveats (constructs missing, assumptions).
    """

    study_id: str
    title: str
    group: str
    label: str
    n_respondents: int
    threshold: float
    recommendations: list[Recommendation] = field(default_factory=list)
    workload: Workload | None = None
    participation: str | None = None
    assessment: str | None = None
    stackability: str | None = None
    credential: str | None = None
    recognition_matters: bool | None = None
    rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def get(self, construct: str, aspect: str = "preference") -> Recommendation | None:
        """The recommendation for ``construct`` and ``aspect``, or ``None``."""
        for rec in self.recommendations:
            if rec.construct == construct and rec.aspect == aspect:
                return rec
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (tuples as lists, NaN as ``None``).

        Returns
        -------
        dict
            Every field of the brief; quotes are included as given.
        """
        return _clean(asdict(self))


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _clean(value.item())
    return value


# --------------------------------------------------------------------------- helpers


def construct_items(study: Study, construct_id: str) -> list[Item]:
    """Items of a construct: those it lists, then those naming it, without repeats.

    Parameters
    ----------
    study : Study
    construct_id : str

    Returns
    -------
    list of Item
        In the construct's order, then the study's.
    """
    ids: list[str] = []
    for construct in study.constructs:
        if construct.id == construct_id:
            ids.extend(construct.items)
    ids.extend(i.id for i in study.items if i.construct_id == construct_id)
    seen: set[str] = set()
    items = []
    for item_id in ids:
        if item_id in seen:
            continue
        seen.add(item_id)
        try:
            items.append(study.item(item_id))
        except KeyError:
            continue
    return items


def main_item(study: Study, construct_id: str) -> Item | None:
    """The construct's first single_choice or ordinal item (``None`` if it has none)."""
    for item in construct_items(study, construct_id):
        if item.type in ("single_choice", "ordinal"):
            return item
    return None


def _importance_item(study: Study, construct_id: str) -> Item | None:
    for item in construct_items(study, construct_id):
        if item.type in ("likert", "rating"):
            return item
    return None


def _construct(study: Study, construct_id: str) -> Any:
    return next((c for c in study.constructs if c.id == construct_id), None)


def _construct_label(study: Study, construct_id: str, language: str) -> str:
    construct = _construct(study, construct_id)
    if construct is None or not construct.label:
        return construct_id.replace("_", " ").capitalize()
    for key in (language, "*", "en"):
        if key in construct.label:
            return str(construct.label[key])
    return str(next(iter(construct.label.values())))


def _unit(study: Study, construct_id: str) -> str | None:
    construct = _construct(study, construct_id)
    unit = construct.unit if construct is not None else None
    if unit is None:
        unit = {"duration": "weeks", "weekly_hours": "hours_per_week"}.get(construct_id)
    return unit


def _wilson(n: int, base: int) -> tuple[float, float]:
    from microcred.quant.proportions import wilson_ci

    lo, hi = wilson_ci(n, base)
    return float(lo), float(hi)


def _pct(x: float) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{100 * x:.0f}%"


def _unit_words(unit: str | None) -> str:
    return {
        "weeks": "weeks",
        "months": "months",
        "days": "days",
        "hours_per_week": "hours a week",
    }.get(unit or "", unit.replace("_", " ") if unit else "")


def _counts(result: ItemResult, options: Sequence[Option]) -> list[int]:
    """Respondents per declared option, in the study's order (0 when absent)."""
    table = result.frequencies
    by_id: dict[str, int] = {}
    if table is not None and len(table):
        for option_id, n in zip(table["option_id"], table["n"], strict=True):
            by_id[str(option_id)] = int(n)
    return [by_id.get(o.id, 0) for o in options]


def _flag(n_valid: int, divided: bool, divided_reason: str) -> tuple[Confidence, str]:
    reasons = []
    if n_valid < SMALL_N:
        reasons.append(f"only {n_valid} valid answers (fewer than {SMALL_N})")
    if divided:
        reasons.append(divided_reason)
    if n_valid < SMALL_N:
        return "small n", "; ".join(reasons)
    if divided:
        return "divided", "; ".join(reasons)
    return "ok", f"{n_valid} valid answers and a clear result"


# --------------------------------------------------------------------------- rules


def band_window(counts: Sequence[int], base: int, threshold: float) -> tuple[int, int]:
    """The run of adjacent bands a brief recommends.

    Parameters
    ----------
    counts : sequence of int, length k
        Respondents per band, bands in their declared order.
    base : int
        Valid answers (the denominator; may exceed ``sum(counts)`` when some answers
        are 'Other').
    threshold : float
        Share of ``base`` the run must hold, in (0, 1].

    Returns
    -------
    (first, last) : tuple of int
        0-based indices of the first and last band of the run.

    Notes
    -----
    The median band ``m`` is the first band whose cumulative count reaches half of
    ``sum(counts)``. Among runs ``[i, j]`` with ``i <= m <= j`` and
    ``sum(counts[i:j+1]) >= threshold * base`` the shortest is chosen; ties go to the
    run holding more answers, then to the lower bands. When no run reaches the
    threshold, all bands are returned.
    """
    k = len(counts)
    total = sum(counts)
    if k == 0:
        raise DesignError("no bands to choose from")
    if total == 0:
        return 0, k - 1
    running = 0
    median = k - 1
    for index, n in enumerate(counts):
        running += n
        if running * 2 >= total:
            median = index
            break
    need = threshold * base
    for width in range(1, k + 1):
        best: tuple[int, int] | None = None
        best_n = -1
        for first in range(max(0, median - width + 1), min(median, k - width) + 1):
            n = sum(counts[first : first + width])
            if n >= need - 1e-9 and n > best_n:
                best, best_n = (first, first + width - 1), n
        if best is not None:
            return best
    return 0, k - 1


def _bands(
    study: Study,
    construct_id: str,
    item: Item,
    result: ItemResult,
    threshold: float,
    language: str,
    quotes: tuple[str, ...],
) -> Recommendation | None:
    options = list(item.options)
    counts = _counts(result, options)
    base = int(result.n_valid)
    if base == 0 or not options:
        return None
    first, last = band_window(counts, base, threshold)
    chosen = options[first : last + 1]
    n = sum(counts[first : last + 1])
    lo, hi = _wilson(n, base)
    unit = _unit(study, construct_id)
    interval: tuple[float, float] | None = None
    if all(o.range is not None for o in chosen):
        low = min(o.range[0] for o in chosen if o.range is not None)
        high = max(o.range[1] for o in chosen if o.range is not None)
        interval = (float(low), float(high))
    labels = tuple(o.label(language) for o in chosen)
    span = labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
    if interval is not None:
        text = f"{format_range(*interval)} {_unit_words(unit)} ({span})"
    else:
        text = span
    width = last - first + 1
    divided = width * 2 > len(options)
    confidence, reason = _flag(
        base,
        divided,
        f"the answers are spread: {width} of {len(options)} bands are needed to reach "
        f"{threshold:.0%}",
    )
    return Recommendation(
        construct=construct_id,
        aspect="preference",
        label=_construct_label(study, construct_id, language),
        text=text,
        options=tuple(o.id for o in chosen),
        option_labels=labels,
        evidence=Evidence(item.id, n, base, n / base, lo, hi, quotes),
        confidence=confidence,
        reason=reason,
        rule=(
            f"smallest run of adjacent bands around the median band holding at least "
            f"{threshold:.0%} of valid answers"
        ),
        interval=interval,
        unit=unit if interval is not None else None,
    )


def _modal(
    study: Study,
    construct_id: str,
    item: Item,
    result: ItemResult,
    language: str,
    quotes: tuple[str, ...],
) -> Recommendation | None:
    options = list(item.options)
    counts = _counts(result, options)
    base = int(result.n_valid)
    if base == 0 or not options or sum(counts) == 0:
        return None
    order = sorted(range(len(options)), key=lambda i: (-counts[i], i))
    top = order[0]
    lo, hi = _wilson(counts[top], base)
    divided = False
    divided_reason = ""
    if len(order) > 1 and counts[order[1]] > 0:
        lo2, hi2 = _wilson(counts[order[1]], base)
        divided = lo <= hi2
        divided_reason = (
            f"the 95% intervals of the top two options overlap "
            f"({options[top].label(language)}: {_pct(lo)}-{_pct(hi)}; "
            f"{options[order[1]].label(language)}: {_pct(lo2)}-{_pct(hi2)})"
        )
    confidence, reason = _flag(base, divided, divided_reason)
    label = options[top].label(language)
    return Recommendation(
        construct=construct_id,
        aspect="preference",
        label=_construct_label(study, construct_id, language),
        text=label,
        options=(options[top].id,),
        option_labels=(label,),
        evidence=Evidence(item.id, counts[top], base, counts[top] / base, lo, hi, quotes),
        confidence=confidence,
        reason=reason,
        rule="most chosen option; divided when the top two Wilson 95% intervals overlap",
    )


def _top_box(result: ItemResult, item: Item) -> tuple[int, int] | None:
    """(top-2-box count, valid answers) from the summary, else from the frequencies."""
    summary = result.summary or {}
    n = summary.get("n")
    top = summary.get("top2_n")
    if n is not None and top is not None and math.isfinite(n) and math.isfinite(top):
        return int(top), int(n)
    table = result.frequencies
    if table is None or "value" not in table.columns:
        return None
    from microcred.quant.scales import top_box_threshold

    cut = top_box_threshold(item)
    scored = table[table["value"].notna()]
    return int(scored.loc[scored["value"] >= cut, "n"].sum()), int(scored["n"].sum())


def _importance(
    study: Study,
    construct_id: str,
    item: Item,
    result: ItemResult,
    matters_above: float,
    language: str,
    quotes: tuple[str, ...],
) -> Recommendation | None:
    counts = _top_box(result, item)
    if counts is None or counts[1] == 0:
        return None
    top, base = counts
    lo, hi = _wilson(top, base)
    share = top / base
    matters = share > matters_above
    divided = lo <= matters_above <= hi
    confidence, reason = _flag(
        base,
        divided,
        f"the 95% interval of the top-2-box share ({_pct(lo)}-{_pct(hi)}) contains "
        f"{matters_above:.0%}",
    )
    what = item.label(language)
    verdict = "matters" if matters else "does not clearly matter"
    return Recommendation(
        construct=construct_id,
        aspect="importance",
        label=_construct_label(study, construct_id, language),
        text=f"{verdict}: {_pct(share)} chose the top two points of \u201c{what}\u201d",
        options=(),
        option_labels=(),
        evidence=Evidence(item.id, top, base, share, lo, hi, quotes),
        confidence=confidence,
        reason=reason,
        rule=f"top-2-box share; it matters when above {matters_above:.0%}",
        matters=matters,
    )


# --------------------------------------------------------------------------- derived


def _workload(
    brief: Brief, study: Study, assume: Mapping[str, tuple[float, float]]
) -> Workload | None:
    intervals: dict[str, tuple[float, float]] = {}
    sources: dict[str, str] = {}
    for cid in ("duration", "weekly_hours"):
        rec = brief.get(cid)
        if rec is not None and rec.interval is not None:
            unit = rec.unit
            if cid == "duration":
                intervals[cid] = to_weeks(rec.interval, unit)
            elif unit in (None, "hours_per_week"):
                intervals[cid] = rec.interval
            else:
                brief.notes.append(
                    f"weekly hours are in {unit!r}, not hours_per_week: no workload computed"
                )
                return None
            sources[cid] = "evidence"
        elif cid in assume:
            pair = assume[cid]
            intervals[cid] = (float(pair[0]), float(pair[1]))
            sources[cid] = "assumed"
            brief.notes.append(
                f"{cid.replace('_', ' ')} {format_range(pair[0], pair[1])} "
                f"{'weeks' if cid == 'duration' else 'hours a week'} is assumed, not "
                "from the survey"
            )
    if len(intervals) < 2:
        missing = [c for c in ("duration", "weekly_hours") if c not in intervals]
        brief.notes.append(
            "no notional workload: the survey gives no "
            + " or ".join(m.replace("_", " ") + " interval" for m in missing)
            + " (declare option ranges, or pass assume=...)"
        )
        return None
    weeks = intervals["duration"]
    per_week = intervals["weekly_hours"]
    hours = notional_hours(weeks, per_week)
    ects = ects_range(hours, HOURS_PER_ECTS)
    text = (
        f"about {format_range(*ects)} ECTS ({format_range(*hours)} notional hours: "
        f"{format_range(*weeks)} weeks x {format_range(*per_week)} hours a week; "
        "1 ECTS = 25-30 hours)"
    )
    return Workload(weeks, per_week, hours, ects, HOURS_PER_ECTS, sources, text)


def _participation(brief: Brief) -> str | None:
    modality = brief.get("modality")
    live = brief.get("live_sessions")
    parts = []
    if modality is not None:
        parts.append(MODALITY_TEXT.get(modality.options[0], modality.text.lower()))
    if live is not None:
        option = live.options[0]
        words = LIVE_TEXT.get(option, live.text.lower())
        if option == "optional_qa":
            weeks = brief.workload.weeks if brief.workload else None
            if weeks is not None:
                low = max(1, math.ceil(weeks[0] / 2))
                high = max(low, math.ceil(weeks[1] / 2))
                count = f"{low}" if low == high else f"{low}-{high}"
                words += f", one every two weeks (suggestion: {count} over the course)"
            else:
                words += ", one every two weeks (suggestion)"
        elif option == "occasional_mandatory":
            words += " (suggestion: 2-3 over the course, announced at enrolment)"
        parts.append(words)
    if not parts:
        return None
    return "; ".join(parts)


def _assessment(brief: Brief, study: Study) -> str | None:
    rec = brief.get("content_orientation")
    if rec is None:
        return None
    item = study.item(rec.evidence.item_id)
    ids = [o.id for o in item.options]
    if len(ids) < 2:
        return None
    positions = [ids.index(o) for o in rec.options]
    middle = (positions[0] + positions[-1]) / 2 / (len(ids) - 1)
    if middle > 0.5:
        kind = "applied"
    elif middle < 0.5:
        kind = "theoretical"
    else:
        kind = "balanced"
    return f"Suggestion (from the content orientation, {rec.text}): {ASSESSMENT_TEXT[kind]}."


def _stackability(brief: Brief) -> str | None:
    rec = brief.get("modularity")
    importance = brief.get("modularity", "importance")
    parts = []
    if rec is not None:
        parts.append(STACK_TEXT.get(rec.options[0], rec.text))
    if importance is not None:
        parts.append(f"stacking {importance.text}")
    return "; ".join(parts) if parts else None


def _credential(brief: Brief) -> str | None:
    rec = brief.get("credential")
    importance = brief.get("credential", "importance")
    parts = []
    if rec is not None:
        parts.append(rec.text)
    if importance is not None:
        parts.append(f"official recognition {importance.text}")
    return "; ".join(parts) if parts else None


# --------------------------------------------------------------------------- public


def recommend(
    study: Study,
    results: QuantResults,
    *,
    group: str = "all",
    label: str | None = None,
    quotes: Mapping[str, Sequence[str]] | None = None,
    threshold: float = 0.5,
    matters_above: float = 0.5,
    assume: Mapping[str, tuple[float, float]] | None = None,
    language: str | None = None,
    max_quotes: int = 3,
) -> Brief:
    """Recommend a micro-credential design from a study's quantitative results.

    Parameters
    ----------
    study : Study
        The instrument; constructs among :data:`DESIGN_CONSTRUCTS` are read, each
        through its first single_choice or ordinal item (and, for ``modularity`` and
        ``credential``, its first likert or rating item).
    results : QuantResults
        Results for the group (the whole sample, or results computed on a subset).
    group : str, default "all"
        Group id.
    label : str, optional
        Group label; "All respondents" for ``"all"``, else the id.
    quotes : mapping of str -> sequence of str, optional
        Construct id -> exemplar quotes, attached (up to ``max_quotes``) to that
        construct's evidence. Quotes are personal data: they are carried, never logged.
    threshold : float, default 0.5
        Share of valid answers a run of bands must hold.
    matters_above : float, default 0.5
        Top-2-box share above which something matters.
    assume : mapping of str -> (float, float), optional
        ``{"duration": (weeks_lo, weeks_hi), "weekly_hours": (h_lo, h_hi)}`` used
        for the workload only when the survey has no interval for that construct;
        the brief notes the assumption.
    language : str, optional
        Language of labels (the study's first language by default).
    max_quotes : int, default 3

    Returns
    -------
    Brief
        Recommendations, workload, participation, assessment suggestion,
        stackability, credential, the rules applied and notes.

    Raises
    ------
    DesignError
        If ``threshold`` or ``matters_above`` is outside (0, 1], or an ``assume``
        interval or a duration unit is invalid.

    Notes
    -----
    The rules are in the module docstring and in ``Brief.rules``. Percentages use the
    item's valid answers as base; intervals are Wilson 95%
    (:func:`microcred.quant.proportions.wilson_ci`).

    References
    ----------
    Bruguera, C., Fitó, À. & Pagés, C. (2023). Exploring learners' motivations and
    preferences for micro-credentials: a mixed-method study. Ubiquity Proceedings.
    https://doi.org/10.5334/uproc.67 (the constructs). European Commission (2015),
    ECTS Users' Guide (1 ECTS = 25-30 hours). Council Recommendation of 16 June 2022
    on a European approach to micro-credentials, 2022/C 243/02, Annex I (form of
    participation, stackability).
    """
    for name, value in (("threshold", threshold), ("matters_above", matters_above)):
        if not (isinstance(value, int | float) and 0 < value <= 1):
            raise DesignError(f"{name} must be a share in (0, 1], got {value!r}")
    language = language or (study.study.languages[0] if study.study.languages else "en")
    given = {k: tuple(v[:max_quotes]) for k, v in (quotes or {}).items()}
    brief = Brief(
        study_id=study.study.id,
        title=study.study.title,
        group=group,
        label=label or ("All respondents" if group == "all" else group),
        n_respondents=int(results.n_respondents),
        threshold=float(threshold),
    )
    present = {c.id for c in study.constructs} | {
        i.construct_id for i in study.items if i.construct_id
    }
    for cid in DESIGN_CONSTRUCTS:
        if cid not in present:
            continue
        cq = given.get(cid, ())
        item = main_item(study, cid)
        if item is not None:
            result = results.items.get(item.id)
            if result is None or result.n_valid == 0:
                brief.notes.append(f"{cid}: no valid answers to {item.id!r}")
            else:
                banded = item.type == "ordinal" or (
                    bool(item.options) and all(o.range is not None for o in item.options)
                )
                rec = (
                    _bands(study, cid, item, result, threshold, language, cq)
                    if banded
                    else _modal(study, cid, item, result, language, cq)
                )
                if rec is not None:
                    brief.recommendations.append(rec)
        if cid in IMPORTANCE_CONSTRUCTS:
            likert = _importance_item(study, cid)
            result = results.items.get(likert.id) if likert is not None else None
            if likert is not None and result is not None and result.n_valid > 0:
                rec = _importance(study, cid, likert, result, matters_above, language, cq)
                if rec is not None:
                    brief.recommendations.append(rec)
    brief.workload = _workload(brief, study, assume or {})
    brief.participation = _participation(brief)
    brief.assessment = _assessment(brief, study)
    brief.stackability = _stackability(brief)
    brief.credential = _credential(brief)
    official = brief.get("credential", "importance")
    brief.recognition_matters = official.matters if official is not None else None
    brief.rules = [
        f"Ordered bands: the smallest run of adjacent bands that contains the median band "
        f"and holds at least {threshold:.0%} of valid answers (ties: more answers, then "
        "lower bands), reported as the interval the bands cover; 'divided' when the run "
        "needs more than half of the bands.",
        "Unordered options: the most chosen option; 'divided' when the Wilson 95% "
        "intervals of the top two options overlap.",
        f"Importance scales: the top-2-box share; it matters above {matters_above:.0%}; "
        "'divided' when its Wilson 95% interval contains that share.",
        f"'small n': fewer than {SMALL_N} valid answers.",
        WORKLOAD_RULE,
        "Assessment is a suggestion derived from the content orientation, not a survey answer.",
    ]
    if not brief.recommendations:
        brief.notes.append(
            "the study has none of the design constructs with answers: "
            + ", ".join(DESIGN_CONSTRUCTS)
        )
    return brief
