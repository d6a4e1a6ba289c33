"""``report.html``: one self-contained, print-friendly page rendered with Jinja2."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markupsafe import Markup

    from microcred.report.context import ReportContext

__all__ = ["TEMPLATES", "render_html"]

TEMPLATES = Path(__file__).parent / "templates"
"""Folder of the report templates (``report.html.j2``)."""


def render_html(context: ReportContext, svgs: Mapping[str, Markup]) -> str:
    """Render the report page.

    Parameters
    ----------
    context : ReportContext
        From :func:`microcred.report.context.build_context`.
    svgs : mapping of str -> markupsafe.Markup
        Rendered, sanitised charts by the keys in ``context.charts``.

    Returns
    -------
    str
        The HTML document: inline CSS and SVG only, no script, no external resource.

    Notes
    -----
    Autoescaping is on for the whole template, so every label, question text, header,
    study field and validation value is escaped (after dropping the control characters
    XML forbids); only the charts (already
    :class:`markupsafe.Markup` after :func:`microcred.report.safe.sanitise_svg`) are
    inserted as markup.

    References
    ----------
    Jinja2 documentation, "Autoescaping" (https://jinja.palletsprojects.com/).
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    from microcred.report.safe import sanitise_svg, xml_text

    def finalize(value: object) -> object:
        # Control characters from the data are dropped: HTML forbids them too (HTML
        # Living Standard, "control" code points are parse errors) and PDF engines may
        # refuse them.
        if isinstance(value, str) and not isinstance(value, Markup):
            return xml_text(value)
        return value

    env = Environment(
        finalize=finalize,
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    # Design-brief fragments are rendered by microcred.design.render with autoescaping;
    # they are cleaned once more like the charts before being inserted as markup.
    env.filters["brief_fragment"] = lambda html: Markup(sanitise_svg(xml_text(str(html))))
    template = env.get_template("report.html.j2")
    return template.render(c=context, svgs=dict(svgs))
