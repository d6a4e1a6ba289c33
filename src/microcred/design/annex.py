"""A brief as the standard elements of the EU Council Recommendation on micro-credentials.

Council Recommendation of 16 June 2022 on a European approach to micro-credentials for
lifelong learning and employability (2022/C 243/02), Annex I: eleven mandatory elements
and five optional ones describe a micro-credential. microcred proposes a value where
the survey gives evidence (workload, form of participation, an assessment suggestion,
integration and stackability) and marks every other element as one the institution
must complete. Using these elements does not in itself mean official recognition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microcred.design.brief import Brief

__all__ = ["ANNEX_ELEMENTS", "INSTITUTION", "annex_elements"]

INSTITUTION = "to be completed by the institution"
"""The value of every element only the awarding institution can fill."""

ANNEX_ELEMENTS: tuple[tuple[int, str, bool], ...] = (
    (1, "Identification of the learner", True),
    (2, "Title of the micro-credential", True),
    (3, "Country(ies)/Region(s) of the issuer", True),
    (4, "Awarding body(ies)", True),
    (5, "Date of issuing", True),
    (6, "Learning outcomes", True),
    (
        7,
        "Notional workload needed to achieve the learning outcomes (in ECTS, wherever possible)",
        True,
    ),
    (
        8,
        "Level (and cycle, if applicable) of the learning experience leading to the "
        "micro-credential (EQF, QF-EHEA), if applicable",
        True,
    ),
    (9, "Type of assessment", True),
    (10, "Form of participation in the learning activity", True),
    (11, "Type of quality assurance used to underpin the micro-credential", True),
    (12, "Prerequisites needed to enrol in the learning activity", False),
    (13, "Supervision and identity verification during assessment", False),
    (14, "Grade achieved", False),
    (15, "Integration/stackability options", False),
    (16, "Further information", False),
)
"""(number, name, mandatory) in the order of Annex I; the optional elements, listed
there without numbers, are numbered 12-16 here."""


def annex_elements(
    brief: Brief,
    *,
    title: str | None = None,
    eqf_level: int | None = None,
) -> list[dict[str, Any]]:
    """The Annex I standard elements with what the evidence proposes.

    Parameters
    ----------
    brief : Brief
        From :func:`microcred.design.brief.recommend`.
    title : str, optional
        A working title; without one the title is a placeholder for the institution.
    eqf_level : int, optional
        EQF level (1-8) when the institution has decided it; it is never inferred.

    Returns
    -------
    list of dict, length 16
        One dict per element, in Annex I order: ``number`` (int), ``name`` (str),
        ``mandatory`` (bool), ``value`` (str), ``source`` (``"evidence"`` when the
        value comes from the survey, ``"institution"`` otherwise), ``constructs``
        (list of the construct ids the value rests on). Elements with no evidence have
        the value :data:`INSTITUTION` ("to be completed by the institution").

    Raises
    ------
    DesignError
        If ``eqf_level`` is not an integer from 1 to 8.

    References
    ----------
    Council Recommendation of 16 June 2022 on a European approach to
    micro-credentials for lifelong learning and employability, OJ C 243, 27.6.2022,
    p. 10 (CELEX 32022H0627(02)), Annex I. EQF levels: Council Recommendation of
    22 May 2017, 2017/C 189/03.
    """
    from microcred.design.ects import DesignError

    if eqf_level is not None and (
        isinstance(eqf_level, bool) or not isinstance(eqf_level, int) or not 1 <= eqf_level <= 8
    ):
        raise DesignError(f"eqf_level must be an integer from 1 to 8, got {eqf_level!r}")

    def entry(number: int, value: str | None, constructs: list[str]) -> dict[str, Any]:
        _, name, mandatory = ANNEX_ELEMENTS[number - 1]
        evidence = value is not None
        return {
            "number": number,
            "name": name,
            "mandatory": mandatory,
            "value": value if evidence else INSTITUTION,
            "source": "evidence" if evidence else "institution",
            "constructs": constructs if evidence else [],
        }

    elements = [entry(n, None, []) for n, _, _ in ANNEX_ELEMENTS]
    elements[1]["value"] = (
        f"{title} (working title; {INSTITUTION})" if title else f"[title] ({INSTITUTION})"
    )
    if eqf_level is not None:
        elements[7]["value"] = f"EQF level {eqf_level} (set by the institution)"
    if brief.workload is not None:
        elements[6] = entry(7, brief.workload.text, ["duration", "weekly_hours"])
    if brief.assessment is not None:
        elements[8] = entry(9, brief.assessment, ["content_orientation"])
    if brief.participation is not None:
        used = [c for c in ("modality", "live_sessions") if brief.get(c) is not None]
        elements[9] = entry(10, brief.participation, used)
    if brief.stackability is not None:
        elements[14] = entry(15, brief.stackability, ["modularity"])
    further = [f"Designed from the answers of {brief.n_respondents} respondents ({brief.label})."]
    orientation = brief.get("content_orientation")
    if orientation is not None:
        further.append(f"Content orientation: {orientation.text}.")
    if brief.credential is not None:
        further.append(f"Credential preferred: {brief.credential}.")
    further.append("Using these elements does not in itself mean official recognition.")
    elements[15] = entry(16, " ".join(further), ["content_orientation", "credential"])
    return elements
