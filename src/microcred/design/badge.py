"""A brief as an Open Badges 3.0 ``Achievement`` (``achievementType`` "MicroCredential").

:func:`achievement` writes the Achievement, :func:`credential` an unsigned
``OpenBadgeCredential`` skeleton around it, and :func:`validate_achievement` /
:func:`validate_credential` check either against pydantic models of the required fields
and types of the Open Badges 3.0 data model (no network, no JSON schema download).

Open Badges has no ECTS or EQF field: the ECTS lower bound goes in ``creditsAvailable``
with the unit stated in ``description`` and ``criteria.narrative``, and the EQF level,
when the institution gives one, is an ``Alignment`` with ``targetFramework`` "EQF".
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from microcred.design.ects import DesignError, format_range

if TYPE_CHECKING:
    from microcred.design.brief import Brief

__all__ = [
    "ACHIEVEMENT_TYPES",
    "OB_CONTEXT",
    "VC_CONTEXT",
    "Achievement",
    "AchievementSubject",
    "Alignment",
    "BadgeError",
    "Criteria",
    "OpenBadgeCredential",
    "Profile",
    "achievement",
    "credential",
    "validate_achievement",
    "validate_credential",
]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EQF_URL = "https://europa.eu/europass/en/description-eight-eqf-levels"

ACHIEVEMENT_TYPES = frozenset(
    {
        "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment",
        "AssociateDegree", "Award", "Badge", "BachelorDegree", "Certificate",
        "CertificateOfCompletion", "Certification", "CommunityService", "Competency",
        "Course", "CoCurricular", "Degree", "Diploma", "DoctoralDegree", "Fieldwork",
        "GeneralEducationDevelopment", "JourneymanCertificate", "LearningProgram",
        "License", "Membership", "ProfessionalDoctorate", "QualityAssuranceCredential",
        "MasterCertificate", "MasterDegree", "MicroCredential", "ResearchDoctorate",
        "SecondarySchoolDiploma",
    }
)  # fmt: skip
"""The AchievementType vocabulary of Open Badges 3.0 (extensible with ``ext:`` names)."""

ALIGNMENT_TARGET_TYPES = frozenset(
    {"ceasn:Competency", "ceterms:Credential", "CFItem", "CFRubric", "CFRubricCriterion",
     "CFRubricCriterionLevel", "CTDL"}
)  # fmt: skip

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_EXT = re.compile(r"^ext:[A-Za-z0-9.\-_]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


class BadgeError(DesignError):
    """An Open Badges document does not fit the 3.0 data model.

    Parameters
    ----------
    what : str
        The class checked (``Achievement``, ``OpenBadgeCredential``).
    problems : list of (str, str)
        ``(location, message)`` for every problem, location a dotted path.
    """

    def __init__(self, what: str, problems: list[tuple[str, str]]):
        self.what = what
        self.problems = problems
        lines = [f"  {loc or '(root)'}: {msg}" for loc, msg in problems]
        super().__init__(f"not a valid Open Badges 3.0 {what}:\n" + "\n".join(lines))


# --------------------------------------------------------------------------- model


def _uri(value: str | None) -> str | None:
    if value is not None and not _URI.match(value):
        raise ValueError(f"must be a URI (scheme:rest), got {value!r}")
    return value


def _types(value: str | list[str], required: tuple[str, ...], any_of: tuple[str, ...] = ()) -> Any:
    values = [value] if isinstance(value, str) else list(value)
    if not values:
        raise ValueError("must not be empty")
    missing = [t for t in required if t not in values]
    if missing:
        raise ValueError(f"must contain {', '.join(repr(m) for m in missing)}")
    if any_of and not any(t in values for t in any_of):
        raise ValueError(f"must contain one of {', '.join(repr(t) for t in any_of)}")
    return value


class _OB(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


TypeList = StrictStr | list[StrictStr]


class Criteria(_OB):
    """What is needed to earn the achievement: ``id`` (a URI) and/or ``narrative``."""

    id: StrictStr | None = None
    narrative: StrictStr | None = None

    @field_validator("id")
    @classmethod
    def _id_is_uri(cls, value: str | None) -> str | None:
        return _uri(value)

    @model_validator(mode="after")
    def _one_of(self) -> Criteria:
        if self.id is None and self.narrative is None:
            raise ValueError("criteria needs an id or a narrative")
        return self


class Alignment(_OB):
    """A link from the achievement to a node of a framework (here an EQF level)."""

    type: TypeList
    targetName: StrictStr
    targetUrl: StrictStr
    targetDescription: StrictStr | None = None
    targetFramework: StrictStr | None = None
    targetCode: StrictStr | None = None
    targetType: StrictStr | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, value: Any) -> Any:
        return _types(value, ("Alignment",))

    @field_validator("targetUrl")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://\S+$", value):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value

    @field_validator("targetType")
    @classmethod
    def _target_type(cls, value: str | None) -> str | None:
        if value is not None and value not in ALIGNMENT_TARGET_TYPES and not _EXT.match(value):
            raise ValueError(f"not an AlignmentTargetType (nor ext:...): {value!r}")
        return value


class Achievement(_OB):
    """Open Badges 3.0 ``Achievement``: required ``id``, ``type``, ``name``,
    ``description``, ``criteria``; the optional fields microcred writes are typed."""

    id: StrictStr
    type: TypeList
    name: StrictStr
    description: StrictStr
    criteria: Criteria
    achievementType: StrictStr | None = None
    creditsAvailable: StrictFloat | StrictInt | None = None
    alignment: list[Alignment] | None = None
    fieldOfStudy: StrictStr | None = None
    inLanguage: StrictStr | None = None
    tag: list[StrictStr] | None = None
    humanCode: StrictStr | None = None
    version: StrictStr | None = None

    @field_validator("id")
    @classmethod
    def _id_is_uri(cls, value: str | None) -> str | None:
        return _uri(value)

    @field_validator("type")
    @classmethod
    def _type(cls, value: Any) -> Any:
        return _types(value, ("Achievement",))

    @field_validator("achievementType")
    @classmethod
    def _achievement_type(cls, value: str | None) -> str | None:
        if value is not None and value not in ACHIEVEMENT_TYPES and not _EXT.match(value):
            raise ValueError(f"not an AchievementType (nor ext:...): {value!r}")
        return value

    @field_validator("creditsAvailable")
    @classmethod
    def _credits(cls, value: float | None) -> float | None:
        if value is not None and (value < 0 or value != value):
            raise ValueError("must be a non-negative number")
        return value

    @field_validator("inLanguage")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        if value is not None and not _LANGUAGE.match(value):
            raise ValueError(f"must be a BCP 47 language code such as 'en' or 'es-ES': {value!r}")
        return value


class Profile(_OB):
    """An issuer: required ``id`` (URI) and ``type`` containing "Profile"."""

    id: StrictStr
    type: TypeList
    name: StrictStr | None = None
    url: StrictStr | None = None

    @field_validator("id")
    @classmethod
    def _id_is_uri(cls, value: str | None) -> str | None:
        return _uri(value)

    @field_validator("type")
    @classmethod
    def _type(cls, value: Any) -> Any:
        return _types(value, ("Profile",))


class AchievementSubject(_OB):
    """The learner's claim: ``type`` "AchievementSubject", ``achievement``, and
    ``id`` or at least one ``identifier``."""

    type: TypeList
    achievement: Achievement
    id: StrictStr | None = None
    identifier: list[dict[str, Any]] | None = None
    creditsEarned: StrictFloat | StrictInt | None = None

    @field_validator("id")
    @classmethod
    def _id_is_uri(cls, value: str | None) -> str | None:
        return _uri(value)

    @field_validator("type")
    @classmethod
    def _type(cls, value: Any) -> Any:
        return _types(value, ("AchievementSubject",))

    @model_validator(mode="after")
    def _someone(self) -> AchievementSubject:
        if self.id is None and not self.identifier:
            raise ValueError("credentialSubject needs an id or an identifier")
        return self


class OpenBadgeCredential(_OB):
    """An (unsigned) ``OpenBadgeCredential`` on W3C Verifiable Credentials 2.0.

    Required: ``@context`` (VC 2.0 first, then an Open Badges 3.0 context), ``id``,
    ``type`` (``VerifiableCredential`` and ``OpenBadgeCredential`` or
    ``AchievementCredential``), ``name`` (required by the 1EdTech JSON schema),
    ``issuer`` (Profile), ``validFrom`` (date-time with time zone),
    ``credentialSubject`` (AchievementSubject).
    """

    context: list[StrictStr | dict[str, Any]] = Field(alias="@context")
    id: StrictStr
    type: TypeList
    name: StrictStr
    issuer: Profile
    validFrom: AwareDatetime
    validUntil: AwareDatetime | None = None
    description: StrictStr | None = None
    credentialSubject: AchievementSubject

    @field_validator("id")
    @classmethod
    def _id_is_uri(cls, value: str | None) -> str | None:
        return _uri(value)

    @field_validator("context")
    @classmethod
    def _context(cls, value: list[Any]) -> list[Any]:
        if not value or value[0] != VC_CONTEXT:
            raise ValueError(f"the first context must be {VC_CONTEXT!r}")
        if not any(
            isinstance(v, str) and v.startswith("https://purl.imsglobal.org/spec/ob/v3p0/context")
            for v in value
        ):
            raise ValueError(f"an Open Badges 3.0 context is needed, e.g. {OB_CONTEXT!r}")
        return value

    @field_validator("type")
    @classmethod
    def _type(cls, value: Any) -> Any:
        return _types(
            value, ("VerifiableCredential",), ("OpenBadgeCredential", "AchievementCredential")
        )


def _validate(model: type[BaseModel], data: Any, what: str) -> Any:
    if not isinstance(data, dict):
        raise BadgeError(what, [("", f"must be a JSON object, got {type(data).__name__}")])
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]
        raise BadgeError(what, problems) from None


def validate_achievement(data: dict[str, Any]) -> Achievement:
    """Check an Achievement against the Open Badges 3.0 data model.

    Parameters
    ----------
    data : dict
        The Achievement as JSON data.

    Returns
    -------
    Achievement
        The validated model.

    Raises
    ------
    BadgeError
        Listing every problem with its location (a missing required field, a ``type``
        without "Achievement", ``creditsAvailable`` that is not a number, ...).

    References
    ----------
    1EdTech (2024). *Open Badges Specification 3.0*, section B.1.1 Achievement,
    B.1.4 Criteria, B.1.3 Alignment; https://www.imsglobal.org/spec/ob/v3p0/.
    """
    return _validate(Achievement, data, "Achievement")


def validate_credential(data: dict[str, Any]) -> OpenBadgeCredential:
    """Check an OpenBadgeCredential against the Open Badges 3.0 data model.

    Parameters
    ----------
    data : dict
        The credential as JSON data (unsigned: ``proof`` is not checked).

    Returns
    -------
    OpenBadgeCredential

    Raises
    ------
    BadgeError
        Listing every problem with its location.

    References
    ----------
    1EdTech (2024). *Open Badges Specification 3.0*, B.1.7 OpenBadgeCredential,
    B.1.5 AchievementSubject, B.2.5 Profile; W3C (2025), *Verifiable Credentials Data
    Model v2.0*.
    """
    return _validate(OpenBadgeCredential, data, "OpenBadgeCredential")


# --------------------------------------------------------------------------- writer


def _num(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def achievement(
    brief: Brief,
    *,
    achievement_id: str | None = None,
    name: str | None = None,
    description: str | None = None,
    eqf_level: int | None = None,
    language: str = "en",
    tags: list[str] | None = None,
    field_of_study: str | None = None,
) -> dict[str, Any]:
    """The brief as an Open Badges 3.0 Achievement of type "MicroCredential".

    Parameters
    ----------
    brief : Brief
        From :func:`microcred.design.brief.recommend`.
    achievement_id : str, optional
        A URI; by default a name-based UUID URN (``urn:uuid:...``, UUID 5 of the study
        id and group), so the same brief always gets the same id.
    name : str, optional
        The micro-credential's name; a placeholder naming the group by default.
    description : str, optional
        Replaces the generated description (which states the ECTS unit).
    eqf_level : int, optional
        EQF level 1-8 set by the institution, written as an ``Alignment`` with
        ``targetFramework`` "EQF"; nothing is written without it.
    language : str, default "en"
        ``inLanguage`` (BCP 47).
    tags : list of str, optional
        Extra ``tag`` keywords.
    field_of_study : str, optional

    Returns
    -------
    dict
        JSON-ready Achievement: ``id``, ``type`` ["Achievement"], ``achievementType``
        "MicroCredential", ``name``, ``description``, ``criteria.narrative``,
        ``creditsAvailable`` (the lower ECTS bound, rounded to 0.1, when the brief has
        a workload), ``alignment`` (EQF, when given), ``inLanguage``, ``tag``. It
        passes :func:`validate_achievement`.

    Raises
    ------
    DesignError
        If ``eqf_level`` is not 1-8 or ``achievement_id`` is not a URI.

    References
    ----------
    1EdTech (2024). *Open Badges Specification 3.0*, B.1.1 Achievement and the
    AchievementType vocabulary ("MicroCredential").
    """
    if eqf_level is not None and (
        isinstance(eqf_level, bool) or not isinstance(eqf_level, int) or not 1 <= eqf_level <= 8
    ):
        raise DesignError(f"eqf_level must be an integer from 1 to 8, got {eqf_level!r}")
    if achievement_id is None:
        seed = f"microcred:{brief.study_id}:{brief.group}"
        achievement_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"
    elif not _URI.match(achievement_id):
        raise DesignError(f"achievement_id must be a URI, got {achievement_id!r}")
    workload = brief.workload
    parts = [
        f"A micro-credential designed from the stated preferences of "
        f"{brief.n_respondents} respondents ({brief.label}) to the study "
        f"\u201c{brief.title}\u201d."
    ]
    summary = [
        f"{rec.label}: {rec.text}" for rec in brief.recommendations if rec.aspect == "preference"
    ]
    if summary:
        parts.append("; ".join(summary) + ".")
    if workload is not None:
        parts.append(
            f"Workload {workload.text}. creditsAvailable is in ECTS credits and gives the "
            f"lower bound ({_num(workload.ects[0])} ECTS)."
        )
    else:
        parts.append("Workload in ECTS credits: to be completed by the institution.")
    narrative = [
        "To be completed by the institution: the learning outcomes and how each is assessed."
    ]
    if workload is not None:
        narrative.append(
            f"Planned notional workload: {format_range(*workload.hours)} "
            f"hours, {format_range(*workload.ects)} ECTS credits "
            "(1 ECTS = 25-30 hours; creditsAvailable states the lower bound in ECTS)."
        )
    if brief.assessment is not None:
        narrative.append(brief.assessment)
    data: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": name or f"Micro-credential for {brief.label} [title to be set]",
        "description": description or " ".join(parts),
        "criteria": {"narrative": " ".join(narrative)},
        "inLanguage": language,
        "tag": ["micro-credential", *(tags or [])],
    }
    if workload is not None:
        data["creditsAvailable"] = round(float(workload.ects[0]), 1)
    if eqf_level is not None:
        data["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": f"EQF level {eqf_level}",
                "targetUrl": EQF_URL,
                "targetFramework": "EQF",
                "targetCode": str(eqf_level),
            }
        ]
    if field_of_study:
        data["fieldOfStudy"] = field_of_study
    validate_achievement(data)
    return data


def credential(
    achievement_data: dict[str, Any],
    *,
    issuer_id: str,
    issuer_name: str,
    subject_id: str = "did:example:learner",
    credential_id: str | None = None,
    valid_from: datetime | str | None = None,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential skeleton wrapping an Achievement.

    Parameters
    ----------
    achievement_data : dict
        From :func:`achievement`.
    issuer_id : str
        The issuer's URI (a DID or an https URL).
    issuer_name : str
    subject_id : str, default "did:example:learner"
        The learner's URI; the default is a placeholder to be replaced at issuing.
    credential_id : str, optional
        A URI; a random UUID URN by default.
    valid_from : datetime or str, optional
        Issuing time (timezone-aware); now (UTC) by default.

    Returns
    -------
    dict
        ``@context``, ``id``, ``type`` ["VerifiableCredential", "OpenBadgeCredential"],
        ``name``, ``issuer`` (Profile), ``validFrom``, ``credentialSubject``
        (AchievementSubject). It carries no ``proof``: signing is the issuer's job.

    Raises
    ------
    BadgeError
        If the result does not validate (e.g. ``issuer_id`` is not a URI).

    References
    ----------
    1EdTech (2024). *Open Badges Specification 3.0*, B.1.7 OpenBadgeCredential.
    """
    if valid_from is None:
        valid_from = datetime.now(UTC).replace(microsecond=0)
    stamp = (
        valid_from.isoformat().replace("+00:00", "Z")
        if isinstance(valid_from, datetime)
        else str(valid_from)
    )
    data: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement_data.get("name", "Micro-credential"),
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name},
        "validFrom": stamp,
        "credentialSubject": {
            "id": subject_id,
            "type": ["AchievementSubject"],
            "achievement": achievement_data,
        },
    }
    validate_credential(data)
    return data
