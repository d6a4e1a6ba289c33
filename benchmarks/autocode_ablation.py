"""Ablation of the supervised coder on SIGHT: which features, classifier and threshold?

Every variant is scored with the protocol of ``microcred.qual.evaluate.evaluate``: per
code, 5-fold stratified cross-validation on H1's codes; inside each training fold, a
classifier with balanced class weights, Platt-calibrated on 3 inner folds, and the
threshold that maximises kappa on the inner out-of-fold probabilities; TF-IDF
vocabularies are fitted on the training fold only. Nothing is chosen on a test fold.
Figures are kappa(machine, H1) per code, averaged over the fold splits of ``--seeds``.

Variants (``--only NAME ...`` to run some):

- ``e5``: the default (logistic regression, C=10, on multilingual-e5-small, "query: ");
- ``e5-passage``: the same with the "passage: " prefix;
- ``word+char``: sparse TF-IDF word 1-2-grams + char_wb 2-5-grams only;
- ``e5+script``: e5 + 4 script features (share of non-Latin letters, of accented Latin
  letters, of English stop words, no letter at all) weighted 5;
- ``e5+lex``: e5 + char 2-5-grams (digits folded to 0, weight 0.5) + script features;
- ``e5+word+char+script``: e5 + word 0.3 + char 0.3 + script 5;
- ``e5-svc``: LinearSVC (C=1) instead of the logistic regression;
- ``e5-lda``: shrinkage LDA (Ledoit-Wolf) instead;
- ``e5-prev-threshold``: threshold at the training prevalence instead of max kappa;
- ``e5-inner-C``: C in {0.3, 3, 30} chosen per code by inner CV;
- ``select``: per code and fold, inner CV picks one of e5 / e5 C=1 / e5+lex / e5+script;
- ``fused``: mean of the e5 model's and the lexical model's calibrated probabilities
  (weights 0.7 / 0.3), threshold on the fused inner out-of-fold probabilities.

Usage: python benchmarks/autocode_ablation.py [--seeds 0 1 2] [--only e5 e5+lex]
       [--cache /tmp/sight-e5]   (about 25 min for all on 2 busy cores)
"""

from __future__ import annotations

import argparse
import re
import time
import unicodedata
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
SIGHT = (ROOT / ".." / "shared" / "data" / "sight-ocw-comments-coded"
         / "sample_dataset_human_coded.csv")

E5 = {"e5": "query"}
LEX = {"char": 0.5, "digits": True, "script": 5.0}
VARIANTS: dict[str, dict] = {
    "e5": {**E5},
    "e5-passage": {"e5": "passage"},
    "word+char": {"word": 1.0, "char": 1.0},
    "e5+script": {**E5, "script": 5.0},
    "e5+lex": {**E5, **LEX},
    "e5+word+char+script": {**E5, "word": 0.3, "char": 0.3, "digits": True, "script": 5.0},
    "e5-svc": {**E5, "clf": "svc", "C": 1.0},
    "e5-lda": {**E5, "clf": "lda"},
    "e5-prev-threshold": {**E5, "threshold": "prevalence"},
    "e5-inner-C": {**E5, "C_grid": [0.3, 3.0, 30.0]},
    "select": {"select": {"e5": {**E5}, "e5-C1": {**E5, "C": 1.0}, "e5+lex": {**E5, **LEX},
                          "e5+script": {**E5, "script": 5.0}}},
    "fused": {"fuse": [({**E5}, 0.7), ({"word": 1.0, "char": 1.0, "digits": True,
                                         "script": 5.0}, 0.3)]},
}


def script_features(texts: list[str]) -> np.ndarray:
    """Share of non-Latin letters, of accented Latin letters, of English stop words, and
    whether the text has no letter at all; shape (n, 4)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    out = []
    for t in texts:
        letters = [ch for ch in t if ch.isalpha()]
        n = max(1, len(letters))
        latin = [unicodedata.name(ch, "").startswith("LATIN") for ch in letters]
        nonlatin = sum(not x for x in latin) / n
        accented = sum(1 for ch, x in zip(letters, latin, strict=True) if x and ord(ch) > 127) / n
        toks = re.findall(r"[a-zA-Z']+", t.lower())
        stop = sum(w in ENGLISH_STOP_WORDS for w in toks) / max(1, len(toks))
        out.append([nonlatin, accented, stop, float(not letters)])
    return np.asarray(out)


class Data:
    """SIGHT texts, H1 labels, e5 embeddings (both prefixes) and script features."""

    def __init__(self, path: Path, cache: Path | None):
        from microcred.qual.autocode import labels_from_codings
        from microcred.qual.embed import E5Embedder
        from microcred.qual.evaluate import SIGHT_CODES, load_sight

        units, codings = load_sight(path)
        self.texts = np.array(units["text"].tolist(), dtype=object)
        ids = units["unit_id"].astype(str).tolist()
        lab = {}
        for c in ("H1", "H2"):
            wide = labels_from_codings(codings[codings["coder"] == c], coder=c,
                                       codes=list(SIGHT_CODES))
            wide.index = wide.index.astype(str)
            lab[c] = wide.reindex(ids)
        self.h1 = lab["H1"]
        self.codes = list(SIGHT_CODES)
        self.human = {}
        for code in self.codes:
            a, b = lab["H1"][code].to_numpy(float), lab["H2"][code].to_numpy(float)
            m = ~np.isnan(a) & ~np.isnan(b)
            self.human[code] = _kappa(a[m], b[m])
        self.e5 = {}
        for prefix in ("query", "passage"):
            file = cache / f"e5_{prefix}.npy" if cache else None
            if file is not None and file.is_file():
                self.e5[prefix] = np.load(file)
            else:
                self.e5[prefix] = E5Embedder(prefix=prefix).embed(self.texts.tolist())
                if file is not None:
                    file.parent.mkdir(parents=True, exist_ok=True)
                    np.save(file, self.e5[prefix])
        self.script = script_features(self.texts.tolist())

    def features(self, train: np.ndarray, test: np.ndarray, cfg: dict):
        """Feature matrices of the training and test units (TF-IDF fitted on train)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        tr, te = [], []
        if "e5" in cfg:
            x = self.e5[cfg["e5"]]
            tr.append(sp.csr_matrix(x[train]))
            te.append(sp.csr_matrix(x[test]))
        common = {"sublinear_tf": True, "max_features": 50_000}
        pre = (lambda t: re.sub(r"\d", "0", t.lower())) if cfg.get("digits") else None
        for kind, vec in (
            ("word", lambda: TfidfVectorizer(analyzer="word", ngram_range=(1, 2),
                                             token_pattern=r"(?u)\b\w+\b", **common)),
            ("char", lambda: TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                             preprocessor=pre, **common)),
        ):
            if kind in cfg:
                v = vec().fit(self.texts[train])
                tr.append(v.transform(self.texts[train]) * cfg[kind])
                te.append(v.transform(self.texts[test]) * cfg[kind])
        if "script" in cfg:
            tr.append(sp.csr_matrix(self.script[train]) * cfg["script"])
            te.append(sp.csr_matrix(self.script[test]) * cfg["script"])
        xtr, xte = sp.hstack(tr).tocsr(), sp.hstack(te).tocsr()
        if cfg.get("clf") == "lda":
            return xtr.toarray(), xte.toarray()
        return xtr, xte


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    from microcred.qual.evaluate import _kappa as kappa

    return kappa(np.asarray(a).astype(int), np.asarray(b).astype(int))


def _estimator(cfg: dict, c: float):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if cfg.get("clf") == "lda":
        return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
    if cfg.get("clf") == "svc":
        return LinearSVC(C=c, class_weight="balanced", max_iter=5000)
    return LogisticRegression(C=c, class_weight="balanced", max_iter=1000, solver="liblinear")


def _inner_kappa(x, y: np.ndarray, cfg: dict, c: float, inner) -> float:
    """Best-threshold kappa of inner out-of-fold scores (Platt-mapped)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    from microcred.qual.autocode import best_threshold

    s = cross_val_predict(_estimator(cfg, c), x, y, cv=inner, method="decision_function")
    p = LogisticRegression(C=1e6).fit(s[:, None], y).predict_proba(s[:, None])[:, 1]
    return _kappa((p >= best_threshold(y, p, "kappa")).astype(int), y)


def _calibrated(x, y: np.ndarray, xte, cfg: dict, c: float, inner):
    """Inner out-of-fold and test probabilities of a Platt-calibrated classifier."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import cross_val_predict

    est = CalibratedClassifierCV(_estimator(cfg, c), method="sigmoid", cv=inner,
                                 ensemble=False).fit(x, y)
    s = cross_val_predict(est.estimator, x, y, cv=inner, method="decision_function")
    oof = np.clip(est.calibrated_classifiers_[0].calibrators[0].predict(s), 0, 1)
    return oof, est.predict_proba(xte)[:, 1]


def run(data: Data, cfg: dict, seed: int, folds: int = 5) -> dict[str, float]:
    """kappa(machine, H1) per code for one variant and one fold split."""
    from sklearn.model_selection import StratifiedKFold

    from microcred.qual.autocode import best_threshold

    out = {}
    for code in data.codes:
        yall = data.h1[code].to_numpy(float)
        keep = np.flatnonzero(~np.isnan(yall))
        y = yall[keep].astype(int)
        pred = np.zeros(len(y), dtype=int)
        k = max(2, min(folds, int(min(y.sum(), len(y) - y.sum()))))
        for tr, te in StratifiedKFold(k, shuffle=True, random_state=seed).split(y, y):
            ytr = y[tr]
            npos = int(ytr.sum())
            inner = StratifiedKFold(max(2, min(3, npos, len(ytr) - npos)), shuffle=True,
                                    random_state=seed)
            parts = cfg.get("fuse", [(cfg, 1.0)])
            if "select" in cfg:
                best = max(cfg["select"].values(), key=lambda c: _inner_kappa(
                    data.features(keep[tr], keep[te], c)[0], ytr, c, c.get("C", 10.0), inner))
                parts = [(best, 1.0)]
            oof, pte = np.zeros(len(tr)), np.zeros(len(te))
            for part, w in parts:
                xtr, xte = data.features(keep[tr], keep[te], part)
                c = part.get("C", 10.0)
                if "C_grid" in part:
                    c = max(part["C_grid"], key=lambda v: _inner_kappa(xtr, ytr, part, v, inner))
                o, p = _calibrated(xtr, ytr, xte, part, c, inner)
                oof, pte = oof + w * o, pte + w * p
            if cfg.get("threshold") == "prevalence":
                thr = float(np.quantile(oof, 1 - ytr.mean()))
            else:
                thr = best_threshold(ytr, oof, "kappa")
            pred[te] = (pte >= thr).astype(int)
        out[code] = _kappa(pred, y)
    return out


def main() -> None:
    """Print one line per variant: mean kappa, codes meeting the target, per-code kappa."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SIGHT)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", choices=list(VARIANTS))
    parser.add_argument("--cache", type=Path, help="folder for the e5 embeddings (.npy)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    data = Data(args.data, args.cache)
    rows = []
    for name in args.only or list(VARIANTS):
        start = time.perf_counter()
        runs = [run(data, VARIANTS[name], s) for s in args.seeds]
        mean = {c: float(np.mean([r[c] for r in runs])) for c in data.codes}
        met = sum(mean[c] >= data.human[c] - 0.05 for c in data.codes)
        rows.append({"variant": name, "mean": np.mean(list(mean.values())), "met": met, **mean})
        print(f"{name:22s} mean {rows[-1]['mean']:.3f}  met {met}  "
              + " ".join(f"{c[:8]}={v:.2f}" for c, v in mean.items())
              + f"  ({time.perf_counter() - start:.0f} s)", flush=True)
    print(pd.DataFrame(rows).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
