"""Frequency tables, edge cases of the long answers, and segment membership."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.quant._data import Prepared
from microcred.quant.frequencies import frequencies, frequency_table
from microcred.quant.items import describe_item
from microcred.quant.segments import segment_membership, segment_sizes
from microcred.study.models import Item, Study


def long(rows: list[tuple[str, str, str | None, float | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["respondent_id", "item_id", "option_id", "value"])
    return frame.assign(text=None, missing=None, source_id="s")


CHOICE = Item.model_validate({"id": "q", "type": "single_choice", "column": "q",
                              "options": [{"id": "a", "labels": "A"},
                                          {"id": "b", "labels": "B"}]})


def test_frequency_table_columns_and_values() -> None:
    table = frequency_table([3, 1, 0], ["x", "y", "z"], ["X", "Y", "Z"], 4,
                            values=[1, 2, 3], cumulative=3, mentions=True)
    assert list(table.columns) == ["option_id", "label", "n", "pct", "ci_low", "ci_high",
                                   "pct_mentions", "value", "cum_pct"]
    assert table["cum_pct"].tolist() == [0.75, 1.0, 1.0]
    assert table["pct_mentions"].tolist() == [0.75, 0.25, 0.0]
    with pytest.raises(ValueError):
        frequency_table([1], ["x", "y"], ["X"], 1)


def test_duplicate_single_answers_count_once_and_unknown_ids_are_kept() -> None:
    answers = long([("r1", "q", "a", None), ("r1", "q", "b", None), ("r2", "q", "b", None),
                    ("r3", "q", "zz", None), ("r4", "other_item", "a", None)])
    table = frequencies(answers, CHOICE)
    assert table is not None
    assert table["option_id"].tolist() == ["a", "b", "zz"]
    assert table["n"].tolist() == [1, 1, 1]  # r1 counted once (first answer kept)
    result = describe_item(Prepared(answers).item(CHOICE))
    assert result.n_asked == 4 and result.n_valid == 3
    assert any("zz" in note for note in result.notes)


def test_other_used_without_being_declared() -> None:
    answers = long([("r1", "q", "a", None), ("r2", "q", "other", None)])
    table = frequencies(answers, CHOICE)
    assert table is not None
    assert table["option_id"].tolist() == ["a", "b", "other"]
    assert table["label"].iloc[2] == "Other"


def test_multi_choice_repeated_tick_counts_once() -> None:
    item = Item.model_validate({"id": "m", "type": "multi_choice", "column": "m",
                                "options": [{"id": "a"}, {"id": "b"}]})
    answers = long([("r1", "m", "a", None), ("r1", "m", "a", None), ("r1", "m", "b", None),
                    ("r2", "m", "b", None), ("r3", "x", "a", None)])
    table = frequencies(answers, item)
    assert table is not None
    assert table["n"].tolist() == [1, 2]
    assert table["pct"].tolist() == [0.5, 1.0]  # base: 2 respondents who ticked something
    assert table["pct_mentions"].tolist() == pytest.approx([1 / 3, 2 / 3])


def test_scale_answer_given_as_value_only() -> None:
    item = Item.model_validate({"id": "l", "type": "likert", "column": "l",
                                "scale": {"min": 1, "max": 5}})
    answers = long([("r1", "l", None, 5.0), ("r2", "l", "v4", 4.0), ("r3", "l", None, 7.0)])
    table = frequencies(answers, item)
    assert table is not None
    assert table["n"].tolist() == [0, 0, 0, 1, 1, 1]
    assert table["option_id"].iloc[-1] == "7"  # out-of-scale value kept visibly
    assert np.isnan(table["cum_pct"].iloc[-1])


def test_numeric_item_has_no_frequencies() -> None:
    item = Item(id="n", type="numeric", column="n")
    assert frequencies(long([("r1", "n", None, 3.0)]), item) is None


def test_segments_options_and_ranges() -> None:
    study = Study.model_validate({
        "study": {"id": "s", "title": "S"}, "sources": [{"id": "s", "path": "x.csv"}],
        "items": [
            {"id": "q", "type": "single_choice", "column": "q",
             "options": [{"id": "a"}, {"id": "b"}]},
            {"id": "age", "type": "numeric", "column": "age"}],
        "segments": [
            {"id": "young_a", "where": [{"item": "q", "options": ["a"]},
                                        {"item": "age", "max": 30}]},
            {"id": "older", "label": "Older", "where": {"item": "age", "min": 30.5}}],
    })
    answers = long([("r1", "q", "a", None), ("r1", "age", None, 25.0),
                    ("r2", "q", "a", None), ("r2", "age", None, 40.0),
                    ("r3", "q", "b", None), ("r3", "age", None, 20.0),
                    ("r4", "q", "a", None)])
    members = segment_membership(study, answers)
    assert members["young_a"].tolist() == [True, False, False, False]
    assert members["older"].tolist() == [False, True, False, False]
    sizes = segment_sizes(study, members)
    assert sizes[["segment_id", "label", "n"]].values.tolist() == [
        ["young_a", "young_a", 1], ["older", "Older", 1]]
    assert sizes["pct"].tolist() == [0.25, 0.25] and sizes["small_n"].all()
