"""The raw table every reader returns, before any mapping to items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class RawTable:
    """A survey export as read, one row per response, every cell a string or NA.

    Attributes
    ----------
    file : str
        Path of the file, as shown in messages.
    format : str
        Format that was read (``google-forms``, ``limesurvey``, ``qualtrics``, ``csv``,
        ``tsv``, ``xlsx``, ``sav``).
    headers : list of str
        Column headers as the file gives them (for Qualtrics, the export tags of header
        row 1; for LimeSurvey, the question codes or texts as exported). May repeat.
    data : pandas.DataFrame, shape (n_responses, n_columns)
        Columns labelled ``0..n_columns-1`` in file order; cells are ``str`` or ``NA``
        (an empty cell is NA). Numbers are kept as the text the file holds
        (``"4"``, ``"6.75"``); SPSS numbers are written without a trailing ``.0``.
    rows : list of int
        For each response, its 1-based row as a spreadsheet shows it (header row = 1,
        so with three header rows the first response is row 4).
    texts : list of (str or None)
        Question text per column when the format holds it apart from the header
        (Qualtrics header row 2, LimeSurvey ``.lss``), else ``None``.
    codes : list of (str or None)
        Alternative short id per column (Qualtrics ImportId ``QID2_1``), else ``None``.
    value_labels : dict of int -> dict of str -> str
        Column index -> {code as text: label} (SPSS value labels).
    missing : pandas.DataFrame or None, shape like ``data``
        Reason a cell is missing when the export declares it (SPSS user-missing:
        ``"No answer (9)"``), NA otherwise. The cell itself is NA in ``data``.
    missing_definitions : dict of int -> list of dict
        Column index -> the export's missing-value definitions (``{"lo": 98, "hi": 99}``),
        kept so that an export back to the format can restore them.
    finished : pandas.Series of bool or None
        Whether the platform marked each response complete (Qualtrics ``Finished``,
        LimeSurvey ``submitdate``), ``None`` when the format has no such field.
    submitted_at : pandas.Series of str or None
        Submission time per response as ISO 8601 text where it could be parsed.
    system_columns : set of int
        Columns the platform adds (ids, dates, IP, progress) that are not questions and
        are never reported as unmapped.
    guessed_encoding : str or None
        The code page guessed for a text export that is not UTF-8 (``cp1252``...),
        reported as a warning; ``None`` when the encoding was known or declared.
    """

    file: str
    format: str
    headers: list[str]
    data: pd.DataFrame
    rows: list[int]
    texts: list[str | None] = field(default_factory=list)
    codes: list[str | None] = field(default_factory=list)
    value_labels: dict[int, dict[str, str]] = field(default_factory=dict)
    missing: pd.DataFrame | None = None
    missing_definitions: dict[int, list[dict[str, float]]] = field(default_factory=dict)
    finished: pd.Series | None = None
    submitted_at: pd.Series | None = None
    system_columns: set[int] = field(default_factory=set)
    guessed_encoding: str | None = None

    def __post_init__(self) -> None:
        n_cols = len(self.headers)
        if not self.texts:
            self.texts = [None] * n_cols
        if not self.codes:
            self.codes = [None] * n_cols
