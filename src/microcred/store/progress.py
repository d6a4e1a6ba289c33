"""A rich progress bar to pass as ``progress=`` to :meth:`Project.import_answers`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["rich_progress"]


@contextmanager
def rich_progress(
    description: str = "Storing answers", *, transient: bool = True
) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a rich progress bar.

    Parameters
    ----------
    description : str
        Label shown left of the bar.
    transient : bool, default True
        Remove the bar when done.

    Yields
    ------
    callable
        ``progress(done, total)``: rows written so far and rows to write in all.

    Examples
    --------
    >>> with rich_progress() as progress:  # doctest: +SKIP
    ...     project.import_answers(..., progress=progress)
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=transient) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
