"""Read a study file, reporting every problem with its YAML line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from microcred.errors import StudyFileError
from microcred.study.models import Study


def _line_of(node: Any, loc: tuple[int | str, ...]) -> int | None:
    """Deepest known 1-based line for a pydantic error location in a ruamel tree."""
    line: int | None = None
    for key in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(key, int) and isinstance(node, list):
                if lc is not None:
                    line = lc.item(key)[0] + 1
                node = node[key]
            elif isinstance(node, dict) and key in node:
                if lc is not None:
                    line = lc.key(key)[0] + 1
                node = node[key]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return line


def _field(loc: tuple[int | str, ...]) -> str:
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(file)"


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
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise StudyFileError(str(path), [(None, "(file)", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyFileError(str(path), [(None, "(file)", f"cannot read: {exc}")]) from None
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise StudyFileError(str(path), [(line, "(yaml)", str(exc.problem))]) from None
    if not isinstance(tree, dict):
        raise StudyFileError(str(path), [(1, "(file)", "expected a mapping at the top level")])
    try:
        study = Study.model_validate(_plain(tree), context={"defer_references": True})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown field (a typo?)"
            problems.append((_line_of(tree, loc), _field(loc), message))
        raise StudyFileError(str(path), problems) from None
    references = study.reference_problems()
    if references:
        raise StudyFileError(
            str(path), [(_line_of(tree, loc), _field(loc), msg) for loc, msg in references]
        )
    return study.model_copy(update={"base_dir": path.resolve().parent})


def _plain(node: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists (pydantic-friendly)."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, int | float) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node
