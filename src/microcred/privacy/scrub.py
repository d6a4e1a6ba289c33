"""Scrub direct identifiers out of respondents' free text before it reaches any output.

Each kind of identifier is replaced by a typed placeholder: ``[email]``, ``[phone]``,
``[url]``, ``[id]`` (national identity numbers and IBANs) and ``[name]`` (names from a
list the user gives, e.g. staff or tutors). Detection runs on the original text, the
overlapping finds are resolved (the earliest, then the longest wins) and the text is
rewritten once, so a placeholder is never scanned again.

Scrubbing is a safeguard, not an anonymisation: it removes the direct identifiers that
have a recognisable shape; people can still be recognised from what they tell (ICO 2012,
on indirect identification), which is why quotes from small groups are also withheld
(:func:`microcred.privacy.suppress.withhold_quotes`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from microcred.privacy.base import PrivacyError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_REGIONS", "KINDS", "PLACEHOLDERS", "find_identifiers", "scrub_text"]

KINDS = ("email", "phone", "url", "id", "name")
"""The kinds of identifier, in the order of the counts table."""

PLACEHOLDERS = {kind: f"[{kind}]" for kind in KINDS}
"""The text each kind is replaced with."""

_PRIORITY = ("url", "email", "id", "phone", "name")  # for finds with the same span

DEFAULT_REGIONS = ("ES", "GB", "US", "FR", "DE", "IT", "PT", "IE", "NL", "MX", "AR", "CO")
"""Countries whose national phone formats (without ``+`` prefix) are recognised.

Numbers written with an international prefix (``+34 ...``, ``0034 ...``) are found
whatever their country.
"""

# -- patterns -------------------------------------------------------------------------------

_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\d{0,3}\.)[^\s<>\"'`]+",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?)]}'\"»”’"

_AT = r"(?:@|\s*[\[\(\{<]\s*(?:at|arroba)\s*[\]\)\}>]\s*)"
_DOT = r"(?:\.|\s*[\[\(\{<]\s*(?:dot|punto|punt|point)\s*[\]\)\}>]\s*)"
_EMAIL = re.compile(
    rf"(?<![\w.+%-])[\w.+%-]*\w{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[^\W\d_]{{2,24}}(?![\w-])",
    re.IGNORECASE,
)

# Spanish DNI/NIF: 8 digits + control letter (I, Ñ, O, U never used); a lower-case
# letter only when glued or hyphenated, so "12345678 y" ("and") is not taken.
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_DNI = re.compile(
    rf"(?<![\w.-])(?:\d{{8}}|\d{{1,2}}\.\d{{3}}\.\d{{3}})"
    rf"(?:[ -]?[{_DNI_LETTERS}]|-?[{_DNI_LETTERS.lower()}])(?![\w-])"
)
# Spanish NIE: X/Y/Z + 7 digits + control letter.
_NIE = re.compile(r"(?<![\w-])[XYZxyz][ -]?\d{7}[ -]?[A-Za-z](?![\w-])")
# Spanish NIF of legal entities (former CIF): letter + 7 digits + control digit/letter.
_CIF = re.compile(r"(?<![\w-])[ABCDEFGHJNPQRSUVW]-?\d{7}-?[0-9A-J](?![\w-])")
# UK National Insurance number: 2 letters, 6 digits, suffix A-D (HMRC NIM39110),
# compact in any case or in the printed "AB 12 34 56 C" form.
_NINO = re.compile(
    r"(?<![\w-])(?:[A-Za-z]{2}\d{6}[A-Da-d]|[A-Z]{2} \d{2} \d{2} \d{2} [A-D])(?![\w-])"
)
# US Social Security number written 3-2-4 with one consistent separator.
_SSN = re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])")
# IBAN (ISO 13616): country, check digits, 11-30 alphanumerics, optionally in groups
# of four; every candidate is checked with the ISO 7064 mod 97-10 checksum.
_IBAN = re.compile(r"(?<![\w-])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?")

# ORCID iD (ISO 27729 check character), a personal researcher identifier.
_ORCID = re.compile(r"(?<![\w-])\d{4}-\d{4}-\d{4}-\d{3}[\dX](?![\w-])")
# Payment card numbers: 13-19 digits, plain or in groups of four, passing the Luhn check.
_CARD = re.compile(r"(?<![\w.,-])(?:\d{4}[ -]){3}\d{1,7}(?![\w-])|(?<![\w.,-])\d{13,19}(?![\w.,-])")

# A '+' or '00' international prefix followed by 8 to 15 digits in groups (E.164).
_INTL_PHONE = re.compile(
    r"(?<![\w+])(?:\+|\b00)\s?\(?\d{1,4}\)?(?:[ .\-/]?\(?\d{1,6}\)?){1,8}(?![\w])"
)
_DIGITS = re.compile(r"\d")
# a cluster of at least 7 digits joined by phone-like separators: only texts with one
# are given to libphonenumber (the shortest national numbers of DEFAULT_REGIONS are longer)
_DIGIT_CLUSTER = re.compile(r"\d(?:[\s().\-/]{0,3}\d){6,}")
_FOLD_EXTRA = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "‐": "-", "‑": "-"})


# -- detectors ------------------------------------------------------------------------------


def _iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def _ibans(text: str) -> Iterable[tuple[int, int]]:
    for match in _IBAN.finditer(text):
        candidate = match.group()
        # a following word in capitals may have been swallowed: drop groups until valid
        while candidate:
            if _iban_ok(candidate):
                yield match.start(), match.start() + len(candidate)
                break
            cut = candidate.rfind(" ")
            if cut <= 4:
                break
            candidate = candidate[:cut]


def _luhn_ok(candidate: str) -> bool:
    digits = [int(ch) for ch in candidate if ch.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _urls(text: str) -> Iterable[tuple[int, int]]:
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _URL_TRAILING:
            if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
                break
            end -= 1
        yield start, end


def _international_phones(text: str) -> Iterable[tuple[int, int]]:
    for match in _INTL_PHONE.finditer(text):
        raw = match.group()
        digits = len(_DIGITS.findall(raw)) - (2 if raw.startswith("00") else 0)
        if 8 <= digits <= 15:
            start, end = match.span()
            while text[end - 1] in ".-/ (":
                end -= 1
            yield start, end


def _national_phones(text: str, regions: Sequence[str]) -> Iterable[tuple[int, int]]:
    import phonenumbers

    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            yield match.start, match.end


def _fold(text: str) -> tuple[str, list[int]]:
    """Case-, accent- and compatibility-folded text, with each character's origin."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text.translate(_FOLD_EXTRA)):
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(part):
                continue
            for folded in part.casefold():
                chars.append(folded)
                origin.append(i)
    return "".join(chars), origin


def _names_pattern(names: Sequence[str] | None) -> re.Pattern[str] | None:
    if names is None:
        return None
    if isinstance(names, str):
        raise PrivacyError("names must be a list of names, not a single string")
    alternatives: set[str] = set()
    for position, name in enumerate(names):
        if not isinstance(name, str):
            raise PrivacyError(
                f"names[{position}] is a {type(name).__name__}, not a text; "
                "give each name as a string"
            )
        folded, _ = _fold(name)
        tokens = [token for token in re.split(r"[\s\-]+", folded.strip()) if token]
        if not tokens or sum(len(token) for token in tokens) < 2:
            continue
        alternatives.add(r"[\s\-]+".join(re.escape(token) for token in tokens))
    if not alternatives:
        return None
    ordered = sorted(alternatives, key=lambda alt: (-len(alt), alt))
    return re.compile(r"(?<!\w)(?:" + "|".join(ordered) + r")(?!\w)")


def _names(text: str, pattern: re.Pattern[str]) -> Iterable[tuple[int, int]]:
    folded, origin = _fold(text)
    for match in pattern.finditer(folded):
        start = origin[match.start()]
        end = origin[match.end() - 1] + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        yield start, end


def find_identifiers(
    text: str,
    names: Sequence[str] | None = None,
    *,
    regions: Sequence[str] = DEFAULT_REGIONS,
) -> list[tuple[int, int, str]]:
    """Where the direct identifiers are in one text.

    Parameters
    ----------
    text : str
        One answer.
    names : sequence of str, optional
        Names to find (see :func:`scrub_text`).
    regions : sequence of str, default :data:`DEFAULT_REGIONS`
        ISO 3166 alpha-2 countries whose national phone formats are recognised.

    Returns
    -------
    list of (start, end, kind)
        Non-overlapping character spans of ``text`` in order, ``kind`` one of
        :data:`KINDS`. When two finds overlap the one that starts first wins, then the
        longer one, then URL, e-mail, id, phone and name in that order.

    Raises
    ------
    PrivacyError
        If ``names`` is a single string or holds something that is not a string.

    Notes
    -----
    See :func:`scrub_text` for what each kind matches.
    """
    return _find(text, _names_pattern(names), tuple(regions))


def _find(
    text: str, names: re.Pattern[str] | None, regions: tuple[str, ...]
) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    found.extend((s, e, "url") for s, e in _urls(text))
    if "@" in text or re.search(r"[\[\(\{<]\s*(?:at|arroba)\s*[\]\)\}>]", text, re.I):
        found.extend((*m.span(), "email") for m in _EMAIL.finditer(text))
    n_digits = len(_DIGITS.findall(text))
    if n_digits >= 6:
        for pattern in (_DNI, _NIE, _CIF, _NINO, _SSN):
            found.extend((*m.span(), "id") for m in pattern.finditer(text))
        found.extend((s, e, "id") for s, e in _ibans(text))
        found.extend((*m.span(), "id") for m in _ORCID.finditer(text))
        found.extend((*m.span(), "id") for m in _CARD.finditer(text) if _luhn_ok(m.group()))
        found.extend((s, e, "phone") for s, e in _international_phones(text))
        if regions and _DIGIT_CLUSTER.search(text):
            found.extend((s, e, "phone") for s, e in _national_phones(text, regions))
    if names is not None:
        found.extend((s, e, "name") for s, e in _names(text, names))
    rank = {kind: i for i, kind in enumerate(_PRIORITY)}
    found.sort(key=lambda span: (span[0], -(span[1] - span[0]), rank[span[2]]))
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in found:
        if end <= start:
            continue
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, kind))
    return kept


def scrub_text(
    texts: pd.Series,
    names: list[str] | None = None,
    *,
    regions: Sequence[str] = DEFAULT_REGIONS,
) -> tuple[pd.Series, pd.DataFrame]:
    """Replace e-mail addresses, phone numbers, URLs, national ids and names in free text.

    Parameters
    ----------
    texts : pandas.Series, shape (n,)
        Respondents' free texts. Missing values stay missing; any other value is taken
        as ``str(value)``.
    names : list of str, optional
        Names to remove as ``[name]`` (staff, tutors, institutions...). Matched as whole
        words, ignoring case, accents and compatibility forms (``"Jose Garcia"`` finds
        ``"JOSÉ GARCÍA"`` and ``"josé  garcía"``); the parts of a name may be separated
        by any spaces or hyphens. A longer name wins over a shorter one it contains.
    regions : sequence of str, default :data:`DEFAULT_REGIONS`
        Countries whose national phone number formats are recognised (ISO 3166
        alpha-2); numbers with a ``+``/``00`` prefix are found for any country.

    Returns
    -------
    scrubbed : pandas.Series, shape (n,)
        Same index and name as ``texts``; each find replaced by its placeholder.
        Object dtype, or the input's string dtype when it had one.
    counts : pandas.DataFrame, shape (5, 4)
        One row per kind in :data:`KINDS` order: ``kind``, ``placeholder``, ``n``
        (replacements) and ``n_texts`` (texts with at least one).

    Raises
    ------
    PrivacyError
        If ``names`` is a single string or holds something that is not a string.

    Notes
    -----
    What is matched:

    * ``[url]``: ``http://``, ``https://``, ``ftp://`` and ``www.`` addresses, up to the
      next space, without trailing punctuation.
    * ``[email]``: ``local@domain.tld``, also written ``name [at] domain [dot] org`` or
      with ``(arroba)``/``(punto)``.
    * ``[phone]``: a ``+`` or ``00`` prefix followed by 8-15 digits (the E.164 maximum),
      in any grouping; and numbers in the national formats of ``regions`` that Google's
      libphonenumber ("phonenumbers" package, leniency ``VALID``) accepts as valid
      numbers of that country. Years, dates, version numbers ("R 4.0.2"), ranges
      ("1-2 hours"), percentages and prices are not valid numbers and stay.
    * ``[id]``: Spanish DNI/NIF (8 digits and control letter, also ``12.345.678-Z``), NIE
      (``X1234567L``), legal-entity NIF (``B12345674``), UK National Insurance numbers
      (``AB 12 34 56 C``), US Social Security numbers (``123-45-6789``) and IBANs that
      pass the ISO 7064 mod 97-10 check. Control letters of DNI/NIE are not checked: a
      mistyped number is still someone's number. Also ORCID iDs and payment card
      numbers that pass the Luhn check (ISO/IEC 7812-1).

    Names that are also common words ("Rosa", "Mar") are replaced wherever the word
    appears; the count says how often. Nothing is logged and error messages never quote
    the texts.

    References
    ----------
    .. [1] Information Commissioner's Office (2012). Anonymisation: managing data
       protection risk code of practice. Wilmslow: ICO.
    .. [2] ITU-T Recommendation E.164 (2010). The international public
       telecommunication numbering plan.
    .. [3] ISO 13616-1:2020. Financial services - International bank account number
       (IBAN); ISO/IEC 7064:2003 check character systems (MOD 97-10).
    .. [4] Real Decreto 1553/2005 (DNI) and Orden INT/2058/2008 (NIE), Spain: the
       control letter is the number modulo 23 mapped to ``TRWAGMYFPDXBNJZSQVHLCKE``.
    """
    import pandas as pd

    series = texts if isinstance(texts, pd.Series) else pd.Series(texts)
    pattern = _names_pattern(names)
    regions = tuple(regions)
    n_by_kind = dict.fromkeys(KINDS, 0)
    texts_by_kind = dict.fromkeys(KINDS, 0)
    values: list[object] = []
    seen_texts: dict[str, list[tuple[int, int, str]]] = {}
    for value in series.tolist():
        if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
            values.append(value)
            continue
        text = value if isinstance(value, str) else str(value)
        spans = seen_texts.get(text)
        if spans is None:
            spans = seen_texts[text] = _find(text, pattern, regions)
        if not spans:
            values.append(text)
            continue
        parts: list[str] = []
        cursor = 0
        seen: set[str] = set()
        for start, end, kind in spans:
            parts.append(text[cursor:start])
            parts.append(PLACEHOLDERS[kind])
            cursor = end
            n_by_kind[kind] += 1
            seen.add(kind)
        parts.append(text[cursor:])
        for kind in seen:
            texts_by_kind[kind] += 1
        values.append("".join(parts))
    keep_dtype = isinstance(series.dtype, pd.StringDtype)
    scrubbed = pd.Series(
        values,
        index=series.index,
        name=series.name,
        dtype=series.dtype if keep_dtype else object,
    )
    counts = pd.DataFrame(
        {
            "kind": list(KINDS),
            "placeholder": [PLACEHOLDERS[kind] for kind in KINDS],
            "n": [n_by_kind[kind] for kind in KINDS],
            "n_texts": [texts_by_kind[kind] for kind in KINDS],
        }
    )
    return scrubbed, counts
