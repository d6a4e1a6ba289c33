"""YAML files validated by pydantic, with every problem reported at its line and field.

Shared by the study file (:mod:`microcred.study.load`) and the codebook
(:mod:`microcred.qual.codebook_io`). Light on purpose: ruamel.yaml is imported inside
the functions so that importing this module stays cheap for the CLI.
"""

from __future__ import annotations

import re
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
        The line of the deepest key or item of ``loc`` found in the tree: a missing key
        is reported at the line of the mapping that lacks it (the first line of the file
        for a missing top-level key). None only for a tree without line information.
    """
    lc = getattr(node, "lc", None)
    line: int | None = lc.line + 1 if lc is not None and lc.line is not None else None
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
        if key == "[key]":  # pydantic's marker for an invalid mapping key
            out += " (key)"
            continue
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


def locate(path: str | Path, fields: list[str]) -> list[int | None]:
    """Lines of dotted fields (``items[2].type``) in a YAML file, for errors found later.

    Used by :class:`microcred.errors.StudyFileError` for problems raised, without a
    line, by code that holds the validated study but not its YAML tree.

    Parameters
    ----------
    path : str or pathlib.Path
        The YAML file.
    fields : list of str
        Dotted fields as :func:`field_path` writes them.

    Returns
    -------
    list of int or None
        One line per field (see :func:`line_of`); all None when the file cannot be
        read as YAML.
    """
    try:
        tree = read_mapping(path)
    except Exception:  # noqa: BLE001 - no line is better than masking the first error
        return [None] * len(fields)
    return [line_of(tree, _loc_of(field)) for field in fields]


def _loc_of(field: str) -> tuple[int | str, ...]:
    """Inverse of :func:`field_path`: ``items[2].type`` -> ``("items", 2, "type")``."""
    return tuple(
        int(index) if index else name
        for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field.removesuffix(" (key)"))
    )


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
        data = path.read_bytes()
    except FileNotFoundError:
        raise StudyFileError(str(path), [(None, "(file)", "no such file")]) from None
    except OSError as exc:
        raise StudyFileError(str(path), [(None, "(file)", f"cannot read: {exc}")]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StudyFileError(
            str(path),
            [(data.count(b"\n", 0, exc.start) + 1, "(file)",
              f"not UTF-8: byte 0x{data[exc.start]:02x} on this line cannot be decoded "
              "(save the file as UTF-8)")],
        ) from None
    deep = _too_deep(text)
    if deep is not None:
        raise StudyFileError(str(path), [(deep, "(yaml)", "nested too deeply to be a study file")])
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else _failure_line(text)
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
            str(path),
            [(_deep_line(text), "(yaml)",
              f"nested too deeply to be a study file (more than {MAX_BLOCK_DEPTH} levels "
              "from this line on)")],
        ) from None
    except (YAMLError, KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        # ruamel.yaml fails with these on some malformed documents, e.g. KeyError for
        # a "%YAML 9.9" directive after the document or an explicit "!!bool maybe",
        # ValueError for a date-like value such as 2001-13-45
        raise StudyFileError(
            str(path),
            [(_failure_line(text), "(yaml)",
              f"not a YAML document ruamel.yaml can read: this line fails with "
              f"{type(exc).__name__}: {_short(exc)} (put a value in quotes if it is text)")],
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


MAX_BLOCK_DEPTH = 100
"""Nesting reported as the culprit when ruamel.yaml's composer runs out of Python's
recursion limit (a few hundred levels); study files nest a handful of levels."""


def _deep_line(text: str) -> int | None:
    """First line where the document nests deeper than :data:`MAX_BLOCK_DEPTH`.

    ruamel.yaml's parser is a state machine (it does not recurse), so its events can be
    counted on a document whose composition overflowed the recursion limit.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    try:
        for event in YAML(typ="rt").parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_BLOCK_DEPTH:
                    return int(event.start_mark.line) + 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except Exception:  # noqa: BLE001 - only looking for a line to report
        return None
    return None


def _failure_line(text: str) -> int | None:
    """Line of the YAML construct ruamel.yaml failed on with a non-YAML exception.

    The document is parsed event by event (the line of the event after which parsing
    fails); when parsing succeeds the failure was in constructing a value, and every
    scalar is constructed alone in document order until one fails.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    yaml = YAML(typ="rt")
    last = None
    try:
        for event in yaml.parse(text):
            last = event
    except Exception as exc:  # noqa: BLE001 - only looking for a line to report
        mark = getattr(exc, "problem_mark", None) or (last.end_mark if last else None)
        return int(mark.line) + 1 if mark is not None else 1
    try:
        stack = [yaml.compose(text)]
    except Exception:  # noqa: BLE001
        return None
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            try:
                yaml.constructor.construct_object(node)
            except Exception:  # noqa: BLE001
                return int(node.start_mark.line) + 1
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack += [value, key]
        elif isinstance(node, SequenceNode):
            stack += list(reversed(node.value))
    return None


def _short(exc: BaseException, limit: int = 80) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
                raise _TooMany(line)
        active.discard(key)
        sizes[key] = total
        return total

    try:
        size(tree, 1)
    except _Cycle as cycle:
        return (cycle.line, "(yaml)", "an alias refers to a node that contains it (a cycle)")
    except _TooMany as too_many:
        return (
            too_many.line,
            "(yaml)",
            f"more than {MAX_VALUES:,} values once its aliases are expanded (an alias bomb?)",
        )
    except RecursionError:
        return (None, "(yaml)", "nested too deeply to be a study file")
    return None


class _Cycle(Exception):
    def __init__(self, line: int | None):
        self.line = line


class _TooMany(Exception):
    """The expansion passed :data:`MAX_VALUES` in the value starting at ``line``."""

    def __init__(self, line: int | None):
        self.line = line


def validation_problems(tree: Any, exc: ValidationError) -> list[Problem]:
    """Every pydantic error as ``(line, field, message)``, located in the YAML tree.

    Messages are rewritten for the person editing the file: a wrong value is echoed
    (``got 'likret'``) with the allowed values or the expected kind of value; an unknown
    key reads "unknown field (a typo?)"; a field that accepts several kinds of value
    (a pydantic union such as ``str | dict``) gives one problem, "expected text or a
    mapping", instead of one per kind, or, when the value has the shape of one kind
    but is wrong inside, only the problems of the kind that came closest (fewest
    problems).

    Parameters
    ----------
    tree : ruamel CommentedMap
        The tree that was validated (as returned by :func:`read_mapping`).
    exc : pydantic.ValidationError
        The validation error.

    Returns
    -------
    list of (int or None, str, str)
        The problems in the order pydantic found them, each at the line of its key or
        item (of the mapping that lacks it, for a missing key).
    """
    plain_errors: list[tuple[tuple[int | str, ...], Any]] = []
    unions: dict[tuple[int | str, ...], dict[str, list[tuple[tuple[int | str, ...], Any]]]] = {}
    order: list[tuple[str, tuple[int | str, ...]]] = []
    for err in exc.errors():
        real, site, tag = _split_union_tags(tree, tuple(err["loc"]))
        if site is None or tag is None:
            plain_errors.append((real, err))
            order.append(("plain", (len(plain_errors) - 1,)))
            continue
        if site not in unions:
            unions[site] = {}
            order.append(("union", site))
        unions[site].setdefault(tag, []).append((real, err))

    problems: list[Problem] = []
    for kind, key in order:
        if kind == "plain":
            real, err = plain_errors[int(key[0])]
            problems.append((line_of(tree, real), field_path(real), _message(err)))
            continue
        branches = unions[key]
        inside = {
            tag: errs for tag, errs in branches.items()
            if any(r != key or e["type"] not in _KIND_OF_VALUE for r, e in errs)
        }
        if inside:
            closest = min(inside.values(), key=len)
            problems += [(line_of(tree, r), field_path(r), _message(e)) for r, e in closest]
            continue
        kinds = list(dict.fromkeys(
            _KIND_OF_VALUE[e["type"]] for errs in branches.values() for _, e in errs
        ))
        value = next(iter(branches.values()))[0][1].get("input")
        problems.append((
            line_of(tree, key), field_path(key),
            f"expected {' or '.join(kinds)}, got {_shown(value)}",
        ))
    return problems


_UNION_TAG = re.compile(
    r"^(str|int|float|bool|none|bytes|(dict|list|tuple|set|frozenset|literal)\[.*\]"
    r"|function-(after|before|wrap|plain)\[.*\]|[A-Z][A-Za-z0-9_]*)$"
)
"""How pydantic names the members of a union in an error location (``str``,
``dict[str,str]``, ``CodeCondition``, ``function-after[_something(), Condition]``)."""

_KIND_OF_VALUE = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "list_type": "a list",
    "tuple_type": "a list",
    "none_required": "nothing",
}
"""Errors that say the value is of the wrong kind, and the kind that was expected."""

_IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"


def _split_union_tags(
    tree: Any, loc: tuple[int | str, ...]
) -> tuple[tuple[int | str, ...], tuple[int | str, ...] | None, str | None]:
    """``loc`` without pydantic's union-member names, where the first union is, its member.

    A key is a union member name only when the YAML tree has no such key at that point,
    so a mapping key that happens to read ``str`` is kept.
    """
    real: list[int | str] = []
    site: tuple[int | str, ...] | None = None
    tag: str | None = None
    node: Any = tree
    for key in loc:
        present = (isinstance(node, dict) and key in node) or (
            isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        )
        if present:
            node = node[key]
        elif isinstance(key, str) and _UNION_TAG.match(key):
            if site is None:
                site, tag = tuple(real), key
            continue
        else:
            node = None
        real.append(key)
    return tuple(real), site, tag


def _message(err: Any) -> str:
    """A pydantic error as a sentence that echoes the bad value and what is allowed."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "extra_forbidden":
        return "unknown field (a typo?)"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"got {_shown(value)}; allowed: {ctx.get('expected', '?')}"
    if kind in _KIND_OF_VALUE:
        return f"expected {_KIND_OF_VALUE[kind]}, got {_shown(value)}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == _IDENTIFIER_PATTERN:
        return (f"not a valid id: use letters, digits, _ and -, starting with a letter or _; "
                f"got {_shown(value)}")
    if kind == "too_short":
        least = int(ctx.get("min_length", 1))
        entries = "entry" if least == 1 else "entries"
        return f"needs at least {least} {entries}, got {len(value) if value else 'none'}"
    message = str(err["msg"]).removeprefix("Value error, ").replace("Input should", "should")
    if isinstance(value, dict):  # a whole mapping: its own lines say what it holds
        return message
    return f"{message}; got {_shown(value)}"


def _shown(value: Any, limit: int = 60) -> str:
    """A value from the study file as the error quotes it (short, one line)."""
    if value is None:
        return "an empty value"
    if isinstance(value, dict):
        return "a mapping"
    if type(value).__name__ == "TaggedScalar":  # ruamel's value of an unknown !tag
        value = f"{value.tag} {value.value}"
    text = repr(plain(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"
