"""Output hygiene shared by every writer: spreadsheet formula neutralisation, SVG cleaning.

CSV and XLSX writers call :func:`neutralise_frame` on every table before writing it;
the HTML writer calls :func:`sanitise_svg` on every chart before inlining it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMULA_TRIGGERS",
    "neutralise_cell",
    "neutralise_frame",
    "sanitise_svg",
    "xml_text",
]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
"""First characters that make Excel, LibreOffice Calc or Google Sheets read a cell as a
formula (OWASP "CSV Injection"; OWASP ASVS 5.0 requirement 1.2.10 adds the NUL
character). Line feed is included as a defensive extra."""


def neutralise_cell(value: Any) -> Any:
    """Make one cell safe to open in a spreadsheet.

    Parameters
    ----------
    value : object
        A cell value. Only strings are changed: numbers (negative ones included),
        booleans, ``None`` and missing values are returned as they are.

    Returns
    -------
    object
        ``"'" + value`` when ``value`` is a string starting with ``=``, ``+``, ``-``,
        ``@``, tab, carriage return, line feed or NUL; ``value`` unchanged otherwise.

    Notes
    -----
    The leading apostrophe is the spreadsheet convention for "treat as text": Excel
    and LibreOffice hide it in the cell, so the visible text is unchanged.

    References
    ----------
    OWASP Foundation, "CSV Injection",
    https://owasp.org/www-community/attacks/CSV_Injection.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose string cells, column names and index are neutralised.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table about to be written to CSV or XLSX.

    Returns
    -------
    pandas.DataFrame
        Same shape and dtypes for numeric columns; in object and string columns every
        string passes through :func:`neutralise_cell`. Column labels and index labels
        that are strings are neutralised too.

    References
    ----------
    OWASP Foundation, "CSV Injection",
    https://owasp.org/www-community/attacks/CSV_Injection.
    """
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(neutralise_cell, na_action="ignore")
    out.columns = pd.Index([neutralise_cell(c) for c in out.columns])
    if isinstance(out.index, pd.MultiIndex):
        out.index = pd.MultiIndex.from_tuples(
            [tuple(neutralise_cell(v) for v in key) for key in out.index], names=out.index.names
        )
    else:
        out.index = pd.Index([neutralise_cell(v) for v in out.index], name=out.index.name)
    return out


_XML_INVALID = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)


def xml_text(value: Any) -> str:
    """``str(value)`` without the characters that XML 1.0 cannot hold.

    Parameters
    ----------
    value : object
        Text bound for an XML-based file (DOCX, XLSX); ``None`` becomes ``""``.

    Returns
    -------
    str
        The text with C0 control characters other than tab, line feed and carriage
        return, lone surrogates, U+FFFE and U+FFFF removed, and without the bidirectional
        embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069), which
        can make a respondent's text read backwards (Unicode Technical Report #36,
        "Bidirectional Text Spoofing"). Markup characters such as
        ``<`` and ``&`` are kept: the XML writer escapes them.

    Notes
    -----
    python-docx and openpyxl refuse such characters (``ValueError``,
    ``IllegalCharacterError``); a respondent's text must not stop the report, so they
    are dropped instead.

    References
    ----------
    W3C, Extensible Markup Language (XML) 1.0 (Fifth Edition), section 2.2 "Characters"
    (production ``Char``).

    Examples
    --------
    >>> xml_text("a\x00b\x1bc")
    'abc'
    """
    if value is None:
        return ""
    return _XML_INVALID.sub("", str(value))


_DANGEROUS_ELEMENTS = re.compile(
    r"<\s*(script|foreignObject|iframe|object|embed|style)\b"
    r"(?:[^>]*?/\s*>|.*?<\s*/\s*\1\s*>|.*$)",
    re.IGNORECASE | re.DOTALL,
)
_ATTR = r"""\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?"""
_TAG = re.compile(rf"<[A-Za-z][^\s>/]*(?:{_ATTR})*\s*/?>")
_BAD_ATTR = re.compile(
    r"""\s+(?:on[a-z]+|(?:xlink:)?href\s*=\s*["']?\s*javascript:)[^\s=>/]*"""
    r"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""",
    re.IGNORECASE,
)


def _clean_tag(match: re.Match[str]) -> str:
    return _BAD_ATTR.sub("", match.group(0))


def sanitise_svg(svg: str) -> str:
    """Remove anything executable from an SVG document before it is inlined in HTML.

    Parameters
    ----------
    svg : str
        SVG markup, as written by ``vl_convert.vegalite_to_svg``.

    Returns
    -------
    str
        The markup without ``<script>``, ``<foreignObject>``, ``<iframe>``,
        ``<object>``, ``<embed>`` or ``<style>`` elements, ``on*=`` event attributes
        and ``javascript:`` links.

    Notes
    -----
    Vega already escapes every text it draws (labels come out as ``&lt;script&gt;``),
    so this is a second line of defence, applied until the markup stops changing.

    References
    ----------
    OWASP Foundation, "Cross Site Scripting Prevention Cheat Sheet" (untrusted markup
    must not carry script elements, event handlers or ``javascript:`` URLs).
    """
    previous = None
    while previous != svg:
        previous = svg
        svg = _DANGEROUS_ELEMENTS.sub("", svg)
        svg = _TAG.sub(_clean_tag, svg)
    return svg
