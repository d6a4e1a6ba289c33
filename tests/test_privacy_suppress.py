"""Small-cell suppression: hidden counts cannot be recovered from the published table.

The checker below is written independently of the implementation: it rebuilds the
reader's equations from the published table (row and column totals), decides exact
determination by a rank test (a cell x_j is fixed by A x = b iff the unit vector e_j is
in the row space of A), and computes the integer range of every small count with a
mixed-integer programme (scipy.optimize.milp), knowing what the labels say: "<k" cells
are in [1, k-1], "[c]" cells are at least k (zeros are always shown).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from microcred.privacy import (
    PrivacyError,
    add_margins,
    suppress_counts,
    suppress_frequency_table,
    suppress_percentages,
    withhold_quotes,
)
from microcred.privacy.suppress import attacker_bounds

# -- an independent checker ------------------------------------------------------------


def _lines(frame: pd.DataFrame, name: str = "All") -> list[tuple[list[tuple], tuple]]:
    """(inner cells, total cell) for every row and column that has a total."""
    rows, cols = list(frame.index), list(frame.columns)
    out = []
    if name in cols:
        for r in rows:
            out.append(([(r, c) for c in cols if c != name], (r, name)))
    if name in rows:
        for c in cols:
            out.append(([(r, c) for r in rows if r != name], (name, c)))
    return out


def reader_system(published: pd.DataFrame, k: int):
    """Unknowns, equations and label bounds as a reader of ``published`` sees them."""
    unknown = [
        (r, c)
        for r in published.index
        for c in published.columns
        if isinstance(published.loc[r, c], str)
    ]
    pos = {cell: i for i, cell in enumerate(unknown)}
    rows, rhs = [], []
    for inner, total in _lines(published):
        row = np.zeros(len(unknown))
        known = 0.0
        for cell, coef in [(c, 1.0) for c in inner] + [(total, -1.0)]:
            value = published.loc[cell]
            if isinstance(value, str):
                row[pos[cell]] += coef
            else:
                known += coef * value
        if row.any():
            rows.append(row)
            rhs.append(-known)
    a = np.array(rows) if rows else np.zeros((0, len(unknown)))
    small = [published.loc[c] == f"<{k}" for c in unknown]
    if unknown and not any(small):
        # no "<k" at all: every hidden cell may be the small one, known only to be >= 1
        low, high = np.ones(len(unknown)), np.full(len(unknown), np.inf)
    else:
        low = np.array([1.0 if s else float(k) for s in small])
        high = np.array([k - 1.0 if s else np.inf for s in small])
    return unknown, a, np.array(rhs), low, high


def determined_by_equations(a: np.ndarray, j: int) -> bool:
    if a.shape[0] == 0:
        return False
    e = np.zeros((1, a.shape[1]))
    e[0, j] = 1.0
    return np.linalg.matrix_rank(np.vstack([a, e])) == np.linalg.matrix_rank(a)


def integer_range(a, b, low, high, j) -> tuple[float, float]:
    n = len(low)
    constraints = [LinearConstraint(a, b, b)] if a.shape[0] else []
    c = np.zeros(n)
    c[j] = 1.0
    out = []
    for sign in (1.0, -1.0):
        res = milp(
            sign * c, constraints=constraints, bounds=Bounds(low, high), integrality=np.ones(n)
        )
        if res.status == 0:
            out.append(sign * res.fun)
        else:  # unbounded above
            out.append(np.inf)
    return out[0], out[1]


def check_safe(table: pd.DataFrame, published: pd.DataFrame, k: int) -> None:
    """Fail if any hidden small count can be recovered by a reader."""
    unknown, a, b, low, high = reader_system(published, k)
    # every line with a hidden cell has at least two (or none)
    for inner, total in _lines(published):
        hidden = sum(isinstance(published.loc[c], str) for c in [*inner, total])
        assert hidden != 1, f"line of {total} has a single hidden cell"
    for cell, value in table.stack().items():
        if 0 < value < k:
            assert cell in unknown, f"{cell} is small and shown"
    for j, cell in enumerate(unknown):
        assert not determined_by_equations(a, j), f"{cell} is fixed by the totals"
        if 0 < table.loc[cell] < k:
            lo, hi = integer_range(a, b, low, high, j)
            assert lo <= table.loc[cell] <= hi
            assert hi > lo, f"{cell} is pinned to {lo}"


# -- hand-checked examples ----------------------------------------------------------------


def test_one_way_table_gets_one_complementary_cell() -> None:
    # 3 < 5 is hidden; with the total 24 shown, 12 + 9 + x = 24 would give it back, so
    # one more inner cell is hidden: the smallest, 9. Then x + y = 12 with x in [1, 4],
    # y >= 5: x can be 1..4 (the reader learns nothing beyond "<5").
    table = pd.Series({"yes": 12, "no": 3, "unsure": 9, "All": 24}, name="n")
    result = suppress_counts(table)
    assert result.table.tolist() == [12, "<5", "[c]", 24]
    assert result.mask.tolist() == [False, True, True, False]
    assert result.table.name == "n" and result.table.index.tolist() == table.index.tolist()
    assert (result.n_suppressed, result.n_primary, result.n_complementary) == (2, 1, 1)
    published, mask = result
    check_safe(table.to_frame(), published.to_frame(), 5)


def test_smallest_complementary_cell_is_not_always_safe() -> None:
    # Hiding 1 and 5: x + y = 6 with y >= 5 forces x = 1. Hiding 1 and 30 instead:
    # x + y = 31, x in [1, 4] free. The smallest *safe* cell is chosen.
    table = pd.Series({"a": 1, "b": 5, "c": 30, "All": 36})
    assert suppress_counts(table).table.tolist() == ["<5", 5, "[c]", 36]


def test_two_small_counts_in_one_line_need_a_third_cell() -> None:
    # 1 + 1 hidden with 30 and 32 shown: x + y = 2 with x, y >= 1 gives x = y = 1.
    table = pd.Series({"a": 1, "b": 1, "c": 30, "All": 32})
    result = suppress_counts(table)
    assert result.table.tolist() == ["<5", "<5", "[c]", 32]
    check_safe(table.to_frame(), result.table.to_frame(), 5)


def test_two_way_example_from_gauss_suppression_data() -> None:
    # Statistics Norway's GaussSuppression vignette data ("example1", 2014), k = 4:
    #            Iceland Portugal Spain | All
    #   young          2        0     5 |   7
    #   old            3        4     6 |  13
    #   All            5        4    11 |  20
    # Iceland's 2 and 3 are small. Each row needs a second hidden cell: Portugal's 0 is
    # never used, so young takes Spain (5), and old takes Spain (6) too because that
    # also completes the Spain column (Portugal's 4 would open a new line). Checked by
    # hand: x + y = 7, z + w = 9, x + z = 5, y + w = 11, x, z in [1, 3], y, w >= 4
    # give x in {2, 3}.
    table = pd.DataFrame(
        {"Iceland": [2, 3], "Portugal": [0, 4], "Spain": [5, 6]}, index=["young", "old"]
    )
    result = suppress_counts(add_margins(table), k=4)
    expected = pd.DataFrame(
        {
            "Iceland": ["<4", "<4", 5],
            "Portugal": [0, 4, 4],
            "Spain": ["[c]", "[c]", 11],
            "All": [7, 13, 20],
        },
        index=["young", "old", "All"],
    )
    pd.testing.assert_frame_equal(result.table, expected.astype(object))
    check_safe(add_margins(table), result.table, 4)


def test_two_per_line_rule_alone_leaves_a_bridge_determined() -> None:
    # Two hidden 2x2 blocks (rows 0-1 x columns 0-1, rows 2-3 x columns 2-3) joined by
    # one hidden cell (1, 2): every row and column has 0 or >= 2 hidden cells, yet the
    # joining cell is fixed. Adding the hidden parts of rows 0 and 1 gives
    # x00 + x01 + x10 + x11 + x12, adding those of columns 0 and 1 gives
    # x00 + x01 + x10 + x11; both sums are known from the totals, so x12 is their
    # difference (the cell is a bridge of the suppression pattern).
    values = np.array([[2, 9, 7, 8], [8, 3, 9, 7], [7, 8, 2, 9], [9, 7, 8, 3]])
    table = add_margins(pd.DataFrame(values))
    hidden = np.zeros((5, 5), dtype=bool)
    for r, c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        hidden[r, c] = True
    flat = table.to_numpy().ravel()
    lines = [(tuple(r * 5 + c for c in range(4)), r * 5 + 4) for r in range(5)]
    lines += [(tuple(r * 5 + c for r in range(4)), 20 + c) for c in range(5)]
    small = hidden.ravel() & (flat < 5)
    bounds = attacker_bounds(flat, hidden.ravel(), small, lines, 5, [1 * 5 + 2, 0])
    assert bounds[7] == (9.0, 9.0)  # the bridge is disclosed
    assert bounds[0][1] > bounds[0][0]
    # and the independent checker sees it too
    hidden_frame = pd.DataFrame(hidden, index=table.index, columns=table.columns)
    published = table.astype(object).mask(hidden_frame, "[c]")
    published = published.mask(hidden_frame & (table < 5), "<5")
    with pytest.raises(AssertionError, match="fixed by the totals"):
        check_safe(table, published, 5)
    # suppress_counts never publishes such a pattern
    check_safe(table, suppress_counts(table).table, 5)


def test_the_checker_catches_primary_only_suppression() -> None:
    table = pd.Series({"yes": 12, "no": 3, "unsure": 9, "All": 24}).to_frame()
    naive = table.astype(object).mask(table < 5, "<5")
    with pytest.raises(AssertionError):
        check_safe(table, naive, 5)


def test_small_totals_are_hidden_too() -> None:
    # group B has 3 respondents: its total is itself a small count
    table = pd.DataFrame({"A": [10, 8, 0], "B": [2, 1, 0], "C": [9, 0, 7]}, index=["x", "y", "z"])
    full = add_margins(table)
    result = suppress_counts(full)
    assert result.table.loc["All", "B"] == "<5"
    assert result.primary.loc["All", "B"]
    assert result.table.loc["z", "A"] == 0 and result.table.loc["z", "B"] == 0  # zeros shown
    check_safe(full, result.table, 5)


def test_without_totals_only_primary_suppression() -> None:
    table = pd.DataFrame({"A": [10, 3], "B": [2, 30]}, index=["x", "y"])
    result = suppress_counts(table)
    assert result.table.to_numpy().tolist() == [[10, "<5"], ["<5", 30]]
    assert result.n_complementary == 0


def test_multiple_response_tables_are_not_additive() -> None:
    # three options ticked by 20 respondents: the total is not the sum
    table = pd.Series({"a": 12, "b": 3, "c": 15, "All": 20})
    with pytest.raises(PrivacyError, match="additive=False"):
        suppress_counts(table)
    result = suppress_counts(table, additive=False)
    assert result.table.tolist() == [12, "<5", 15, 20]


def test_labels_and_threshold_are_configurable() -> None:
    table = pd.Series({"a": 12, "b": 7, "c": 9, "All": 28})
    result = suppress_counts(table, k=10, label="<10 (hidden)", complementary_label="x")
    assert result.table.tolist() == [12, "<10 (hidden)", "<10 (hidden)", 28]
    result = suppress_counts(table, k=8, complementary_label="x")
    assert result.table.tolist() == [12, "<8", "x", 28]


@pytest.mark.parametrize(
    ("table", "k", "message"),
    [
        (pd.Series({"a": 1.5, "All": 1.5}), 5, "not a count"),
        (pd.Series({"a": -1, "All": -1}), 5, "not a count"),
        (pd.Series({"a": None, "All": 1}, dtype=float), 5, "not a count"),
        (pd.Series({"a": "x"}), 5, "not counts"),
        (pd.Series({"a": 1, "All": 1}), 2, "at least 3"),
        (pd.Series({"a": 1, "All": 1}), 5.0, "at least 3"),
        (pd.Series([1, 2, 3], index=["All", "b", "All"]), 5, "2 total rows"),
    ],
)
def test_bad_tables_are_refused(table, k, message) -> None:
    with pytest.raises(PrivacyError, match=message):
        suppress_counts(table, k)


def test_crosstab_margins_are_recognised() -> None:
    data = pd.DataFrame(
        {
            "motive": ["job"] * 12 + ["hobby"] * 3 + ["job"] * 7 + ["hobby"] * 9,
            "age": ["<35"] * 15 + ["35+"] * 16,
        }
    )
    table = pd.crosstab(data["motive"], data["age"], margins=True)
    result = suppress_counts(table)
    assert result.table.loc["hobby", "<35"] == "<5"
    check_safe(table, result.table, 5)


def test_add_margins_on_a_categorical_crosstab() -> None:
    motive = pd.Categorical(["job", "job", "hobby"], categories=["job", "hobby", "other"])
    age = pd.Categorical(["<35", "35+", "35+"])
    table = pd.crosstab(motive, age, dropna=False)
    full = add_margins(table)
    assert full.loc["All"].tolist() == [2, 1, 3] and full["All"].tolist() == [2, 1, 0, 3]
    with pytest.raises(PrivacyError, match="already has a total"):
        add_margins(full)
    series = add_margins(pd.Series([4, 6], index=pd.CategoricalIndex(["a", "b"])))
    assert series.tolist() == [4, 6, 10] and series.index[-1] == "All"


# -- property: random tables ---------------------------------------------------------------

cells = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 40))


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 4))
    n_cols = draw(st.integers(1, 4))
    values = draw(st.lists(cells, min_size=n_rows * n_cols, max_size=n_rows * n_cols))
    frame = pd.DataFrame(
        np.array(values).reshape(n_rows, n_cols),
        index=[f"r{i}" for i in range(n_rows)],
        columns=[f"c{j}" for j in range(n_cols)],
    )
    one_way = n_cols == 1 and draw(st.booleans())
    if one_way:
        return add_margins(frame.iloc[:, 0]).to_frame(), True
    return add_margins(frame), False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from([3, 5, 10]))
def test_random_tables_cannot_be_undone_from_margins(drawn, k) -> None:
    table, one_way = drawn
    result = suppress_counts(table.iloc[:, 0] if one_way else table, k)
    published = result.table.to_frame() if one_way else result.table
    mask = result.mask.to_frame() if one_way else result.mask
    values = table.to_numpy()
    small = (values > 0) & (values < k)
    np.testing.assert_array_equal(np.asarray(result.primary).reshape(values.shape), small)
    hidden = mask.to_numpy()
    assert not (hidden & (values == 0)).any()  # zeros are shown
    for (r, c), value in np.ndenumerate(values):
        shown = published.iloc[r, c]
        if result.uniform and hidden[r, c]:
            assert shown == "[c]"
        elif small[r, c]:
            assert shown == f"<{k}"
        elif hidden[r, c]:
            assert shown == "[c]"
        else:
            assert shown == value and type(shown) is int
    check_safe(table, published, k)


def test_tiny_tables_fall_back_to_one_label() -> None:
    # found by the property test: grand total 2 < k = 3, split 1 + 1. With "<3" labels
    # x + y = G and x, y, G in [1, 2] force x = y = 1 whatever is hidden, so every
    # hidden cell is shown as "[c]" (each then only known to be >= 1).
    table = add_margins(
        pd.DataFrame([[0, 0, 0], [0, 1, 1]], index=["r0", "r1"], columns=["c0", "c1", "c2"])
    )
    result = suppress_counts(table, k=3)
    assert result.uniform
    assert result.table.loc["r1"].tolist() == [0, "[c]", "[c]", "[c]"]
    assert result.table.loc["r0"].tolist() == [0, 0, 0, 0]
    check_safe(table, result.table, 3)
    assert not suppress_counts(pd.Series({"a": 12, "b": 3, "c": 9, "All": 24})).uniform


# -- percentages, frequency tables, quotes ----------------------------------------------


def test_percentages_of_hidden_counts_and_of_hidden_bases() -> None:
    counts = pd.DataFrame({"A": [10, 8, 7], "B": [2, 1, 0]}, index=["x", "y", "z"])
    full = add_margins(counts)
    result = suppress_counts(full)
    pct = counts / counts.sum() * 100
    # B's total (3) is small; the total row 25 + 3 = 28 then needs a second hidden
    # cell, A's total (the smaller of 25 and 28)
    assert result.table.loc["All"].tolist() == ["[c]", "<5", 28]
    out = suppress_percentages(pct, result, base="column")
    # both bases are hidden, so every percentage goes (2 / 66.7% would give 3 back)
    assert (out == "[c]").all().all()
    plain = suppress_percentages(pct, result)
    hidden = result.mask.loc[["x", "y", "z"], ["A", "B"]]
    assert ((plain == "[c]") == hidden).all().all()
    assert plain.loc["z", "B"] == 0.0  # a zero's percentage is shown
    by_row = suppress_percentages(counts.div(counts.sum(axis=1), axis=0), result, base="row")
    assert by_row.loc["z"].tolist() == [1.0, 0.0]  # row z's total (7) is shown
    with pytest.raises(PrivacyError):
        suppress_percentages(pct, result, base="diagonal")


def test_percentages_of_a_one_way_table_with_hidden_total() -> None:
    counts = pd.Series({"a": 2, "b": 1, "All": 3})
    result = suppress_counts(counts)
    pct = pd.Series({"a": 66.7, "b": 33.3})
    assert suppress_percentages(pct, result, base="total").tolist() == ["[c]", "[c]"]


def test_frequency_table_of_an_item() -> None:
    freq = pd.DataFrame(
        {
            "option_id": ["a", "b", "c", "d"],
            "label": ["A", "B", "C", "D"],
            "n": [20, 3, 0, 9],
            "pct": [20 / 32, 3 / 32, 0.0, 9 / 32],
            "ci_low": [0.4, 0.03, 0.0, 0.15],
            "ci_high": [0.77, 0.24, 0.1, 0.45],
            "cum_pct": [20 / 32, 23 / 32, 23 / 32, 1.0],
        }
    )
    published, n_valid, result = suppress_frequency_table(freq, 32)
    assert published["n"].tolist() == [20, "<5", 0, "[c]"]
    assert published["pct"].tolist()[1] == "[c]" and published["pct"].tolist()[3] == "[c]"
    assert published["ci_low"].tolist()[0] == 0.4
    assert published["cum_pct"].tolist() == [20 / 32, "[c]", "[c]", "[c]"]
    assert n_valid == 32 and result.n_suppressed == 2
    assert published["label"].tolist() == ["A", "B", "C", "D"]
    # multiple choice: no complementary cells, a small base hides everything
    multi, base, _ = suppress_frequency_table(freq.assign(n=[20, 3, 0, 19]), 25, multiple=True)
    assert multi["n"].tolist() == [20, "<5", 0, 19]
    tiny, base, _ = suppress_frequency_table(freq.assign(n=[2, 1, 0, 0]), 3)
    assert base == "<5" and set(tiny["pct"]) == {"[c]"}


def test_withhold_quotes_from_small_groups() -> None:
    quotes = pd.DataFrame(
        {"group": ["teachers", "nurses", "teachers", None, "unknown"], "text": list("abcde")},
        index=[5, 6, 7, 8, 9],
    )
    kept, n = withhold_quotes(quotes, {"teachers": 12, "nurses": 3})
    assert kept.index.tolist() == [5, 7] and n == 3
    kept, n = withhold_quotes(quotes, pd.Series({"teachers": 4, "nurses": 3}), k=3)
    assert kept.index.tolist() == [5, 6, 7] and n == 2
    with pytest.raises(PrivacyError):
        withhold_quotes(quotes, {}, group="segment")
