"""Catalogue fit: how well existing courses meet what respondents said they want.

A catalogue is a table of offerings (title, weeks, hours per week, ECTS, modality,
live sessions, levels, credential, price). :func:`read_catalogue` reads it from CSV or
XLSX and matches its categorical cells to the study's option ids; :func:`fit` scores
every course against a table of stated preferences (one row per respondent, see
:func:`preferences_from_answers`) and proposes the single changes that would reach the
most respondents no course serves.

A course *meets* a respondent when, on every dimension the catalogue and the study
share, the respondent stated no preference (NA) or the course satisfies it: for
duration and weekly hours the course value lies in the closed ``range`` of the chosen
option (in weeks and hours a week); for the other dimensions the course has the chosen
option id. A course that leaves a dimension blank does not meet a stated preference on
it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from microcred.design.brief import main_item
from microcred.design.ects import HOURS_PER_ECTS, DesignError, to_weeks
from microcred.errors import InputError
from microcred.ingest.mapping import normalise

if TYPE_CHECKING:
    from microcred.study.models import Item, Study

__all__ = [
    "CATALOGUE_COLUMNS",
    "CATEGORICAL_COLUMNS",
    "NUMERIC_COLUMNS",
    "FitResult",
    "fit",
    "match_catalogue",
    "preferences_from_answers",
    "read_catalogue",
]

CATALOGUE_COLUMNS = (
    "title",
    "weeks",
    "hours_per_week",
    "ects",
    "modality",
    "live_sessions",
    "levels",
    "credential",
    "price",
)
"""Columns of a catalogue, in order (only ``title`` is required)."""

NUMERIC_COLUMNS = {"weeks": "duration", "hours_per_week": "weekly_hours"}
"""Numeric catalogue column -> the construct whose option ranges it is compared with."""

CATEGORICAL_COLUMNS = {
    "modality": "modality",
    "live_sessions": "live_sessions",
    "levels": "modularity",
    "credential": "credential",
}
"""Categorical catalogue column -> the construct whose option ids its cells must match."""

_NUMBERS = ("weeks", "hours_per_week", "ects", "price")

_ALIASES = {
    "title": "title", "name": "title", "course": "title", "course_title": "title",
    "weeks": "weeks", "duration": "weeks", "duration_weeks": "weeks", "length_weeks": "weeks",
    "hours_per_week": "hours_per_week", "hours_week": "hours_per_week",
    "weekly_hours": "hours_per_week", "h_week": "hours_per_week",
    "ects": "ects", "ects_credits": "ects", "credits": "ects",
    "modality": "modality", "format": "modality", "mode": "modality",
    "live_sessions": "live_sessions", "live": "live_sessions",
    "levels": "levels", "modularity": "levels", "structure": "levels",
    "credential": "credential", "credential_type": "credential",
    "price": "price", "fee": "price", "cost": "price", "price_eur": "price",
}  # fmt: skip


def _column_key(header: str) -> str | None:
    key = re.sub(r"[\s/\-\.]+", "_", normalise(header)).strip("_")
    key = re.sub(r"_?\(.*\)$", "", key)  # "price (EUR)" -> "price"
    return _ALIASES.get(key)


# --------------------------------------------------------------------------- reading


def _raw(path: Path, sheet: str | int | None) -> Any:
    from microcred.ingest.formats.delimited import build_generic

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from microcred.ingest.formats.excel import read_grid as read_xlsx

        grid = read_xlsx(path, sheet)
    elif suffix in (".csv", ".tsv", ".txt"):
        from microcred.ingest.formats.delimited import read_grid as read_text

        grid = read_text(path, prefer="\t" if suffix == ".tsv" else None)
    else:
        raise InputError(str(path), "a catalogue must be a .csv, .tsv or .xlsx file")
    return build_generic(grid)


def _number(cell: object, file: str, row: int, column: str) -> float:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA:
        return float("nan")
    text = str(cell).strip()
    if text == "":
        return float("nan")
    try:
        decimal_comma = text.count(",") == 1 and "." not in text
        value = float(text.replace(",", ".") if decimal_comma else text)
    except ValueError:
        hint = ""
        if re.fullmatch(r"\s*\d+([.,]\d+)?\s*[-\u2013]\s*\d+([.,]\d+)?\s*", text):
            hint = " (give one number, e.g. the midpoint of the range)"
        raise InputError(file, f"{text!r} is not a number{hint}", row, column) from None
    if not np.isfinite(value) or value < 0:
        raise InputError(file, f"{text!r} must be a non-negative number", row, column)
    return value


def read_catalogue(
    path: str | Path, study: Study | None = None, *, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a catalogue of courses from CSV, TSV or XLSX.

    Parameters
    ----------
    path : str or pathlib.Path
        The file. Headers are matched case-insensitively, with a few aliases
        (``name`` or ``course`` for ``title``, ``hours/week`` for ``hours_per_week``,
        ``credential type``, ``price (EUR)``); other columns are ignored.
    study : Study, optional
        When given, categorical cells are matched to its option ids
        (:func:`match_catalogue`); otherwise they are kept as text.
    sheet : str or int, optional
        XLSX sheet (the first by default).

    Returns
    -------
    pandas.DataFrame, shape (n_courses, 10)
        Columns :data:`CATALOGUE_COLUMNS` and ``row`` (the spreadsheet row).
        ``weeks``, ``hours_per_week``, ``ects``, ``price`` are floats (NaN when blank
        or absent); categorical columns hold option ids (or text) or NA.

    Raises
    ------
    InputError
        Naming file, row and column: the file cannot be read, has no ``title``
        column, two headers mean the same column, a title is blank or repeated, a
        number is not a non-negative number, a categorical cell matches no option.

    Notes
    -----
    CSV is read with microcred's delimited-text reader (encoding and delimiter
    detection), XLSX with openpyxl, as survey exports are.
    """
    path = Path(path)
    file = str(path)
    raw = _raw(path, sheet)
    positions: dict[str, int] = {}
    for index, header in enumerate(raw.headers):
        key = _column_key(str(header)) if header is not None else None
        if key is None:
            continue
        if key in positions:
            raise InputError(
                file,
                f"columns {raw.headers[positions[key]]!r} and {header!r} are both read as {key!r}",
                1,
                str(header),
            )
        positions[key] = index
    if "title" not in positions:
        raise InputError(
            file,
            "no 'title' column; expected columns: " + ", ".join(CATALOGUE_COLUMNS),
            1,
        )
    rows = [int(r) for r in raw.rows]
    data: dict[str, list[Any]] = {c: [] for c in CATALOGUE_COLUMNS}
    seen: dict[str, int] = {}
    for k, row in enumerate(rows):
        for column in CATALOGUE_COLUMNS:
            header = raw.headers[positions[column]] if column in positions else column
            cell = raw.data.iat[k, positions[column]] if column in positions else None
            if column in _NUMBERS:
                data[column].append(_number(cell, file, row, str(header)))
                continue
            text = (
                None
                if cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell))
                else " ".join(str(cell).split())
            )
            if column == "title":
                if not text:
                    raise InputError(file, "the course title is blank", row, str(header))
                key = normalise(text)
                if key in seen:
                    raise InputError(file, f"the title repeats row {seen[key]}", row, str(header))
                seen[key] = row
            data[column].append(text if text else pd.NA)
    frame = pd.DataFrame(data)
    for column in _NUMBERS:
        frame[column] = frame[column].astype(float)
    frame["row"] = rows
    if frame.empty:
        raise InputError(file, "the catalogue has a header but no courses", 1)
    frame.attrs["file"] = file
    frame.attrs["columns"] = sorted(positions)
    if study is not None:
        frame = match_catalogue(study, frame, file)
    return frame


def _lookup(item: Item) -> dict[str, str]:
    table: dict[str, str] = {}
    for option in item.options:
        keys = [option.id, *option.all_labels()]
        if option.code is not None:
            keys.append(str(option.code))
        for key in keys:
            table.setdefault(normalise(str(key)), option.id)
    return table


def match_catalogue(study: Study, frame: pd.DataFrame, file: str | None = None) -> pd.DataFrame:
    """Replace the categorical cells of a catalogue by the study's option ids.

    Parameters
    ----------
    study : Study
    frame : pandas.DataFrame
        From :func:`read_catalogue` (or built by hand with the same columns; ``row``
        is optional).
    file : str, optional
        Shown in error messages (``frame.attrs["file"]`` or "catalogue" by default).

    Returns
    -------
    pandas.DataFrame
        A copy whose ``modality``, ``live_sessions``, ``levels`` and ``credential``
        cells are option ids of the construct's first single_choice/ordinal item.
        Columns whose construct the study lacks are left as they are.

    Raises
    ------
    InputError
        A cell matches no label, alias, code or id of the construct's options
        (normalised as the importer does: case, accents form, whitespace).

    References
    ----------
    Matching as :func:`microcred.ingest.mapping.normalise`.
    """
    file = file or str(frame.attrs.get("file", "catalogue"))
    out = frame.copy()
    rows = out["row"].tolist() if "row" in out.columns else [i + 2 for i in range(len(out))]
    for column, construct in CATEGORICAL_COLUMNS.items():
        if column not in out.columns:
            continue
        item = main_item(study, construct)
        if item is None:
            continue
        lookup = _lookup(item)
        values = []
        for cell, row in zip(out[column].tolist(), rows, strict=True):
            if cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell)):
                values.append(pd.NA)
                continue
            option = lookup.get(normalise(str(cell)))
            if option is None:
                known = ", ".join(o.id for o in item.options)
                raise InputError(
                    file,
                    f"{str(cell)!r} is not an option of {item.id!r} (options: {known})",
                    int(row),
                    column,
                )
            values.append(option)
        out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


# --------------------------------------------------------------------------- preferences


def preferences_from_answers(
    study: Study, answers: pd.DataFrame, respondents: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per respondent, one column per construct: the option they chose.

    Parameters
    ----------
    study : Study
    answers : pandas.DataFrame
        Long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`).
    respondents : pandas.DataFrame, optional
        Respondents to include (``respondent_id`` column); every respondent in
        ``answers`` by default.

    Returns
    -------
    pandas.DataFrame, shape (n_respondents, n_constructs)
        Index ``respondent_id``; a column for every construct that has a
        single_choice or ordinal item, holding the option id chosen in its first such
        item, NA when not answered, declared missing or answered 'Other' (free text
        cannot be checked against a course).

    Raises
    ------
    InputError
        If ``answers`` lacks ``respondent_id``, ``item_id`` or ``option_id``.
    """
    for column in ("respondent_id", "item_id", "option_id"):
        if column not in answers.columns:
            raise InputError("answers", f"the answers have no {column!r} column", column=column)
    if respondents is not None:
        ids = pd.Index(respondents["respondent_id"].astype(str).unique(), name="respondent_id")
    else:
        ids = pd.Index(answers["respondent_id"].astype(str).unique(), name="respondent_id")
    out = pd.DataFrame(index=ids)
    for construct in study.constructs:
        item = main_item(study, construct.id)
        if item is None or construct.id in out.columns:
            continue
        declared = {o.id for o in item.options}
        rows = answers[answers["item_id"] == item.id]
        if "missing" in rows.columns:
            rows = rows[rows["missing"].isna()]
        rows = rows[rows["option_id"].notna()]
        rows = rows[rows["option_id"].astype(str).isin(declared)]
        first = rows.drop_duplicates("respondent_id")
        chosen = dict(
            zip(first["respondent_id"].astype(str), first["option_id"].astype(str), strict=True)
        )
        out[construct.id] = pd.Series(
            [chosen.get(rid, pd.NA) for rid in ids], index=ids, dtype=object
        )
    return out


# --------------------------------------------------------------------------- fit


@dataclass
class FitResult:
    """How a catalogue meets stated preferences.

    Attributes
    ----------
    dimensions : list of str
        Constructs compared (catalogue column and study construct both present).
    n_respondents : int
    courses : pandas.DataFrame
        One row per course, best first: ``title, n, base, pct, ci_low, ci_high``
        (respondents whose every stated preference it meets; Wilson 95%),
        ``unmet_<construct>`` (respondents it misses on that dimension), ``unmet``
        (the dimensions in words, most missed first), ``ects``, ``ects_low``,
        ``ects_high`` (from weeks x hours/week at 25-30 h per credit),
        ``ects_consistent``, ``price``.
    by_profile : pandas.DataFrame or None
        ``title, profile, n, base, pct, ci_low, ci_high`` when profiles are given.
    unmet : pandas.DataFrame
        Long form: ``title, dimension, n, pct`` (share of all respondents).
    unserved : pandas.DataFrame
        Respondents no course serves: ``respondent_id`` (and ``profile``).
    profiles : pandas.DataFrame or None
        ``profile, n, n_unserved, pct_unserved, best_course, best_pct,
        served_by_none`` (no course meets any member).
    changes : pandas.DataFrame
        Single changes that would serve unserved respondents, most first:
        ``title, dimension, column, current, new_value, new_label, n_reached,
        pct_of_unserved, by_profile`` (in words) and ``by_profile_n`` (profile name ->
        respondents reached; ``"(none)"`` for those in no profile).
    notes : list of str
    unserved_n : int or str, optional
        Set in a shared copy (:func:`microcred.privacy.later.share_integration`), where
        ``unserved`` is emptied: the number of respondents no course serves, or its
        label when hidden.
    """

    dimensions: list[str]
    n_respondents: int
    courses: pd.DataFrame
    by_profile: pd.DataFrame | None
    unmet: pd.DataFrame
    unserved: pd.DataFrame
    profiles: pd.DataFrame | None
    changes: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    unserved_n: Any = None

    @property
    def n_unserved(self) -> Any:
        """Respondents no course serves (a count, or its label in a shared copy)."""
        if self.unserved_n is not None:
            return self.unserved_n
        return len(self.unserved)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: every table as a list of records (NaN/NA as ``None``).

        ``unserved`` is given as ``{"n": ...}`` (how many respondents no course
        serves): respondent ids are never written.
        """

        def records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
            if frame is None:
                return None
            clean = frame.astype(object).where(frame.notna(), None)
            return [
                {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                for row in clean.to_dict(orient="records")
            ]

        return {
            "dimensions": list(self.dimensions),
            "n_respondents": self.n_respondents,
            "courses": records(self.courses),
            "by_profile": records(self.by_profile),
            "unmet": records(self.unmet),
            "unserved": {"n": self.n_unserved},
            "profiles": records(self.profiles),
            "changes": records(self.changes),
            "notes": list(self.notes),
        }


@dataclass
class _Dimension:
    construct: str
    column: str
    numeric: bool
    item: Item
    pref: np.ndarray  # option id per respondent (object, None = no preference)
    low: np.ndarray  # numeric: range low per respondent (nan = none)
    high: np.ndarray

    def meets(self, values: np.ndarray) -> np.ndarray:
        """(n_respondents, n_values) bool: respondent r is met by value v."""
        stated = np.array([p is not None for p in self.pref])
        if self.numeric:
            v = np.asarray(values, dtype=float)[None, :]
            with np.errstate(invalid="ignore"):
                ok = (self.low[:, None] <= v) & (v <= self.high[:, None])
        else:
            prefs = np.array([p if p is not None else "" for p in self.pref], dtype=object)
            vals = np.array([v if isinstance(v, str) else None for v in values], dtype=object)
            ok = prefs[:, None] == vals[None, :]
        return np.asarray(ok | ~stated[:, None])


def _wilson(count: np.ndarray, base: np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    from microcred.quant.proportions import wilson_ci

    return wilson_ci(count, base)


def _dimensions(
    study: Study, preferences: pd.DataFrame, catalogue: pd.DataFrame, notes: list[str]
) -> list[_Dimension]:
    dims: list[_Dimension] = []
    pairs = [(c, k, True) for c, k in NUMERIC_COLUMNS.items()] + [
        (c, k, False) for c, k in CATEGORICAL_COLUMNS.items()
    ]
    present = set(catalogue.attrs.get("columns", catalogue.columns))
    for column, construct, numeric in pairs:
        item = main_item(study, construct)
        if item is None or construct not in preferences.columns:
            continue
        if column not in catalogue.columns or column not in present:
            notes.append(f"{construct}: the catalogue has no {column!r} column, not compared")
            continue
        raw = preferences[construct].tolist()
        options = {o.id: o for o in item.options}
        pref: list[str | None] = []
        low = np.full(len(raw), np.nan)
        high = np.full(len(raw), np.nan)
        unusable = 0
        unit = next((c.unit for c in study.constructs if c.id == construct), None)
        for r, value in enumerate(raw):
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                pref.append(None)
                continue
            option = options.get(str(value))
            if option is None or (numeric and option.range is None):
                unusable += 1
                pref.append(None)
                continue
            pref.append(option.id)
            if numeric and option.range is not None:
                if construct == "duration":
                    low[r], high[r] = to_weeks(option.range, unit)
                else:
                    if unit not in (None, "hours_per_week"):
                        raise DesignError(
                            f"weekly_hours ranges are in {unit!r}; catalogue fit needs "
                            "hours_per_week"
                        )
                    low[r], high[r] = option.range
        if unusable:
            notes.append(
                f"{construct}: {unusable} answers name an option without a usable range or "
                "not in the study; treated as no stated preference"
            )
        dims.append(
            _Dimension(construct, column, numeric, item, np.array(pref, dtype=object), low, high)
        )
    return dims


def _label(item: Item, option_id: str, language: str) -> str:
    for option in item.options:
        if option.id == option_id:
            return option.label(language)
    return option_id


def _amount(value: float, column: str) -> str:
    """``8 weeks``, ``1 week``, ``1 hour a week``, ``6 hours a week``."""
    unit = "week" if column == "weeks" else "hour"
    plural = "" if value == 1 else "s"
    return f"{_num(value)} {unit}{plural}" + ("" if column == "weeks" else " a week")


def _num(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def fit(
    study: Study,
    preferences: pd.DataFrame,
    catalogue: pd.DataFrame,
    profiles: pd.Series | None = None,
) -> FitResult:
    """Score every course of a catalogue against respondents' stated preferences.

    Parameters
    ----------
    study : Study
        Gives the options (ids, ``range`` and the construct ``unit``) per dimension.
    preferences : pandas.DataFrame, shape (n_respondents, n_constructs)
        One row per respondent (index = respondent id), a column per construct with
        the chosen option id; NA = no stated preference, which any course meets.
    catalogue : pandas.DataFrame, shape (n_courses, ...)
        From :func:`read_catalogue` (categorical cells are matched to option ids
        here if they are not yet).
    profiles : pandas.Series, optional
        Respondent id -> profile name (aligned on ``preferences.index``).

    Returns
    -------
    FitResult
        Per course: share of respondents served with Wilson 95% CI, unmet dimensions
        with counts, and per profile; the respondents and profiles no course serves;
        ranked single changes (course, dimension, new value) by how many unserved
        respondents each would serve.

    Raises
    ------
    InputError
        A catalogue cell matches no option (see :func:`match_catalogue`).
    DesignError
        No dimension can be compared, there are no respondents, or a unit is unusable.

    Notes
    -----
    Numeric dimensions compare the course value with the chosen option's closed
    range (duration ranges converted to weeks: 1 month = 52/12 weeks). Candidate new
    values for a change are the declared options (categorical) or every endpoint of
    the options' ranges (numeric): the point covered by the most ranges is always an
    endpoint, so no better single value is missed. A change counts the respondents
    served by no course whom the changed course would then meet on every dimension.
    Proportions use Wilson score intervals
    (:func:`microcred.quant.proportions.wilson_ci`).
    """
    notes: list[str] = []
    if len(preferences) == 0:
        raise DesignError("no respondents in the preferences table")
    catalogue = match_catalogue(study, catalogue)
    dims = _dimensions(study, preferences, catalogue, notes)
    if not dims:
        raise DesignError(
            "nothing to compare: the catalogue and the study share none of "
            + ", ".join(f"{c} ({k})" for c, k in {**NUMERIC_COLUMNS, **CATEGORICAL_COLUMNS}.items())
        )
    language = study.study.languages[0] if study.study.languages else "en"
    titles = catalogue["title"].astype(str).tolist()
    n_resp, n_courses = len(preferences), len(catalogue)
    per_dim = []
    for dim in dims:
        per_dim.append(dim.meets(catalogue[dim.column].to_numpy(dtype=object)))
    stack = np.stack(per_dim)  # (n_dims, n_resp, n_courses)
    served = np.asarray(stack.all(axis=0), dtype=bool)
    n_served = served.sum(axis=0)
    lo, hi = _wilson(n_served, n_resp)

    courses = pd.DataFrame(
        {"title": titles, "n": n_served.astype(int), "base": n_resp,
         "pct": n_served / n_resp, "ci_low": lo, "ci_high": hi}
    )  # fmt: skip
    unmet_rows = []
    words = []
    for d, dim in enumerate(dims):
        missed = (~stack[d]).sum(axis=0).astype(int)
        courses[f"unmet_{dim.construct}"] = missed
        for c in range(n_courses):
            unmet_rows.append((titles[c], dim.construct, int(missed[c]), missed[c] / n_resp))
    for c in range(n_courses):
        missed = sorted(
            ((int((~stack[d][:, c]).sum()), dim.construct) for d, dim in enumerate(dims)),
            key=lambda t: (-t[0], t[1]),
        )
        words.append(", ".join(f"{name} ({n})" for n, name in missed if n > 0) or "none")
    courses["unmet"] = words
    weekly = catalogue["weeks"].astype(float) * catalogue["hours_per_week"].astype(float)
    courses["ects"] = catalogue["ects"].astype(float).to_numpy()
    courses["ects_low"] = (weekly / HOURS_PER_ECTS[1]).to_numpy()
    courses["ects_high"] = (weekly / HOURS_PER_ECTS[0]).to_numpy()
    tolerance = 0.05
    courses["ects_consistent"] = [
        None if np.isnan(e) or np.isnan(a) else bool(a - tolerance <= e <= b + tolerance)
        for e, a, b in zip(courses["ects"], courses["ects_low"], courses["ects_high"], strict=True)
    ]
    courses["price"] = catalogue["price"].astype(float).to_numpy()
    courses = courses.sort_values(["n", "title"], ascending=[False, True], kind="stable")
    courses = courses.reset_index(drop=True)
    unmet = pd.DataFrame(unmet_rows, columns=["title", "dimension", "n", "pct"])

    anyone = served.any(axis=1)
    respondent_ids = preferences.index.astype(str)
    unserved = pd.DataFrame({"respondent_id": respondent_ids[~anyone]})
    profile_values: np.ndarray | None = None
    by_profile = None
    profile_table = None
    if profiles is not None:
        aligned = profiles.reindex(preferences.index)
        profile_values = aligned.astype(object).where(aligned.notna(), None).to_numpy()
        unserved["profile"] = profile_values[~anyone]
        names = sorted({str(p) for p in profile_values if p is not None})
        bp_rows = []
        prof_rows = []
        for name in names:
            members = np.array([p is not None and str(p) == name for p in profile_values])
            size = int(members.sum())
            counts = served[members].sum(axis=0)
            plo, phi = _wilson(counts, size)
            for c in range(n_courses):
                bp_rows.append(
                    (titles[c], name, int(counts[c]), size, counts[c] / size, plo[c], phi[c])
                )
            best = int(np.argmax(counts))
            n_uns = int((members & ~anyone).sum())
            prof_rows.append(
                (name, size, n_uns, n_uns / size, titles[best], counts[best] / size,
                 bool(counts.max() == 0))
            )  # fmt: skip
        by_profile = pd.DataFrame(
            bp_rows, columns=["title", "profile", "n", "base", "pct", "ci_low", "ci_high"]
        )
        profile_table = pd.DataFrame(
            prof_rows,
            columns=["profile", "n", "n_unserved", "pct_unserved", "best_course", "best_pct",
                     "served_by_none"],
        )  # fmt: skip

    change_rows = []
    n_unserved = int((~anyone).sum())
    if n_unserved:
        for d, dim in enumerate(dims):
            others = np.ones((n_resp, n_courses), dtype=bool)
            for e in range(len(dims)):
                if e != d:
                    others &= stack[e]
            if dim.numeric:
                ends = sorted(
                    {float(x) for x in np.concatenate([dim.low, dim.high]) if np.isfinite(x)}
                )
                candidates: list[Any] = ends
            else:
                candidates = [o.id for o in dim.item.options]
            if not candidates:
                continue
            met = dim.meets(np.array(candidates, dtype=float if dim.numeric else object))
            for c in range(n_courses):
                current = catalogue[dim.column].iloc[c]
                target = ~anyone & others[:, c]
                if not target.any():
                    continue
                gains = (target[:, None] & met).sum(axis=0)
                order: list[int] = list(range(len(candidates)))
                if dim.numeric and not pd.isna(current):
                    # Nearest value first: of several values that reach the same
                    # learners, only the smallest change to the course is proposed.
                    order = sorted(order, key=lambda v: abs(candidates[v] - float(current)))
                seen: set[bytes] = set()
                for v in order:
                    value = candidates[v]
                    gain = int(gains[v])
                    same = (not dim.numeric and isinstance(current, str) and current == value) or (
                        dim.numeric and not pd.isna(current) and float(current) == value
                    )
                    if gain == 0 or same:
                        continue
                    reached = target & met[:, v]
                    if reached.tobytes() in seen:
                        continue
                    seen.add(reached.tobytes())
                    split = ""
                    reached_n: dict[str, int] = {}
                    if profile_values is not None:
                        names_hit = pd.Series(
                            [str(p) if p is not None else "(none)" for p in profile_values[reached]]
                        ).value_counts()
                        split = ", ".join(f"{k}: {n}" for k, n in names_hit.items())
                        reached_n = {str(k): int(n) for k, n in names_hit.items()}
                    new_label = (
                        _amount(value, dim.column)
                        if dim.numeric
                        else _label(dim.item, value, language)
                    )
                    change_rows.append(
                        (titles[c], dim.construct, dim.column,
                         None if pd.isna(current) else current, value, new_label, gain,
                         gain / n_unserved, split, reached_n)
                    )  # fmt: skip
    changes = pd.DataFrame(
        change_rows,
        columns=["title", "dimension", "column", "current", "new_value", "new_label",
                 "n_reached", "pct_of_unserved", "by_profile", "by_profile_n"],
    )  # fmt: skip
    if len(changes):
        changes = changes.sort_values(
            ["n_reached", "title", "dimension"], ascending=[False, True, True], kind="stable"
        ).reset_index(drop=True)
    return FitResult(
        dimensions=[d.construct for d in dims],
        n_respondents=n_resp,
        courses=courses,
        by_profile=by_profile,
        unmet=unmet,
        unserved=unserved,
        profiles=profile_table,
        changes=changes,
        notes=notes,
    )
