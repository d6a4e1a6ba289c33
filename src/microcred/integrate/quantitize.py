"""Quantitizing: qualitative codes become respondent-level variables.

:func:`quantitize` turns codings of units (open answers, transcript turns linked to
respondents) into one row per respondent with, for every code, a 0/1 presence column
``code:<id>`` and a count column ``count:<id>`` (how many of the respondent's units
carry the code). A respondent none of whose units was coded gets NA, never 0: not
having been coded is not the same as not having said something.

:func:`as_answers` writes those variables in the long answers form of
:data:`microcred.ingest.answers.ANSWER_COLUMNS`, one yes/no ``single_choice``
pseudo-item per code (``theme_<code_id>``), with the matching
:class:`~microcred.study.models.Item` models, so that frequency tables, segments and
comparisons (:func:`microcred.quant.analyse`, :func:`microcred.quant.comparisons.compare`)
work on them unchanged. :func:`code_comparisons` runs the crosstabs codes x groups.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from microcred.errors import InputError
from microcred.integrate._common import IntegrateError, require

if TYPE_CHECKING:
    import pandas as pd

    from microcred.qual.codebook import Codebook
    from microcred.quant.results import ComparisonResult
    from microcred.study.models import Item, Study

__all__ = [
    "CODE_PREFIX",
    "COUNT_PREFIX",
    "DEFAULT_STATUSES",
    "ITEM_PREFIX",
    "CodeItems",
    "as_answers",
    "code_columns",
    "code_comparisons",
    "quantitize",
    "theme_item_id",
    "with_code_items",
]

CODE_PREFIX = "code:"
"""Prefix of the 0/1 presence columns of :func:`quantitize`."""
COUNT_PREFIX = "count:"
"""Prefix of the count columns of :func:`quantitize`."""
ITEM_PREFIX = "theme_"
"""Prefix of the pseudo-items of :func:`as_answers`."""
DEFAULT_STATUSES = ("human", "confirmed", "proposed")
"""Codings used by default: human ones, and machine ones not rejected by a human."""

Combine = Literal["any", "majority", "all"]

_ORIGINS = frozenset({"human", "machine"})
_YES = {"en": "Yes", "es": "Sí", "ca": "Sí"}
_NO = {"en": "No", "es": "No", "ca": "No"}


def _decisions(codings: pd.DataFrame, origin: Sequence[str], statuses: Sequence[str],
               combine: Combine) -> pd.DataFrame:  # fmt: skip
    """One presence decision per (unit, code): ``unit_id, code_id, present``."""
    import pandas as pd

    frame = codings[["unit_id", "code_id", "origin", "status", "present"]].copy()
    frame = frame[frame["origin"].isin(list(origin)) & frame["status"].isin(list(statuses))]
    present = pd.to_numeric(frame["present"], errors="coerce")
    bad = frame["present"].notna() & ~present.isin([0, 1])
    if bad.any():
        raise InputError("codings", "present must be 0 or 1 in every coding", column="present")
    frame["present"] = present
    frame = frame[frame["present"].notna()]
    frame["unit_id"] = frame["unit_id"].astype(str)
    frame["code_id"] = frame["code_id"].astype(str)
    # human codings of a (unit, code) win over machine ones
    human = (frame["origin"] == "human").to_numpy(dtype=bool)
    if human.any():
        pairs = frame.loc[human, ["unit_id", "code_id"]].drop_duplicates()
        has_human = frame[["unit_id", "code_id"]].merge(
            pairs, how="left", indicator=True
        )["_merge"].eq("both").to_numpy(dtype=bool)
        frame = frame[human | ~has_human]
    grouped = frame.groupby(["unit_id", "code_id"], sort=False)["present"]
    if combine == "any":
        decided = grouped.max()
    elif combine == "all":
        decided = grouped.min()
    else:
        decided = (grouped.mean() > 0.5).astype(float)
    out = decided.reset_index()
    out["present"] = out["present"].astype("int64")
    return out


def quantitize(
    units: pd.DataFrame,
    codings: pd.DataFrame,
    respondents: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    origin: Sequence[str] = ("human", "machine"),
    statuses: Sequence[str] = DEFAULT_STATUSES,
    combine: Combine = "any",
    documents: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Respondent-level code variables: presence (0/1) and count of coded units.

    Parameters
    ----------
    units : pandas.DataFrame, shape (n_units, >= 2)
        Units (:data:`microcred.qual.units.UNIT_COLUMNS`); ``unit_id`` and
        ``respondent_id`` are used (and ``document`` with ``documents``). Units
        without a respondent (unlinked focus-group speakers) cannot be quantitized and
        are left out.
    codings : pandas.DataFrame, shape (n_codings, >= 5)
        Codings (:data:`microcred.qual.units.CODING_COLUMNS`): ``unit_id, code_id,
        origin, status, present`` are used.
    respondents : pandas.DataFrame, shape (n_respondents, >= 1)
        Respondents kept for analysis (``respondent_id``): one output row each, in
        this order. Units of other respondents are ignored.
    codebook : Codebook, optional
        Gives the codes and their order: one pair of columns per codable code (and
        per category code that appears in the codings). Without it, every code id
        found in ``codings`` (before any filtering), sorted.
    origin : sequence of {"human", "machine"}, default both
        Codings of these origins are used.
    statuses : sequence of str, default ("human", "confirmed", "proposed")
        Codings with these statuses are used; the default leaves out machine
        proposals a human rejected.
    combine : {"any", "majority", "all"}, default "any"
        How the codings of several coders of one unit and code become one decision:
        present if any coder says so, if more than half do (a tie is absent), or if
        all do. Human codings of a (unit, code) are used alone when there are any;
        machine codings decide only the (unit, code) pairs no human coded.
    documents : sequence of str, optional
        Use only units of these documents (survey item ids, transcript names).

    Returns
    -------
    pandas.DataFrame, shape (n_respondents, 2 + 2 * n_codes)
        ``respondent_id`` (str), ``n_units`` (int64: the respondent's coded units),
        then per code ``code:<id>`` (Int64, 1 if at least one of the respondent's
        units carries the code, else 0) and ``count:<id>`` (Int64, how many units
        carry it). Both are NA for a respondent with no coded unit. A unit counts as
        coded when at least one coding of it (with any code, present or absent) is
        kept by ``origin``/``statuses``; codes not applied to a coded unit are 0.

    Raises
    ------
    InputError
        A frame lacks a column, ``present`` is not 0/1, a respondent id repeats, or
        a code is not in ``codebook``.
    IntegrateError
        ``origin`` or ``combine`` is not one of the allowed values.

    Notes
    -----
    Quantitizing qualitative codes into dichotomous (present/absent) and count
    variables follows Sandelowski, Voils & Knafl (2009); the NA for uncoded
    respondents follows their caution that absence of a code in an uncoded text is
    not evidence of absence.

    References
    ----------
    .. [1] Sandelowski, M., Voils, C. I. & Knafl, G. (2009). On quantitizing. Journal
       of Mixed Methods Research 3(3), 208-222.
    .. [2] Fetters, M. D., Curry, L. A. & Creswell, J. W. (2013). Achieving integration
       in mixed methods designs. Health Services Research 48(6pt2), 2134-2156.
    """
    import pandas as pd

    unknown = sorted(set(origin) - _ORIGINS)
    if unknown or not origin:
        raise IntegrateError(f"origin must be 'human' and/or 'machine', got {list(origin)!r}")
    if combine not in ("any", "majority", "all"):
        raise IntegrateError(f"combine must be 'any', 'majority' or 'all', got {combine!r}")
    require(units, ("unit_id", "respondent_id") + (("document",) if documents else ()), "units")
    require(codings, ("unit_id", "code_id", "origin", "status", "present"), "codings")
    require(respondents, ("respondent_id",), "respondents")
    ids = pd.Index(respondents["respondent_id"].astype(str), name="respondent_id")
    if ids.has_duplicates:
        raise InputError("respondents", f"respondent id {ids[ids.duplicated()][0]!r} appears "
                         "more than once", column="respondent_id")  # fmt: skip

    linked = units[units["respondent_id"].notna()]
    if documents is not None:
        linked = linked[linked["document"].astype(str).isin([str(d) for d in documents])]
    owner = pd.Series(
        linked["respondent_id"].astype(str).to_numpy(),
        index=linked["unit_id"].astype(str).to_numpy(),
    )
    owner = owner[~owner.index.duplicated()]

    decided = _decisions(codings, origin, statuses, combine)
    decided["respondent_id"] = decided["unit_id"].map(owner)
    decided = decided[decided["respondent_id"].notna() & decided["respondent_id"].isin(ids)]

    seen = sorted(set(codings["code_id"].dropna().astype(str)))
    if codebook is not None:
        walked = codebook.walk()
        known = {c.id for c in walked}
        strangers = [c for c in seen if c not in known]
        if strangers:
            raise InputError("codings", f"code(s) not in codebook {codebook.id!r}: "
                             f"{', '.join(strangers[:5])}", column="code_id")  # fmt: skip
        used = set(seen)
        codes = [c.id for c in walked if c.codable or c.id in used]
    else:
        codes = seen

    coded_units = decided.groupby("respondent_id")["unit_id"].nunique()
    n_units = coded_units.reindex(ids, fill_value=0).astype("int64")
    hits = decided[decided["present"] == 1]
    counts = (
        hits.groupby(["respondent_id", "code_id"])["unit_id"].nunique().unstack(fill_value=0)
        if len(hits)
        else pd.DataFrame(index=pd.Index([], name="respondent_id"))
    )
    counts = counts.reindex(index=ids, columns=codes, fill_value=0).astype("Int64")
    uncoded = (n_units == 0).to_numpy()
    counts.loc[uncoded, :] = pd.NA

    out = pd.DataFrame({"respondent_id": ids.to_numpy(), "n_units": n_units.to_numpy()})
    columns: dict[str, pd.Series] = {}
    for code in codes:
        count = counts[code].reset_index(drop=True)
        columns[CODE_PREFIX + code] = (count > 0).astype("Int64")
        columns[COUNT_PREFIX + code] = count
    if columns:
        out = pd.concat([out, pd.DataFrame(columns)], axis=1)
    return out


def code_columns(quantitized: pd.DataFrame) -> list[str]:
    """The code ids of a :func:`quantitize` frame, in its column order.

    Parameters
    ----------
    quantitized : pandas.DataFrame
        Output of :func:`quantitize`.

    Returns
    -------
    list of str
        Ids taken from the ``code:<id>`` columns.
    """
    return [c[len(CODE_PREFIX):] for c in quantitized.columns if str(c).startswith(CODE_PREFIX)]


def theme_item_id(code_id: str, prefix: str = ITEM_PREFIX) -> str:
    """The pseudo-item id of a code: ``prefix + code_id``, kept within 64 characters.

    Parameters
    ----------
    code_id : str
    prefix : str, default "theme_"

    Returns
    -------
    str
        ``prefix + code_id``; when that exceeds the 64 characters of a study
        identifier, the code id is cut and an 8-hex-digit CRC-32 of it appended.
    """
    item_id = prefix + code_id
    if len(item_id) <= 64:
        return item_id
    digest = f"{zlib.crc32(code_id.encode()):08x}"
    return f"{prefix}{code_id[: 64 - len(prefix) - 9]}_{digest}"


class CodeItems(NamedTuple):
    """Quantitized codes as long answers plus the pseudo-items that describe them."""

    answers: pd.DataFrame
    """Long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`)."""
    items: list[Item]
    """One ``single_choice`` item (yes/no) per code, then numeric count items if asked."""


def as_answers(
    quantitized: pd.DataFrame,
    *,
    codebook: Codebook | None = None,
    respondents: pd.DataFrame | None = None,
    prefix: str = ITEM_PREFIX,
    counts: bool = False,
    construct: str | None = None,
    source_id: str = "codes",
) -> CodeItems:
    """Write quantitized codes as long answers with one yes/no pseudo-item per code.

    Parameters
    ----------
    quantitized : pandas.DataFrame
        Output of :func:`quantitize`.
    codebook : Codebook, optional
        Gives each pseudo-item its text (the code's names in every language).
    respondents : pandas.DataFrame, optional
        Respondents (``respondent_id``, ``source_id``, ``row``): each answer gets its
        respondent's source and row, so per-source bases stay right. Without it,
        ``source_id`` is ``source_id`` and ``row`` the 1-based position + 1.
    prefix : str, default "theme_"
        Prefix of the pseudo-item ids (see :func:`theme_item_id`).
    counts : bool, default False
        Also add one ``numeric`` item per code (``<prefix>n_<code_id>``) holding the
        count of coded units.
    construct : str, optional
        Construct id given to every pseudo-item. Left ``None`` by default so that the
        pseudo-items never enter a study construct's rankings or design brief.
    source_id : str, default "codes"
        Source of the answers when ``respondents`` is not given.

    Returns
    -------
    CodeItems
        ``answers``: one row per respondent with a coded unit and code, ``option_id``
        ``"yes"``/``"no"`` (and, with ``counts``, a ``value`` row per count item);
        respondents with NA (no coded unit) have no row, so they count as not
        answering and the base of every percentage is the coded respondents.
        ``items``: the matching :class:`~microcred.study.models.Item` models, to add
        to the study (see :func:`with_code_items`).

    Raises
    ------
    InputError
        ``quantitized`` lacks ``respondent_id`` or has no ``code:`` column.

    Notes
    -----
    Analysing these answers with :func:`microcred.quant.analyse` gives, for each
    code, ``n`` of option ``yes`` = respondents with the code and ``n_valid`` =
    respondents with a coded unit, i.e. the counts :func:`quantitize` started from.
    """
    import numpy as np
    import pandas as pd

    from microcred.study.models import Item, Option

    require(quantitized, ("respondent_id",), "quantitized codes")
    codes = code_columns(quantitized)
    if not codes:
        raise InputError("quantitized codes", "no 'code:<id>' column: nothing to write")
    names: dict[str, dict[str, str]] = {}
    if codebook is not None:
        names = {c.id: dict(c.name) for c in codebook.walk()}
    rid = quantitized["respondent_id"].astype(str).reset_index(drop=True)
    if respondents is not None:
        require(respondents, ("respondent_id", "source_id"), "respondents")
        info = respondents.assign(respondent_id=respondents["respondent_id"].astype(str))
        info = info.drop_duplicates("respondent_id").set_index("respondent_id")
        src = rid.map(info["source_id"].astype(str)).fillna(source_id)
        if "row" in info.columns:
            rows = rid.map(info["row"]).fillna(0).astype("int64")
        else:
            rows = pd.Series(np.arange(2, len(rid) + 2), dtype="int64")
    else:
        src = pd.Series([source_id] * len(rid), dtype="object")
        rows = pd.Series(np.arange(2, len(rid) + 2), dtype="int64")

    yes_no = [Option(id="yes", labels=dict(_YES)), Option(id="no", labels=dict(_NO))]
    items: list[Item] = []
    count_items: list[Item] = []
    frames: list[pd.DataFrame] = []
    for code in codes:
        name = names.get(code) or {"*": code}
        item_id = theme_item_id(code, prefix)
        items.append(Item(
            id=item_id, type="single_choice", text=name, column=CODE_PREFIX + code,
            options=yes_no, construct=construct, required=False,
        ))  # fmt: skip
        presence = pd.to_numeric(quantitized[CODE_PREFIX + code]).reset_index(drop=True)
        ok = presence.notna().to_numpy()
        frames.append(pd.DataFrame({
            "respondent_id": rid[ok].to_numpy(dtype=object),
            "item_id": item_id,
            "option_id": np.where(presence[ok].to_numpy(dtype=float) > 0, "yes", "no"),
            "value": np.nan,
            "text": None,
            "missing": None,
            "source_id": src[ok].to_numpy(dtype=object),
            "row": rows[ok].to_numpy(dtype="int64"),
        }))  # fmt: skip
        if counts and COUNT_PREFIX + code in quantitized.columns:
            count_id = theme_item_id("n_" + code, prefix)
            count_items.append(Item(
                id=count_id, type="numeric", text=name, column=COUNT_PREFIX + code,
                construct=construct, required=False, min=0,
            ))  # fmt: skip
            number = pd.to_numeric(quantitized[COUNT_PREFIX + code]).reset_index(drop=True)
            has = number.notna().to_numpy()
            frames.append(pd.DataFrame({
                "respondent_id": rid[has].to_numpy(dtype=object),
                "item_id": count_id,
                "option_id": None,
                "value": number[has].to_numpy(dtype=float),
                "text": None,
                "missing": None,
                "source_id": src[has].to_numpy(dtype=object),
                "row": rows[has].to_numpy(dtype="int64"),
            }))  # fmt: skip
    answers = pd.concat(frames, ignore_index=True)
    for column in ("respondent_id", "item_id", "option_id", "text", "missing", "source_id"):
        answers[column] = answers[column].astype("object")
    answers["value"] = answers["value"].astype("float64")
    answers["row"] = answers["row"].astype("int64")
    return CodeItems(answers=answers, items=items + count_items)


def with_code_items(
    study: Study, items: Sequence[Item], *, by: Sequence[str] = ()
) -> Study:
    """A copy of the study with the pseudo-items added (and comparisons by ``by``).

    Parameters
    ----------
    study : Study
    items : sequence of Item
        Pseudo-items from :func:`as_answers`.
    by : sequence of str, optional
        Item or segment ids; for each, a comparison of the pseudo-items across its
        groups replaces the study's comparisons (one Holm family per ``by``).

    Returns
    -------
    Study
        Validated copy: items appended after the study's own; with ``by``, only the
        new comparisons (so that running them does not repeat the study's).

    Raises
    ------
    microcred.errors.StudyFileError
        A pseudo-item id clashes with a study item, or ``by`` names nothing.
    """
    from pydantic import ValidationError

    from microcred.errors import StudyFileError
    from microcred.study.models import Comparison, Study

    data = study.model_dump(by_alias=True)
    data["items"] = [*data["items"], *(i.model_dump(by_alias=True) for i in items)]
    if by:
        ids = [i.id for i in items if i.type == "single_choice"]
        data["comparisons"] = [Comparison(by=b, items=ids).model_dump() for b in by]
    try:
        extended = Study.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[int | None, str, str]] = [
            (None, ".".join(str(p) for p in e["loc"]) or "study", e["msg"]) for e in exc.errors()
        ]
        raise StudyFileError(f"{study.study.id} (with code items)", problems) from None
    return extended.model_copy(update={"base_dir": study.base_dir})


def code_comparisons(
    study: Study,
    answers: pd.DataFrame,
    respondents: pd.DataFrame,
    code_items: CodeItems,
    by: Sequence[str],
) -> list[ComparisonResult]:
    """Crosstabs codes x groups with the tests and Holm correction of the quant stage.

    Parameters
    ----------
    study : Study
        The study (its items and segments define the groups).
    answers : pandas.DataFrame
        The study's long answers (needed for the grouping items and segments).
    respondents : pandas.DataFrame
        Respondents kept for analysis.
    code_items : CodeItems
        Output of :func:`as_answers`.
    by : sequence of str
        Item ids (groups = options) or segment ids (the segment vs everyone else).

    Returns
    -------
    list of ComparisonResult
        One per ``by``, each one Holm family over the codes: Pearson's chi-square, or
        Fisher's exact test when an expected count is below 5
        (:func:`microcred.quant.comparisons.crosstab_test`); base: the coded
        respondents in a group.

    Raises
    ------
    microcred.errors.StudyFileError
        ``by`` names no item or segment.

    References
    ----------
    See :mod:`microcred.quant.comparisons` (Pearson 1900; Fisher 1935; Holm 1979).
    """
    import pandas as pd

    from microcred.quant.comparisons import compare

    extended = with_code_items(study, code_items.items, by=by)
    both = pd.concat([answers, code_items.answers], ignore_index=True)
    return compare(extended, both, respondents)
