"""Answers turned into integer codes once, then sliced per item without Python loops.

Every analysis reads the long answers frame (:data:`microcred.ingest.answers.ANSWER_COLUMNS`)
and the respondents frame. Strings are factorised once (respondent ids, item ids, option
ids); after that an item's answers are a few NumPy arrays indexed by respondent code
(``0 .. n_respondents - 1``), which keeps :func:`microcred.quant.analyse` vectorised
on millions of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from microcred.errors import InputError

if TYPE_CHECKING:
    from microcred.study.models import Item, Option

SCALE_TYPES = frozenset({"likert", "rating", "ordinal"})
SINGLE_TYPES = frozenset({"single_choice", "likert", "rating", "ordinal", "numeric", "open_text"})
ANSWERS_NEEDED = ("respondent_id", "item_id", "option_id", "value", "text", "missing")
RESPONDENTS_NEEDED = ("respondent_id", "source_id")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(name, f"expected a pandas DataFrame, got {type(frame).__name__}")
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise InputError(name, f"missing column(s): {', '.join(absent)}", column=absent[0])


def _as_str(series: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
        return series
    return series.astype("str")


def _as_float(series: pd.Series, name: str) -> np.ndarray:
    try:
        return pd.to_numeric(series, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InputError(name, "column 'value' holds something that is not a number",
                         column="value") from exc


def respondents_from(answers: pd.DataFrame) -> pd.DataFrame:
    """Respondents implied by the answers.

    Parameters
    ----------
    answers : pandas.DataFrame
        Long answers with ``respondent_id`` (and optionally ``source_id``).

    Returns
    -------
    pandas.DataFrame
        ``respondent_id, source_id``: every respondent once, in order of first
        appearance (``source_id`` "all" when unknown).

    Raises
    ------
    InputError
        If ``respondent_id`` is missing.
    """
    _require(answers, ("respondent_id",), "answers")
    first = answers.drop_duplicates("respondent_id")
    source = first["source_id"].to_numpy() if "source_id" in first.columns else "all"
    return pd.DataFrame(
        {"respondent_id": first["respondent_id"].to_numpy(), "source_id": source}
    ).fillna({"source_id": "all"})


def lookup(values: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each value in ``index``.

    Parameters
    ----------
    values : pandas.Series of str, shape (n,)
    index : pandas.Index of str, unique

    Returns
    -------
    numpy.ndarray of int64, shape (n,)
        Position in ``index``, -1 when absent.

    Notes
    -----
    Uses ``pyarrow.compute.index_in`` (about five times faster than
    ``Index.get_indexer`` on millions of strings), falling back to pandas.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.index_in(
            pa.array(values, type=pa.large_string(), from_pandas=True),
            value_set=pa.array(index, type=pa.large_string(), from_pandas=True),
        )
        return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    except (ImportError, TypeError, ValueError, ArithmeticError):  # pragma: no cover
        return np.asarray(index.get_indexer(values), dtype=np.int64)


def scored(item: Item) -> list[Option]:
    """The item's options with their scale values.

    Parameters
    ----------
    item : Item

    Returns
    -------
    list of Option
        ``item.scored_options()`` (explicit value, else 1-based position), or the
        options generated from ``item.scale`` when none are listed.
    """
    return item.scored_options() if item.options else item.effective_options()


@dataclass
class ItemData:
    """One item's usable answers, as arrays over respondent codes.

    ``row_ids``/``labels``/``row_values`` describe the frequency rows: the study's
    options in order, then the 'other' option (when allowed or used), then option ids
    the study does not know. ``resp``/``cat``/``val`` hold one entry per valid answer
    (one per respondent, except multi_choice: one per ticked option).
    """

    item: Item
    n_respondents: int
    asked: np.ndarray
    n_asked: int
    row_ids: list[str]
    labels: list[str]
    row_values: np.ndarray
    n_options: int
    other_index: int | None
    resp: np.ndarray
    cat: np.ndarray
    val: np.ndarray
    missing_resp: np.ndarray
    missing_reason: np.ndarray
    other_texts: int = 0
    unknown_ids: list[str] = field(default_factory=list)

    @property
    def valid(self) -> np.ndarray:
        """Boolean mask over respondents: gave a usable answer."""
        mask = np.zeros(self.n_respondents, dtype=bool)
        mask[self.resp] = True
        return mask

    @property
    def n_valid(self) -> int:
        """Respondents with a usable answer."""
        if self.item.type != "multi_choice":
            return int(self.resp.size)
        return int(np.count_nonzero(self.valid))

    def counts(self) -> np.ndarray:
        """Respondents per frequency row (ticks per option for multi_choice)."""
        if not self.row_ids:
            return np.zeros(0, dtype=np.int64)
        return np.bincount(self.cat[self.cat >= 0], minlength=len(self.row_ids))

    def category_by_respondent(self) -> np.ndarray:
        """Frequency row index per respondent, -1 without an answer (single-answer items)."""
        out = np.full(self.n_respondents, -1, dtype=np.int64)
        out[self.resp] = self.cat
        return out

    def value_by_respondent(self) -> np.ndarray:
        """Scale or numeric value per respondent, NaN without one (single-answer items)."""
        out = np.full(self.n_respondents, np.nan)
        out[self.resp] = self.val
        return out

    def ticked(self, row: int) -> np.ndarray:
        """Boolean mask over respondents: chose frequency row ``row``."""
        mask = np.zeros(self.n_respondents, dtype=bool)
        mask[self.resp[self.cat == row]] = True
        return mask

    def missing_reasons(self) -> pd.DataFrame:
        """``reason, n``: declared reasons first (most frequent first), then ``no answer``."""
        valid = self.valid
        keep = ~valid[self.missing_resp]
        resp = self.missing_resp[keep]
        reasons = self.missing_reason[keep]
        _, first = np.unique(resp, return_index=True)
        declared = pd.Series(reasons[np.sort(first)], dtype="object").value_counts(sort=True)
        n_declared = int(declared.sum())
        n_none = self.n_asked - int(valid.sum()) - n_declared
        rows = [(str(r), int(n)) for r, n in declared.items()]
        if n_none > 0:
            rows.append(("no answer", n_none))
        return pd.DataFrame(rows, columns=["reason", "n"]).astype({"n": "int64"})


class Prepared:
    """The answers and respondents of one analysis, factorised once.

    Parameters
    ----------
    answers : pandas.DataFrame
        Long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`).
    respondents : pandas.DataFrame
        One row per respondent kept (:data:`~microcred.ingest.answers.RESPONDENT_COLUMNS`).
    asked : dict of str -> set of str, optional
        Item id -> sources whose export has the item's column (``None``: every source).
    language : str, default "en"
        Language of the option labels.

    Raises
    ------
    InputError
        A required column is absent, a respondent id is repeated, or ``value`` is not
        numeric.
    """

    def __init__(
        self,
        answers: pd.DataFrame,
        respondents: pd.DataFrame | None = None,
        asked: dict[str, set[str]] | None = None,
        language: str = "en",
    ):
        _require(answers, ANSWERS_NEEDED, "answers")
        if respondents is None:
            respondents = respondents_from(answers)
        _require(respondents, RESPONDENTS_NEEDED, "respondents")
        self.language = language
        self.asked_sources = asked
        ids = pd.Index(_as_str(respondents["respondent_id"]))
        if ids.has_duplicates:
            dupes = ids[ids.duplicated()]
            raise InputError(
                "respondents", f"respondent id {dupes[0]!r} appears more than once",
                column="respondent_id",
            )
        self.respondent_ids = ids
        self.n = len(ids)
        src_codes, src_uniques = pd.factorize(_as_str(respondents["source_id"]))
        self.source_code = np.asarray(src_codes)
        self.source_ids = [str(s) for s in src_uniques]
        self.respondents = respondents

        self.resp = lookup(_as_str(answers["respondent_id"]), ids)
        item_codes, item_uniques = pd.factorize(answers["item_id"])
        item_codes = np.asarray(item_codes)
        if len(item_uniques) < np.iinfo(np.int16).max:
            item_codes = item_codes.astype(np.int16)  # stable argsort is then a radix sort
        order = np.argsort(item_codes, kind="stable")
        bounds = np.searchsorted(item_codes[order], np.arange(len(item_uniques) + 1))
        self.positions: dict[str, np.ndarray] = {
            str(item_id): order[bounds[i]: bounds[i + 1]] for i, item_id in enumerate(item_uniques)
        }
        opt_codes, opt_uniques = pd.factorize(answers["option_id"])
        self.opt_code = np.asarray(opt_codes, dtype=np.int64)
        self.opt_uniques = [str(o) for o in opt_uniques]
        self.value = _as_float(answers["value"], "answers")
        self.is_missing = answers["missing"].notna().to_numpy(dtype=bool)
        self.missing = answers["missing"]
        self.text = answers["text"]
        self._cache: dict[str, ItemData] = {}

    def asked_mask(self, item_id: str) -> np.ndarray:
        """Boolean mask over respondents: the item was in their source's export."""
        if self.asked_sources is None or item_id not in self.asked_sources:
            return np.ones(self.n, dtype=bool)
        wanted = self.asked_sources[item_id]
        codes = [i for i, s in enumerate(self.source_ids) if s in wanted]
        return np.isin(self.source_code, codes)

    def item(self, item: Item) -> ItemData:
        """The :class:`ItemData` of ``item`` (computed once, then cached)."""
        if item.id not in self._cache:
            self._cache[item.id] = self._item(item)
        return self._cache[item.id]

    def _item(self, item: Item) -> ItemData:
        asked = self.asked_mask(item.id)
        pos = self.positions.get(item.id, np.zeros(0, dtype=np.int64))
        r = self.resp[pos]
        keep = r >= 0
        keep[keep] = asked[r[keep]]
        pos, r = pos[keep], r[keep]
        miss = self.is_missing[pos]
        missing_resp = r[miss]
        missing_reason = (
            self.missing.iloc[pos[miss]].astype(str).to_numpy(dtype=object)
            if miss.any()
            else np.zeros(0, dtype=object)
        )
        vpos, vresp = pos[~miss], r[~miss]

        options = scored(item) if item.type in SCALE_TYPES else item.effective_options()
        row_ids = [o.id for o in options]
        labels = [o.label(self.language) for o in options]
        row_values = np.array(
            [o.value if o.value is not None else np.nan for o in options], dtype=float
        )
        n_options = len(options)
        other_index: int | None = None
        other_texts = 0
        unknown: list[str] = []

        if item.type == "numeric":
            val = self.value[vpos]
            ok = np.isfinite(val)
            cat = np.full(int(ok.sum()), -1, dtype=np.int64)
            vresp, val = vresp[ok], val[ok]
        elif item.type == "open_text":
            texts = self.text.iloc[vpos]
            ok = texts.notna().to_numpy(dtype=bool, copy=True)
            if ok.any():
                ok[ok] = texts[ok].astype(str).str.strip().ne("").to_numpy(dtype=bool)
            vresp = vresp[ok]
            cat = np.full(vresp.size, -1, dtype=np.int64)
            val = np.full(vresp.size, np.nan)
        else:
            index = {oid: i for i, oid in enumerate(row_ids)}
            if item.other.allowed:
                other_index = len(row_ids)
                index[item.other.option] = other_index
                row_ids.append(item.other.option)
                labels.append(_other_label(item, self.language))
                row_values = np.append(row_values, np.nan)
            gcode = self.opt_code[vpos]
            present = np.flatnonzero(
                np.bincount(gcode[gcode >= 0], minlength=len(self.opt_uniques))
            )
            lookup = np.full(len(self.opt_uniques) + 1, -1, dtype=np.int64)
            for code in present:
                oid = self.opt_uniques[code]
                if oid not in index:
                    if oid == item.other.option:
                        other_index = len(row_ids)
                        labels.append(_other_label(item, self.language))
                    else:
                        unknown.append(oid)
                        labels.append(oid)
                    index[oid] = len(row_ids)
                    row_ids.append(oid)
                    row_values = np.append(row_values, np.nan)
                lookup[code] = index[oid]
            cat = np.where(gcode >= 0, lookup[np.maximum(gcode, 0)], -1)
            raw_val = self.value[vpos]
            if item.type in SCALE_TYPES:
                # a scale answer given only as a value: find its option by value
                by_value = (cat < 0) & np.isfinite(raw_val)
                if by_value.any():
                    cat = cat.copy()
                    for v in np.unique(raw_val[by_value]):
                        hit = np.flatnonzero(row_values[:n_options] == v)
                        if hit.size:
                            idx = int(hit[0])
                        else:
                            oid = f"{v:g}"
                            if oid not in index:
                                index[oid] = len(row_ids)
                                row_ids.append(oid)
                                labels.append(oid)
                                unknown.append(oid)
                                row_values = np.append(row_values, v)
                            idx = index[oid]
                        cat[by_value & (raw_val == v)] = idx
            ok = cat >= 0
            vpos, vresp, cat, raw_val = vpos[ok], vresp[ok], cat[ok], raw_val[ok]
            val = row_values[cat] if row_values.size else np.zeros(0)
            if item.type in SCALE_TYPES:
                val = np.where(np.isfinite(val), val, raw_val)
            if other_index is not None and np.any(cat == other_index):
                texts = self.text.iloc[vpos[cat == other_index]].dropna().astype(str)
                other_texts = int(texts.str.strip().ne("").sum())

        # one answer per respondent (per option for multi_choice): keep the first
        key = vresp * max(len(row_ids), 1) + cat if item.type == "multi_choice" else vresp
        first = None
        if key.size and np.bincount(key).max() > 1:
            _, first = np.unique(key, return_index=True)
        if first is not None:
            first = np.sort(first)
            vresp, cat, val = vresp[first], cat[first], val[first]

        data = ItemData(
            item=item,
            n_respondents=self.n,
            asked=asked,
            n_asked=int(asked.sum()),
            row_ids=row_ids,
            labels=labels,
            row_values=row_values,
            n_options=n_options,
            other_index=other_index,
            resp=vresp,
            cat=cat,
            val=val,
            missing_resp=missing_resp,
            missing_reason=np.asarray(missing_reason, dtype=object),
            other_texts=other_texts,
            unknown_ids=unknown,
        )
        return data


def _other_label(item: Item, language: str) -> str:
    labels = item.other.labels
    for key in (language, "*", "en"):
        if key in labels:
            return labels[key]
    return next(iter(labels.values()), item.other.option)
