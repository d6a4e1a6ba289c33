"""One reproducible run: study file -> import -> validate -> store -> analysis -> report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from microcred.errors import ValidationFailed
from microcred.ingest.validate import ValidationReport

Progress = Callable[[str, int, int], None]

LIBRARIES = (
    "pandas", "numpy", "scipy", "statsmodels", "pingouin", "pyreadstat", "openpyxl",
    "pydantic", "SQLAlchemy", "altair", "vl-convert-python", "jinja2",
)


@dataclass
class RunOutcome:
    """What a run wrote: report paths, the database URL (password hidden), the validation."""

    outputs: dict[str, Path]
    database: str
    validation: ValidationReport
    import_status: str


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries whose results the report depends on.

    Returns
    -------
    dict of str -> str
        Distribution name -> version (``"not installed"`` when absent).
    """
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def check(study_path: str | Path, progress: Progress | None = None) -> ValidationReport:
    """Load a study and validate all its sources without storing anything.

    Parameters
    ----------
    study_path : str or pathlib.Path
        The study file.
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    ValidationReport
        Every problem found in every source.

    Raises
    ------
    StudyFileError, InputError
        The study file is invalid or a source cannot be read.
    """
    from microcred import ingest, study

    return ingest.read(study.load(study_path), progress=progress).report


def run(
    study_path: str | Path,
    out_dir: str | Path,
    *,
    database: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> RunOutcome:
    """Run the whole study and write its report.

    Parameters
    ----------
    study_path : str or pathlib.Path
        The study file.
    out_dir : str or pathlib.Path
        Folder for ``report.html``, ``results.json`` and ``tables/``; created if missing.
    database : str, optional
        SQLAlchemy URL of the project database; default a SQLite file
        ``out_dir/microcred.db``.
    strict : bool, default False
        Stop before storing anything when validation finds any error.
    progress : callable, optional
        ``progress(stage, done, total)`` for a progress bar.

    Returns
    -------
    RunOutcome

    Raises
    ------
    StudyFileError
        The study file is invalid.
    InputError
        A source cannot be read.
    ValidationFailed
        ``strict`` and validation found errors; nothing was stored or written.
    """
    from microcred import ingest, quant, report, store, study
    from microcred.ingest.read import sha256_of

    study_path = Path(study_path)
    out_dir = Path(out_dir)
    instrument = study.load(study_path)
    data = ingest.read(instrument, progress=progress)
    if strict and data.report.errors:
        raise ValidationFailed(data.report)

    out_dir.mkdir(parents=True, exist_ok=True)
    url = database or store.Project.default_url(out_dir)
    project = store.Project(url)
    try:
        imported = project.import_answers(
            instrument.study.id,
            instrument.study.title,
            sha256_of(study_path),
            [
                store.SourceFile(f.source_id, f.path, f.sha256, f.format, f.n_rows)
                for f in data.files
            ],
            data.answers,
            data.respondents,
            progress=(lambda done, total: progress("store", done, total)) if progress else None,
        )
    finally:
        project.close()

    results = quant.analyse(instrument, data.answers, data.respondents, asked=data.asked)
    provenance = {
        "microcred_version": _version(),
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "inputs": [
            {"source_id": f.source_id, "path": f.path, "sha256": f.sha256,
             "format": f.format, "n_rows": f.n_rows}
            for f in data.files
        ],
        "database": store.redacted_url(url),
        "study_file": str(study_path),
        "study_sha256": sha256_of(study_path),
    }
    outputs = report.render(instrument, results, data.report, provenance, out_dir)
    return RunOutcome(outputs, store.redacted_url(url), data.report, imported.status)


def _version() -> str:
    from microcred import __version__

    return __version__
