"""The project database: one transaction per import, DataFrames back out.

A :class:`Project` wraps an SQLAlchemy engine. SQLite (the default, a file next to the
outputs) runs in WAL mode with a busy timeout, and every import takes the write lock
up front (``BEGIN IMMEDIATE``) so that two processes importing into one file are
serialised: both land, one after the other, or the one that waited longer than the busy
timeout fails with :class:`~microcred.store.StoreBusyError` having written nothing.
PostgreSQL serialises imports of one study with a transaction-level advisory lock.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine, make_url

from microcred.ingest.answers import ANSWER_COLUMNS, RESPONDENT_COLUMNS
from microcred.store import schema
from microcred.store.base import (
    ImportRun,
    SourceFile,
    StoreBusyError,
    StoreError,
    redacted_url,
)

__all__ = ["DEFAULT_BUSY_TIMEOUT", "Project", "ProgressCallback"]

ProgressCallback = Callable[[int, int], object]
"""``progress(done, total)``: rows written so far and rows to write in all."""

DEFAULT_BUSY_TIMEOUT = 60.0
"""Seconds an import waits for another process's import before giving up."""

CHUNK_ROWS = 100_000
"""Rows converted and written per batch (bounds memory, paces the progress bar)."""

_WRITE = "microcred_write"
_PG_BUSY_CODES = {"40001", "40P01", "55P03", "57014"}


class Project:
    """A project database holding the imported answers of one or more studies.

    Parameters
    ----------
    url : str
        SQLAlchemy URL: ``sqlite:///path/microcred.db`` (the parent folder is created),
        ``sqlite://`` (in memory) or ``postgresql://user:password@host/db`` (needs
        ``psycopg2``). Tables are created when missing.
    busy_timeout : float, default 60
        Seconds to wait for a lock held by another process (SQLite busy timeout,
        PostgreSQL ``lock_timeout``) before raising :class:`StoreBusyError`.

    Raises
    ------
    StoreError
        The URL is not a database URL, its driver is missing, the database cannot be
        opened, or it was written by a microcred with another schema version.

    Notes
    -----
    Tables are created with ``MetaData.create_all`` and versioned by the one row of
    ``schema_version`` (no Alembic migrations yet). The password of ``url`` never
    appears in messages: they use :func:`~microcred.store.redacted_url`.

    Examples
    --------
    >>> project = Project("sqlite://")
    >>> project.import_runs("uoc-2023").empty
    True
    >>> project.close()
    """

    def __init__(self, url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT):
        self.url = redacted_url(url)
        """The database URL with its password masked (safe to show)."""
        self._engine = _create_engine(url, busy_timeout, self.url)
        try:
            self._ensure_schema()
        except BaseException:
            self._engine.dispose()
            raise

    def _ensure_schema(self) -> None:
        """Create the tables when missing (under the write lock); check the version."""
        version = schema.schema_version.c.version
        with self._transaction("open", write=False) as conn:
            found = (
                list(conn.execute(sa.select(version)).scalars())
                if sa.inspect(conn).has_table(schema.schema_version.name)
                else []
            )
        if not found:
            with self._transaction("create the tables of", write=True, lock="schema") as conn:
                schema.metadata.create_all(conn)
                found = list(conn.execute(sa.select(version)).scalars())
                if not found:
                    conn.execute(
                        schema.schema_version.insert().values(version=schema.SCHEMA_VERSION)
                    )
                    found = [schema.SCHEMA_VERSION]
        if found != [schema.SCHEMA_VERSION]:
            raise StoreError(
                f"{self.url}: database schema version {found} is not the version "
                f"{schema.SCHEMA_VERSION} this microcred uses; import into a new database"
            )

    @staticmethod
    def default_url(out_dir: Path | str) -> str:
        """URL of the default project database, ``out_dir / "microcred.db"`` (SQLite).

        Parameters
        ----------
        out_dir : pathlib.Path or str
            The output folder of the run; made absolute.

        Returns
        -------
        str
            ``sqlite:////abs/out_dir/microcred.db``.
        """
        path = Path(out_dir).absolute() / "microcred.db"
        return sa.URL.create("sqlite", database=str(path)).render_as_string()

    def __repr__(self) -> str:
        return f"Project({self.url!r})"

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection of the project (the object is unusable afterwards)."""
        self._engine.dispose()

    # -- writing ------------------------------------------------------------------------

    def import_answers(
        self,
        study_id: str,
        study_title: str,
        study_hash: str,
        sources: Sequence[SourceFile],
        answers: pd.DataFrame,
        respondents: pd.DataFrame,
        progress: ProgressCallback | None = None,
    ) -> ImportRun:
        """Replace a study's stored data by these answers, in one transaction.

        Parameters
        ----------
        study_id : str
            The study's id (``study.id`` of the study file).
        study_title : str
            Its title.
        study_hash : str
            Hex digest of the study file; a changed study file means a changed mapping,
            so the data are imported again even when no source file changed.
        sources : sequence of SourceFile
            Every source file read, with its SHA-256.
        answers : pandas.DataFrame, shape (n_answers, 8)
            Long answers with exactly the columns
            :data:`microcred.ingest.answers.ANSWER_COLUMNS` (any order); ``value`` numeric,
            ``row`` integer.
        respondents : pandas.DataFrame, shape (n_respondents, 6)
            Exactly the columns :data:`microcred.ingest.answers.RESPONDENT_COLUMNS`;
            ``respondent_id`` unique.
        progress : callable, optional
            ``progress(done, total)`` called after each batch of rows written
            (``total = n_respondents + n_answers``); see
            :func:`microcred.store.rich_progress` for a progress bar.

        Returns
        -------
        ImportRun
            ``status="unchanged"`` when the study file hash and the set of
            ``(source_id, sha256)`` equal the stored ones: then only an ``import_runs``
            row is written. Otherwise ``status="imported"``: the study's respondents,
            answers and source files were replaced atomically.

        Raises
        ------
        StoreError
            A frame lacks or adds columns, has a non-numeric ``value`` or non-integer
            ``row``, names a source not in ``sources``, repeats a respondent id, or the
            database refused the rows. The database is then exactly as before (the
            same holds for any other exception, ``KeyboardInterrupt`` included).
        StoreBusyError
            Another process held the database longer than the busy timeout.

        Notes
        -----
        SQLite rows go through the DBAPI ``cursor.executemany`` inside the SQLAlchemy
        transaction (no per-row ORM or Core overhead); other databases through a Core
        ``insert()`` executed with a list of parameter sets, which SQLAlchemy 2 sends in
        multi-row batches ("insertmanyvalues").
        """
        answers = _checked_frame(answers, ANSWER_COLUMNS, "answers")
        respondents = _checked_frame(respondents, RESPONDENT_COLUMNS, "respondents")
        _check_sources(sources, answers, respondents)
        started = _now()
        wanted = {(s.source_id, s.sha256) for s in sources}
        dtypes = json.dumps(
            {"answers": _dtype_names(answers), "respondents": _dtype_names(respondents)}
        )
        s, r = schema.studies, schema.import_runs
        action = f"import study {study_id!r} into"
        with self._transaction(action, write=True, lock=study_id) as conn:
            study = conn.execute(sa.select(s).where(s.c.id == study_id)).first()
            stored = {
                (row.source_id, row.sha256)
                for row in conn.execute(
                    sa.select(schema.source_files.c.source_id, schema.source_files.c.sha256).where(
                        schema.source_files.c.study_id == study_id
                    )
                )
            }
            if study is not None and study.study_hash == study_hash and stored == wanted:
                n_resp, n_ans = _stored_counts(conn, study_id)
                run_id = _insert_run(
                    conn,
                    study_id,
                    started,
                    "unchanged",
                    n_resp,
                    n_ans,
                    "study file and source files unchanged; nothing imported",
                )
                return ImportRun(run_id, "unchanged", n_resp, n_ans)

            if study is None:
                conn.execute(
                    s.insert().values(
                        id=study_id,
                        title=study_title,
                        study_hash=study_hash,
                        created=started,
                        dtypes=dtypes,
                    )
                )
            else:
                conn.execute(
                    s.update()
                    .where(s.c.id == study_id)
                    .values(title=study_title, study_hash=study_hash, dtypes=dtypes)
                )
            run_id = _insert_run(conn, study_id, started, "imported", 0, 0, None)
            alone = _delete_study_rows(conn, study_id)
            if sources:
                conn.execute(
                    schema.source_files.insert(),
                    [
                        {
                            "study_id": study_id,
                            "source_id": f.source_id,
                            "path": f.path,
                            "sha256": f.sha256,
                            "format": f.format,
                            "n_rows": int(f.n_rows),
                            "imported_at": started,
                            "import_run_id": run_id,
                        }
                        for f in sources
                    ],
                )
            total = len(respondents) + len(answers)
            if progress is not None:
                progress(0, total)
            tick = _Ticker(progress, total)
            try:
                _insert_frame(
                    conn, schema.respondents, respondents, study_id, tick, seq_column="seq"
                )
            except Exception as exc:
                if _is_integrity_error(exc):
                    raise _respondent_error(exc, respondents, self.url) from exc
                raise
            # Into an empty SQLite table, building the index once afterwards costs less
            # than keeping it up to date row by row; DDL is transactional in SQLite.
            rebuild = alone and conn.dialect.name == "sqlite" and len(answers) > CHUNK_ROWS
            if rebuild:
                for index in schema.answers.indexes:
                    index.drop(conn)
            _insert_frame(conn, schema.answers, answers, study_id, tick)
            if rebuild:
                for index in schema.answers.indexes:
                    index.create(conn)
            conn.execute(
                r.update()
                .where(r.c.id == run_id)
                .values(
                    finished=_now(),
                    n_respondents=len(respondents),
                    n_answers=len(answers),
                    message=f"{len(sources)} source file(s) imported",
                )
            )
        return ImportRun(run_id, "imported", len(respondents), len(answers))

    # -- reading ------------------------------------------------------------------------

    def load_answers(self, study_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The stored answers and respondents of a study, as they were imported.

        Parameters
        ----------
        study_id : str
            The study's id.

        Returns
        -------
        answers : pandas.DataFrame, shape (n_answers, 8)
            Columns :data:`~microcred.ingest.answers.ANSWER_COLUMNS` in that order,
            rows in import order, dtypes as imported (NA stays NA).
        respondents : pandas.DataFrame, shape (n_respondents, 6)
            Columns :data:`~microcred.ingest.answers.RESPONDENT_COLUMNS`, likewise.

        Raises
        ------
        StoreError
            The study was never imported into this database.
        """
        s = schema.studies
        with self._transaction(f"read study {study_id!r} from", write=False) as conn:
            study = conn.execute(sa.select(s.c.dtypes).where(s.c.id == study_id)).first()
            if study is None:
                raise StoreError(
                    f"{self.url}: study {study_id!r} has not been imported; run the import first"
                )
            dtypes = json.loads(study.dtypes) if study.dtypes else {}
            a, p = schema.answers, schema.respondents
            select_answers = sa.select(*(a.c[c] for c in ANSWER_COLUMNS)).order_by(a.c.id)
            others = conn.execute(sa.select(s.c.id).where(s.c.id != study_id).limit(1)).first()
            if others is not None or conn.dialect.name != "sqlite":
                select_answers = select_answers.where(a.c.study_id == study_id)
            # else: the study is alone in this SQLite snapshot, and a plain scan in rowid
            # order avoids the temporary B-tree that sorting index hits by id would need
            answers = _read_frame(
                conn,
                select_answers,
                ANSWER_COLUMNS,
                dtypes.get("answers", {}),
                bool_columns=(),
            )
            respondents = _read_frame(
                conn,
                sa.select(*(p.c[c] for c in RESPONDENT_COLUMNS))
                .where(p.c.study_id == study_id)
                .order_by(p.c.seq),
                RESPONDENT_COLUMNS,
                dtypes.get("respondents", {}),
                bool_columns=("finished",),
            )
        return answers, respondents

    def source_files(self, study_id: str) -> pd.DataFrame:
        """The source files behind a study's stored data.

        Parameters
        ----------
        study_id : str
            The study's id.

        Returns
        -------
        pandas.DataFrame, shape (n_sources, 7)
            Columns ``source_id, path, sha256, format, n_rows, imported_at`` (UTC
            timestamps) and ``import_run_id``; empty when nothing was imported.
        """
        f = schema.source_files
        columns = (
            "source_id",
            "path",
            "sha256",
            "format",
            "n_rows",
            "imported_at",
            "import_run_id",
        )
        stmt = sa.select(*(f.c[c] for c in columns)).where(f.c.study_id == study_id)
        return self._small_frame(stmt.order_by(f.c.id), columns, ("imported_at",))

    def import_runs(self, study_id: str) -> pd.DataFrame:
        """Every import of a study, oldest first.

        Parameters
        ----------
        study_id : str
            The study's id.

        Returns
        -------
        pandas.DataFrame, shape (n_runs, 7)
            Columns ``id, started, finished`` (UTC timestamps), ``status``
            (``imported`` or ``unchanged``), ``n_respondents, n_answers, message``.
        """
        r = schema.import_runs
        columns = ("id", "started", "finished", "status", "n_respondents", "n_answers", "message")
        stmt = sa.select(*(r.c[c] for c in columns)).where(r.c.study_id == study_id)
        return self._small_frame(stmt.order_by(r.c.id), columns, ("started", "finished"))

    def studies(self) -> pd.DataFrame:
        """Every study in the database.

        Returns
        -------
        pandas.DataFrame, shape (n_studies, 4)
            Columns ``id, title, study_hash, created`` (UTC timestamp).
        """
        s = schema.studies
        columns = ("id", "title", "study_hash", "created")
        stmt = sa.select(*(s.c[c] for c in columns)).order_by(s.c.id)
        return self._small_frame(stmt, columns, ("created",))

    # -- internals ----------------------------------------------------------------------

    def _small_frame(
        self, stmt: sa.Select[Any], columns: Sequence[str], times: Sequence[str]
    ) -> pd.DataFrame:
        with self._transaction("read", write=False) as conn:
            rows = [tuple(row) for row in conn.execute(stmt)]
        frame = pd.DataFrame.from_records(rows, columns=list(columns))
        for column in times:
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame

    @contextmanager
    def _transaction(
        self, action: str, *, write: bool, lock: str | None = None
    ) -> Iterator[Connection]:
        """One transaction; database errors become StoreError naming ``action``."""
        dbapi_error: tuple[type[BaseException], ...] = (sa_exc.DBAPIError,)
        loaded = getattr(self._engine.dialect, "loaded_dbapi", None)
        if loaded is not None and hasattr(loaded, "Error"):
            dbapi_error = (sa_exc.DBAPIError, loaded.Error)
        try:
            with self._engine.connect() as conn:
                if write:
                    conn = conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    if write and lock is not None and conn.dialect.name == "postgresql":
                        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(lock))))
                    yield conn
        except dbapi_error as exc:
            raise _database_error(exc, action, self.url) from exc


class _Ticker:
    """Counts written rows and reports them to the progress callback."""

    def __init__(self, progress: ProgressCallback | None, total: int):
        self.progress = progress
        self.total = total
        self.done = 0

    def add(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(self.done, self.total)


def _now() -> datetime:
    return datetime.now(UTC)


def _lock_key(name: str) -> int:
    digest = hashlib.sha256(f"microcred:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _create_engine(url: str, busy_timeout: float, shown: str) -> Engine:
    try:
        parsed = make_url(url)
    except (sa_exc.ArgumentError, ValueError, TypeError):
        raise StoreError(f"not a database URL: {shown}") from None
    kwargs: dict[str, Any] = {"hide_parameters": True}
    backend = parsed.get_backend_name()
    if parsed.drivername == "postgresql" and importlib.util.find_spec("psycopg2") is not None:
        # SQLAlchemy 2.1 defaults to psycopg 3; microcred's `postgres` extra installs psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{shown}: cannot create its folder ({exc.strerror})") from None
        kwargs["connect_args"] = {"timeout": busy_timeout}
    elif (
        backend == "postgresql"
        and parsed.get_driver_name() == "psycopg2"
        and "options" not in parsed.query
    ):
        ms = max(1, int(busy_timeout * 1000))
        kwargs["connect_args"] = {"options": f"-c lock_timeout={ms}"}
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            f"cannot use database {shown}: {type(exc).__name__}: {_first_line(exc)}"
        ) from None
    if backend == "sqlite":
        _configure_sqlite(engine, busy_timeout)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    """WAL, busy timeout and explicit BEGIN [IMMEDIATE] for pysqlite.

    Notes
    -----
    The ``isolation_level = None`` plus ``begin`` event recipe is the one given in the
    SQLAlchemy 2.0 SQLite dialect documentation ("Serializable isolation / Savepoints /
    Transactional DDL"); ``BEGIN IMMEDIATE`` takes the write lock at once, so the
    "unchanged?" check and the write cannot interleave with another writer
    (https://sqlite.org/lang_transaction.html).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {max(0, int(busy_timeout * 1000))}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA journal_size_limit = 67108864")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _database_error(exc: BaseException, action: str, shown: str) -> StoreError:
    """A StoreError for a DBAPI error, without SQL parameters or PostgreSQL DETAIL lines."""
    orig = getattr(exc, "orig", None) or exc
    text = _first_line(exc)
    code = getattr(orig, "pgcode", None)
    lowered = text.lower()
    if code in _PG_BUSY_CODES or "database is locked" in lowered or "busy" in lowered:
        return StoreBusyError(
            f"cannot {action} {shown}: another process is using the database ({text}); "
            "nothing was written, run it again once the other import has finished"
        )
    if _is_integrity_error(exc):
        return StoreError(f"cannot {action} {shown}: the data break a constraint ({text})")
    return StoreError(f"cannot {action} {shown}: {text}")


def _is_integrity_error(exc: BaseException) -> bool:
    """True for SQLAlchemy's IntegrityError and any DBAPI ``IntegrityError`` (PEP 249)."""
    orig = getattr(exc, "orig", None) or exc
    return any(c.__name__ == "IntegrityError" for c in type(orig).__mro__)


def _respondent_error(exc: BaseException, respondents: pd.DataFrame, shown: str) -> StoreError:
    """Say where a respondent id repeats (by source and row: the id may be an e-mail)."""
    duplicated = respondents[respondents["respondent_id"].duplicated(keep=False)]
    if duplicated.empty:
        return _database_error(exc, "import respondents into", shown)
    first = duplicated.iloc[0]
    same = duplicated[duplicated["respondent_id"] == first["respondent_id"]]
    places = ", ".join(
        f"{src} row {row}" for src, row in zip(same["source_id"], same["row"], strict=True)
    )
    n_ids = duplicated["respondent_id"].nunique()
    return StoreError(
        f"cannot import into {shown}: {n_ids} respondent id(s) appear more than once, "
        f"e.g. one at {places}; nothing was written"
    )


def _checked_frame(frame: Any, columns: Sequence[str], name: str) -> pd.DataFrame:
    """The frame with its columns in contract order, or StoreError."""
    if not isinstance(frame, pd.DataFrame):
        raise StoreError(f"{name} must be a pandas DataFrame, not {type(frame).__name__}")
    have = [str(c) for c in frame.columns]
    missing = [c for c in columns if c not in have]
    extra = [c for c in have if c not in columns]
    if missing or extra or len(have) != len(set(have)):
        raise StoreError(
            f"{name} must have exactly the columns {', '.join(columns)}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unexpected: {', '.join(extra)}" if extra else "")
        )
    frame = frame.loc[:, list(columns)]
    if name == "answers":
        value = frame["value"]
        if not (pd.api.types.is_numeric_dtype(value) or value.isna().all()):
            raise StoreError("answers.value must be numeric (float), not text")
        if pd.api.types.is_bool_dtype(value):
            raise StoreError("answers.value must be numeric (float), not boolean")
    row = frame["row"]
    if not pd.api.types.is_integer_dtype(row):
        raise StoreError(f"{name}.row must hold integers (spreadsheet rows)")
    return frame


def _check_sources(
    sources: Sequence[SourceFile], answers: pd.DataFrame, respondents: pd.DataFrame
) -> None:
    ids = [s.source_id for s in sources]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise StoreError(f"source id(s) given more than once: {', '.join(repeated)}")
    known = set(ids)
    for name, frame in (("respondents", respondents), ("answers", answers)):
        used = {str(v) for v in pd.unique(frame["source_id"].dropna())}
        unknown = sorted(used - known)
        if unknown:
            raise StoreError(
                f"{name} name source(s) {', '.join(unknown)} that are not among the "
                f"source files given ({', '.join(sorted(known)) or 'none'})"
            )


def _dtype_names(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in frame.dtypes.items()}


def _stored_counts(conn: Connection, study_id: str) -> tuple[int, int]:
    """Counts of the stored rows, from the last run that wrote them."""
    r = schema.import_runs
    last = conn.execute(
        sa.select(r.c.n_respondents, r.c.n_answers)
        .where(r.c.study_id == study_id, r.c.status == "imported")
        .order_by(r.c.id.desc())
        .limit(1)
    ).first()
    if last is not None:
        return int(last.n_respondents), int(last.n_answers)
    count = sa.func.count()
    n_resp = conn.execute(
        sa.select(count).where(schema.respondents.c.study_id == study_id)
    ).scalar_one()
    n_ans = conn.execute(sa.select(count).where(schema.answers.c.study_id == study_id)).scalar_one()
    return int(n_resp), int(n_ans)


def _insert_run(
    conn: Connection,
    study_id: str,
    started: datetime,
    status: str,
    n_respondents: int,
    n_answers: int,
    message: str | None,
) -> int:
    result = conn.execute(
        schema.import_runs.insert().values(
            study_id=study_id,
            started=started,
            finished=_now() if status == "unchanged" else None,
            status=status,
            n_respondents=n_respondents,
            n_answers=n_answers,
            message=message,
        )
    )
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every supported dialect returns it
        raise StoreError("the database did not return the id of the import run")
    return int(key[0])


def _delete_study_rows(conn: Connection, study_id: str) -> bool:
    """Delete the study's rows; True when it is the only study (tables now empty)."""
    s = schema.studies
    others = conn.execute(sa.select(s.c.id).where(s.c.id != study_id).limit(1)).first()
    for table in (schema.answers, schema.respondents, schema.source_files):
        if others is None and table is not schema.source_files:
            # Sole study: an unqualified DELETE lets SQLite drop the pages at once
            # ("truncate optimization", https://sqlite.org/lang_delete.html).
            conn.execute(table.delete())
        else:
            conn.execute(table.delete().where(table.c.study_id == study_id))
    return others is None


def _python_values(series: pd.Series) -> list[Any] | Iterable[Any]:
    """A column as Python objects the DBAPI binds, NA as None."""
    n = len(series)
    if n and series.isna().all():
        return itertools.repeat(None, n)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = series.map(lambda t: t.isoformat(), na_action="ignore")
    return series.to_numpy(dtype=object, na_value=None).tolist()


def _insert_frame(
    conn: Connection,
    table: sa.Table,
    frame: pd.DataFrame,
    study_id: str,
    tick: _Ticker,
    seq_column: str | None = None,
) -> None:
    """Insert the frame's rows (plus ``study_id``, and ``seq`` = position) in batches."""
    keys = ["study_id", *map(str, frame.columns)]
    if seq_column is not None:
        keys.append(seq_column)
    n = len(frame)
    if n == 0:
        return
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        compiled = table.insert().compile(dialect=conn.dialect, column_keys=keys)
        positions = compiled.positiontup or []
        order = [keys.index(k) for k in positions]
        raw: Any = conn.connection.dbapi_connection
        cursor = raw.cursor()
    for start in range(0, n, CHUNK_ROWS):
        part = frame.iloc[start : start + CHUNK_ROWS]
        m = len(part)
        columns: list[Any] = [itertools.repeat(study_id, m)]
        columns += [_python_values(part[c]) for c in part.columns]
        if seq_column is not None:
            columns.append(range(start, start + m))
        if sqlite:
            cursor.executemany(compiled.string, zip(*(columns[i] for i in order), strict=True))
        else:
            conn.execute(
                table.insert(),
                [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)],
            )
        tick.add(m)
    if sqlite:
        cursor.close()


def _fetch_batches(conn: Connection, stmt: sa.Select[Any]) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``stmt`` in batches, through the DBAPI cursor where that is faster."""
    dialect = conn.dialect
    if dialect.name == "sqlite" or dialect.driver == "psycopg2":
        compiled = stmt.compile(dialect=dialect)
        params = compiled.construct_params()
        args: Any = (
            tuple(params[k] for k in (compiled.positiontup or [])) if dialect.positional else params
        )
        raw: Any = conn.connection.dbapi_connection
        if dialect.driver == "psycopg2":
            cursor = raw.cursor(name="microcred_read")  # server-side: streams
            cursor.itersize = CHUNK_ROWS
        else:
            cursor = raw.cursor()
        try:
            cursor.execute(compiled.string, args)
            while rows := cursor.fetchmany(CHUNK_ROWS):
                yield rows
        finally:
            cursor.close()
    else:
        result = conn.execution_options(yield_per=CHUNK_ROWS).execute(stmt)
        for part in result.partitions():
            yield [tuple(row) for row in part]


def _restore(series: pd.Series, dtype_name: str | None, boolean: bool) -> pd.Series:
    """Give a column read back its imported dtype (NULL -> the dtype's NA)."""
    if boolean:
        values = [None if pd.isna(v) else bool(v) for v in series.tolist()]
        series = pd.Series(pd.array(values, dtype="boolean"), index=series.index)
    if dtype_name is None or (str(series.dtype) == dtype_name and dtype_name != "object"):
        return series
    try:
        target = pd.api.types.pandas_dtype(dtype_name)
    except TypeError:
        return series
    if pd.api.types.is_object_dtype(target):
        # object columns hold None for NULL, as pandas.read_sql gives them
        return series.astype(object).where(series.notna(), None)
    try:
        return series.astype(target)
    except (TypeError, ValueError):
        if pd.api.types.is_datetime64_any_dtype(target):
            return pd.to_datetime(series, format="ISO8601").astype(target)
        return series


def _read_frame(
    conn: Connection,
    stmt: sa.Select[Any],
    columns: Sequence[str],
    dtypes: dict[str, str],
    bool_columns: Sequence[str],
) -> pd.DataFrame:
    parts = []
    for rows in _fetch_batches(conn, stmt):
        part = pd.DataFrame.from_records(rows, columns=list(columns))
        parts.append(_restore_frame(part, dtypes, bool_columns))
    if not parts:
        empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return _restore_frame(empty, dtypes, bool_columns)
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    # concat may widen a dtype (e.g. categories differing between batches)
    for column in columns:
        if column in dtypes and str(frame[column].dtype) != dtypes[column]:
            frame[column] = _restore(frame[column], dtypes[column], False)
    return frame


def _restore_frame(
    frame: pd.DataFrame, dtypes: dict[str, str], bool_columns: Sequence[str]
) -> pd.DataFrame:
    return pd.DataFrame(
        {c: _restore(frame[c], dtypes.get(c), c in bool_columns) for c in frame.columns},
        index=frame.index,
    )
