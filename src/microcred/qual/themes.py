"""Inductive theme discovery: cluster uncoded units, describe clusters, propose codes.

Units are embedded (:mod:`microcred.qual.embed`), clustered with scikit-learn
(k-means with k chosen by silhouette, agglomerative clustering, or HDBSCAN), and each
cluster is described by its class-based TF-IDF keywords and its most central quotes,
then proposed as a candidate :class:`~microcred.qual.codebook.Code` for a human to
name, merge, split or drop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from microcred.errors import InputError
from microcred.qual.autocode import _check_units
from microcred.qual.codebook import Code
from microcred.qual.embed import Embedder, l2_normalise

__all__ = [
    "Theme", "discover_themes", "class_tfidf", "class_tfidf_weights", "themes_table", "stop_words",
]


@dataclass(frozen=True)
class Theme:
    """A candidate theme.

    Attributes
    ----------
    code : Code
        The proposed code: id ``theme_01``..., name = top 3 keywords, definition =
        the keywords, examples = the most central quotes.
    size : int
        Units in the cluster.
    keywords : tuple of str
        c-TF-IDF keywords, strongest first.
    quote_unit_ids : tuple of str
        ``unit_id`` of the quotes in ``code.examples``, most central first.
    unit_ids : tuple of str
        Every unit of the cluster.
    """

    code: Code
    size: int
    keywords: tuple[str, ...]
    quote_unit_ids: tuple[str, ...]
    unit_ids: tuple[str, ...]


def stop_words(languages: Sequence[str] = ("en", "es", "ca")) -> list[str]:
    """Stop words of the given languages.

    Parameters
    ----------
    languages : sequence of str
        ISO 639-1 codes.

    Returns
    -------
    list of str
        Sorted; from the ``stopwordsiso`` package (Stopwords ISO collection) when
        installed, else scikit-learn's English list.

    References
    ----------
    Stopwords ISO, https://github.com/stopwords-iso (MIT).
    """
    try:
        import stopwordsiso

        langs = [lang for lang in languages if stopwordsiso.has_lang(lang)]
        words = set(stopwordsiso.stopwords(langs)) if langs else set()
    except ImportError:  # pragma: no cover - optional dependency
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        words = set(ENGLISH_STOP_WORDS)
    return sorted(words)


def class_tfidf(
    documents: Sequence[str],
    labels: Sequence[int],
    n_keywords: int = 8,
    stop: Sequence[str] | None = None,
    ngram_range: tuple[int, int] = (1, 2),
) -> dict[int, list[str]]:
    """Keywords of each class by class-based TF-IDF (c-TF-IDF).

    All documents of a class are joined into one; for term :math:`t` and class
    :math:`c`,

    .. math::

        W_{t,c} = \\mathrm{tf}_{t,c} \\cdot \\log\\left(1 + \\frac{A}{f_t}\\right)

    where :math:`\\mathrm{tf}_{t,c}` is the frequency of :math:`t` in class :math:`c`
    divided by the number of terms of :math:`c` (L1 normalisation), :math:`f_t` the
    frequency of :math:`t` across all classes, and :math:`A` the average number of
    terms per class (truncated to an integer, as BERTopic does).

    Parameters
    ----------
    documents : sequence of str, length n
    labels : sequence of int, length n
        Class of each document; ``-1`` (noise) is ignored.
    n_keywords : int
        Keywords per class.
    stop : sequence of str, optional
        Stop words to drop.
    ngram_range : tuple of int
        Word n-grams considered.

    Returns
    -------
    dict of int to list of str
        Keywords per class, strongest first; no word appears twice in a class's list
        (a term is skipped when one of its words is in a stronger term: "data" after
        "data science").

    Notes
    -----
    The weights are those of :func:`class_tfidf_weights` (n-grams never span two
    answers or a scrubbing placeholder, and never repeat a word).

    References
    ----------
    Grootendorst, M. (2022). BERTopic: neural topic modeling with a class-based TF-IDF
    procedure. arXiv:2203.05794, eq. 1; follows ``bertopic.vectorizers.
    ClassTfidfTransformer`` with its defaults (``bm25_weighting=False``,
    ``reduce_frequent_words=False``).
    """
    weights = class_tfidf_weights(documents, labels, stop, ngram_range)
    out: dict[int, list[str]] = {}
    terms = [str(t) for t in weights.columns]
    for c in weights.index:
        row = weights.loc[c].to_numpy()
        order = np.argsort(-row, kind="mergesort")
        chosen: list[str] = []
        used: set[str] = set()
        for j in order:
            if row[j] <= 0 or len(chosen) == n_keywords:
                break
            words = terms[j].split()
            if used.isdisjoint(words):
                chosen.append(terms[j])
                used.update(words)
        out[int(c)] = chosen
    return out


def class_tfidf_weights(
    documents: Sequence[str],
    labels: Sequence[int],
    stop: Sequence[str] | None = None,
    ngram_range: tuple[int, int] = (1, 2),
) -> pd.DataFrame:
    """The c-TF-IDF weight matrix :math:`W_{t,c}` (see :func:`class_tfidf`).

    Parameters
    ----------
    documents : sequence of str, length n
    labels : sequence of int, length n
        ``-1`` (noise) is ignored.
    stop : sequence of str, optional
    ngram_range : tuple of int

    Returns
    -------
    pandas.DataFrame
        One row per class (sorted), one column per term (alphabetical); empty when
        there is no class or no term.

    Notes
    -----
    Terms are counted in each answer and summed per class, rather than counted in
    the class's answers joined into one text as BERTopic does, so that no n-gram
    joins the last word of one answer to the first of the next. Answers are also cut
    at the placeholders that scrubbing leaves (``[email]``, ``[url]``, ``[name]``...,
    :data:`microcred.privacy.scrub.PLACEHOLDERS`), whose words are therefore never
    terms, and n-grams that repeat a word ("sum sum", which stop-word removal makes
    of "sum of sum") are dropped. Unigram weights are those of BERTopic.

    References
    ----------
    Grootendorst (2022), eq. 1; BERTopic ``ClassTfidfTransformer``.
    """
    import re
    import warnings

    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    from microcred.privacy.scrub import PLACEHOLDERS

    labels_arr = np.asarray(labels)
    if len(labels_arr) != len(documents):
        raise ValueError("documents and labels differ in length")
    classes = sorted(int(c) for c in set(labels_arr.tolist()) if c != -1)
    if not classes:
        return pd.DataFrame()
    position = {c: i for i, c in enumerate(classes)}
    placeholder = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()),
                             re.IGNORECASE)
    pieces: list[str] = []
    owner: list[int] = []
    for document, label in zip(documents, labels_arr.tolist(), strict=True):
        if label != -1:
            parts = placeholder.split(str(document))
            pieces += parts
            owner += [position[int(label)]] * len(parts)
    vec = CountVectorizer(ngram_range=ngram_range, stop_words=list(stop) if stop else None,
                          token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b")
    try:
        with warnings.catch_warnings():
            # stop lists hold contractions that the token pattern splits differently
            warnings.simplefilter("ignore", UserWarning)
            per_piece = vec.fit_transform(pieces)
    except ValueError:  # nothing but stop words
        return pd.DataFrame(index=pd.Index(classes))
    membership = sparse.csr_matrix(
        (np.ones(len(owner)), (np.asarray(owner), np.arange(len(owner)))),
        shape=(len(classes), len(owner)),
    )
    terms = vec.get_feature_names_out()
    distinct = np.array([len(set(t.split())) == len(t.split()) for t in terms], dtype=bool)
    counts = np.asarray((membership @ per_piece)[:, np.flatnonzero(distinct)].todense(),
                        dtype=float)
    terms = terms[distinct]
    if counts.shape[1] == 0:
        return pd.DataFrame(index=pd.Index(classes))
    per_class = counts.sum(axis=1, keepdims=True)
    tf = counts / np.where(per_class == 0, 1.0, per_class)
    f_t = counts.sum(axis=0)
    avg = int(counts.sum(axis=1).mean())  # BERTopic truncates A to an integer
    idf = np.log(1.0 + avg / np.where(f_t == 0, 1.0, f_t))
    return pd.DataFrame(tf * idf, index=pd.Index(classes), columns=terms)


def _cluster(X: np.ndarray, method: str, k: int | None, k_range: tuple[int, int],
             min_size: int, seed: int) -> np.ndarray:
    from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans
    from sklearn.metrics import silhouette_score

    n = X.shape[0]
    if method == "hdbscan":
        return np.asarray(HDBSCAN(min_cluster_size=max(2, min_size)).fit_predict(X))
    # identical answers ("no", "n/a") embed to one point: k-means cannot find more
    # clusters than distinct points (scikit-learn warns with a ConvergenceWarning)
    distinct = len(np.unique(np.round(X, 6), axis=0))

    def fit(kk: int) -> np.ndarray:
        if method == "kmeans":
            return np.asarray(KMeans(n_clusters=kk, n_init=5, random_state=seed).fit_predict(X))
        return np.asarray(AgglomerativeClustering(n_clusters=kk, linkage="ward").fit_predict(X))

    if k is not None:
        return fit(max(1, min(k, distinct)))
    lo, hi = max(2, k_range[0]), min(k_range[1], n - 1, distinct)
    if hi < lo:
        return np.zeros(n, dtype=int)
    best, best_score = None, -np.inf
    sample = min(n, 2000)
    for kk in range(lo, hi + 1):
        lab = fit(kk)
        if len(set(lab.tolist())) < 2:
            continue
        score = silhouette_score(X, lab, metric="cosine", sample_size=sample, random_state=seed)
        if score > best_score + 1e-12:
            best, best_score = lab, score
    return best if best is not None else np.zeros(n, dtype=int)


def discover_themes(
    units: pd.DataFrame,
    embedder: Embedder,
    coded: pd.DataFrame | None = None,
    method: str = "kmeans",
    k: int | None = None,
    k_range: tuple[int, int] = (2, 12),
    min_size: int = 3,
    n_keywords: int = 8,
    n_quotes: int = 3,
    languages: Sequence[str] = ("en", "es", "ca"),
    seed: int = 0,
) -> list[Theme]:
    """Cluster uncoded units into candidate themes.

    Parameters
    ----------
    units : pandas.DataFrame
        ``UNIT_COLUMNS`` (at least ``unit_id`` and ``text``).
    embedder : Embedder
    coded : pandas.DataFrame, optional
        Codings; units with a human coding, or a machine coding, present for any
        code are left out (themes are sought in what the codebook does not cover).
    method : {"kmeans", "agglomerative", "hdbscan"}
        k-means (k by silhouette), Ward agglomerative (k by silhouette), or HDBSCAN
        (k found by density; its noise units belong to no theme).
    k : int, optional
        Number of clusters (k-means and agglomerative); chosen by the mean cosine
        silhouette over ``k_range`` when omitted. Never more than the number of
        distinct embeddings (identical answers are one point).
    k_range : tuple of int
        Smallest and largest k tried.
    min_size : int
        Clusters smaller than this are dropped (and HDBSCAN's ``min_cluster_size``).
    n_keywords : int
        c-TF-IDF keywords per theme.
    n_quotes : int
        Most central quotes per theme (closest to the cluster centroid by cosine).
    languages : sequence of str
        Stop word languages for the keywords.
    seed : int

    Returns
    -------
    list of Theme
        Largest first.

    Raises
    ------
    InputError
        When fewer than 2 units are left to cluster.

    References
    ----------
    Rousseeuw, P. J. (1987). Silhouettes. J. Comput. Appl. Math. 20, 53-65.
    Campello, R., Moulavi, D. & Sander, J. (2013). Density-based clustering based on
    hierarchical density estimates. PAKDD 2013 (HDBSCAN). Grootendorst (2022) BERTopic
    for c-TF-IDF (see :func:`class_tfidf`).
    """
    if method not in ("kmeans", "agglomerative", "hdbscan"):
        raise ValueError("method must be 'kmeans', 'agglomerative' or 'hdbscan'")
    units = _check_units(units)
    if coded is not None and len(coded):
        pres = pd.to_numeric(coded.get("present", 1), errors="coerce").fillna(0)
        done = set(coded.loc[pres.astype(int) == 1, "unit_id"].astype(str))
        units = units[~units["unit_id"].astype(str).isin(done)].reset_index(drop=True)
    if len(units) < 2:
        raise InputError("<units>", "fewer than 2 uncoded units to cluster")
    texts = units["text"].astype(str).tolist()
    ids = units["unit_id"].astype(str).to_numpy()
    X = l2_normalise(embedder.embed(texts))
    labels = _cluster(X, method, k, k_range, min_size, seed)
    sizes = pd.Series(labels).value_counts()
    keep = [int(c) for c in sizes.index if c != -1 and sizes[c] >= min_size]
    labels = np.where(np.isin(labels, keep), labels, -1)
    keywords = class_tfidf(texts, labels.tolist(), n_keywords, stop_words(languages))
    themes = []
    for rank, c in enumerate(sorted(keep, key=lambda c: (-sizes[c], c)), start=1):
        members = np.flatnonzero(labels == c)
        centroid = l2_normalise(X[members].mean(axis=0, keepdims=True))[0]
        order = members[np.argsort(-(X[members] @ centroid), kind="mergesort")][:n_quotes]
        words = keywords.get(c, [])
        label = " / ".join(words[:3]) if words else f"theme {rank}"
        code = Code(
            id=f"theme_{rank:02d}",
            name={"*": label},
            definition="Keywords: " + ", ".join(words) if words else None,
            examples=[texts[i] for i in order],
        )
        themes.append(Theme(code=code, size=int(len(members)), keywords=tuple(words),
                            quote_unit_ids=tuple(ids[order]), unit_ids=tuple(ids[members])))
    return themes


def themes_table(themes: Sequence[Theme], total: int | None = None) -> pd.DataFrame:
    """Themes as a table.

    Parameters
    ----------
    themes : sequence of Theme
    total : int, optional
        Units clustered, for the share column (default: the sum of sizes).

    Returns
    -------
    pandas.DataFrame
        ``code_id``, ``name``, ``size``, ``share``, ``keywords`` (comma-joined),
        ``quote_unit_ids`` (comma-joined); quotes are not repeated here.
    """
    tot = total if total else sum(t.size for t in themes) or 1
    return pd.DataFrame({
        "code_id": [t.code.id for t in themes],
        "name": [t.code.label() for t in themes],
        "size": [t.size for t in themes],
        "share": [t.size / tot for t in themes],
        "keywords": [", ".join(t.keywords) for t in themes],
        "quote_unit_ids": [", ".join(t.quote_unit_ids) for t in themes],
    })
