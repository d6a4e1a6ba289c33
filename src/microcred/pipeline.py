"""One reproducible run: study file -> import -> validate -> store -> analysis -> report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from microcred.errors import ValidationFailed
from microcred.ingest.validate import ValidationReport

if TYPE_CHECKING:
    from microcred.ingest.read import Ingested
    from microcred.quant.results import QuantResults
    from microcred.study.models import Study

Progress = Callable[[str, int, int], None]

LIBRARIES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "pingouin",
    "pyreadstat",
    "openpyxl",
    "pydantic",
    "SQLAlchemy",
    "altair",
    "vl-convert-python",
    "jinja2",
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
    from microcred import report, store
    from microcred.ingest.read import sha256_of

    study_path = Path(study_path)
    out_dir = Path(out_dir)
    instrument, data, results, url, status = _analysed(
        study_path, database, out_dir, progress, strict=strict
    )
    sections, privacy = _later_stages(instrument, data, results, url, out_dir, progress)
    provenance = {
        "microcred_version": _version(),
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "libraries": library_versions(),
        "inputs": [
            {
                "source_id": f.source_id,
                "path": f.path,
                "sha256": f.sha256,
                "format": f.format,
                "n_rows": f.n_rows,
            }
            for f in data.files
        ],
        "database": store.redacted_url(url),
        "study_file": str(study_path),
        "study_sha256": sha256_of(study_path),
    }
    from microcred.privacy import load_or_create_key

    outputs = report.render(
        instrument, results, data.report, provenance, out_dir, sections=sections,
        key=load_or_create_key(url, instrument.study.id),
    )
    outputs.update(privacy)
    return RunOutcome(outputs, store.redacted_url(url), data.report, status)


def _later_stages(
    instrument: Study,
    data: Ingested,
    results: QuantResults,
    url: str,
    out_dir: Path,
    progress: Progress | None,
) -> tuple[list[Any], dict[str, Path]]:
    """Coding, privacy protection of quotes, integration and design; report sections.

    Adds their JSON to ``results.extra`` and writes the design briefs under
    ``out_dir/brief/``; returns the report sections and the brief files written. What
    is published (JSON, sections, briefs) is the shared copy of each stage's results
    (:func:`microcred.privacy.later.share_later`): small counts suppressed.
    """
    from microcred.design.render import write_brief
    from microcred.integrate.stage import integrate_study
    from microcred.privacy import PrivacySummary, share_results
    from microcred.privacy.later import share_later
    from microcred.report.mixed import integration_sections, privacy_section, qual_section

    k = instrument.privacy.k
    summary = PrivacySummary(k=k)
    summary.names_listed = len(instrument.privacy.names or [])
    sections: list[Any] = []
    qual = None
    if instrument.coding is not None:
        from microcred.qual.stage import code_study
        from microcred.store.codings import load_codings, save_codings

        _, stored = load_codings(url, instrument.study.id)
        qual = code_study(
            instrument,
            data.answers,
            data.respondents,
            cache_url=url,
            stored=stored,
            progress=progress,
        )
        save_codings(url, instrument.study.id, qual.units, qual.codings)
        _protect_quotes(instrument, qual, url, summary)
    integration = integrate_study(
        instrument, data.answers, data.respondents, results, qual, asked=data.asked
    )
    if integration.coded is not None:  # code segments join the survey's tables
        integration.coded.merge_into(results)
    # the survey tables as report.render will publish them (same results, same k), and
    # the later stages' results suppressed against them
    shared = share_results(results, k)
    shared.record(summary)
    later = share_later(qual, integration, results, shared, k)
    later.record(summary)
    if later.qual is not None:
        results.extra["qual"] = later.qual.to_dict()
        labels = {
            s.id: s.label.get("en") or next(iter(s.label.values()), s.id)
            for s in instrument.segments
        }
        sections.append(qual_section(later.qual, labels, k=k))
    results.extra["integration"] = later.integration.to_dict()
    sections.extend(integration_sections(later.integration))
    written: dict[str, Path] = {}
    folder = out_dir / "brief"
    for group, brief in later.integration.briefs.items():
        files = write_brief(
            brief,
            folder,
            stem=f"brief-{group}",
            title=instrument.design.title,
            eqf_level=instrument.design.eqf_level,
        )
        written.update({f"brief/{p.name}": p for p in files.values()})
    if folder.is_dir():  # a brief of an earlier run for a profile no longer shown
        for stale in folder.glob("brief-*"):
            if f"brief/{stale.name}" not in written and stale.suffix in (".json", ".html",
                                                                           ".docx"):  # fmt: skip
                stale.unlink()
    # the answers validation issues echo reach the report too (scrubbed by render)
    from microcred.privacy.validation import ID_KINDS, share_validation

    _, counts, n_values = share_validation(
        data.report, names=instrument.privacy.names or None, folder=instrument.base_dir
    )
    if n_values:
        summary.record_scrub(counts, n_texts=n_values, source="validation")
    summary.record_pseudonyms(
        len({i.value for i in data.report.issues if i.kind in ID_KINDS and i.value is not None})
    )
    results.extra["privacy"] = summary.as_dict()
    sections.append(privacy_section(results.extra["privacy"]))
    return sections, written


def _protect_quotes(instrument: Study, qual: Any, url: str, summary: Any) -> None:
    """Scrub identifiers from quotes, pseudonymise their respondents, withhold small groups.

    The same protection holds for the exemplar quotes of coded themes and the central
    quotes of candidate themes: a quote is withheld when its theme (or cluster) is held
    by fewer than ``privacy.k`` respondents. (The candidates' keywords come from texts
    already scrubbed: :func:`microcred.qual.stage.code_study`.)
    """
    import pandas as pd

    from microcred.privacy import load_or_create_key, pseudonymise, scrub_text

    key = load_or_create_key(url, instrument.study.id)
    k = instrument.privacy.k
    names = instrument.privacy.names or None
    sizes = dict(zip(qual.themes["code_id"], qual.themes["n"], strict=True))
    # (group, quote, respondents of the group): coded themes, then candidate themes.
    rows = [
        (("theme", code), q, sizes.get(code, 0))
        for code, quotes in qual.quotes.items()
        for q in quotes
    ] + [
        (("candidate", i), q, int(c.get("respondents", 0)))
        for i, c in enumerate(qual.candidates)
        for q in c.get("quotes", [])
    ]
    if not rows:
        return
    texts = pd.Series([q["text"] for _, q, _ in rows], dtype="object")
    scrubbed, counts = scrub_text(texts, names)
    summary.record_scrub(counts, n_texts=len(texts), source="quote")
    ids = pd.Series([q["respondent_id"] for _, q, _ in rows], dtype="object")
    known = ids.notna()
    pseudonyms = ids.copy()
    pseudonyms[known] = pseudonymise(ids[known].astype(str), key)
    summary.record_pseudonyms(int(ids[known].nunique()))
    kept: dict[tuple[str, Any], list[dict[str, Any]]] = {group: [] for group, _, _ in rows}
    withheld = 0
    for (group, quote, held_by), text, pseudonym in zip(rows, scrubbed, pseudonyms, strict=True):
        if held_by < k:
            withheld += 1
            continue
        kept[group].append({**quote, "text": text, "respondent_id": pseudonym, "unit_id": None})
    summary.record_withheld(withheld)
    qual.quotes = {code: kept.get(("theme", code), []) for code in qual.quotes}
    for i, candidate in enumerate(qual.candidates):
        if "quotes" in candidate:
            candidate["quotes"] = kept.get(("candidate", i), [])


def _version() -> str:
    from microcred import __version__

    return __version__


def _analysed(
    study_path: str | Path,
    database: str | None,
    out_dir: Path,
    progress: Progress | None,
    *,
    strict: bool = False,
) -> tuple[Study, Ingested, QuantResults, str, str]:
    """Load, validate, import (one transaction, idempotent) and analyse.

    Returns the study, the imported data, the quantitative results, the database URL
    and the import status (``imported`` or ``unchanged``). With ``strict``, raises
    :class:`ValidationFailed` before anything is stored when validation found errors.
    """
    from microcred import ingest, quant, store, study
    from microcred.ingest.read import sha256_of

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
            sha256_of(Path(study_path)),
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
    return instrument, data, results, url, imported.status


def brief(
    study_path: str | Path,
    out_dir: str | Path,
    *,
    database: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Path]:
    """Write the design briefs (whole sample and each learner profile).

    Parameters
    ----------
    study_path : str or pathlib.Path
        The study file.
    out_dir : str or pathlib.Path
        Folder for ``brief-<group>.html|docx|json``.
    database : str, optional
        SQLAlchemy URL of the project database (default SQLite in ``out_dir``).
    progress : callable, optional

    Returns
    -------
    dict of str -> pathlib.Path
        File name -> path written.

    Raises
    ------
    StudyFileError, InputError
        As :func:`run`.
    """
    from microcred.design.render import write_brief
    from microcred.integrate.stage import integrate_study
    from microcred.privacy import share_results
    from microcred.privacy.later import share_integration

    out = Path(out_dir)
    instrument, data, results, _, _ = _analysed(study_path, database, out, progress)
    integration = integrate_study(
        instrument, data.answers, data.respondents, results, asked=data.asked
    )
    # the briefs leave the project: small counts suppressed as in `run`'s briefs
    k = instrument.privacy.k
    shared = share_integration(integration, results, share_results(results, k), k)
    written: dict[str, Path] = {}
    for group, design in shared.briefs.items():
        files = write_brief(
            design,
            out,
            stem=f"brief-{group}",
            title=instrument.design.title,
            eqf_level=instrument.design.eqf_level,
        )
        written.update({p.name: p for p in files.values()})
    return written


def fit(
    study_path: str | Path,
    catalogue_path: str | Path,
    out_dir: str | Path,
    *,
    database: str | None = None,
    progress: Progress | None = None,
) -> tuple[Any, dict[str, Path]]:
    """Score a catalogue of existing courses against the study's learners.

    Parameters
    ----------
    study_path : str or pathlib.Path
        The study file.
    catalogue_path : str or pathlib.Path
        CSV or XLSX: ``title, weeks, hours_per_week, ects, modality, live_sessions,
        levels, credential`` (``price`` optional).
    out_dir : str or pathlib.Path
        Folder for ``fit.json`` and ``fit-courses.csv``.
    database : str, optional
    progress : callable, optional

    Returns
    -------
    (FitResult, dict of str -> pathlib.Path)

    Raises
    ------
    StudyFileError, InputError
        The study file or the catalogue is invalid (the catalogue error names its row
        and column).
    """
    import json

    from microcred.integrate.stage import catalogue_fit, study_profiles
    from microcred.privacy import share_fit
    from microcred.report.json_out import to_jsonable
    from microcred.report.safe import neutralise_frame

    out = Path(out_dir)
    instrument, data, _, _, _ = _analysed(study_path, database, out, progress)
    profiles, _ = study_profiles(instrument, data.answers, data.respondents)
    exact = catalogue_fit(
        instrument, data.answers, data.respondents, profiles, Path(catalogue_path)
    )
    # fit.json and fit-courses.csv leave the project: small counts suppressed
    result = share_fit(exact, profiles, instrument.privacy.k)
    json_path = out / "fit.json"
    json_path.write_text(json.dumps(to_jsonable(result.to_dict()), indent=2), encoding="utf-8")
    csv_path = out / "fit-courses.csv"
    neutralise_frame(result.courses).to_csv(csv_path, index=False, lineterminator="\r\n")
    return result, {"fit.json": json_path, "fit-courses.csv": csv_path}
