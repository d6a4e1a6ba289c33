"""No data lost: an import killed with SIGKILL, and two imports at once on one SQLite file.

The import runs in a child process (reading and storing as ``microcred.pipeline.run``
does, or the ``microcred`` command itself). A store progress hook writes a marker file once the
import has written rows inside its transaction, then waits, so the kill lands while the
write transaction is open and the ``-wal`` file holds uncommitted pages. SQLite's
atomic commit (https://sqlite.org/atomiccommit.html, https://sqlite.org/wal.html) must
then leave the database exactly as it was: every table compared row by row with a
snapshot taken before.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

STUDY = """\
study: {{id: crash, title: Crash safety}}
sources:
  - {{id: s1, path: {data}, format: csv}}
respondent_id: {{column: id}}
items:
  - id: motivation
    type: single_choice
    column: Why did you enrol?
    options:
      - {{id: personal_interest, labels: Personal interest}}
      - {{id: career, labels: Career}}
      - {{id: other_reason, labels: Other}}
  - id: worth
    type: likert
    column: Worth it
    scale: {{min: 1, max: 5}}
  - id: hours
    type: numeric
    column: Hours per week
    min: 0
    max: 80
"""


def write_data(path: Path, n: int, seed: int, prefix: str) -> None:
    """``n`` respondents with ids ``<prefix>000001``..., three answers each."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": [f"{prefix}{i:06d}" for i in range(1, n + 1)],
            "Why did you enrol?": rng.choice(["Personal interest", "Career", "Other"], n),
            "Worth it": rng.integers(1, 6, n).astype(str),
            "Hours per week": rng.integers(0, 81, n).astype(str),
        }
    )
    frame.to_csv(path, index=False)


def write_study(folder: Path, data: str, name: str = "study.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    study = folder / name
    study.write_text(STUDY.format(data=data), encoding="utf-8")
    return study


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (and the schema), in a stable order."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        out: dict[str, list[tuple[object, ...]]] = {
            "sqlite_master": sorted(
                con.execute("select type, name, tbl_name, sql from sqlite_master").fetchall(),
                key=repr,
            )
        }
        names = [r[0] for r in con.execute(
            "select name from sqlite_master where type='table' and name not like 'sqlite_%'"
        )]
        for name in names:
            out[name] = sorted(con.execute(f'select * from "{name}"').fetchall(), key=repr)
        return out
    finally:
        con.close()


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("pragma integrity_check").fetchone()[0]
    finally:
        con.close()


def counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        return {
            t: con.execute(f'select count(*) from "{t}"').fetchone()[0]
            for t in ("respondents", "answers", "source_files", "import_runs")
        }
    finally:
        con.close()


IMPORT = """
import sys, time
from pathlib import Path
from microcred import ingest, store, study
from microcred.ingest.read import sha256_of

study_path, url, marker = sys.argv[1], sys.argv[2], sys.argv[3:]

def progress(done, total):
    if marker and done > 0 and not Path(marker[0]).exists():
        # rows are written inside the open transaction: say so, then hold it open until
        # killed, or until told to go on (a ".release" file beside the marker)
        Path(marker[0]).write_text(f"{done} {total}")
        release = Path(marker[0]).with_suffix(".release")
        deadline = time.monotonic() + 600
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

instrument = study.load(study_path)
data = ingest.read(instrument)
with store.Project(url) as project:
    project.import_answers(
        instrument.study.id, instrument.study.title, sha256_of(Path(study_path)),
        [store.SourceFile(f.source_id, f.path, f.sha256, f.format, f.n_rows) for f in data.files],
        data.answers, data.respondents, progress=progress,
    )
"""
"""Read a study and import it, as ``microcred.pipeline.run`` does before its analysis."""


def run_import(study: Path, db: Path) -> None:
    """A normal, complete import in a child process."""
    subprocess.run(
        [sys.executable, "-c", IMPORT, str(study), f"sqlite:///{db}"],
        check=True, cwd=ROOT, timeout=600,
    )


def kill_mid_import(study: Path, db: Path, tmp: Path) -> str:
    """Start an import, SIGKILL it once it has written rows; return what the marker said."""
    marker = tmp / "writing.marker"
    marker.unlink(missing_ok=True)
    child = subprocess.Popen(
        [sys.executable, "-c", IMPORT, str(study), f"sqlite:///{db}", str(marker)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 300
        while not marker.exists():
            if child.poll() is not None:
                err = child.stderr.read().decode() if child.stderr else ""
                pytest.fail(f"the import ended before writing (exit {child.returncode}): {err}")
            if time.monotonic() > deadline:
                pytest.fail("the import did not start writing within 300 s")
            time.sleep(0.05)
        time.sleep(0.2)  # let the marker's content land
        wal = Path(f"{db}-wal")
        assert wal.exists() and wal.stat().st_size > 0, "the import wrote nothing to the WAL"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return marker.read_text()


@pytest.mark.parametrize("previous", [None, "earlier import of other data"])
def test_import_killed_mid_write_leaves_the_database_exactly_as_before(tmp_path, previous):
    db = tmp_path / "project.db"
    folder = tmp_path / "study"
    folder.mkdir()
    if previous:
        write_data(folder / "small.csv", 1_000, seed=1, prefix="old")
        run_import(write_study(folder, "small.csv", "old.yaml"), db)
    else:
        from microcred.store import Project

        Project(f"sqlite:///{db}").close()  # an empty project: the tables, no study
    before = snapshot(db)
    if previous:
        assert len(before["respondents"]) == 1_000

    write_data(folder / "big.csv", 200_000, seed=2, prefix="new")
    study = write_study(folder, "big.csv")
    said = kill_mid_import(study, db, tmp_path)
    done, total = map(int, said.split())
    assert 0 < done < total == 200_000 + 3 * 200_000  # killed mid-write, not after

    assert integrity(db) == "ok"
    assert snapshot(db) == before  # every table, row for row: nothing half-written

    run_import(study, db)  # and the next import succeeds
    after = counts(db)
    assert after["respondents"] == 200_000
    assert after["answers"] == 600_000
    assert after["source_files"] == 1
    con = sqlite3.connect(db)
    try:
        ids = {r[0] for r in con.execute("select respondent_id from respondents")}
    finally:
        con.close()
    assert len(ids) == 200_000 and all(i.startswith("new") for i in ids)
    assert integrity(db) == "ok"


# --------------------------------------------------------------------------- concurrency

CLI_WITH_SHORT_WAIT = """
import sys
from microcred.store import project
project.Project.__init__.__kwdefaults__["busy_timeout"] = float(sys.argv[1])
sys.argv = ["microcred", *sys.argv[2:]]
from microcred.cli import main
main()
"""


def cli(*args: str, busy_timeout: float | None = None) -> subprocess.Popen[bytes]:
    if busy_timeout is None:
        command = [sys.executable, "-m", "microcred", *args]
    else:
        command = [sys.executable, "-c", CLI_WITH_SHORT_WAIT, str(busy_timeout), *args]
    env = {k: v for k, v in os.environ.items() if k != "MICROCRED_DB"}
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )


def stored_state(db: Path) -> tuple[set[str], int, str, int]:
    """(respondent ids, answers, sha256 of the stored source, respondents of the last run)."""
    con = sqlite3.connect(db)
    try:
        ids = {r[0] for r in con.execute("select respondent_id from respondents")}
        n_answers = con.execute("select count(*) from answers").fetchone()[0]
        (sha,) = con.execute("select sha256 from source_files").fetchone()
        (last,) = con.execute(
            "select n_respondents from import_runs where status = 'imported' "
            "order by id desc limit 1"
        ).fetchone()
        assert con.execute("select count(*) from source_files").fetchone()[0] == 1
        assert con.execute("select count(*) from studies").fetchone()[0] == 1
        orphans = con.execute(
            "select count(*) from answers a left join respondents r "
            "on a.study_id = r.study_id and a.respondent_id = r.respondent_id "
            "where r.respondent_id is null"
        ).fetchone()[0]
        assert orphans == 0
        return ids, n_answers, sha, last
    finally:
        con.close()


def _two_studies(tmp_path: Path, n_a: int, n_b: int) -> tuple[Path, Path, dict[str, set[str]]]:
    from microcred.ingest.read import sha256_of

    folder = tmp_path / "study"
    folder.mkdir()
    write_data(folder / "a.csv", n_a, seed=3, prefix="a")
    write_data(folder / "b.csv", n_b, seed=4, prefix="b")
    expected = {
        sha256_of(folder / "a.csv"): {f"a{i:06d}" for i in range(1, n_a + 1)},
        sha256_of(folder / "b.csv"): {f"b{i:06d}" for i in range(1, n_b + 1)},
    }
    return write_study(folder, "a.csv", "a.yaml"), write_study(folder, "b.csv", "b.yaml"), expected


def check_one_consistent_state(db: Path, expected: dict[str, set[str]]) -> None:
    assert integrity(db) == "ok"
    ids, n_answers, sha, last = stored_state(db)
    assert sha in expected
    assert ids == expected[sha]  # the respondents of exactly the file recorded as stored
    assert n_answers == 3 * len(ids)
    assert last == len(ids)


def test_two_cli_imports_at_once_both_land_or_one_fails_cleanly(tmp_path):
    study_a, study_b, expected = _two_studies(tmp_path, 15_000, 20_000)
    db = tmp_path / "shared.db"
    url = f"sqlite:///{db}"
    runs = [
        cli("run", str(study_a), "--out", str(tmp_path / "out-a"), "--db", url, "--quiet"),
        cli("run", str(study_b), "--out", str(tmp_path / "out-b"), "--db", url, "--quiet"),
    ]
    results = []
    for process in runs:
        out, err = process.communicate(timeout=900)
        results.append((process.returncode, out.decode(), err.decode()))
    for code, _out, err in results:
        assert code in (0, 2), err
        assert "Traceback" not in err
        if code == 2:
            assert err.startswith("error: ") and "nothing was written" in err
    assert any(code == 0 for code, _, _ in results)
    check_one_consistent_state(db, expected)


def test_import_blocked_by_another_fails_cleanly_with_exit_code_2(tmp_path):
    study_a, study_b, expected = _two_studies(tmp_path, 20_000, 1_000)
    db = tmp_path / "shared.db"
    url = f"sqlite:///{db}"
    marker = tmp_path / "holding.marker"
    holder = subprocess.Popen(  # an import that holds the write lock until released
        [sys.executable, "-c", IMPORT, str(study_a), url, str(marker)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert holder.poll() is None, holder.stderr.read().decode() if holder.stderr else ""
        assert time.monotonic() < deadline, "the first import never started writing"
        time.sleep(0.05)
    blocked = cli(
        "run", str(study_b), "--out", str(tmp_path / "out-b"), "--db", url, "--quiet",
        busy_timeout=0.5,
    )
    out, err = blocked.communicate(timeout=300)
    marker.with_suffix(".release").write_text("go on")
    holder_out, holder_err = holder.communicate(timeout=600)
    assert holder.returncode == 0, holder_err.decode()
    assert blocked.returncode == 2, err.decode()
    message = err.decode()
    assert message.startswith("error: ") and "Traceback" not in message
    assert "another process is using the database" in message
    assert "nothing was written" in message
    check_one_consistent_state(db, expected)
    ids, _, _, _ = stored_state(db)
    assert next(iter(ids)).startswith("a")  # the holder's data, untouched by the other

    run_import(study_b, db)  # once the lock is free, it lands
    check_one_consistent_state(db, expected)
    ids, _, _, _ = stored_state(db)
    assert next(iter(ids)).startswith("b")
