"""How well does the automatic coder agree with human coders? Cross-validation and curves.

:func:`evaluate` runs k-fold cross-validation of :class:`SupervisedCoder` against each
human coder, and learning curves with 5, 10, 20 and all positive training units per
code, then tabulates per code Cohen's kappa between the human coders, between the
machine and each coder, and macro-F1, with the target kappa(machine, H1) >=
kappa(H2, H1) - 0.05 (the machine agrees with the first coder about as well as the
second coder does). :func:`load_sight` reads the SIGHT sample (289 YouTube comments,
two human coders, 10 codes) used as the public benchmark.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from microcred.errors import InputError
from microcred.qual.autocode import SupervisedCoder, _check_units, labels_from_codings
from microcred.qual.codebook import Code, Codebook
from microcred.qual.embed import Embedder, Progress

__all__ = ["EvaluationResult", "evaluate", "load_sight", "SIGHT_CODES", "cv_predict", "fold_count"]

SIGHT_CODES = (
    "general", "setup", "pedagogy", "confusion", "gratitude", "personal_experience",
    "clarification", "bookmark", "non_english", "na",
)
"""The 10 codes of the SIGHT rubric (Wang et al. 2023, table 1)."""


@dataclass(frozen=True)
class EvaluationResult:
    """Result of :func:`evaluate`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per code: ``code``, ``n`` (units coded by every coder), prevalence
        per coder (``prev_<coder>``), ``kappa_<c1>_<c2>`` for each pair of human coders,
        ``kappa_machine_<coder>`` and ``f1_macro_<coder>`` for the machine trained and
        cross-validated on each coder's codes, ``kappa_machine<c1>_<coder>`` for the
        machine trained on the first coder against each other coder (an independent
        check: that coder's codes never trained it), ``target`` (kappa between the first two
        coders minus the tolerance), ``meets_target`` and ``folds`` (the folds used for
        the code: fewer than asked when a coder gave the code, or its absence, to fewer
        units than that; 0 when there were fewer than 2, so no model was trained).
    curve : pandas.DataFrame
        Learning curve against the first coder: ``code``, ``coder``, ``n_pos``
        (positives per training fold asked for; ``"all"``), ``n_train`` (mean training
        units per fold), ``kappa``, ``f1_macro``; NaN where a fold had fewer
        positives than asked.
    predictions : pandas.DataFrame
        Out-of-fold machine decisions: ``unit_id``, ``code_id``, ``coder`` (whose
        codes trained it), ``confidence``, ``threshold``, ``present``, ``human``.
    model, model_version : str
        The embedder.
    folds, seed : int
    coders : tuple of str
    """

    table: pd.DataFrame
    curve: pd.DataFrame
    predictions: pd.DataFrame
    model: str
    model_version: str
    folds: int
    seed: int
    coders: tuple[str, ...]

    @property
    def met(self) -> int:
        """Number of codes meeting the target."""
        return int(self.table["meets_target"].sum()) if len(self.table) else 0

    def summary(self) -> str:
        """How many codes meet the target, and the codes cross-validated with fewer folds."""
        c1 = self.coders[0]
        c2 = self.coders[1] if len(self.coders) > 1 else c1
        line = (f"{self.model}: kappa(machine,{c1}) >= kappa({c2},{c1}) - tolerance for "
                f"{self.met} of {len(self.table)} codes ({self.folds}-fold CV, seed {self.seed})")
        if "folds" not in self.table.columns:
            return line
        fewer = self.table[self.table["folds"] < self.folds]
        notes = [f"{row.code}: {row.folds}" if row.folds else f"{row.code}: none"
                 for row in fewer.itertuples()]
        if notes:
            line += ("\nfewer folds where a coder gave a code (or its absence) to fewer units "
                     "than --folds (code: folds used; none = no model): " + ", ".join(notes))
        return line

    def to_markdown(self, digits: int = 2) -> str:
        """The per-code table as a Markdown table (for the docs).

        Parameters
        ----------
        digits : int
            Decimals of the figures.

        Returns
        -------
        str
        """
        return _markdown(self.table, digits)


def _markdown(df: pd.DataFrame, digits: int = 2) -> str:
    def fmt(v: object) -> str:
        if isinstance(v, bool | np.bool_):
            return "yes" if v else "no"
        if isinstance(v, float | np.floating):
            return "–" if np.isnan(v) else f"{v:.{digits}f}"
        return str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *rows])


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    from sklearn.metrics import cohen_kappa_score

    if len(a) == 0:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        k = cohen_kappa_score(a.astype(int), b.astype(int))
    return float(k)


def _f1_macro(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    if len(y) == 0:
        return float("nan")
    return float(f1_score(y.astype(int), pred.astype(int), average="macro", labels=[0, 1],
                          zero_division=0.0))


def cv_predict(
    X: np.ndarray,
    y: np.ndarray,
    folds: int = 5,
    seed: int = 0,
    n_pos: int | None = None,
    C: float = 10.0,
    threshold_metric: str = "kappa",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Out-of-fold probabilities and decisions of a one-code supervised coder.

    Parameters
    ----------
    X : numpy.ndarray, shape (n, dim)
        Embeddings.
    y : numpy.ndarray of 0/1, shape (n,)
        Labels (no missing values).
    folds : int
        Outer folds (stratified; fewer when a class has fewer units).
    seed : int
        Seed of the folds and of the training subsamples.
    n_pos : int, optional
        Train on only this many positives per fold (and as many negatives as keep the
        class ratio); ``None`` for all.
    C, threshold_metric
        Passed to :class:`SupervisedCoder`.

    Returns
    -------
    proba : numpy.ndarray, shape (n,)
    threshold : numpy.ndarray, shape (n,)
        Threshold of the fold model that predicted each unit.
    present : numpy.ndarray of int, shape (n,)
    n_train : float
        Mean number of training units per fold (NaN when a fold lacked positives).
    """
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y).astype(int)
    n = len(y)
    proba = np.full(n, np.nan)
    thr = np.full(n, 0.5)
    n_min = int(min(y.sum(), n - y.sum()))
    if n_min < 2:
        # a single class (or one unit of the other): nothing to learn; predict the majority
        proba[:] = float(y.mean()) if n else 0.0
        return proba, thr, (proba >= thr).astype(int), float(n)
    k = fold_count(y, folds)  # >= 2 here: both classes have 2 units or more
    rng = np.random.default_rng(seed)
    sizes = []
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(n), y):
        if n_pos is not None:
            pos, neg = train[y[train] == 1], train[y[train] == 0]
            if n_pos > len(pos):
                return np.full(n, np.nan), thr, np.zeros(n, dtype=int), float("nan")
            n_neg = max(n_pos, int(round(n_pos * len(neg) / len(pos))))
            n_neg = min(n_neg, len(neg))
            train = np.sort(np.concatenate([rng.choice(pos, n_pos, replace=False),
                                            rng.choice(neg, n_neg, replace=False)]))
        sizes.append(len(train))
        coder = SupervisedCoder(embedder=None, seed=seed, C=C,  # type: ignore[arg-type]
                                threshold_metric=threshold_metric)
        coder.fit_matrix(X[train], {"c": y[train]})
        proba[test] = coder.predict_proba_matrix(X[test])[:, 0]
        thr[test] = coder.thresholds["c"]
    return proba, thr, (proba >= thr).astype(int), float(np.mean(sizes))


def fold_count(y: np.ndarray, folds: int) -> int:
    """Folds a stratified k-fold split of ``y`` can have when ``folds`` are asked for.

    Parameters
    ----------
    y : numpy.ndarray of 0/1, shape (n,)
        Labels.
    folds : int
        Folds asked for (values below 2 count as 2).

    Returns
    -------
    int
        ``min(max(folds, 2), n_min)`` where ``n_min`` is the size of the smaller
        class: every fold must hold units of both classes; 0 when ``n_min < 2`` (no
        split).

    References
    ----------
    scikit-learn ``StratifiedKFold``, which refuses more splits than members of every
    class and warns when the smaller class has fewer members than splits.
    """
    y = np.asarray(y).astype(int)
    n_min = int(min(y.sum(), len(y) - y.sum()))
    return 0 if n_min < 2 else min(max(folds, 2), n_min)


def _code_ids(codes: Codebook | Sequence[Code | str]) -> list[str]:
    if isinstance(codes, Codebook):
        return [c.id for c in codes.codable()]
    return [c.id if isinstance(c, Code) else str(c) for c in codes]


def evaluate(
    units: pd.DataFrame,
    human_codings: pd.DataFrame,
    embedder: Embedder,
    codes: Codebook | Sequence[Code | str],
    coders: Sequence[str] = ("H1", "H2"),
    folds: int = 5,
    curve: Sequence[int | None] = (5, 10, 20, None),
    seed: int = 0,
    tolerance: float = 0.05,
    threshold_metric: str = "kappa",
    C: float = 10.0,
    progress: Progress | None = None,
) -> EvaluationResult:
    """Cross-validate the supervised coder against each human coder, with learning curves.

    For every code and every coder, units the coder coded are split into ``folds``
    stratified folds; a :class:`SupervisedCoder` trained on the other folds (its
    threshold chosen inside them) predicts each held-out fold, and the pooled
    out-of-fold decisions are compared with that coder's codes: Cohen's kappa and
    macro-F1 (mean of the F1 of "present" and of "absent"). Human-human kappa uses the
    units both coders coded. Learning curves repeat the cross-validation against the
    first coder with training folds cut to ``n`` positives (negatives in the same
    ratio).

    Parameters
    ----------
    units : pandas.DataFrame
        ``UNIT_COLUMNS`` (at least ``unit_id`` and ``text``).
    human_codings : pandas.DataFrame
        ``CODING_COLUMNS`` (at least ``unit_id``, ``code_id``, ``coder``, ``present``);
        machine rows are ignored.
    embedder : Embedder
        Embeds every unit once.
    codes : Codebook or sequence of Code or str
        Codes to evaluate.
    coders : sequence of str
        Human coders, the reference first.
    folds : int
        Folds of the cross-validation, at least 2; a code whose smaller class (units
        a coder coded present, or absent) holds fewer units gets that many folds
        (column ``folds`` of the table, listed by :meth:`EvaluationResult.summary`).
    curve : sequence of int or None
        Positive training units per code for the learning curve (``None``: all).
    seed : int
        Seed of the folds and subsamples (results are reproducible).
    tolerance : float
        The target is kappa(machine, coders[0]) >= kappa(coders[1], coders[0]) -
        tolerance.
    threshold_metric : {"kappa", "f1"}
        What the per-code threshold maximises.
    C : float
        Inverse regularisation of the logistic regressions.
    progress : callable, optional
        ``progress(done, total)`` while embedding.

    Returns
    -------
    EvaluationResult

    Raises
    ------
    ValueError
        ``folds`` below 2 or above the number of units.
    InputError
        When a coder has no codings, or units and codings share no unit.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    Psychological Measurement 20(1), 37-46 (kappa via scikit-learn
    ``cohen_kappa_score``). Wang, R. E. et al. (2023). SIGHT: a large annotated dataset
    on student insights gathered from higher education transcripts. BEA workshop
    2023 (the human-human and human-model kappa comparison). Kohavi, R. (1995). A study
    of cross-validation and bootstrap for accuracy estimation and model selection.
    IJCAI 1995 (stratified k-fold).
    """
    if folds < 2:
        raise ValueError(f"folds must be at least 2 (got {folds}): k-fold cross-validation "
                         "holds out one fold of k")
    units = _check_units(units)
    if folds > len(units):
        raise ValueError(f"folds ({folds}) cannot exceed the number of units ({len(units)})")
    coders = tuple(coders)
    if not coders:
        raise ValueError("at least one coder is needed")
    code_ids = _code_ids(codes)
    human = human_codings
    if "origin" in human.columns:
        human = human[human["origin"].fillna("human") == "human"]
    ids = units["unit_id"].astype(str)
    labels: dict[str, pd.DataFrame] = {}
    for coder in coders:
        sub = human[human["coder"] == coder]
        if sub.empty:
            raise InputError("<codings>", f"no codings by coder {coder!r}")
        lab = labels_from_codings(sub, coder=coder, codes=code_ids)
        lab.index = lab.index.astype(str)
        labels[coder] = lab.reindex(ids.tolist())
    if all(lab.isna().all().all() for lab in labels.values()):
        raise InputError("<codings>", "no coded unit matches a unit_id of the units")
    X = embedder.embed(units["text"].astype(str).tolist(), progress=progress)

    rows, preds, curve_rows = [], [], []
    for code in code_ids:
        row: dict[str, object] = {"code": code}
        ys = {c: labels[c][code].to_numpy(dtype=float) for c in coders}
        both = np.logical_and.reduce([~np.isnan(v) for v in ys.values()])
        row["n"] = int(both.sum())
        for c in coders:
            row[f"prev_{c}"] = float(np.nanmean(ys[c])) if (~np.isnan(ys[c])).any() else np.nan
        for i, a in enumerate(coders):
            for b in coders[i + 1 :]:
                m = ~np.isnan(ys[a]) & ~np.isnan(ys[b])
                row[f"kappa_{a}_{b}"] = _kappa(ys[a][m], ys[b][m])
        ref_pred = np.full(len(ids), np.nan)
        used = []
        for c in coders:
            keep = ~np.isnan(ys[c])
            y = ys[c][keep].astype(int)
            used.append(fold_count(y, folds))
            proba, thr, pred, _ = cv_predict(X[keep], y, folds, seed, None, C, threshold_metric)
            row[f"kappa_machine_{c}"] = _kappa(pred, y)
            row[f"f1_macro_{c}"] = _f1_macro(y, pred)
            if c == coders[0]:
                ref_pred[keep] = pred
            preds.append(pd.DataFrame({
                "unit_id": ids[keep].to_numpy(), "code_id": code, "coder": c,
                "confidence": proba, "threshold": thr, "present": pred, "human": y,
            }))
        for c in coders[1:]:
            m = ~np.isnan(ref_pred) & ~np.isnan(ys[c])
            row[f"kappa_machine{coders[0]}_{c}"] = _kappa(ref_pred[m], ys[c][m])
        ref_kappa = float(row[f"kappa_{coders[0]}_{coders[1]}"]) if len(coders) > 1 else 1.0  # type: ignore[arg-type]
        target = ref_kappa - tolerance
        got = float(row[f"kappa_machine_{coders[0]}"])  # type: ignore[arg-type]
        row["target"] = target
        row["meets_target"] = bool(not np.isnan(got) and got >= target)
        row["folds"] = min(used)
        rows.append(row)

        ref = coders[0]
        keep = ~np.isnan(ys[ref])
        y = ys[ref][keep].astype(int)
        for size in curve:
            proba, thr, pred, n_train = cv_predict(X[keep], y, folds, seed, size, C,
                                                   threshold_metric)
            ok = not np.isnan(n_train)
            curve_rows.append({
                "code": code, "coder": ref, "n_pos": "all" if size is None else size,
                "n_train": n_train,
                "kappa": _kappa(pred, y) if ok else np.nan,
                "f1_macro": _f1_macro(y, pred) if ok else np.nan,
            })

    table = pd.DataFrame(rows)
    predictions = pd.concat(preds, ignore_index=True) if preds else pd.DataFrame()
    return EvaluationResult(
        table=table, curve=pd.DataFrame(curve_rows), predictions=predictions,
        model=embedder.name, model_version=embedder.version, folds=folds, seed=seed,
        coders=coders,
    )


def load_sight(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the SIGHT human-coded sample as units and human codings.

    Parameters
    ----------
    path : str or Path
        ``sample_dataset_human_coded.csv`` (columns ``comment_id``, ``comment``,
        ``video_id`` and ``annotator_<coder>_<code>`` with 0/1, blank when not coded).

    Returns
    -------
    units : pandas.DataFrame
        ``UNIT_COLUMNS``; ``unit_id`` = ``comment_id``, ``document`` = ``video_id``.
    codings : pandas.DataFrame
        ``CODING_COLUMNS``, one row per comment x code x human coder (``H1``, ``H2``)
        that the coder coded; ``origin`` and ``status`` ``"human"``.

    Raises
    ------
    InputError
        When the file or a needed column is missing, or a code is not 0/1.

    References
    ----------
    Wang, R. E., Wirawarn, P., Goodman, N. & Demszky, D. (2023). SIGHT. BEA 2023.
    https://github.com/rosewang2008/sight (data/annotations/sample_dataset_human_coded.csv)
    """
    from microcred.qual.units import CODING_COLUMNS, UNIT_COLUMNS

    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "file not found")
    raw = pd.read_csv(path, dtype={"comment_id": str, "video_id": str})
    for col in ("comment_id", "comment"):
        if col not in raw.columns:
            raise InputError(str(path), "missing column", column=col)
    units = pd.DataFrame({
        "unit_id": raw["comment_id"].astype(str),
        "document": raw.get("video_id", pd.Series(pd.NA, index=raw.index)),
        "respondent_id": pd.NA, "speaker": pd.NA,
        "text": raw["comment"].fillna("").astype(str),
        "start": pd.NA, "end": pd.NA, "language": pd.NA,
    }, columns=list(UNIT_COLUMNS))
    parts = []
    for coder in ("H1", "H2"):
        for code in SIGHT_CODES:
            col = f"annotator_{coder}_{code}"
            if col not in raw.columns:
                raise InputError(str(path), "missing column", column=col)
            values = pd.to_numeric(raw[col], errors="coerce")
            bad = values.notna() & ~values.isin([0, 1])
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
                raise InputError(str(path), "code must be 0 or 1", row=row, column=col)
            keep = values.notna()
            parts.append(pd.DataFrame({
                "unit_id": units["unit_id"][keep], "code_id": code, "coder": coder,
                "origin": "human", "present": values[keep].astype(int), "confidence": np.nan,
                "model": pd.NA, "model_version": pd.NA, "status": "human",
                "created_at": pd.NA,
            }))
    codings = pd.concat(parts, ignore_index=True)[list(CODING_COLUMNS)]
    return units, codings
