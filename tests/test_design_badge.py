"""Open Badges 3.0 output of the design brief, checked against the 3.0 data model.

Required fields and types follow 1EdTech, Open Badges Specification 3.0
(https://www.imsglobal.org/spec/ob/v3p0/), B.1.1 Achievement (id, type, name,
description, criteria), B.1.4 Criteria (id and/or narrative), B.1.3 Alignment (type,
targetName, targetUrl), B.1.5 AchievementSubject, B.1.7 OpenBadgeCredential and its
JSON schema (achievementcredential.json, which also requires ``name``), as summarised
in shared/specs/microcredential-standards.md.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from microcred.design.badge import (
    OB_CONTEXT,
    VC_CONTEXT,
    BadgeError,
    achievement,
    credential,
    validate_achievement,
    validate_credential,
)
from microcred.design.brief import Brief, Workload
from microcred.design.ects import DesignError
from microcred.errors import MicrocredError


def _brief(workload: bool = True) -> Brief:
    load = Workload(
        weeks=(8.0, 13.0),
        hours_per_week=(6.0, 15.0),
        hours=(48.0, 195.0),
        ects=(1.6, 7.8),
        hours_per_ects=(25.0, 30.0),
        sources={"duration": "evidence", "weekly_hours": "evidence"},
        text="about 1.6-7.8 ECTS (48-195 notional hours)",
    )
    return Brief(
        study_id="uoc-2023",
        title="Learners' preferences",
        group="all",
        label="All respondents",
        n_respondents=37,
        threshold=0.5,
        workload=load if workload else None,
        assessment="Suggestion: a practical project.",
    )


@pytest.fixture()
def badge() -> dict[str, Any]:
    return achievement(_brief())


def test_achievement_fields(badge: dict[str, Any]) -> None:
    assert badge["type"] == ["Achievement"]
    assert badge["achievementType"] == "MicroCredential"
    assert badge["id"].startswith("urn:uuid:")
    assert badge["creditsAvailable"] == 1.6 and isinstance(badge["creditsAvailable"], float)
    assert "ECTS" in badge["description"] and "ECTS" in badge["criteria"]["narrative"]
    assert badge["inLanguage"] == "en"
    assert "micro-credential" in badge["tag"]
    assert "alignment" not in badge  # no EQF level given, none invented
    model = validate_achievement(badge)
    assert model.name == badge["name"]


def test_same_brief_same_id() -> None:
    assert achievement(_brief())["id"] == achievement(_brief())["id"]
    other = _brief()
    other.group = "career"
    assert achievement(other)["id"] != achievement(_brief())["id"]


def test_eqf_alignment_only_when_given() -> None:
    badge = achievement(_brief(), eqf_level=6)
    (alignment,) = badge["alignment"]
    assert alignment["type"] == ["Alignment"]
    assert alignment["targetFramework"] == "EQF" and alignment["targetCode"] == "6"
    assert alignment["targetUrl"].startswith("https://")
    validate_achievement(badge)
    with pytest.raises(DesignError):
        achievement(_brief(), eqf_level=0)


def test_no_workload_no_credits() -> None:
    badge = achievement(_brief(workload=False))
    assert "creditsAvailable" not in badge
    validate_achievement(badge)


@pytest.mark.parametrize(
    "breakage, where",
    [
        (lambda b: b.pop("criteria"), "criteria"),
        (lambda b: b.__setitem__("criteria", {}), "criteria"),
        (lambda b: b.__setitem__("type", ["Badge"]), "type"),
        (lambda b: b.__setitem__("type", []), "type"),
        (lambda b: b.__setitem__("creditsAvailable", "1.6"), "creditsAvailable"),
        (lambda b: b.__setitem__("creditsAvailable", True), "creditsAvailable"),
        (lambda b: b.pop("name"), "name"),
        (lambda b: b.pop("description"), "description"),
        (lambda b: b.__setitem__("id", "not a uri"), "id"),
        (lambda b: b.__setitem__("achievementType", "Microcredential"), "achievementType"),
        (lambda b: b.__setitem__("inLanguage", "English"), "inLanguage"),
        (lambda b: b.__setitem__("tag", "micro-credential"), "tag"),
        (
            lambda b: b.__setitem__("alignment", [{"type": ["Alignment"], "targetName": "EQF 6"}]),
            "alignment",
        ),
    ],
)
def test_broken_achievements_fail(badge: dict[str, Any], breakage: Any, where: str) -> None:
    broken = copy.deepcopy(badge)
    breakage(broken)
    with pytest.raises(BadgeError) as info:
        validate_achievement(broken)
    assert isinstance(info.value, MicrocredError)
    assert any(loc.startswith(where) for loc, _ in info.value.problems), info.value.problems


def test_extension_vocabulary_is_accepted(badge: dict[str, Any]) -> None:
    extended = dict(badge, achievementType="ext:ShortCourse")
    validate_achievement(extended)


def test_credential_skeleton(badge: dict[str, Any]) -> None:
    data = credential(
        badge,
        issuer_id="https://example.edu/issuers/1",
        issuer_name="Example University",
        credential_id="urn:uuid:3f1c1e6a-0000-4000-8000-000000000001",
        valid_from="2025-01-15T00:00:00Z",
    )
    assert data["@context"] == [VC_CONTEXT, OB_CONTEXT]
    assert data["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert data["issuer"]["type"] == ["Profile"]
    assert data["credentialSubject"]["type"] == ["AchievementSubject"]
    assert data["credentialSubject"]["achievement"] is badge
    assert data["validFrom"] == "2025-01-15T00:00:00Z"
    validate_credential(data)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c.pop("validFrom"),
        lambda c: c.__setitem__("validFrom", "15/01/2025"),
        lambda c: c.__setitem__("@context", [OB_CONTEXT]),
        lambda c: c.__setitem__("type", ["VerifiableCredential"]),
        lambda c: c["issuer"].__setitem__("type", ["Issuer"]),
        lambda c: c["issuer"].pop("id"),
        lambda c: c["credentialSubject"].pop("id"),
        lambda c: c["credentialSubject"]["achievement"].pop("criteria"),
        lambda c: c.pop("name"),
    ],
)
def test_broken_credentials_fail(badge: dict[str, Any], breakage: Any) -> None:
    data = credential(badge, issuer_id="did:example:issuer", issuer_name="X")
    broken = copy.deepcopy(data)
    breakage(broken)
    with pytest.raises(BadgeError):
        validate_credential(broken)


def test_credential_with_bad_issuer_id_fails(badge: dict[str, Any]) -> None:
    with pytest.raises(BadgeError):
        credential(badge, issuer_id="Example University", issuer_name="X")


def test_not_an_object() -> None:
    with pytest.raises(BadgeError):
        validate_achievement([])  # type: ignore[arg-type]
