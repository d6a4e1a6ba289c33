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
from microcred.report.fmt import ci, count, num, p_value, pct

if TYPE_CHECKING:
    from microcred.integrate.stage import Integration
    from microcred.qual.stage import QualResults

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
    segment_labels : mapping
        Segment id -> label.
    k : int, optional
        Small-cell threshold: theme counts from 1 to k - 1 (and their percentages and
        CIs) are shown as ``"<k"`` (:func:`microcred.privacy.suppress_frequency_table`,
        primary suppression only: a respondent can hold several themes, so no total
        gives a hidden count back); by segment, such cells are shown as ``"<k"`` too.
    privacy : microcred.privacy.PrivacySummary, optional
        Receives what was suppressed.

    Returns
    -------
    SectionView
    """
    from microcred.privacy.suppress import suppress_frequency_table

    blocks = [Block("p", _method_text(qual.method))]
    by_id = {c.id: c for c in qual.codebook.walk()}
    for document, themes in qual.themes.groupby("document", sort=False):
        themes = themes.reset_index(drop=True)
        counts = themes[["n", "pct", "ci_low", "ci_high"]]
        if k is not None:
            counts, _, suppression = suppress_frequency_table(
                counts, int(themes["base"].iloc[0]), k, multiple=True
            )
            if privacy is not None:
                privacy.record_suppression(suppression)
        frame = pd.DataFrame(
            {
                "Theme": themes["label"],
                "n": [_shown(v, count) for v in counts["n"]],
                "% of respondents": [_shown(v, pct) for v in counts["pct"]],
                "95% CI": [
                    lo if isinstance(lo, str) else ci(lo, hi)
                    for lo, hi in zip(counts["ci_low"], counts["ci_high"], strict=True)
                ],
                "Human-coded units": themes["n_human"].map(count),
                "Machine-coded units": themes["n_machine"].map(count),
            }
        )
        base = int(themes["base"].iloc[0]) if len(themes) else 0
        blocks.append(
            Block(
                "table",
                table=_table(
                    frame,
                    [False, True, True, True, True, True],
                    f"Themes in “{document}” (base: {count(base)} respondents who answered)",
                ),
            )
        )
        segments = qual.by_segment[qual.by_segment["document"] == document]
        if not segments.empty:
            wide = segments.assign(
                cell=[
                    f"<{k}"
                    if k is not None and 0 < n < k
                    else f"{pct(p)} {ci(lo, hi)}" + (" (small n)" if small else "")
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
                "Cohen's κ": agreement["cohen_kappa"].map(lambda v: num(v, 3)),
                "Krippendorff's α": agreement["krippendorff_alpha"].map(lambda v: num(v, 3)),
                "Gwet's AC1": agreement["gwet_ac1"].map(lambda v: num(v, 3)),
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
                "Units": [count(c.get("size", 0)) for c in qual.candidates],
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
            elif k is not None and 0 < int(candidate.get("respondents", k)) < k:
                blocks.append(
                    Block("p", f"Candidate theme “{name}”: quotes withheld (fewer than {k} "
                          "respondents).")
                )
    return SectionView("themes", "Themes in learners' own words", blocks)


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
            n = int(matrix.loc[a, b])
            if n:
                rows.append((by_id[a].label(), by_id[b].label(), n))
    if not rows:
        return None
    rows.sort(key=lambda r: -r[2])
    frame = pd.DataFrame(rows[:top], columns=["Theme", "Together with", "Units with both"])
    frame["Units with both"] = frame["Units with both"].map(count)
    return _table(frame, [False, False, True], "Themes that occur together most often")


def integration_sections(integration: Integration) -> list[SectionView]:
    """Joint displays, learner profiles, design briefs and catalogue fit.

    Parameters
    ----------
    integration : Integration

    Returns
    -------
    list of SectionView
    """
    from microcred.design.annex import annex_elements
    from microcred.design.badge import achievement
    from microcred.design.render import brief_html

    sections = []
    if integration.joint is not None:
        k = integration.coded.k if integration.coded is not None else None
        joint = _joint_section(integration.joint, k)
        if joint is not None:
            sections.append(joint)
    if integration.coded is not None:
        sections.append(_codes_section(integration.coded))
    if integration.profiles is not None:
        profiles = integration.profiles
        frame = profiles.to_frame()
        view = pd.DataFrame(
            {
                "Profile": frame["name"],
                "n": frame["n"].map(count),
                "% of respondents": frame["pct"].map(pct),
                "95% CI": [
                    ci(lo, hi) for lo, hi in zip(frame["ci_low"], frame["ci_high"], strict=True)
                ],
                "Defining traits": frame["traits"],
            }
        )
        stability = profiles.stability
        chosen = profiles.selection[profiles.selection["chosen"]]
        silhouette = float(chosen["silhouette"].iloc[0]) if not chosen.empty else float("nan")
        sections.append(
            SectionView(
                "profiles",
                "Learner profiles",
                [
                    Block(
                        "p",
                        f"{profiles.k} profiles from k-modes clustering of motivations and "
                        f"preferences (Huang 1998); k chosen by the highest silhouette "
                        f"({silhouette:.3f}) among k = "
                        f"{', '.join(str(k) for k in profiles.selection['k'])}. Bootstrap "
                        f"stability: mean adjusted Rand index "
                        f"{stability.get('mean_ari', float('nan')):.2f} over "
                        f"{stability.get('n_boot', 0)} resamples "
                        f"({stability.get('label', '')}).",
                    ),
                    Block("table", table=_table(view, [False, True, True, True, False])),
                ],
            )
        )
    if integration.briefs:
        blocks = [
            Block(
                "p",
                "Recommended micro-credential designs, for the whole sample and "
                "for each learner profile, each with its evidence. Elements only "
                "the institution can fill are marked as such.",
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
        fit = integration.fit
        courses = fit.courses
        view = pd.DataFrame(
            {
                "Course": courses["title"],
                "Respondents served": courses["n"].map(count),
                "%": courses["pct"].map(pct),
                "95% CI": [
                    ci(lo, hi) for lo, hi in zip(courses["ci_low"], courses["ci_high"], strict=True)
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
                                "Unserved learners reached": changes["n_reached"].map(count),
                            }
                        ),
                        [False, False, True],
                        "Single changes that would reach the most learners no course serves",
                    ),
                )
            )
        blocks.extend(Block("p", note) for note in fit.notes)
        sections.append(SectionView("fit", "Catalogue fit", blocks))
    return sections


def _joint_section(joint: Any, k: int | None = None) -> SectionView | None:
    """The joint displays: one row per construct, then each construct's quotes.

    A theme held by 1 to ``k`` - 1 respondents is shown as ``<k`` (as in the themes
    section); the survey side is shown as it is, like the survey tables.
    """
    frame = joint.to_frame()
    if frame.empty:
        return None

    def side(label: Any, p: Any, lo: Any, hi: Any, n: Any, base: Any) -> str:
        if not isinstance(label, str):
            return "—"
        counted = f" ({count(n)} of {count(base)})" if not pd.isna(n) else ""
        return f"{label}: {pct(p)} {ci(lo, hi)}{counted}"

    themes = []
    for row in frame.itertuples(index=False):
        if isinstance(row.qualitative, str):
            themes.append(row.qualitative)
            continue
        if k and isinstance(row.theme_label, str) and 0 < row.theme_n < k:
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
            "κ": frame["kappa"].map(lambda v: num(v, 3)),
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
    """Codes as respondent variables: codes x segments crosstabs with Holm-corrected tests."""
    k = coded.k
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
            + (f" Counts from 1 to {k - 1} are shown as <{k}." if k else ""),
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
    for comparison in coded.by_groups:
        data = coded.grouping_dict(comparison)
        groups = [(str(g["group_id"]), str(g["label"])) for g in data["groups"]]
        rows = []
        for test in data["tests"]:
            cells = []
            for gid, _ in groups:
                cell = test["groups"].get(gid)
                if not cell or not cell["base"]:
                    cells.append("—")
                elif k and 0 < cell["n"] < k:
                    cells.append(f"<{k} of {count(cell['base'])}")
                else:
                    cells.append(f"{pct(cell['pct'])} ({count(cell['n'])} of "
                                 f"{count(cell['base'])})")  # fmt: skip
            rows.append([
                test["label"], *cells,
                {"chi2": "χ²", "fisher": "Fisher", "fisher_mc": "Fisher (MC)"}.get(
                    str(test["test"]), "—" if test["test"] is None else str(test["test"])
                ),
                p_value(test["p_value"]), p_value(test["p_holm"]),
                num(test["effect_size"], 3),
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
                    f"Themes by “{comparison.label}” (% of the group's coded respondents)",
                ),
            )
        )
    blocks.extend(Block("p", note) for note in coded.notes)
    return SectionView("codes", "Themes as respondent variables", blocks)


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
