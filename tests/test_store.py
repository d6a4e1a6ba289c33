"""The project store: round trip, idempotent import, atomic replacement, errors.

Every test runs on SQLite; the ``pg`` variants run too when ``MICROCRED_TEST_PG_URL``
names a throwaway PostgreSQL database (its microcred tables are dropped before each
test). Reference behaviour: SQLite transactions are atomic and ``BEGIN IMMEDIATE``
takes the write lock at once (https://sqlite.org/lang_transaction.html); SQLAlchemy's
``render_as_string(hide_password=True)`` masks passwords as ``***``.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from microcred.errors import MicrocredError
from microcred.ingest.answers import ANSWER_COLUMNS, RESPONDENT_COLUMNS
from microcred.store import (
    ImportRun,
    Project,
    SourceFile,
    StoreBusyError,
    StoreError,
    redacted_url,
    schema,
)
from microcred.store import project as project_module

PG_URL = os.environ.get("MICROCRED_TEST_PG_URL")

# -- fixtures built in code ----------------------------------------------------------------


def make_frames(
    n_respondents: int = 6, flavour: str = "default", seed: int = 0, prefix: str = "r"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Answers and respondents as an ingest reader would give them.

    ``flavour`` picks the dtypes: ``default`` (pandas' own: ``str``/``object`` text,
    float64, int64, nullable boolean), ``nullable`` (``string``, ``Float64``,
    ``Int64``, ``boolean``) or ``object`` (text as Python objects, NA as None).
    """
    rng = np.random.default_rng(seed)
    resp: dict[str, list[object]] = {c: [] for c in RESPONDENT_COLUMNS}
    ans: dict[str, list[object]] = {c: [] for c in ANSWER_COLUMNS}

    def answer(rid, item, option, value, text, missing, source, row):
        for column, v in zip(
            ANSWER_COLUMNS, (rid, item, option, value, text, missing, source, row), strict=True
        ):
            ans[column].append(v)

    texts = ["Vull aprendre més", '=HYPERLINK("x")', "line one\nline two", "😀 ok", None]
    for i in range(n_respondents):
        rid = f"{prefix}{i:04d}"
        source = "s1" if i % 3 else "s2"
        row = 2 + i
        resp["respondent_id"].append(rid)
        resp["source_id"].append(source)
        resp["row"].append(row)
        resp["language"].append(None if i % 4 == 3 else ("ca" if i % 2 else "en"))
        resp["submitted_at"].append(None if i % 5 == 4 else f"2023-03-{1 + i % 28:02d}T10:15:00")
        resp["finished"].append(None if i % 4 == 2 else bool(i % 2))
        level = int(rng.integers(1, 6))
        answer(rid, "motivation", f"m{level}", float(level), None, None, source, row)
        for opt in ("badge", "ects")[: 1 + i % 2]:
            answer(rid, "format", opt, None, None, None, source, row)
        if i % 2:
            answer(rid, "format", "other", None, "ECTS + badge", None, source, row)
        answer(rid, "why", None, None, texts[i % len(texts)], None, source, row)
        if i % 3 == 2:
            answer(rid, "hours", None, None, None, "No answer (9)", source, row)
        else:
            answer(rid, "hours", None, round(float(rng.uniform(0, 40)), 2), None, None, source, row)

    text_dtype = {"default": None, "nullable": "string", "object": object}[flavour]
    answers = pd.DataFrame(
        {
            c: pd.Series(ans[c], dtype=text_dtype)
            for c in ("respondent_id", "item_id", "option_id", "text", "missing", "source_id")
        }
    )
    answers["value"] = pd.Series(
        ans["value"], dtype="Float64" if flavour == "nullable" else "float64"
    )
    answers["row"] = pd.Series(ans["row"], dtype="Int64" if flavour == "nullable" else "int64")
    respondents = pd.DataFrame(
        {
            c: pd.Series(resp[c], dtype=text_dtype)
            for c in ("respondent_id", "source_id", "language", "submitted_at")
        }
    )
    respondents["row"] = pd.Series(resp["row"], dtype="Int64" if flavour == "nullable" else "int64")
    respondents["finished"] = pd.Series(
        resp["finished"], dtype=object if flavour == "object" else "boolean"
    )
    return answers.loc[:, list(ANSWER_COLUMNS)], respondents.loc[:, list(RESPONDENT_COLUMNS)]


def sources(sha1: str = "a" * 64, sha2: str = "b" * 64) -> list[SourceFile]:
    return [
        SourceFile("s1", "data/forms.csv", sha1, "google-forms", 4),
        SourceFile("s2", "data/qualtrics.csv", sha2, "qualtrics", 2),
    ]


def engine_for(url: str) -> sa.Engine:
    """A plain engine (psycopg2 for ``postgresql://``, as microcred uses)."""
    parsed = sa.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return sa.create_engine(parsed)


def dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every microcred table, sorted: the whole database state."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in schema.metadata.sorted_tables:
                rows = conn.execute(sa.select(table)).all()
                out[table.name] = sorted((tuple(r) for r in rows), key=repr)
            return out
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "pg"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'project' / 'microcred.db'}"
    if not PG_URL:
        pytest.skip("MICROCRED_TEST_PG_URL not set")
    engine = engine_for(PG_URL)
    schema.metadata.drop_all(engine)
    engine.dispose()
    return PG_URL


@pytest.fixture
def project(url: str):
    with Project(url) as p:
        yield p


def do_import(project: Project, answers, respondents, srcs=None, study_hash="h1", **kw):
    return project.import_answers(
        "uoc-2023",
        "Micro-credentials study",
        study_hash,
        sources() if srcs is None else srcs,
        answers,
        respondents,
        **kw,
    )


# -- round trip ----------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["default", "nullable", "object"])
def test_round_trip_keeps_values_order_and_dtypes(project, flavour):
    answers, respondents = make_frames(flavour=flavour)
    run = do_import(project, answers, respondents)
    assert run.status == "imported"
    assert (run.n_respondents, run.n_answers) == (len(respondents), len(answers))

    got_answers, got_respondents = project.load_answers("uoc-2023")
    pd.testing.assert_frame_equal(got_answers, answers)
    pd.testing.assert_frame_equal(got_respondents, respondents)
    # NA stays NA, numbers stay numbers
    assert got_answers["value"].isna().sum() == answers["value"].isna().sum() > 0
    assert got_answers["text"].isna().sum() == answers["text"].isna().sum() > 0
    assert got_respondents["finished"].isna().sum() == respondents["finished"].isna().sum() > 0


def test_round_trip_of_shuffled_columns_and_empty_frames(project):
    answers, respondents = make_frames()
    do_import(project, answers.iloc[:0, ::-1], respondents.iloc[:0, ::-1])
    got_answers, got_respondents = project.load_answers("uoc-2023")
    assert list(got_answers.columns) == list(ANSWER_COLUMNS)
    assert list(got_respondents.columns) == list(RESPONDENT_COLUMNS)
    assert got_answers.empty and got_respondents.empty
    assert got_answers.dtypes.to_dict() == answers.dtypes.to_dict()
    assert got_respondents.dtypes.to_dict() == respondents.dtypes.to_dict()


def test_round_trip_in_batches_with_progress(project, url, monkeypatch):
    monkeypatch.setattr(project_module, "CHUNK_ROWS", 7)
    answers, respondents = make_frames(40)
    calls: list[tuple[int, int]] = []
    do_import(project, answers, respondents, progress=lambda d, t: calls.append((d, t)))
    engine = engine_for(url)  # SQLite rebuilds the index after a bulk insert
    indexes = sa.inspect(engine).get_indexes("answers")
    engine.dispose()
    assert [(i["name"], i["column_names"]) for i in indexes] == [
        ("ix_answers_study_item", ["study_id", "item_id"])
    ]
    total = len(answers) + len(respondents)
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) > total // 7
    got_answers, got_respondents = project.load_answers("uoc-2023")
    pd.testing.assert_frame_equal(got_answers, answers)
    pd.testing.assert_frame_equal(got_respondents, respondents)


# -- idempotence and replacement -----------------------------------------------------------


def test_reimport_with_same_hashes_writes_only_an_unchanged_run(project, url):
    answers, respondents = make_frames()
    first = do_import(project, answers, respondents)
    before = dump(url)
    second = do_import(project, answers, respondents)
    after = dump(url)

    assert second == ImportRun(second.id, "unchanged", first.n_respondents, first.n_answers)
    assert second.id > first.id
    runs_before, runs_after = before.pop("import_runs"), after.pop("import_runs")
    assert after == before  # answers, respondents, sources, studies untouched
    assert len(runs_after) == len(runs_before) + 1
    runs = project.import_runs("uoc-2023")
    assert runs["status"].tolist() == ["imported", "unchanged"]
    assert runs["n_answers"].tolist() == [len(answers)] * 2
    assert str(runs["started"].dt.tz) == "UTC"
    assert (runs["finished"] >= runs["started"]).all()


def test_changed_file_hash_replaces_the_study_data(project):
    answers, respondents = make_frames(6)
    first = do_import(project, answers, respondents)
    new_answers, new_respondents = make_frames(3, seed=1, prefix="n")
    second = do_import(project, new_answers, new_respondents, srcs=sources(sha2="c" * 64))

    assert second.status == "imported"
    got_answers, got_respondents = project.load_answers("uoc-2023")
    pd.testing.assert_frame_equal(got_answers, new_answers)
    pd.testing.assert_frame_equal(got_respondents, new_respondents)
    files = project.source_files("uoc-2023")
    assert files["sha256"].tolist() == ["a" * 64, "c" * 64]
    assert files["import_run_id"].tolist() == [second.id, second.id] != [first.id] * 2
    assert files["n_rows"].tolist() == [4, 2]


def test_changed_study_file_reimports_even_with_same_sources(project):
    answers, respondents = make_frames()
    do_import(project, answers, respondents, study_hash="h1")
    run = do_import(project, answers.iloc[:5], respondents, study_hash="h2")
    assert run.status == "imported" and run.n_answers == 5
    assert project.studies()["study_hash"].tolist() == ["h2"]


def test_a_source_removed_from_the_study_reimports(project):
    answers, respondents = make_frames()
    do_import(project, answers, respondents)
    only_s1 = [sources()[0]]
    keep_a, keep_r = answers[answers.source_id == "s1"], respondents[respondents.source_id == "s1"]
    run = do_import(project, keep_a, keep_r, srcs=only_s1)
    assert run.status == "imported"
    assert project.source_files("uoc-2023")["source_id"].tolist() == ["s1"]
    assert do_import(project, keep_a, keep_r, srcs=only_s1).status == "unchanged"


def test_other_studies_are_left_alone(project):
    answers, respondents = make_frames()
    other_answers, other_respondents = make_frames(4, seed=3, prefix="o")
    project.import_answers("other", "Other", "x", sources(), other_answers, other_respondents)
    do_import(project, answers, respondents)
    do_import(project, answers.iloc[:3], respondents, srcs=sources(sha1="d" * 64))
    got_answers, got_respondents = project.load_answers("other")
    pd.testing.assert_frame_equal(got_answers, other_answers)
    pd.testing.assert_frame_equal(got_respondents, other_respondents)
    assert len(project.load_answers("uoc-2023")[0]) == 3
    assert project.studies()["id"].tolist() == ["other", "uoc-2023"]


# -- atomicity -----------------------------------------------------------------------------


def test_duplicate_respondent_id_fails_and_leaves_the_database_as_it_was(project, url):
    answers, respondents = make_frames()
    do_import(project, answers, respondents)
    before = dump(url)
    bad = pd.concat([respondents, respondents.iloc[[1]]], ignore_index=True)
    with pytest.raises(StoreError, match="appear more than once") as info:
        do_import(project, answers, bad, srcs=sources(sha1="e" * 64))
    assert "one at s1 row 3, s1 row 3" in str(info.value)
    assert "r0001" not in str(info.value)  # ids may be e-mail addresses: not shown
    assert dump(url) == before


def test_first_import_failing_leaves_no_study(project, url):
    answers, respondents = make_frames()
    before = dump(url)
    bad = pd.concat([respondents, respondents.iloc[[0]]], ignore_index=True)
    with pytest.raises(StoreError):
        do_import(project, answers, bad)
    assert dump(url) == before
    assert project.studies().empty
    with pytest.raises(StoreError, match="has not been imported"):
        project.load_answers("uoc-2023")


@pytest.mark.parametrize("failure", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_failure_after_rows_were_written_rolls_everything_back(project, url, monkeypatch, failure):
    monkeypatch.setattr(project_module, "CHUNK_ROWS", 5)
    answers, respondents = make_frames(12)
    do_import(project, answers, respondents)
    before = dump(url)

    new_answers, new_respondents = make_frames(9, seed=2, prefix="n")
    real_add = project_module._Ticker.add

    def add_then_fail(self, n):
        real_add(self, n)
        # respondents done and at least one batch of answers written
        if self.done > len(new_respondents) + 5:
            raise failure

    monkeypatch.setattr(project_module._Ticker, "add", add_then_fail)
    with pytest.raises(type(failure)):
        do_import(project, new_answers, new_respondents, srcs=sources(sha1="f" * 64))
    monkeypatch.undo()
    assert dump(url) == before
    engine = engine_for(url)  # the index dropped for the bulk insert is back too
    indexes = {i["name"] for i in sa.inspect(engine).get_indexes("answers")}
    engine.dispose()
    assert "ix_answers_study_item" in indexes
    got_answers, _ = project.load_answers("uoc-2023")
    pd.testing.assert_frame_equal(got_answers, answers)


def test_failing_insert_of_answers_rolls_back_respondents(project, url, monkeypatch):
    answers, respondents = make_frames()
    do_import(project, answers, respondents)
    before = dump(url)
    real_insert = project_module._insert_frame

    def insert(conn, table, frame, *args, **kwargs):
        if table is schema.answers:
            raise OSError("no space left on device")
        return real_insert(conn, table, frame, *args, **kwargs)

    monkeypatch.setattr(project_module, "_insert_frame", insert)
    with pytest.raises(OSError):
        do_import(project, answers.iloc[:2], respondents.iloc[:2], srcs=sources(sha1="0" * 64))
    assert dump(url) == before


# -- input checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a, r: (a.drop(columns="row"), r), "missing: row"),
        (lambda a, r: (a.assign(email="x"), r), "unexpected: email"),
        (lambda a, r: (a.assign(value=a["value"].astype(str)), r), "value must be numeric"),
        (lambda a, r: (a, r.assign(row=r["row"].astype(float))), "row must hold integers"),
        (lambda a, r: (a.assign(source_id="s9"), r), "s9"),
        (lambda a, r: (a.to_dict(), r), "must be a pandas DataFrame"),
    ],
)
def test_bad_frames_raise_store_error_before_writing(project, url, change, message):
    answers, respondents = make_frames()
    before = dump(url)
    bad_answers, bad_respondents = change(answers, respondents)
    with pytest.raises(StoreError, match=message):
        do_import(project, bad_answers, bad_respondents)
    assert dump(url) == before


def test_null_in_a_required_column_is_a_store_error(project, url):
    answers, respondents = make_frames()
    answers.loc[3, "item_id"] = None
    with pytest.raises(StoreError, match="constraint") as info:
        do_import(project, answers, respondents)
    assert isinstance(info.value, MicrocredError)
    assert "Vull" not in str(info.value) and "HYPERLINK" not in str(info.value)


def test_repeated_source_id_is_refused(project):
    answers, respondents = make_frames()
    with pytest.raises(StoreError, match="more than once: s1"):
        do_import(project, answers, respondents, srcs=[*sources(), sources()[0]])


# -- SQLite specifics ----------------------------------------------------------------------


def test_default_url_is_a_sqlite_file_in_the_output_folder(tmp_path):
    out = tmp_path / "out dir"
    url = Project.default_url(out)
    assert url == f"sqlite:///{out / 'microcred.db'}"
    answers, respondents = make_frames()
    with Project(url) as project:
        do_import(project, answers, respondents)
    assert (out / "microcred.db").is_file()
    con = sqlite3.connect(out / "microcred.db")
    try:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM answers").fetchone() == (len(answers),)
        indexes = {row[1] for row in con.execute("PRAGMA index_list('answers')")}
        assert "ix_answers_study_item" in indexes
    finally:
        con.close()


def test_relative_default_url_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Project.default_url(Path("out")) == f"sqlite:///{tmp_path / 'out' / 'microcred.db'}"


def test_import_waiting_on_a_locked_database_fails_cleanly(tmp_path):
    path = tmp_path / "p.db"
    url = f"sqlite:///{path}"
    answers, respondents = make_frames()
    with Project(url, busy_timeout=0.2) as project:
        before = dump(url)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreBusyError, match="another process") as info:
                do_import(project, answers, respondents)
            assert isinstance(info.value, StoreError)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert dump(url) == before
        assert do_import(project, answers, respondents).status == "imported"


def test_schema_version_mismatch_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    Project(url).close()
    con = sqlite3.connect(tmp_path / "p.db")
    con.execute("UPDATE schema_version SET version = 99")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="schema version"):
        Project(url)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(StoreError, match="notes.db"):
        Project(f"sqlite:///{path}")


def test_in_memory_database_works():
    with Project("sqlite://") as project:
        answers, respondents = make_frames()
        do_import(project, answers, respondents)
        pd.testing.assert_frame_equal(project.load_answers("uoc-2023")[0], answers)


# -- URLs and passwords --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://ana:s3cr3t@db.example.org:5432/microcred",
            "postgresql://ana:***@db.example.org:5432/microcred",
        ),
        ("postgresql+psycopg2://ana:p%40ss@host/db", "postgresql+psycopg2://ana:***@host/db"),
        ("postgresql://ana@host/db", "postgresql://ana@host/db"),
        ("sqlite:////tmp/x/microcred.db", "sqlite:////tmp/x/microcred.db"),
        ("not a url ana:s3cr3t@host", "not a url ana:***@host"),
        ("weird://ana:s3@cr3t@host:port/x", "weird://ana:***@host:port/x"),
    ],
)
def test_redacted_url_hides_passwords(url, shown):
    assert redacted_url(url) == shown


def test_connection_errors_never_show_the_password():
    with pytest.raises(StoreError) as info:
        Project("postgresql://ana:s3cr3t@127.0.0.1:1/microcred", busy_timeout=1)
    assert "s3cr3t" not in str(info.value)
    assert "ana:***@127.0.0.1:1" in str(info.value)
    assert "s3cr3t" not in repr(info.value.__cause__)


@pytest.mark.parametrize("url", ["nonsense", "nodriver+nope://ana:s3cr3t@host/db"])
def test_unusable_urls_are_store_errors(url):
    with pytest.raises(StoreError) as info:
        Project(url)
    assert "s3cr3t" not in str(info.value)


def test_repr_hides_the_password(tmp_path):
    with Project(f"sqlite:///{tmp_path / 'p.db'}") as project:
        assert repr(project) == f"Project('sqlite:///{tmp_path / 'p.db'}')"


def test_redacted_url_masks_an_unescaped_at_sign_in_the_password():
    shown = redacted_url("postgresql://ana:s3@cr3t@host/db")
    assert "s3" not in shown and "cr3t" not in shown
    assert shown == "postgresql://ana:***@host/db"
