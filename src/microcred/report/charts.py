"""Charts as inline SVG: altair specifications rendered offline by vl-convert.

Every chart is drawn from numbers already in the results (no statistics here). The
SVG needs no network: fonts are a generic family and data are inlined. The results are
the shared copy (:func:`microcred.privacy.shared.share_results`): an answer whose count
is hidden gets no bar, no interval and no point, only its label (``"<5"``, ``"[c]"``),
and is placed where its share cannot be read from the order (after the others, or in
the scale's own order).
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from microcred.report.safe import sanitise_svg, xml_text

if TYPE_CHECKING:
    import pandas as pd

    from microcred.quant.results import ItemResult

__all__ = [
    "PNG_SCALE",
    "Chart",
    "RenderedChart",
    "bar_chart",
    "chart_stem",
    "diverging_chart",
    "diverging_layout",
    "item_chart",
    "ranking_chart",
    "render_charts",
    "render_svgs",
    "to_svg",
    "unique_labels",
    "write_chart_files",
]

FONT = "sans-serif"
BAR_COLOR = "#2b5d8a"  # contrast 6.9:1 on white
CI_COLOR = "#1a1a1a"
CUM_COLOR = "#a3480f"  # contrast 5.6:1 on white
TEXT_COLOR = "#222222"
NEUTRAL_COLOR = "#c4c4c4"
NEGATIVE_DARK, NEGATIVE_LIGHT = "#b2182b", "#f4a582"  # ColorBrewer RdBu ends
POSITIVE_LIGHT, POSITIVE_DARK = "#92c5de", "#2166ac"
WIDTH = 360
DATA = "table"
"""Name of the dataset every chart specification reads."""

PNG_SCALE = 2.0
"""PNG pixels per SVG (CSS) pixel: sharp on screens and at about 190 dpi in print."""

Chart = tuple[dict[str, Any], str]
"""A vega-lite specification (dict) and its accessible title."""


@dataclass(frozen=True)
class RenderedChart:
    """One chart rendered once, in every form the writers need.

    Attributes
    ----------
    svg : markupsafe.Markup
        Sanitised SVG with ids prefixed by the chart key and an accessible title
        (inlined in the HTML page, written to ``charts/<name>.svg``).
    png : bytes
        The same drawing as PNG at :data:`PNG_SCALE` (DOCX, PDF, ``charts/<name>.png``).
    width, height : int
        Size of the drawing in CSS pixels (the PNG is ``PNG_SCALE`` times larger).
    title : str
        Accessible title (plain text).
    """

    svg: Markup
    png: bytes
    width: int
    height: int
    title: str


def unique_labels(labels: Sequence[str], ids: Sequence[str]) -> list[str]:
    """Labels made unique for a chart axis by appending the option id to repeated ones.

    Parameters
    ----------
    labels, ids : sequence of str
        Same length: display labels and their option ids.

    Returns
    -------
    list of str
    """
    labels = [
        str(label) if label is not None else str(i) for label, i in zip(labels, ids, strict=True)
    ]
    seen = {label: labels.count(label) for label in labels}
    return [
        f"{label} ({i})" if seen[label] > 1 else label for label, i in zip(labels, ids, strict=True)
    ]


def _config(chart: Any) -> dict[str, Any]:
    spec: dict[str, Any] = (
        chart.configure(font=FONT, background="white")
        .configure_view(strokeWidth=0)
        .configure_axis(
            labelColor=TEXT_COLOR,
            titleColor=TEXT_COLOR,
            labelFontSize=11,
            titleFontSize=11,
            gridColor="#e3e3e3",
            domainColor="#888888",
            tickColor="#888888",
        )
        .configure_legend(labelColor=TEXT_COLOR, labelFontSize=11, symbolType="square")
        .to_dict(validate=False)
    )
    return spec


def _fill(
    template: str, records: list[dict[str, Any]], description: str, **params: Any
) -> dict[str, Any]:
    """A fresh copy of a cached specification with its data and parameter values."""
    spec: dict[str, Any] = json.loads(template)
    spec["datasets"] = {DATA: records}
    spec["description"] = xml_text(description)
    for param in spec.get("params", []):
        if param["name"] in params:
            param["value"] = params[param["name"]]
    return spec


def _value(v: Any) -> Any:
    if isinstance(v, str):
        return xml_text(v)
    if isinstance(v, float) and math.isnan(v):
        return None
    return v.item() if hasattr(v, "item") else v


def _hidden_labels(frame: pd.DataFrame) -> list[str]:
    """The label of each row whose count or share is hidden, ``""`` for shown rows."""
    out = []
    for i in range(len(frame)):
        label = ""
        for column in ("n", "pct"):
            if column in frame.columns and isinstance(frame[column].iloc[i], str):
                label = str(frame[column].iloc[i])
                break
        out.append(label)
    return out


def _numbers(values: Any) -> Any:
    """Numbers of a column, NaN where a cell holds a label (a hidden value)."""
    import pandas as pd

    series = pd.Series(values)
    return pd.to_numeric(series.where(~series.map(lambda v: isinstance(v, str))), errors="coerce")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NaN -> None (vega drops null values from marks).

    Text loses the characters XML cannot hold (:func:`~microcred.report.safe.xml_text`):
    vl-convert aborts the whole process on a control character in a label.
    """
    return [{str(k): _value(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


@lru_cache(maxsize=8)
def _bar_template(x_title: str, cumulative: bool) -> str:
    """Vega-lite spec (as JSON text) of :func:`bar_chart`, built once with altair."""
    import altair as alt

    xmax = alt.param(name="xmax", value=1.0)
    y = alt.Y(
        "display:N",
        sort=alt.EncodingSortField(field="position", op="min", order="ascending"),
        title=None,
        axis=alt.Axis(labelLimit=260),
    )
    scale = alt.Scale(domainMin=0, domainMax=alt.ExprRef("xmax"), nice=False)
    layers = [
        alt.Chart()
        .mark_bar(color=BAR_COLOR, height={"band": 0.7})
        .encode(
            y=y,
            x=alt.X("pct:Q", title=x_title, scale=scale, axis=alt.Axis(format="%", tickCount=5)),
        ),
        alt.Chart()
        .mark_rule(color=CI_COLOR, strokeWidth=1.5)
        .encode(y=y, x=alt.X("ci_low:Q", title=x_title), x2="ci_high:Q"),
        alt.Chart()
        .mark_text(align="left", baseline="middle", dx=4, color=TEXT_COLOR, fontSize=11)
        .encode(y=y, x=alt.X("xtext:Q", title=x_title), text="text:N"),
    ]
    if cumulative:
        layers.append(
            alt.Chart()
            .mark_line(color=CUM_COLOR, strokeDash=[4, 2], point={"color": CUM_COLOR})
            .encode(y=y, x=alt.X("cum_pct:Q", title=x_title), order="position:Q")
        )
    chart = (
        alt.layer(*layers, data=alt.NamedData(DATA))
        .add_params(xmax)
        .properties(width=WIDTH, height=alt.Step(22))
    )
    return json.dumps(_config(chart))


def bar_chart(
    frame: pd.DataFrame,
    *,
    order: Sequence[str],
    x_title: str = "% of respondents",
    description: str = "",
    cumulative: bool = False,
) -> dict[str, Any]:
    """Horizontal bars of proportions with their 95% CI as error bars.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``display`` (unique label), ``pct``, ``ci_low``, ``ci_high``
        (fractions in [0, 1]); ``cum_pct`` too when ``cumulative``. A row whose ``n``
        or ``pct`` holds a label (a suppressed count) is drawn as that label alone.
    order : sequence of str
        ``display`` values from top to bottom.
    x_title : str, default "% of respondents"
    description : str
        Accessible description stored in the specification.
    cumulative : bool, default False
        Overlay the cumulative % as a dashed line with points (ordinal items).

    Returns
    -------
    dict
        A vega-lite specification.

    Notes
    -----
    Error bars show the interval computed by :mod:`microcred.quant` (Wilson 95%);
    the bar label shows the estimate with one decimal. The specification is built
    once per ``(x_title, cumulative)`` with altair and then filled with the data,
    which keeps a report of many items fast.
    """
    import pandas as pd

    position = {label: k for k, label in enumerate(order)}
    nan = pd.Series(float("nan"), index=frame.index)
    hidden = _hidden_labels(frame)
    data = pd.DataFrame(
        {
            "display": frame["display"].astype(str).to_numpy(),
            "pct": _numbers(frame["pct"].to_numpy()).to_numpy(),
            "ci_low": _numbers(frame.get("ci_low", nan).to_numpy()).to_numpy(),
            "ci_high": _numbers(frame.get("ci_high", nan).to_numpy()).to_numpy(),
        }
    )
    for column in ("pct", "ci_low", "ci_high"):  # nothing of a hidden row is drawn
        data.loc[[bool(h) for h in hidden], column] = float("nan")
    data["position"] = [position.get(d, len(position)) for d in data["display"]]
    data["xtext"] = data[["pct", "ci_high"]].max(axis=1)
    data.loc[[bool(h) for h in hidden], "xtext"] = 0.0
    data["text"] = [
        h or (f"{p * 100:.1f}%" if not math.isnan(p) else "")
        for h, p in zip(hidden, data["pct"], strict=True)
    ]
    cumulative = cumulative and "cum_pct" in frame.columns
    if cumulative:
        data["cum_pct"] = _numbers(frame["cum_pct"].to_numpy()).to_numpy()
    top = float(data["xtext"].max()) if data["xtext"].notna().any() else 1.0
    top = 1.0 if cumulative else min(1.0, top * 1.18 + 0.04)
    if top > 0.9:
        top = 1.0
    data = data.sort_values("position", kind="stable")
    return _fill(
        _bar_template(x_title, cumulative), _records(data), description, xmax=round(top, 4)
    )


def _mix(a: str, b: str, t: float) -> str:
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


def _ramp(dark: str, light: str, n: int) -> list[str]:
    """``n`` colours from ``dark`` (index 0, the extreme) to ``light`` (nearest neutral)."""
    if n == 1:
        return [_mix(dark, light, 0.5)]
    return [_mix(dark, light, i / (n - 1)) for i in range(n)]


def _luminance(color: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""
    channels = []
    for i in (1, 3, 5):
        c = int(color[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def diverging_layout(frame: pd.DataFrame, other_option: str = "other") -> pd.DataFrame:
    """Positions of the segments of a diverging stacked bar centred on the neutral point.

    Parameters
    ----------
    frame : pandas.DataFrame
        Frequencies of a Likert or rating item: ``option_id``, ``pct`` (fractions),
        optionally ``value`` (the scale score) and ``display`` (label).
    other_option : str, default "other"
        Option id of free 'Other' answers, which have no place on the scale.

    Returns
    -------
    pandas.DataFrame
        One row per scale category ordered from lowest to highest score: ``option_id,
        display, pct, side`` (``negative``, ``neutral``, ``positive``), ``x0, x1`` (the
        segment's extent, negative to the left of 0), ``xmid``, ``color``,
        ``text_color``.

    Notes
    -----
    The midpoint is the middle of the lowest and highest scores (of the positions 1..k
    without scores). Categories below it stack leftwards from 0, those above it
    rightwards, each starting next to the centre; a category exactly at the midpoint
    is split in half across 0 (Heiberger & Robbins 2014; Robbins & Heiberger 2011).

    References
    ----------
    R. M. Heiberger and N. B. Robbins, "Design of Diverging Stacked Bar Charts for
    Likert Scales and Other Applications", Journal of Statistical Software 57(5), 2014.
    """
    import pandas as pd

    rows = frame[frame["option_id"].astype(str) != other_option].copy()
    scores = pd.to_numeric(rows["value"], errors="coerce") if "value" in rows.columns else None
    if scores is not None and scores.notna().any():
        rows = rows[scores.notna()].copy()
        rows["score"] = scores[scores.notna()]
    else:
        rows["score"] = range(1, len(rows) + 1)
    if "display" not in rows.columns:
        rows["display"] = unique_labels(
            rows.get("label", rows["option_id"]).astype(str).tolist(),
            rows["option_id"].astype(str).tolist(),
        )
    rows["pct"] = _numbers(rows["pct"].to_numpy()).fillna(0.0).to_numpy()
    rows = rows.sort_values("score", kind="stable").reset_index(drop=True)
    mid = (rows["score"].min() + rows["score"].max()) / 2
    rows["side"] = [
        "negative" if s < mid else "positive" if s > mid else "neutral" for s in rows["score"]
    ]
    neutral = float(rows.loc[rows["side"] == "neutral", "pct"].sum())
    x0 = [0.0] * len(rows)
    x1 = [0.0] * len(rows)
    edge = -neutral / 2
    for i in reversed(rows.index[rows["side"] == "negative"].tolist()):
        x1[i], x0[i] = edge, edge - rows.at[i, "pct"]
        edge = x0[i]
    for i in rows.index[rows["side"] == "neutral"].tolist():
        x0[i], x1[i] = -neutral / 2, neutral / 2
    edge = neutral / 2
    for i in rows.index[rows["side"] == "positive"].tolist():
        x0[i], x1[i] = edge, edge + rows.at[i, "pct"]
        edge = x1[i]
    rows["x0"], rows["x1"] = x0, x1
    rows["xmid"] = (rows["x0"] + rows["x1"]) / 2
    n_neg = int((rows["side"] == "negative").sum())
    n_pos = int((rows["side"] == "positive").sum())
    colors = (
        (_ramp(NEGATIVE_DARK, NEGATIVE_LIGHT, n_neg) if n_neg else [])
        + [NEUTRAL_COLOR] * int((rows["side"] == "neutral").sum())
        + (list(reversed(_ramp(POSITIVE_DARK, POSITIVE_LIGHT, n_pos))) if n_pos else [])
    )
    rows["color"] = colors
    rows["text_color"] = ["#ffffff" if _luminance(c) < 0.18 else "#111111" for c in colors]
    return rows[["option_id", "display", "pct", "side", "x0", "x1", "xmid", "color", "text_color"]]


@lru_cache(maxsize=1)
def _diverging_template() -> str:
    """Vega-lite spec (as JSON text) of :func:`diverging_chart`, built once with altair."""
    import altair as alt

    reach = alt.param(name="reach", value=1.0)
    columns = alt.param(name="columns", value=5)
    x_title = "% of respondents (lower answers left of 0, higher answers right)"
    x = alt.X(
        "x0:Q",
        title=x_title,
        scale=alt.Scale(
            domainMin=alt.ExprRef("-reach"), domainMax=alt.ExprRef("reach"), nice=False
        ),
        axis=alt.Axis(labelExpr="format(abs(datum.value), '.0%')", tickCount=8),
    )
    color = alt.Color(
        "display:N",
        scale=alt.Scale(domain=["placeholder"], range=[NEUTRAL_COLOR]),  # set per chart
        legend=alt.Legend(
            title=None,
            orient="bottom",
            direction="horizontal",
            columns=alt.ExprRef("columns"),
            labelLimit=180,
        ),
    )
    y = alt.Y("row:N", axis=None, title=None)
    bars = (
        alt.Chart()
        .mark_bar(stroke="white", strokeWidth=1, height={"band": 0.7})
        .encode(y=y, x=x, x2="x1:Q", color=color)
    )
    zero = alt.Chart().mark_rule(color="#333333", strokeWidth=1).encode(x=alt.datum(0))
    labels = (
        alt.Chart()
        .mark_text(fontSize=11)
        .encode(
            y=y,
            x=alt.X("xmid:Q", title=x_title),
            text="text:N",
            color=alt.Color("text_color:N", scale=None, legend=None),
        )
    )
    chart = (
        alt.layer(zero, bars, labels, data=alt.NamedData(DATA))
        .add_params(reach, columns)
        .properties(width=WIDTH + 120, height=34)
    )
    return json.dumps(_config(chart))


def diverging_chart(
    frame: pd.DataFrame, *, other_option: str = "other", description: str = ""
) -> dict[str, Any]:
    """A diverging stacked bar for one Likert or rating item.

    Parameters
    ----------
    frame : pandas.DataFrame
        As for :func:`diverging_layout`.
    other_option : str, default "other"
    description : str
        Accessible description stored in the specification.

    Returns
    -------
    dict
        A vega-lite specification: one bar, lower categories left of 0, legend in
        scale order, % labels on segments of at least 8%.

    References
    ----------
    R. M. Heiberger and N. B. Robbins, "Design of Diverging Stacked Bar Charts for
    Likert Scales and Other Applications", Journal of Statistical Software 57(5), 2014.
    """
    rows = diverging_layout(frame, other_option=other_option)
    rows["row"] = ""
    rows["text"] = [f"{p * 100:.1f}%" if p >= 0.08 else "" for p in rows["pct"]]
    reach = max(float(-rows["x0"].min()), float(rows["x1"].max()), 0.05)
    reach = min(1.0, math.ceil(reach * 10 - 1e-9) / 10)
    k = len(rows)
    spec = _fill(
        _diverging_template(),
        _records(rows),
        description,
        reach=reach,
        columns=k if k <= 5 else math.ceil(k / 2),
    )
    scale = spec["layer"][1]["encoding"]["color"]["scale"]
    scale["domain"] = [xml_text(d) for d in rows["display"]]
    scale["range"] = rows["color"].tolist()
    return spec


def ranking_chart(ranking: pd.DataFrame, *, description: str = "") -> dict[str, Any]:
    """Bars of a construct's ranking (e.g. motivations), best first, with CIs.

    Parameters
    ----------
    ranking : pandas.DataFrame
        ``QuantResults.rankings[...]``: ``item_id, option_id, label, n, pct, ci_low,
        ci_high, rank``.
    description : str

    Returns
    -------
    dict
        A vega-lite v5 specification (see :func:`bar_chart`).
    """
    frame = ranking.sort_values("rank", kind="stable").reset_index(drop=True).copy()
    ids = (frame["item_id"].astype(str) + ":" + frame["option_id"].astype(str)).tolist()
    frame["display"] = unique_labels(frame["label"].astype(str).tolist(), ids)
    return bar_chart(frame, order=frame["display"].tolist(), description=description)


def item_chart(
    item: ItemResult, *, other_option: str = "other"
) -> tuple[dict[str, Any], str] | None:
    """The chart that suits an item's type, with a caption for the reader.

    Parameters
    ----------
    item : ItemResult
    other_option : str, default "other"
        The item's 'Other' option id (kept out of diverging bars).

    Returns
    -------
    (dict, str) or None
        Vega-lite specification and caption; ``None`` when the item has no
        frequencies (numeric, open text) or no rows.

    Notes
    -----
    single/multi choice: bars sorted by share with Wilson CIs; ordinal: bars in the
    declared order with the cumulative % line; likert/rating: diverging stacked bar
    (:func:`diverging_chart`).
    """
    frame = item.frequencies
    if frame is None or frame.empty or "pct" not in frame.columns:
        return None
    frame = frame.reset_index(drop=True).copy()
    labels = frame["label"] if "label" in frame.columns else frame["option_id"]
    frame["display"] = unique_labels(
        labels.astype(str).tolist(), frame["option_id"].astype(str).tolist()
    )
    description = f"Chart of answers to: {item.label}"
    hidden = any(_hidden_labels(frame))
    note = " Answers whose count is hidden have no bar." if hidden else ""
    if item.item_type in {"likert", "rating"}:
        scale_rows = frame[frame["option_id"].astype(str) != other_option]
        if len(scale_rows) >= 2:
            return (
                diverging_chart(frame, other_option=other_option, description=description),
                "Share of respondents per answer; answers below the scale's midpoint to the "
                "left of 0, above it to the right, the middle answer split across 0." + note,
            )
    if item.item_type == "ordinal":
        cumulative = "cum_pct" in frame.columns
        caption = "Bars: % of respondents with 95% Wilson CI, in the order of the scale."
        if cumulative:
            caption += " Dashed line: cumulative %."
        caption += note
        return (
            bar_chart(
                frame,
                order=frame["display"].tolist(),
                description=description,
                cumulative=cumulative,
            ),
            caption,
        )
    # largest first; hidden answers last, in the study's order (their place would
    # bound their share)
    share = _numbers(frame["pct"].to_numpy())
    share[[bool(h) for h in _hidden_labels(frame)]] = float("nan")
    order = (
        frame.assign(_share=share.to_numpy())
        .sort_values("_share", ascending=False, kind="stable", na_position="last")["display"]
        .tolist()
    )
    if item.item_type == "multi_choice":
        return (
            bar_chart(
                frame,
                order=order,
                description=description,
                x_title="% of respondents (more than one answer allowed)",
            ),
            "% of respondents who ticked each option, with 95% Wilson CI; respondents could "
            "tick several, so the bars add up to more than 100%." + note,
        )
    return (
        bar_chart(frame, order=order, description=description),
        "% of respondents with 95% Wilson CI, largest first." + note,
    )


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')
_ROOT = re.compile(r"<svg\b([^>]*)>")


def to_svg(spec: Mapping[str, Any], title: str, key: str) -> Markup:
    """Render a vega-lite specification to SVG that is safe to inline in HTML.

    Parameters
    ----------
    spec : mapping
        Vega-lite specification.
    title : str
        Accessible name: added as the SVG's ``<title>`` and ``aria-label``
        (HTML-escaped here).
    key : str
        Unique prefix for the ids inside this SVG, so that several inline SVGs do not
        share clip-path ids.

    Returns
    -------
    markupsafe.Markup
        Sanitised SVG markup (no scripts, no event handlers).

    References
    ----------
    vl-convert (https://github.com/vega/vl-convert): offline Vega-Lite -> SVG.
    """
    import vl_convert as vlc

    return _finish_svg(vlc.vegalite_to_svg(dict(spec)), title, key)


def _finish_svg(raw: str, title: str, key: str) -> Markup:
    """Sanitise vega's SVG, prefix its ids with ``key`` and add the accessible title."""
    svg = sanitise_svg(raw)
    svg = _ID.sub(lambda m: f'id="{key}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", svg)
    label = escape(xml_text(title))
    svg = _ROOT.sub(
        lambda m: f'<svg{m.group(1)} role="img" aria-label="{label}"><title>{label}</title>',
        svg,
        count=1,
    )
    return Markup(svg)  # noqa: S704 - vega output, escaped labels, sanitised above


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR chunk (PNG spec, section 11.2.2)."""
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _render_one(spec: Mapping[str, Any], title: str, key: str, scale: float) -> RenderedChart:
    import vl_convert as vlc

    raw = vlc.vegalite_to_svg(dict(spec))
    png = vlc.svg_to_png(raw, scale=scale)
    width, height = _png_size(png)
    return RenderedChart(
        svg=_finish_svg(raw, title, key),
        png=png,
        width=round(width / scale),
        height=round(height / scale),
        title=title,
    )


def render_charts(
    charts: Mapping[str, Chart], workers: int = 4, scale: float = PNG_SCALE
) -> dict[str, RenderedChart]:
    """Render every chart once, as SVG and PNG, a few at a time.

    Parameters
    ----------
    charts : mapping of str -> (dict, str)
        Key -> (vega-lite specification, accessible title). Keys must be usable as
        id prefixes (letters, digits, ``-``, ``_``).
    workers : int, default 4
        Threads calling vl-convert (it releases the GIL while rendering).
    scale : float, default :data:`PNG_SCALE`
        PNG pixels per SVG pixel.

    Returns
    -------
    dict of str -> RenderedChart
        In the order of ``charts``.

    Notes
    -----
    Vega runs once per chart (``vegalite_to_svg``); the PNG is rasterised from that
    SVG by vl-convert's ``svg_to_png`` (resvg), which is what ``vegalite_to_png`` does
    internally, so both forms show the same drawing.

    References
    ----------
    vl-convert (https://github.com/vega/vl-convert): offline Vega-Lite -> SVG and PNG.
    """
    from concurrent.futures import ThreadPoolExecutor

    if not charts:
        return {}
    keys = list(charts)

    def one(k: str) -> RenderedChart:
        return _render_one(charts[k][0], charts[k][1], k, scale)

    if len(keys) == 1 or workers <= 1:
        return {k: one(k) for k in keys}
    with ThreadPoolExecutor(max_workers=min(workers, len(keys))) as pool:
        rendered = list(pool.map(one, keys))
    return dict(zip(keys, rendered, strict=True))


_STEM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def chart_stem(key: str) -> str:
    """File name stem of a chart: its key without the ``chart-`` prefix.

    Parameters
    ----------
    key : str
        A key of ``ReportContext.charts`` (``"chart-<item_id>"``,
        ``"chart-ranking-motivation"``).

    Returns
    -------
    str
        ``"<item_id>"``, ``"ranking-motivation"``.

    Raises
    ------
    ValueError
        The stem is not made of letters, digits, ``_``, ``-`` and ``.`` (it would not
        be a safe file name).
    """
    stem = key.removeprefix("chart-")
    if not _STEM.fullmatch(stem):
        raise ValueError(f"not a valid chart name: {key!r}")
    return stem


def write_chart_files(rendered: Mapping[str, RenderedChart], out_dir: Path) -> dict[str, Path]:
    """Write ``out_dir/charts/<name>.svg`` and ``<name>.png`` for every chart.

    Parameters
    ----------
    rendered : mapping of str -> RenderedChart
        From :func:`render_charts`.
    out_dir : pathlib.Path
        The report folder; ``charts/`` is created inside it.

    Returns
    -------
    dict of str -> pathlib.Path
        ``"charts/<name>.svg"`` and ``"charts/<name>.png"`` -> absolute path, names
        from :func:`chart_stem`.

    Raises
    ------
    ValueError
        A chart key would not make a safe file name.
    """
    if not rendered:
        return {}
    folder = out_dir / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for key, chart in rendered.items():
        stem = chart_stem(key)
        svg_path = folder / f"{stem}.svg"
        svg_path.write_text(str(chart.svg) + "\n", encoding="utf-8")
        png_path = folder / f"{stem}.png"
        png_path.write_bytes(chart.png)
        written[f"charts/{stem}.svg"] = svg_path
        written[f"charts/{stem}.png"] = png_path
    return written


def render_svgs(charts: Mapping[str, Chart], workers: int = 4) -> dict[str, Markup]:
    """Render many charts, a few at a time.

    Parameters
    ----------
    charts : mapping of str -> (dict, str)
        Key -> (vega-lite specification, accessible title). Keys must be usable as
        id prefixes (letters, digits, ``-``, ``_``).
    workers : int, default 4
        Threads calling vl-convert (it releases the GIL while rendering).

    Returns
    -------
    dict of str -> markupsafe.Markup
    """
    from concurrent.futures import ThreadPoolExecutor

    if not charts:
        return {}
    keys = list(charts)
    if len(keys) == 1 or workers <= 1:
        return {k: to_svg(charts[k][0], charts[k][1], k) for k in keys}
    with ThreadPoolExecutor(max_workers=min(workers, len(keys))) as pool:
        svgs = list(pool.map(lambda k: to_svg(charts[k][0], charts[k][1], k), keys))
    return dict(zip(keys, svgs, strict=True))
