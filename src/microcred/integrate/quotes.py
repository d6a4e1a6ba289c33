"""Exemplar quotes for joint displays and profiles, picked by a stated, seeded rule.

Quotes are respondents' free text, i.e. personal data: these functions return them to
the caller (who escapes them for HTML) and never log or print them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from microcred.integrate._common import require

if TYPE_CHECKING:
    import pandas as pd

    from microcred.qual.codebook import Codebook

__all__ = ["QUOTE_SEED", "pick_quotes", "quotes_by_construct"]

QUOTE_SEED = 20230
"""Seed of the shuffle that orders candidate quotes (fixed, so reports are stable)."""


def pick_quotes(
    units: pd.DataFrame,
    *,
    respondent_ids: Iterable[str] | None = None,
    unit_ids: Sequence[str] | None = None,
    max_quotes: int = 3,
    min_chars: int = 20,
    max_chars: int = 280,
    seed: int = QUOTE_SEED,
) -> list[str]:
    """Pick up to ``max_quotes`` unit texts, at most one per respondent.

    Parameters
    ----------
    units : pandas.DataFrame
        Units (:data:`microcred.qual.units.UNIT_COLUMNS`): ``unit_id``, ``text``
        and ``respondent_id`` are used.
    respondent_ids : iterable of str, optional
        Only units of these respondents (a profile's members).
    unit_ids : sequence of str, optional
        Only these units, in this order of preference (e.g. the units carrying a
        theme, most frequent theme first); without it, all units in a seeded shuffle.
    max_quotes : int, default 3
    min_chars, max_chars : int, default 20 and 280
        Texts shorter than ``min_chars`` (after trimming) are skipped; longer than
        ``max_chars`` are cut at the last space before it and end with an ellipsis.
    seed : int, default :data:`QUOTE_SEED`
        Seed of the shuffle (NumPy ``default_rng``).

    Returns
    -------
    list of str
        The quotes, unescaped (escape them before writing HTML).

    Raises
    ------
    microcred.errors.InputError
        ``units`` lacks ``unit_id`` or ``text``.
    """
    import numpy as np
    import pandas as pd

    require(units, ("unit_id", "text"), "units")
    frame = units[units["text"].notna()]
    if respondent_ids is not None and "respondent_id" in frame.columns:
        wanted = {str(r) for r in respondent_ids}
        frame = frame[frame["respondent_id"].astype(str).isin(wanted)]
    if unit_ids is not None:
        order = {str(u): i for i, u in enumerate(unit_ids)}
        frame = frame[frame["unit_id"].astype(str).isin(order)]
        frame = frame.iloc[np.argsort(frame["unit_id"].astype(str).map(order).to_numpy(),
                                      kind="stable")]  # fmt: skip
    else:
        frame = frame.iloc[np.random.default_rng(seed).permutation(len(frame))]
    quotes: list[str] = []
    owners: set[str] = set()
    for text, owner in zip(
        frame["text"].astype(str),
        frame["respondent_id"] if "respondent_id" in frame.columns else [None] * len(frame),
        strict=True,
    ):
        text = " ".join(text.split())
        if len(text) < min_chars:
            continue
        if owner is not None and not pd.isna(owner):
            if str(owner) in owners:
                continue
            owners.add(str(owner))
        if len(text) > max_chars:
            cut = text[:max_chars].rsplit(" ", 1)[0]
            text = cut.rstrip(" ,;:.") + " …"
        quotes.append(text)
        if len(quotes) >= max_quotes:
            break
    return quotes


def quotes_by_construct(
    units: pd.DataFrame,
    codings: pd.DataFrame,
    codebook: Codebook,
    *,
    max_quotes: int = 3,
    min_chars: int = 20,
    max_chars: int = 280,
    seed: int = QUOTE_SEED,
) -> dict[str, list[str]]:
    """Quotes per construct from the units coded with that construct's codes.

    Parameters
    ----------
    units : pandas.DataFrame
        Units (:data:`microcred.qual.units.UNIT_COLUMNS`).
    codings : pandas.DataFrame
        Codings (:data:`microcred.qual.units.CODING_COLUMNS`); rows with
        ``present == 1`` and a status other than ``"rejected"`` count.
    codebook : Codebook
        Links codes to constructs (``Code.construct``).
    max_quotes, min_chars, max_chars, seed
        See :func:`pick_quotes`.

    Returns
    -------
    dict of str -> list of str
        Construct id -> quotes. Rule: the construct's codes are ranked by how many
        units carry them; candidate units are taken round-robin across those codes
        (one unit of the most frequent code, one of the next, ...), each code's
        units in a seeded shuffle; at most one quote per respondent.

    Raises
    ------
    microcred.errors.InputError
        A frame lacks a needed column.
    """
    import numpy as np

    require(codings, ("unit_id", "code_id", "present"), "codings")
    codings = codings[codings["present"] == 1]
    if "status" in codings.columns:
        codings = codings[codings["status"] != "rejected"]
    rng = np.random.default_rng(seed)
    by_construct: dict[str, list[str]] = {}
    for code in codebook.walk():
        if code.construct:
            by_construct.setdefault(code.construct, []).append(code.id)
    out: dict[str, list[str]] = {}
    for construct, code_ids in by_construct.items():
        pools = []
        for code_id in code_ids:
            found = codings.loc[codings["code_id"] == code_id, "unit_id"].astype(str).unique()
            pools.append(list(found[rng.permutation(len(found))]))
        pools.sort(key=len, reverse=True)
        ordered: list[str] = []
        seen: set[str] = set()
        for position in range(max((len(p) for p in pools), default=0)):
            for pool in pools:
                if position < len(pool) and pool[position] not in seen:
                    seen.add(pool[position])
                    ordered.append(pool[position])
        if ordered:
            out[construct] = pick_quotes(units, unit_ids=ordered, max_quotes=max_quotes,
                                         min_chars=min_chars, max_chars=max_chars)  # fmt: skip
    return out
