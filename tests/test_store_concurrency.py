"""Two processes importing into one project database at the same time.

Expected behaviour (SQLite: WAL + busy timeout + ``BEGIN IMMEDIATE``, see
https://sqlite.org/wal.html and https://sqlite.org/lang_transaction.html; PostgreSQL:
``pg_advisory_xact_lock`` + ``lock_timeout``): both imports land one after the other,
or the one that waited past its busy timeout fails with ``StoreBusyError`` and writes
nothing. Never a mix of the two imports' rows.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("MICROCRED_TEST_PG_URL")
TIMEOUT = 120  # seconds; only a guard against a hung child, never an assertion


def frames(prefix: str, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` respondents with 5 answers each; ids start with ``prefix``."""
    ids = [f"{prefix}{i:05d}" for i in range(n)]
    respondents = pd.DataFrame(
        {
            "respondent_id": ids,
            "source_id": "s1",
            "row": range(2, n + 2),
            "language": "en",
            "submitted_at": "2023-05-01T09:00:00",
            "finished": pd.array([True] * n, dtype="boolean"),
        }
    )
    items = ["q1", "q2", "q3", "q4", "q5"]
    answers = pd.DataFrame(
        {
            "respondent_id": [r for r in ids for _ in items],
            "item_id": items * n,
            "option_id": [f"o{j % 3}" for j in range(5 * n)],
            "value": [float(j % 5 + 1) for j in range(5 * n)],
            "text": pd.Series([None] * (5 * n), dtype=object),
            "missing": pd.Series([None] * (5 * n), dtype=object),
            "source_id": "s1",
            "row": [r for r in range(2, n + 2) for _ in items],
        }
    )
    return answers, respondents


def _import(
    url: str,
    prefix: str,
    sha: str,
    start: Any,
    results: Any,
    busy_timeout: float = 60.0,
    started: Any = None,
    release: Any = None,
) -> None:
    """Child process: wait for ``start``, import, report (status or error) on ``results``."""
    from microcred.store import Project, SourceFile
    from microcred.store import project as project_module

    project_module.CHUNK_ROWS = 500  # many batches, so the two imports can interleave
    answers, respondents = frames(prefix, 3000)
    source = [SourceFile("s1", f"{prefix}.csv", sha, "csv", len(respondents))]

    def progress(done: int, total: int) -> None:
        if started is not None and done > 0:
            started.set()
            release.wait(TIMEOUT)  # hold the write lock until the other process gave up

    start.wait(TIMEOUT)
    try:
        with Project(url, busy_timeout=busy_timeout) as project:
            run = project.import_answers(
                "study",
                "Study",
                "h",
                source,
                answers,
                respondents,
                progress=progress if started is not None else None,
            )
        results.put((prefix, run.status, run.n_answers))
    except Exception as exc:  # reported to the parent, which asserts on it
        results.put((prefix, type(exc).__name__, str(exc)))
    finally:
        if release is not None and started is None:
            release.set()


@pytest.fixture(params=["sqlite", "pg"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    if not PG_URL:
        pytest.skip("MICROCRED_TEST_PG_URL not set")
    from microcred.store import schema

    parsed = sa.make_url(PG_URL)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    engine = sa.create_engine(parsed)
    schema.metadata.drop_all(engine)
    engine.dispose()
    return PG_URL


def _run(processes: list[multiprocessing.process.BaseProcess], start: Any, results: Any):
    for p in processes:
        p.start()
    start.set()
    out = []
    for _ in processes:
        try:
            out.append(results.get(timeout=TIMEOUT))
        except queue.Empty:
            break
    for p in processes:
        p.join(TIMEOUT)
        if p.is_alive():
            p.terminate()
    return sorted(out)


def _stored(url: str) -> tuple[set[str], int, list[str]]:
    from microcred.store import Project

    with Project(url) as project:
        answers, respondents = project.load_answers("study")
        statuses = project.import_runs("study")["status"].tolist()
    prefixes = {rid[0] for rid in respondents["respondent_id"]} | {
        rid[0] for rid in answers["respondent_id"]
    }
    return prefixes, len(answers), statuses


def test_two_concurrent_imports_both_land_one_after_the_other(url):
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    processes = [
        ctx.Process(target=_import, args=(url, prefix, sha, start, results))
        for prefix, sha in (("a", "1" * 64), ("b", "2" * 64))
    ]
    out = _run(processes, start, results)
    assert out == [("a", "imported", 15000), ("b", "imported", 15000)]
    prefixes, n_answers, statuses = _stored(url)
    assert len(prefixes) == 1  # all rows from one import, never a mix
    assert n_answers == 15000
    assert statuses == ["imported", "imported"]


def test_two_concurrent_identical_imports_store_the_data_once(url):
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    processes = [
        ctx.Process(target=_import, args=(url, "a", "1" * 64, start, results)) for _ in range(2)
    ]
    out = _run(processes, start, results)
    assert sorted(status for _, status, _ in out) == ["imported", "unchanged"]
    assert [n for _, _, n in out] == [15000, 15000]
    prefixes, n_answers, statuses = _stored(url)
    assert (prefixes, n_answers, statuses) == ({"a"}, 15000, ["imported", "unchanged"])


def test_an_import_that_waits_too_long_fails_cleanly(url):
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    started, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(
        target=_import,
        args=(url, "a", "1" * 64, start, results),
        kwargs={"started": started, "release": release},
    )
    holder.start()
    start.set()
    assert started.wait(TIMEOUT), "the first import never started writing"
    waiter = ctx.Process(
        target=_import,
        args=(url, "b", "2" * 64, start, results),
        kwargs={"busy_timeout": 0.3, "release": release},
    )
    waiter.start()
    out = []
    for _ in range(2):
        out.append(results.get(timeout=TIMEOUT))
    for p in (holder, waiter):
        p.join(TIMEOUT)
    out.sort()
    assert out[0] == ("a", "imported", 15000)
    assert out[1][:2] == ("b", "StoreBusyError")
    assert "another process" in out[1][2] and "nothing was written" in out[1][2]
    prefixes, n_answers, statuses = _stored(url)
    assert (prefixes, n_answers, statuses) == ({"a"}, 15000, ["imported"])
