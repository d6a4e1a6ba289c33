"""The integration stage of a run: joint displays, learner profiles, design briefs, fit.

It takes results, never raw files: the quantitative results, the qualitative results
(when the study codes free text), the answers and respondents as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from microcred.design.brief import Brief
    from microcred.integrate.coded import CodedVariables
    from microcred.integrate.joint import JointDisplays
    from microcred.integrate.profiles import Profiles
    from microcred.qual.stage import QualResults
    from microcred.quant.results import QuantResults
    from microcred.study.models import Study


@dataclass
class Integration:
    """Joint displays, profiles, briefs (whole sample first, then per profile), catalogue fit.

    The joint displays' quotes are the coding stage's exemplar quotes, already scrubbed
    of personal identifiers; they are still respondents' words and must be escaped when
    rendered. ``coded`` holds the quantitized codes (respondent-level: never
    serialised; ``to_dict`` gives their aggregates under ``codes``).

    The counts are exact: what may be published is the copy made by
    :func:`microcred.privacy.later.share_integration` (small counts suppressed), which
    every writer of the run uses. ``profile_results`` (each briefed profile's exact
    analysis) serves that suppression and is never written; ``k`` is the study's
    small-cell threshold.
    """

    joint: JointDisplays | None = None
    coded: CodedVariables | None = None
    profiles: Profiles | None = None
    briefs: dict[str, Brief] = field(default_factory=dict)
    fit: Any = None
    notes: list[str] = field(default_factory=list)
    profile_results: dict[str, QuantResults] = field(default_factory=dict, repr=False)
    k: int = 5

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data (no respondent ids)."""
        from microcred.design.annex import annex_elements
        from microcred.design.badge import achievement
        from microcred.design.render import brief_json

        out: dict[str, Any] = {"notes": list(self.notes)}
        if self.joint is not None:
            out["joint_displays"] = self.joint.to_dict()
        if self.coded is not None:
            out["codes"] = self.coded.to_dict()
        if self.profiles is not None:
            out["profiles"] = self.profiles.to_dict()
        out["briefs"] = {
            group: brief_json(brief, annex=annex_elements(brief), badge=achievement(brief))
            for group, brief in self.briefs.items()
        }
        if self.fit is not None:
            out["catalogue_fit"] = self.fit.to_dict()
        return out


def integrate_study(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    results: QuantResults,
    qual: QualResults | None = None,
    *,
    asked: dict[str, set[str]] | None = None,
) -> Integration:
    """Mixed-methods integration and design for one study.

    Parameters
    ----------
    study : Study
    answers, respondents : pandas.DataFrame
        As imported (``ANSWER_COLUMNS``, ``RESPONDENT_COLUMNS``).
    results : QuantResults
        The quantitative analysis of the same respondents.
    qual : QualResults, optional
        The qualitative stage's results: with them, the codes are quantitized
        (:func:`microcred.integrate.coded.coded_variables`: respondent variables, code
        segments, codes x segments) and the joint displays set themes against the
        survey. A study without a ``coding`` section gets survey-only joint displays
        (:func:`microcred.integrate.joint.survey_only_displays`); a study with one but
        no ``qual`` (e.g. ``microcred brief``) gets none.
    asked : dict, optional
        Item id -> sources that asked it (from the import).

    Returns
    -------
    Integration
        Call ``integration.coded.merge_into(results)`` to add the code segments to the
        run's segment and comparison tables. Profiles of fewer than ``privacy.k``
        respondents (and any merged with them: see
        :func:`microcred.privacy.later.published_profiles`) get no design brief.

    Raises
    ------
    InputError
        The catalogue named in the study file cannot be read.
    StudyFileError
        A code segment names a code the codebook does not have.

    Notes
    -----
    Joint displays follow Guetterman, Fetters & Creswell (2015); profiles are k-modes
    (Huang 1998) with k chosen by silhouette; briefs apply the rules documented in
    :func:`microcred.design.brief.recommend`; the catalogue fit is
    :func:`microcred.design.catalogue.fit`.
    """
    from microcred.design.brief import recommend
    from microcred.integrate.profiles import briefs_by_profile
    from microcred.privacy.later import published_profiles

    integration = Integration(k=study.privacy.k)
    assume = dict(study.design.assume) or None
    integration.briefs["all"] = recommend(study, results, assume=assume)

    if qual is not None:
        from microcred.integrate.coded import coded_variables

        integration.coded = coded_variables(study, answers, respondents, qual, asked=asked)
        integration.joint = _joint(study, answers, results, qual, integration.coded)
    elif study.coding is None:
        from microcred.integrate.joint import survey_only_displays

        integration.joint = survey_only_displays(study, results)

    profiles, note = study_profiles(study, answers, respondents)
    if note:
        integration.notes.append(note)
    if profiles is not None:
        integration.profiles = profiles
        # no brief for a profile the report may not show (fewer than k respondents)
        shown, _ = published_profiles(profiles, study.privacy.k)
        briefs = briefs_by_profile(
            study, answers, respondents, profiles, asked=asked, assume=assume,
            only=shown, keep=integration.profile_results,
        )  # fmt: skip
        integration.briefs.update(briefs)

    if study.design.catalogue:
        integration.fit = catalogue_fit(
            study,
            answers,
            respondents,
            integration.profiles,
            study.base_dir / study.design.catalogue,
        )
    return integration


def _joint(
    study: Study,
    answers: pd.DataFrame,
    results: QuantResults,
    qual: QualResults,
    coded: CodedVariables,
) -> JointDisplays:
    from microcred.integrate.joint import joint_displays

    return joint_displays(
        study,
        results,
        coded.quantitized,
        qual.codebook,
        answers=answers,
        quotes=construct_quotes(qual, coded),
        documents=coded.documents,
    )


def construct_quotes(
    qual: QualResults, coded: CodedVariables, max_quotes: int = 3
) -> dict[str, list[tuple[str, str]]]:
    """Exemplar quotes per construct, from the coding stage's protected quotes.

    Parameters
    ----------
    qual : QualResults
        ``quotes`` (code id -> quote dicts, already scrubbed, pseudonymised, and
        withheld for small themes by the run) and ``codebook`` (code -> construct).
    coded : CodedVariables
        Gives each code's number of respondents, to rank the themes.
    max_quotes : int, default 3

    Returns
    -------
    dict of str -> list of (str, str)
        Construct id -> ``(text, source)`` pairs, source = theme label and
        pseudonymous respondent. Rule: the construct's themes ranked by respondents
        (most first, ties in codebook order); one quote of each in turn (round robin),
        each theme's quotes in the coding stage's order; at most one per respondent.
    """
    summary = coded.summary()
    sizes = dict(zip(summary["code_id"], summary["n"], strict=True)) if len(summary) else {}
    by_construct: dict[str, list[tuple[int, int, str, str]]] = {}
    for order, code in enumerate(qual.codebook.codable()):
        if code.construct:
            by_construct.setdefault(code.construct, []).append(
                (-int(sizes.get(code.id, 0)), order, code.id, code.label())
            )
    out: dict[str, list[tuple[str, str]]] = {}
    for construct, codes in by_construct.items():
        queues = [
            [(str(q["text"]), label, q.get("respondent_id")) for q in qual.quotes.get(cid, [])]
            for _, _, cid, label in sorted(codes)
        ]
        picked: list[tuple[str, str]] = []
        owners: set[str] = set()
        while any(queues) and len(picked) < max_quotes:
            for queue in queues:
                while queue:
                    text, label, owner = queue.pop(0)
                    if owner is not None and str(owner) in owners:
                        continue
                    if owner is not None:
                        owners.add(str(owner))
                    source = f"{label}, {owner}" if owner is not None else label
                    picked.append((text, source))
                    break
                if len(picked) >= max_quotes:
                    break
        out[construct] = picked
    return out


def study_profiles(
    study: Study, answers: pd.DataFrame, respondents: pd.DataFrame
) -> tuple[Profiles | None, str | None]:
    """Learner profiles as the study file asks for them, or why there are none.

    Parameters
    ----------
    study : Study
        ``profiles.constructs`` and ``profiles.k_values`` are used.
    answers, respondents : pandas.DataFrame

    Returns
    -------
    (Profiles or None, str or None)
        The profiles, or ``None`` and a note when the data cannot support them (too
        few respondents or answer patterns).
    """
    from microcred.errors import MicrocredError
    from microcred.integrate.profiles import learner_profiles

    try:
        profiles = learner_profiles(
            study,
            answers,
            respondents,
            constructs=study.profiles.constructs,
            k_values=study.profiles.k_values,
        )
    except (MicrocredError, ValueError) as error:
        return None, f"No learner profiles: {error}"
    return profiles, None


def catalogue_fit(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    profiles: Profiles | None,
    path: Path,
) -> Any:
    """Score the catalogue at ``path`` against the respondents' stated preferences.

    Parameters
    ----------
    study : Study
    answers, respondents : pandas.DataFrame
    profiles : Profiles, optional
        Shares are also given per profile.
    path : pathlib.Path
        CSV or XLSX catalogue.

    Returns
    -------
    microcred.design.catalogue.FitResult

    Raises
    ------
    InputError
        The catalogue cannot be read (file, row and column named).
    """
    from microcred.design.catalogue import fit, preferences_from_answers, read_catalogue

    catalogue = read_catalogue(path, study)
    preferences = preferences_from_answers(study, answers, respondents)
    membership = None
    if profiles is not None:
        membership = profiles.assignments.set_index("respondent_id")["profile_name"]
    return fit(study, preferences, catalogue, membership)
