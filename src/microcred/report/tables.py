"""``tables/*.csv``: one table per item and one per comparison, formula-neutralised."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from microcred.report.safe import neutralise_frame

if TYPE_CHECKING:
    import pandas as pd

    from microcred.quant.results import ComparisonResult, ItemResult, QuantResults

__all__ = ["comparison_table", "item_tables", "write_csv", "write_tables"]

_STEM = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*(\.summary)?")


def _file_name(stem: str) -> str:
    """``stem + ".csv"``, refusing anything that is not a study identifier."""
    if not _STEM.fullmatch(stem):
        raise ValueError(f"not a valid table name: {stem!r}")
    return f"{stem}.csv"


def item_tables(item: ItemResult) -> dict[str, pd.DataFrame]:
    """The tables of one item, by file stem.

    Parameters
    ----------
    item : ItemResult

    Returns
    -------
    dict of str -> pandas.DataFrame
        ``{item_id: frequencies}`` for choice items (proportions as fractions, exactly
        as in the results); ``{item_id: summary}`` (columns ``statistic, value``) for
        items with only a summary; both ``{item_id: frequencies,
        item_id + ".summary": summary}`` when an item has both. Empty for items with
        neither (open text).
    """
    import pandas as pd

    tables: dict[str, pd.DataFrame] = {}
    summary = None
    if item.summary is not None:
        summary = pd.DataFrame(
            {"statistic": list(item.summary), "value": list(item.summary.values())}
        )
    if item.frequencies is not None:
        tables[item.item_id] = item.frequencies.reset_index(drop=True)
        if summary is not None:
            tables[f"{item.item_id}.summary"] = summary
    elif summary is not None:
        tables[item.item_id] = summary
    return tables


def comparison_table(comp: ComparisonResult, results: QuantResults) -> pd.DataFrame:
    """The tests of one comparison with the item's question text after its id.

    Parameters
    ----------
    comp : ComparisonResult
    results : QuantResults
        For the item labels.

    Returns
    -------
    pandas.DataFrame
        ``comp.tests`` with ``by`` first and ``item_label`` after ``item_id``.
    """
    frame = comp.tests.reset_index(drop=True).copy()
    if "item_id" in frame.columns:
        labels = [results.items[i].label if i in results.items else "" for i in frame["item_id"]]
        frame.insert(list(frame.columns).index("item_id") + 1, "item_label", labels)
    frame.insert(0, "by", comp.by)
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV (RFC 4180), cells through ``neutralise_frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : pathlib.Path

    Returns
    -------
    pathlib.Path
        ``path``.

    References
    ----------
    OWASP Foundation, "CSV Injection"; IETF RFC 4180, "Common Format and MIME Type for
    Comma-Separated Values (CSV) Files" (CRLF line breaks; fields with line breaks are
    quoted).
    """
    # CRLF line ends (RFC 4180) also make the csv writer quote any cell holding a bare
    # CR; with LF line ends such a cell would be left unquoted and split its row.
    neutralise_frame(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")
    return path


def write_tables(results: QuantResults, out_dir: Path) -> dict[str, Path]:
    """Write ``out_dir/tables/<item_id>.csv`` and ``comparisons_<by>.csv``.

    Parameters
    ----------
    results : QuantResults
    out_dir : pathlib.Path
        The report folder; ``tables/`` is created inside it.

    Returns
    -------
    dict of str -> pathlib.Path
        Path relative to ``out_dir`` (``"tables/motivation.csv"``) -> absolute path.
        A second comparison by the same group gets ``comparisons_<by>_2.csv``.

    Raises
    ------
    ValueError
        An item id or comparison ``by`` is not a study identifier (it would not be a
        safe file name).
    """
    folder = out_dir / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for item in results.items.values():
        for stem, frame in item_tables(item).items():
            name = _file_name(stem)
            written[f"tables/{name}"] = write_csv(frame, folder / name)
    for comp in results.comparisons:
        stem = f"comparisons_{comp.by}"
        k = 1
        while f"tables/{stem}.csv" in written:
            k += 1
            stem = f"comparisons_{comp.by}_{k}"
        name = _file_name(stem)
        written[f"tables/{name}"] = write_csv(comparison_table(comp, results), folder / name)
    return written
