"""Column contracts of the qualitative stage (DataFrames passed between modules)."""

UNIT_COLUMNS = (
    "unit_id", "document", "respondent_id", "speaker", "text", "start", "end", "language",
)
"""Units of coding, one row each.

- ``unit_id`` (str): stable id (``<document>:<n>`` or ``<item_id>:<respondent_id>``).
- ``document`` (str): the survey item id, or the transcript/source name.
- ``respondent_id`` (str or NA): the respondent the unit belongs to (survey answers, or
  transcript speakers linked to respondents).
- ``speaker`` (str or NA): speaker label in a transcript.
- ``text`` (str): the unit's text (personal data: never log it).
- ``start``, ``end`` (int or NA): code-point offsets of the unit in its document's plain
  text with newlines normalised to ``\\n``.
- ``language`` (str or NA): ISO 639-1 code when known.
"""

CODING_COLUMNS = (
    "unit_id", "code_id", "coder", "origin", "present", "confidence", "model",
    "model_version", "status", "created_at",
)
"""Codings, one row per (unit, code, coder).

- ``coder`` (str): a human coder's name/pseudonym or the machine coder's name.
- ``origin`` (str): ``"human"`` or ``"machine"``.
- ``present`` (int 0/1): whether the code applies (0 rows matter for agreement).
- ``confidence`` (float or NA): machine probability in [0, 1].
- ``model``, ``model_version`` (str or NA): the machine coder's model.
- ``status`` (str): ``"human"`` for human codings; machine codings are ``"proposed"``
  until a human ``"confirmed"`` or ``"rejected"`` them.
- ``created_at`` (str): ISO 8601 time.
"""
