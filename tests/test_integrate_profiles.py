"""Learner profiles: planted-profile recovery, reproducibility, naming, briefs per profile.

The silhouette of the chosen k is recomputed here from its definition (Rousseeuw
1987: s(i) = (b - a) / max(a, b), with the simple matching dissimilarity of Huang
1998), independently of scikit-learn. Recovery of planted profiles is measured with
the adjusted Rand index (Hubert & Arabie 1985) against the planted labels.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from microcred.integrate import IntegrateError
from microcred.integrate.profiles import (
    MISSING,
    Trait,
    briefs_by_profile,
    learner_profiles,
    name_profile,
    profile_matrix,
)
from microcred.study.models import Study

OPTIONS = {
    "motivation": ["career", "personal_interest", "academic", "change_field"],
    "duration": ["weeks_4", "weeks_8", "weeks_13", "weeks_26"],
    "modality": ["online_asynchronous", "online_synchronous", "blended", "face_to_face"],
    "live_sessions": ["none", "optional_qa", "occasional_mandatory", "weekly_mandatory"],
    "credential_type": ["certificate_of_completion", "digital_badge", "ects_micro_credential"],
}
PLANTED = [  # (size, modes)
    (70, ["career", "weeks_8", "online_asynchronous", "optional_qa",
          "certificate_of_completion"]),
    (60, ["personal_interest", "weeks_4", "blended", "none", "digital_badge"]),
    (50, ["academic", "weeks_26", "face_to_face", "weekly_mandatory",
          "ects_micro_credential"]),
]  # fmt: skip


def _study(motivation_type: str = "single_choice") -> Study:
    construct = {"credential_type": "credential"}
    items = []
    for item_id, options in OPTIONS.items():
        kind = "ordinal" if item_id == "duration" else "single_choice"
        if item_id == "motivation":
            kind = motivation_type
        entry = {"id": item_id, "type": kind, "column": item_id,
                 "construct": construct.get(item_id, item_id),
                 "options": [{"id": o} for o in options]}  # fmt: skip
        if item_id == "duration":
            entry["options"] = [{"id": o, "range": [int(o[6:]) - 3, int(o[6:])]} for o in options]
        items.append(entry)
    return Study.model_validate({
        "study": {"id": "t", "title": "T"},
        "sources": [{"id": "s", "path": "x.csv"}],
        "items": items,
        "constructs": [{"id": "duration", "unit": "weeks"}],
    })  # fmt: skip


def _frame(rows: dict[str, dict[str, str | list[str]]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    records = []
    for rid, answers in rows.items():
        for item, chosen in answers.items():
            for option in [chosen] if isinstance(chosen, str) else chosen:
                records.append({"respondent_id": rid, "item_id": item, "option_id": option,
                                "value": np.nan, "text": None, "missing": None,
                                "source_id": "s", "row": 2})  # fmt: skip
    respondents = pd.DataFrame({"respondent_id": list(rows), "source_id": "s", "row": 2,
                                "language": "en", "submitted_at": None, "finished": True})
    return pd.DataFrame(records), respondents


def _planted(seed: int = 7, noise: float = 0.1):
    rng = np.random.default_rng(seed)
    rows, truth = {}, {}
    i = 0
    for label, (size, modes) in enumerate(PLANTED):
        for _ in range(size):
            answers = {}
            for (item_id, options), mode in zip(OPTIONS.items(), modes, strict=True):
                answers[item_id] = (
                    str(rng.choice(options)) if rng.random() < noise else mode
                )
            rows[f"r{i:03d}"] = answers
            truth[f"r{i:03d}"] = label
            i += 1
    answers, respondents = _frame(rows)
    return answers, respondents, truth


@pytest.fixture(scope="module")
def planted():
    answers, respondents, truth = _planted()
    study = _study()
    profiles = learner_profiles(study, answers, respondents, n_boot=10)
    return study, answers, respondents, truth, profiles


def test_recovers_planted_profiles(planted) -> None:
    _, _, _, truth, profiles = planted
    assert profiles.k == 3
    assigned = profiles.assignments.set_index("respondent_id")["profile_id"]
    ari = adjusted_rand_score([truth[r] for r in assigned.index], assigned.to_numpy())
    assert ari > 0.9
    assert [p.n for p in profiles.profiles] == sorted((p.n for p in profiles.profiles),
                                                       reverse=True)  # fmt: skip
    names = {p.traits[0].column and next(t.option_id for t in p.traits
                                         if t.item_id == "motivation"): p.name
             for p in profiles.profiles}  # fmt: skip
    assert names == {"career": "Upskillers", "personal_interest": "Curiosity-driven learners",
                     "academic": "Credit seekers"}  # fmt: skip
    assert profiles.stability["n_boot"] == 10
    assert profiles.stability["mean_ari"] > 0.8 and profiles.stability["label"] == "stable"
    assert sum(p.n for p in profiles.profiles) == profiles.n_profiled == 180


def _matching_silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette from its definition, with the simple matching dissimilarity."""
    d = (x[:, None, :] != x[None, :, :]).mean(axis=2)
    scores = []
    for i in range(len(x)):
        own = labels == labels[i]
        if own.sum() == 1:
            scores.append(0.0)
            continue
        a = d[i, own].sum() / (own.sum() - 1)
        b = min(d[i, labels == c].mean() for c in np.unique(labels) if c != labels[i])
        scores.append((b - a) / max(a, b) if max(a, b) > 0 else 0.0)
    return float(np.mean(scores))


def test_selection_uses_the_matching_silhouette(planted) -> None:
    study, answers, respondents, _, profiles = planted
    data = profile_matrix(study, answers, respondents)
    x = np.column_stack([pd.factorize(data.matrix[c])[0] for c in data.matrix.columns])
    assigned = profiles.assignments.set_index("respondent_id")["profile_id"]
    labels = assigned.loc[data.matrix.index].to_numpy()
    chosen = profiles.selection.set_index("k").loc[profiles.k]
    assert bool(chosen["chosen"])
    assert chosen["silhouette"] == pytest.approx(_matching_silhouette(x, labels), abs=1e-12)
    assert profiles.selection["silhouette"].max() == chosen["silhouette"]
    assert profiles.selection["k"].tolist() == [2, 3, 4, 5, 6]


def test_same_seed_gives_the_same_profiles() -> None:
    answers, respondents, _ = _planted(seed=11, noise=0.35)
    study = _study()
    first = learner_profiles(study, answers, respondents, n_boot=5, seed=3)
    second = learner_profiles(study, answers, respondents, n_boot=5, seed=3)
    pd.testing.assert_frame_equal(first.assignments, second.assignments)
    pd.testing.assert_frame_equal(first.selection, second.selection)
    assert first.stability == second.stability
    assert [p.name for p in first.profiles] == [p.name for p in second.profiles]


def _trait(construct: str, option: str, label: str, lift: float, share: float = 0.8) -> Trait:
    return Trait(column=construct, item_id=construct, construct=construct, option_id=option,
                 label=label, share=share, sample_share=share / lift, lift=lift)  # fmt: skip


def test_naming_rule_on_hand_made_traits() -> None:
    modality = _trait("modality", "online_asynchronous", "Online, own pace", 2.5)
    hours = _trait("weekly_hours", "h6_10", "6-10 hours", 1.8)
    # a motivation trait names the profile even when another trait has a higher lift
    assert name_profile([modality, _trait("motivation", "change_field", "Changing career",
                                          1.4)])[0] == "Career changers"  # fmt: skip
    assert name_profile([modality, _trait("motivation", "career", "Career", 1.2)])[0] == (
        "Upskillers"
    )
    assert name_profile([_trait("motivation", "personal_interest", "Curiosity", 1.3)])[0] == (
        "Curiosity-driven learners"
    )
    # no motivation trait: a credential trait may name it
    ects = _trait("credential", "ects_micro_credential", "Micro-credential with ECTS", 2.0)
    assert name_profile([modality, ects])[0] == "Credit seekers"
    # a motivation that matches no rule: fall back to the top two traits
    name, why = name_profile([modality, hours, _trait("motivation", "x1", "Other", 1.1)])
    assert name == "Online, own pace · 6-10 hours" and "top traits" in why
    assert name_profile([])[0] == "Profile"
    # "network" holds "work" but names networkers, not upskillers
    social = _trait("motivation", "importance_social", "Social reasons (networking)", 1.5)
    assert name_profile([social])[0] == "Networkers"


def test_duplicate_names_get_a_distinguishing_trait() -> None:
    rows = {}
    for i in range(40):  # two career groups that differ in modality and live sessions
        modality, live = (
            ("online_asynchronous", "none") if i < 20 else ("blended", "weekly_mandatory")
        )
        rows[f"r{i}"] = {"motivation": "career", "modality": modality, "live_sessions": live}
    for i in range(40, 60):
        rows[f"r{i}"] = {"motivation": "personal_interest", "modality": "face_to_face",
                         "live_sessions": "optional_qa"}  # fmt: skip
    answers, respondents = _frame(rows)
    profiles = learner_profiles(_study(), answers, respondents, n_boot=0, k_values=[3])
    names = sorted(p.name for p in profiles.profiles)
    assert len(set(names)) == 3
    assert sum(n.startswith("Upskillers (") for n in names) == 2
    assert "Curiosity-driven learners" in names
    assert profiles.stability["n_boot"] == 0


def test_profile_matrix_multi_choice_and_missing_answers() -> None:
    rows = {
        "a": {"motivation": ["career", "academic"], "modality": "blended"},
        "b": {"motivation": ["personal_interest"]},
        "c": {"modality": "face_to_face"},
        "d": {},
    }
    answers, respondents = _frame({k: v for k, v in rows.items() if v})
    respondents = pd.concat([respondents, respondents.iloc[[0]].assign(respondent_id="d")])
    study = _study("multi_choice")
    data = profile_matrix(study, answers, respondents, constructs=["motivation", "modality"])
    m = data.matrix
    assert list(m.index) == ["a", "b", "c"]  # d answered nothing
    assert m.loc["a", "motivation:career"] == "yes" and m.loc["a", "motivation:academic"] == "yes"
    assert m.loc["b", "motivation:career"] == "no"
    assert m.loc["c", "motivation:career"] == MISSING and m.loc["b", "modality"] == MISSING
    assert data.columns.set_index("column").loc["motivation:career", "option_id"] == "career"
    mode = profile_matrix(study, answers, respondents, constructs=["modality"], missing="mode")
    assert set(mode.matrix["modality"]) == {"blended", "face_to_face"}
    dropped = profile_matrix(study, answers, respondents, constructs=["motivation", "modality"],
                             missing="drop")  # fmt: skip
    assert list(dropped.matrix.index) == ["a"]
    with pytest.raises(IntegrateError):
        profile_matrix(study, answers, respondents, missing="guess")  # type: ignore[arg-type]
    with pytest.raises(IntegrateError, match="no item"):
        profile_matrix(study, answers, respondents, items=["nope"])


def test_too_few_patterns_is_an_error() -> None:
    answers, respondents = _frame({"a": {"modality": "blended"}, "b": {"modality": "blended"}})
    with pytest.raises(IntegrateError, match="too few"):
        learner_profiles(_study(), answers, respondents, n_boot=0)


def test_outputs_serialise_without_respondent_ids(planted) -> None:
    _, _, _, _, profiles = planted
    quoted = profiles.with_quotes({"p1": ["a quote", "b", "c", "d"]})
    assert quoted.get("p1").quotes == ("a quote", "b", "c")
    data = json.loads(json.dumps(quoted.to_dict()))
    assert data["k"] == 3 and data["method"]["kmodes"]
    assert "members" not in data["profiles"][0]
    assert "r000" not in json.dumps(data)
    frame = profiles.to_frame()
    assert list(frame.columns) == ["profile_id", "name", "n", "pct", "ci_low", "ci_high",
                                   "traits"]  # fmt: skip
    prefs = profiles.profiles[0].preferences
    assert {"column", "option_id", "n", "pct", "sample_pct", "lift"} <= set(prefs.columns)


def test_a_brief_per_profile_follows_its_members(planted) -> None:
    study, answers, respondents, _, profiles = planted
    briefs = briefs_by_profile(study, answers, respondents, profiles)
    assert list(briefs) == [p.id for p in profiles.profiles]
    for profile in profiles.profiles:
        brief = briefs[profile.id]
        assert brief.group == profile.id and brief.label == profile.name
        assert brief.n_respondents == profile.n
        prefs = profile.preferences[profile.preferences["item_id"] == "modality"]
        modal = prefs.sort_values("n", ascending=False)["option_id"].iloc[0]
        assert brief.get("modality").options == (modal,)


def test_weighted_patterns_match_kmodes_on_every_respondent(planted) -> None:
    """Cao's modes and the k-modes cost on weighted patterns equal kmodes on all rows."""
    import warnings

    from kmodes.kmodes import KModes
    from kmodes.util.dissim import matching_dissim
    from kmodes.util.init_methods import init_cao

    from microcred.integrate.profiles import _fit, cao_modes

    study, answers, respondents, _, _ = planted
    data = profile_matrix(study, answers, respondents)
    x = np.column_stack([pd.factorize(data.matrix[c], sort=True)[0]
                         for c in data.matrix.columns])  # fmt: skip
    patterns, counts = np.unique(x, axis=0, return_counts=True)
    for k in (2, 3, 4):
        # the same modes (as sets of rows; ties may be met in another order)
        ours = {tuple(row) for row in cao_modes(patterns, counts, k)}
        theirs = {tuple(int(v) for v in row) for row in init_cao(x, k, matching_dissim)}
        assert ours == theirs
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            full = KModes(n_clusters=k, init="Cao", n_init=1, random_state=1).fit(x)
        assert _fit(patterns, counts, k, 1).cost_ == full.cost_


def test_briefs_of_an_unstable_typology_say_so(planted) -> None:
    """A brief per profile is exploratory when the bootstrap ARI reads unstable (< 0.6)."""
    from dataclasses import replace

    study, answers, respondents, _, profiles = planted
    stable = briefs_by_profile(study, answers, respondents, profiles)
    assert profiles.stability["label"] != "unstable"
    assert not any("unstable" in n for b in stable.values() for n in b.notes)
    shaky = replace(profiles, stability={**profiles.stability, "mean_ari": 0.26,
                                         "label": "unstable"})  # fmt: skip
    briefs = briefs_by_profile(study, answers, respondents, shaky)
    for brief in briefs.values():
        assert any("unstable" in n and "0.26" in n for n in brief.notes)
