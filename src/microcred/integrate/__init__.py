"""Mixed-methods integration: quantitized codes, joint displays, learner profiles.

- :mod:`.quantitize`: codes -> respondent-level 0/1 and count variables, and those as
  long answers with pseudo-items (:func:`quantitize`, :func:`as_answers`,
  :func:`code_comparisons`).
- :mod:`.coded`: the codes of a run as respondent variables, code segments and
  crosstabs codes x segments (:func:`coded_variables`).
- :mod:`.joint`: a joint display per construct with a converge / complement / diverge
  verdict (:func:`joint_displays`), or the survey side alone in a study without free
  text (:func:`survey_only_displays`).
- :mod:`.profiles`: a learner typology by k-modes (:func:`learner_profiles`) and a
  design brief per profile (:func:`briefs_by_profile`).

Names are loaded on first use (PEP 562), so importing the package stays cheap.
"""

from __future__ import annotations

from typing import Any

from microcred._lazy import load

_EXPORTS = {
    "IntegrateError": "_common",
    "CODE_PREFIX": "quantitize",
    "COUNT_PREFIX": "quantitize",
    "CodeItems": "quantitize",
    "quantitize": "quantitize",
    "as_answers": "quantitize",
    "code_columns": "quantitize",
    "code_comparisons": "quantitize",
    "theme_item_id": "quantitize",
    "with_code_items": "quantitize",
    "CodedVariables": "coded",
    "code_documents": "coded",
    "code_segment_study": "coded",
    "coded_variables": "coded",
    "study_quantitized": "coded",
    "survey_only_displays": "joint",
    "JOINT_CONSTRUCTS": "joint",
    "JointDisplay": "joint",
    "JointDisplays": "joint",
    "SurveyEvidence": "joint",
    "ThemeEvidence": "joint",
    "joint_displays": "joint",
    "kappa_verdict": "joint",
    "theme_verdict": "joint",
    "PROFILE_CONSTRUCTS": "profiles",
    "Profile": "profiles",
    "Profiles": "profiles",
    "Trait": "profiles",
    "briefs_by_profile": "profiles",
    "learner_profiles": "profiles",
    "name_profile": "profiles",
    "QUOTE_SEED": "quotes",
    "pick_quotes": "quotes",
    "quotes_by_construct": "quotes",
    "profile_matrix": "profiles",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
