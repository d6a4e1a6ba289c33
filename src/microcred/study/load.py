"""Read a study file, reporting every problem with its YAML line and field."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from microcred.errors import StudyFileError
from microcred.study.models import Study
from microcred.yamlfile import field_path as _field
from microcred.yamlfile import line_of as _line_of
from microcred.yamlfile import plain as _plain
from microcred.yamlfile import read_mapping, validation_problems


def load(path: str | Path) -> Study:
    """Load and validate a study file.

    Parameters
    ----------
    path : str or pathlib.Path
        A YAML study file. Source paths inside it are relative to its folder.

    Returns
    -------
    Study
        The validated instrument, with ``base_dir`` set to the file's folder.

    Raises
    ------
    StudyFileError
        When the file is missing, is not YAML, or breaks the schema; every problem is
        listed with its 1-based line and dotted field (``items[3].type``), as pydantic
        reports them, so a typo in a key or a value is found in one pass.
    """
    path = Path(path)
    tree = read_mapping(path)
    try:
        study = Study.model_validate(_plain(tree), context={"defer_references": True})
    except ValidationError as exc:
        raise StudyFileError(str(path), validation_problems(tree, exc)) from None
    references = study.reference_problems()
    if references:
        raise StudyFileError(
            str(path), [(_line_of(tree, loc), _field(loc), msg) for loc, msg in references]
        )
    return study.model_copy(update={"base_dir": path.resolve().parent})
