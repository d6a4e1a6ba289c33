"""Run one fuzz input through one importer and judge the outcome.

An outcome is acceptable when the importer either raises a
:class:`microcred.errors.MicrocredError` with a message, or returns a result that keeps
its contract (shapes, types, row numbers) and, for a well-formed export, equals what was
written. Anything else -- another exception type, a broken result, a valid export
rejected, a run longer than the time limit -- is a :class:`Crash`.
"""

from __future__ import annotations

import contextlib
import math
import signal
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fuzz.inputs import MAPPING_STUDY, READ_TABLE_FORMATS, Expected, FuzzInput

__all__ = ["Crash", "FuzzTimeout", "run_input", "time_limit"]


class FuzzTimeout(BaseException):
    """The input ran past the time limit (a BaseException so no ``except Exception`` eats it)."""


class Crash(Exception):
    """An unacceptable outcome.

    Parameters
    ----------
    kind : str
        ``exception`` (not a MicrocredError), ``oracle`` (a wrong result), ``hang``.
    detail : str
        Exception type and message, or what differs.
    where : str
        ``file:line`` of the innermost frame, used to group crashes.
    trace : str
        The formatted traceback (empty for oracle failures).
    """

    def __init__(self, kind: str, detail: str, where: str = "", trace: str = ""):
        self.kind = kind
        self.detail = detail
        self.where = where
        self.trace = trace
        super().__init__(f"{kind}: {detail} at {where}" if where else f"{kind}: {detail}")

    @property
    def signature(self) -> str:
        """What groups crashes of the same cause."""
        head = self.detail.split(":", 1)[0] if self.kind != "oracle" else self.detail[:60]
        return f"{self.kind}|{head}|{self.where}"


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`FuzzTimeout` in this (main) thread after ``seconds`` of wall time.

    Notes
    -----
    Uses ``SIGALRM`` via :func:`signal.setitimer`; it interrupts Python code, not a
    long call inside a C extension (the runner's watchdog process catches those).
    """
    if seconds <= 0:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise FuzzTimeout(f"more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _innermost(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    frame = frames[-1]
    name = frame.filename
    for marker in ("site-packages/", "src/"):
        if marker in name:
            name = name.split(marker, 1)[1]
    return f"{name}:{frame.lineno}"


def _crash_from(error: BaseException) -> Crash:
    if isinstance(error, FuzzTimeout):
        return Crash("hang", f"FuzzTimeout: {error}", _innermost(error),
                     "".join(traceback.format_exception(error)))
    message = str(error).splitlines()[0][:300] if str(error) else ""
    return Crash(
        "exception",
        f"{type(error).__module__}.{type(error).__qualname__}: {message}",
        _innermost(error),
        "".join(traceback.format_exception(error)),
    )


def run_input(importer: str, item: FuzzInput, workdir: Path, timeout: float = 0) -> str:
    """Run ``item`` through ``importer`` in ``workdir``.

    Parameters
    ----------
    importer : str
        A declared format (``read_table``), ``mapping`` (``microcred.ingest.read``) or
        ``study`` (``microcred.study.load``).
    item : FuzzInput
        The input.
    workdir : pathlib.Path
        An empty scratch folder (the file is written there).
    timeout : float
        Seconds before the run counts as a hang (0: no limit).

    Returns
    -------
    str
        ``"imported"`` or ``"rejected"`` (a MicrocredError with a message).

    Raises
    ------
    Crash
        Any unacceptable outcome.
    """
    from microcred.errors import MicrocredError

    path = workdir / item.name
    path.write_bytes(item.data)
    try:
        with time_limit(timeout):
            if importer in READ_TABLE_FORMATS:
                result: Any = _read_table(path, item)
            elif importer == "mapping":
                result = _mapping(path, item, workdir)
            elif importer == "study":
                result = _study(path)
            else:
                raise ValueError(f"unknown importer {importer!r}")
    except MicrocredError as error:
        if not str(error).strip():
            raise Crash("oracle", f"{type(error).__name__} without a message") from None
        if item.expect is not None or item.study_valid:
            raise Crash(
                "oracle", f"a well-formed input was rejected: {type(error).__name__}: "
                f"{str(error)[:200]}"
            ) from None
        return "rejected"
    except Crash:
        raise
    except (Exception, FuzzTimeout, RecursionError, MemoryError) as error:
        raise _crash_from(error) from None
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    del result
    return "imported"


# --------------------------------------------------------------------------- read_table

def _read_table(path: Path, item: FuzzInput) -> Any:
    from microcred.ingest.detect import read_table
    from microcred.study.models import Source

    source = Source.model_validate({"id": "s", "path": path.name, **item.source})
    raw = read_table(path, source)
    check_raw(raw, item.expect)
    return raw


def _is_na(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        type(value).__name__ in ("NAType", "NaTType")
    )


def check_raw(raw: Any, expect: Expected | None) -> None:
    """Check a RawTable against its contract and, if given, the expected grid.

    Raises
    ------
    Crash
        ``oracle`` with what is wrong.
    """
    import pandas as pd

    from microcred.ingest.table import RawTable

    def fail(message: str) -> None:
        raise Crash("oracle", message)

    if not isinstance(raw, RawTable):
        fail(f"read_table returned {type(raw).__name__}")
    n_cols = len(raw.headers)
    if raw.format not in ("google-forms", "limesurvey", "qualtrics", "csv", "tsv", "xlsx", "sav"):
        fail(f"unknown format {raw.format!r}")
    if not all(isinstance(h, str) for h in raw.headers):
        fail("a header is not text")
    if raw.data.shape[1] != n_cols or list(raw.data.columns) != list(range(n_cols)):
        fail(f"{n_cols} headers but data columns {list(raw.data.columns)[:5]}...")
    n = len(raw.data)
    if len(raw.rows) != n:
        fail(f"{len(raw.rows)} row numbers for {n} responses")
    if any(not isinstance(r, int) for r in raw.rows):
        fail("a row number is not an int")
    if any(b <= a for a, b in zip(raw.rows, raw.rows[1:], strict=False)) or (
        raw.rows and raw.rows[0] < 1
    ):
        fail("row numbers not strictly increasing from 1")
    if len(raw.texts) != n_cols or len(raw.codes) != n_cols:
        fail("texts/codes do not have one entry per column")
    for value in raw.data.to_numpy(dtype=object).ravel().tolist():
        if not (_is_na(value) or (isinstance(value, str) and value != "")):
            fail(f"cell of type {type(value).__name__} (or an empty string) in the data")
    for name in ("finished", "submitted_at"):
        series = getattr(raw, name)
        if series is not None and len(series) != n:
            fail(f"{name} has {len(series)} values for {n} responses")
    if raw.missing is not None and raw.missing.shape != raw.data.shape:
        fail("missing does not have the shape of data")
    if not raw.system_columns <= set(range(n_cols)):
        fail("system_columns name columns that do not exist")
    if not all(0 <= c < n_cols for c in raw.value_labels):
        fail("value_labels name columns that do not exist")
    if expect is None:
        return
    if expect.layout != "generic" and raw.format != expect.layout:
        fail(f"read as {raw.format}, written as {expect.layout}")
    records = [list(r) for r in expect.records]
    width = max(len(r) for r in records)
    records = [r + [""] * (width - len(r)) for r in records]
    head, body = records[: expect.n_header], records[expect.n_header :]
    while width > 1 and not any(h[width - 1] for h in head) and not any(
        r[width - 1] for r in body
    ):
        width -= 1  # trailing columns with no header and no data are dropped
    head = [h[:width] for h in head]
    body = [r[:width] for r in body]
    want_headers = head[0]
    if expect.layout == "qualtrics" and expect.n_header == 2:
        want_headers = [
            name if tag.strip().startswith("V") and tag.strip()[1:].isdigit() else tag
            for tag, name in zip(head[0], head[1], strict=True)
        ]
    if raw.headers != want_headers:
        fail(f"headers differ: {len(raw.headers)} read, {len(want_headers)} written")
    if (
        expect.layout == "qualtrics"
        and expect.n_header == 3
        and raw.texts != [t or None for t in head[1]]
    ):
        fail("Qualtrics question texts (row 2) differ")
    got = [["" if _is_na(v) else v for v in row] for row in raw.data.to_numpy(dtype=object)
           .tolist()]
    if got != body:
        bad = next(i for i, (a, b) in enumerate(zip(got, body, strict=False)) if a != b) if len(
            got) == len(body) else None
        fail(f"cells differ ({len(got)} rows read, {len(body)} written, first bad row {bad})")
    want_rows = expect.rows[expect.n_header :]
    if raw.rows != want_rows:
        fail(f"row numbers differ: {raw.rows[:6]} read, {want_rows[:6]} written")
    del pd


# --------------------------------------------------------------------------- mapping

def _mapping(path: Path, item: FuzzInput, workdir: Path) -> Any:
    import numpy as np
    import pandas as pd

    from microcred import ingest
    from microcred.ingest.answers import ANSWER_COLUMNS, RESPONDENT_COLUMNS
    from microcred.study.models import Study

    tree = dict(MAPPING_STUDY)
    tree["sources"] = [{"id": "s", "path": path.name, **item.source}]
    study = Study.model_validate(tree).model_copy(update={"base_dir": workdir})
    result = ingest.read(study)

    def fail(message: str) -> None:
        raise Crash("oracle", message)

    answers, people = result.answers, result.respondents
    if tuple(answers.columns) != ANSWER_COLUMNS:
        fail(f"answers columns {tuple(answers.columns)}")
    if tuple(people.columns) != RESPONDENT_COLUMNS:
        fail(f"respondents columns {tuple(people.columns)}")
    if people["respondent_id"].isna().any() or people["respondent_id"].duplicated().any():
        fail("respondent ids missing or repeated")
    if not set(answers["respondent_id"]) <= set(people["respondent_id"]):
        fail("answers of respondents that are not in respondents")
    items = {i.id: i for i in study.items}
    if not set(answers["item_id"]) <= set(items):
        fail("answers to unknown items")
    for item_id, option_id in answers[["item_id", "option_id"]].dropna().itertuples(index=False):
        item_def = items[item_id]
        known = {o.id for o in item_def.effective_options()} | {item_def.other.option}
        if option_id not in known:
            fail(f"option {option_id!r} is not an option of {item_id!r}")
    values = answers["value"].to_numpy(dtype="float64", na_value=np.nan)
    if np.isinf(values).any():
        fail("an infinite value was stored")
    if not pd.api.types.is_integer_dtype(answers["row"]):
        fail(f"answers.row has dtype {answers['row'].dtype}")
    numeric = answers[answers["item_id"] == "hours"]["value"]
    if ((numeric < 0) | (numeric > 60)).any():
        fail("a numeric answer outside min/max was kept")
    likert = answers[answers["item_id"] == "agree"]["value"]
    if ((likert < 1) | (likert > 5)).any():
        fail("a Likert answer outside the scale was kept")
    if len(result.files) != 1 or result.files[0].n_rows < len(people):
        fail("files do not account for the respondents")
    for issue in result.report.issues:
        if not issue.message or not issue.file:
            fail("an issue without message or file")
    _store_round_trip(study, result)
    return result


def _store_round_trip(study: Any, result: Any) -> None:
    """Import the mapped answers into an in-memory project and read them back."""
    import pandas as pd

    from microcred.store import Project, SourceFile

    with Project("sqlite://") as project:
        project.import_answers(
            study.study.id, study.study.title, "0" * 64,
            [SourceFile(f.source_id, f.path, f.sha256, f.format, f.n_rows) for f in result.files],
            result.answers, result.respondents,
        )
        answers, people = project.load_answers(study.study.id)
    for name, got, want in (("answers", answers, result.answers),
                            ("respondents", people, result.respondents)):
        if list(got.columns) != list(want.columns) or len(got) != len(want):
            raise Crash("oracle", f"store round trip of {name}: shape or columns differ")
        for column in want.columns:
            a, b = _comparable(got[column]), _comparable(want[column])
            if a != b:
                raise Crash("oracle", f"store round trip of {name}.{column} differs")
    del pd


def _comparable(series: Any) -> list[object]:
    """Values with every kind of missing (None, NaN, NA, NaT) as None: the store keeps
    NULL as None in object columns (as pandas.read_sql does), which is not a change."""
    return [None if _is_na(v) else v for v in series.tolist()]


# --------------------------------------------------------------------------- study file

def _study(path: Path) -> Any:
    from microcred.study import Study, load

    study = load(path)
    if not isinstance(study, Study) or study.base_dir != path.resolve().parent:
        raise Crash("oracle", "load returned something other than a Study with base_dir")
    return study
