"""The project database: studies, source files, respondents and answers.

``Project(url)`` opens (and creates) the database; ``import_answers`` replaces a study's
data in one transaction and is idempotent by file hash; ``load_answers`` gives the
DataFrames back. :class:`Project` is imported lazily (it needs SQLAlchemy and pandas),
so ``from microcred.store import SourceFile, redacted_url`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from microcred._lazy import load
from microcred.store.base import (
    ImportRun,
    SourceFile,
    StoreBusyError,
    StoreError,
    redacted_url,
)

if TYPE_CHECKING:
    from microcred.store.progress import rich_progress
    from microcred.store.project import Project

__all__ = [
    "ImportRun",
    "Project",
    "SourceFile",
    "StoreBusyError",
    "StoreError",
    "redacted_url",
    "rich_progress",
]


_EXPORTS = {"Project": "project", "rich_progress": "progress"}


def __getattr__(name: str) -> Any:
    return load(__name__, _EXPORTS, name)
