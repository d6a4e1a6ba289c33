"""Tables that publish the same cells are suppressed alike (issue 5, linked tables).

A segment made of the respondents of one option of an item (``career_motivated`` =
motivation ``career``) has, in its comparison, a column equal to that option's column
of the comparison by the item; its "everyone else" column is the sum of the other
options' columns. A cell hidden in one table but printed in the other gives a small
cell back by subtraction from the item totals. The checker below is independent of the
suppression code: the reader's system over BOTH tables at once (every published number,
the item totals, the labels' bounds) solved by integer programming (scipy ``milp``;
Hundepool et al. 2012, *Statistical Disclosure Control*, section 4.4 on linked tables).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from microcred import ingest, quant, study
from microcred.privacy import share_results
from microcred.privacy import shared as shared_module
from microcred.privacy.shared import is_hidden

K = 5
MOTIVATION = ("career", "personal", "other")
HOURS = ("low", "mid", "high", "vhigh", "top")

STUDY = """\
study: {id: linked, title: Linked tables}
sources:
  - {id: s1, path: responses.csv, format: auto}
respondent_id: {column: id}
items:
  - id: motivation
    type: single_choice
    column: Motivation
    options:
      - {id: career, labels: career}
      - {id: personal, labels: personal}
      - {id: other, labels: other}
  - id: hours
    type: single_choice
    column: Hours
    options:
      - {id: low, labels: low}
      - {id: mid, labels: mid}
      - {id: high, labels: high}
      - {id: vhigh, labels: vhigh}
      - {id: top, labels: top}
segments:
  - {id: career_motivated, where: {item: motivation, options: [career]}}
comparisons:
  - {by: motivation, items: [hours]}
  - {by: career_motivated, items: [hours]}
"""

# hours (rows) x motivation (columns). Found by a search over random tables: suppressed
# one table at a time, career/vhigh (15) is hidden in the comparison by motivation but
# printed in the segment's, so personal/vhigh = 31 - 15 - 15 = 1 is recovered.
COUNTS = np.array([
    [1, 10, 30],
    [2, 9, 20],
    [2, 7, 54],
    [15, 1, 15],
    [6, 6, 40],
])  # fmt: skip


def _results(folder: Path) -> object:
    folder.mkdir(parents=True, exist_ok=True)
    rows, n = ["id,Motivation,Hours"], 0
    for r, hours in enumerate(HOURS):
        for c, motivation in enumerate(MOTIVATION):
            for _ in range(COUNTS[r, c]):
                rows.append(f"r{n},{motivation},{hours}")
                n += 1
    (folder / "responses.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "study.yaml").write_text(STUDY, encoding="utf-8")
    instrument = study.load(folder / "study.yaml")
    data = ingest.read(instrument)
    return quant.analyse(instrument, data.answers, data.respondents, asked=data.asked)


def _bounds(label: object, small_in_table: bool) -> tuple[float, float]:
    if label == f"<{K}":
        return 1.0, K - 1.0
    return (float(K), np.inf) if small_in_table else (1.0, np.inf)


def recoverable_small_cells(by_item, by_segment) -> list[tuple[str, str]]:
    """Small cells of the hours x motivation table a reader pins to one value."""
    n_cells = COUNTS.size

    def var(r: int, c: int) -> int:
        return r * len(MOTIVATION) + c

    eq_rows, eq_rhs, ineq_rows, ineq_low, ineq_high = [], [], [], [], []
    low, high = np.zeros(n_cells), np.full(n_cells, np.inf)

    def equation(cells: list[int], value: float) -> None:
        row = np.zeros(n_cells)
        row[cells] = 1.0
        eq_rows.append(row)
        eq_rhs.append(value)

    # the item totals are published (the frequency tables of both items)
    for r in range(len(HOURS)):
        equation([var(r, c) for c in range(len(MOTIVATION))], COUNTS[r].sum())
    for c in range(len(MOTIVATION)):
        equation([var(r, c) for r in range(len(HOURS))], COUNTS[:, c].sum())
    small_a = any(v == f"<{K}" for v in by_item.to_numpy().ravel())
    small_b = any(v == f"<{K}" for v in by_segment.to_numpy().ravel())
    for r, hours in enumerate(HOURS):
        for c, motivation in enumerate(MOTIVATION):
            value = by_item.loc[hours, motivation]
            if is_hidden(value):
                lo, hi = _bounds(value, small_a)
                low[var(r, c)], high[var(r, c)] = max(low[var(r, c)], lo), min(high[var(r, c)], hi)
            else:
                equation([var(r, c)], float(value))
        mine = by_segment.loc[hours, "career_motivated"]
        if is_hidden(mine):
            lo, hi = _bounds(mine, small_b)
            low[var(r, 0)], high[var(r, 0)] = max(low[var(r, 0)], lo), min(high[var(r, 0)], hi)
        else:
            equation([var(r, 0)], float(mine))
        rest = by_segment.loc[hours, "not_career_motivated"]
        cells = [var(r, c) for c in range(1, len(MOTIVATION))]
        if is_hidden(rest):
            row = np.zeros(n_cells)
            row[cells] = 1.0
            lo, hi = _bounds(rest, small_b)
            ineq_rows.append(row)
            ineq_low.append(lo)
            ineq_high.append(hi)
        else:
            equation(cells, float(rest))
    constraints = [LinearConstraint(np.array(eq_rows), eq_rhs, eq_rhs)]
    if ineq_rows:
        constraints.append(LinearConstraint(np.array(ineq_rows), ineq_low, ineq_high))
    pinned = []
    for r, hours in enumerate(HOURS):
        for c, motivation in enumerate(MOTIVATION):
            if not 0 < COUNTS[r, c] < K:
                continue
            objective = np.zeros(n_cells)
            objective[var(r, c)] = 1.0
            ends = []
            for sign in (1.0, -1.0):
                res = milp(sign * objective, constraints=constraints,
                           bounds=Bounds(low, high), integrality=np.ones(n_cells))  # fmt: skip
                assert res.status == 0, res.message  # the true table is a solution
                ends.append(sign * res.fun)
            assert ends[0] <= COUNTS[r, c] <= ends[1]
            if ends[0] == ends[1]:
                pinned.append((hours, motivation))
    return pinned


def _tables(results) -> tuple:
    out = share_results(results, K).results
    by = {c.by: c.crosstabs["hours"] for c in out.comparisons}
    return by["motivation"], by["career_motivated"]


def test_the_same_cell_is_hidden_in_every_table_that_shows_it(tmp_path):
    results = _results(tmp_path / "study")
    members = {c.by: c.members for c in results.comparisons}
    # the segment's column is the option's column: same respondents, same signature
    assert members["career_motivated"]["career_motivated"] == members["motivation"]["career"]
    by_item, by_segment = _tables(results)
    for hours in HOURS:
        assert is_hidden(by_item.loc[hours, "career"]) == is_hidden(
            by_segment.loc[hours, "career_motivated"]
        ), hours
    assert recoverable_small_cells(by_item, by_segment) == []


def test_the_checker_finds_the_leak_of_tables_suppressed_one_by_one(tmp_path, monkeypatch):
    # without the fixpoint (each table on its own, as before issue 5) the checker must
    # find personal/vhigh = 1: the test above can fail.
    results = _results(tmp_path / "study")
    monkeypatch.setattr(shared_module, "_MAX_ROUNDS", 0)
    by_item, by_segment = _tables(results)
    assert ("vhigh", "personal") in recoverable_small_cells(by_item, by_segment)


@pytest.mark.parametrize("by", ["motivation", "career_motivated"])
def test_signatures_never_reach_the_published_json(tmp_path, by):
    from microcred.report.json_out import _comparison_dict

    results = _results(tmp_path / "study")
    published = share_results(results, K).results
    comp = next(c for c in published.comparisons if c.by == by)
    text = repr(_comparison_dict(comp))
    assert not any(sig in text for sig in comp.members.values())


# -- themes by segment: the theme's overall count is published ---------------------------


def _theme_tables(n: list[int], base: list[int]):
    import pandas as pd

    from microcred.privacy.later import SharedLater, _share_by_segment

    themes = pd.DataFrame({
        "document": ["why"], "code_id": ["cost"], "n": [sum(n)], "base": [sum(base)],
        "pct": [100 * sum(n) / sum(base)],
    })  # fmt: skip
    by_segment = pd.DataFrame({
        "document": ["why"] * len(n), "code_id": ["cost"] * len(n),
        "segment_id": [f"s{i}" for i in range(len(n))], "n": n, "base": base,
        "pct": [100 * a / b for a, b in zip(n, base, strict=True)],
        "ci_low": [0.0] * len(n), "ci_high": [100.0] * len(n),
    })  # fmt: skip
    return _share_by_segment(by_segment, themes, K, SharedLater(k=K))


def _pinned_segments(published, n: list[int], base: list[int]) -> list[int]:
    """Segments whose small count a reader pins, knowing the theme's total (8) and that
    the segments split the coded respondents (the sum of the cells is the total)."""
    size = len(n)
    small_any = any(v == f"<{K}" for v in published["n"])
    low, high = np.zeros(size), np.full(size, np.inf)
    eq_rows, eq_rhs = [np.ones(size)], [float(sum(n))]
    for i, value in enumerate(published["n"]):
        if is_hidden(value):
            low[i], high[i] = _bounds(value, small_any)
        else:
            row = np.zeros(size)
            row[i] = 1.0
            eq_rows.append(row)
            eq_rhs.append(float(value))
        high[i] = min(high[i], base[i])  # at most the segment's base
    pinned = []
    for i in range(size):
        if not 0 < n[i] < K:
            continue
        objective = np.zeros(size)
        objective[i] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            res = milp(sign * objective,
                       constraints=[LinearConstraint(np.array(eq_rows), eq_rhs, eq_rhs)],
                       bounds=Bounds(low, high), integrality=np.ones(size))  # fmt: skip
            assert res.status == 0, res.message
            ends.append(sign * res.fun)
        assert ends[0] <= n[i] <= ends[1]
        if ends[0] == ends[1]:
            pinned.append(i)
    return pinned


@pytest.mark.parametrize(
    ("n", "base"),
    [
        ([4, 4], [27, 27]),  # the new user's "Cost": 8 overall, "<5 of 27" in both groups
        ([5, 3], [27, 3]),  # one segment below k: 8 - 5 would give its 3 back
        ([4, 4, 0], [20, 20, 14]),
        ([3, 9], [27, 27]),
    ],
)
def test_themes_by_segment_cannot_be_undone_from_the_theme_total(n, base):
    published = _theme_tables(n, base)
    assert _pinned_segments(published, n, base) == []
    for value, count in zip(published["n"], n, strict=True):
        assert is_hidden(value) or not 0 < count < K


def test_the_theme_checker_catches_two_small_labels_that_add_up_to_the_total():
    import pandas as pd

    # as published before the fix: both "<5", the total 8 shown: each must be 4
    published = pd.DataFrame({"n": [f"<{K}", f"<{K}"]})
    assert _pinned_segments(published, [4, 4], [27, 27]) == [0, 1]
