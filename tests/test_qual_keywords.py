"""Candidate-theme keywords: no scrubbing placeholders, no word shown twice, no warnings."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from microcred.privacy.scrub import PLACEHOLDERS
from microcred.qual.embed import TfidfEmbedder
from microcred.qual.themes import class_tfidf, class_tfidf_weights, discover_themes


def words_of(keywords: list[str]) -> list[str]:
    return [w for k in keywords for w in k.split()]


def test_weights_count_ngrams_within_each_answer():
    # class 0 = "data science" + "science data", class 1 = "art"; per answer, class 0
    # holds data 2, science 2, "data science" 1, "science data" 1 (6 terms) and never
    # the bigram "science science" that joining the answers would make; A = int(7 / 2) = 3.
    # W = tf / |c| * log(1 + A / f_t) (Grootendorst 2022, eq. 1).
    w = class_tfidf_weights(["data science", "science data", "art"], [0, 0, 1], None, (1, 2))
    assert "science science" not in w.columns
    assert w.loc[0, "data"] == pytest.approx(2 / 6 * math.log(1 + 3 / 2))
    assert w.loc[0, "data science"] == pytest.approx(1 / 6 * math.log(1 + 3 / 1))
    assert w.loc[1, "art"] == pytest.approx(1 / 1 * math.log(1 + 3 / 1))


def test_no_bigram_of_a_repeated_word():
    docs = ["theoretical", "theoretical course", "sum of sum", "the sum", "cats", "dogs"]
    w = class_tfidf_weights(docs, [0, 0, 0, 0, 1, 1], ["of", "the"], (1, 2))
    assert "theoretical theoretical" not in w.columns
    assert "sum sum" not in w.columns  # "sum of sum" without its stop word
    assert "theoretical course" in w.columns


def test_keywords_never_repeat_a_word():
    docs = ["data science jobs", "data science", "data science salary", "data analysis",
            "painting art", "art history", "art"]
    keywords = class_tfidf(docs, [0, 0, 0, 0, 1, 1, 1], 8, None, (1, 2))
    for words in keywords.values():
        assert len(words_of(words)) == len(set(words_of(words)))
    assert "data" in words_of(keywords[0]) and "art" in words_of(keywords[1])


def test_scrubbing_placeholders_are_not_keywords():
    docs = [f"write to me {PLACEHOLDERS['email']} please",
            f"see {PLACEHOLDERS['url']} for the course",
            f"{PLACEHOLDERS['name']} helped me with the course",
            f"call {PLACEHOLDERS['phone']} or {PLACEHOLDERS['id']}",
            "career growth", "career change"]
    keywords = class_tfidf(docs, [0, 0, 0, 0, 1, 1], 20, None, (1, 2))
    found = set(words_of(keywords[0]))
    assert not found & {"email", "url", "name", "phone", "id"}
    assert "course" in found
    # n-grams do not bridge a placeholder either
    assert "me please" not in keywords[0] and "call or" not in keywords[0]
    # the word itself, written by a respondent, is still a word
    mine = class_tfidf(["I got an email", "career"], [0, 1], 5, None, (1, 1))
    assert "email" in mine[0]


def test_identical_answers_cluster_without_a_convergence_warning():
    texts = ["no"] * 9 + ["nothing"] * 3 + ["n/a"] * 2
    units = pd.DataFrame({"unit_id": [f"u{i}" for i in range(len(texts))], "text": texts})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # was printed for k = 4..12
        themes = discover_themes(units, TfidfEmbedder(), min_size=1)
    assert 1 <= len(themes) <= 3  # three distinct answers: at most three clusters
    assert sum(t.size for t in themes) == len(texts)
    assert np.all([len(set(t.unit_ids)) == t.size for t in themes])
