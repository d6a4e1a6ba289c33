"""Report sections for the qualitative, mixed-methods, design and privacy stages.

Each section is a list of blocks (paragraph, table, quotes, or a design-brief fragment
that :mod:`microcred.design.render` already escaped). Selecting and formatting only:
every number comes from the stage results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from microcred.report.context import Table
from microcred.report.fmt import ci, count, fixed, p_value, pct

if TYPE_CHECKING:
    from microcred.integrate.stage import Integration
    from microcred.privacy.shared import SharedResults
    from microcred.qual.stage import QualResults
    from microcred.quant.results import QuantResults

MAX_CHANGES = 5


@dataclass
class Block:
    """One piece of a section: ``p`` (text), ``table``, ``quotes`` or ``html``.

    ``html`` holds a fragment rendered by :func:`microcred.design.render.brief_html`
    with autoescaping on; nothing else is ever inserted as markup.
    """

    kind: str
    text: str = ""
    table: Table | None = None
    quotes: list[tuple[str, str]] = field(default_factory=list)
    html: str = ""


@dataclass
class SectionView:
    """A report section after the segment comparisons."""

    id: str
    title: str
    blocks: list[Block]


def _table(frame: pd.DataFrame, numeric: Sequence[bool], caption: str = "") -> Table:
    rows = [["" if pd.isna(v) else str(v) for v in row] for row in frame.itertuples(index=False)]
    return Table(headers=list(frame.columns), rows=rows, numeric=list(numeric), caption=caption)


def _shown(value: Any, fmt: Any) -> str:
    """A suppressed cell keeps its label ("<5"); anything else is formatted."""
    return value if isinstance(value, str) else str(fmt(value))


def qual_section(
    qual: QualResults,
    segment_labels: Mapping[str, str],
    k: int | None = None,
    privacy: Any = None,
) -> SectionView:
    """Themes, themes by segment, exemplar quotes, co-occurrence, agreement, candidates.

    Candidate themes are listed with their keywords, then their most central quotes
    (as the pipeline left them: scrubbed, pseudonymised, withheld below ``k``).

    Parameters
    ----------
    qual : QualResults
        The shared copy (:func:`microcred.privacy.later.share_qual`, as the run passes
        it), or exact results, which are shared here when ``k`` is given.
    segment_labels : mapping
        Segment id -> label.
    k : int, optional
        Small-cell threshold (see :mod:`microcred.privacy.later`): theme counts from 1
        to k - 1 (and their percentages and CIs) are shown as ``"<k"``, and so on for
        the themes by segment, the co-occurrences and the candidate themes.
    privacy : microcred.privacy.PrivacySummary, optional
        Receives what was suppressed when the results are shared here.

    Returns
    -------
    SectionView
    """
    from microcred.privacy.later import SharedLater, is_shared_later, share_qual

    if k is not None and not is_shared_later(qual):
        later = SharedLater(k=k)
        qual = share_qual(qual, k, later)
        if privacy is not None:
            later.record(privacy)
    blocks = [Block("p", _method_text(qual.method))]
    by_id = {c.id: c for c in qual.codebook.walk()}
    for document, themes in qual.themes.groupby("document", sort=False):
        themes = themes.reset_index(drop=True)
        frame = pd.DataFrame(
            {
                "Theme": themes["label"],
                "n": [_shown(v, count) for v in themes["n"]],
                "% of respondents": [_shown(v, pct) for v in themes["pct"]],
                "95% CI": [
                    lo if isinstance(lo, str) else ci(lo, hi)
                    for lo, hi in zip(themes["ci_low"], themes["ci_high"], strict=True)
                ],
                "Human-coded units": [_shown(v, count) for v in themes["n_human"]],
                "Machine-coded units": [_shown(v, count) for v in themes["n_machine"]],
            }
        )
        base = themes["base"].iloc[0] if len(themes) else 0
        blocks.append(
            Block(
                "table",
                table=_table(
                    frame,
                    [False, True, True, True, True, True],
                    f"Themes in “{document}” (base: {_shown(base, count)} respondents who "
                    "answered)",
                ),
            )
        )
        segments = qual.by_segment[qual.by_segment["document"] == document]
        if not segments.empty:
            wide = segments.assign(
                cell=[
                    _segment_cell(n, p, lo, hi, small)
                    for n, p, lo, hi, small in zip(
                        segments["n"],
                        segments["pct"],
                        segments["ci_low"],
                        segments["ci_high"],
                        segments["small_n"],
                        strict=True,
                    )
                ]
            ).pivot(index="code_id", columns="segment_id", values="cell")
            wide = wide.reindex(themes["code_id"])
            wide.index = [by_id[c].label() for c in wide.index]
            wide.columns = [segment_labels.get(s, s) for s in wide.columns]
            wide = wide.reset_index(names="Theme")
            blocks.append(
                Block(
                    "table",
                    table=_table(
                        wide,
                        [False] + [True] * (wide.shape[1] - 1),
                        f"Themes in “{document}” by segment (% of the segment's respondents who "
                        "answered, 95% CI)",
                    ),
                )
            )
        for code_id in themes["code_id"]:
            quotes = [
                (
                    q["text"],
                    f"{q['respondent_id'] or 'transcript'}, "
                    f"{'human' if q['origin'] == 'human' else 'machine'}-coded",
                )
                for q in qual.quotes.get(code_id, [])
            ]
            if quotes:
                blocks.append(Block("p", f"{by_id[code_id].label()}:"))
                blocks.append(Block("quotes", quotes=quotes))
    pairs = _top_pairs(qual.cooccurrence, by_id)
    if pairs is not None:
        blocks.append(Block("table", table=pairs))
    if qual.agreement is not None and not qual.agreement.empty:
        agreement = qual.agreement
        frame = pd.DataFrame(
            {
                "Coders": agreement["pair"],
                "Code": agreement["code_id"],
                "Units": agreement["n_units"].map(count),
                "% agreement": agreement["percent_agreement"].map(pct),
                "Cohen's κ": agreement["cohen_kappa"].map(lambda v: fixed(v, 3)),
                "Krippendorff's α": agreement["krippendorff_alpha"].map(lambda v: fixed(v, 3)),
                "Gwet's AC1": agreement["gwet_ac1"].map(lambda v: fixed(v, 3)),
                "Verdict": agreement["verdict"],
            }
        )
        blocks.append(
            Block(
                "table",
                table=_table(
                    frame,
                    [False, False, True, True, True, True, True, False],
                    "Inter-coder agreement on units (α ≥ .800 reliable, .667–.800 tentative; "
                    "Krippendorff 2004)",
                ),
            )
        )
    if qual.candidates:
        frame = pd.DataFrame(
            {
                "Candidate theme": [c.get("name") or c.get("id", "") for c in qual.candidates],
                "Units": [_shown(c.get("size", 0), count) for c in qual.candidates],
                "Keywords (c-TF-IDF)": [
                    ", ".join(c.get("keywords", [])[:8]) for c in qual.candidates
                ],
            }
        )
        blocks.append(
            Block(
                "table",
                table=_table(
                    frame,
                    [False, True, False],
                    "Candidate themes found in answers no code matched (for the codebook's authors "
                    "to review)",
                ),
            )
        )
        for candidate in qual.candidates:
            name = candidate.get("name") or candidate.get("id", "")
            quotes = [
                (q["text"], f"{q.get('respondent_id') or 'transcript'}, close to the centre")
                for q in candidate.get("quotes", [])
                if q.get("text")
            ]
            if quotes:
                blocks.append(Block("p", f"Candidate theme “{name}”, its most central answers:"))
                blocks.append(Block("quotes", quotes=quotes))
            elif k is not None and _small(candidate.get("respondents", k), k):
                blocks.append(
                    Block("p", f"Candidate theme “{name}”: quotes withheld (fewer than {k} "
                          "respondents).")
                )
    return SectionView("themes", "Themes in learners' own words", blocks)


def _segment_cell(n: Any, p: Any, lo: Any, hi: Any, small: Any) -> str:
    """A theme's share in a segment; a hidden count (or share) shows its label."""
    if isinstance(n, str):
        return n
    if isinstance(p, str):
        return p
    return f"{pct(p)} {ci(lo, hi)}" + (" (small n)" if small else "")


def _small(value: Any, k: int) -> bool:
    """A count shown as a label, or from 1 to k - 1."""
    if isinstance(value, str):
        return True
    try:
        return 0 < int(value) < k
    except (TypeError, ValueError):
        return False


def _method_text(method: Mapping[str, Any]) -> str:
    parts = [f"{count(method.get('units', 0))} units of free text were coded"]
    if method.get("embedder"):
        parts.append(f"by machine with the sentence embeddings of {method['embedder']}")
    if method.get("zero_shot"):
        parts.append(
            "zero-shot from the codebook's definitions and examples where no human "
            "had coded examples"
        )
    if method.get("supervised"):
        parts.append("by calibrated logistic models trained on the human codings elsewhere")
    return (
        ", ".join(parts) + ". Machine codings are proposals until a human confirms or "
        "rejects them; a human coding always takes precedence."
    )


def _top_pairs(matrix: pd.DataFrame, by_id: Mapping[str, Any], top: int = 10) -> Table | None:
    if matrix.empty:
        return None
    rows = []
    codes = list(matrix.index)
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            value = matrix.loc[a, b]
            if isinstance(value, str):  # hidden (fewer than k units): not listed
                continue
            n = int(value)
            if n:
                rows.append((by_id[a].label(), by_id[b].label(), n))
    if not rows:
        return None
    rows.sort(key=lambda r: -r[2])
    frame = pd.DataFrame(rows[:top], columns=["Theme", "Together with", "Units with both"])
    frame["Units with both"] = frame["Units with both"].map(count)
    return _table(frame, [False, False, True], "Themes that occur together most often")


def integration_sections(
    integration: Integration,
    results: QuantResults | None = None,
    shared: SharedResults | None = None,
) -> list[SectionView]:
    """Joint displays, learner profiles, design briefs and catalogue fit.

    Parameters
    ----------
    integration : Integration
        The shared copy (:func:`microcred.privacy.later.share_integration`, as the run
        passes it), or exact results, which are shared here first.
    results, shared : optional
        The exact survey results and their shared copy, used when ``integration`` is
        shared here (see :func:`~microcred.privacy.later.share_integration`).

    Returns
    -------
    list of SectionView
    """
    from microcred.design.annex import annex_elements
    from microcred.design.badge import achievement
    from microcred.design.render import brief_html
    from microcred.privacy.later import is_shared_later, share_integration

    if not is_shared_later(integration):
        integration = share_integration(integration, results, shared, integration.k)
    k = integration.k
    sections = []
    if integration.joint is not None:
        joint = _joint_section(integration.joint, k)
        if joint is not None:
            sections.append(joint)
    if integration.coded is not None:
        sections.append(_codes_section(integration.coded))
    if integration.profiles is not None:
        sections.append(_profiles_section(integration.profiles, k))
    if integration.briefs:
        blocks = [
            Block(
                "p",
                "Recommended micro-credential designs, for the whole sample and "
                "for each learner profile shown, each with its evidence. Elements only "
                "the institution can fill are marked as such."
                + (
                    f" Evidence that could give a count below {k} back is withheld."
                    if k
                    else ""
                ),
            )
        ]
        for brief in integration.briefs.values():
            blocks.append(
                Block(
                    "html",
                    html=brief_html(
                        brief,
                        annex=annex_elements(brief),
                        badge=achievement(brief),
                        heading_level=3,
                    ),
                )
            )
        sections.append(SectionView("brief", "Design brief", blocks))
    if integration.fit is not None:
        sections.append(_fit_section(integration.fit))
    return sections


def _ci_cell(lo: Any, hi: Any) -> str:
    return lo if isinstance(lo, str) else ci(lo, hi)


def _profiles_section(profiles: Any, k: int) -> SectionView:
    frame = profiles.to_frame()
    view = pd.DataFrame(
        {
            "Profile": frame["name"],
            "n": [_shown(v, count) for v in frame["n"]],
            "% of respondents": [_shown(v, pct) for v in frame["pct"]],
            "95% CI": [
                _ci_cell(lo, hi) for lo, hi in zip(frame["ci_low"], frame["ci_high"], strict=True)
            ],
            "Defining traits": frame["traits"],
        }
    )
    stability = profiles.stability
    chosen = profiles.selection[profiles.selection["chosen"]]
    silhouette = float(chosen["silhouette"].iloc[0]) if not chosen.empty else float("nan")
    intro = (
        f"{profiles.k} profiles from k-modes clustering of motivations and "
        f"preferences (Huang 1998); k chosen by the highest silhouette "
        f"({silhouette:.3f}) among k = "
        f"{', '.join(str(k) for k in profiles.selection['k'])}. Bootstrap "
        f"stability: mean adjusted Rand index "
        f"{stability.get('mean_ari', float('nan')):.2f} over "
        f"{stability.get('n_boot', 0)} resamples "
        f"({stability.get('label', '')})."
    )
    if profiles.other is not None:
        intro += (
            f" {profiles.other.get('profiles', 0)} profile(s) of fewer than {k} respondents "
            "(with, where needed, the smallest other profile) are not shown: their "
            f"respondents are counted under “{profiles.other.get('name')}”, and their "
            "traits, quotes and design briefs are withheld."
        )
    blocks = [Block("p", intro), Block("table", table=_table(view, [False, True, True, True,
                                                                    False]))]  # fmt: skip
    return SectionView("profiles", "Learner profiles", blocks)


def _fit_section(fit: Any) -> SectionView:
    courses = fit.courses
    view = pd.DataFrame(
        {
            "Course": courses["title"],
            "Respondents served": [_shown(v, count) for v in courses["n"]],
            "%": [_shown(v, pct) for v in courses["pct"]],
            "95% CI": [
                _ci_cell(lo, hi) for lo, hi in zip(courses["ci_low"], courses["ci_high"],
                                                   strict=True)  # fmt: skip
            ],
            "Unmet preferences": courses["unmet"],
        }
    )
    blocks = [
        Block(
            "p",
            f"Each course of the catalogue against the {count(fit.n_respondents)} "
            "respondents' stated preferences on "
            f"{', '.join(fit.dimensions) or 'no shared dimension'}: the share whose "
            "every stated preference it meets.",
        ),
        Block("table", table=_table(view, [False, True, True, True, False])),
    ]
    if not fit.changes.empty:
        changes = fit.changes.drop_duplicates(["title", "dimension"]).head(MAX_CHANGES)
        blocks.append(
            Block(
                "table",
                table=_table(
                    pd.DataFrame(
                        {
                            "Course": changes["title"],
                            "Change": [
                                f"{d}: {c} → {n}"
                                for d, c, n in zip(
                                    changes["dimension"],
                                    changes["current"],
                                    changes["new_label"],
                                    strict=True,
                                )
                            ],
                            "Unserved learners reached": [
                                _shown(v, count) for v in changes["n_reached"]
                            ],
                        }
                    ),
                    [False, False, True],
                    "Single changes that would reach the most learners no course serves",
                ),
            )
        )
    blocks.extend(Block("p", note) for note in fit.notes)
    return SectionView("fit", "Catalogue fit", blocks)


def _joint_section(joint: Any, k: int | None = None) -> SectionView | None:
    """The joint displays: one row per construct, then each construct's quotes.

    Counts come from the shared copy: a hidden survey or theme count shows its label
    (``<k`` or ``[c]``) with no share, as in the survey and themes tables.
    """
    frame = joint.to_frame()
    if frame.empty:
        return None

    def side(label: Any, p: Any, lo: Any, hi: Any, n: Any, base: Any) -> str:
        if not isinstance(label, str):
            return "—"
        hidden = isinstance(n, str) or isinstance(p, str)
        counted = (
            f" ({_shown(n, count)} of {_shown(base, count)})"
            if isinstance(n, str) or not pd.isna(n)
            else ""
        )
        if hidden:
            return f"{label}: {_shown(n, count)} of {_shown(base, count)}"
        return f"{label}: {pct(p)} {ci(lo, hi)}{counted}"

    themes = []
    for row in frame.itertuples(index=False):
        if isinstance(row.qualitative, str):
            themes.append(row.qualitative)
            continue
        if isinstance(row.theme_label, str) and isinstance(row.theme_n, str):
            text = f"{row.theme_label}: {row.theme_n} of {_shown(row.theme_base, count)}"
        elif (k and isinstance(row.theme_label, str) and not pd.isna(row.theme_n)
              and 0 < row.theme_n < k):  # fmt: skip
            text = f"{row.theme_label}: <{k} of {count(row.theme_base)}"
        else:
            text = side(row.theme_label, row.theme_pct, row.theme_ci_low, row.theme_ci_high,
                        row.theme_n, row.theme_base)  # fmt: skip
        if row.n_themes > 1 and isinstance(row.theme_label, str):
            text += f"; {row.n_themes - 1} more theme(s)"
        if row.documents:
            text += f" — from {row.documents}"
        themes.append(text)
    view = pd.DataFrame(
        {
            "Construct": frame["label"],
            "Survey: most chosen (share of respondents who answered, 95% CI)": [
                side(*values)
                for values in zip(
                    frame["survey_label"], frame["survey_pct"], frame["survey_ci_low"],
                    frame["survey_ci_high"], frame["survey_n"], frame["survey_base"],
                    strict=True,
                )
            ],
            "Learners' own words: most frequent theme (share of coded respondents, 95% CI)": (
                themes
            ),
            "κ": frame["kappa"].map(lambda v: _shown(v, lambda x: fixed(x, 3))),
            "Verdict": frame["verdict"],
            "Why": frame["reason"],
        }
    )
    intro = (
        "A joint display per construct (Guetterman, Fetters & Creswell 2015): what the "
        "survey says, what learners said in their own words, and whether the two "
        "converge, complement each other or diverge, by the rules below."
        if joint.qualitative
        else "A joint display per construct (Guetterman, Fetters & Creswell 2015) sets "
        "the survey result beside what learners said in their own words. This study has "
        "no free text or transcript, so only the survey side is filled and no verdict is "
        "given."
    )
    blocks = [
        Block("p", intro),
        Block("table", table=_table(view, [False, False, False, True, False, False])),
    ]
    blocks.extend(Block("p", f"Rule: {rule}") for rule in joint.rules)
    blocks.extend(Block("p", note) for note in joint.notes)
    for display in joint.displays:
        if display.quotes:
            sources = list(display.quote_sources) or [""] * len(display.quotes)
            blocks.append(Block("p", f"{display.label}: what learners wrote"))
            blocks.append(
                Block("quotes", quotes=list(zip(display.quotes, sources, strict=False)))
            )
    title = (
        "Survey and learners' own words side by side"
        if joint.qualitative
        else "Joint displays (survey side only)"
    )
    return SectionView("joint", title, blocks)


def _codes_section(coded: Any) -> SectionView:
    """Codes as respondent variables: codes x segments crosstabs with Holm-corrected tests.

    Rendered from the shared copy's data (:meth:`CodedVariables.to_dict`): hidden counts
    and bases show their labels, and a test on a table with a hidden cell shows its
    p-value only as a bound (:mod:`microcred.privacy.pbounds`).
    """
    k = coded.k
    data = coded.to_dict()
    blocks = [
        Block(
            "p",
            "Each code is also a respondent-level variable: 1 when at least one of the "
            "respondent's coded answers carries it (0 otherwise; no value for a respondent "
            "who gave no answer the code applies to), with the number of such answers. "
            "Below, the codes are crossed with the study's segments and groupings using the "
            "tests of the survey comparisons: Pearson's chi-square, or Fisher's exact test "
            "when an expected count is below 5, with Holm's correction within each grouping "
            "(Holm 1979). Base: respondents in the group whose free text was coded."
            + (
                f" Counts from 1 to {k - 1} are shown as <{k}, and further counts as [c] "
                "where they would give one back; a test on a table with a hidden count "
                "shows its p-value only as a bound."
                if k
                else ""
            ),
        )
    ]
    if coded.segments is not None and len(coded.segments):
        names = ", ".join(f"“{label}”" for label in coded.segments["label"])
        blocks.append(
            Block(
                "p",
                f"Segments defined by codes ({names}) appear with the survey's segments "
                "and, where the study lists items to compare, in the comparisons above.",
            )
        )
    for grouping in data.get("by_groups", []):
        groups = [(str(g["group_id"]), str(g["label"])) for g in grouping["groups"]]
        rows = []
        for test in grouping["tests"]:
            cells = []
            for gid, _ in groups:
                cell = test["groups"].get(gid)
                if not cell or (not isinstance(cell["base"], str) and not cell["base"]):
                    cells.append("—")
                elif isinstance(cell["n"], str) or isinstance(cell["pct"], str):
                    cells.append(f"{_shown(cell['n'], count)} of {_shown(cell['base'], count)}")
                elif k and 0 < cell["n"] < k:
                    cells.append(f"<{k} of {_shown(cell['base'], count)}")
                else:
                    cells.append(f"{pct(cell['pct'])} ({count(cell['n'])} of "
                                 f"{_shown(cell['base'], count)})")  # fmt: skip
            rows.append([
                test["label"], *cells,
                {"chi2": "χ²", "fisher": "Fisher", "fisher_mc": "Fisher (MC)"}.get(
                    str(test["test"]), "—" if test["test"] is None else str(test["test"])
                ),
                _p(test["p_value"]), _p(test["p_holm"]),
                _shown(test["effect_size"], lambda v: fixed(v, 3)),
            ])  # fmt: skip
        headers = ["Theme", *(label for _, label in groups), "Test", "p", "p (Holm)",
                   "Cramér's V"]  # fmt: skip
        frame = pd.DataFrame(rows, columns=headers)
        blocks.append(
            Block(
                "table",
                table=_table(
                    frame,
                    [False] + [True] * (len(headers) - 1),
                    f"Themes by “{grouping['label']}” (% of the group's coded respondents)",
                ),
            )
        )
    blocks.extend(Block("p", note) for note in coded.notes)
    return SectionView("codes", "Themes as respondent variables", blocks)


def _p(value: Any) -> str:
    """A p-value, or its published bound ("< 0.05") or label as it is."""
    return value if isinstance(value, str) else p_value(value)


def privacy_section(summary: Mapping[str, Any]) -> SectionView:
    """What was done to protect respondents (from :class:`PrivacySummary.as_dict`).

    Parameters
    ----------
    summary : mapping

    Returns
    -------
    SectionView
    """
    sentences = summary.get("sentences") or []
    return SectionView("privacy", "Privacy", [Block("p", s) for s in sentences])
