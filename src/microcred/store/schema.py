"""Tables of the project database (SQLAlchemy Core).

The schema is created with ``MetaData.create_all`` and versioned by the single row of
``schema_version``; a database whose version differs from :data:`SCHEMA_VERSION` is
refused rather than silently misread.

``answers`` holds exactly :data:`microcred.ingest.answers.ANSWER_COLUMNS` plus
``study_id``, and a surrogate ``id`` that the database assigns in insertion order so
that :meth:`~microcred.store.Project.load_answers` returns rows in the order they were
imported. ``respondents`` keeps that order in ``seq``. ``studies.dtypes`` records the
pandas dtypes of the imported frames (JSON) so they come back unchanged.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 1
"""Bumped whenever a table changes; there is no automatic migration (yet)."""

metadata = MetaData()

# SQLite only aliases the rowid (fast, no extra index) for ``INTEGER PRIMARY KEY``.
_BigId = BigInteger().with_variant(Integer(), "sqlite")

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

studies = Table(
    "studies",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("study_hash", String(128), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("dtypes", Text, nullable=True),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("study_id", String(64), ForeignKey("studies.id"), nullable=False, index=True),
    Column("started", DateTime(timezone=True), nullable=False),
    Column("finished", DateTime(timezone=True), nullable=True),
    Column("status", String(16), nullable=False),
    Column("n_respondents", Integer, nullable=False),
    Column("n_answers", BigInteger, nullable=False),
    Column("message", Text, nullable=True),
)

source_files = Table(
    "source_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("study_id", String(64), ForeignKey("studies.id"), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("format", String(32), nullable=False),
    Column("n_rows", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("import_run_id", Integer, ForeignKey("import_runs.id"), nullable=False),
    UniqueConstraint("study_id", "source_id", name="uq_source_files_study_source"),
)

respondents = Table(
    "respondents",
    metadata,
    Column("study_id", String(64), primary_key=True),
    Column("respondent_id", String, primary_key=True),
    Column("source_id", String(64), nullable=False),
    Column("row", Integer, nullable=False),
    Column("language", String(16), nullable=True),
    Column("submitted_at", String(64), nullable=True),
    Column("finished", Boolean(create_constraint=False), nullable=True),
    Column("seq", Integer, nullable=False),
)

answers = Table(
    "answers",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("study_id", String(64), nullable=False),
    Column("respondent_id", String, nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("option_id", String(64), nullable=True),
    Column("value", Double, nullable=True),
    Column("text", Text, nullable=True),
    Column("missing", Text, nullable=True),
    Column("source_id", String(64), nullable=False),
    Column("row", Integer, nullable=False),
    Index("ix_answers_study_item", "study_id", "item_id"),
)
