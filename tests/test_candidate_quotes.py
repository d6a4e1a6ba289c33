"""Candidate themes carry their most central quotes, protected like the themes' quotes."""

from __future__ import annotations

import csv
import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from microcred import ingest, pipeline, study
from microcred.qual.stage import QUOTES_PER_THEME, code_study

CODEBOOK = """\
id: demo
name: Demo codebook
codes:
  - id: price
    name: {en: Price}
    definition: The price, the fee, what it costs.
    examples: [the price is too high, a lower fee]
"""

TOPICS = {
    "schedule": "the evening schedule suits my working hours",
    "teacher": "the teacher gives feedback on every exercise",
    "career": "a career step and a promotion at my job",
}


def answers(per_topic: int = 12) -> list[str]:
    texts = []
    for topic, sentence in TOPICS.items():
        for i in range(per_topic):
            text = f"{sentence}, week {i}"
            if topic == "teacher":
                text += " <script>alert('x')</script> write to ana@example.org"
            texts.append(text)
    return texts + ["the price is too high", "the fee costs too much"]


def write(folder: Path, k: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "answers.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "What else?"])
        writer.writerows([f"r{i}", t] for i, t in enumerate(answers()))
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "study.yaml").write_text(
        "study: {id: demo, title: Demo}\n"
        "sources: [{id: s, path: answers.csv}]\n"
        "respondent_id: {column: id}\n"
        "items:\n  - {id: other, type: open_text, column: What else?}\n"
        f"privacy: {{k: {k}}}\n"
        "coding:\n  codebook: codebook.yaml\n  items: {other: []}\n  embedder: tfidf\n"
        "  automatic: zero-shot\n",
        encoding="utf-8",
    )
    return folder / "study.yaml"


class TopicEmbedder:
    """One axis per topic word (price, schedule, teacher, career), plus a little noise."""

    name, version, dim = "topic", "1", 4
    words = ("price", "schedule", "teacher", "career")

    def embed(self, texts, batch_size=64, progress=None):
        out = np.zeros((len(texts), self.dim))
        for i, text in enumerate(texts):
            rng = np.random.default_rng(zlib.crc32(text.encode()))
            hits = [j for j, w in enumerate(self.words) if w in text.lower()]
            out[i, hits[0] if hits else 0] = 1.0
            out[i] += rng.normal(scale=0.01, size=self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_candidates_carry_the_units_closest_to_their_centroid(tmp_path):
    from microcred.privacy import scrub_text
    from microcred.qual.themes import discover_themes

    instrument = study.load(write(tmp_path / "s"))
    data = ingest.read(instrument)
    embedder = TopicEmbedder()
    qual = code_study(instrument, data.answers, data.respondents, embedder=embedder)
    assert len(qual.candidates) == 3
    units = qual.units.set_index("unit_id")
    uncoded = qual.units[~qual.units["text"].str.contains("price|fee costs")]
    assert len(uncoded) == 36
    # Reference: the same clustering run on its own (texts scrubbed as the stage does).
    scrubbed, _ = scrub_text(uncoded["text"].astype(object))
    assert scrubbed.str.contains("ana@example.org").sum() == 0
    reference = discover_themes(
        uncoded.assign(text=scrubbed.to_numpy()), embedder, n_quotes=QUOTES_PER_THEME,
        languages=("en",),
    )
    assert len(reference) == len(qual.candidates)
    by_keywords = {theme.keywords: theme for theme in reference}
    for candidate in qual.candidates:
        theme = by_keywords[tuple(candidate["keywords"])]
        assert [q["unit_id"] for q in candidate["quotes"]] == list(theme.quote_unit_ids)
        assert candidate["size"] == candidate["respondents"] == 12  # one answer each
        for quote in candidate["quotes"]:
            # The unit's own text: the pipeline scrubs and counts it with the others.
            assert quote["text"] == units.at[quote["unit_id"], "text"]
            assert quote["respondent_id"] == units.at[quote["unit_id"], "respondent_id"]
    # Keywords are computed from scrubbed texts: no piece of the e-mail address.
    words = {w for c in qual.candidates for w in c["keywords"]}
    assert not words & {"ana", "example", "org"}


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    base = tmp_path_factory.mktemp("cand")
    out = base / "out"
    pipeline.run(write(base / "s"), out)
    return out


def test_candidate_quotes_are_scrubbed_pseudonymised_and_escaped(ran):
    results = json.loads((ran / "results.json").read_text(encoding="utf-8"))
    candidates = results["extra"]["qual"]["candidates"]
    assert candidates and all(len(c["quotes"]) == QUOTES_PER_THEME for c in candidates)
    raw_ids = {f"r{i}" for i in range(len(answers()))}
    quotes = [q for c in candidates for q in c["quotes"]]
    assert all(q["unit_id"] is None for q in quotes)
    assert all(q["respondent_id"] not in raw_ids and q["respondent_id"].startswith("R")
               for q in quotes)
    teacher = [q for q in quotes if "teacher" in q["text"]]
    assert teacher and all("[email]" in q["text"] for q in teacher)
    blob = (ran / "results.json").read_text(encoding="utf-8")
    html = (ran / "report.html").read_text(encoding="utf-8")
    for text in (blob, html):
        assert "ana@example.org" not in text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "most central answers" in html
    # Every quote shown in the report comes from the protected results.
    first = quotes[0]["text"].split(",")[0]
    assert first in html
    assert results["extra"]["privacy"]["scrubbed"]["email"] >= len(teacher)


def test_candidate_quotes_are_withheld_below_k(tmp_path):
    out = tmp_path / "out"
    pipeline.run(write(tmp_path / "s", k=13), out)  # every cluster holds 12 respondents
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    candidates = results["extra"]["qual"]["candidates"]
    # (12 respondents, fewer than k = 13: shown as "<13" in results.json too)
    assert candidates and all(c["respondents"] == "<13" for c in candidates)
    assert all(c["quotes"] == [] for c in candidates)
    themes = results["extra"]["qual"]["quotes"]
    shown = sum(len(q) for q in themes.values())
    assert shown == 0  # the price theme has 2 respondents
    withheld = results["extra"]["privacy"]["withheld_quotes"]
    assert withheld >= QUOTES_PER_THEME * len(candidates)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "quotes withheld (fewer than 13 respondents)" in html
    for sentence in TOPICS.values():  # no candidate answer reaches the report
        assert sentence not in html
