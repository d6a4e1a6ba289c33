"""Small-cell suppression of shared tables, and withholding of quotes from small groups.

A count below ``k`` (default 5) in a table that leaves the project is replaced by
``"<k"`` (*primary* suppression). Because published totals let a reader subtract the
visible cells, further cells are hidden (*complementary* or *secondary* suppression)
until no hidden small count can be worked out from what is shown, and the result is
audited with linear programming. Zeros are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from microcred.privacy.base import PrivacyError

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd

__all__ = [
    "COMPLEMENTARY_LABEL",
    "DEFAULT_K",
    "Suppression",
    "add_margins",
    "attacker_bounds",
    "suppress_counts",
    "suppress_frequency_table",
    "suppress_percentages",
    "withhold_quotes",
]

DEFAULT_K = 5
"""Default threshold: counts 1 to 4 are hidden (the common "fewer than 5" rule)."""

COMPLEMENTARY_LABEL = "[c]"
"""Shown for cells hidden only to protect a small count.

The UK Government Analysis Function's guidance on symbols in tables uses ``[c]`` for
"confidential"."""

_PCT_COLUMNS = ("pct", "ci_low", "ci_high", "pct_mentions", "top2_pct")

# A line is a constraint "sum of inner cells == margin cell" over flat cell indices.
_Line = tuple[tuple[int, ...], int]


@dataclass(frozen=True)
class Suppression:
    """A table made safe to share, with what was hidden.

    Attributes
    ----------
    table : pandas.DataFrame or pandas.Series
        The table to publish: same shape, index and columns as the input, object
        dtype; shown cells hold Python ``int``, primary-suppressed cells the primary
        label (``"<5"``) and complementary cells the complementary label (``"[c]"``).
    mask : pandas.DataFrame or pandas.Series of bool
        ``True`` where the cell is hidden (primary or complementary).
    primary : pandas.DataFrame or pandas.Series of bool
        ``True`` where the count itself is small (``0 < count < k``). Internal: do not
        publish it (telling the two kinds apart narrows what a hidden cell can be).
    k : int
        The threshold.
    margins_name : str
        Label of the total row/column in ``table`` (if it has one).
    uniform : bool
        ``True`` when every hidden cell is shown with the complementary label, because
        even hiding every non-zero cell left a small count pinned by its ``"<k"`` label
        (tiny tables, e.g. a grand total below ``k``).

    Notes
    -----
    Iterating gives ``(table, mask)``, so ``published, mask = suppress_counts(t)`` works.
    """

    table: Any
    mask: Any
    primary: Any
    k: int
    margins_name: str = "All"
    uniform: bool = False

    def __iter__(self) -> Iterator[Any]:
        return iter((self.table, self.mask))

    @property
    def n_suppressed(self) -> int:
        """Cells hidden in all."""
        return int(np.asarray(self.mask).sum())

    @property
    def n_primary(self) -> int:
        """Cells hidden because their count is below ``k``."""
        return int(np.asarray(self.primary).sum())

    @property
    def n_complementary(self) -> int:
        """Cells hidden to protect the small ones."""
        return self.n_suppressed - self.n_primary


def _check_k(k: object) -> int:
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or int(k) < 3:
        raise PrivacyError(
            f"k must be a whole number of at least 3, not {k!r} (with zeros shown, "
            "'<2' would reveal that the count is 1)"
        )
    return int(k)


def _is_margin(label: object, margins_name: str) -> bool:
    if isinstance(label, tuple):
        return len(label) > 0 and label[0] == margins_name
    return bool(label == margins_name)


def _margin_position(labels: pd.Index, margins_name: str, axis: str) -> int | None:
    positions = [i for i, label in enumerate(labels) if _is_margin(label, margins_name)]
    if len(positions) > 1:
        raise PrivacyError(f"the table has {len(positions)} total {axis}s named {margins_name!r}")
    return positions[0] if positions else None


def _as_counts(frame: pd.DataFrame) -> np.ndarray:
    try:
        values = np.asarray(frame.to_numpy(dtype=float, na_value=np.nan), dtype=float)
    except (TypeError, ValueError):
        raise PrivacyError("the table holds values that are not counts") from None
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise PrivacyError(
            f"cell ({frame.index[r]!r}, {frame.columns[c]!r}) is not a count "
            "(a whole number of at least 0)"
        )
    return values.astype(np.int64)


def _lines(shape: tuple[int, int], margin_row: int | None, margin_col: int | None) -> list[_Line]:
    n_rows, n_cols = shape
    lines: list[_Line] = []
    if margin_col is not None:
        for r in range(n_rows):
            inner = tuple(r * n_cols + c for c in range(n_cols) if c != margin_col)
            lines.append((inner, r * n_cols + margin_col))
    if margin_row is not None:
        for c in range(n_cols):
            inner = tuple(r * n_cols + c for r in range(n_rows) if r != margin_row)
            lines.append((inner, margin_row * n_cols + c))
    return lines


def _system(
    values: np.ndarray, suppressed: np.ndarray, lines: list[_Line]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reader's equations ``A x = b`` over the hidden cells ``unknown``."""
    unknown = np.flatnonzero(suppressed)
    position = {int(cell): i for i, cell in enumerate(unknown)}
    rows: list[np.ndarray] = []
    rhs: list[float] = []
    for inner, margin in lines:
        row = np.zeros(len(unknown))
        total = 0.0
        touched = False
        for cell, coef in [(c, 1.0) for c in inner] + [(margin, -1.0)]:
            if suppressed[cell]:
                row[position[cell]] += coef
                touched = True
            else:
                total -= coef * float(values[cell])
        if touched:
            rows.append(row)
            rhs.append(total)
    a_eq = np.vstack(rows) if rows else np.zeros((0, len(unknown)))
    return unknown, a_eq, np.asarray(rhs, dtype=float)


def _label_bounds(unknown: np.ndarray, primary: np.ndarray, k: int) -> list[tuple[float, Any]]:
    return [(1.0, float(k - 1)) if primary[cell] else (float(k), None) for cell in unknown]


def attacker_bounds(
    values: np.ndarray,
    suppressed: np.ndarray,
    primary: np.ndarray,
    lines: list[_Line],
    k: int,
    targets: list[int],
) -> dict[int, tuple[float, float]]:
    """Tightest bounds a reader can derive for hidden cells (linear programming).

    Parameters
    ----------
    values : numpy.ndarray of int, shape (n_cells,)
        The true counts, flattened (row-major).
    suppressed, primary : numpy.ndarray of bool, shape (n_cells,)
        Hidden cells, and the hidden cells whose count is below ``k``.
    lines : list of (inner cell indices, margin cell index)
        The additivity constraints the reader knows: ``sum(inner) == margin``.
    k : int
        The threshold: the reader knows a primary cell is in ``[1, k-1]`` and a
        complementary cell is at least ``k``.
    targets : list of int
        Hidden cells to bound.

    Returns
    -------
    dict of int -> (low, high)
        ``high`` is ``inf`` when unbounded. A cell with ``low == high`` is disclosed.

    Notes
    -----
    This is the "attacker problem" of cell suppression (Hundepool et al. 2012,
    chapter 4; Fischetti & Salazar-González 2000): minimise and maximise each hidden
    cell subject to the published cells, the additive structure and the bounds that
    the labels reveal, solved with HiGHS (``scipy.optimize.linprog``). The constraint
    matrix of a two-way table with margins is totally unimodular, so the bounds are
    whole numbers reached by integer tables.
    """
    from scipy.optimize import linprog

    unknown, a_eq, b_eq = _system(values, suppressed, lines)
    position = {int(cell): i for i, cell in enumerate(unknown)}
    bounds = _label_bounds(unknown, primary, k)
    equations = {"A_eq": a_eq, "b_eq": b_eq} if len(b_eq) else {}
    out: dict[int, tuple[float, float]] = {}
    for target in targets:
        objective = np.zeros(len(unknown))
        objective[position[target]] = 1.0
        low = linprog(objective, bounds=bounds, method="highs", **equations)
        high = linprog(-objective, bounds=bounds, method="highs", **equations)
        if low.status != 0:  # pragma: no cover - the true table is always feasible
            raise PrivacyError("the table's totals do not add up")
        high_value = float("inf") if high.status == 3 else -float(high.fun)
        out[target] = (float(low.fun), high_value)
    return out


def _exposed(
    values: np.ndarray,
    sup: np.ndarray,
    primary: np.ndarray,
    lines: list[_Line],
    k: int,
    derivable: np.ndarray | None = None,
) -> list[int]:
    """Hidden cells whose value the reader can pin down exactly.

    Any hidden cell determined by the published equations alone is exposed (a hidden
    complementary cell so determined protects nothing), except ``derivable`` cells
    (never published, and not small: working them out tells nothing); a primary cell is also
    exposed when the label bounds pin it. A primary cell is free when some direction of the
    null space of the reader's equations moves it while every hidden cell stays
    strictly inside its label bounds (cheap, exact when it succeeds); otherwise
    one-sided linear programmes decide.
    """
    from scipy.linalg import null_space
    from scipy.optimize import linprog

    if not sup.any():
        return []
    unknown, a_eq, b_eq = _system(values, sup, lines)
    position = {int(cell): i for i, cell in enumerate(unknown)}
    basis = null_space(a_eq) if len(b_eq) else np.eye(len(unknown))
    tol = 1e-9
    # any hidden cell that the equations alone determine (a "bridge") is exposed
    determined = [
        int(c)
        for c in unknown
        if np.abs(basis[position[int(c)]]).max(initial=0.0) < tol
        and (derivable is None or primary[c] or not derivable[c])
    ]
    targets = [int(c) for c in np.flatnonzero(primary & sup) if int(c) not in determined]
    now = values[unknown].astype(float)
    low = np.where(primary[unknown], 1.0, float(k))
    high = np.where(primary[unknown], float(k - 1), np.inf)
    room_up = now < high - 0.5
    room_down = now > low + 0.5
    bounds = _label_bounds(unknown, primary, k)
    equations = {"A_eq": a_eq, "b_eq": b_eq} if len(b_eq) else {}
    exposed: list[int] = []
    for target in targets:
        i = position[target]
        free = False
        for d in basis.T:
            if abs(d[i]) < tol:
                continue
            up, down = d > tol, d < -tol
            if (room_up[up].all() and room_down[down].all()) or (
                room_up[down].all() and room_down[up].all()
            ):
                free = True
                break
        if not free:
            objective = np.zeros(len(unknown))
            objective[i] = 1.0
            # only a direction with room can move it: above (maximise), then below
            signs = [sign for sign, room in ((-1.0, room_up[i]), (1.0, room_down[i])) if room]
            for sign in signs:
                res = linprog(sign * objective, bounds=bounds, method="highs", **equations)
                reach = float("inf") if res.status == 3 else sign * float(res.fun)
                if abs(reach - now[i]) >= 0.5:
                    free = True
                    break
        if not free:
            exposed.append(target)
    return sorted(set(determined) | set(exposed))


def _protect(
    values: np.ndarray,
    primary: np.ndarray,
    lines: list[_Line],
    margin_cells: set[int],
    k: int,
    forced: np.ndarray | None = None,
    fixed: np.ndarray | None = None,
    free: np.ndarray | None = None,
) -> tuple[np.ndarray, list[int]]:
    """Complementary suppression: the line rule to a fixed point, an LP audit, pruning.

    ``forced`` cells are hidden from the start and stay hidden; ``fixed`` cells are
    never chosen (the reader knows them from elsewhere); ``free`` cells (among the
    forced ones) are never published, so a line whose only hidden cell is a free cell
    that is not small needs no partner, and working one out exposes nothing.
    """
    forced = np.zeros_like(primary) if forced is None else forced
    fixed = np.zeros_like(primary) if fixed is None else fixed
    free = np.zeros_like(primary) if free is None else free
    harmless = free & ~primary
    sup = primary | forced
    lines_of: dict[int, list[int]] = {}
    for index, (inner, margin) in enumerate(lines):
        for cell in (*inner, margin):
            lines_of.setdefault(cell, []).append(index)

    def hidden_in(index: int) -> int:
        """Hidden cells of the line (0 when its only hidden cell is a harmless one)."""
        inner, margin = lines[index]
        cells = [*inner, margin]
        n = int(sup[cells].sum())
        if n == 1 and bool((sup[cells] & harmless[cells]).any()):
            return 0
        return n

    def cost(cell: int) -> tuple[int, int, int, int]:
        helps = sum(1 for index in lines_of.get(cell, []) if hidden_in(index) == 1)
        return (int(cell in margin_cells), -helps, int(values[cell]), cell)

    def candidates(indices: list[int]) -> list[int]:
        found = {
            cell
            for index in indices
            for cell in (*lines[index][0], lines[index][1])
            if not sup[cell] and values[cell] > 0 and not fixed[cell]
        }
        return sorted(found, key=cost)

    n_cells = len(values)
    while True:
        # 1. every line with a hidden cell has at least two (Hundepool et al. 2012, ch. 4)
        changed = True
        while changed:
            changed = False
            for index in range(len(lines)):
                if hidden_in(index) == 1:
                    chosen = candidates([index])
                    if chosen:
                        sup[chosen[0]] = True
                        changed = True
        # 2. audit: no small count may be pinned down exactly by the published cells
        exposed = _exposed(values, sup, primary, lines, k, free)
        if not exposed:
            break
        cell = exposed[0]
        near = candidates(lines_of.get(cell, []))
        if not near:
            # widen to the lines of the hidden cells that share a line with it
            related = {
                other
                for index in lines_of.get(cell, [])
                for other in (*lines[index][0], lines[index][1])
                if sup[other]
            }
            near = candidates(sorted({i for c in related for i in lines_of.get(c, [])}))
        if not near:
            near = sorted(
                (c for c in range(n_cells) if not sup[c] and values[c] > 0 and not fixed[c]),
                key=cost,
            )
        if not near:
            return sup, exposed
        pick = near[0]
        for option in near[:8]:
            sup[option] = True
            still = cell in _exposed(values, sup, primary, lines, k, free)
            sup[option] = False
            if not still:
                pick = option
                break
        sup[pick] = True
    # 3. pruning: give back complementary cells that are not needed, totals and the
    #    largest counts first, as long as both the line rule and the audit still hold
    for cell in sorted(
        (int(c) for c in np.flatnonzero(sup & ~primary & ~forced)),
        key=lambda c: (-int(c in margin_cells), -int(values[c]), c),
    ):
        sup[cell] = False
        if any(hidden_in(index) == 1 for index in lines_of.get(cell, [])) or _exposed(
            values, sup, primary, lines, k, free
        ):
            sup[cell] = True
    return sup, []


def suppress_counts(
    table: pd.DataFrame | pd.Series,
    k: int = DEFAULT_K,
    *,
    margins_name: str = "All",
    additive: bool = True,
    label: str | None = None,
    complementary_label: str = COMPLEMENTARY_LABEL,
    known: Any = None,
    hide: Any = None,
    unpublished: Any = None,
) -> Suppression:
    """Hide small counts of a frequency table or crosstab so they cannot be recovered.

    Parameters
    ----------
    table : pandas.DataFrame, shape (r, c), or pandas.Series, shape (r,)
        Counts (whole numbers >= 0). A total row and/or column is recognised by its
        label ``margins_name`` (as ``pandas.crosstab(..., margins=True)`` writes it;
        with MultiIndex labels, by the first level). A Series is a one-way table.
    k : int, default 5
        Threshold: every cell with ``0 < count < k`` is hidden (primary suppression),
        totals included. At least 3.
    margins_name : str, default "All"
        Label of the totals.
    additive : bool, default True
        Whether the cells add up to the totals. Set ``False`` for multiple-response
        tables (a respondent may tick several options): then no cell can be worked out
        from the totals and only primary suppression is applied. With ``True`` the
        totals must equal the sums.
    label : str, optional
        Shown in place of a small count; default ``f"<{k}"``.
    complementary_label : str, default "[c]"
        Shown in place of a cell hidden only to protect a small one. It is not
        ``"<k"`` because that cell's count is at least ``k``.
    known : pandas.DataFrame or pandas.Series of bool, optional
        Same shape as ``table``: cells the reader knows from another published table
        (e.g. a crosstab's totals, published as an item's frequencies or a group's
        size). They are shown, even when small, and never chosen as complementary
        cells, so the protection cannot rely on hiding them.
    hide : pandas.DataFrame or pandas.Series of bool, optional
        Same shape as ``table``: cells hidden in another published table (a total
        whose count is hidden there). They are hidden here too (non-zero ones), and the
        audit also checks that they cannot be worked out.
    unpublished : pandas.DataFrame or pandas.Series of bool, optional
        Same shape as ``table``: cells the output never shows (e.g. the column of
        everyone outside the groups that are shown, which the reader can only work
        out from the totals). They are hidden and never chosen as complementary
        cells; a small one is protected like any small count, while working out one
        that is not small discloses nothing and is allowed.

    Returns
    -------
    Suppression
        ``table`` to publish, ``mask`` of hidden cells, ``primary`` (internal),
        ``k``; unpacks as ``(table, mask)``. ``uniform`` is also set when the cells in
        ``known`` pin a small count whatever else is hidden: the caller must then
        withhold the whole table.

    Raises
    ------
    PrivacyError
        If a value is not a count, ``k`` is below 3, a total does not add up while
        ``additive`` is true, there are several totals with the same name, or
        ``known``/``hide`` do not have the table's labels.

    Notes
    -----
    *Zeros are shown.* A zero is not a person who could be identified, and hiding
    zeros would hide most of the information of sparse tables; the R package sdcTable
    makes the same choice by default (``allowZeros = FALSE`` in its frequency rule),
    while GaussSuppression's ``SuppressSmallCounts`` treats zeros as small. A row
    whose only non-zero cell is small still tells the reader that the whole group
    answered alike (group disclosure): publish such a table only when that is
    acceptable, or merge categories first.

    *Complementary suppression.* The totals a table shows are the only relations
    between its cells considered here, so call this on the table *with the totals you
    publish* (use :func:`add_margins`); a table without totals gets primary suppression
    only. Then:

    1. every row or column (a "line": cells plus its total) that has a hidden cell
       must have at least two, or a hidden total; the cell added is the one that also
       completes another line, then the smallest, and inner cells before totals; this
       repeats to a fixed point;
    2. an audit solves, for every small count, the reader's linear programme (the
       published cells, the additive structure, small counts in ``[1, k-1]`` and other
       hidden cells at least ``k``); if the count is pinned to a single value, one more
       cell of its lines is hidden and both steps run again; finally, complementary
       cells that are not needed (totals and large counts first) are shown again
       when both checks still hold;
    3. if even hiding every non-zero cell leaves a small count pinned (possible only
       for tiny tables, e.g. a grand total below ``k`` split into ones), all hidden
       cells are shown with ``complementary_label`` (``Suppression.uniform``): the
       reader then only knows each hidden cell is at least 1, and the published
       cells are all zeros, so any solution scaled up is another solution.

    The two-per-line rule alone is not enough: two protected blocks joined by a single
    hidden cell leave that cell determined (it is a bridge of the suppression graph),
    and two hidden 1s in the same line of total 2 are both 1. The audit catches both.
    The heuristic does not claim the minimum number of hidden cells (that problem is
    NP-hard; Kelly, Golden & Assad 1992), only that what it publishes is safe.

    ``k = 5`` ("fewer than 5") is the threshold most often met in publication rules
    for tables of people (e.g. the OHDSI ``omopgenerics::suppress(minCellCount = 5)``
    default); the ICO's code (2012) explains the risk of small numbers without fixing
    a threshold, so choose ``k`` for the study (10 is common for sensitive topics).

    References
    ----------
    .. [1] Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Schulte
       Nordholt, E., Spicer, K. & de Wolf, P.-P. (2012). Statistical Disclosure
       Control. Wiley. Chapter 4 (cell suppression, the attacker problem) and
       chapter 5 (frequency tables).
    .. [2] Fischetti, M. & Salazar-González, J. J. (2000). Models and algorithms for
       optimizing cell suppression in tabular data with linear constraints. JASA
       95(451), 916-928.
    .. [3] Kelly, J. P., Golden, B. L. & Assad, A. A. (1992). Cell suppression:
       disclosure protection for sensitive tabular data. Networks 22(4), 397-417.
    .. [4] Information Commissioner's Office (2012). Anonymisation: managing data
       protection risk code of practice.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Series({"yes": 12, "no": 3, "unsure": 9, "All": 24})
    >>> published, mask = suppress_counts(t)
    >>> published.tolist()
    [12, '<5', '[c]', 24]
    """
    import pandas as pd

    k = _check_k(k)
    is_series = isinstance(table, pd.Series)
    if not isinstance(table, pd.Series | pd.DataFrame):
        raise PrivacyError(f"expected a pandas DataFrame or Series, not {type(table).__name__}")
    frame = table.to_frame() if is_series else table
    values2d = _as_counts(frame)
    shape = values2d.shape
    margin_row = _margin_position(frame.index, margins_name, "row")
    margin_col = None if is_series else _margin_position(frame.columns, margins_name, "column")
    values = values2d.ravel()
    fixed = _cell_flags(known, frame, is_series, "known")
    free = _cell_flags(unpublished, frame, is_series, "unpublished") & ~fixed
    forced = (_cell_flags(hide, frame, is_series, "hide") | free) & (values > 0) & ~fixed
    primary = (values > 0) & (values < k) & ~fixed
    forced &= ~primary
    lines = _lines(shape, margin_row, margin_col) if additive else []
    for inner, margin in lines:
        if int(values[list(inner)].sum()) != int(values[margin]):
            r, c = divmod(margin, shape[1])
            raise PrivacyError(
                f"the total ({frame.index[r]!r}, {frame.columns[c]!r}) is "
                f"{int(values[margin])} but its cells add up to {int(values[list(inner)].sum())}"
                "; pass additive=False for a multiple-response table"
            )
    margin_cells = {
        r * shape[1] + c
        for r in range(shape[0])
        for c in range(shape[1])
        if r == margin_row or c == margin_col
    }
    if lines and (primary.any() or forced.any()):
        suppressed, exposed = _protect(
            values, primary, lines, margin_cells, k, forced, fixed, free
        )
    else:
        suppressed, exposed = primary | forced, []
    small = label if label is not None else f"<{k}"
    uniform = bool(exposed)
    if uniform:
        # nothing non-zero is left to hide: stop telling small and other hidden cells
        # apart, so that each hidden cell is only known to be at least 1
        small = complementary_label
    shown = np.empty(values.shape, dtype=object)
    for i, value in enumerate(values):
        if primary[i]:
            shown[i] = small
        elif suppressed[i]:
            shown[i] = complementary_label
        else:
            shown[i] = int(value)
    published = pd.DataFrame(shown.reshape(shape), index=frame.index, columns=frame.columns)
    mask = pd.DataFrame(suppressed.reshape(shape), index=frame.index, columns=frame.columns)
    prim = pd.DataFrame(primary.reshape(shape), index=frame.index, columns=frame.columns)
    if is_series:
        name = table.name
        published = published.iloc[:, 0].rename(name)
        mask = mask.iloc[:, 0].rename(name)
        prim = prim.iloc[:, 0].rename(name)
    return Suppression(
        table=published,
        mask=mask,
        primary=prim,
        k=k,
        margins_name=margins_name,
        uniform=uniform,
    )


def _cell_flags(flags: Any, frame: pd.DataFrame, is_series: bool, what: str) -> np.ndarray:
    """A bool mask given for ``frame`` (or its Series), flattened row-major."""
    import pandas as pd

    if flags is None:
        return np.zeros(frame.size, dtype=bool)
    if isinstance(flags, pd.Series):
        flags = flags.to_frame()
    if not isinstance(flags, pd.DataFrame):
        raise PrivacyError(f"{what} must be a pandas DataFrame or Series of booleans")
    if is_series and flags.shape[1] == 1:
        flags = flags.set_axis(frame.columns, axis=1)
    if not (flags.index.equals(frame.index) and flags.columns.equals(frame.columns)):
        raise PrivacyError(f"{what} must have the same rows and columns as the table")
    return np.asarray(flags.fillna(False).to_numpy(dtype=bool)).ravel()


def add_margins(table: pd.DataFrame | pd.Series, margins_name: str = "All") -> Any:
    """The table with a total row (and, for a DataFrame, a total column) appended.

    Parameters
    ----------
    table : pandas.DataFrame, shape (r, c), or pandas.Series, shape (r,)
        Counts without totals (e.g. ``ComparisonResult.crosstabs[item]``).
    margins_name : str, default "All"
        Label of the totals, as ``pandas.crosstab(margins=True)`` names them.

    Returns
    -------
    pandas.DataFrame, shape (r + 1, c + 1), or pandas.Series, shape (r + 1,)
        The same counts plus row sums, column sums and the grand total.

    Raises
    ------
    PrivacyError
        If the table already has a total named ``margins_name``.
    """
    import pandas as pd

    def plain(index: pd.Index) -> pd.Index:
        # a categorical axis (pandas.crosstab of categories) cannot take a new label
        return index.astype(object) if isinstance(index, pd.CategoricalIndex) else index

    if isinstance(table, pd.Series):
        if any(_is_margin(label, margins_name) for label in table.index):
            raise PrivacyError(f"the table already has a total named {margins_name!r}")
        total = pd.Series([table.sum()], index=[margins_name], name=table.name)
        return pd.concat([table.set_axis(plain(table.index)), total])
    labels = [*table.index, *table.columns]
    if any(_is_margin(label, margins_name) for label in labels):
        raise PrivacyError(f"the table already has a total named {margins_name!r}")
    out = table.copy()
    out.index = plain(out.index)
    out.columns = plain(out.columns)
    out[margins_name] = out.sum(axis=1)
    out.loc[margins_name] = out.sum(axis=0)
    return out


def suppress_percentages(
    percentages: pd.DataFrame | pd.Series,
    suppression: Suppression,
    *,
    base: str | None = None,
    label: str = COMPLEMENTARY_LABEL,
) -> Any:
    """Hide the percentages (or proportions, or their CIs) of hidden counts.

    Parameters
    ----------
    percentages : pandas.DataFrame or pandas.Series
        Percentages computed from the counts given to :func:`suppress_counts`, with the
        same row and column labels (a subset is fine, e.g. without the totals).
    suppression : Suppression
        The result of :func:`suppress_counts` on the counts.
    base : {"row", "column", "total"}, optional
        What each percentage is a share of (``"column"``: of its column total). When
        that total is hidden, every percentage of the line is hidden too, since a
        shown count divided by its percentage gives the total back.
    label : str, default "[c]"
        Shown in place of a hidden percentage (``"<5"`` would read as "below 5%").

    Returns
    -------
    pandas.DataFrame or pandas.Series of object
        The same shape as ``percentages``: shown values unchanged, hidden ones
        replaced by ``label``.

    Raises
    ------
    PrivacyError
        If ``base`` is not one of the values above or names a total the suppressed
        table does not have.

    Notes
    -----
    A percentage of a hidden count is hidden: a statistic derived from a cell
    inherits the cell's protection (Hundepool et al. 2012, chapter 5).
    """
    import pandas as pd

    if base not in (None, "row", "column", "total"):
        raise PrivacyError(f"base must be 'row', 'column', 'total' or None, not {base!r}")
    name = suppression.margins_name
    mask = suppression.mask
    is_series = isinstance(percentages, pd.Series)
    pct = percentages.to_frame() if is_series else percentages
    mframe = mask.to_frame() if isinstance(mask, pd.Series) else mask
    if is_series and mframe.shape[1] == 1:
        mframe = mframe.set_axis(pct.columns, axis=1)
    hidden = mframe.reindex(index=pct.index, columns=pct.columns, fill_value=False).astype(bool)
    if base is not None:
        rows = [label_ for label_ in mframe.index if _is_margin(label_, name)]
        cols = [label_ for label_ in mframe.columns if _is_margin(label_, name)]
        if base == "column":
            if not rows:
                raise PrivacyError("base='column' needs the table's total row")
            hidden_cols = [c for c in pct.columns if c in mframe.columns and mframe.loc[rows[0], c]]
            hidden.loc[:, hidden_cols] = True
        elif base == "row":
            if not cols:
                raise PrivacyError("base='row' needs the table's total column")
            hidden_rows = [r for r in pct.index if r in mframe.index and mframe.loc[r, cols[0]]]
            hidden.loc[hidden_rows, :] = True
        else:
            if not rows or (mframe.shape[1] > 1 and not cols):
                raise PrivacyError("base='total' needs the table's grand total")
            grand = mframe.loc[rows[0], cols[0]] if cols else mframe.loc[rows[0]].iloc[0]
            if bool(grand):
                hidden.loc[:, :] = True
    out = pct.astype(object).mask(hidden, label)
    return out.iloc[:, 0].rename(percentages.name) if is_series else out


def suppress_frequency_table(
    frequencies: pd.DataFrame,
    n_valid: int,
    k: int = DEFAULT_K,
    *,
    count: str = "n",
    multiple: bool = False,
    label: str | None = None,
    complementary_label: str = COMPLEMENTARY_LABEL,
    total_known: bool = False,
) -> tuple[pd.DataFrame, int | str, Suppression]:
    """Suppress an item's frequency table (``ItemResult.frequencies``) and its base.

    Parameters
    ----------
    frequencies : pandas.DataFrame, shape (m, ...)
        One row per option with a count column and derived columns (``pct``,
        ``ci_low``, ``ci_high``, ``pct_mentions``, ``cum_pct``...).
    n_valid : int
        The base shown with the table (respondents with a usable answer).
    k : int, default 5
        Threshold.
    count : str, default "n"
        The count column.
    multiple : bool, default False
        ``True`` for multiple-choice items, whose counts do not add up to ``n_valid``.
        Single-choice tables whose counts do not add up to ``n_valid`` are treated the
        same way (primary suppression only).
    label, complementary_label : str
        As in :func:`suppress_counts`.
    total_known : bool, default False
        ``True`` when ``n_valid`` is published elsewhere (the item's base): it is then
        shown and never hidden to protect a cell (``known`` of :func:`suppress_counts`);
        if that leaves a small count pinned, ``suppression.uniform`` is set and the
        caller must withhold the whole table.

    Returns
    -------
    published : pandas.DataFrame, shape (m, ...)
        The table with hidden counts labelled and the percentages, confidence limits
        and cumulative percentages of hidden counts replaced by the complementary
        label. A cumulative percentage is hidden from the first hidden row on (the
        difference of two shown cumulative percentages gives a row back).
    n_valid : int or str
        The base, or the label when it is itself hidden.
    suppression : Suppression
        Of the counts plus the total row (named ``"All"``).

    Raises
    ------
    PrivacyError
        If ``count`` is not a column or a value is not a count.

    Notes
    -----
    Confidence limits are hidden with their count because a Wilson interval and the
    base give the count back (Wilson 1927). Other columns (labels, option ids, scores)
    are left as they are.
    """
    import pandas as pd

    if count not in frequencies.columns:
        raise PrivacyError(f"the frequency table has no count column {count!r}")
    counts = pd.Series(frequencies[count].to_numpy(), index=range(len(frequencies)), name=count)
    with_total = pd.concat([counts, pd.Series([n_valid], index=["All"], name=count)])
    additive = not multiple
    if additive:
        as_counts = _as_counts(with_total.to_frame())
        additive = int(as_counts[:-1].sum()) == int(as_counts[-1, 0])
    known = None
    if total_known:
        known = pd.Series([False] * len(counts) + [True], index=with_total.index)
    result = suppress_counts(
        with_total,
        k,
        additive=additive,
        label=label,
        complementary_label=complementary_label,
        known=known,
    )
    hidden = np.asarray(result.mask.iloc[:-1], dtype=bool)
    total_hidden = bool(result.mask.iloc[-1])
    published = frequencies.copy()
    published[count] = result.table.iloc[:-1].to_numpy(dtype=object)
    for column in _PCT_COLUMNS:
        if column in published.columns:
            values = published[column].to_numpy(dtype=object, copy=True)
            hide = np.ones_like(hidden) if total_hidden else hidden
            values[hide] = complementary_label
            published[column] = values
    if "cum_pct" in published.columns:
        values = published["cum_pct"].to_numpy(dtype=object, copy=True)
        first = np.flatnonzero(hidden)
        if total_hidden:
            values[:] = complementary_label
        elif first.size:
            values[first[0] :] = complementary_label
        published["cum_pct"] = values
    shown_total: int | str = result.table.iloc[-1]
    return published, shown_total, result


def withhold_quotes(
    quotes: pd.DataFrame,
    group_sizes: Mapping[Any, int] | pd.Series,
    k: int = DEFAULT_K,
    *,
    group: str = "group",
) -> tuple[pd.DataFrame, int]:
    """Drop quotes attributed to groups of fewer than ``k`` respondents.

    Parameters
    ----------
    quotes : pandas.DataFrame, shape (q, ...)
        One row per quote, with a ``group`` column naming the group it is shown under
        (a segment, a source, an option...).
    group_sizes : mapping or pandas.Series
        Group -> number of respondents in it.
    k : int, default 5
        Groups with fewer respondents have their quotes withheld.
    group : str, default "group"
        The column of ``quotes`` holding the group.

    Returns
    -------
    kept : pandas.DataFrame, shape (q', ...)
        The quotes that may be shown, in their original order and index.
    n_withheld : int
        Quotes withheld, including those whose group is missing or has no known
        size (withheld to be safe).

    Raises
    ------
    PrivacyError
        If ``quotes`` has no ``group`` column or ``k`` is below 3.

    Notes
    -----
    A quote shown as coming from a group of three people is close to a signed
    statement: readers who know the group can tell who said it (ICO 2012,
    on small numbers and the "motivated intruder").
    """
    import pandas as pd

    k = _check_k(k)
    if group not in quotes.columns:
        raise PrivacyError(f"the quotes have no {group!r} column")
    sizes = dict(group_sizes.items()) if isinstance(group_sizes, pd.Series) else dict(group_sizes)

    def allowed(value: object) -> bool:
        if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
            return False
        size = sizes.get(value)
        return size is not None and int(size) >= k

    keep = quotes[group].map(allowed).astype(bool).to_numpy()
    return quotes[keep], int((~keep).sum())
