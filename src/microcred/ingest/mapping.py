"""Map a raw export onto the study's items: columns to items, cells to canonical options.

Every cell is matched against the options' labels in all languages, their aliases,
codes and (for SPSS) value labels, so that "Interés personal" and "Personal interest"
become one option. Nothing is silently dropped: a cell that matches no option is
either kept as 'Other' text (when the item allows it) or reported as an unknown label
with its file, rows and column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from microcred.ingest.answers import ANSWER_COLUMNS, RESPONDENT_COLUMNS
from microcred.ingest.table import RawTable
from microcred.ingest.validate import Issue, ValidationReport
from microcred.study.models import Item, Option, Source, Study

MAX_ROWS_KEPT = 20
MAX_COLUMNS_SHOWN = 50
CHECKED = frozenset({"y", "yes", "1", "true", "x", "checked", "sí", "si", "sí.", "oui"})
UNCHECKED = frozenset({"n", "no", "0", "false", "not selected"})
LIMESURVEY_OTHER = "-oth-"


def normalise(text: str) -> str:
    """Case-, accent-form- and whitespace-insensitive key for matching labels.

    Parameters
    ----------
    text : str
        A label or a cell.

    Returns
    -------
    str
        NFC-normalised, case-folded text with runs of whitespace collapsed to one space.
    """
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _number_key(value: object) -> str | None:
    """``4``, ``4.0`` and ``"4"`` all give ``"4"``; non-numbers give ``None``."""
    try:
        number = float(str(value).strip().replace(",", ".")) if value is not None else None
    except ValueError:
        return None
    if number is None or not np.isfinite(number):
        return None
    return str(int(number)) if number.is_integer() else repr(number)


@dataclass
class MappedSource:
    """The answers and respondents of one source, and what was learned on the way.

    Attributes
    ----------
    answers : pandas.DataFrame
        Long form, columns :data:`~microcred.ingest.answers.ANSWER_COLUMNS`.
    respondents : pandas.DataFrame
        Columns :data:`~microcred.ingest.answers.RESPONDENT_COLUMNS`.
    asked : set of str
        Ids of the items whose column exists in this source.
    """

    answers: pd.DataFrame
    respondents: pd.DataFrame
    asked: set[str] = field(default_factory=set)


class _Columns:
    """Finds an item's column among a table's headers, short codes and question texts."""

    def __init__(self, raw: RawTable):
        self.raw = raw
        self.keys: list[list[str]] = []
        for header, code, text in zip(raw.headers, raw.codes, raw.texts, strict=True):
            self.keys.append([k for k in (header, code, text) if k])
        self._folded: list[list[str]] | None = None

    def folded(self) -> list[list[str]]:
        """The keys normalised, computed once (a wide file has 100,000s of them)."""
        if self._folded is None:
            self._folded = [[normalise(k) for k in keys] for keys in self.keys]
        return self._folded

    def find(self, spec: str, occurrence: int = 1) -> tuple[int | None, int]:
        """Index of the ``occurrence``-th column matching ``spec`` and how many match."""
        for exact in (True, False):
            target = spec if exact else normalise(spec)
            hits = [
                i for i, keys in enumerate(self.keys if exact else self.folded()) if target in keys
            ]
            if hits:
                return (hits[occurrence - 1] if occurrence <= len(hits) else None), len(hits)
        return None, 0

    def find_pattern(self, pattern: str, occurrence: int = 1) -> tuple[int | None, int]:
        """Like :meth:`find` with a regular expression searched in every key."""
        regex = re.compile(pattern)
        hits = [i for i, keys in enumerate(self.keys) if any(regex.search(k) for k in keys)]
        if not hits:
            return None, 0
        return (hits[occurrence - 1] if occurrence <= len(hits) else None), len(hits)


def _cut(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _spec_for(spec: str | dict[str, str] | None, language: str) -> str | None:
    if spec is None or isinstance(spec, str):
        return spec
    return spec.get(language)


class _Recorder:
    """Collects issues per (kind, column, value) with counts and the first rows."""

    def __init__(self, report: ValidationReport, file: str):
        self.report = report
        self.file = file

    def many(
        self,
        kind: str,
        message: str,
        rows: Iterable[int],
        *,
        column: str | None = None,
        item_id: str | None = None,
        value: str | None = None,
        severity: str = "error",
    ) -> None:
        rows = list(rows)
        if not rows:
            return
        self.report.add(
            Issue(
                severity=severity,  # type: ignore[arg-type]
                kind=kind,
                message=message,
                file=self.file,
                column=column,
                item_id=item_id,
                value=value,
                rows=sorted(rows)[:MAX_ROWS_KEPT],
                count=len(rows),
            )
        )


def _lookup(item: Item, raw: RawTable, col: int) -> dict[str, Option]:
    """Normalised label/alias/code -> option for one item (and one column's value labels)."""
    options = item.scored_options() if item.type != "single_choice" else item.effective_options()
    if not item.options:
        options = item.effective_options()
    table: dict[str, Option] = {}
    for option in options:
        for label in option.all_labels():
            table.setdefault(normalise(label), option)
        if option.code is not None:
            key = _number_key(option.code)
            table.setdefault(key if key is not None else normalise(str(option.code)), option)
        table.setdefault(normalise(option.id), option)
    for code, label in raw.value_labels.get(col, {}).items():
        labelled = table.get(normalise(label))
        if labelled is not None:
            table.setdefault(_number_key(code) or normalise(code), labelled)
    return table


def _match(cell: str, lookup: dict[str, Option], item: Item) -> Option | None:
    option = lookup.get(normalise(cell))
    if option is None:
        key = _number_key(cell)
        if key is not None:
            option = lookup.get(key)
            if option is None and item.type in {"likert", "rating"}:
                number = float(key)
                option = next((o for o in item.scored_options() if o.value == number), None)
    return option


def split_multi(cell: str, labels: list[str], separator: str = ", ") -> tuple[list[str], str]:
    """Split a multiple-choice cell against the known option labels.

    Parameters
    ----------
    cell : str
        The cell, options joined by ``separator`` and the 'Other' text, if any, last
        (Google Forms writes checkbox answers this way).
    labels : list of str
        Every known label of every option, in any language.
    separator : str, default ", "
        What joins the ticked options.

    Returns
    -------
    matched : list of str
        The labels found, in cell order (as spelt in ``labels``).
    rest : str
        What is left once no known label matches at the current position: the 'Other'
        text, kept whole even when it contains the separator ("" when nothing is left).

    Notes
    -----
    At each position the longest label that equals the rest of the cell, or is
    followed by ``separator``, is taken, so a label that itself contains the separator
    ("Online, self-paced") survives; a blind ``str.split`` would invent options.
    Matching ignores case and surrounding whitespace. See shared case
    ``02-gforms-multiselect-commas``.
    """
    keys = sorted({normalise(label): label for label in labels}.items(), key=lambda kv: -len(kv[0]))
    joint = separator.strip()
    text = cell.strip()
    matched: list[str] = []
    while text:
        folded = normalise(text)
        for key, label in keys:
            if not key or not folded.startswith(key):
                continue
            end = _prefix_end(text, key)
            if end is None:
                continue
            rest = text[end:]
            if not rest.strip():
                matched.append(label)
                return matched, ""
            if rest.startswith(separator):
                text = rest[len(separator) :].strip()
            elif joint and rest.lstrip().startswith(joint):
                text = rest.lstrip()[len(joint) :].strip()
            else:
                continue
            matched.append(label)
            break
        else:
            return matched, text
    return matched, ""


def _prefix_end(text: str, key: str) -> int | None:
    """Length of the shortest prefix of ``text`` whose normalised form is ``key``."""
    for end in range(1, len(text) + 1):
        folded = normalise(text[:end])
        if folded == key:
            return end
        if len(folded) > len(key):
            return None
    return None


def map_source(
    study: Study, source: Source, raw: RawTable, report: ValidationReport
) -> MappedSource:
    """Turn one raw export into long-form answers, recording every problem.

    Parameters
    ----------
    study : Study
        The instrument.
    source : Source
        Which source ``raw`` was read from (its id and language).
    raw : RawTable
        The export as read.
    report : ValidationReport
        Receives every issue (unmapped or missing columns, unknown labels, out-of-range
        values, missing or duplicate ids within the file, empty and unfinished responses).

    Returns
    -------
    MappedSource
        Answers and respondents; invalid cells are left out of ``answers`` and counted
        in ``report``.
    """
    rec = _Recorder(report, raw.file)
    columns = _Columns(raw)
    used: set[int] = set(raw.system_columns)
    data = raw.data
    rows = np.asarray(raw.rows, dtype="int64")

    keep = np.ones(len(data), dtype=bool)
    if raw.finished is not None and not source.include_unfinished:
        unfinished = ~raw.finished.fillna(True).astype(bool).to_numpy()
        rec.many(
            "unfinished",
            "response marked as not finished by the platform; left out "
            "(set include_unfinished: true on the source to keep it)",
            rows[unfinished],
            severity="warning",
        )
        keep &= ~unfinished

    ids = _respondent_ids(study, source, raw, columns, rec, rows, used)

    frames: list[pd.DataFrame] = []
    asked: set[str] = set()
    answered = np.zeros(len(data), dtype=bool)
    for item in study.items:
        located = _locate(item, source, raw, columns, rec)
        if located is None:
            continue
        asked.add(item.id)
        used.update(c for c in located.values() if c is not None)
        frame = _map_item(item, raw, located, rec)
        if frame is None or frame.empty:
            continue
        frame = frame[keep[frame["pos"].to_numpy()]]
        answered[frame["pos"].to_numpy()] = True
        frames.append(frame)

    has_data = raw.data.notna().to_numpy().any(axis=0)  # one pass, not one per column
    unmapped = [
        header for col, header in enumerate(raw.headers) if col not in used and has_data[col]
    ]
    if unmapped:
        shown = "; ".join(repr(_cut(h)) for h in unmapped[:MAX_COLUMNS_SHOWN])
        if len(unmapped) > MAX_COLUMNS_SHOWN:
            shown += f"; and {len(unmapped) - MAX_COLUMNS_SHOWN} more"
        rec.many(
            "unmapped_column",
            f"{len(unmapped)} column(s) with answers are not mapped to any item and are not "
            f"analysed (declare an item to analyse one): {shown}",
            [1],
            severity="warning",
        )

    empty = keep & ~answered
    rec.many(
        "empty_response",
        "response with no answer to any item; kept as a respondent who answered nothing",
        rows[empty],
        severity="warning",
    )

    respondents = pd.DataFrame(
        {
            "respondent_id": ids,
            "source_id": source.id,
            "row": rows,
            "language": source.language,
            "submitted_at": (
                raw.submitted_at.to_numpy() if raw.submitted_at is not None else pd.NA
            ),
            "finished": raw.finished.to_numpy() if raw.finished is not None else pd.NA,
        }
    )[keep & ids.notna().to_numpy()]
    respondents = respondents.loc[:, list(RESPONDENT_COLUMNS)].reset_index(drop=True)

    if frames:
        long = pd.concat(frames, ignore_index=True)
        long = long[ids.notna().to_numpy()[long["pos"].to_numpy()]]
        long["respondent_id"] = ids.to_numpy()[long["pos"].to_numpy()]
        long["row"] = rows[long["pos"].to_numpy()]
        long["source_id"] = source.id
        answers = long.loc[:, list(ANSWER_COLUMNS)].reset_index(drop=True)
    else:
        answers = empty_answers()
    return MappedSource(answers=answers, respondents=respondents, asked=asked)


def empty_answers() -> pd.DataFrame:
    """An answers DataFrame with no rows and the right columns and dtypes."""
    return pd.DataFrame(
        {
            "respondent_id": pd.Series([], dtype="object"),
            "item_id": pd.Series([], dtype="object"),
            "option_id": pd.Series([], dtype="object"),
            "value": pd.Series([], dtype="float64"),
            "text": pd.Series([], dtype="object"),
            "missing": pd.Series([], dtype="object"),
            "source_id": pd.Series([], dtype="object"),
            "row": pd.Series([], dtype="int64"),
        }
    )


def _respondent_ids(
    study: Study,
    source: Source,
    raw: RawTable,
    columns: _Columns,
    rec: _Recorder,
    rows: np.ndarray,
    used: set[int],
) -> pd.Series:
    spec = _spec_for(study.respondent_id.column, source.language)
    if spec is None:
        return pd.Series([f"{source.id}-{r}" for r in rows], dtype="object")
    col, _ = columns.find(spec)
    if col is None:
        rec.many(
            "missing_column",
            f"respondent id column {spec!r} is not in the file",
            [1],
            column=spec,
        )
        return pd.Series([f"{source.id}-{r}" for r in rows], dtype="object")
    used.add(col)
    ids = raw.data[col].astype("object").where(raw.data[col].notna(), None)
    ids = ids.map(lambda v: v.strip() if isinstance(v, str) else v)
    ids = ids.where(ids.astype(bool), None)
    header = raw.headers[col]
    rec.many(
        "missing_id", "respondent id is empty; response left out", rows[ids.isna()], column=header
    )
    duplicated = ids.notna() & ids.duplicated(keep=False)
    for value, group in pd.Series(rows[duplicated.to_numpy()]).groupby(ids[duplicated].to_numpy()):
        rec.many(
            "duplicate_id",
            f"duplicate respondent id ({len(group)} rows); only the first is kept",
            group.tolist(),
            column=header,
            value=str(value),
        )
    first = ids.notna() & ~ids.duplicated(keep="first")
    return ids.where(first, None)


def _locate(
    item: Item, source: Source, raw: RawTable, columns: _Columns, rec: _Recorder
) -> dict[str, int | None] | None:
    """Column index of the item (key ``""``), of each option column and of the other text.

    Returns ``None`` when the item is not part of this source (no column for its
    language) or its column is missing (then an issue is recorded).
    """
    located: dict[str, int | None] = {}
    if any(o.column for o in item.options):
        for option in item.options:
            if option.column:
                col, _ = columns.find(option.column)
                if col is None:
                    rec.many(
                        "missing_column",
                        f"column of option {option.id!r} of item {item.id!r} not found",
                        [1],
                        column=option.column,
                        item_id=item.id,
                    )
                    return None
                located[option.id] = col
    else:
        spec = _spec_for(item.column, source.language)
        if item.column_pattern is not None:
            col, hits = columns.find_pattern(
                item.column_pattern, item.occurrence_in(source.language)
            )
            shown = item.column_pattern
        elif spec is not None:
            col, hits = columns.find(spec, item.occurrence_in(source.language))
            shown = spec
        else:
            return None
        if col is None:
            severity = "error" if item.required else "warning"
            rec.many(
                "missing_column",
                f"column for item {item.id!r} not found"
                + (
                    f" ({hits} found, occurrence {item.occurrence_in(source.language)} asked)"
                    if hits
                    else ""
                ),
                [1],
                column=shown,
                item_id=item.id,
                severity=severity,
            )
            return None
        if hits > 1 and item.occurrence_in(source.language) == 1 and not item.column_pattern:
            rec.many(
                "ambiguous_column",
                f"{hits} columns have this header; the first is used for item "
                f"{item.id!r} (set occurrence to choose another)",
                [1],
                column=shown,
                item_id=item.id,
                severity="warning",
            )
        located[""] = col
    other_spec = _spec_for(item.other.column, source.language)
    if other_spec is not None:
        col, _ = columns.find(other_spec)
        if col is None:
            rec.many(
                "missing_column",
                f"'Other' text column of item {item.id!r} not found",
                [1],
                column=other_spec,
                item_id=item.id,
                severity="warning",
            )
        located["__other__"] = col
    return located


def _frame(pos: Iterable[int], item_id: str, **cols: Iterable[object]) -> pd.DataFrame:
    pos = np.fromiter(pos, dtype="int64")
    n = len(pos)
    out = {"pos": pos, "item_id": [item_id] * n}
    for name in ("option_id", "value", "text", "missing"):
        values = cols.get(name)
        out[name] = list(values) if values is not None else [None] * n
    frame = pd.DataFrame(out)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    return frame


def _map_item(
    item: Item, raw: RawTable, located: dict[str, int | None], rec: _Recorder
) -> pd.DataFrame | None:
    rows = np.asarray(raw.rows)
    frames: list[pd.DataFrame] = []
    main = located.get("")
    if main is not None:
        header = raw.headers[main]
        cells = raw.data[main]
        if raw.missing is not None:
            reasons = raw.missing[main]
            has_reason = reasons.notna().to_numpy()
            if has_reason.any():
                pos = np.flatnonzero(has_reason)
                frames.append(_frame(pos, item.id, missing=reasons.to_numpy()[pos]))
        present = cells.notna().to_numpy().copy()
        if item.type == "open_text":
            stripped = cells.str.strip()
            present &= (stripped != "").fillna(False).to_numpy()
            pos = np.flatnonzero(present)
            frames.append(_frame(pos, item.id, text=stripped.to_numpy()[pos]))
        elif item.type == "numeric":
            frames.append(_numeric(item, cells, present, rows, header, rec))
        elif item.type == "multi_choice":
            frames.append(_multi_single_column(item, raw, main, present, rows, header, rec))
        else:
            frames.append(_single(item, raw, main, present, rows, header, rec))
    elif any(k for k in located if k not in ("", "__other__")):
        frames.append(_multi_wide(item, raw, located, rows, rec))
    other_col = located.get("__other__")
    if other_col is not None:
        frames.append(_other_column(item, raw, other_col, frames))
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return None
    out = pd.concat(frames, ignore_index=True)
    return _merge_other_text(item, out)


def _numeric(
    item: Item,
    cells: pd.Series,
    present: np.ndarray,
    rows: np.ndarray,
    header: str,
    rec: _Recorder,
) -> pd.DataFrame:
    text = cells.astype("object").where(cells.notna(), None)
    as_number = pd.to_numeric(text.str.strip().str.replace(",", ".", regex=False), errors="coerce")
    bad = present & as_number.isna().to_numpy() & (text.str.strip() != "").fillna(False).to_numpy()
    for value, idx in _group_positions(text[bad]):
        rec.many(
            "not_a_number",
            f"item {item.id!r} expects a number",
            rows[idx],
            column=header,
            item_id=item.id,
            value=value,
        )
    ok = present & as_number.notna().to_numpy()
    low = item.min if item.min is not None else (item.scale.min if item.scale else None)
    high = item.max if item.max is not None else (item.scale.max if item.scale else None)
    values = as_number.to_numpy()
    out_of_range = np.zeros(len(values), dtype=bool)
    if low is not None:
        out_of_range |= ok & (values < low)
    if high is not None:
        out_of_range |= ok & (values > high)
    for value, idx in _group_positions(text[out_of_range]):
        rec.many(
            "out_of_range",
            f"item {item.id!r} accepts values from {low} to {high}",
            rows[idx],
            column=header,
            item_id=item.id,
            value=value,
        )
    pos = np.flatnonzero(ok & ~out_of_range)
    return _frame(pos, item.id, value=values[pos])


def _group_positions(values: pd.Series) -> list[tuple[str, np.ndarray]]:
    """(value, positions) for each distinct value of a sub-Series indexed by position."""
    if values.empty:
        return []
    grouped = pd.Series(values.index.to_numpy()).groupby(values.to_numpy(), sort=True)
    return [(str(value), group.to_numpy()) for value, group in grouped]


def _single(
    item: Item,
    raw: RawTable,
    col: int,
    present: np.ndarray,
    rows: np.ndarray,
    header: str,
    rec: _Recorder,
) -> pd.DataFrame:
    lookup = _lookup(item, raw, col)
    cells = raw.data[col]
    uniques = pd.unique(cells[present])
    matched: dict[str, Option | None] = {}
    for cell in uniques:
        if normalise(cell) == "":
            continue
        option = _match(cell, lookup, item)
        if option is None and normalise(cell) == LIMESURVEY_OTHER and item.other.allowed:
            option = Option(id=item.other.option)
        matched[cell] = option
    ids_of = {c: o.id for c, o in matched.items() if o is not None}
    values_of = {c: o.value for c, o in matched.items() if o is not None}
    option_ids = cells.map(lambda c: ids_of.get(c))
    values = cells.map(lambda c: values_of.get(c))
    known = option_ids.notna().to_numpy()
    blank = (
        present & cells.map(lambda c: normalise(c) == "" if isinstance(c, str) else True).to_numpy()
    )
    unknown = present & ~known & ~blank
    frames = [
        _frame(
            np.flatnonzero(known),
            item.id,
            option_id=option_ids.to_numpy()[known],
            value=values.to_numpy()[known],
        )
    ]
    if unknown.any():
        if item.other.allowed and item.type in {"single_choice", "ordinal"}:
            pos = np.flatnonzero(unknown)
            frames.append(
                _frame(
                    pos,
                    item.id,
                    option_id=[item.other.option] * len(pos),
                    text=cells.str.strip().to_numpy()[pos],
                )
            )
        else:
            _unknown(item, cells[unknown], rows, header, rec)
    return pd.concat(frames, ignore_index=True)


def _unknown(item: Item, cells: pd.Series, rows: np.ndarray, header: str, rec: _Recorder) -> None:
    scale = item.scale
    for value, idx in _group_positions(cells.str.strip()):
        number = _number_key(value)
        if scale is not None and number is not None:
            rec.many(
                "out_of_range",
                f"item {item.id!r} accepts values from {scale.min:g} to {scale.max:g}",
                rows[idx],
                column=header,
                item_id=item.id,
                value=value,
            )
        else:
            rec.many(
                "unknown_label",
                f"answer matches no option of item {item.id!r}; not counted "
                "(add it to the option's labels or aliases, or allow 'other')",
                rows[idx],
                column=header,
                item_id=item.id,
                value=value,
            )


def _multi_single_column(
    item: Item,
    raw: RawTable,
    col: int,
    present: np.ndarray,
    rows: np.ndarray,
    header: str,
    rec: _Recorder,
) -> pd.DataFrame:
    lookup = _lookup(item, raw, col)
    labels = [label for o in item.options for label in [*o.all_labels(), o.id]]
    cells = raw.data[col]
    parsed: dict[str, tuple[list[str], str]] = {}
    for cell in pd.unique(cells[present]):
        found, rest = split_multi(cell, labels, item.separator)
        parsed[cell] = ([lookup[normalise(label)].id for label in found], rest)
    pos_list: list[int] = []
    option_list: list[str] = []
    text_list: list[str | None] = []
    unknown: dict[str, list[int]] = {}
    cell_values = cells.to_numpy()
    for pos in np.flatnonzero(present).tolist():
        found, rest = parsed[cell_values[pos]]
        for option_id in dict.fromkeys(found):
            pos_list.append(pos)
            option_list.append(option_id)
            text_list.append(None)
        if rest:
            if item.other.allowed:
                pos_list.append(pos)
                option_list.append(item.other.option)
                text_list.append(rest)
            else:
                unknown.setdefault(rest, []).append(pos)
    for value, positions in sorted(unknown.items()):
        rec.many(
            "unknown_label",
            f"part of the answer matches no option of item {item.id!r}; not counted "
            "(add it to the option's labels or aliases, or allow 'other')",
            rows[positions],
            column=header,
            item_id=item.id,
            value=value,
        )
    values = {o.id: o.value for o in item.options}
    return _frame(
        pos_list,
        item.id,
        option_id=option_list,
        value=[values.get(o) for o in option_list],
        text=text_list,
    )


def _multi_wide(
    item: Item,
    raw: RawTable,
    located: dict[str, int | None],
    rows: np.ndarray,
    rec: _Recorder,
) -> pd.DataFrame:
    frames = []
    for option in item.options:
        col = located.get(option.id)
        if col is None:
            continue
        cells = raw.data[col]
        key = cells.map(lambda c: normalise(c) if isinstance(c, str) else "")
        own = {normalise(label) for label in option.all_labels()} | {normalise(option.id)}
        if option.code is not None:
            own.add(normalise(str(option.code)))
        checked = key.isin(CHECKED | own).to_numpy()
        unchecked = key.isin(UNCHECKED | {""}).to_numpy()
        odd = ~checked & ~unchecked
        header = raw.headers[col]
        for value, idx in _group_positions(cells[odd].str.strip()):
            rec.many(
                "unknown_label",
                f"option column of item {item.id!r} holds neither a tick nor a blank",
                rows[idx],
                column=header,
                item_id=item.id,
                value=value,
            )
        pos = np.flatnonzero(checked)
        frames.append(
            _frame(pos, item.id, option_id=[option.id] * len(pos), value=[option.value] * len(pos))
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _other_column(item: Item, raw: RawTable, col: int, frames: list[pd.DataFrame]) -> pd.DataFrame:
    cells = raw.data[col].str.strip()
    has = (cells.notna() & (cells != "")).to_numpy()
    pos = np.flatnonzero(has)
    return _frame(
        pos, item.id, option_id=[item.other.option] * len(pos), text=cells.to_numpy()[pos]
    )


def _merge_other_text(item: Item, frame: pd.DataFrame) -> pd.DataFrame:
    """One 'Other' row per respondent: a ticked Other option takes the separate text."""
    other = frame["option_id"] == item.other.option
    if other.sum() <= 1:
        return frame
    dup = frame[other].duplicated(subset=["pos"], keep=False)
    if not dup.any():
        return frame
    rows = frame[other]
    texts = rows.groupby("pos")["text"].agg(lambda t: next((x for x in t if x), None))
    firsts = rows.drop_duplicates(subset=["pos"], keep="first").copy()
    firsts["text"] = firsts["pos"].map(texts)
    return pd.concat([frame[~other], firsts], ignore_index=True)
