"""The ``microcred`` command: a thin layer, each command a few lines over one library call.

Heavy libraries are imported inside the commands so that ``microcred --help`` is fast.
Every user mistake (:class:`microcred.errors.MicrocredError`) exits with code 2 and a
message naming the file, row and column; nothing is half-written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup, TyperOption

from microcred.errors import InputError, MicrocredError, ValidationFailed


class _Group(TyperGroup):
    """A command group whose ``--help`` flag is a plain bool when not given.

    Typer coerces a flag left unset (``None``) through a pydantic ``TypeAdapter``,
    which imports pydantic (about 0.1 s) just to print ``microcred run --help``; a
    ``False`` default skips that. Help is formatted by click, without rich (another
    0.17 s of imports): see ``rich_markup_mode=None`` below.
    """

    def get_help_option(self, ctx: Any) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


app = typer.Typer(
    name="microcred",
    help="Learners' motivations and preferences for micro-credentials, from survey export "
    "to design report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=_Group,
)

StudyArg = Annotated[Path, typer.Argument(help="The study file (YAML).", show_default=False)]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy URL of the project database (e.g. postgresql://user@host/db). "
        "Default: a SQLite file microcred.db in the output folder.",
        envvar="MICROCRED_DB",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")]


def _fail(error: MicrocredError) -> None:
    if isinstance(error, ValidationFailed):
        # str(error) is the report, whose lines already start with "error:"/"warning:"
        typer.echo(str(error), err=True)
        errors = len(getattr(error.report, "errors", []))
        typer.echo(f"stopped (--strict): validation found {errors} error(s); nothing was "
                   "stored or written", err=True)
    else:
        typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code=2)


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress, TaskID

    with Progress(transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


@app.command()
def run(
    study: StudyArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    db: DatabaseOpt = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop (exit 2) if validation finds any error.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Import, validate, store, analyse and write the report of a study."""
    from microcred import pipeline

    try:
        with _progress(quiet) as progress:
            outcome = pipeline.run(study, out, database=db, strict=strict, progress=progress)
    except MicrocredError as error:
        _fail(error)
        return
    errors, warnings = len(outcome.validation.errors), len(outcome.validation.warnings)
    typer.echo(f"validation: {errors} error(s), {warnings} warning(s) (see the report)")
    typer.echo(f"database: {outcome.database} ({outcome.import_status})")
    folders: dict[str, int] = {}
    for name in outcome.outputs:
        if "/" in name:
            folder = name.split("/", 1)[0]
            folders[folder] = folders.get(folder, 0) + 1
        else:
            typer.echo(f"{name}: {out / name}")
    for folder, count in folders.items():
        typer.echo(f"{folder}: {count} file(s) in {out / folder}")


@app.command()
def validate(study: StudyArg, quiet: QuietOpt = False) -> None:
    """Check a study file and its sources; exit 2 if there is any error."""
    from microcred import pipeline

    try:
        with _progress(quiet) as progress:
            report = pipeline.check(study, progress=progress)
    except MicrocredError as error:
        _fail(error)
        return
    typer.echo(str(report))
    if report.errors:
        typer.echo(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)", err=True)
        raise typer.Exit(code=2)
    typer.echo(f"ok: 0 errors, {len(report.warnings)} warning(s)")


@app.command()
def brief(
    study: StudyArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    db: DatabaseOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write the micro-credential design brief (whole sample and each learner profile)."""
    from microcred import pipeline

    try:
        with _progress(quiet) as progress:
            written = pipeline.brief(study, out, database=db, progress=progress)
    except MicrocredError as error:
        _fail(error)
        return
    for name, path in written.items():
        typer.echo(f"{name}: {path}")


@app.command()
def fit(
    study: StudyArg,
    catalogue: Annotated[Path, typer.Argument(help="Catalogue of existing courses (CSV or XLSX).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    db: DatabaseOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Score a course catalogue against what the study's learners want."""
    from microcred import pipeline
    from microcred.report.fmt import ci, pct

    try:
        with _progress(quiet) as progress:
            result, written = pipeline.fit(study, catalogue, out, database=db, progress=progress)
    except MicrocredError as error:
        _fail(error)
        return
    for row in result.courses.itertuples():
        typer.echo(f"{pct(row.pct):>7} {ci(row.ci_low, row.ci_high):>15}  {row.title}")
    for name, path in written.items():
        typer.echo(f"{name}: {path}")


code_app = typer.Typer(
    help="Qualitative coding: measure the automatic coder, review its proposals.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=_Group,
)
app.add_typer(code_app, name="code")


@code_app.command("evaluate")
def code_evaluate(
    codings: Annotated[
        Path, typer.Argument(help="Human codings: a unit x code 0/1 matrix (CSV/XLSX).")
    ],
    unit_column: Annotated[str, typer.Option(help="Column of unit ids.")] = "comment_id",
    text_column: Annotated[str, typer.Option(help="Column of the units' text.")] = "comment",
    column_pattern: Annotated[
        str,
        typer.Option(help="Regex with named groups 'coder' and 'code' for the 0/1 columns."),
    ] = r"annotator_(?P<coder>H[12])_(?P<code>[a-z_]+)",
    coders: Annotated[str, typer.Option(help="Human coders, comma-separated.")] = "H1,H2",
    embedder: Annotated[
        str, typer.Option(help="e5 (default, multilingual), tfidf, or a local model path.")
    ] = "e5",
    folds: Annotated[
        int,
        typer.Option(
            min=2,
            help="Cross-validation folds (at least 2; a code that a coder gave, or did not "
            "give, to fewer units gets that many folds, as the summary lists).",
        ),
    ] = 5,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    quiet: QuietOpt = False,
) -> None:
    """Cross-validate the automatic coder against human coders (kappa, macro-F1, curves)."""
    from microcred.qual.codings import read_presence_matrix
    from microcred.qual.embed import make_embedder
    from microcred.qual.evaluate import evaluate

    names = [c.strip() for c in coders.split(",") if c.strip()]
    if not names:
        raise typer.BadParameter("give at least one coder", param_hint="--coders")
    try:
        units, human = read_presence_matrix(
            codings,
            unit_column=unit_column,
            text_column=text_column,
            column_pattern=column_pattern,
            coders=names,
        )
        if folds > len(units):
            raise InputError(str(codings), f"--folds {folds} is more than the {len(units)} "
                             "units in the file (k-fold cross-validation needs a unit per fold)")
        codes = sorted(human["code_id"].unique())
        with _progress(quiet) as progress:
            result = evaluate(
                units,
                human,
                make_embedder(embedder),
                codes,
                coders=names,
                folds=folds,
                progress=(lambda d, t: progress("evaluate", d, t)) if progress else None,
            )
    except MicrocredError as error:
        _fail(error)
        return
    out.mkdir(parents=True, exist_ok=True)
    result.table.to_csv(out / "evaluation.csv", index=False)
    result.curve.to_csv(out / "learning_curve.csv", index=False)
    (out / "evaluation.md").write_text(result.to_markdown() + "\n", encoding="utf-8")
    typer.echo(result.to_markdown())
    typer.echo(result.summary())
    typer.echo(f"tables: {out / 'evaluation.csv'}, {out / 'learning_curve.csv'}")


@code_app.command("review")
def code_review(
    study: StudyArg,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Write the machine codings still to review, least confident first, to this "
            "CSV or XLSX file (with an empty 'decision' column).",
        ),
    ] = None,
    apply: Annotated[
        Path | None,
        typer.Option(
            "--apply",
            help="Store the decisions of this CSV or XLSX file: confirm (yes, 1) or reject "
            "(no, 0) the machine's proposal; blank rows are skipped.",
        ),
    ] = None,
    coder: Annotated[
        str | None, typer.Option("--coder", help="Your name as a human coder (with --apply).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N codings (with --export).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder of the run (its database).")
    ] = Path("out"),
    db: DatabaseOpt = None,
) -> None:
    """Review machine codings: export the least confident first, then apply your decisions."""
    from microcred.store.codings import apply_review, export_review

    if (export is None) == (apply is None):
        raise typer.BadParameter("give either --export FILE or --apply FILE")
    if apply is not None and not coder:
        raise typer.BadParameter("--apply needs --coder NAME (who decided)")
    try:
        if export is not None:
            n = export_review(study, export, database=db, out_dir=out, limit=limit)
            typer.echo(f"review queue: {n} machine coding(s), least confident first: {export}")
        elif apply is not None and coder:
            done = apply_review(study, apply, coder, database=db, out_dir=out)
            typer.echo(
                f"applied {done['decisions']} decision(s) by {coder}: {done['confirmed']} "
                f"confirmed, {done['rejected']} rejected ({done['unchanged']} already recorded)"
            )
    except MicrocredError as error:
        _fail(error)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the study in.")],
    template: Annotated[
        str, typer.Option("--template", "-t", help="Template name (e.g. uoc-2023).")
    ] = "uoc-2023",
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Start a new study from a template instrument."""
    from microcred.study import templates

    try:
        written = templates.init(template, directory, force=force)
    except MicrocredError as error:
        _fail(error)
        return
    for path in written:
        typer.echo(f"wrote {path}")


def main() -> None:
    """Entry point for ``python -m microcred``."""
    app()
