"""Learner profiles: a typology of respondents from their motivations and preferences.

Method (also written into every :class:`Profiles`):

- **Data**: one categorical column per construct (motivation, then the design
  constructs, whichever the study has), holding the option id each respondent chose
  in the construct's survey item (its first single_choice or ordinal item; for
  motivation also a multi_choice item). A multi_choice item gives one yes/no column
  per option instead, because a respondent may tick several. A missing answer is a
  category of its own (``"missing"``) by default; ``missing="mode"`` imputes the
  column's most frequent option; ``missing="drop"`` leaves out respondents with any
  missing answer. Respondents who answered none of the items are not profiled.
- **Clustering**: k-modes (Huang 1998) with the simple matching dissimilarity and
  Cao et al.'s (2009) deterministic initialisation, from the ``kmodes`` package. It is
  fitted on the distinct answer patterns weighted by how many respondents gave each
  (the same objective as on every respondent, and much faster), starting from Cao's
  modes computed with those weights.
- **Number of profiles**: the k in 2..6 with the highest mean silhouette (Rousseeuw
  1987) on the same dissimilarity (the Hamming distance of the category codes,
  scikit-learn ``silhouette_score(metric="hamming")``); ties go to the smaller k.
- **Stability**: ``n_boot`` bootstrap resamples of the respondents (multinomial
  weights on the answer patterns), k-modes refitted on each with the chosen k, every
  respondent of the original data assigned by the refitted model, and the adjusted
  Rand index (Hubert & Arabie 1985) of those assignments against the reference ones;
  the mean ARI is reported (>= 0.8 read as stable, 0.6-0.8 as moderately stable,
  below as unstable: a convention of this package, in the spirit of Hennig's 2007
  bootstrap thresholds).
- **Names**: a profile's defining traits are the options at least half of its members
  chose that are over-represented against the whole sample (lift = share in profile /
  share in sample > 1), highest lift first (none: the profile's most chosen option of
  each column, highest lift first). The first motivation trait (then credential
  trait) that matches a name rule names the profile: changing field -> "Career
  changers", career or work -> "Upskillers", academic, credit or credential ->
  "Credit seekers", personal interest -> "Curiosity-driven learners", social ->
  "Networkers"; otherwise the labels of the top two traits. Two profiles with the same
  name get their top other trait added in brackets.
- All randomness comes from ``seed``: the same data and seed give the same profiles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from microcred.integrate._common import (
    IntegrateError,
    clean,
    label_in,
    language_of,
    require,
    valid_answers,
    wilson,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from microcred.design.brief import Brief
    from microcred.study.models import Item, Study

__all__ = [
    "MISSING",
    "NAME_RULES",
    "PROFILE_CONSTRUCTS",
    "PROFILE_SEED",
    "Profile",
    "ProfileData",
    "Profiles",
    "Trait",
    "briefs_by_profile",
    "cao_modes",
    "learner_profiles",
    "name_profile",
    "profile_matrix",
    "stability_label",
]

PROFILE_CONSTRUCTS = (
    "motivation",
    "duration",
    "weekly_hours",
    "content_orientation",
    "modality",
    "live_sessions",
    "modularity",
    "credential",
)
"""Constructs whose items describe a learner, in this order (those the study has)."""

MISSING = "missing"
"""The category of a missing answer (``missing="category"``)."""
PROFILE_SEED = 20230
"""Default seed of k-modes and of the bootstrap."""

NAME_RULES: tuple[tuple[str, str], ...] = (
    ("Career changers", r"chang|switch|new_?(career|field|job|sector)|reskill|transition"),
    ("Upskillers", r"career|profession|(?<!net)work|job|upskill|promot|employ"),
    ("Credit seekers", r"academic|credit|ects|degree|universit|course|stud|qualif|credential"
                       r"|certif|official"),
    ("Curiosity-driven learners", r"personal|interest|curio|hobby|fun|enjoy|passion"),
    ("Networkers", r"social|network|communit|people|peers"),
)
"""Name rules: (name, regular expression searched in ``option_id label``, lower case).
The first rule that matches wins, so "changing career" is a career changer."""

NAME_CONSTRUCTS = ("motivation", "credential")
"""Constructs whose traits may name a profile, in this order."""

Missing = Literal["category", "mode", "drop"]


# --------------------------------------------------------------------------- data


class ProfileData(NamedTuple):
    """Respondents x columns of chosen options, with what each column is."""

    matrix: pd.DataFrame
    """Index ``respondent_id``; one column per single-answer item (option ids) or per
    option of a multi_choice item (``"<item>:<option>"``, values ``yes``/``no``)."""
    columns: pd.DataFrame
    """``column, item_id, construct, item_type, option_id`` (``option_id`` set for the
    yes/no columns of a multi_choice item)."""


def _profile_items(study: Study, constructs: Sequence[str] | None,
                   items: Sequence[str] | None) -> list[tuple[str, Item]]:  # fmt: skip
    from microcred.design.brief import construct_items

    if items is not None:
        out = []
        for item_id in items:
            try:
                item = study.item(item_id)
            except KeyError:
                raise IntegrateError(f"the study has no item {item_id!r}") from None
            if item.type not in ("single_choice", "multi_choice", "ordinal", "likert",
                                 "rating"):  # fmt: skip
                raise IntegrateError(f"item {item_id!r} is {item.type}: profiles need "
                                     "choice items")  # fmt: skip
            out.append((study.construct_of(item_id) or item_id, item))
        return out
    wanted = list(constructs) if constructs is not None else list(PROFILE_CONSTRUCTS)
    out = []
    for construct in wanted:
        candidates = construct_items(study, construct)
        preferred = [i for i in candidates if i.type in ("single_choice", "ordinal")]
        multi = [i for i in candidates if i.type == "multi_choice"]
        scales = [i for i in candidates if i.type in ("likert", "rating")]
        usable = preferred or multi or scales
        if usable:
            out.append((construct, usable[0]))
        elif constructs is not None:
            raise IntegrateError(f"construct {construct!r} has no choice item")
    return out


def profile_matrix(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    *,
    constructs: Sequence[str] | None = None,
    items: Sequence[str] | None = None,
    missing: Missing = "category",
) -> ProfileData:
    """The respondents x constructs table of chosen options that profiles are built on.

    Parameters
    ----------
    study : Study
    answers : pandas.DataFrame
        Long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`).
    respondents : pandas.DataFrame
        Respondents kept for analysis (``respondent_id``).
    constructs : sequence of str, optional
        Constructs to use (default :data:`PROFILE_CONSTRUCTS` that the study has);
        each gives its first single_choice or ordinal item, else its first
        multi_choice item, else its first likert or rating item.
    items : sequence of str, optional
        Use exactly these items instead.
    missing : {"category", "mode", "drop"}, default "category"
        A missing answer is its own category :data:`MISSING`; or is replaced by the
        column's most frequent option; or the respondent is left out.

    Returns
    -------
    ProfileData
        ``matrix`` (str categories; respondents who answered none of the items are
        left out) and ``columns``.

    Raises
    ------
    IntegrateError
        No usable item, an unknown item, or an unknown ``missing``.
    microcred.errors.InputError
        A frame lacks a needed column.
    """
    import pandas as pd

    if missing not in ("category", "mode", "drop"):
        raise IntegrateError(f"missing must be 'category', 'mode' or 'drop', got {missing!r}")
    require(answers, ("respondent_id", "item_id", "option_id"), "answers")
    require(respondents, ("respondent_id",), "respondents")
    chosen = _profile_items(study, constructs, items)
    if not chosen:
        raise IntegrateError("no construct of the study has a choice item to build "
                             "profiles on")  # fmt: skip
    ids = pd.Index(respondents["respondent_id"].astype(str).drop_duplicates(),
                   name="respondent_id")  # fmt: skip
    columns: dict[str, pd.Series] = {}
    meta: list[tuple[str, str, str, str, str | None]] = []
    for construct, item in chosen:
        rows = valid_answers(answers, item.id)
        rows = rows[rows["respondent_id"].isin(ids)]
        if item.type == "multi_choice":
            answered = set(rows["respondent_id"])
            ticked = set(zip(rows["respondent_id"], rows["option_id"], strict=True))
            present = list(dict.fromkeys([o.id for o in item.effective_options()]
                                         + list(rows["option_id"])))  # fmt: skip
            for option in present:
                values = [
                    ("yes" if (r, option) in ticked else "no") if r in answered else None
                    for r in ids
                ]
                name = f"{item.id}:{option}"
                columns[name] = pd.Series(values, index=ids, dtype="object")
                meta.append((name, item.id, construct, item.type, option))
        else:
            first = rows.drop_duplicates("respondent_id").set_index("respondent_id")
            columns[item.id] = first["option_id"].reindex(ids).astype("object")
            meta.append((item.id, item.id, construct, item.type, None))
    matrix = pd.DataFrame(columns, index=ids)
    matrix = matrix[matrix.notna().any(axis=1)]
    if missing == "category":
        matrix = matrix.fillna(MISSING)
    elif missing == "mode":
        for column in matrix.columns:
            counts = matrix[column].value_counts(sort=True)
            if len(counts):
                matrix[column] = matrix[column].fillna(counts.index[0])
        matrix = matrix.fillna(MISSING)
    else:
        matrix = matrix.dropna()
    frame = pd.DataFrame(meta, columns=["column", "item_id", "construct", "item_type",
                                        "option_id"])  # fmt: skip
    return ProfileData(matrix=matrix.astype("object"), columns=frame)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Trait:
    """One option over- (or most) represented in a profile.

    Attributes
    ----------
    column, item_id, construct : str
    option_id, label : str
        The option (for a multi_choice column: the option ticked).
    share : float
        Share of the profile's members who chose it.
    sample_share : float
        Share of all profiled respondents who chose it.
    lift : float
        ``share / sample_share``.
    """

    column: str
    item_id: str
    construct: str
    option_id: str
    label: str
    share: float
    sample_share: float
    lift: float


@dataclass(frozen=True)
class Profile:
    """One learner profile.

    Attributes
    ----------
    id : str
        ``p1``, ``p2``... by size, largest first.
    name : str
        From its defining traits (see the module notes).
    naming : str
        Why it got that name.
    n : int
    pct, ci_low, ci_high : float
        Share of profiled respondents, Wilson 95% interval.
    traits : tuple of Trait
        Defining traits, highest lift first.
    preferences : pandas.DataFrame
        ``column, item_id, construct, option_id, label, n, pct, sample_pct, lift``: the
        profile's choices in every column (for multi_choice columns, the ticks).
    members : tuple of str
        Respondent ids (for quotes: see :func:`microcred.integrate.quotes.pick_quotes`).
    quotes : tuple of str
        Exemplar quotes added by :meth:`Profiles.with_quotes` (personal data).
    """

    id: str
    name: str
    naming: str
    n: int
    pct: float
    ci_low: float
    ci_high: float
    traits: tuple[Trait, ...]
    preferences: pd.DataFrame
    members: tuple[str, ...]
    quotes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data; members are left out (see :attr:`Profiles.assignments`)."""
        return dict(clean({
            "id": self.id, "name": self.name, "naming": self.naming, "n": self.n,
            "pct": self.pct, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "traits": [vars(t) for t in self.traits],
            "preferences": self.preferences.to_dict(orient="records"),
            "quotes": list(self.quotes),
        }))  # fmt: skip


@dataclass
class Profiles:
    """A learner typology and how it was obtained.

    Attributes
    ----------
    k : int
        Number of profiles.
    profiles : list of Profile
        Largest first.
    assignments : pandas.DataFrame
        ``respondent_id, profile_id, profile_name`` for every profiled respondent.
    selection : pandas.DataFrame
        ``k, silhouette, cost, clusters`` for every k tried (``clusters``: non-empty
        clusters found), with ``chosen``.
    stability : dict
        ``n_boot`` (resamples used), ``mean_ari``, ``sd_ari``, ``ari_low``,
        ``ari_high`` (2.5 and 97.5 percentiles), ``label``.
    columns : pandas.DataFrame
        What each column of the data is (see :class:`ProfileData`).
    n_profiled, n_left_out : int
        Respondents profiled; respondents left out (no answer, or ``missing="drop"``).
    missing : str
    seed : int
    method : dict
        Package versions and settings (``kmodes`` version, init, dissimilarity).
    rules : list of str
    notes : list of str
    other : dict, optional
        Only in a shared copy (:func:`microcred.privacy.later.share_integration`): the
        profiles not shown, counted together (``name, profiles, n, pct, ci_low,
        ci_high, note``); ``profiles`` then holds the shown ones only.
    """

    k: int
    profiles: list[Profile]
    assignments: pd.DataFrame
    selection: pd.DataFrame
    stability: dict[str, Any]
    columns: pd.DataFrame
    n_profiled: int
    n_left_out: int
    missing: str
    seed: int
    method: dict[str, Any]
    rules: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    other: dict[str, Any] | None = None

    def get(self, profile_id: str) -> Profile | None:
        """The profile with ``profile_id``, or ``None``."""
        return next((p for p in self.profiles if p.id == profile_id), None)

    def with_quotes(self, quotes: Mapping[str, Sequence[str]], max_quotes: int = 3) -> Profiles:
        """A copy with exemplar quotes attached.

        Parameters
        ----------
        quotes : mapping of str -> sequence of str
            Profile id -> quotes (personal data: carried, never logged).
        max_quotes : int, default 3

        Returns
        -------
        Profiles
        """
        profiles = [
            replace(p, quotes=tuple(str(q) for q in quotes.get(p.id, p.quotes)[:max_quotes]))
            for p in self.profiles
        ]
        return replace(self, profiles=profiles)

    def to_frame(self) -> pd.DataFrame:
        """One row per profile: ``profile_id, name, n, pct, ci_low, ci_high, traits``.

        In a shared copy, a trait whose share is hidden is named without its share and
        lift, and the profiles not shown make one last row (``profile_id`` ``None``).
        """
        import pandas as pd

        def trait(t: Trait) -> str:
            if isinstance(t.share, str) or isinstance(t.lift, str):
                return t.label
            return f"{t.label} ({t.share:.0%}, lift {t.lift:.1f})"

        rows = [{
            "profile_id": p.id, "name": p.name, "n": p.n, "pct": p.pct,
            "ci_low": p.ci_low, "ci_high": p.ci_high,
            "traits": "; ".join(trait(t) for t in p.traits),
        } for p in self.profiles]  # fmt: skip
        if self.other is not None:
            rows.append({
                "profile_id": None, "name": self.other.get("name"), "n": self.other.get("n"),
                "pct": self.other.get("pct"), "ci_low": self.other.get("ci_low"),
                "ci_high": self.other.get("ci_high"), "traits": self.other.get("note", ""),
            })  # fmt: skip
        return pd.DataFrame(rows, columns=["profile_id", "name", "n", "pct", "ci_low",
                                           "ci_high", "traits"])  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (no respondent ids; quotes as given)."""
        return dict(clean({
            "k": self.k, "profiles": [p.to_dict() for p in self.profiles],
            "selection": self.selection.to_dict(orient="records"),
            "stability": self.stability, "columns": self.columns.to_dict(orient="records"),
            "n_profiled": self.n_profiled, "n_left_out": self.n_left_out,
            "missing": self.missing, "seed": self.seed, "method": self.method,
            "rules": self.rules, "notes": self.notes,
            **({"other": self.other} if self.other is not None else {}),
        }))  # fmt: skip


# --------------------------------------------------------------------------- naming


def name_profile(
    traits: Sequence[Trait],
    *,
    rules: Sequence[tuple[str, str]] = NAME_RULES,
    constructs: Sequence[str] = NAME_CONSTRUCTS,
) -> tuple[str, str]:
    """Name a profile from its defining traits.

    Parameters
    ----------
    traits : sequence of Trait
        Defining traits, most defining first.
    rules : sequence of (name, pattern), default :data:`NAME_RULES`
        Tried in order on ``"<option_id> <label>"`` (lower case) of each trait.
    constructs : sequence of str, default ("motivation", "credential")
        Constructs whose traits may name the profile, in this order.

    Returns
    -------
    (name, why)
        The first trait of the first construct (in ``constructs`` order, traits in
        their order) that matches a rule gives the rule's name; otherwise the labels
        of the first two traits joined by " · ". ``why`` says which.
    """
    for construct in constructs:
        for trait in traits:
            if trait.construct != construct:
                continue
            text = f"{trait.option_id} {trait.label}".lower()
            for name, pattern in rules:
                if re.search(pattern, text):
                    why = (f"{construct} trait '{trait.label}' ({trait.share:.0%} vs "
                           f"{trait.sample_share:.0%} overall)")  # fmt: skip
                    return name, why
    if not traits:
        return "Profile", "no defining trait"
    top = list(traits[:2])
    return " · ".join(t.label for t in top), "top traits: " + ", ".join(
        f"'{t.label}' (lift {t.lift:.1f})" for t in top
    )


def stability_label(mean_ari: float) -> str:
    """Reading of a mean bootstrap ARI: stable (>= 0.8), moderately stable, unstable (< 0.6)."""
    if mean_ari is None or math.isnan(mean_ari):
        return "unknown"
    if mean_ari >= 0.8:
        return "stable"
    if mean_ari >= 0.6:
        return "moderately stable"
    return "unstable"


# --------------------------------------------------------------------------- fitting


def _encode(matrix: pd.DataFrame) -> np.ndarray:
    import numpy as np
    import pandas as pd

    codes = [pd.factorize(matrix[c], sort=True)[0] for c in matrix.columns]
    return np.column_stack(codes).astype(np.int64) if codes else np.zeros((len(matrix), 0))


def cao_modes(patterns: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Cao et al.'s (2009) initial modes, for answer patterns weighted by frequency.

    Parameters
    ----------
    patterns : numpy.ndarray of int, shape (m, p)
        Distinct answer patterns, category codes ``0..c_j - 1`` in column ``j``.
    weights : numpy.ndarray of int, shape (m,)
        Respondents giving each pattern (0 allowed: the pattern is not in the data).
    k : int
        Number of modes.

    Returns
    -------
    numpy.ndarray of int, shape (k, p)
        The first mode is the pattern of highest density
        ``dens(x) = sum_j f_j(x_j) / (n p)`` (``f_j``: respondents sharing the
        category in column ``j``); each next one maximises, over patterns, the
        minimum over chosen modes of ``dens(x) * d(x, mode)`` (``d``: simple
        matching). Ties go to the first pattern. On the expanded data this is what
        ``kmodes.util.init_methods.init_cao`` computes.

    References
    ----------
    Cao, F., Liang, J. & Bai, L. (2009). A new initialization method for categorical
    data clustering. Expert Systems with Applications 36(7), 10223-10228.
    """
    import numpy as np

    n = float(weights.sum())
    m, p = patterns.shape
    dens = np.zeros(m)
    for j in range(p):
        freq = np.bincount(patterns[:, j], weights=weights, minlength=int(patterns[:, j].max()) + 1)
        dens += freq[patterns[:, j]] / n / p
    present = weights > 0
    chosen = [int(np.argmax(np.where(present, dens, -1.0)))]
    for _ in range(1, k):
        dd = np.min([(patterns != patterns[c]).sum(axis=1) * dens for c in chosen], axis=0)
        chosen.append(int(np.argmax(np.where(present, dd, -1.0))))
    return np.asarray(patterns[chosen])


def _fit(patterns: np.ndarray, weights: np.ndarray, k: int, seed: int) -> Any:
    """k-modes on weighted distinct patterns, started from Cao's modes."""
    import warnings

    from kmodes.kmodes import KModes

    init = cao_modes(patterns, weights, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = KModes(n_clusters=k, init=init, n_init=1, random_state=seed)
        return model.fit(patterns, sample_weight=[int(w) for w in weights])


def _silhouette(x: np.ndarray, labels: np.ndarray, seed: int) -> float:
    import numpy as np
    from sklearn.metrics import silhouette_score

    found = np.unique(labels).size
    if found < 2 or found >= len(labels):
        return math.nan
    sample = None if len(labels) <= 4000 else 4000
    return float(silhouette_score(x, labels, metric="hamming", sample_size=sample,
                                  random_state=seed))  # fmt: skip


def _labels_of(study: Study, item_id: str, language: str) -> dict[str, str]:
    item = study.item(item_id)
    labels: dict[str, str] = {o.id: o.label(language) for o in item.effective_options()}
    labels.setdefault(item.other.option, label_in(item.other.labels, language, "Other"))
    labels[MISSING] = "(no answer)"
    return labels


def _preferences(
    data: ProfileData, members: np.ndarray, labels: dict[str, dict[str, str]]
) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    rows = []
    matrix = data.matrix
    for meta in data.columns.itertuples(index=False):
        values = matrix[meta.column].to_numpy()
        inside = values[members]
        if meta.option_id is not None:  # a yes/no column of a multi_choice item
            categories = [("yes", str(meta.option_id))]
        else:
            categories = [(c, c) for c in pd.unique(values)]
        for value, option in categories:
            n = int(np.sum(inside == value))
            overall = float(np.mean(values == value))
            pct = n / len(inside) if len(inside) else math.nan
            rows.append({
                "column": meta.column, "item_id": meta.item_id, "construct": meta.construct,
                "option_id": option,
                "label": labels[meta.item_id].get(option, option),
                "n": n, "pct": pct, "sample_pct": overall,
                "lift": pct / overall if overall else math.nan,
            })  # fmt: skip
    frame = pd.DataFrame(rows)
    if len(frame):
        order = {c: i for i, c in enumerate(data.columns["column"])}
        frame["_order"] = frame["column"].map(order)
        frame = frame.sort_values(["_order", "n"], ascending=[True, False], kind="stable")
        frame = frame.drop(columns="_order")
    return frame.reset_index(drop=True)


def _traits(preferences: pd.DataFrame, min_share: float) -> tuple[Trait, ...]:
    usable = preferences[preferences["option_id"] != MISSING]
    picked = usable[(usable["pct"] >= min_share) & (usable["lift"] > 1)]
    if not len(picked):  # the most chosen option of each column
        picked = usable.sort_values("n", ascending=False, kind="stable").drop_duplicates(
            "column"
        )
        picked = picked[picked["n"] > 0]
    picked = picked.sort_values(["lift", "pct"], ascending=False, kind="stable")
    return tuple(
        Trait(column=str(r.column), item_id=str(r.item_id), construct=str(r.construct),
              option_id=str(r.option_id), label=str(r.label), share=float(r.pct),
              sample_share=float(r.sample_pct), lift=float(r.lift))  # fmt: skip
        for r in picked.itertuples(index=False)
    )


def learner_profiles(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    *,
    constructs: Sequence[str] | None = None,
    items: Sequence[str] | None = None,
    k_values: Sequence[int] = (2, 3, 4, 5, 6),
    missing: Missing = "category",
    n_boot: int = 50,
    seed: int = PROFILE_SEED,
    min_share: float = 0.5,
    language: str | None = None,
) -> Profiles:
    """Find learner profiles by k-modes, name them and check their stability.

    Parameters
    ----------
    study : Study
    answers : pandas.DataFrame
        Long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`).
    respondents : pandas.DataFrame
        Respondents kept for analysis.
    constructs, items : sequence of str, optional
        What to profile on (see :func:`profile_matrix`).
    k_values : sequence of int, default 2..6
        Numbers of profiles tried; those above the number of distinct answer
        patterns are skipped.
    missing : {"category", "mode", "drop"}, default "category"
        See :func:`profile_matrix`.
    n_boot : int, default 50
        Bootstrap resamples for stability (0 skips it).
    seed : int, default :data:`PROFILE_SEED`
        Seeds k-modes and the bootstrap.
    min_share : float, default 0.5
        Share of a profile's members an option needs to be a defining trait.
    language : str, optional
        Label language (default: the study's first).

    Returns
    -------
    Profiles
        Profiles largest first, with names, traits, preferences, members and Wilson
        95% intervals of their share; the k selection table; bootstrap stability.

    Raises
    ------
    IntegrateError
        No usable item, no k to try (too few respondents or answer patterns), or a
        bad argument.
    microcred.errors.InputError
        A frame lacks a needed column.

    Notes
    -----
    The method and the naming rule are in the module docstring. k-modes is
    ``kmodes.kmodes.KModes(init=<Cao modes>, n_init=1).fit(patterns,
    sample_weight=counts)`` (de Vos, ``kmodes`` >= 0.12; the initial modes from
    :func:`cao_modes`); the silhouette is scikit-learn
    ``silhouette_score(metric="hamming")`` (on more than 4,000 respondents, on a
    seeded sample of 4,000); the ARI is scikit-learn
    ``adjusted_rand_score``.

    References
    ----------
    .. [1] Huang, Z. (1998). Extensions to the k-means algorithm for clustering large
       data sets with categorical values. Data Mining and Knowledge Discovery 2(3),
       283-304.
    .. [2] Cao, F., Liang, J. & Bai, L. (2009). A new initialization method for
       categorical data clustering. Expert Systems with Applications 36(7),
       10223-10228.
    .. [3] Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation
       and validation of cluster analysis. J. Comput. Appl. Math. 20, 53-65.
    .. [4] Hubert, L. & Arabie, P. (1985). Comparing partitions. Journal of
       Classification 2(1), 193-218.
    .. [5] Hennig, C. (2007). Cluster-wise assessment of cluster stability.
       Computational Statistics & Data Analysis 52(1), 258-271.
    """
    import importlib.metadata

    import numpy as np
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score

    if not 0 < min_share <= 1:
        raise IntegrateError(f"min_share must be in (0, 1], got {min_share!r}")
    if n_boot < 0:
        raise IntegrateError(f"n_boot must be 0 or more, got {n_boot!r}")
    if any(int(k) != k or k < 2 for k in k_values):
        raise IntegrateError(f"k_values must be integers of 2 or more, got {list(k_values)!r}")
    language = language_of(study, language)
    data = profile_matrix(study, answers, respondents, constructs=constructs, items=items,
                          missing=missing)  # fmt: skip
    x = _encode(data.matrix)
    n = len(x)
    patterns = np.unique(x, axis=0).shape[0] if n else 0
    tried = sorted({int(k) for k in k_values if k <= patterns})
    if not tried:
        raise IntegrateError(
            f"too few respondents or answer patterns ({n} respondents, {patterns} "
            f"patterns) for {list(k_values)!r} profiles"
        )
    patterns_, inverse, counts = np.unique(x, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    fits, rows = {}, []
    for k in tried:
        model = _fit(patterns_, counts, k, seed)
        # predict, not labels_: kmodes leaves labels_ None when k equals the number of
        # distinct answer patterns (it then skips the iterations)
        labels = np.asarray(model.predict(patterns_), dtype=np.int64)[inverse]
        fits[k] = labels
        rows.append({
            "k": k, "silhouette": _silhouette(x, labels, seed), "cost": float(model.cost_),
            "clusters": int(np.unique(labels).size),
        })  # fmt: skip
    selection = pd.DataFrame(rows)
    scores = selection["silhouette"].to_numpy(dtype=float)
    if np.all(np.isnan(scores)):
        raise IntegrateError("k-modes found no partition with two or more clusters")
    best = int(selection["k"].iloc[int(np.nanargmax(scores))])  # first maximum: smaller k
    selection["chosen"] = selection["k"] == best

    # relabel by size, largest first (ties: first appearance)
    raw = fits[best]
    found, first, sizes = np.unique(raw, return_index=True, return_counts=True)
    order = sorted(range(found.size), key=lambda i: (-sizes[i], first[i]))
    relabel = np.empty(int(raw.max()) + 1, dtype=np.int64)
    relabel[found[order]] = np.arange(found.size)
    reference = relabel[raw]

    aris = []
    rng = np.random.default_rng(seed)
    for b in range(n_boot):
        resample = rng.multinomial(n, counts / n)  # respondents drawn with replacement
        if np.count_nonzero(resample) < best:
            continue
        model = _fit(patterns_, resample, best, seed + b + 1)
        refitted = np.asarray(model.predict(patterns_), dtype=np.int64)[inverse]
        aris.append(adjusted_rand_score(reference, refitted))
    mean_ari = float(np.mean(aris)) if aris else math.nan
    stability = {
        "n_boot": len(aris),
        "mean_ari": mean_ari,
        "sd_ari": float(np.std(aris, ddof=1)) if len(aris) > 1 else math.nan,
        "ari_low": float(np.percentile(aris, 2.5)) if aris else math.nan,
        "ari_high": float(np.percentile(aris, 97.5)) if aris else math.nan,
        "label": stability_label(mean_ari),
    }

    labels_by_item = {
        item_id: _labels_of(study, item_id, language)
        for item_id in dict.fromkeys(data.columns["item_id"])
    }
    ids = data.matrix.index.to_numpy(dtype=object)
    profiles: list[Profile] = []
    for p in range(found.size):
        members = np.flatnonzero(reference == p)
        prefs = _preferences(data, members, labels_by_item)
        traits = _traits(prefs, min_share)
        name, why = name_profile(traits)
        lo, hi = wilson(members.size, n)
        profiles.append(Profile(
            id=f"p{p + 1}", name=name, naming=why, n=int(members.size),
            pct=members.size / n, ci_low=lo, ci_high=hi, traits=traits, preferences=prefs,
            members=tuple(str(i) for i in ids[members]),
        ))  # fmt: skip
    profiles = _distinct_names(profiles)
    names = {p.id: p.name for p in profiles}
    assignments = pd.DataFrame({
        "respondent_id": ids,
        "profile_id": [f"p{p + 1}" for p in reference],
    })  # fmt: skip
    assignments["profile_name"] = assignments["profile_id"].map(names)
    n_all = respondents["respondent_id"].astype(str).nunique()
    notes = []
    if n_all - n:
        notes.append(f"{n_all - n} respondents were not profiled ("
                     + ("a missing answer" if missing == "drop" else "no answer to any item")
                     + ")")  # fmt: skip
    if len(data.columns) < 3:
        notes.append(f"only {len(data.columns)} column(s) describe a learner: profiles "
                     "can only combine a few options")  # fmt: skip
    if found.size < best:
        notes.append(f"k-modes with k = {best} left {best - found.size} cluster(s) empty")
    return Profiles(
        k=int(found.size),
        profiles=profiles,
        assignments=assignments,
        selection=selection,
        stability=stability,
        columns=data.columns,
        n_profiled=int(n),
        n_left_out=int(n_all - n),
        missing=missing,
        seed=int(seed),
        method={
            "algorithm": "k-modes", "init": "Cao", "dissimilarity": "simple matching",
            "criterion": "highest mean silhouette (Hamming), ties to the smaller k",
            "kmodes": importlib.metadata.version("kmodes"),
            "scikit-learn": importlib.metadata.version("scikit-learn"),
        },  # fmt: skip
        rules=_rules(),
        notes=notes,
    )


def _rules() -> list[str]:
    """The bullet points of the module docstring, one line each."""
    text = (__doc__ or "").split("\n\n", 2)[-1]
    parts = text.strip().removeprefix("- ").split("\n- ")
    return [" ".join(part.split()).replace("**", "") for part in parts if part.strip()]


def _distinct_names(profiles: list[Profile]) -> list[Profile]:
    counts: dict[str, int] = {}
    for p in profiles:
        counts[p.name] = counts.get(p.name, 0) + 1
    out, used = [], set()
    for p in profiles:
        name = p.name
        if counts[name] > 1:
            extra = next((t for t in p.traits if t.label not in name), None)
            if extra is not None:
                name = f"{name} ({extra.label})"
        base, i = name, 2
        while name in used:
            name = f"{base} {i}"
            i += 1
        used.add(name)
        out.append(replace(p, name=name) if name != p.name else p)
    return out


# --------------------------------------------------------------------------- briefs


def briefs_by_profile(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    profiles: Profiles,
    *,
    quotes: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    asked: dict[str, set[str]] | None = None,
    only: Collection[str] | None = None,
    keep: dict[str, Any] | None = None,
    **options: Any,
) -> dict[str, Brief]:
    """A design brief for each profile, from the quantitative analysis of its members.

    Parameters
    ----------
    study : Study
    answers : pandas.DataFrame
        Long answers of the whole sample.
    respondents : pandas.DataFrame
        Respondents of the whole sample (each profile's members are taken from it).
    profiles : Profiles
        Output of :func:`learner_profiles`.
    quotes : mapping of str -> mapping of str -> sequence of str, optional
        Profile id -> construct id -> quotes, passed to
        :func:`microcred.design.brief.recommend`.
    asked : dict of str -> set of str, optional
        Passed to :func:`microcred.quant.analyse`.
    only : collection of str, optional
        Profile ids to write a brief for (default: every profile). The run passes the
        profiles it may publish (:func:`microcred.privacy.later.published_profiles`):
        a profile of fewer than ``privacy.k`` respondents gets no brief.
    keep : dict, optional
        Receives profile id -> the profile's exact
        :class:`~microcred.quant.results.QuantResults` (for small-cell suppression of
        the briefs; never written out).
    **options
        Further keyword arguments of :func:`~microcred.design.brief.recommend`
        (``threshold``, ``assume``, ``language``...).

    Returns
    -------
    dict of str -> Brief
        Profile id -> brief (``group`` the profile id, ``label`` its name), in the
        profiles' order. Each brief's ``n_respondents`` is the profile's size.

    Notes
    -----
    Each profile's subset is analysed with :func:`microcred.quant.analyse` (without
    the study's comparisons, which a brief does not read) and passed to
    :func:`microcred.design.brief.recommend`, so a profile's brief follows exactly the
    rules of the whole-sample brief, with its own small-n flags. When the typology is
    unstable (:func:`stability_label`), every profile's brief carries a note saying so.
    """
    from microcred.design.brief import recommend
    from microcred.quant import analyse

    require(respondents, ("respondent_id",), "respondents")
    plain = study.model_copy(update={"comparisons": []})
    ids = respondents["respondent_id"].astype(str)
    out: dict[str, Brief] = {}
    for profile in profiles.profiles:
        if only is not None and profile.id not in only:
            continue
        members = respondents[ids.isin(set(profile.members)).to_numpy()]
        results = analyse(plain, answers, members, asked=asked)
        if keep is not None:
            keep[profile.id] = results
        out[profile.id] = recommend(
            study, results, group=profile.id, label=profile.name,
            quotes=(quotes or {}).get(profile.id), **options,
        )  # fmt: skip
        if profiles.stability.get("label") == "unstable":
            out[profile.id].notes.append(
                "The learner profiles are unstable (mean bootstrap adjusted Rand index "
                f"{profiles.stability['mean_ari']:.2f} < 0.6): this profile may not recur "
                "in another sample, so read this brief as exploratory."
            )
    return out
