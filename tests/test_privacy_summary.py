"""PrivacySummary: the counts behind the report's privacy section."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from microcred.privacy import (
    PrivacyError,
    PrivacySummary,
    pseudonymise,
    scrub_text,
    suppress_counts,
    withhold_quotes,
)


def test_summary_adds_up_what_was_done() -> None:
    summary = PrivacySummary(k=5)
    ids = pd.Series(["a", "b", "a", "c"])
    pseudonymise(ids, b"k" * 32)
    summary.record_pseudonyms(ids.nunique())
    texts = pd.Series(["mail me at a@b.org or +34 612 34 56 78", "ask Marta", None])
    _, counts = scrub_text(texts, names=["Marta"])
    summary.record_scrub(counts, n_texts=int(texts.notna().sum()))
    summary.names_listed = 1
    summary.record_suppression(suppress_counts(pd.Series({"x": 12, "y": 3, "z": 9, "All": 24})))
    summary.record_suppression(suppress_counts(pd.Series({"x": 12, "y": 30, "All": 42})))
    quotes = pd.DataFrame({"group": ["big", "small"], "text": ["q1", "q2"]})
    _, withheld = withhold_quotes(quotes, {"big": 40, "small": 2})
    summary.record_withheld(withheld)

    data = summary.as_dict()
    assert json.loads(json.dumps(data)) == data  # JSON-ready
    assert data["k"] == 5 and data["small_label"] == "<5"
    assert data["pseudonymised"] == 3 and data["texts_checked"] == 2
    assert data["scrubbed"] == {"email": 1, "phone": 1, "url": 0, "id": 0, "name": 1}
    assert data["scrubbed_total"] == 3 and data["names_listed"] == 1
    assert (data["tables"], data["tables_suppressed"]) == (2, 1)
    assert (data["suppressed_cells"], data["primary_cells"], data["complementary_cells"]) == (
        2,
        1,
        1,
    )
    assert data["withheld_quotes"] == 1 and data["uniform_tables"] == 0
    text = " ".join(data["sentences"])
    assert "3 ids were replaced" in text
    assert "1 e-mail address, 1 phone number and 1 listed name" in text
    assert "1 name on the user's list" in text
    assert '"<5"; 1 cell in 1 table was hidden' in text and "1 further cell" in text
    assert "(1 withheld)" in text
    assert "a@b.org" not in text and "Marta" not in text


def test_nothing_found_is_said_plainly() -> None:
    text = " ".join(PrivacySummary(k=10).describe())
    # nothing was checked: the summary must not claim "none was found" (issue 5)
    assert "none was found" not in text and "none was checked" in text
    summary = PrivacySummary(k=10)
    summary.record_scrub(pd.DataFrame({"kind": ["email"], "n": [0]}), n_texts=4, source="quote")
    text = " ".join(summary.describe())
    assert "none was found in 4 free texts (4 quotes)" in text
    # No table checked: the summary must not claim a suppression that did not happen.
    assert "No table was checked for small cells" in text and '"<10"' not in text


@pytest.mark.parametrize("bad", [-1, 1.5, "3", None])
def test_counts_must_be_whole_numbers(bad: object) -> None:
    with pytest.raises(PrivacyError):
        PrivacySummary().record_withheld(bad)  # type: ignore[arg-type]


def test_scrub_counts_are_checked() -> None:
    summary = PrivacySummary()
    with pytest.raises(PrivacyError):
        summary.record_scrub(pd.DataFrame({"kind": ["fax"], "n": [1]}))
    with pytest.raises(PrivacyError):
        summary.record_scrub(pd.DataFrame({"what": ["email"]}))


def test_finds_in_every_shared_text_are_counted_by_source() -> None:
    # issue 5: an e-mail address and a phone number in answers echoed by validation
    # must be reported, not hidden behind "none was found" over the quotes alone.
    summary = PrivacySummary()
    summary.record_scrub(pd.DataFrame({"kind": ["email"], "n": [0]}), n_texts=3, source="quote")
    summary.record_scrub(
        pd.DataFrame({"kind": ["email", "phone"], "n": [1, 1]}), n_texts=2, source="validation"
    )
    data = summary.as_dict()
    assert data["texts_by_source"] == {"quote": 3, "validation": 2}
    text = " ".join(data["sentences"])
    assert "none was found" not in text
    assert (
        "in 5 free texts (3 quotes and 2 answers echoed by data-quality checks), "
        "1 e-mail address and 1 phone number were found and replaced"
    ) in text


def test_a_study_without_ids_or_quotes_is_not_told_about_them() -> None:
    """No "0 ids were replaced" nor "0 quotes withheld" where there were none to protect."""
    text = " ".join(PrivacySummary(k=5).describe())
    assert "0 ids were replaced" not in text and "No respondent id appears" in text
    assert "Quotes from groups" not in text
