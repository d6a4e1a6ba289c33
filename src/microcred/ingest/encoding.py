"""Guess the code page of a text file that is not UTF-8, preferring Western Windows.

Survey exports that are not UTF-8 are, in practice, Excel's "CSV" on a Western
Windows (cp1252) or, more rarely, ISO 8859-1. A short file with a few accented words
fits many code pages equally well, and charset-normalizer then ranks exotic ones
(cp775, cp437, ``mac_*``) first; :func:`guess_encoding` picks cp1252 (then latin-1)
whenever it decodes the bytes and reads about as cleanly as the best candidate, and
charset-normalizer's choice otherwise (Central European, Cyrillic, Greek... files,
which cp1252 turns into nonsense).
"""

from __future__ import annotations

import codecs
import functools
import importlib
import re

__all__ = ["CLOSE_CHAOS", "WESTERN", "describe", "guess_encoding"]

WESTERN = ("cp1252", "latin_1")
"""Code pages preferred when plausible, in order."""

CLOSE_CHAOS = 0.1
"""How much more "chaos" (charset-normalizer's mess ratio, 0-1) a Western code page
may have than the best candidate and still be chosen. Decoding Polish cp1250, Russian
cp1251, Greek cp1253, Hebrew cp1255 or Arabic cp1256 text as cp1252 costs 0.6-1.1
(measured with charset-normalizer 3.5); German, French, Spanish, Catalan or
Portuguese cp1252 text costs 0 under both cp1252 and its look-alikes."""

_SAMPLE_BYTES = 1 << 16
_FAMILIES = (re.compile(r"cp125\d"), re.compile(r"iso8859_\d+"))
_NAMES = {
    "cp1252": "Windows Western European",
    "latin_1": "ISO 8859-1",
    "iso8859-1": "ISO 8859-1",
    "cp1250": "Windows Central European",
    "cp1251": "Windows Cyrillic",
    "cp1253": "Windows Greek",
    "cp1254": "Windows Turkish",
    "cp1257": "Windows Baltic",
    "mac-roman": "Mac OS Roman",
    "cp437": "DOS US",
    "cp850": "DOS Western European",
}


def _sample(raw: bytes) -> bytes:
    """Up to 64 KiB of the lines that hold non-ASCII bytes (the rest tells nothing)."""
    lines = re.findall(rb"[^\n]*[\x80-\xff][^\n]*\n?", raw[: 1 << 24])
    return b"".join(lines)[:_SAMPLE_BYTES] or raw[:_SAMPLE_BYTES]


@functools.lru_cache(maxsize=64)
def _undefined_bytes(codec: str) -> bytes | None:
    """Bytes a single-byte (charmap) code page leaves undefined; None for other codecs."""
    try:
        name = codecs.lookup(codec).name
        module = importlib.import_module("encodings." + name.replace("-", "_"))
    except (LookupError, ImportError):
        return None
    table = getattr(module, "decoding_table", None)
    if not isinstance(table, str) or len(table) != 256:
        return None
    return bytes(i for i, char in enumerate(table) if char == "\ufffe")


def _decodes(raw: bytes, codec: str) -> bool:
    """Whether ``codec`` decodes every byte (for a code page, without decoding them)."""
    undefined = _undefined_bytes(codec)
    if undefined is not None:
        return not any(bytes([b]) in raw for b in undefined)
    try:
        raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def guess_encoding(raw: bytes) -> str | None:
    """The most likely single-byte code page of bytes that are not UTF-8.

    Parameters
    ----------
    raw : bytes
        The whole file (already known not to be UTF-8, UTF-16 or marked by a BOM).

    Returns
    -------
    str or None
        A Python codec name (``"cp1252"``, ``"latin-1"``, ``"cp1250"``...) that
        decodes every byte of ``raw``; ``None`` when none does.

    Notes
    -----
    charset-normalizer (``from_bytes``) ranks the code pages that decode a sample of
    the lines holding non-ASCII bytes by their "chaos" (mess ratio). cp1252, then
    latin-1, is chosen when it decodes the whole file and either charset-normalizer
    counts it among the best candidates (its ``could_be_from_charset``: code pages
    that give the same text) or its own mess ratio on the sample is within
    :data:`CLOSE_CHAOS` of the best. Otherwise the best candidate that decodes the
    whole file wins, a Windows code page (cp1250-cp1258), then an ISO 8859 one, on a
    tie (never a UTF codec: the bytes are not UTF-8, and UTF-16 without a BOM is
    recognised before). With no candidate at all, cp1252 if it decodes.

    References
    ----------
    charset-normalizer 3 (``from_bytes``, ``CharsetMatch.chaos``,
    ``could_be_from_charset``, ``md.mess_ratio``),
    https://charset-normalizer.readthedocs.io. WHATWG Encoding Standard, which
    decodes "iso-8859-1" labels as windows-1252 for the same reason.
    """
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    sample = _sample(raw)
    matches = [m for m in from_bytes(sample) if not str(m.encoding).startswith("utf")]
    if not matches:
        return "cp1252" if _decodes(raw, "cp1252") else None
    least = min(float(m.chaos) for m in matches)
    best = [m for m in matches if float(m.chaos) <= least + 0.01]
    for western in WESTERN:
        if not _decodes(raw, western):
            continue
        among_best = any(western in m.could_be_from_charset for m in best)
        limit = least + CLOSE_CHAOS
        if among_best or mess_ratio(sample.decode(western), max(0.2, limit + 0.01)) <= limit:
            return codecs.lookup(western).name
    # among equally clean readings, a Windows code page, then an ISO 8859 one, rather
    # than a DOS or Mac one (mac_cyrillic ties with cp1251 and reads К as a space)
    tied = [str(c) for m in best for c in (m.encoding, *m.could_be_from_charset)]
    for family in _FAMILIES:
        for codec in tied:
            if family.fullmatch(codec) and _decodes(raw, codec):
                return codecs.lookup(codec).name
    for match in matches:
        if _decodes(raw, str(match.encoding)):
            return codecs.lookup(str(match.encoding)).name
    return None


def describe(codec: str) -> str:
    """``cp1252 (Windows Western European)`` for messages.

    Parameters
    ----------
    codec : str
        A Python codec name.

    Returns
    -------
    str
    """
    name = codecs.lookup(codec).name
    label = _NAMES.get(name)
    return f"{name} ({label})" if label else name
