"""Validation issues as shared outputs may show them (values scrubbed, ids pseudonymised).

The data-quality table of the report, the "Validation" sheet of ``tables.xlsx`` and the
``validation`` list of ``results.json`` echo the offending answer of each issue. Those
answers are respondents' data: a closed question answered with an e-mail address, a
respondent id that is an e-mail address. :func:`share_validation` gives the copy to
publish; the terminal output of ``microcred validate`` (seen by the analyst only) keeps
the raw values.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from microcred.ingest.validate import ValidationReport

__all__ = ["ID_KINDS", "share_validation"]

ID_KINDS = frozenset({"duplicate_id"})
"""Issue kinds whose ``value`` is a respondent id (shown as its pseudonym)."""


def share_validation(
    validation: ValidationReport,
    *,
    key: bytes | None = None,
    names: list[str] | None = None,
    folder: str | Path | None = None,
) -> tuple[ValidationReport, pd.DataFrame, int]:
    """A copy of a validation report that may leave the project.

    Parameters
    ----------
    validation : ValidationReport
        As the reader made it (raw values, absolute paths); left unchanged.
    key : bytes, optional
        The project's pseudonym key (:func:`~microcred.privacy.load_or_create_key`), so
        that an id shown here has the pseudonym it has elsewhere. Without it a fresh
        random key is used (pseudonyms that match nothing else).
    names : list of str, optional
        Names to remove (``study.privacy.names``), see
        :func:`~microcred.privacy.scrub_text`.
    folder : str or pathlib.Path, optional
        The study file's folder: files are shown relative to it
        (:func:`~microcred.privacy.shared.shown_path`).

    Returns
    -------
    shared : ValidationReport
        Same issues in the same order, rows, columns, counts and messages kept; each
        ``value`` scrubbed of e-mail addresses, phone numbers, URLs, ids and listed
        names, respondent ids (:data:`ID_KINDS`) replaced by pseudonyms, and ``file``
        relative to ``folder``.
    counts : pandas.DataFrame, shape (5, 4)
        What the scrubbing found (:func:`~microcred.privacy.scrub_text`'s counts).
    n_texts : int
        Values scrubbed (for :meth:`PrivacySummary.record_scrub`).

    Notes
    -----
    Pseudonyms are keyed hashes (HMAC-SHA256), as in
    :func:`~microcred.privacy.pseudonymise`; scrubbing as :func:`scrub_text` (see its
    references).
    """
    import pandas as pd

    from microcred.ingest.validate import ValidationReport
    from microcred.privacy.pseudonyms import new_key, pseudonymise
    from microcred.privacy.scrub import scrub_text
    from microcred.privacy.shared import shown_path

    issues = list(validation.issues)
    is_id = [i.kind in ID_KINDS and i.value is not None for i in issues]
    texts = pd.Series(
        [i.value if i.value is not None and not idf else None for i, idf in zip(
            issues, is_id, strict=True)],
        dtype="object",
    )
    scrubbed, counts = scrub_text(texts, names or None)
    ids = pd.Series([i.value if idf else None for i, idf in zip(issues, is_id, strict=True)],
                    dtype="object")  # fmt: skip
    pseudonyms = pseudonymise(ids, key if key is not None else new_key()) if any(is_id) else ids
    shared = []
    for n, issue in enumerate(issues):
        value = pseudonyms.iloc[n] if is_id[n] else scrubbed.iloc[n]
        shared.append(
            dataclasses.replace(
                issue,
                value=None if value is None or pd.isna(value) else str(value),
                file=shown_path(issue.file, folder) if issue.file else issue.file,
                rows=list(issue.rows),
            )
        )
    return ValidationReport(issues=shared), counts, int(texts.notna().sum())
