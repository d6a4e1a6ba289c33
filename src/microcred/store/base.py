"""Light pieces of the store: records, errors and URL redaction (no heavy imports)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from microcred.errors import MicrocredError

__all__ = ["ImportRun", "SourceFile", "StoreBusyError", "StoreError", "redacted_url"]


class StoreError(MicrocredError):
    """The project database cannot be opened, read or written as asked.

    The message names the database by its redacted URL (never its password) and never
    quotes respondents' answers.
    """


class StoreBusyError(StoreError):
    """Another process held the database longer than the busy timeout allowed.

    Nothing was written; running the command again once the other import has finished
    is safe.
    """


@dataclass(frozen=True)
class SourceFile:
    """One survey export as it was imported.

    Parameters
    ----------
    source_id : str
        The source's id in the study file.
    path : str
        The file's path as shown to the user.
    sha256 : str
        Hex SHA-256 digest of the file's bytes; an import whose set of
        ``(source_id, sha256)`` equals the stored one writes nothing.
    format : str
        The format that was read (``csv``, ``xlsx``, ``qualtrics``...).
    n_rows : int
        Number of responses read from the file.
    """

    source_id: str
    path: str
    sha256: str
    format: str
    n_rows: int


ImportStatus = Literal["imported", "unchanged"]


@dataclass(frozen=True)
class ImportRun:
    """What one call of :meth:`microcred.store.Project.import_answers` did.

    Parameters
    ----------
    id : int
        The row id in the ``import_runs`` table.
    status : {"imported", "unchanged"}
        ``imported`` when the study's data were replaced, ``unchanged`` when the study
        file and every source file had the hashes already stored (nothing else written).
    n_respondents : int
        Respondents stored for the study after the run.
    n_answers : int
        Answer rows stored for the study after the run.
    """

    id: int
    status: ImportStatus
    n_respondents: int
    n_answers: int


_PASSWORD_AFTER_SCHEME = re.compile(r"(?P<head>://[^:/@]*:).*(?P<tail>@)")
_PASSWORD_ANYWHERE = re.compile(r"(?P<head>[^:/@\s]+:)\S*(?P<tail>@)")


def redacted_url(url: str) -> str:
    """The database URL with its password replaced by ``***``, safe to print or log.

    Parameters
    ----------
    url : str
        An SQLAlchemy database URL, e.g. ``postgresql://user:secret@host/db``.

    Returns
    -------
    str
        ``postgresql://user:***@host/db``; URLs without a password come back unchanged.
        A string SQLAlchemy cannot parse still has anything between ``user:`` and the
        last ``@`` masked.

    Notes
    -----
    Uses SQLAlchemy's ``make_url(url).render_as_string(hide_password=True)``
    (SQLAlchemy 2.0 documentation, "Engine Configuration: Database URLs").
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        text = str(url)
        pattern = _PASSWORD_AFTER_SCHEME if "://" in text else _PASSWORD_ANYWHERE
        return pattern.sub(r"\g<head>***\g<tail>", text)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.password is not None:
        # an unescaped '@' in the password leaves its tail in the host: mask to the last '@'
        shown = _PASSWORD_AFTER_SCHEME.sub(r"\g<head>***\g<tail>", shown)
    return shown
