"""Exemplar quotes: the stated selection rule (one per respondent, lengths, order)."""

from __future__ import annotations

import pandas as pd
import pytest

from microcred.errors import InputError
from microcred.integrate.quotes import pick_quotes, quotes_by_construct
from microcred.qual.codebook import Codebook


def _units() -> pd.DataFrame:
    rows = [
        ("u1", "r1", "I want to move up at work and get promoted soon."),
        ("u2", "r1", "Also my employer pays for courses like this one."),
        ("u3", "r2", "short"),
        ("u4", "r3", "Learning for the fun of it, " + "really " * 60 + "end."),
        ("u5", "r4", "I need credits to finish my degree this year."),
        ("u6", None, "A focus group turn long enough to be quoted here."),
    ]
    return pd.DataFrame({"unit_id": [u for u, _, _ in rows],
                         "respondent_id": [r for _, r, _ in rows],
                         "text": [t for _, _, t in rows]})


def test_pick_quotes_rule() -> None:
    units = _units()
    quotes = pick_quotes(units, unit_ids=["u3", "u1", "u2", "u4", "u5"], max_quotes=3)
    # u3 too short, u2 is the same respondent as u1; u4 is cut at a space with an ellipsis
    assert quotes[0].startswith("I want to move up")
    assert quotes[1].startswith("Learning for the fun") and quotes[1].endswith(" …")
    assert len(quotes[1]) <= 282
    assert quotes[2].startswith("I need credits")
    members = pick_quotes(units, respondent_ids=["r4"])
    assert members == ["I need credits to finish my degree this year."]
    assert pick_quotes(units, seed=1) == pick_quotes(units, seed=1)
    with pytest.raises(InputError):
        pick_quotes(units.drop(columns="text"))


def test_quotes_by_construct_round_robin_over_themes() -> None:
    book = Codebook.model_validate({"id": "b", "name": "B", "codes": [
        {"id": "career", "name": "Career", "construct": "motivation", "option": "career"},
        {"id": "credit", "name": "Credit", "construct": "motivation", "option": "academic"},
        {"id": "other", "name": "Other"},
    ]})
    codings = pd.DataFrame({
        "unit_id": ["u1", "u2", "u5", "u4", "u6"],
        "code_id": ["career", "career", "credit", "career", "other"],
        "present": [1, 1, 1, 0, 1],
        "status": ["human", "human", "human", "human", "human"],
    })
    out = quotes_by_construct(_units(), codings, book, max_quotes=2)
    assert list(out) == ["motivation"]
    # the most frequent theme (career) first, then one of the next theme (credit)
    assert out["motivation"][0].startswith(("I want", "Also my"))
    assert out["motivation"][1].startswith("I need credits")
