"""Design: from learners' stated preferences to a micro-credential and a catalogue check.

- :mod:`.ects`: notional hours and ECTS ranges (1 ECTS = 25-30 h).
- :mod:`.brief`: :func:`recommend` turns quantitative results into a :class:`Brief`.
- :mod:`.annex`: the brief as the EU 2022 Annex I standard elements.
- :mod:`.badge`: the brief as an Open Badges 3.0 Achievement, with validators.
- :mod:`.catalogue`: read a course catalogue and :func:`fit` it to the demand.
- :mod:`.render`: HTML fragment, DOCX and ``brief.json``.

Names are loaded on first use (PEP 562), so importing the package stays cheap.
"""

from __future__ import annotations

from typing import Any

from microcred._lazy import load

_EXPORTS = {
    "DesignError": "ects",
    "HOURS_PER_ECTS": "ects",
    "WEEKS_PER_MONTH": "ects",
    "notional_hours": "ects",
    "ects_range": "ects",
    "to_weeks": "ects",
    "Brief": "brief",
    "Evidence": "brief",
    "Recommendation": "brief",
    "Workload": "brief",
    "DESIGN_CONSTRUCTS": "brief",
    "recommend": "brief",
    "main_item": "brief",
    "annex_elements": "annex",
    "INSTITUTION": "annex",
    "achievement": "badge",
    "credential": "badge",
    "validate_achievement": "badge",
    "validate_credential": "badge",
    "BadgeError": "badge",
    "read_catalogue": "catalogue",
    "match_catalogue": "catalogue",
    "preferences_from_answers": "catalogue",
    "fit": "catalogue",
    "FitResult": "catalogue",
    "brief_html": "render",
    "brief_json": "render",
    "write_brief": "render",
    "write_docx": "render",
    "write_json": "render",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
