"""Read every source of a study into one long answers table plus a validation report."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from microcred.errors import InputError
from microcred.ingest.mapping import empty_answers, map_source
from microcred.ingest.validate import Issue, ValidationReport
from microcred.study.models import Study

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; ``stage`` names the source being read."""


@dataclass(frozen=True)
class InputFile:
    """One source file as read: where it is, its SHA-256, its format and size."""

    source_id: str
    path: str
    sha256: str
    format: str
    n_rows: int


@dataclass
class Ingested:
    """All sources of a study, merged.

    Attributes
    ----------
    answers : pandas.DataFrame
        Long form (:data:`~microcred.ingest.answers.ANSWER_COLUMNS`).
    respondents : pandas.DataFrame
        One row per respondent (:data:`~microcred.ingest.answers.RESPONDENT_COLUMNS`).
    report : ValidationReport
        Every problem found.
    files : list of InputFile
        The files read, in the study's source order.
    asked : dict of str -> set of str
        Item id -> ids of the sources that contain it.
    """

    answers: pd.DataFrame
    respondents: pd.DataFrame
    report: ValidationReport
    files: list[InputFile] = field(default_factory=list)
    asked: dict[str, set[str]] = field(default_factory=dict)


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _guessed_encoding(file: str, source_id: str, codec: str) -> Issue:
    """The warning that a source's code page was guessed, and how to declare it."""
    from microcred.ingest.encoding import describe

    return Issue(
        severity="warning",
        kind="guessed_encoding",
        message=f"the file is not UTF-8; its encoding was guessed as {describe(codec)}: "
        "if accented letters look wrong in the report, save the file as UTF-8 or declare "
        f"its encoding on source {source_id!r} in the study file (encoding: cp1250, "
        "for example)",
        file=file,
    )


def read(study: Study, progress: Progress | None = None) -> Ingested:
    """Read, map and validate every source of ``study``; nothing is stored.

    Parameters
    ----------
    study : Study
        The instrument, with ``base_dir`` set (as :func:`microcred.study.load` does).
    progress : callable, optional
        Called as ``progress(source_id, done, total)`` after each source.

    Returns
    -------
    Ingested
        Merged answers and respondents of all sources and the validation report.
        Respondent ids repeated across sources are reported as ``duplicate_id``
        errors and only the first is kept; a text source whose code page was
        guessed (not UTF-8, no encoding declared) gives a ``guessed_encoding``
        warning.

    Raises
    ------
    InputError
        A source file is missing or cannot be read as declared (truncated, wrong
        delimiter, undecodable), naming the file, row and column.
    """
    from microcred.ingest.detect import read_table

    report = ValidationReport()
    answers: list[pd.DataFrame] = []
    respondents: list[pd.DataFrame] = []
    files: list[InputFile] = []
    asked: dict[str, set[str]] = {item.id: set() for item in study.items}
    for done, source in enumerate(study.sources, start=1):
        path = study.source_path(source)
        if not path.is_file():
            raise InputError(str(path), f"source {source.id!r}: file not found")
        raw = read_table(path, source)
        if raw.guessed_encoding is not None:
            report.add(_guessed_encoding(str(path), source.id, raw.guessed_encoding))
        mapped = map_source(study, source, raw, report)
        answers.append(mapped.answers)
        respondents.append(mapped.respondents)
        for item_id in mapped.asked:
            asked[item_id].add(source.id)
        files.append(InputFile(source.id, str(path), sha256_of(path), raw.format, len(raw.data)))
        if progress is not None:
            progress(source.id, done, len(study.sources))

    people = pd.concat(respondents, ignore_index=True)
    merged = pd.concat(answers, ignore_index=True) if answers else empty_answers()
    repeated = people["respondent_id"].duplicated(keep="first").to_numpy()
    if repeated.any():
        for (source_id, rid), group in people[repeated].groupby(["source_id", "respondent_id"]):
            report.add(
                Issue(
                    severity="error",
                    kind="duplicate_id",
                    message="duplicate respondent id: already used in an earlier source; "
                    "only the first is kept",
                    file=next(f.path for f in files if f.source_id == source_id),
                    value=str(rid),
                    rows=group["row"].astype(int).tolist()[:20],
                    count=len(group),
                )
            )
        dropped = people[repeated][["source_id", "respondent_id"]]
        key = pd.MultiIndex.from_frame(merged[["source_id", "respondent_id"]])
        drop_key = pd.MultiIndex.from_frame(dropped)
        merged = merged[~np.asarray(key.isin(drop_key))].reset_index(drop=True)
        people = people[~repeated].reset_index(drop=True)
    return Ingested(merged, people, report, files, asked)
