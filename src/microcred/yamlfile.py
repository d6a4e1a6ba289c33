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
        error or of a control character YAML forbids), nested deeper than
        :data:`MAX_FLOW_DEPTH` brackets or than Python's recursion limit, holds more
        than :data:`MAX_VALUES` values once its aliases are expanded (or an alias
        cycle), or is not a mapping at the top level.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise StudyFileError(str(path), [(None, "(file)", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyFileError(str(path), [(None, "(file)", f"cannot read: {exc}")]) from None
    deep = _too_deep(text)
    if deep is not None:
        raise StudyFileError(str(path), [(deep, "(yaml)", "nested too deeply to be a study file")])
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise StudyFileError(str(path), [(line, "(yaml)", str(exc.problem))]) from None
    except ReaderError as exc:  # a control character YAML does not allow (NUL, ...)
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        char = exc.character
        code = char if isinstance(char, int) else ord(char) if isinstance(char, str) and len(
            char) == 1 else None
        shown = f"U+{code:04X}" if code is not None else repr(char)
        raise StudyFileError(
            str(path), [(line, "(yaml)", f"character {shown} is not allowed in YAML")]
        ) from None
    except RecursionError:
        raise StudyFileError(
            str(path), [(None, "(yaml)", "nested too deeply to be a study file")]
        ) from None
    except (YAMLError, KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        # ruamel.yaml fails with these on some malformed documents, e.g. KeyError for
        # an unknown "%YAML 9.9" directive
        raise StudyFileError(
            str(path), [(None, "(yaml)", f"not a YAML document ruamel.yaml can read "
                         f"({type(exc).__name__})")]
        ) from None
    if not isinstance(tree, dict):
        raise StudyFileError(str(path), [(1, "(file)", "expected a mapping at the top level")])
    problem = _expansion_problem(tree)
    if problem is not None:
        raise StudyFileError(str(path), [problem])
    return tree


MAX_FLOW_DEPTH = 200
"""Deepest nesting of ``[`` and ``{`` accepted before parsing. ruamel.yaml's scanner
takes time quadratic in that depth (10,000 levels: ~20 s before a RecursionError);
study files nest a handful of levels."""


def _too_deep(text: str) -> int | None:
    """Line where brackets nest deeper than :data:`MAX_FLOW_DEPTH`, else None.

    Brackets are counted even inside quoted strings: a text would need 200 unclosed
    ``[`` in a row to be refused, which no label has.
    """
    import re

    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_FLOW_DEPTH:
            return text.count("\n", 0, match.start()) + 1
        depth = max(depth, 0)
    return None


MAX_VALUES = 1_000_000
"""Values a YAML file may hold once its aliases are expanded (an "alias bomb" of nested
aliases expands a few lines to billions of values)."""


def _expansion_problem(tree: Any) -> Problem | None:
    """A problem when aliases make the tree cyclic or expand it past :data:`MAX_VALUES`.

    The expanded size is computed on the tree as loaded (aliases are shared objects),
    memoised per object, so this takes time linear in the file, not in the expansion.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any, line: int | None) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _Cycle(line)
        active.add(key)
        total = 1
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for child_key, child in children:
            lc = getattr(node, "lc", None)
            try:
                child_line = (lc.key(child_key) if isinstance(node, dict) else lc.item(child_key))[
                    0
                ] + 1 if lc is not None else line
            except (KeyError, IndexError, TypeError):
                child_line = line
            total += size(child, child_line)
            if total > MAX_VALUES:
                break
        active.discard(key)
        sizes[key] = total
        return total

    try:
        total = size(tree, 1)
    except _Cycle as cycle:
        return (cycle.line, "(yaml)", "an alias refers to a node that contains it (a cycle)")
    except RecursionError:
        return (None, "(yaml)", "nested too deeply to be a study file")
    if total > MAX_VALUES:
        return (
            None,
            "(yaml)",
            f"more than {MAX_VALUES:,} values once its aliases are expanded (an alias bomb?)",
        )
    return None


class _Cycle(Exception):
    def __init__(self, line: int | None):
        self.line = line


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
