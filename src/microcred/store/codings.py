"""Units of coding and codings in the project database.

Human codings and human review decisions persist across runs; machine proposals are
replaced by each run's. The merge rule is :func:`microcred.qual.codings.merge_codings`:
a machine coding never replaces a human one, nor one a human confirmed or rejected.
Each write reads, merges and writes in one transaction (``BEGIN IMMEDIATE`` on SQLite).
:func:`export_review` and :func:`apply_review` are ``microcred code review``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from microcred.qual.units import CODING_COLUMNS, UNIT_COLUMNS
from microcred.store.base import StoreError, redacted_url

if TYPE_CHECKING:
    import pandas as pd

    from microcred.study.models import Study

__all__ = ["apply_review", "export_review", "load_codings", "save_codings"]

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


def _engine(url: str, *, create: bool = True) -> sa.Engine:
    """The engine the answers use too (busy timeout, WAL and BEGIN IMMEDIATE on SQLite)."""
    from microcred.store.project import DEFAULT_BUSY_TIMEOUT, _create_engine

    shown = redacted_url(url)
    if not create:
        try:
            parsed = sa.engine.make_url(url)
        except (sa.exc.ArgumentError, ValueError, TypeError):
            raise StoreError(f"not a database URL: {shown}") from None
        database = parsed.database
        if (parsed.get_backend_name() == "sqlite" and database and database != ":memory:"
                and not database.startswith("file:") and not Path(database).is_file()):
            raise _not_run(shown)
    engine = _create_engine(url, DEFAULT_BUSY_TIMEOUT, shown)
    if create:
        try:
            _metadata.create_all(engine)
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(f"cannot use database {shown}: {type(exc).__name__}") from None
    return engine


def _not_run(shown: str, study_id: str | None = None) -> StoreError:
    what = f"no codings of study {study_id!r} in" if study_id else "no project database at"
    return StoreError(
        f"{what} {shown}: run `microcred run STUDY.yaml` first (with the same --out or --db), "
        "then review its machine codings"
    )


@contextmanager
def _transaction(url: str, action: str, *, write: bool) -> Iterator[sa.Connection]:
    """One transaction; a database error becomes a StoreError naming ``action``."""
    from microcred.store.project import _WRITE

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            if write:
                conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot {action} in {redacted_url(url)}: {type(exc).__name__}") from None
    finally:
        engine.dispose()


def _read(conn: sa.Connection, study_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    from microcred.qual.codings import coding_frame

    units = pd.read_sql(sa.select(coding_units).where(coding_units.c.study_id == study_id), conn)
    stored = pd.read_sql(sa.select(codings).where(codings.c.study_id == study_id), conn)
    return units.reindex(columns=list(UNIT_COLUMNS)), coding_frame(
        stored.reindex(columns=list(CODING_COLUMNS))
    )


def _write(
    conn: sa.Connection, study_id: str, units: pd.DataFrame | None, frame: pd.DataFrame
) -> None:
    """Replace the study's codings (and units, when given) by ``frame``."""
    if units is not None:
        unit_rows = units.reindex(columns=list(UNIT_COLUMNS)).astype(object)
        unit_rows = unit_rows.where(unit_rows.notna(), None).assign(study_id=study_id)
        conn.execute(sa.delete(coding_units).where(coding_units.c.study_id == study_id))
        if len(unit_rows):
            conn.execute(sa.insert(coding_units), unit_rows.to_dict(orient="records"))
    coding_rows = frame.reindex(columns=list(CODING_COLUMNS)).astype(object)
    coding_rows = coding_rows.where(coding_rows.notna(), None).assign(study_id=study_id)
    conn.execute(sa.delete(codings).where(codings.c.study_id == study_id))
    if len(coding_rows):
        conn.execute(sa.insert(codings), coding_rows.to_dict(orient="records"))


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
    with _transaction(url, "read codings", write=False) as conn:
        return _read(conn, study_id)


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
        The codings now stored: ``merge_codings(stored, incoming)`` after dropping the
        stored machine proposals nobody reviewed (this run's proposals replace them,
        so a proposal of a model no longer used does not linger in the review queue).
        A stored human coding, and a machine coding a human confirmed or rejected, is
        never replaced by a machine one: a rejected coding is not proposed again.

    Raises
    ------
    StoreError
        The database cannot be written; it is left as it was (one transaction).
    """
    from microcred.qual.codings import coding_frame, merge_codings

    with _transaction(url, "store codings", write=True) as conn:
        _, stored = _read(conn, study_id)
        unreviewed = ((stored["origin"] == "machine") & (stored["status"] == "proposed")).fillna(
            False
        )
        merged = coding_frame(merge_codings(stored[~unreviewed], coding_frame(incoming)))
        _write(conn, study_id, units, merged)
    return merged


def _stored_for_review(
    conn: sa.Connection, study_id: str, url: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    units, stored = _read(conn, study_id)
    if stored.empty:
        raise _not_run(redacted_url(url), study_id)
    return units, stored


def export_review(
    study_path: str | Path,
    path: str | Path,
    *,
    database: str | None = None,
    out_dir: str | Path = "out",
    limit: int | None = None,
) -> int:
    """Write the stored machine proposals of a study to a review file, least confident first.

    Parameters
    ----------
    study_path : str or pathlib.Path
        The study file (its ``coding`` section names the codebook that labels the codes).
    path : str or pathlib.Path
        The review file, ``.csv`` or ``.xlsx``
        (:func:`microcred.qual.codings.write_review_sheet`).
    database : str, optional
        SQLAlchemy URL of the project database the run stored its codings in; default
        the SQLite file ``out_dir/microcred.db``, as ``microcred run`` uses.
    out_dir : str or pathlib.Path
        The run's output folder (for the default database).
    limit : int, optional
        At most this many proposals.

    Returns
    -------
    int
        Proposals written (0 when every machine coding has been reviewed).

    Raises
    ------
    StoreError
        No database, or no codings of the study in it (run ``microcred run`` first).
    StudyFileError
        The study has no ``coding`` section, or its codebook is invalid.
    InputError
        The file extension is neither ``.csv`` nor ``.xlsx``.

    References
    ----------
    Settles, B. (2009). Active learning literature survey. University of
    Wisconsin-Madison TR 1648 (uncertainty sampling).
    """
    from microcred.qual.codebook_io import load_codebook
    from microcred.qual.codings import review_sheet, write_review_sheet

    study, url = _study_and_url(study_path, database, out_dir)
    assert study.coding is not None
    codebook = load_codebook(study.base_dir / study.coding.codebook)
    _engine(url, create=False).dispose()
    with _transaction(url, "read codings", write=False) as conn:
        units, stored = _stored_for_review(conn, study.study.id, url)
    language = study.study.languages[0] if study.study.languages else "en"
    sheet = review_sheet(units, stored, limit=limit, codebook=codebook, language=language)
    write_review_sheet(sheet, path)
    return len(sheet)


def apply_review(
    study_path: str | Path,
    path: str | Path,
    coder: str,
    *,
    database: str | None = None,
    out_dir: str | Path = "out",
) -> dict[str, int]:
    """Store the decisions of a review file as human codings, all in one transaction.

    Parameters
    ----------
    study_path : str or pathlib.Path
        The study file.
    path : str or pathlib.Path
        A review file (``unit_id``, ``code_id``, ``decision`` columns;
        :func:`microcred.qual.codings.read_review_decisions`).
    coder : str
        The reviewer's name, recorded as the human coder of the decisions.
    database : str, optional
        SQLAlchemy URL of the project database (default ``out_dir/microcred.db``).
    out_dir : str or pathlib.Path
        The run's output folder (for the default database).

    Returns
    -------
    dict of str -> int
        ``decisions`` read, ``confirmed`` and ``rejected`` (proposals), ``unchanged``
        (already recorded with the same outcome: applying a file twice changes nothing
        the second time).

    Raises
    ------
    InputError
        The file, with row and column: an unknown decision, unit or code (nothing is
        applied); or ``coder`` is blank or a machine coder's name.
    StoreError
        No database, or no codings of the study in it (run ``microcred run`` first);
        or the database cannot be written (it is left as it was).
    StudyFileError
        The study has no ``coding`` section.

    Notes
    -----
    A confirmed proposal becomes a human coding of ``coder`` with the machine's
    answer, a rejected one a human coding with the opposite answer; the machine rows
    keep their values with status ``confirmed``/``rejected``. Later runs keep both
    (:func:`save_codings`), and a rejected proposal is decided by the human coding
    whenever the machine proposes it again, so it is never proposed anew.
    """
    from microcred.qual.codings import read_review_decisions, review_many

    study, url = _study_and_url(study_path, database, out_dir)
    _engine(url, create=False).dispose()
    with _transaction(url, "store review decisions", write=True) as conn:
        units, stored = _stored_for_review(conn, study.study.id, url)
        decisions = read_review_decisions(path, units, stored)
        reviewed = review_many(stored, decisions, coder, file=str(path))
        decisions = decisions.drop_duplicates(["unit_id", "code_id"])
        before, after = _coder_rows(stored, coder), _coder_rows(reviewed, coder)
        keys = zip(decisions["unit_id"], decisions["code_id"], strict=True)
        unchanged = sum(1 for key in keys if key in before and before[key] == after.get(key))
        if unchanged < len(decisions):
            _write(conn, study.study.id, None, reviewed)
    confirmed = int((decisions["decision"] == "confirm").sum())
    return {
        "decisions": len(decisions),
        "confirmed": confirmed,
        "rejected": len(decisions) - confirmed,
        "unchanged": unchanged,
    }


def _coder_rows(frame: pd.DataFrame, coder: str) -> dict[tuple[str, str], tuple[int, str]]:
    mine = frame[(frame["coder"] == coder).fillna(False)]
    return {
        (str(u), str(c)): (int(p), str(t))
        for u, c, p, t in zip(mine["unit_id"], mine["code_id"], mine["present"],
                              mine["created_at"], strict=True)
    }


def _study_and_url(
    study_path: str | Path, database: str | None, out_dir: str | Path
) -> tuple[Study, str]:
    """The study (which must have a coding section) and its database URL."""
    from microcred.errors import StudyFileError
    from microcred.store.project import Project
    from microcred.study import load

    study = load(study_path)
    if study.coding is None:
        raise StudyFileError(
            str(study_path),
            [(None, "coding", "the study has no coding section: there is nothing to review")],
        )
    return study, database or Project.default_url(out_dir)
