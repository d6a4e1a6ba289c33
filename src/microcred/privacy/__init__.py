"""Privacy protection for everything that leaves the project.

* :func:`pseudonymise`, :func:`load_or_create_key`: keyed-hash pseudonyms for
  respondent ids, the key kept in the project database.
* :func:`scrub_text`: e-mail addresses, phone numbers, URLs, national ids and listed
  names replaced by ``[email]``, ``[phone]``, ``[url]``, ``[id]``, ``[name]``.
* :func:`suppress_counts`, :func:`suppress_percentages`,
  :func:`suppress_frequency_table`: small-cell suppression with complementary
  suppression audited against the published totals; :func:`withhold_quotes`.
* :func:`share_results`: the survey results as they may leave the project, every
  table suppressed (the one place the report's writers get their numbers from);
  :func:`share_later` does the same for the themes, codes, joint displays, learner
  profiles, design briefs and catalogue fit (:mod:`microcred.privacy.later`), and test
  results beside tables with hidden cells get p-value bounds
  (:mod:`microcred.privacy.pbounds`); :func:`share_validation` scrubs the answers and
  pseudonymises the ids that validation issues echo.
* :class:`PrivacySummary`: what was done, for the report.

Pure functions: DataFrame in, DataFrame out. The heavy modules load on first use, so
``import microcred.privacy`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microcred._lazy import load
from microcred.privacy.base import PrivacyError, PrivacyKeyError
from microcred.privacy.summary import PrivacySummary

if TYPE_CHECKING:
    from microcred.privacy.later import (
        SharedLater,
        published_profiles,
        share_brief,
        share_fit,
        share_integration,
        share_later,
        share_qual,
    )
    from microcred.privacy.pseudonyms import load_or_create_key, new_key, pseudonymise
    from microcred.privacy.scrub import KINDS, PLACEHOLDERS, find_identifiers, scrub_text
    from microcred.privacy.shared import (
        SharedResults,
        is_hidden,
        is_shared,
        share_results,
        shared_copy,
    )
    from microcred.privacy.suppress import (
        DEFAULT_K,
        Suppression,
        add_margins,
        suppress_counts,
        suppress_frequency_table,
        suppress_percentages,
        withhold_quotes,
    )
    from microcred.privacy.validation import share_validation

__all__ = [
    "DEFAULT_K",
    "KINDS",
    "PLACEHOLDERS",
    "PrivacyError",
    "PrivacyKeyError",
    "PrivacySummary",
    "SharedLater",
    "SharedResults",
    "Suppression",
    "add_margins",
    "find_identifiers",
    "is_hidden",
    "is_shared",
    "load_or_create_key",
    "new_key",
    "pseudonymise",
    "published_profiles",
    "scrub_text",
    "share_brief",
    "share_fit",
    "share_integration",
    "share_later",
    "share_qual",
    "share_results",
    "share_validation",
    "shared_copy",
    "suppress_counts",
    "suppress_frequency_table",
    "suppress_percentages",
    "withhold_quotes",
]

_LAZY = {
    "load_or_create_key": "pseudonyms",
    "new_key": "pseudonyms",
    "pseudonymise": "pseudonyms",
    "KINDS": "scrub",
    "PLACEHOLDERS": "scrub",
    "find_identifiers": "scrub",
    "scrub_text": "scrub",
    "SharedLater": "later",
    "published_profiles": "later",
    "share_brief": "later",
    "share_fit": "later",
    "share_integration": "later",
    "share_later": "later",
    "share_qual": "later",
    "SharedResults": "shared",
    "is_hidden": "shared",
    "is_shared": "shared",
    "share_results": "shared",
    "shared_copy": "shared",
    "share_validation": "validation",
    "DEFAULT_K": "suppress",
    "Suppression": "suppress",
    "add_margins": "suppress",
    "suppress_counts": "suppress",
    "suppress_frequency_table": "suppress",
    "suppress_percentages": "suppress",
    "withhold_quotes": "suppress",
}


def __getattr__(name: str) -> Any:
    return load(__name__, _LAZY, name)
