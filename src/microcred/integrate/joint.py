"""Joint displays: survey result and matching themes side by side, with a verdict.

For each construct (motivation, duration, weekly hours, content orientation,
modality, live sessions, modularity, credential; whichever the study has) a
:class:`JointDisplay` holds the survey result (the modal option, its share and Wilson
95% interval), the matching themes (codes whose ``construct`` is the construct, each
with the share of coded respondents who carry it and its Wilson interval), up to three
exemplar quotes given by the caller, and a verdict.

Verdict rules (also written into every display, so a reader sees how it was decided):

- **Motivation (agreement rule)**: per respondent, the stated motivation (the survey
  item) against the coded one (the themes whose ``option`` names an option of that
  item), as Cohen's kappa over the respondents who have both. A single-choice item
  compares one category per respondent (respondents coded with two or more different
  motivations are left out, as are those coded with none); a multiple-choice item
  compares every respondent x option pair (ticked or not vs coded or not) in one 2x2
  table. kappa >= 0.6: **converge**; 0.2 <= kappa < 0.6: **complement** (they agree
  beyond chance but each adds to the other); kappa < 0.2: **diverge**. When no
  motivation theme names a survey option, the two sources speak to different aspects:
  **complement**.
- **Other constructs (modal rule)**: the modal survey option against the most frequent
  matching theme (ties: codebook order). The theme names the modal option:
  **converge**; it names no option, or an option the survey did not offer:
  **complement** (a different aspect); it names another option whose Wilson interval
  overlaps the modal option's (the survey itself is divided between them):
  **complement**; another option, clearly less chosen: **diverge**.
- **Indirect evidence**: when the themes were coded only in answers to open questions
  that belong to another construct (e.g. "What do you like best?" for motivation), the
  two strands answer different questions: kappa, or the modal comparison, then
  measures association, not agreement on one question. The display says so, and a
  result that would **diverge** is read as **complement** (learners said something
  else because they were asked something else, not the opposite). Themes from
  transcripts are not judged either way.
- No survey item, no matching theme with a coded respondent, or an undefined kappa:
  **undetermined**. Fewer than :data:`~microcred.quant.results.SMALL_N` respondents on
  either side set ``small_n`` (the verdict is given, flagged).
- **No qualitative strand** (a study without free text or transcripts to code):
  :func:`survey_only_displays` gives the survey column of every construct with a
  survey item, verdict **undetermined**, and says how to complete the display.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from microcred.integrate._common import (
    IntegrateError,
    clean,
    label_in,
    language_of,
    require,
    share,
    valid_answers,
    wilson,
)
from microcred.integrate.quantitize import CODE_PREFIX
from microcred.quant.results import SMALL_N

if TYPE_CHECKING:
    import pandas as pd

    from microcred.qual.codebook import Code, Codebook
    from microcred.quant.results import QuantResults
    from microcred.study.models import Item, Study

__all__ = [
    "COMPLEMENT_AT",
    "CONVERGE_AT",
    "JOINT_CONSTRUCTS",
    "Agreement",
    "JointDisplay",
    "JointDisplays",
    "SurveyEvidence",
    "ThemeEvidence",
    "joint_displays",
    "kappa_verdict",
    "motivation_agreement",
    "survey_only_displays",
    "theme_verdict",
]

JOINT_CONSTRUCTS = (
    "motivation",
    "duration",
    "weekly_hours",
    "content_orientation",
    "modality",
    "live_sessions",
    "modularity",
    "credential",
)
"""Constructs a joint display is built for, in this order (those the study has)."""

CONVERGE_AT = 0.6
"""Kappa at or above which stated and coded motivations converge."""
COMPLEMENT_AT = 0.2
"""Kappa at or above which (and below :data:`CONVERGE_AT`) they complement."""

Verdict = Literal["converge", "complement", "diverge", "undetermined"]

KAPPA_RULE = (
    "Motivation: Cohen's kappa between each respondent's stated motivation (survey) and "
    "coded motivation (themes linked to a survey option), over respondents with both; "
    "kappa >= {hi:g} converge, {lo:g} <= kappa < {hi:g} complement, kappa < {lo:g} "
    "diverge; themes linked to no survey option speak to another aspect: complement."
)
MODAL_RULE = (
    "Modal survey option vs the most frequent matching theme: same option converge; "
    "a theme on no survey option, or on an option whose 95% Wilson interval overlaps "
    "the modal option's, complement; a clearly less chosen option diverge."
)
INDIRECT_RULE = (
    "Themes coded only in answers to questions that did not ask about the construct are "
    "indirect evidence: kappa or the modal comparison then measures association, not "
    "agreement on one question, and a result that would diverge is read as complement."
)
UNDETERMINED_RULE = "No survey item, no matching theme, or an undefined kappa: undetermined."
NO_STRAND_RULE = (
    "No free text or transcript coded in the study: undetermined (the qualitative side "
    "is left empty, never guessed)."
)
NO_STRAND = "No free text or transcript in this study"
"""What the qualitative column says in a study without a qualitative strand."""
NO_STRAND_NOTE = (
    "This study has no qualitative strand, so only the survey side of each joint display "
    "is filled. To complete them, add a focus-group transcript (coding: transcripts:) or "
    "an open question (coding: items:) to the study file, with a codebook whose codes "
    "name the construct (construct:) and, where they match one, the survey option "
    "(option:), and run it again."
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SurveyEvidence:
    """The survey side: the modal option of the construct's item.

    Attributes
    ----------
    item_id, item_type : str
    option_id, label : str
        The modal option (most chosen declared option; ties: study order).
    n, n_valid : int
        Respondents who chose it; respondents with a valid answer (the base).
    pct, ci_low, ci_high : float
        ``n / n_valid`` and its Wilson 95% interval (from the quant results).
    """

    item_id: str
    item_type: str
    option_id: str
    label: str
    n: int
    n_valid: int
    pct: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class ThemeEvidence:
    """One matching theme: a code linked to the construct.

    Attributes
    ----------
    code_id, label : str
    option : str or None
        The survey option the code stands for (``Code.option``), if any.
    n, n_coded : int
        Respondents with at least one unit carrying the code; respondents with a coded
        unit (the base).
    pct, ci_low, ci_high : float
        ``n / n_coded`` and its Wilson 95% interval.
    """

    code_id: str
    label: str
    option: str | None
    n: int
    n_coded: int
    pct: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Agreement:
    """Per-respondent agreement between stated and coded motivation.

    Attributes
    ----------
    method : {"nominal", "binary"}
        One category per respondent (single choice) or respondent x option pairs
        (multiple choice).
    kappa : float
        Cohen's kappa (NaN when undefined).
    percent_agreement : float
        Share of agreeing comparisons.
    n : int
        Respondents compared.
    n_pairs : int
        Comparisons (``n`` for nominal; respondents x options for binary).
    left_out : dict of str -> int
        Respondents with both sources but not compared, by reason.
    options : tuple of str
        Survey options that have a linked theme.
    """

    method: Literal["nominal", "binary"]
    kappa: float
    percent_agreement: float
    n: int
    n_pairs: int
    left_out: dict[str, int] = field(default_factory=dict)
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class JointDisplay:
    """One construct's joint display.

    Attributes
    ----------
    construct, label : str
    survey : SurveyEvidence or None
        ``None`` when the study has no choice item for the construct.
    themes : tuple of ThemeEvidence
        Most frequent first.
    quotes : tuple of str
        Exemplar quotes as given by the caller (personal data; the caller escapes).
    verdict : {"converge", "complement", "diverge", "undetermined"}
    rule : str
        The rule applied, in words.
    reason : str
        Why this verdict, in words.
    agreement : Agreement or None
        For the motivation rule.
    small_n : bool
        Fewer than :data:`~microcred.quant.results.SMALL_N` answers, coded respondents
        or compared respondents behind the verdict.
    documents : tuple of str
        The open questions (their text) and transcripts the themes were coded in.
    direct : bool or None
        ``True`` when a theme comes from an open question of this construct, ``False``
        when all come from questions of other constructs (indirect evidence), ``None``
        when not known (no theme, no documents given, or transcripts).
    quote_sources : tuple of str
        For each quote, where it comes from (the theme and the pseudonymous respondent),
        or empty.
    qualitative : str or None
        What the qualitative column says when it cannot show themes
        (:data:`NO_STRAND` for a study without a qualitative strand).
    """

    construct: str
    label: str
    survey: SurveyEvidence | None
    themes: tuple[ThemeEvidence, ...]
    quotes: tuple[str, ...]
    verdict: Verdict
    rule: str
    reason: str
    agreement: Agreement | None = None
    small_n: bool = False
    documents: tuple[str, ...] = ()
    direct: bool | None = None
    quote_sources: tuple[str, ...] = ()
    qualitative: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (NaN as ``None``; quotes included as given)."""
        return dict(clean(asdict(self)))


@dataclass
class JointDisplays:
    """Every joint display of a study, with the rules applied.

    Attributes
    ----------
    displays : list of JointDisplay
        In :data:`JOINT_CONSTRUCTS` order.
    rules : list of str
    n_coded : int
        Respondents with at least one coded unit.
    notes : list of str
    qualitative : bool
        ``False`` for a study without a qualitative strand (survey side only).
    """

    displays: list[JointDisplay]
    rules: list[str]
    n_coded: int
    notes: list[str] = field(default_factory=list)
    qualitative: bool = True

    def get(self, construct: str) -> JointDisplay | None:
        """The display of ``construct``, or ``None``."""
        return next((d for d in self.displays if d.construct == construct), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: ``displays``, ``rules``, ``n_coded``, ``notes``, ``qualitative``."""
        return {
            "displays": [d.to_dict() for d in self.displays],
            "rules": list(self.rules),
            "n_coded": int(self.n_coded),
            "notes": list(self.notes),
            "qualitative": bool(self.qualitative),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per construct (quotes left out: they are personal data).

        Returns
        -------
        pandas.DataFrame
            ``construct, label, item_id, survey_option, survey_label, survey_n,
            survey_base, survey_pct, survey_ci_low, survey_ci_high, theme_code,
            theme_label, theme_option, theme_n, theme_base, theme_pct, theme_ci_low,
            theme_ci_high, n_themes, kappa, kappa_n, verdict, small_n, reason,
            documents, direct, qualitative`` (the theme columns describe the most
            frequent theme; ``documents`` joined with " / ").
        """
        import pandas as pd

        rows = []
        for d in self.displays:
            s, top, a = d.survey, (d.themes[0] if d.themes else None), d.agreement
            rows.append({
                "construct": d.construct, "label": d.label,
                "item_id": s.item_id if s else None,
                "survey_option": s.option_id if s else None,
                "survey_label": s.label if s else None,
                "survey_n": s.n if s else None, "survey_base": s.n_valid if s else None,
                "survey_pct": s.pct if s else math.nan,
                "survey_ci_low": s.ci_low if s else math.nan,
                "survey_ci_high": s.ci_high if s else math.nan,
                "theme_code": top.code_id if top else None,
                "theme_label": top.label if top else None,
                "theme_option": top.option if top else None,
                "theme_n": top.n if top else None, "theme_base": top.n_coded if top else None,
                "theme_pct": top.pct if top else math.nan,
                "theme_ci_low": top.ci_low if top else math.nan,
                "theme_ci_high": top.ci_high if top else math.nan,
                "n_themes": len(d.themes),
                "kappa": a.kappa if a else math.nan, "kappa_n": a.n if a else None,
                "verdict": d.verdict, "small_n": d.small_n, "reason": d.reason,
                "documents": " / ".join(d.documents), "direct": d.direct,
                "qualitative": d.qualitative,
            })  # fmt: skip
        frame = pd.DataFrame(rows)
        for column in ("survey_n", "survey_base", "theme_n", "theme_base", "kappa_n"):
            # a shared copy holds labels ("<5") where counts are hidden: left as they are
            if column in frame.columns and not frame[column].map(
                lambda v: isinstance(v, str)
            ).any():
                frame[column] = frame[column].astype("Int64")
        return frame


# --------------------------------------------------------------------------- rules


def kappa_verdict(
    kappa: float, *, converge_at: float = CONVERGE_AT, complement_at: float = COMPLEMENT_AT
) -> Verdict:
    """Verdict of the motivation agreement rule.

    Parameters
    ----------
    kappa : float
        Cohen's kappa of stated vs coded motivation.
    converge_at, complement_at : float, default 0.6 and 0.2

    Returns
    -------
    {"converge", "complement", "diverge", "undetermined"}
        ``kappa >= converge_at`` converge; ``>= complement_at`` complement; below,
        diverge; NaN undetermined.

    Notes
    -----
    0.6 and 0.2 are the upper bounds of Landis & Koch's (1977) "moderate" and
    "slight" bands: substantial agreement converges; fair to moderate agreement says
    the sources overlap but each adds something; slight or worse, they diverge.

    References
    ----------
    Landis, J. R. & Koch, G. G. (1977). The measurement of observer agreement for
    categorical data. Biometrics 33(1), 159-174.
    """
    if kappa is None or math.isnan(kappa):
        return "undetermined"
    if kappa >= converge_at:
        return "converge"
    if kappa >= complement_at:
        return "complement"
    return "diverge"


def theme_verdict(
    survey: SurveyEvidence | None,
    top: ThemeEvidence | None,
    options: Mapping[str, tuple[float, float]],
) -> tuple[Verdict, str]:
    """Verdict of the modal rule: the modal survey option vs the top theme.

    Parameters
    ----------
    survey : SurveyEvidence or None
    top : ThemeEvidence or None
        The most frequent matching theme.
    options : mapping of str -> (float, float)
        The survey item's declared options -> Wilson 95% interval of their share.

    Returns
    -------
    (verdict, reason)
        See the module notes.
    """
    if survey is None:
        return "undetermined", "the survey has no choice item for this construct"
    if top is None or top.n == 0:
        return "undetermined", "no coded respondent carries a matching theme"
    if top.option is None:
        return "complement", (
            f"the most frequent theme ({top.label}) is linked to no survey option: it "
            "speaks to an aspect the survey did not ask"
        )
    if top.option not in options:
        return "complement", (
            f"the most frequent theme ({top.label}) names an option the survey did not "
            f"offer ({top.option})"
        )
    if top.option == survey.option_id:
        return "converge", (
            f"the most frequent theme ({top.label}) names the modal survey option "
            f"({survey.label})"
        )
    lo, hi = options[top.option]
    if not (hi < survey.ci_low or lo > survey.ci_high):
        return "complement", (
            f"the most frequent theme ({top.label}) names another option, but the "
            f"survey is divided between it and the modal option ({survey.label}): "
            "their 95% intervals overlap"
        )
    return "diverge", (
        f"the most frequent theme ({top.label}) names an option the survey chose "
        f"clearly less often than the modal option ({survey.label})"
    )


def motivation_agreement(
    answers: pd.DataFrame,
    item: Item,
    quantitized: pd.DataFrame,
    codes: Sequence[Code],
) -> Agreement | None:
    """Per-respondent agreement between the stated and the coded motivation.

    Parameters
    ----------
    answers : pandas.DataFrame
        Long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`).
    item : Item
        The stated-motivation item (single_choice or multi_choice).
    quantitized : pandas.DataFrame
        Output of :func:`microcred.integrate.quantitize.quantitize`.
    codes : sequence of Code
        The motivation codes; those whose ``option`` is an option of ``item`` are
        compared.

    Returns
    -------
    Agreement or None
        ``None`` when no code names an option of the item (the sources speak to
        different aspects). See the module notes for the comparison.

    Raises
    ------
    microcred.errors.InputError
        A frame lacks a needed column.

    Notes
    -----
    Kappa is :func:`microcred.qual.agreement.cohen_kappa` (statsmodels
    ``cohens_kappa`` on the contingency table), checked against scikit-learn
    ``cohen_kappa_score`` in the tests.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement 20(1), 37-46.
    """
    import numpy as np
    import pandas as pd

    from microcred.qual.agreement import cohen_kappa, percent_agreement

    require(answers, ("respondent_id", "item_id", "option_id"), "answers")
    require(quantitized, ("respondent_id",), "quantitized codes")
    option_ids = [o.id for o in item.effective_options()]
    linked: dict[str, list[str]] = {}
    for code in codes:
        column = CODE_PREFIX + code.id
        if code.option in option_ids and column in quantitized.columns:
            linked.setdefault(code.option, []).append(column)
    if not linked:
        return None
    options = [o for o in option_ids if o in linked]
    q = quantitized.assign(respondent_id=quantitized["respondent_id"].astype(str))
    q = q.set_index("respondent_id")
    coded = pd.DataFrame({
        option: q[columns].apply(pd.to_numeric).max(axis=1, skipna=False)
        for option, columns in linked.items()
    })[options]  # fmt: skip
    coded = coded[coded.notna().all(axis=1)]
    stated = valid_answers(answers, item.id)
    stated = stated[stated["respondent_id"].isin(coded.index)]
    respondents = list(dict.fromkeys(stated["respondent_id"]))
    coded = coded.loc[respondents].astype(int)
    n_coded_options = coded.sum(axis=1)
    left_out: dict[str, int] = {}
    none = int((n_coded_options == 0).sum())
    if none:
        left_out["coded with no motivation linked to a survey option"] = none
    keep = n_coded_options > 0
    if item.type == "single_choice":
        several = int((n_coded_options > 1).sum())
        if several:
            left_out["coded with two or more motivations"] = several
        keep &= n_coded_options == 1
        chosen = coded[keep].idxmax(axis=1)
        first = stated.drop_duplicates("respondent_id").set_index("respondent_id")["option_id"]
        pairs = pd.DataFrame({"stated": first.reindex(chosen.index), "coded": chosen})
        categories = list(dict.fromkeys([*option_ids, *pairs["stated"], *pairs["coded"]]))
        code_of = {c: float(i) for i, c in enumerate(categories)}
        ratings = np.column_stack([pairs["stated"].map(code_of), pairs["coded"].map(code_of)])
        ratings = ratings.reshape(-1, 2).astype(float)
        n, n_pairs, method = len(pairs), len(pairs), "nominal"
    else:
        ticked = pd.crosstab(stated["respondent_id"], stated["option_id"]).clip(upper=1)
        ticked = ticked.reindex(index=coded.index[keep], columns=options, fill_value=0)
        ratings = np.column_stack([
            ticked.to_numpy(dtype=float).reshape(-1),
            coded[keep].to_numpy(dtype=float).reshape(-1),
        ])  # fmt: skip
        n, n_pairs, method = int(keep.sum()), ratings.shape[0], "binary"
    if n_pairs == 0:
        kappa, agree = math.nan, math.nan
    else:
        kappa = cohen_kappa(ratings)
        agree = percent_agreement(ratings)
    return Agreement(
        method=method,  # type: ignore[arg-type]
        kappa=float(kappa),
        percent_agreement=float(agree),
        n=int(n),
        n_pairs=int(n_pairs),
        left_out=left_out,
        options=tuple(options),
    )


# --------------------------------------------------------------------------- build


def _survey_item(study: Study, construct: str) -> Item | None:
    from microcred.design.brief import construct_items, main_item

    item = main_item(study, construct)
    if construct == "motivation" or item is None:
        for candidate in construct_items(study, construct):
            if candidate.type in ("single_choice", "multi_choice", "ordinal"):
                return candidate
    return item


def _survey(
    results: QuantResults, item: Item | None
) -> tuple[SurveyEvidence | None, dict[str, tuple[float, float]]]:
    if item is None or item.id not in results.items:
        return None, {}
    result = results.items[item.id]
    table = result.frequencies
    if table is None or not len(table) or result.n_valid == 0:
        return None, {}
    declared = [o.id for o in item.effective_options()]
    rows = table[table["option_id"].astype(str).isin(declared)]
    if not len(rows):
        return None, {}
    intervals = {
        str(o): (float(lo), float(hi))
        for o, lo, hi in zip(rows["option_id"], rows["ci_low"], rows["ci_high"], strict=True)
    }
    counts = rows["n"].to_numpy()
    best = rows.iloc[int(counts.argmax())]  # first maximum: study order
    return SurveyEvidence(
        item_id=item.id,
        item_type=item.type,
        option_id=str(best["option_id"]),
        label=str(best["label"]),
        n=int(best["n"]),
        n_valid=int(result.n_valid),
        pct=float(best["pct"]),
        ci_low=float(best["ci_low"]),
        ci_high=float(best["ci_high"]),
    ), intervals


def _themes(codes: Sequence[Code], quantitized: pd.DataFrame, language: str) -> list[ThemeEvidence]:
    import pandas as pd

    themes = []
    for code in codes:
        column = CODE_PREFIX + code.id
        if column not in quantitized.columns:
            continue
        values = pd.to_numeric(quantitized[column])
        base = int(values.notna().sum())
        n = int((values == 1).sum())
        lo, hi = wilson(n, base)
        themes.append(ThemeEvidence(
            code_id=code.id, label=code.label(language), option=code.option, n=n,
            n_coded=base, pct=share(n, base), ci_low=lo, ci_high=hi,
        ))  # fmt: skip
    order = sorted(range(len(themes)), key=lambda i: (-themes[i].n, i))
    return [themes[i] for i in order]


def _construct_label(study: Study, construct: str, language: str) -> str:
    found = next((c for c in study.constructs if c.id == construct), None)
    if found is None or not found.label:
        return construct.replace("_", " ").capitalize()
    return label_in(found.label, language, construct)


def joint_displays(
    study: Study,
    results: QuantResults,
    quantitized: pd.DataFrame,
    codebook: Codebook,
    *,
    answers: pd.DataFrame | None = None,
    quotes: Mapping[str, Sequence[str | tuple[str, str]]] | None = None,
    constructs: Sequence[str] | None = None,
    language: str | None = None,
    max_quotes: int = 3,
    converge_at: float = CONVERGE_AT,
    complement_at: float = COMPLEMENT_AT,
    documents: Mapping[str, Sequence[str]] | None = None,
) -> JointDisplays:
    """Build a joint display per construct: survey result, themes, quotes, verdict.

    Parameters
    ----------
    study : Study
        The instrument; a construct's survey item is its first single_choice or
        ordinal item (for motivation, its first single_choice, multi_choice or
        ordinal item).
    results : QuantResults
        Quantitative results (shares and Wilson intervals of the survey side).
    quantitized : pandas.DataFrame, shape (n_respondents, ...)
        Output of :func:`microcred.integrate.quantitize.quantitize` on the same
        respondents.
    codebook : Codebook
        Its codable codes with ``construct`` set are the themes of that construct;
        ``option`` links a code to a survey option.
    answers : pandas.DataFrame, optional
        Long answers; needed for the motivation agreement rule (without them the
        motivation display uses the modal rule and says so).
    quotes : mapping of str -> sequence of str or (str, str), optional
        Construct id -> exemplar quotes (see
        :func:`microcred.integrate.quotes.quotes_by_construct`), each a text or a
        ``(text, source)`` pair; personal data: kept as given, never logged; the
        caller escapes them for HTML.
    constructs : sequence of str, optional
        Constructs to display; default :data:`JOINT_CONSTRUCTS` that the study has
        (as a construct, or named by an item) or that a code links to.
    language : str, optional
        Label language (default: the study's first).
    max_quotes : int, default 3
    converge_at, complement_at : float, default 0.6 and 0.2
        Kappa thresholds of the motivation rule.
    documents : mapping of str -> sequence of str, optional
        Code id -> the documents it was coded in (open item ids, transcript names;
        see :func:`microcred.integrate.coded.code_documents`). With it, themes coded
        only in open questions of other constructs are read as indirect evidence (see
        the module notes); without it, every theme is taken as direct.

    Returns
    -------
    JointDisplays
        One :class:`JointDisplay` per construct, the rules in words and the number
        of coded respondents. ``to_dict()`` gives JSON, ``to_frame()`` a table.

    Raises
    ------
    IntegrateError
        ``complement_at > converge_at``, or a threshold outside [-1, 1].
    microcred.errors.InputError
        A frame lacks a needed column.

    Notes
    -----
    The verdict rules are in the module docstring. A joint display brings the two
    strands side by side so that their fit (confirmation, expansion or discordance)
    can be read off (Fetters, Curry & Creswell 2013; Guetterman, Fetters & Creswell
    2015). Shares are Wilson 95% intervals
    (:func:`microcred.quant.proportions.wilson_ci`).

    References
    ----------
    .. [1] Fetters, M. D., Curry, L. A. & Creswell, J. W. (2013). Achieving integration
       in mixed methods designs. Health Services Research 48(6pt2), 2134-2156.
    .. [2] Guetterman, T. C., Fetters, M. D. & Creswell, J. W. (2015). Integrating
       quantitative and qualitative results in health science mixed methods research
       through joint displays. Annals of Family Medicine 13(6), 554-561.
    .. [3] Bruguera, C., Fitó, À. & Pagés, C. (2023). Exploring learners' motivations
       and preferences for micro-credentials: a mixed-method study. Ubiquity
       Proceedings. https://doi.org/10.5334/uproc.67
    """
    for name, value in (("converge_at", converge_at), ("complement_at", complement_at)):
        if not -1 <= value <= 1:
            raise IntegrateError(f"{name} must lie in [-1, 1], got {value!r}")
    if complement_at > converge_at:
        raise IntegrateError("complement_at must not exceed converge_at")
    require(quantitized, ("respondent_id",), "quantitized codes")
    language = language_of(study, language)
    by_construct: dict[str, list[Code]] = {}
    for code in codebook.codable():
        if code.construct:
            by_construct.setdefault(code.construct, []).append(code)
    if constructs is None:
        has = {c.id for c in study.constructs} | {
            i.construct_id for i in study.items if i.construct_id
        } | set(by_construct)
        constructs = [c for c in JOINT_CONSTRUCTS if c in has]
    code_cols = [c for c in quantitized.columns if str(c).startswith(CODE_PREFIX)]
    n_coded = int(quantitized[code_cols].notna().any(axis=1).sum()) if code_cols else 0
    kappa_rule = KAPPA_RULE.format(hi=converge_at, lo=complement_at)
    notes: list[str] = []
    displays = []
    for construct in constructs:
        item = _survey_item(study, construct)
        survey, intervals = _survey(results, item)
        codes = by_construct.get(construct, [])
        themes = _themes(codes, quantitized, language)
        top = themes[0] if themes and themes[0].n > 0 else None
        sources, direct = _evidence(study, construct, themes, documents, language)
        agreement = None
        rule = MODAL_RULE
        small = (survey is not None and survey.n_valid < SMALL_N) or (
            top is not None and top.n_coded < SMALL_N
        )
        if construct == "motivation" and answers is not None and item is not None and item.type in (
            "single_choice", "multi_choice"
        ):
            rule = kappa_rule
            agreement = motivation_agreement(answers, item, quantitized, codes)
            if agreement is None:
                verdict: Verdict = "complement" if top is not None else "undetermined"
                reason = (
                    "no motivation theme is linked to a survey option: the themes speak "
                    "to aspects the survey did not ask" if top is not None
                    else "no coded respondent carries a motivation theme"
                )
            else:
                verdict = kappa_verdict(agreement.kappa, converge_at=converge_at,
                                        complement_at=complement_at)  # fmt: skip
                small = small or agreement.n < SMALL_N
                if verdict == "undetermined":
                    reason = (
                        f"kappa is undefined on {agreement.n} respondents with both a stated "
                        "and a coded motivation (none, or a single category throughout)"
                    )
                else:
                    reason = (
                        f"Cohen's kappa = {agreement.kappa:.2f} ({agreement.method}, "
                        f"{agreement.n} respondents, {agreement.percent_agreement:.0%} "
                        "agreement)"
                    )
                unlinked = [t for t in themes if t.n > 0 and t.option not in agreement.options]
                if unlinked:
                    reason += (
                        f"; {len(unlinked)} further theme(s) linked to no survey option "
                        "add aspects the survey did not ask"
                    )
                if agreement.left_out:
                    reason += "; left out: " + ", ".join(
                        f"{n} {why}" for why, n in agreement.left_out.items()
                    )
        else:
            if construct == "motivation" and answers is None and item is not None:
                notes.append("motivation: no answers given, so the modal rule was used "
                             "instead of per-respondent agreement")  # fmt: skip
            verdict, reason = theme_verdict(survey, top, intervals)
        label = _construct_label(study, construct, language)
        if direct is False and verdict != "undetermined":
            verdict, reason = _indirect(verdict, reason, sources, label, agreement)
        if small and verdict != "undetermined":
            reason += f" (fewer than {SMALL_N} respondents on one side: read with care)"
        given = [q if isinstance(q, tuple) else (str(q), "") for q in
                 (quotes or {}).get(construct, ())][:max_quotes]  # fmt: skip
        displays.append(JointDisplay(
            construct=construct, label=label,
            survey=survey, themes=tuple(themes), quotes=tuple(str(t) for t, _ in given),
            verdict=verdict, rule=rule, reason=reason, agreement=agreement,
            small_n=bool(small), documents=sources, direct=direct,
            quote_sources=tuple(str(src) for _, src in given),
        ))  # fmt: skip
    rules = [kappa_rule, MODAL_RULE, INDIRECT_RULE, UNDETERMINED_RULE]
    return JointDisplays(displays=displays, rules=rules, n_coded=n_coded, notes=notes)


def _evidence(
    study: Study,
    construct: str,
    themes: Sequence[ThemeEvidence],
    documents: Mapping[str, Sequence[str]] | None,
    language: str,
) -> tuple[tuple[str, ...], bool | None]:
    """Where the construct's themes were coded, and whether that asked about it."""
    if documents is None:
        return (), None
    docs = list(dict.fromkeys(d for t in themes if t.n > 0 for d in documents.get(t.code_id, ())))
    if not docs:
        return (), None
    items = {i.id: i for i in study.items}
    labels: list[str] = []
    direct: bool | None = False
    for doc in docs:
        if doc in items:
            labels.append(f"“{items[doc].label(language)}”")
            if study.construct_of(doc) == construct:
                direct = True
        else:
            labels.append(f"transcript {doc}")
            if direct is False:
                direct = None
    return tuple(labels), direct


def _indirect(
    verdict: Verdict,
    reason: str,
    sources: Sequence[str],
    label: str,
    agreement: Agreement | None,
) -> tuple[Verdict, str]:
    """The indirect-evidence reading of a verdict (see the module notes)."""
    asked = " and ".join(sources) or "open questions"
    what = label[:1].lower() + label[1:]
    measures = (
        "kappa measures the association between what learners wrote there and what "
        "they stated, not agreement on one question" if agreement is not None
        else "the comparison shows what learners volunteered there, not their answer to "
        "the same question"
    )
    reason += (
        f"; the themes come from answers to {asked}, which did not ask about {what}: "
        + measures
    )
    if verdict == "diverge":
        reason += (
            "; read as complement, not diverge: the two sources answer different questions"
        )
        return "complement", reason
    return verdict, reason


def survey_only_displays(
    study: Study,
    results: QuantResults,
    *,
    constructs: Sequence[str] | None = None,
    language: str | None = None,
) -> JointDisplays:
    """Joint displays of a study without a qualitative strand: the survey side only.

    Parameters
    ----------
    study : Study
        The instrument (no free text or transcript is coded).
    results : QuantResults
        Quantitative results (shares and Wilson intervals).
    constructs : sequence of str, optional
        Default: the :data:`JOINT_CONSTRUCTS` that have a survey item with answers.
    language : str, optional
        Label language (default: the study's first).

    Returns
    -------
    JointDisplays
        One display per construct with its survey result, no theme, the qualitative
        column set to :data:`NO_STRAND`, verdict ``"undetermined"`` with that reason;
        ``qualitative`` is ``False`` and ``notes`` says how to complete the displays.
        Nothing qualitative is invented.

    Notes
    -----
    Keeping the display with an empty qualitative column follows the joint-display
    format of Guetterman, Fetters & Creswell (2015): the survey result stays visible,
    and the missing strand is stated rather than hidden.
    """
    language = language_of(study, language)
    if constructs is None:
        constructs = list(JOINT_CONSTRUCTS)
    displays = []
    for construct in constructs:
        survey, _ = _survey(results, _survey_item(study, construct))
        if survey is None:
            continue
        reason = (
            "there is no free text or transcript in this study: the survey result cannot "
            "be set against learners' own words"
        )
        displays.append(JointDisplay(
            construct=construct, label=_construct_label(study, construct, language),
            survey=survey, themes=(), quotes=(), verdict="undetermined",
            rule=NO_STRAND_RULE, reason=reason, small_n=survey.n_valid < SMALL_N,
            qualitative=NO_STRAND,
        ))  # fmt: skip
    return JointDisplays(
        displays=displays, rules=[NO_STRAND_RULE], n_coded=0, notes=[NO_STRAND_NOTE],
        qualitative=False,
    )
