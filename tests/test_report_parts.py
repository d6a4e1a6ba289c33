"""Building blocks of the report: cell neutralisation, SVG cleaning, formatting, JSON,
diverging-bar layout and chart specifications."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from microcred.report import charts, fmt
from microcred.report.json_out import to_jsonable
from microcred.report.safe import neutralise_cell, neutralise_frame, sanitise_svg

# --- CSV / XLSX formula neutralisation (OWASP "CSV Injection") ----------------------


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")'],
)
def test_neutralise_cell_prefixes_formula_triggers(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Career", "", "1-5 hours", "'=already", " =x", "a=b"])
def test_neutralise_cell_leaves_plain_text(value: str) -> None:
    assert neutralise_cell(value) == value


@pytest.mark.parametrize("value", [-3, -2.5, 0, None, True, float("nan")])
def test_neutralise_cell_leaves_non_strings(value: object) -> None:
    out = neutralise_cell(value)
    assert out is value or (isinstance(value, float) and math.isnan(out))  # type: ignore[arg-type]


def test_neutralise_frame_only_touches_strings() -> None:
    frame = pd.DataFrame(
        {
            "label": ["=cmd|' /C calc'!A0", "-note", "ok", None],
            "value": [-2.0, -1.0, 0.0, 1.0],
            "n": [-1, 2, 3, 4],
        },
        index=pd.Index(["@a", "b", "c", "d"]),
    )
    frame["+col"] = ["x", "y", "z", "w"]
    out = neutralise_frame(frame)
    assert out["label"].tolist()[:3] == ["'=cmd|' /C calc'!A0", "'-note", "ok"]
    assert pd.isna(out["label"].iloc[3])
    assert out["value"].tolist() == [-2.0, -1.0, 0.0, 1.0]
    assert out["value"].dtype == np.float64 and out["n"].dtype == frame["n"].dtype
    assert list(out.columns) == ["label", "value", "n", "'+col"]
    assert out.index[0] == "'@a"
    assert frame["label"].iloc[0].startswith("=")  # the input is not modified


def test_neutralise_frame_string_dtype() -> None:
    frame = pd.DataFrame({"s": pd.array(["=x", "y", pd.NA], dtype="string")})
    out = neutralise_frame(frame)
    assert out["s"].iloc[0] == "'=x" and out["s"].iloc[1] == "y" and pd.isna(out["s"].iloc[2])


# --- SVG sanitising -----------------------------------------------------------------


def test_sanitise_svg_removes_executable_content() -> None:
    svg = (
        '<svg onload="alert(1)" a="x>y"><g ONCLICK=alert(1) class="k">'
        '<a xlink:href="javascript:alert(1)" href="#ok">t</a>'
        "<text>tonight onboarding = yes</text>"
        "<script>alert(1)</script><SCRIPT src=x /><script>never closed"
    )
    out = sanitise_svg(svg + "</g></svg>")
    assert "script" not in out.lower()
    assert "onload" not in out and "onclick" not in out.lower() and "javascript" not in out
    assert "<text>tonight onboarding = yes</text>" in out  # text content untouched
    assert 'href="#ok"' in out and 'class="k"' in out


def test_sanitise_svg_removes_foreign_object() -> None:
    out = sanitise_svg('<svg><foreignObject><div onclick="x">hi</div></foreignObject></svg>')
    assert out == "<svg></svg>"


def test_vega_escapes_labels_inside_svg() -> None:
    frame = pd.DataFrame(
        {
            "display": ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"],
            "pct": [0.6, 0.4],
            "ci_low": [0.5, 0.3],
            "ci_high": [0.7, 0.5],
        }
    )
    spec = charts.bar_chart(frame, order=frame["display"].tolist())
    svg = str(charts.to_svg(spec, "Chart <b>x</b>", "k1"))
    assert "<script" not in svg.lower() and "<img" not in svg.lower()
    assert "&lt;script&gt;" in svg
    assert "<title>Chart &lt;b&gt;x&lt;/b&gt;</title>" in svg
    assert all(i.startswith("k1-") for i in __import__("re").findall(r'\bid="([^"]+)"', svg))


# --- formatting -----------------------------------------------------------------------


def test_formatting() -> None:
    assert fmt.pct(0.6064) == "60.6%"
    assert fmt.pct(1) == "100.0%"
    assert fmt.pct(float("nan")) == fmt.DASH and fmt.pct(None) == fmt.DASH
    assert fmt.ci(0.5908, 0.6218) == "[59.1–62.2]"
    assert fmt.ci(float("nan"), 0.6) == ""
    assert fmt.ci(36.0, 38.5, percent=False) == "[36–38.5]"
    assert fmt.pct_ci(0.4, 0.2188, 0.6134) == "40.0% [21.9–61.3]"
    assert fmt.pct_ci(0.4, None, None) == "40.0%"
    assert fmt.num(4.0) == "4" and fmt.num(3.456) == "3.46" and fmt.num(-0.001) == "0"
    assert fmt.num(-0.089, 3) == "-0.089"
    # a column of one statistic keeps its decimals: 0.02 is not shown as "0.02" beside "0.014"
    assert fmt.fixed(0.02, 3) == "0.020" and fmt.fixed(1.1) == "1.10"
    assert fmt.fixed(-0.0001) == "0.00"
    assert fmt.fixed(None) == fmt.DASH
    assert fmt.ci(3.4, 3.6, percent=False, trim=False) == "[3.40–3.60]"
    assert fmt.count(3786.0) == "3786" and fmt.count(pd.NA) == fmt.DASH
    assert fmt.p_value(0.0004) == "< 0.001" and fmt.p_value(0.0123) == "0.012"
    assert fmt.is_missing_text(pd.NA) and fmt.is_missing_text("") and not fmt.is_missing_text("x")


# --- JSON -----------------------------------------------------------------------------


def test_to_jsonable_plain_types() -> None:
    value = {
        "a": np.int64(3),
        "b": np.float32(0.5),
        "c": float("nan"),
        "d": pd.NA,
        "e": [np.bool_(True), float("inf")],
        "f": pd.Timestamp("2024-05-01T10:00:00"),
        "g": pd.DataFrame({"x": [1, 2], "y": [0.5, np.nan]}),
        "h": np.array([1.5, np.nan]),
        1: "int key",
    }
    out = to_jsonable(value)
    assert out == {
        "a": 3,
        "b": 0.5,
        "c": None,
        "d": None,
        "e": [True, None],
        "f": "2024-05-01T10:00:00",
        "g": [{"x": 1, "y": 0.5}, {"x": 2, "y": None}],
        "h": [1.5, None],
        "1": "int key",
    }
    json.dumps(out, allow_nan=False)
    assert type(out["a"]) is int and type(out["e"][0]) is bool


# --- diverging stacked bar --------------------------------------------------------------


def _likert(pcts: list[float], values: list[float] | None = None) -> pd.DataFrame:
    ids = [f"o{k}" for k in range(len(pcts))]
    frame = pd.DataFrame({"option_id": ids, "label": ids, "pct": pcts})
    if values is not None:
        frame["value"] = values
    return frame


def test_diverging_layout_odd_scale_splits_neutral() -> None:
    # Heiberger & Robbins (2014), section 3: negative categories stack leftwards from
    # the centre, positive ones rightwards, the neutral one is split across zero.
    rows = charts.diverging_layout(_likert([0.1, 0.2, 0.3, 0.25, 0.15]))
    assert rows["side"].tolist() == ["negative", "negative", "neutral", "positive", "positive"]
    expected = [(-0.45, -0.35), (-0.35, -0.15), (-0.15, 0.15), (0.15, 0.40), (0.40, 0.55)]
    for (x0, x1), (_, row) in zip(expected, rows.iterrows(), strict=True):
        assert row["x0"] == pytest.approx(x0) and row["x1"] == pytest.approx(x1)


def test_diverging_layout_even_scale_and_scores() -> None:
    # 4 points, no neutral: the midpoint lies between the 2nd and 3rd category
    rows = charts.diverging_layout(_likert([0.1, 0.2, 0.3, 0.4]))
    assert rows[["x0", "x1"]].to_numpy().ravel().tolist() == pytest.approx(
        [-0.3, -0.2, -0.2, 0.0, 0.0, 0.3, 0.3, 0.7]
    )
    # declared from high to low with scores: laid out from the lowest score
    rows = charts.diverging_layout(_likert([0.5, 0.3, 0.2], values=[3, 2, 1]))
    assert rows["option_id"].tolist() == ["o2", "o1", "o0"]
    assert rows[["x0", "x1"]].to_numpy().ravel().tolist() == pytest.approx(
        [-0.35, -0.15, -0.15, 0.15, 0.15, 0.65]
    )


def test_diverging_layout_drops_other_and_colours_by_side() -> None:
    frame = _likert([0.2, 0.2, 0.2, 0.2, 0.1, 0.1], values=[1, 2, 3, 4, 5, np.nan])
    frame.loc[5, "option_id"] = "other"
    rows = charts.diverging_layout(frame)
    assert "other" not in rows["option_id"].tolist()
    assert rows["color"].iloc[2] == charts.NEUTRAL_COLOR
    assert rows["color"].iloc[0] == charts.NEGATIVE_DARK
    assert rows["color"].iloc[-1] == charts.POSITIVE_DARK


def test_chart_specs_are_valid_vega_lite() -> None:
    import altair as alt

    frame = _likert([0.1, 0.2, 0.3, 0.25, 0.15], values=[1, 2, 3, 4, 5])
    frame["display"] = frame["label"]
    frame["ci_low"] = frame["pct"] - 0.05
    frame["ci_high"] = frame["pct"] + 0.05
    frame["cum_pct"] = frame["pct"].cumsum()
    specs = [
        charts.diverging_chart(frame, description="d"),
        charts.bar_chart(frame, order=frame["display"].tolist(), cumulative=True),
        charts.bar_chart(frame, order=frame["display"].tolist()[::-1]),
    ]
    for spec in specs:
        body = {k: v for k, v in spec.items() if k != "$schema"}
        alt.TopLevelLayerSpec.from_dict(body, validate=True)
        assert spec["config"]["font"] == "sans-serif"
    diverging = specs[0]
    assert diverging["layer"][1]["encoding"]["color"]["scale"]["domain"] == [
        "o0",
        "o1",
        "o2",
        "o3",
        "o4",
    ]
    # order of bars follows ``order``
    positions = {r["display"]: r["position"] for r in specs[2]["datasets"][charts.DATA]}
    assert positions == {"o4": 0, "o3": 1, "o2": 2, "o1": 3, "o0": 4}


def test_unique_labels() -> None:
    assert charts.unique_labels(["A", "B", "A"], ["a1", "b", "a2"]) == ["A (a1)", "B", "A (a2)"]


def test_diverging_layout_rating_0_to_10_and_unscored_rows() -> None:
    # 0-10 rating, equal shares: 5 is the neutral point; the extreme left edge is
    # -(1/22 + 5/11) and the extreme right edge +(1/22 + 5/11).
    share = 1 / 11
    frame = _likert([share] * 11 + [0.2], values=[*range(11), np.nan])
    frame.loc[11, "option_id"] = "dont_know"  # no score: not on the scale
    rows = charts.diverging_layout(frame)
    assert len(rows) == 11 and "dont_know" not in rows["option_id"].tolist()
    assert rows["side"].value_counts().to_dict() == {"negative": 5, "positive": 5, "neutral": 1}
    assert rows["x0"].iloc[0] == pytest.approx(-(share / 2 + 5 * share))
    assert rows["x1"].iloc[-1] == pytest.approx(share / 2 + 5 * share)
    spec = charts.diverging_chart(frame)
    assert spec["params"][1] == {"name": "columns", "value": 6}
