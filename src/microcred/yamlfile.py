"""YAML files validated by pydantic, with every problem reported at its line and field.

Shared by the study file (:mod:`microcred.study.load`) and the codebook
(:mod:`microcred.qual.codebook_io`). Light on purpose: ruamel.yaml is imported inside
the functions so that importing this module stays cheap for the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from microcred.errors import StudyFileError

Problem = tuple[int | None, str, str]


def line_of(node: Any, loc: tuple[int | str, ...]) -> int | None:
    """Deepest known 1-based line for a pydantic error location in a ruamel tree.

    Parameters
    ----------
    node : ruamel CommentedMap or CommentedSeq
        The round-trip tree the model was validated from.
    loc : tuple of int or str
        A pydantic error location, e.g. ``("items", 2, "type")``.

    Returns
    -------
    int or None
        The line of the deepest key or item of ``loc`` found in the tree.
    """
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


def field_path(loc: tuple[int | str, ...]) -> str:
    """Dotted field of a pydantic location: ``("items", 2, "type")`` -> ``items[2].type``.

    Parameters
    ----------
    loc : tuple of int or str
        A pydantic error location.

    Returns
    -------
    str
        The dotted path, or ``"(file)"`` for the empty location.
    """
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out or "(file)"


def plain(node: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists (pydantic-friendly).

    Parameters
    ----------
    node : object
        A ruamel tree or any of its values.

    Returns
    -------
    object
        The same data with ``dict``/``list`` containers and string keys.
    """
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, int | float) else k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def read_mapping(path: str | Path) -> Any:
    """Read a YAML file whose top level is a mapping, keeping line numbers.

    Parameters
    ----------
    path : str or pathlib.Path
        The YAML file (UTF-8, a BOM is tolerated).

    Returns
    -------
    ruamel.yaml.comments.CommentedMap
        The round-trip tree (``.lc`` holds each key's line and column).

    Raises
    ------
    StudyFileError
        When the file is missing, unreadable, not YAML (with the line of the syntax
        error) or not a mapping at the top level.
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
    return tree


def validation_problems(tree: Any, exc: ValidationError) -> list[Problem]:
    """Every pydantic error as ``(line, field, message)``, located in the YAML tree.

    Parameters
    ----------
    tree : ruamel CommentedMap
        The tree that was validated (as returned by :func:`read_mapping`).
    exc : pydantic.ValidationError
        The validation error.

    Returns
    -------
    list of (int or None, str, str)
        One problem per pydantic error; ``extra_forbidden`` reads "unknown field (a typo?)".
    """
    problems: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field (a typo?)"
        problems.append((line_of(tree, loc), field_path(loc), message))
    return problems
