"""Units of coding and codings in the project database.

Human codings and human review decisions persist across runs; machine proposals are
replaced by each run's. The merge rule is :func:`microcred.qual.codings.merge_codings`:
a machine coding never replaces a human one. Writing is one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from microcred.qual.units import CODING_COLUMNS, UNIT_COLUMNS
from microcred.store.base import StoreError, redacted_url

if TYPE_CHECKING:
    import pandas as pd

_metadata = sa.MetaData()

coding_units = sa.Table(
    "coding_units",
    _metadata,
    sa.Column("study_id", sa.String(64), primary_key=True),
    sa.Column("unit_id", sa.String(256), primary_key=True),
    sa.Column("document", sa.Text),
    sa.Column("respondent_id", sa.Text),
    sa.Column("speaker", sa.Text),
    sa.Column("text", sa.Text),
    sa.Column("start", sa.Integer),
    sa.Column("end", sa.Integer),
    sa.Column("language", sa.String(16)),
)

codings = sa.Table(
    "codings",
    _metadata,
    sa.Column("study_id", sa.String(64), nullable=False, index=True),
    sa.Column("unit_id", sa.String(256), nullable=False),
    sa.Column("code_id", sa.String(64), nullable=False),
    sa.Column("coder", sa.String(128), nullable=False),
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("present", sa.Integer, nullable=False),
    sa.Column("confidence", sa.Float),
    sa.Column("model", sa.Text),
    sa.Column("model_version", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.Text),
)


def _engine(url: str) -> sa.Engine:
    try:
        engine = sa.create_engine(url, hide_parameters=True)
        _metadata.create_all(engine)
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot use database {redacted_url(url)}: {type(exc).__name__}") from None
    return engine


def load_codings(url: str, study_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored units and codings of a study.

    Parameters
    ----------
    url : str
        SQLAlchemy URL of the project database.
    study_id : str

    Returns
    -------
    (units, codings) : tuple of pandas.DataFrame
        ``UNIT_COLUMNS`` and ``CODING_COLUMNS``; empty when nothing was stored.

    Raises
    ------
    StoreError
        The database cannot be opened.
    """
    import pandas as pd

    from microcred.qual.codings import coding_frame

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            units = pd.read_sql(
                sa.select(coding_units).where(coding_units.c.study_id == study_id), conn
            )
            stored = pd.read_sql(sa.select(codings).where(codings.c.study_id == study_id), conn)
    finally:
        engine.dispose()
    return units.reindex(columns=list(UNIT_COLUMNS)), coding_frame(
        stored.reindex(columns=list(CODING_COLUMNS))
    )


def save_codings(
    url: str, study_id: str, units: pd.DataFrame, incoming: pd.DataFrame
) -> pd.DataFrame:
    """Store a run's units and codings, keeping every human coding already stored.

    Parameters
    ----------
    url : str
        SQLAlchemy URL of the project database.
    study_id : str
    units : pandas.DataFrame
        ``UNIT_COLUMNS``; they replace the study's stored units.
    incoming : pandas.DataFrame
        ``CODING_COLUMNS``: this run's human codings (from files) and machine proposals.

    Returns
    -------
    pandas.DataFrame
        The codings now stored: ``merge_codings(stored, incoming)``, so a stored human
        coding or review decision is never replaced by a machine one.

    Raises
    ------
    StoreError
        The database cannot be written; it is left as it was (one transaction).
    """
    from microcred.qual.codings import coding_frame, merge_codings

    _, stored = load_codings(url, study_id)
    merged = coding_frame(merge_codings(stored, coding_frame(incoming)))
    unit_rows = units.reindex(columns=list(UNIT_COLUMNS)).astype(object)
    unit_rows = unit_rows.where(unit_rows.notna(), None).assign(study_id=study_id)
    coding_rows = merged.reindex(columns=list(CODING_COLUMNS)).astype(object)
    coding_rows = coding_rows.where(coding_rows.notna(), None).assign(study_id=study_id)
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.delete(coding_units).where(coding_units.c.study_id == study_id))
            conn.execute(sa.delete(codings).where(codings.c.study_id == study_id))
            if len(unit_rows):
                conn.execute(sa.insert(coding_units), unit_rows.to_dict(orient="records"))
            if len(coding_rows):
                conn.execute(sa.insert(codings), coding_rows.to_dict(orient="records"))
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(
            f"cannot store codings in {redacted_url(url)}: {type(exc).__name__}"
        ) from None
    finally:
        engine.dispose()
    return merged
