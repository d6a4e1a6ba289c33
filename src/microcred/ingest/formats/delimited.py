"""Delimited text (CSV, TSV, ``;`` or ``|`` separated): decoding, sniffing, parsing.

:func:`read_grid` turns a file into a :class:`~microcred.ingest.formats.Grid` with
the pandas C parser (every cell read as text), after finding the encoding and the
delimiter; every way a file can be malformed becomes an
:class:`~microcred.errors.InputError` naming the row (and column where there is
one), including a record with fewer or more fields than the header.
:func:`build_generic` makes a plain one-header-row table of a grid.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from microcred.errors import InputError
from microcred.ingest.encoding import guess_encoding
from microcred.ingest.formats import Grid, split_header
from microcred.ingest.table import RawTable

__all__ = [
    "CANDIDATES", "build_generic", "decode", "read_grid", "sniff_delimiter", "was_guessed",
]

CANDIDATES = (",", "\t", ";", "|")
"""Delimiters tried by :func:`sniff_delimiter`, in order of preference on a tie."""

_SAMPLE_CHARS = 1 << 16
_SNIFFER_CHARS = 1 << 14
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MARK = "\ue000"
_WHITESPACE = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"


def _name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
        delimiter, repr(delimiter)
    )


# --------------------------------------------------------------------------- decoding


def _locate(text: str, delimiter: str | None) -> tuple[int, str | None]:
    """Row (1-based, as a spreadsheet counts) and header of the position ``len(text)``.

    ``text`` is the file up to some position (the start of an undecodable byte); a
    marker appended to it ends up in the record and field that hold that position.
    """
    if delimiter is None:
        delimiter = sniff_delimiter(text[:_SAMPLE_CHARS], complete=False)[0]
    reader = csv.reader(io.StringIO(text + _MARK, newline=""), delimiter=delimiter)
    header: list[str] = []
    row = 0
    column: str | None = None
    try:
        for row, record in enumerate(reader, start=1):  # noqa: B007
            if row == 1:
                header = record
            for index, cell in enumerate(record):
                if _MARK in cell and row > 1:
                    column = header[index] if index < len(header) else f"field {index + 1}"
    except csv.Error:
        column = None
    return max(row, 1), column


def decode(raw: bytes, encoding: str, file: str, delimiter: str | None = None) -> tuple[str, str]:
    """Decode a text file, choosing the encoding when it is ``"auto"``.

    Parameters
    ----------
    raw : bytes
        The whole file.
    encoding : str
        ``"auto"`` or a Python codec name declared in the study file.
    file : str
        Path for messages.
    delimiter : str, optional
        The delimiter, when known, to locate an undecodable byte.

    Returns
    -------
    text : str
        The decoded text, without a byte-order mark.
    codec : str
        The codec used (``utf-8`` for UTF-8 with or without a BOM).

    Raises
    ------
    InputError
        The declared codec is unknown, or the bytes cannot be decoded (naming the row
        and column of the first undecodable byte).

    Notes
    -----
    With ``"auto"``: a byte-order mark decides (UTF-8, UTF-16 as Qualtrics writes TSV,
    UTF-32), as does a NUL byte in every other position (UTF-16 without a BOM);
    otherwise UTF-8 is tried, then :func:`~microcred.ingest.encoding.guess_encoding`:
    cp1252 (Excel's "CSV" on Western Windows), then latin-1, whenever it decodes the
    bytes and reads about as cleanly as charset-normalizer's best candidate, else
    that candidate. :func:`was_guessed` tells whether the codec was guessed.
    """
    if encoding != "auto":
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(file, f"unknown encoding {encoding!r} declared") from None
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError as error:
            row, column = _locate(raw[: error.start].decode(codec, "replace"), delimiter)
            raise InputError(
                file,
                f"bytes that are not valid {encoding} (byte offset {error.start}); "
                "is the declared encoding right?",
                row=row,
                column=column,
            ) from None
        return text.removeprefix("\ufeff"), codec
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(codec), codec
            except UnicodeDecodeError as error:
                start = error.start + len(bom)
                row, column = _locate(raw[len(bom) : start].decode(codec, "replace"), delimiter)
                raise InputError(
                    file,
                    f"the file starts with a {codec} byte-order mark but holds bytes that "
                    f"are not valid {codec} (byte offset {start})",
                    row=row,
                    column=column,
                ) from None
    wide = _utf16_without_bom(raw)
    if wide is not None:
        try:
            return raw.decode(wide), wide
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        first_error = error
    guess = guess_encoding(raw)
    if guess is not None:
        return raw.decode(guess), guess
    row, column = _locate(raw[: first_error.start].decode("utf-8", "replace"), delimiter)
    raise InputError(
        file,
        "cannot decode the file (not UTF-8, and no single-byte code page such as cp1252 "
        f"decodes it); first byte that is not UTF-8 at offset {first_error.start}: "
        "save it as UTF-8, or declare the source's encoding in the study file "
        "(encoding: cp1250, for example)",
        row=row,
        column=column,
    )


UNMARKED = frozenset({"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"})
"""Codecs :func:`decode` finds from the bytes' structure; any other was guessed."""


def was_guessed(encoding: str, codec: str) -> bool:
    """Whether :func:`decode` guessed ``codec`` (a code page) rather than knew it.

    Parameters
    ----------
    encoding : str
        What the study file declares (``"auto"`` or a codec).
    codec : str
        What :func:`decode` returned.

    Returns
    -------
    bool
        True for a code page chosen by :func:`~microcred.ingest.encoding.guess_encoding`
        (the file is neither UTF-8, marked by a BOM, nor UTF-16).
    """
    return encoding == "auto" and codec not in UNMARKED


# --------------------------------------------------------------------------- sniffing


def _field_counts(sample: str, delimiter: str, complete: bool) -> list[int]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        counts = [len(record) for record in reader if record]
    except csv.Error:
        return []
    if not complete and len(counts) > 1:
        counts = counts[:-1]  # the sample may end inside the last record
    return counts


def sniff_delimiter(
    sample: str, complete: bool, prefer: str | None = None
) -> tuple[str, dict[str, tuple[int, float]]]:
    """Choose the delimiter of a delimited text among ``, \\t ; |``.

    Parameters
    ----------
    sample : str
        The start of the file (``complete`` if it is the whole file).
    complete : bool
        Whether ``sample`` is the whole file; otherwise its last record is ignored.
    prefer : str, optional
        Delimiter to choose on a tie (tab for ``.tsv``), else the order of
        :data:`CANDIDATES`.

    Returns
    -------
    delimiter : str
        The chosen delimiter (``prefer`` or ``","`` when every candidate gives one
        column).
    scores : dict of str -> (int, float)
        Per candidate: fields in the first record and the share of records with that
        many fields.

    Notes
    -----
    ``prefer`` is kept when it gives a consistent number of fields (more than one) over
    the whole sample; then :class:`csv.Sniffer`'s proposal from the first lines, under
    the same condition. Otherwise
    the candidate giving the most consistent field count wins, ties broken by
    ``prefer``, then by the number of columns.
    """
    scores: dict[str, tuple[int, float]] = {}
    for candidate in CANDIDATES:
        counts = _field_counts(sample, candidate, complete)
        if counts:
            share = sum(1 for n in counts if n == counts[0]) / len(counts)
            scores[candidate] = (counts[0], share)
    viable = {d: s for d, s in scores.items() if s[0] > 1}
    if not viable:
        return prefer or ",", scores
    if prefer in viable and viable[prefer][1] == 1.0:
        return prefer, scores
    try:
        sniffed = csv.Sniffer().sniff(sample[:_SNIFFER_CHARS], delimiters="".join(CANDIDATES))
        proposal: str | None = sniffed.delimiter
    except csv.Error:
        proposal = None
    if proposal in viable and viable[proposal][1] == 1.0:
        return proposal, scores
    order = {d: i for i, d in enumerate(CANDIDATES)}
    best = max(
        viable,
        key=lambda d: (viable[d][1], d == prefer, viable[d][0], -order[d]),
    )
    return best, scores


# --------------------------------------------------------------------------- parsing


def _scan(text: str, delimiter: str) -> tuple[list[int], int | None]:
    """Field count of every record (``0`` for a blank line), and the row of a quote left open.

    A slow, exact pass with :mod:`csv`, used only to explain a parse error.
    """
    counts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for record in reader:
            counts.append(len(record))
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            return counts, len(counts) + 1
        # a stray quote that the C parser accepts: count leniently
        counts = []
        rest = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        with contextlib.suppress(csv.Error):
            for record in rest:
                counts.append(len(record))
    return counts, None


def _parser_error(
    error: Exception, text: str, delimiter: str, file: str, declared: bool, sniffed: str
) -> InputError:
    """Turn a pandas parse error into an InputError naming the row."""
    counts, open_quote = _scan(text, delimiter)
    if open_quote is not None:
        return InputError(
            file,
            'a quoted field is never closed (the file is truncated, or a stray " starts a field)',
            row=open_quote,
        )
    header = next((n for n in counts if n), 0)
    for row, n in enumerate(counts, start=1):
        if n > header:
            message = (
                f"this record has {n} fields but the header has {header} "
                "(an unquoted delimiter inside an answer?)"
            )
            if declared and sniffed != delimiter:
                message += (
                    f"; the delimiter seems wrong: {_name(delimiter)} was declared but "
                    f"{_name(sniffed)} was detected"
                )
            return InputError(file, message, row=row)
    match = re.search(r"EOF inside string starting at row (\d+)", str(error))
    if match:
        return InputError(
            file, "a quoted field is never closed (truncated file?)", row=int(match.group(1)) + 1
        )
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
    if match:
        return InputError(
            file,
            f"this record has {match.group(3)} fields but the header has {match.group(1)}",
            row=int(match.group(2)),
        )
    return InputError(file, "the file cannot be parsed as delimited text")


def _skip_leading_blank_lines(buffer: str | bytes) -> tuple[str | bytes, int]:
    """``buffer`` without its leading blank lines (which pandas cannot parse), and their count."""
    body: str | bytes
    if isinstance(buffer, bytes):
        body = buffer.lstrip(b"\r\n")
        skipped = buffer[: len(buffer) - len(body)].decode("ascii")
    else:
        body = buffer.lstrip("\r\n")
        skipped = buffer[: len(buffer) - len(body)]
    if not skipped:
        return buffer, 0
    return body, len(re.findall(r"\r\n|\r|\n", skipped))


_CHUNK = 1 << 22
"""Bytes per step of :func:`_fields_per_record` (bounds its memory to ~20 bytes each)."""


def _fields_per_record(buffer: str | bytes, sep: str) -> np.ndarray | None:
    """Fields in every record (``0`` for a blank line), counted with numpy; None if unsure.

    A delimiter or line break counts when the number of ``"`` before it is even, which
    is exact for RFC 4180 quoting (an escaped ``""`` adds two). A stray quote inside an
    unquoted field breaks that parity; the caller checks the number of records against
    the parser's and confirms any short record with :func:`_scan`. Line breaks are
    LF, CRLF or a lone CR, as the pandas C parser reads them. Only the positions of
    delimiters, quotes and line breaks are kept, found a few MiB at a time.
    """
    data = buffer if isinstance(buffer, bytes) else buffer.encode("utf-8")
    delimiter = sep.encode("utf-8")
    if len(delimiter) != 1 or not data:
        return None
    arr = np.frombuffer(data, dtype=np.uint8)
    quoted = b'"' in data
    found: dict[int, list[np.ndarray]] = {delimiter[0]: [], 13: [], 10: []}
    parity = np.uint8(0)
    for start in range(0, len(arr), _CHUNK):
        chunk = arr[start : start + _CHUNK]
        if quoted:  # 1 inside quotes: an odd number of quotes so far
            inside = (np.cumsum(chunk == 34, dtype=np.uint8) + parity) & 1
            parity = inside[-1]
        for byte, positions in found.items():
            at = np.flatnonzero(chunk == byte)
            if quoted:
                at = at[inside[at] == 0]
            positions.append(at + start)
    empty = np.zeros(0, dtype=np.int64)
    delims, crs, lfs = (
        np.concatenate(found[b]) if found[b] else empty for b in (delimiter[0], 13, 10)
    )
    # an LF right after a CR ends the same line
    at = np.minimum(np.searchsorted(crs, lfs - 1), max(len(crs) - 1, 0))
    lf_of_crlf = (crs[at] == lfs - 1) if len(crs) else np.zeros(len(lfs), dtype=bool)
    breaks = np.sort(np.concatenate((crs, lfs[~lf_of_crlf])))
    ends_with_crlf = np.zeros(len(breaks), dtype=bool)
    if len(crs) and len(lfs):
        ends_with_crlf = np.isin(breaks, lfs[lf_of_crlf] - 1)
    next_start = breaks + 1 + ends_with_crlf
    # the text after the last line break is a record too, unless it is empty
    if not len(breaks) or int(next_start[-1]) < len(data):
        breaks = np.append(breaks, len(data))
        next_start = np.append(next_start, len(data) + 1)
    fields = np.diff(np.searchsorted(delims, breaks), prepend=0) + 1
    starts = np.concatenate(([0], next_start[:-1]))
    fields[breaks <= starts] = 0  # nothing between the previous line break and this one
    return fields


def _check_record_lengths(
    cells: pd.DataFrame,
    blank: np.ndarray,
    header: int,
    buffer: str | bytes,
    sep: str,
    file: str,
    lead: int,
    counts: np.ndarray | None = None,
) -> None:
    """Raise if a record has fewer fields than the header (the parser pads it silently).

    A short record is allowed only when every field it lacks falls under an empty
    header cell (a trailing delimiter on the header line: the column is dropped), or
    when it holds nothing but blanks. Otherwise it is half of a record broken by a line
    break outside quotes, or the last record of a truncated file, or a file whose
    writer left out trailing empty fields; padding it would shift or invent answers.

    Parameters
    ----------
    cells : pandas.DataFrame
        Every record as parsed (short ones padded with ``""``), records x fields.
    blank : numpy.ndarray of bool
        Records that are blank lines.
    header : int
        Index of the header record (the first non-blank one).
    buffer : str or bytes
        What was parsed (UTF-8 bytes or decoded text), leading blank lines removed.
    sep : str
        The delimiter.
    file : str
        Path for messages.
    lead : int
        Blank lines removed before ``buffer`` (added to row numbers).
    counts : numpy.ndarray of int, optional
        Exact fields per record when already known (the wide-file parser).

    Raises
    ------
    InputError
        Naming the first short record's row (as a spreadsheet numbers it), its first
        missing column, the fields expected and found, and how many records are short.
    """
    n_cols = cells.shape[1]
    if n_cols < 2:
        return
    names = ["" if v is None else str(v) for v in cells.iloc[header].tolist()]
    # fields at or after the last named header cell: a record ending before it is short
    named = max((i for i, n in enumerate(names) if n.strip()), default=0) + 1
    last_named = cells.iloc[:, named - 1].to_numpy(dtype=object)
    # a padded record ends in "", so only records with "" under the last named column
    # can be short: most files need no counting at all
    candidates = (last_named == "") & ~blank
    if not candidates.any():
        return
    exact = counts is not None
    if counts is None:
        counts = _fields_per_record(buffer, sep)
        if counts is None or len(counts) != len(cells):
            counts, exact = _exact_counts(buffer, sep), True
    if counts is None or len(counts) != len(cells):
        return  # cannot tell; the parser's view stands
    short = candidates & (counts < named)
    if not short.any():
        return
    if not exact:  # confirm with the csv module (a stray quote could mislead numpy)
        exact_counts = _exact_counts(buffer, sep)
        if exact_counts is None or len(exact_counts) != len(cells):
            return
        counts = exact_counts
        short = candidates & (counts < named)
    values = cells.to_numpy(dtype=object)
    rows = [int(i) for i in np.flatnonzero(short)
            if any(str(v).strip() for v in values[i, : counts[i]])]
    if not rows:
        return
    first = rows[0]
    found = int(counts[first])
    row = first + 1 + lead
    column = names[found] or f"column {found + 1}"
    last_record = first == int(np.flatnonzero(~blank)[-1])
    if last_record:
        message = (
            f"the last record is cut short: it has {found} of {n_cols} fields (truncated file?)"
        )
    else:
        message = f"this record has {_fields(found)} but the header has {n_cols}"
        following = first + 1
        if (following < len(counts) and short[following]
                and found + int(counts[following]) - 1 == n_cols):
            message += (
                f"; row {row + 1} holds the rest of it: an answer has a line break outside "
                "quotes (quote that answer, or export the file again)"
            )
        else:
            message += (
                " (a line break in an answer outside quotes, or a program that leaves out "
                "trailing empty fields? export the file again, or read the .xlsx)"
            )
    line = _editor_line(buffer, sep, first) + lead
    if line != row:
        message += f"; line {line} in a text editor"
    if len(rows) > 1:
        shown = ", ".join(str(r + 1 + lead) for r in rows[:5])
        message += f"; {len(rows)} records are short in all (rows {shown}"
        message += ", ...)" if len(rows) > 5 else ")"
    raise InputError(file, message, row=row, column=column)


def _fields(n: int) -> str:
    return f"{n} field" if n == 1 else f"{n} fields"


def _exact_counts(buffer: str | bytes, sep: str) -> np.ndarray | None:
    """Fields per record with :mod:`csv` (blank lines 0), as the C parser splits records."""
    try:
        text = buffer.decode("utf-8") if isinstance(buffer, bytes) else buffer
    except UnicodeDecodeError:
        return None
    counts, open_quote = _scan(text, sep)
    return None if open_quote is not None else np.asarray(counts, dtype=np.int64)


def _editor_line(buffer: str | bytes, sep: str, record: int) -> int:
    """1-based line (LF, CRLF or CR ends a line) where record ``record`` (0-based) starts."""
    text = buffer.decode("utf-8", "replace") if isinstance(buffer, bytes) else buffer
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    with contextlib.suppress(csv.Error):
        for index, _ in enumerate(reader):
            if index == record - 1:
                return reader.line_num + 1
    return record + 1


@contextlib.contextmanager
def _unlimited_fields() -> Iterator[None]:
    """Let :mod:`csv` read fields of any length (long free-text answers) for a while."""
    previous = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _utf16_without_bom(raw: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the start of ``raw`` looks like BOM-less UTF-16."""
    head = raw[:4096]
    if len(head) < 4 or head.count(0) * 4 < len(head):
        return None
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if odd > 0.4 * len(head) / 2 and even == 0:
        return "utf-16-le"
    if even > 0.4 * len(head) / 2 and odd == 0:
        return "utf-16-be"
    return None


def _may_be_utf8(raw: bytes, encoding: str) -> bool:
    """Whether to try reading ``raw`` as UTF-8 without decoding it in Python first."""
    if encoding != "auto":
        try:
            return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
        except LookupError:
            return False
    if any(raw.startswith(bom) for bom, codec in _BOMS if codec != "utf-8"):
        return False
    return _utf16_without_bom(raw) is None


def _utf8_head(raw: bytes, bom: int) -> str | None:
    """The first 64 KiB as text, or None if they are not UTF-8 (a cut character is fine)."""
    head = raw[bom : bom + _SAMPLE_CHARS]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3 and len(head) == _SAMPLE_CHARS:
            return head[: error.start].decode("utf-8")
        return None


def _parse(buffer: str | bytes, sep: str) -> pd.DataFrame:
    """Every record as text with the pandas C parser (may raise ParserError, EmptyDataError)."""
    source = io.BytesIO(buffer) if isinstance(buffer, bytes) else io.StringIO(buffer)
    try:
        return pd.read_csv(
            source,
            sep=sep,
            header=None,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            quotechar='"',
            doublequote=True,
            encoding="utf-8",
        )
    except pd.errors.EmptyDataError:
        return pd.DataFrame({0: np.array([], dtype=object)})


WIDE_FIELDS = 2_000
"""Records wider than this are parsed with :mod:`csv` (see :func:`_parse_wide`)."""


def _parse_wide(buffer: str | bytes, sep: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Every record as text with :mod:`csv`, into one 2-D block (for very wide files).

    The pandas reader builds one Series per column, about 0.2 ms each, so a file of
    100,000 columns would take tens of seconds and one of a million, minutes; here the
    cost grows with the number of cells only. Errors are raised as the C parser
    raises them (``ParserError``, ``UnicodeDecodeError``) so :func:`_read_grid` explains
    them the same way; short records are padded, as the C parser pads them, and the
    fields of every record are returned with the cells (for
    :func:`_check_record_lengths`).
    """
    text = buffer.decode("utf-8") if isinstance(buffer, bytes) else buffer
    counts, open_quote = _scan(text, sep)
    if open_quote is not None:
        raise pd.errors.ParserError(f"EOF inside string starting at row {open_quote - 1}")
    width = counts[0] if counts else 1
    for line, n in enumerate(counts, start=1):
        if n > width:
            raise pd.errors.ParserError(f"Expected {width} fields in line {line}, saw {n}")
    cells = np.full((len(counts), width), "", dtype=object)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False)
    for index, record in enumerate(reader):
        cells[index, : len(record)] = record
    return pd.DataFrame(cells, dtype=object, copy=False), np.asarray(counts, dtype=np.int64)


def _parse_any(
    buffer: str | bytes, sep: str, sample: str
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """:func:`_parse`, or :func:`_parse_wide` when the first record is very wide.

    Returns the cells and, from the wide parser only, the fields of every record.
    """
    first = sample.lstrip("\r\n").split("\n", 1)[0].split("\r", 1)[0]
    if first.count(sep) < WIDE_FIELDS:
        return _parse(buffer, sep), None
    return _parse_wide(buffer, sep)


def read_grid(
    path: Path, encoding: str = "auto", delimiter: str = "auto", prefer: str | None = None
) -> Grid:
    """Read a delimited text file into a grid of text cells.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    encoding : str
        ``"auto"`` or a codec name (see :func:`decode`).
    delimiter : str
        ``"auto"`` or one character (``"\\t"`` for tab).
    prefer : str, optional
        Delimiter preferred on a sniffing tie (tab for ``.tsv`` files).

    Returns
    -------
    Grid
        Every non-blank record, header rows included; ``container`` is ``"tsv"`` for
        tab-separated text, ``"csv"`` otherwise.

    Raises
    ------
    InputError
        Empty file; undecodable bytes; a declared delimiter that gives one column (or
        broken records) where another delimiter fits; a record with more fields than
        the header; a record with fewer (anywhere in the file, naming its row and first
        missing column; the last one is reported as a truncated file); a quote never
        closed.

    Notes
    -----
    Parsing uses ``pandas.read_csv`` (C engine, ``header=None``, every cell as text,
    no NA conversion, so repeated headers stay as they are and an empty field becomes
    ``NaN`` only afterwards), which reads a million rows in seconds. A file whose
    first record has more than :data:`WIDE_FIELDS` fields is parsed with :mod:`csv`
    into one block instead (pandas builds one Series per column, ~0.2 ms each): a
    million columns read in a few seconds. Line endings may be LF, CRLF, CR or mixed;
    a byte-order mark is removed.

    Every record must have as many fields as the header (RFC 4180, section 2.4), which
    the parser does not check for shorter records (it pads them). The one exception:
    fields that fall under empty header cells at the end of the header line (a
    trailing delimiter) may be left out. No export read here (Qualtrics, LimeSurvey,
    Google Forms, spreadsheet and statistics programs' CSV) leaves out fields; a short
    record is half of a record broken by a line break outside quotes, or the end of
    a truncated file, and padding it would shift answers into the wrong respondent.
    Rows are numbered as a spreadsheet numbers them (a record with quoted line breaks
    is one row); a message adds the text editor's line when it differs. The check
    costs nothing when no record ends in an empty field, and a numpy pass over the
    bytes otherwise (see :func:`_check_record_lengths`).
    """
    with _unlimited_fields():
        return _read_grid(path, encoding, delimiter, prefer)


def _read_grid(path: Path, encoding: str, delimiter: str, prefer: str | None) -> Grid:
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise InputError(file, f"cannot read the file: {error.strerror}") from None
    if not raw[: 1 << 16].strip(_WHITESPACE) and not raw.strip(_WHITESPACE):
        raise InputError(file, "the file is empty (no header row, no responses)")
    declared = delimiter != "auto"
    if declared and len(delimiter) != 1:
        raise InputError(file, f"the declared delimiter {delimiter!r} is not one character")
    complete = len(raw) <= _SAMPLE_CHARS
    # Fast path: UTF-8 bytes go straight to the C parser, which decodes them strictly;
    # the whole file is decoded in Python only when that fails or for other codecs.
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    sample = _utf8_head(raw, bom) if _may_be_utf8(raw, encoding) else None
    text = ""
    guessed: str | None = None
    buffer: str | bytes
    if sample is not None:
        buffer = raw[bom:] if bom else raw
    else:
        text, codec = decode(raw, encoding, file, delimiter if declared else None)
        guessed = codec if was_guessed(encoding, codec) else None
        sample = text[:_SAMPLE_CHARS]
        buffer = text
    sniffed, scores = sniff_delimiter(sample, complete, prefer)
    if declared:
        counts = _field_counts(sample, delimiter, complete) or [1]
        fields = counts[0]
        consistent = sum(n == fields for n in counts) / len(counts)
        other_fields, other_consistent = scores.get(sniffed, (1, 0.0))
        # Wrong when the declared delimiter gives one column, or gives ragged records where
        # the detected one gives more columns, consistently (e.g. "," declared on a TSV
        # whose question texts contain commas).
        ragged = consistent < other_consistent and other_fields > fields
        if sniffed != delimiter and other_fields > 1 and (fields == 1 or ragged):
            raise InputError(
                file,
                f"the delimiter seems wrong: {_name(delimiter)} was declared but gives "
                + ("a single column" if fields == 1 else "records of differing lengths")
                + f"; {_name(sniffed)} was detected ({other_fields} columns)",
                row=1,
            )
        sep = delimiter
    else:
        sep = sniffed
    buffer, lead = _skip_leading_blank_lines(buffer)
    try:
        cells, record_fields = _parse_any(buffer, sep, sample)
    except UnicodeDecodeError:
        text, codec = decode(raw, encoding, file, sep)
        guessed = codec if was_guessed(encoding, codec) else None
        buffer, lead = _skip_leading_blank_lines(text)
        try:
            cells, record_fields = _parse_any(buffer, sep, sample)
        except pd.errors.ParserError as error:
            raise _parser_error(error, text, sep, file, declared, sniffed) from None
    except pd.errors.ParserError as error:
        whole = text or raw[bom:].decode("utf-8")
        raise _parser_error(error, whole, sep, file, declared, sniffed) from None
    n_cols = cells.shape[1]
    first = cells[0].to_numpy(dtype=object)
    candidates = np.flatnonzero(first == "")
    blank = np.zeros(len(cells), dtype=bool)
    if len(candidates):
        sub = cells.iloc[candidates].to_numpy(dtype=object)
        blank[candidates] = (sub == "").all(axis=1)
    kept = np.flatnonzero(~blank)
    if len(kept) == 0:
        raise InputError(file, "the file is empty (no header row, no responses)")
    if len(kept) > 1:
        _check_record_lengths(
            cells, blank, int(kept[0]), buffer, sep, file, lead, record_fields
        )
    if blank.any():
        cells = cells.iloc[kept]
    # one 2-D object block: a frame of one block per column costs ~0.2 ms per column
    values = cells.to_numpy(dtype=object, copy=True)
    values[values == ""] = np.nan
    grid_cells = pd.DataFrame(values, columns=pd.RangeIndex(n_cols), dtype=object, copy=False)
    rows = kept.astype("int64") + 1 + lead
    return Grid(file, grid_cells, rows, "tsv" if sep == "\t" else "csv", guessed)


def build_generic(grid: Grid, format: str | None = None) -> RawTable:
    """A table with one header row and no platform columns.

    Parameters
    ----------
    grid : Grid
        The records of the file.
    format : str, optional
        Format name to record; ``grid.container`` by default (``csv``, ``tsv``,
        ``xlsx``).

    Returns
    -------
    RawTable
        Headers from row 1, responses from row 2 on.

    Raises
    ------
    InputError
        The file is empty or has a header but no responses.
    """
    (headers,), data, rows = split_header(grid, 1)
    return RawTable(
        file=grid.file, format=format or grid.container, headers=headers, data=data, rows=rows
    )
