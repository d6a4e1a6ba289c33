"""The long form every later stage reads: one row per respondent x item (x option)."""

from __future__ import annotations

ANSWER_COLUMNS = (
    "respondent_id",
    "item_id",
    "option_id",
    "value",
    "text",
    "missing",
    "source_id",
    "row",
)
"""Columns of the answers DataFrame.

- ``respondent_id`` (str): the respondent.
- ``item_id`` (str): the item.
- ``option_id`` (str or NA): the chosen option's canonical id; one row per chosen option
  of a multi_choice item; the item's ``other.option`` id for an 'Other' answer.
- ``value`` (float or NA): the numeric answer (numeric items) or the option's scale value
  (likert, rating, ordinal).
- ``text`` (str or NA): free text (open_text items, the text of an 'Other' answer).
- ``missing`` (str or NA): set (and everything else NA) when the export declares why the
  answer is missing (SPSS user-missing ``"No answer (9)"``). A respondent with no row
  for an item simply did not answer it.
- ``source_id`` (str): the source the answer came from.
- ``row`` (int): the 1-based spreadsheet row in that source.
"""

RESPONDENT_COLUMNS = ("respondent_id", "source_id", "row", "language", "submitted_at", "finished")
"""Columns of the respondents DataFrame: one row per respondent kept for analysis.

``submitted_at`` is ISO 8601 text or NA; ``finished`` is a boolean or NA when the
export does not say.
"""
