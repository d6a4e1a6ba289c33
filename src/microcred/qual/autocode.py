"""Automatic deductive coding: zero-shot from the codebook, supervised from human codes.

Both coders return machine codings in the ``CODING_COLUMNS`` layout
(:mod:`microcred.qual.units`), ``origin="machine"``, ``status="proposed"``, with the
probability in ``confidence`` and, as one extra column after the contract columns,
the decision ``threshold`` of the code, which :func:`review_queue` uses to put the
least confident proposals first.

- :class:`ZeroShotCoder`: no human codes needed; each unit is compared with each code's
  prototypes built from the codebook (names, definition, inclusion criteria,
  examples), exclusion criteria acting as negative prototypes.
- :class:`SupervisedCoder`: one calibrated logistic regression per code on the
  embeddings, trained on human codes (and on machine codes that a human confirmed or
  rejected), with a per-code threshold chosen on out-of-fold predictions.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from microcred.errors import InputError
from microcred.qual.codebook import Code, Codebook
from microcred.qual.embed import Embedder, l2_normalise
from microcred.qual.units import CODING_COLUMNS

if TYPE_CHECKING:
    from microcred.qual.embed import Progress

__all__ = [
    "ZeroShotCoder",
    "SupervisedCoder",
    "labels_from_codings",
    "review_queue",
    "codings_frame",
    "best_threshold",
]

MACHINE_COLUMNS = (*CODING_COLUMNS, "threshold")
"""Columns of the machine codings returned here: the contract plus ``threshold``."""


# ------------------------------------------------------------------------------ helpers


def _codes_of(codes: Codebook | Sequence[Code]) -> list[Code]:
    if isinstance(codes, Codebook):
        return codes.codable()
    out = [c for c in codes if c.codable]
    if not out:
        raise InputError("<codebook>", "no codable code")
    return out


def _check_units(units: pd.DataFrame, where: str = "<units>") -> pd.DataFrame:
    missing = [c for c in ("unit_id", "text") if c not in units.columns]
    if missing:
        raise InputError(where, f"missing column(s): {', '.join(missing)}")
    out = units.reset_index(drop=True)
    dupes = out["unit_id"][out["unit_id"].duplicated()]
    if len(dupes):
        first = int(dupes.index[0])
        raise InputError(where, "duplicate unit_id", row=first + 2, column="unit_id")
    empty = out["text"].isna()
    if empty.any():
        first = int(np.flatnonzero(empty.to_numpy())[0])
        raise InputError(where, "unit without text", row=first + 2, column="text")
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def codings_frame(
    unit_ids: Sequence[str],
    code_ids: Sequence[str],
    proba: np.ndarray,
    thresholds: Mapping[str, float],
    coder: str,
    model: str,
    model_version: str,
) -> pd.DataFrame:
    """Machine codings (one row per unit x code) from a probability matrix.

    Parameters
    ----------
    unit_ids : sequence of str, length n
    code_ids : sequence of str, length k
    proba : numpy.ndarray, shape (n, k)
        Probability that each code applies to each unit, in [0, 1].
    thresholds : mapping of str to float
        Decision threshold of each code: ``present = proba >= threshold``.
    coder, model, model_version : str
        Written into every row.

    Returns
    -------
    pandas.DataFrame
        Columns ``CODING_COLUMNS`` + ``threshold``; ``origin="machine"``,
        ``status="proposed"``; units in input order, codes in input order per unit.
    """
    n, k = len(unit_ids), len(code_ids)
    proba = np.clip(np.asarray(proba, dtype=float).reshape(n, k), 0.0, 1.0)
    thr = np.array([float(thresholds[c]) for c in code_ids])
    present = (proba >= thr[None, :]).astype(int)
    return pd.DataFrame(
        {
            "unit_id": np.repeat(np.asarray(unit_ids, dtype=object), k),
            "code_id": np.tile(np.asarray(code_ids, dtype=object), n),
            "coder": coder,
            "origin": "machine",
            "present": present.ravel(),
            "confidence": proba.ravel(),
            "model": model,
            "model_version": model_version,
            "status": "proposed",
            "created_at": _now(),
            "threshold": np.tile(thr, n),
        },
        columns=list(MACHINE_COLUMNS),
    )


def labels_from_codings(
    codings: pd.DataFrame,
    coder: str | None = None,
    codes: Sequence[str] | None = None,
    rule: str = "majority",
) -> pd.DataFrame:
    """Units x codes 0/1 label matrix from codings in the long layout.

    A human coding counts as it is; a machine coding counts only once a human decided
    on it: ``status == "confirmed"`` keeps its ``present``, ``"rejected"`` flips it.
    Proposed machine codings are ignored.

    Parameters
    ----------
    codings : pandas.DataFrame
        At least ``unit_id``, ``code_id``, ``coder``, ``present``; ``origin`` and
        ``status`` when machine codings are included.
    coder : str, optional
        Use only this coder's codings (and the machine codings a human decided on).
    codes : sequence of str, optional
        Columns of the result (codes nobody coded are all missing).
    rule : {"majority", "any", "all"}
        How several coders' decisions on the same unit and code combine: more than half
        present (ties count as present), at least one, or all.

    Returns
    -------
    pandas.DataFrame
        Index ``unit_id``, one float column per code: 1.0, 0.0, or NaN (not coded).

    Raises
    ------
    InputError
        When a column is missing or ``present`` is not 0/1.
    """
    need = ("unit_id", "code_id", "coder", "present")
    missing = [c for c in need if c not in codings.columns]
    if missing:
        raise InputError("<codings>", f"missing column(s): {', '.join(missing)}")
    if rule not in ("majority", "any", "all"):
        raise ValueError("rule must be 'majority', 'any' or 'all'")
    df = codings.reset_index(drop=True)
    origin = df["origin"] if "origin" in df.columns else pd.Series("human", index=df.index)
    status = df["status"] if "status" in df.columns else pd.Series("human", index=df.index)
    machine = origin.eq("machine")
    decided = status.isin(["confirmed", "rejected"])
    df = df[~machine | decided].copy()
    machine, status = machine[df.index], status[df.index]
    if coder is not None:
        df = df[(df["coder"] == coder) | machine]
    values = pd.to_numeric(df["present"], errors="coerce")
    bad = values.notna() & ~values.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError("<codings>", "present must be 0 or 1", row=row + 2, column="present")
    values = values.where(~(machine & status.eq("rejected")), 1 - values)
    df = df.assign(present=values).dropna(subset=["present"])
    agg = {"majority": lambda s: float(s.mean() >= 0.5), "any": lambda s: float(s.max()),
           "all": lambda s: float(s.min())}[rule]
    wide = df.groupby(["unit_id", "code_id"])["present"].agg(agg).unstack("code_id")
    if codes is not None:
        wide = wide.reindex(columns=list(codes))
    wide.columns.name = None
    return wide.astype(float)


def best_threshold(y: np.ndarray, proba: np.ndarray, metric: str = "f1") -> float:
    """The decision threshold that maximises F1 (or Cohen's kappa) on held-out data.

    Candidates are 0.02, 0.04, ..., 0.98; among thresholds reaching the best score the
    median is returned, which is steadier than the first one on small samples.

    Parameters
    ----------
    y : numpy.ndarray of 0/1, shape (n,)
        True labels.
    proba : numpy.ndarray, shape (n,)
        Out-of-fold probabilities.
    metric : {"f1", "kappa"}

    Returns
    -------
    float
        The threshold (0.5 when ``y`` has a single class).

    References
    ----------
    Lipton, Z. C., Elkan, C. & Naryanaswamy, B. (2014). Optimal thresholding of
    classifiers to maximize F1 measure. ECML PKDD 2014.
    """
    from sklearn.metrics import cohen_kappa_score, f1_score

    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype=float)
    if len(np.unique(y)) < 2:
        return 0.5
    grid = np.round(np.arange(0.02, 0.99, 0.02), 2)
    scores = []
    for t in grid:
        pred = (proba >= t).astype(int)
        if metric == "kappa":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = cohen_kappa_score(y, pred)
            scores.append(-1.0 if np.isnan(s) else s)
        elif metric == "f1":
            scores.append(f1_score(y, pred, zero_division=0.0))
        else:
            raise ValueError("metric must be 'f1' or 'kappa'")
    arr = np.asarray(scores)
    best = grid[np.isclose(arr, arr.max())]
    return float(np.median(best))


# ----------------------------------------------------------------------------- zero-shot


class ZeroShotCoder:
    """Codes units from the codebook alone, by similarity of embeddings.

    For a unit with embedding :math:`u` and a code :math:`c` with positive pieces
    :math:`P_c` (its names in every language, definition, each inclusion criterion,
    each example) and negative pieces :math:`N_c` (its exclusion criteria):

    .. math::

        s^+_{uc} = \\tfrac12\\bigl(\\cos(u, \\bar p_c) + \\max_{p \\in P_c} \\cos(u, p)\\bigr),
        \\qquad
        s_{uc} = s^+_{uc} - \\max\\bigl(0, \\max_{q \\in N_c} \\cos(u, q) - s^+_{uc}\\bigr)

    where :math:`\\bar p_c` is the normalised mean of the code's pieces (its
    prototype). Scores are centred on the unit's mean over codes (a short text is
    close to everything) and scaled by their pooled standard deviation :math:`\\sigma`
    over the units and codes coded together, then calibrated to a probability by a
    logistic curve, :math:`p_{uc} = 1 / (1 + \\exp(-a (z_{uc} - b)))` with
    :math:`z_{uc} = (s_{uc} - \\bar s_{u\\cdot}) / \\sigma`, slope ``a`` and offset
    ``b`` (a code one pooled SD above the unit's mean gets 0.5 by default). With a
    single code, scores are centred on the mean over units instead.

    These probabilities rank well but are not frequencies: no labelled data informs
    them. Check a sample through :func:`review_queue`, then switch to
    :class:`SupervisedCoder` once humans have coded examples.

    Parameters
    ----------
    codebook : Codebook or sequence of Code
        Categories (``codable=False``) are skipped.
    embedder : Embedder
    slope, offset : float
        The calibration curve's ``a`` and ``b``.
    threshold : float or mapping of str to float
        Decision threshold per code (one value for all codes, or per code id).
    coder : str
        Name written in ``coder``.

    References
    ----------
    Yin, W., Hay, J. & Roth, D. (2019). Benchmarking zero-shot text classification:
    datasets, evaluation and entailment approach. EMNLP-IJCNLP 2019 (label-description
    similarity as zero-shot classifier). Snell, J., Swersky, K. & Zemel, R. (2017).
    Prototypical networks for few-shot learning. NeurIPS 2017 (class prototypes as
    mean embeddings).
    """

    def __init__(
        self,
        codebook: Codebook | Sequence[Code],
        embedder: Embedder,
        slope: float = 2.0,
        offset: float = 1.0,
        threshold: float | Mapping[str, float] = 0.5,
        coder: str = "machine:zero-shot",
    ):
        self.codes = _codes_of(codebook)
        self.embedder = embedder
        self.slope = slope
        self.offset = offset
        ids = [c.id for c in self.codes]
        if isinstance(threshold, Mapping):
            self.thresholds = {c: float(threshold.get(c, 0.5)) for c in ids}
        else:
            self.thresholds = dict.fromkeys(ids, float(threshold))
        self.coder = coder
        self._pos: list[np.ndarray] = []
        self._neg: list[np.ndarray] = []
        self._prepared = False

    @staticmethod
    def pieces(code: Code) -> tuple[list[str], list[str]]:
        """Positive and negative texts of a code's prototype.

        Parameters
        ----------
        code : Code

        Returns
        -------
        (list of str, list of str)
            Names (each language) with the definition appended, each inclusion
            criterion, each example; and each exclusion criterion.
        """
        names = list(dict.fromkeys(v for v in code.name.values() if v)) or [code.id]
        pos = [f"{n}: {code.definition}" if code.definition else n for n in names]
        pos += [t for t in (*code.include, *code.examples) if t and t.strip()]
        neg = [t for t in code.exclude if t and t.strip()]
        return pos, neg

    def _prepare(self) -> None:
        if self._prepared:
            return
        all_pos: list[str] = []
        all_neg: list[str] = []
        spans_pos: list[tuple[int, int]] = []
        spans_neg: list[tuple[int, int]] = []
        for code in self.codes:
            pos, neg = self.pieces(code)
            spans_pos.append((len(all_pos), len(all_pos) + len(pos)))
            spans_neg.append((len(all_neg), len(all_neg) + len(neg)))
            all_pos += pos
            all_neg += neg
        vec = self.embedder.embed(all_pos + all_neg)
        pos_vec, neg_vec = vec[: len(all_pos)], vec[len(all_pos) :]
        self._pos = [pos_vec[a:b] for a, b in spans_pos]
        self._neg = [neg_vec[a:b] for a, b in spans_neg]
        self._prepared = True

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Similarity scores :math:`s_{uc}` (before calibration).

        Parameters
        ----------
        embeddings : numpy.ndarray, shape (n, dim)
            L2-normalised unit embeddings from the same embedder.

        Returns
        -------
        numpy.ndarray, shape (n, k)
        """
        self._prepare()
        u = l2_normalise(embeddings)
        out = np.zeros((u.shape[0], len(self.codes)))
        for j, (pos, neg) in enumerate(zip(self._pos, self._neg, strict=True)):
            proto = l2_normalise(pos.mean(axis=0, keepdims=True))[0]
            s_pos = 0.5 * (u @ proto + (u @ pos.T).max(axis=1))
            if len(neg):
                s_neg = (u @ neg.T).max(axis=1)
                s_pos = s_pos - np.maximum(0.0, s_neg - s_pos)
            out[:, j] = s_pos
        return out

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        """Calibrated probabilities :math:`p_{uc}` (see the class notes).

        Parameters
        ----------
        embeddings : numpy.ndarray, shape (n, dim)

        Returns
        -------
        numpy.ndarray, shape (n, k), values in [0, 1]
        """
        s = self.scores(embeddings)
        if s.shape[1] > 1:
            centred = s - s.mean(axis=1, keepdims=True)
        else:
            centred = s - s.mean(axis=0, keepdims=True)
        sd = float(centred.std())
        z = centred / sd if sd > 1e-12 else np.zeros_like(centred)
        return 1.0 / (1.0 + np.exp(-self.slope * (z - self.offset)))

    def code(
        self, units: pd.DataFrame, batch_size: int = 64, progress: Progress | None = None
    ) -> pd.DataFrame:
        """Code every unit with every codable code.

        Parameters
        ----------
        units : pandas.DataFrame
            ``UNIT_COLUMNS`` (at least ``unit_id`` and ``text``).
        batch_size : int
            Embedding batch size.
        progress : callable, optional
            ``progress(done, total)`` while embedding.

        Returns
        -------
        pandas.DataFrame
            Machine codings (see :func:`codings_frame`), ``model`` =
            ``"zero-shot/<embedder name>"``.

        Raises
        ------
        InputError
            When ``unit_id`` or ``text`` is missing, duplicated or empty.
        """
        units = _check_units(units)
        emb = self.embedder.embed(units["text"].astype(str).tolist(), batch_size, progress)
        proba = self.predict_proba(emb)
        version = f"{self.embedder.version};a={self.slope};b={self.offset}"
        return codings_frame(
            units["unit_id"].astype(str).tolist(), [c.id for c in self.codes], proba,
            self.thresholds, self.coder, f"zero-shot/{self.embedder.name}", version,
        )


# ---------------------------------------------------------------------------- supervised


@dataclass
class _CodeModel:
    estimator: Any | None
    threshold: float
    n_pos: int
    n_neg: int
    prior: float


@dataclass
class SupervisedCoder:
    """One calibrated logistic regression per code on sentence embeddings.

    For each code: logistic regression on the embeddings with balanced class weights
    (codes are often rare), calibrated by Platt scaling on out-of-fold decision
    scores of an ``inner_folds``-fold stratified split (``CalibratedClassifierCV``,
    sigmoid, ``ensemble=False``, so the final model is fitted on all training units);
    the decision threshold maximises kappa (or F1) on the same out-of-fold scores
    mapped through the calibrator, i.e. on held-out data.
    A code with fewer than ``min_per_class`` positive or negative examples gets no
    model: its probability is the observed prevalence and it is listed in
    :attr:`skipped`.

    Parameters
    ----------
    embedder : Embedder
    C : float
        Inverse regularisation strength of the logistic regression (10 suits
        L2-normalised sentence embeddings: on SIGHT, 5-fold CV, mean kappa 0.59 with
        C=10 against 0.55 with C=0.01-1).
    standardize : bool
        Standardise the features first (worse for LSA features, whose trailing
        components are mostly noise).
    threshold_metric : {"kappa", "f1"}
    inner_folds : int
        Folds of the threshold search and of the calibration (fewer when a class
        has fewer examples).
    min_per_class : int
        Fewest positive and negative examples a code needs to get a model.
    seed : int
    coder : str
        Name written in ``coder``.
    max_iter : int
        Iterations of the logistic regression's solver (newton-cg converges in tens
        on sentence embeddings; the bound only stops a pathological fit).

    Attributes
    ----------
    notes : list of str
        Per code, what the fit should tell the methods section: a solver that did
        not converge within ``max_iter`` (scikit-learn's ``ConvergenceWarning``,
        caught here rather than printed). Never holds unit text.

    References
    ----------
    Platt, J. (1999). Probabilistic outputs for support vector machines and comparisons
    to regularized likelihood methods. Niculescu-Mizil, A. & Caruana, R. (2005).
    Predicting good probabilities with supervised learning. ICML 2005. scikit-learn
    ``CalibratedClassifierCV`` and ``LogisticRegression``.
    """

    embedder: Embedder
    C: float = 10.0
    standardize: bool = False
    threshold_metric: str = "kappa"
    inner_folds: int = 3
    min_per_class: int = 3
    seed: int = 0
    coder: str = "machine:supervised"
    max_iter: int = 2000
    models: dict[str, _CodeModel] = field(default_factory=dict, init=False)
    notes: list[str] = field(default_factory=list, init=False)

    @property
    def codes(self) -> list[str]:
        """Code ids the coder was fitted on."""
        return list(self.models)

    @property
    def thresholds(self) -> dict[str, float]:
        """Decision threshold per code."""
        return {c: m.threshold for c, m in self.models.items()}

    @property
    def skipped(self) -> list[str]:
        """Codes with too few examples to get a model."""
        return [c for c, m in self.models.items() if m.estimator is None]

    def _estimator(self, cv: Any) -> Any:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        steps: list[Any] = [StandardScaler()] if self.standardize else []
        steps.append(LogisticRegression(C=self.C, class_weight="balanced",
                                        max_iter=self.max_iter, solver="newton-cg"))
        base = make_pipeline(*steps)
        return CalibratedClassifierCV(base, method="sigmoid", cv=cv, ensemble=False)

    def fit_matrix(
        self, X: np.ndarray, Y: pd.DataFrame | Mapping[str, np.ndarray]
    ) -> SupervisedCoder:
        """Fit from embeddings and a label matrix.

        Parameters
        ----------
        X : numpy.ndarray, shape (n, dim)
            Embeddings of the labelled units.
        Y : pandas.DataFrame or mapping of str to array, n rows
            One column per code: 1, 0, or NaN (unit not coded for that code; left out
            of that code's model).

        Returns
        -------
        SupervisedCoder
            ``self``.
        """
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        Yf = pd.DataFrame(Y)
        if len(Yf) != X.shape[0]:
            raise ValueError("X and Y differ in length")
        self.models = {}
        self.notes = []
        for code in Yf.columns:
            col = pd.to_numeric(Yf[code], errors="coerce").to_numpy(dtype=float)
            keep = ~np.isnan(col)
            y = col[keep].astype(int)
            Xc = X[keep]
            n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
            prior = float(y.mean()) if len(y) else 0.0
            if min(n_pos, n_neg) < self.min_per_class:
                self.models[str(code)] = _CodeModel(None, 0.5, n_pos, n_neg, prior)
                continue
            inner = StratifiedKFold(max(2, min(self.inner_folds, n_pos, n_neg)), shuffle=True,
                                    random_state=self.seed)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                est = self._estimator(inner).fit(Xc, y)
                # out-of-fold scores over the same inner folds the calibrator was fitted
                # on, mapped through that calibrator: held-out probabilities for the
                # threshold
                scores = cross_val_predict(est.estimator, Xc, y, cv=inner,
                                           method="decision_function")
            self._note_warnings(str(code), caught)
            calibrator = est.calibrated_classifiers_[0].calibrators[0]
            oof = np.clip(calibrator.predict(scores), 0.0, 1.0)
            threshold = best_threshold(y, oof, self.threshold_metric)
            self.models[str(code)] = _CodeModel(est, threshold, n_pos, n_neg, prior)
        return self

    def _note_warnings(self, code: str, caught: list[warnings.WarningMessage]) -> None:
        """Record convergence warnings as notes; pass any other warning on."""
        from sklearn.exceptions import ConvergenceWarning

        converged = True
        for item in caught:
            if issubclass(item.category, ConvergenceWarning):
                converged = False
            else:
                warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
        if not converged:
            self.notes.append(
                f"code {code!r}: the logistic regression did not converge in {self.max_iter} "
                "iterations (scikit-learn ConvergenceWarning); its probabilities and "
                "threshold may be less reliable"
            )

    def predict_proba_matrix(self, X: np.ndarray) -> np.ndarray:
        """Probability of each fitted code for each row of ``X``.

        Parameters
        ----------
        X : numpy.ndarray, shape (n, dim)

        Returns
        -------
        numpy.ndarray, shape (n, k), codes in :attr:`codes` order
        """
        out = np.zeros((X.shape[0], len(self.models)))
        for j, m in enumerate(self.models.values()):
            out[:, j] = m.prior if m.estimator is None else m.estimator.predict_proba(X)[:, 1]
        return out

    def fit(
        self,
        units: pd.DataFrame,
        codings: pd.DataFrame,
        codes: Sequence[str] | Codebook | None = None,
        coder: str | None = None,
        rule: str = "majority",
    ) -> SupervisedCoder:
        """Fit on the units that humans coded.

        Parameters
        ----------
        units : pandas.DataFrame
            ``UNIT_COLUMNS`` (at least ``unit_id`` and ``text``); units without any
            coding are ignored.
        codings : pandas.DataFrame
            Codings (``CODING_COLUMNS``); see :func:`labels_from_codings` for which
            count.
        codes : sequence of str or Codebook, optional
            Codes to model (default: every code in ``codings``).
        coder : str, optional
            Learn one coder's codes only.
        rule : {"majority", "any", "all"}
            How several coders combine.

        Returns
        -------
        SupervisedCoder
            ``self``.

        Raises
        ------
        InputError
            When no unit is both in ``units`` and coded.
        """
        units = _check_units(units)
        if isinstance(codes, Codebook):
            codes = [c.id for c in codes.codable()]
        labels = labels_from_codings(codings, coder=coder, codes=codes, rule=rule)
        labels.index = labels.index.astype(str)
        ids = units["unit_id"].astype(str)
        coded = units[ids.isin(labels.index)]
        if coded.empty:
            raise InputError("<codings>", "no coded unit matches a unit_id of the units")
        X = self.embedder.embed(coded["text"].astype(str).tolist())
        return self.fit_matrix(X, labels.loc[coded["unit_id"].astype(str)].reset_index(drop=True))

    def code(
        self, units: pd.DataFrame, batch_size: int = 64, progress: Progress | None = None
    ) -> pd.DataFrame:
        """Code units with every fitted code.

        Parameters
        ----------
        units : pandas.DataFrame
            ``UNIT_COLUMNS`` (at least ``unit_id`` and ``text``).
        batch_size : int
        progress : callable, optional

        Returns
        -------
        pandas.DataFrame
            Machine codings (see :func:`codings_frame`), ``model`` =
            ``"logreg/<embedder name>"``; ``model_version`` names the embedder version
            and scikit-learn's.

        Raises
        ------
        InputError
            When the coder is not fitted, or ``units`` are malformed.
        """
        from sklearn import __version__ as sk_version

        if not self.models:
            raise InputError("<coder>", "the supervised coder is not fitted")
        units = _check_units(units)
        X = self.embedder.embed(units["text"].astype(str).tolist(), batch_size, progress)
        proba = self.predict_proba_matrix(X)
        return codings_frame(
            units["unit_id"].astype(str).tolist(), self.codes, proba, self.thresholds,
            self.coder, f"logreg/{self.embedder.name}",
            f"{self.embedder.version};sklearn-{sk_version};C={self.C}",
        )


# -------------------------------------------------------------------------- review queue


def review_queue(
    codings: pd.DataFrame,
    thresholds: Mapping[str, float] | None = None,
    by: str = "coding",
    exclude_decided: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Proposed machine codings ordered by uncertainty, least confident first.

    Uncertainty sampling: the proposals whose probability lies closest to their
    code's decision threshold are those a human decision informs most.

    Parameters
    ----------
    codings : pandas.DataFrame
        Codings with ``confidence``; rows with ``origin == "machine"`` and ``status ==
        "proposed"`` are queued (all rows when those columns are absent).
    thresholds : mapping of str to float, optional
        Threshold per code when ``codings`` has no ``threshold`` column (default 0.5).
    by : {"coding", "unit"}
        One row per coding, or one per unit ranked by its least confident coding.
    exclude_decided : pandas.DataFrame, optional
        Codings (e.g. human ones) whose (``unit_id``, ``code_id``) pairs are left out.

    Returns
    -------
    pandas.DataFrame
        The queued rows plus ``margin`` = |confidence - threshold| and ``rank``
        (1 = review first); ties keep ``unit_id``, ``code_id`` order.

    Raises
    ------
    InputError
        When ``confidence`` is missing.

    References
    ----------
    Lewis, D. D. & Gale, W. A. (1994). A sequential algorithm for training text
    classifiers. SIGIR 1994 (uncertainty sampling). Settles, B. (2009). Active
    learning literature survey. University of Wisconsin-Madison TR 1648.
    """
    for col in ("unit_id", "code_id", "confidence"):
        if col not in codings.columns:
            raise InputError("<codings>", f"missing column {col!r}")
    if by not in ("coding", "unit"):
        raise ValueError("by must be 'coding' or 'unit'")
    df = codings
    if "origin" in df.columns:
        df = df[df["origin"] == "machine"]
    if "status" in df.columns:
        df = df[df["status"] == "proposed"]
    df = df[df["confidence"].notna()].copy()
    if exclude_decided is not None and len(exclude_decided):
        done = set(zip(exclude_decided["unit_id"].astype(str),
                       exclude_decided["code_id"].astype(str), strict=True))
        mask = [(u, c) not in done for u, c in
                zip(df["unit_id"].astype(str), df["code_id"].astype(str), strict=True)]
        df = df[mask]
    if "threshold" in df.columns:
        thr = pd.to_numeric(df["threshold"], errors="coerce").fillna(0.5)
    else:
        thr = df["code_id"].map(lambda c: (thresholds or {}).get(c, 0.5)).astype(float)
    df["margin"] = (pd.to_numeric(df["confidence"]) - thr).abs()
    df = df.sort_values(["margin", "unit_id", "code_id"], kind="mergesort")
    if by == "unit":
        df = df.drop_duplicates("unit_id", keep="first")
    df = df.reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    return df
