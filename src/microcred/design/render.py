"""The design brief as an HTML fragment, a DOCX document and ``brief.json``.

Rendering only: every value comes from a :class:`~microcred.design.brief.Brief`, the
Annex I elements (:func:`~microcred.design.annex.annex_elements`) and the Open Badges
Achievement (:func:`~microcred.design.badge.achievement`). A run writes the shared copy
of each brief (:func:`microcred.privacy.later.share_brief`), whose hidden counts and
shares hold their labels (``"<5"``, ``"[c]"``) and are shown as they are. Quotes are
respondents' free text: autoescaped in HTML, stripped of control characters in DOCX,
never logged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microcred.design.brief import Brief

__all__ = ["brief_html", "brief_json", "write_brief", "write_docx", "write_json"]

_TEMPLATE = """\
<section class="mc-brief" id="brief-{{ b.group }}">
<h{{ h }}>Design brief: {{ b.label }} (n = {{ b.n_respondents }})</h{{ h }}>
{% if b.recommendations %}
<table class="mc-brief-recommendations">
<thead><tr><th>Construct</th><th>Recommendation</th><th>Evidence</th><th>Confidence</th>\
<th>Quotes</th></tr></thead>
<tbody>
{% for r in b.recommendations %}
<tr class="mc-{{ r.confidence | replace(' ', '-') }}">
<td>{{ r.label }}{% if r.aspect == 'importance' %} (importance){% endif %}</td>
<td>{{ r.text }}</td>
<td>{{ evidence(r.evidence) }}</td>
<td><span class="mc-flag">{{ r.confidence }}</span><br><small>{{ r.reason }}</small></td>
<td>{% for q in r.evidence.quotes %}<blockquote>{{ q }}</blockquote>{% endfor %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% endif %}
<dl class="mc-brief-design">
{% for name, value in design %}<dt>{{ name }}</dt><dd>{{ value }}</dd>
{% endfor %}</dl>
{% if annex %}
<h{{ h + 1 }}>EU standard elements (Council Recommendation 2022/C 243/02, Annex I)</h{{ h + 1 }}>
<table class="mc-brief-annex">
<thead><tr><th>#</th><th>Element</th><th>Mandatory</th><th>Value</th><th>Source</th></tr></thead>
<tbody>
{% for e in annex %}
<tr class="mc-{{ e.source }}"><td>{{ e.number }}</td><td>{{ e.name }}</td>\
<td>{{ 'yes' if e.mandatory else 'optional' }}</td><td>{{ e.value }}</td>\
<td>{{ e.source }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endif %}
{% if badge %}
<h{{ h + 1 }}>Open Badges 3.0 Achievement</h{{ h + 1 }}>
<pre class="mc-brief-badge">{{ badge }}</pre>
{% endif %}
<h{{ h + 1 }}>How this was decided</h{{ h + 1 }}>
<ul class="mc-brief-rules">{% for rule in b.rules %}<li>{{ rule }}</li>{% endfor %}</ul>
{% if b.notes %}<ul class="mc-brief-notes">{% for note in b.notes %}<li>{{ note }}</li>\
{% endfor %}</ul>{% endif %}
</section>
"""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _pct(value: float | str | None) -> str:
    if isinstance(value, str):  # hidden in a shared copy: its label ("[c]")
        return value
    if value is None or value != value:
        return "—"
    return f"{100 * value:.1f}%"


def _evidence(ev: Any) -> str:
    """``"12 of 40 (30.0%; 95% CI 18.1%–45.4%)"``; a hidden share is not shown."""
    if any(isinstance(v, str) for v in (ev.pct, ev.ci_low, ev.ci_high)):
        return f"{ev.n} of {ev.n_valid} (share withheld: small counts)"
    return (
        f"{ev.n} of {ev.n_valid} ({_pct(ev.pct)}; 95% CI {_pct(ev.ci_low)}\u2013"
        f"{_pct(ev.ci_high)})"
    )


def _design(brief: Brief) -> list[tuple[str, str]]:
    rows = []
    if brief.workload is not None:
        rows.append(("Notional workload", brief.workload.text))
    for name, value in (
        ("Form of participation", brief.participation),
        ("Assessment (suggestion)", brief.assessment),
        ("Modularity and stackability", brief.stackability),
        ("Credential", brief.credential),
    ):
        if value is not None:
            rows.append((name, value))
    if brief.recognition_matters is not None:
        rows.append(
            ("Official recognition matters", "yes" if brief.recognition_matters else "not clearly")
        )
    return rows


def brief_html(
    brief: Brief,
    *,
    annex: list[dict[str, Any]] | None = None,
    badge: dict[str, Any] | None = None,
    heading_level: int = 2,
) -> str:
    """The brief as an HTML fragment (a ``<section>``) for the report to embed.

    Parameters
    ----------
    brief : Brief
    annex : list of dict, optional
        From :func:`microcred.design.annex.annex_elements`.
    badge : dict, optional
        From :func:`microcred.design.badge.achievement`, shown as JSON.
    heading_level : int, default 2
        Level of the section heading (sub-headings use the next level).

    Returns
    -------
    str
        HTML with every value autoescaped (quotes included); no script, no style.

    References
    ----------
    Jinja2 documentation, "Autoescaping".
    """
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined)
    template = env.from_string(_TEMPLATE)
    return template.render(
        b=brief,
        h=max(1, min(int(heading_level), 5)),
        pct=_pct,
        evidence=_evidence,
        design=_design(brief),
        annex=annex or [],
        badge=json.dumps(badge, indent=2, ensure_ascii=False) if badge else "",
    )


def brief_json(
    brief: Brief,
    *,
    annex: list[dict[str, Any]] | None = None,
    badge: dict[str, Any] | None = None,
    credential: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything about the brief as JSON-ready data.

    Parameters
    ----------
    brief : Brief
    annex, badge, credential : optional
        Annex I elements, the Achievement and an OpenBadgeCredential skeleton.

    Returns
    -------
    dict
        ``{"brief": ..., "annex_i": [...], "open_badges_achievement": {...},
        "open_badges_credential": {...}}`` (absent parts are ``None``).
    """
    return {
        "brief": brief.to_dict(),
        "annex_i": annex,
        "open_badges_achievement": badge,
        "open_badges_credential": credential,
    }


def write_json(data: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`brief_json` output (UTF-8, indented, NaN refused).

    Parameters
    ----------
    data : dict
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    path.write_text(
        json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8"
    )
    return path


def _text(value: object) -> str:
    return _CONTROL.sub("", str(value))


def write_docx(
    brief: Brief,
    path: str | Path,
    *,
    annex: list[dict[str, Any]] | None = None,
    badge: dict[str, Any] | None = None,
) -> Path:
    """Write the brief as a Word document.

    Parameters
    ----------
    brief : Brief
    path : str or pathlib.Path
        The ``.docx`` to write.
    annex, badge : optional
        As in :func:`brief_html`.

    Returns
    -------
    pathlib.Path

    Notes
    -----
    Written with python-docx (>= 1.1); control characters, which XML cannot hold, are
    removed from every text.
    """
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    doc.add_heading(_text(f"Design brief: {brief.label} (n = {brief.n_respondents})"), level=1)
    doc.add_paragraph(_text(brief.title))
    if brief.recommendations:
        doc.add_heading("Recommendations", level=2)
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            ("Construct", "Recommendation", "Evidence", "Confidence"),
            strict=True,
        ):
            cell.text = text
        for rec in brief.recommendations:
            ev = rec.evidence
            cells = table.add_row().cells
            aspect = " (importance)" if rec.aspect == "importance" else ""
            cells[0].text = _text(rec.label + aspect)
            cells[1].text = _text(rec.text)
            cells[2].text = _text(_evidence(ev))
            cells[3].text = _text(f"{rec.confidence}: {rec.reason}")
        quoted = [rec for rec in brief.recommendations if rec.evidence.quotes]
        if quoted:
            doc.add_heading("What respondents said", level=2)
            for rec in quoted:
                doc.add_paragraph(_text(rec.label), style="List Bullet")
                for quote in rec.evidence.quotes:
                    paragraph = doc.add_paragraph()
                    paragraph.add_run(_text(f"\u201c{quote}\u201d")).italic = True
    design = _design(brief)
    if design:
        doc.add_heading("Design", level=2)
        for name, value in design:
            paragraph = doc.add_paragraph()
            paragraph.add_run(_text(name) + ": ").bold = True
            paragraph.add_run(_text(value))
    if annex:
        doc.add_heading("EU standard elements (Council Recommendation 2022/C 243/02, Annex I)", 2)
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, ("#", "Element", "Value", "Source"), strict=True
        ):
            cell.text = text
        for element in annex:
            cells = table.add_row().cells
            cells[0].text = str(element["number"])
            cells[1].text = _text(element["name"] + ("" if element["mandatory"] else " (optional)"))
            cells[2].text = _text(element["value"])
            cells[3].text = _text(element["source"])
    if badge:
        doc.add_heading("Open Badges 3.0 Achievement", level=2)
        run = doc.add_paragraph().add_run(_text(json.dumps(badge, indent=2, ensure_ascii=False)))
        run.font.name = "Courier New"
        run.font.size = Pt(8)
    doc.add_heading("How this was decided", level=2)
    for rule in brief.rules:
        doc.add_paragraph(_text(rule), style="List Bullet")
    for note in brief.notes:
        doc.add_paragraph(_text(note), style="List Bullet")
    path = Path(path)
    doc.save(str(path))
    return path


def write_brief(
    brief: Brief,
    out_dir: str | Path,
    *,
    stem: str = "brief",
    title: str | None = None,
    eqf_level: int | None = None,
    language: str = "en",
) -> dict[str, Path]:
    """Write ``<stem>.json``, ``<stem>.html`` (a fragment) and ``<stem>.docx``.

    Parameters
    ----------
    brief : Brief
    out_dir : str or pathlib.Path
        Created if missing.
    stem : str, default "brief"
        File name stem (e.g. ``brief-upskiller`` for a profile).
    title : str, optional
        Working title for Annex I and the badge.
    eqf_level : int, optional
        EQF level set by the institution (Annex I element 8, badge alignment).
    language : str, default "en"
        ``inLanguage`` of the badge.

    Returns
    -------
    dict of str -> pathlib.Path
        ``{"json": ..., "html": ..., "docx": ...}``.
    """
    from microcred.design.annex import annex_elements
    from microcred.design.badge import achievement

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    annex = annex_elements(brief, title=title, eqf_level=eqf_level)
    badge = achievement(brief, name=title, eqf_level=eqf_level, language=language)
    paths = {
        "json": write_json(brief_json(brief, annex=annex, badge=badge), out / f"{stem}.json"),
        "docx": write_docx(brief, out / f"{stem}.docx", annex=annex, badge=badge),
    }
    html = out / f"{stem}.html"
    html.write_text(brief_html(brief, annex=annex, badge=badge), encoding="utf-8")
    paths["html"] = html
    return paths
