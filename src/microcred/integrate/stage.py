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
    from microcred.integrate.joint import JointDisplays
    from microcred.integrate.profiles import Profiles
    from microcred.qual.stage import QualResults
    from microcred.quant.results import QuantResults
    from microcred.study.models import Study


@dataclass
class Integration:
    """Joint displays, profiles, briefs (whole sample first, then per profile), catalogue fit.

    ``quotes`` holds, per construct, the exemplar quotes already scrubbed of personal
    identifiers; they are still respondents' words and must be escaped when rendered.
    """

    joint: JointDisplays | None = None
    profiles: Profiles | None = None
    briefs: dict[str, Brief] = field(default_factory=dict)
    fit: Any = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data (no respondent ids)."""
        from microcred.design.annex import annex_elements
        from microcred.design.badge import achievement
        from microcred.design.render import brief_json

        out: dict[str, Any] = {"notes": list(self.notes)}
        if self.joint is not None:
            out["joint_displays"] = self.joint.to_dict()
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
        The qualitative stage's results (joint displays need them).
    asked : dict, optional
        Item id -> sources that asked it (from the import).

    Returns
    -------
    Integration

    Raises
    ------
    InputError
        The catalogue named in the study file cannot be read.

    Notes
    -----
    Joint displays follow Guetterman, Fetters & Creswell (2015); profiles are k-modes
    (Huang 1998) with k chosen by silhouette; briefs apply the rules documented in
    :func:`microcred.design.brief.recommend`; the catalogue fit is
    :func:`microcred.design.catalogue.fit`.
    """
    from microcred.design.brief import recommend
    from microcred.integrate.profiles import briefs_by_profile

    integration = Integration()
    assume = dict(study.design.assume) or None
    integration.briefs["all"] = recommend(study, results, assume=assume)

    if qual is not None:
        integration.joint = _joint(study, answers, respondents, results, qual)

    profiles, note = study_profiles(study, answers, respondents)
    if note:
        integration.notes.append(note)
    if profiles is not None:
        integration.profiles = profiles
        briefs = briefs_by_profile(
            study, answers, respondents, profiles, asked=asked, assume=assume
        )
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
    respondents: pd.DataFrame,
    results: QuantResults,
    qual: QualResults,
) -> JointDisplays:
    from microcred.integrate.joint import joint_displays
    from microcred.integrate.quantitize import quantitize

    quantitized = quantitize(qual.units, qual.codings, respondents, codebook=qual.codebook)
    quotes = {code: [q["text"] for q in items] for code, items in qual.quotes.items()}
    by_construct: dict[str, list[str]] = {}
    for code in qual.codebook.codable():
        if code.construct:
            by_construct.setdefault(code.construct, []).extend(quotes.get(code.id, []))
    return joint_displays(
        study, results, quantitized, qual.codebook, answers=answers, quotes=by_construct
    )


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
