"""Ready-made study files (templates) and ``init``, which copies one into a new folder.

Each template is a folder under ``microcred/study/templates/`` shipped as package data;
the files are read with :mod:`importlib.resources`, so templates work from an installed
wheel (or a zip) as well as from a source checkout.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from microcred.errors import MicrocredError

__all__ = ["TemplateError", "available", "init"]

_IGNORED = frozenset({"__pycache__", ".DS_Store"})


class TemplateError(MicrocredError):
    """A template cannot be used: it is unknown, or copying it would overwrite files."""


def _root() -> Traversable:
    return files("microcred.study").joinpath("templates")


def _visible(entry: Traversable) -> bool:
    return entry.name not in _IGNORED and not entry.name.startswith(".")


def available() -> list[str]:
    """List the templates shipped with microcred.

    Returns
    -------
    list of str
        Template names (the folder names under ``microcred/study/templates/``), sorted.

    Notes
    -----
    ``uoc-2023`` reconstructs the instrument of Bruguera, Fitó & Pagés (2023), "Exploring
    Learners' Motivations and Preferences for Micro-Credentials: A Mixed-Method Study",
    Ubiquity Proceedings, https://doi.org/10.5334/uproc.67.
    """
    root = _root()
    if not root.is_dir():
        return []
    return sorted(e.name for e in root.iterdir() if e.is_dir() and _visible(e))


def _files(node: Traversable, prefix: PurePosixPath) -> list[tuple[PurePosixPath, Traversable]]:
    """Every file under ``node`` as (path relative to the template, resource), sorted."""
    out: list[tuple[PurePosixPath, Traversable]] = []
    for entry in sorted(node.iterdir(), key=lambda e: e.name):
        if not _visible(entry):
            continue
        rel = prefix / entry.name
        if entry.is_dir():
            out.extend(_files(entry, rel))
        elif entry.is_file():
            out.append((rel, entry))
    return out


def init(template: str, directory: Path, force: bool = False) -> list[Path]:
    """Copy a template's files into ``directory``, creating it if needed.

    Parameters
    ----------
    template : str
        A name from :func:`available`, e.g. ``"uoc-2023"``.
    directory : pathlib.Path
        Destination folder; created with its parents when missing. The template's
        sub-folders are recreated inside it.
    force : bool, default False
        Overwrite files that already exist. Without it nothing is written when any
        destination file exists.

    Returns
    -------
    list of pathlib.Path
        The files written, in template order (``directory / relative path``).

    Raises
    ------
    TemplateError
        When the template is unknown (the message lists the available ones), when
        ``directory`` (or a folder inside it that the template needs) is an existing
        file, or when files would be overwritten and ``force`` is false (all of them
        are listed; nothing is written).

    Notes
    -----
    Every problem is checked before the first byte is written, so a refused ``init``
    leaves the destination untouched. Files are copied byte for byte.
    """
    names = available()
    if template not in names:
        listing = ", ".join(names) if names else "(none installed)"
        raise TemplateError(f"unknown template {template!r}; available templates: {listing}")
    directory = Path(directory)
    entries = _files(_root().joinpath(template), PurePosixPath())

    targets = [(directory.joinpath(*rel.parts), res) for rel, res in entries]
    blocked: list[str] = []
    existing: list[str] = []
    for target, _ in targets:
        for parent in [target.parent, *target.parent.parents]:
            if parent.exists() and not parent.is_dir():
                blocked.append(str(parent))
            if parent == directory:
                break
        if target.is_dir():
            blocked.append(str(target))
        elif target.exists():
            existing.append(str(target))
    if blocked:
        raise TemplateError(
            "cannot write the template, these paths are in the way: "
            + ", ".join(sorted(set(blocked)))
        )
    if existing and not force:
        raise TemplateError(
            "refusing to overwrite existing files (use --force to overwrite): "
            + ", ".join(existing)
        )

    written: list[Path] = []
    for target, res in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(res.read_bytes())
        written.append(target)
    return written
