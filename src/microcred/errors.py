"""One error type per kind of user mistake; the CLI turns each into exit code 2."""

from __future__ import annotations


class MicrocredError(Exception):
    """Base class of every error caused by the user's input, not by a bug."""


class StudyFileError(MicrocredError):
    """The study file is invalid.

    Parameters
    ----------
    path : str
        The study file.
    problems : list of (line, field, message)
        Every problem found, ``line`` being 1-based (or ``None`` when unknown) and
        ``field`` a dotted path such as ``items[2].type``. A problem given without a
        line is located by its field in ``path`` when that is a YAML file (see
        :func:`microcred.yamlfile.locate`); one about the whole file (field ``(file)``,
        e.g. "no such file") is shown without a line.
    """

    def __init__(self, path: str, problems: list[tuple[int | None, str, str]]):
        self.path = path
        self.problems = _with_lines(path, problems)
        lines = [
            f"{path}:{line}: {field}: {message}" if line is not None
            else f"{path}: {field}: {message}"
            for line, field, message in self.problems
        ]
        super().__init__("invalid study file\n" + "\n".join(lines))


def _with_lines(
    path: str, problems: list[tuple[int | None, str, str]]
) -> list[tuple[int | None, str, str]]:
    """``problems`` with the missing lines of their fields looked up in ``path``."""
    from pathlib import Path

    wanted = [i for i, (line, field, _) in enumerate(problems)
              if line is None and not field.startswith("(")]
    if not wanted or not Path(path).is_file():
        return list(problems)
    from microcred.yamlfile import locate  # light: ruamel.yaml is imported inside

    found = dict(zip(wanted, locate(path, [problems[i][1] for i in wanted]), strict=True))
    return [(found.get(i, line), field, message)
            for i, (line, field, message) in enumerate(problems)]


class InputError(MicrocredError):
    """A data file cannot be read as declared.

    Parameters
    ----------
    file : str
        The data file.
    message : str
        What is wrong, without quoting respondents' free text.
    row : int, optional
        1-based row as a spreadsheet shows it (the first header row is row 1).
    column : str, optional
        The column header (or letter/index when there is no header).
    """

    def __init__(
        self, file: str, message: str, row: int | None = None, column: str | None = None
    ):
        self.file = file
        self.message = message
        self.row = row
        self.column = column
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class ValidationFailed(MicrocredError):
    """Validation found errors and the run was strict.

    Parameters
    ----------
    report : microcred.ingest.validate.ValidationReport
        The full report; ``str(error)`` lists its errors.
    """

    def __init__(self, report: object):
        self.report = report
        super().__init__(str(report))
