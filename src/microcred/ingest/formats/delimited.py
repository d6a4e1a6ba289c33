"""Delimited text (CSV, TSV, ``;`` or ``|`` separated): decoding, sniffing, parsing.

:func:`read_grid` turns a file into a :class:`~microcred.ingest.formats.Grid` with
the pandas C parser (every cell read as text), after finding the encoding and the
delimiter; every way a file can be malformed becomes an
:class:`~microcred.errors.InputError` naming the row (and column where there is
one). :func:`build_generic` makes a plain one-header-row table of a grid.
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
from microcred.ingest.formats import Grid, split_header
from microcred.ingest.table import RawTable

__all__ = ["CANDIDATES", "build_generic", "decode", "read_grid", "sniff_delimiter"]

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
    otherwise UTF-8 is tried, then the guess of charset-normalizer on the
    lines holding non-ASCII bytes, then cp1252 (Excel's "CSV" on Western Windows).
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
    tried = ["utf-8"]
    guess = _guess_encoding(raw)
    candidates = [guess] if guess and codecs.lookup(guess).name not in ("utf-8", "cp1252") else []
    for codec in [*candidates, "cp1252"]:
        try:
            return raw.decode(codec), codecs.lookup(codec).name
        except UnicodeDecodeError:
            tried.append(codec)
    row, column = _locate(raw[: first_error.start].decode("utf-8", "replace"), delimiter)
    raise InputError(
        file,
        f"cannot decode the file (tried {', '.join(tried)}); first byte that is not UTF-8 "
        f"at offset {first_error.start}: declare the encoding in the study file",
        row=row,
        column=column,
    )


def _guess_encoding(raw: bytes) -> str | None:
    """charset-normalizer's guess from up to 64 KiB of the lines with non-ASCII bytes.

    Among the code pages that decode the sample with the least "chaos", cp1252 is
    chosen when it is one of them (a few accented words fit cp1250 or cp1257 as
    well), else charset-normalizer's first choice.
    """
    from charset_normalizer import from_bytes

    lines = re.findall(rb"[^\n]*[\x80-\xff][^\n]*\n?", raw[: 1 << 24])
    sample = b"".join(lines)[:_SAMPLE_CHARS] or raw[:_SAMPLE_CHARS]
    matches = list(from_bytes(sample))
    if not matches:
        return None
    least = min(match.chaos for match in matches)
    plausible = [str(m.encoding) for m in matches if m.chaos <= least + 0.01]
    # short samples fit several code pages equally well: Western Windows wins the tie
    return "cp1252" if "cp1252" in plausible else plausible[0]


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


def _last_record_fields(tail: str, expected: list[str], delimiter: str) -> int | None:
    """Fields in the last record, read from ``tail`` (the file's last lines), or None."""
    reader = csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter)
    try:
        records = [r for r in reader if r]
    except csv.Error:
        return None
    if len(records) != 1:
        return None
    record = records[0]
    if record != expected[: len(record)] or any(expected[len(record) :]):
        return None
    return len(record)


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


def _tail_lines(buffer: str | bytes, n_lines: int) -> str:
    """The last ``n_lines`` lines of ``buffer`` as text, trailing line breaks left out."""
    if isinstance(buffer, bytes):
        end = len(buffer)
        while end and buffer[end - 1] in b"\r\n":
            end -= 1
        start = end
        for _ in range(n_lines):
            start = buffer.rfind(b"\n", 0, start)
            if start < 0:
                break
        return buffer[start + 1 : end].decode("utf-8")
    end = len(buffer)
    while end and buffer[end - 1] in "\r\n":
        end -= 1
    start = end
    for _ in range(n_lines):
        start = buffer.rfind("\n", 0, start)
        if start < 0:
            break
    return buffer[start + 1 : end]


def _check_last_record(
    cells: pd.DataFrame,
    header: int,
    last: int,
    buffer: str | bytes,
    delimiter: str,
    file: str,
    lead: int = 0,
) -> None:
    """Raise if the last record has fewer fields than the header (a truncated file).

    The pandas C parser pads a short record with empty fields, so the last record is
    re-read with :mod:`csv` when it ends with an empty field. Short records before
    the last one are padded as pandas (and R) pad them.
    """
    values = ["" if v is None else str(v) for v in cells.iloc[last].tolist()]
    n_cols = len(values)
    if values[-1] != "" or n_cols < 2:
        return
    n_lines = 1 + sum(v.count("\n") for v in values)
    n_fields = _last_record_fields(_tail_lines(buffer, n_lines), values, delimiter)
    if n_fields is None:  # unusual line breaks (lone CR): count every record exactly
        whole = buffer.decode("utf-8") if isinstance(buffer, bytes) else buffer
        counts, _ = _scan(whole, delimiter)
        nonblank = [n for n in counts if n]
        n_fields = nonblank[-1] if nonblank else n_cols
    if n_fields < n_cols:
        names = ["" if v is None else str(v) for v in cells.iloc[header].tolist()]
        raise InputError(
            file,
            f"the last record is cut short: it has {n_fields} of {n_cols} fields (truncated file?)",
            row=last + 1 + lead,
            column=names[n_fields] or f"column {n_fields + 1}",
        )


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


def _parse_wide(buffer: str | bytes, sep: str) -> pd.DataFrame:
    """Every record as text with :mod:`csv`, into one 2-D block (for very wide files).

    The pandas reader builds one Series per column, about 0.2 ms each, so a file of
    100,000 columns would take tens of seconds and one of a million, minutes; here the
    cost grows with the number of cells only. Errors are raised as the C parser
    raises them (``ParserError``, ``UnicodeDecodeError``) so :func:`_read_grid` explains
    them the same way; short records are padded, as the C parser pads them.
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
    return pd.DataFrame(cells, dtype=object, copy=False)


def _parse_any(buffer: str | bytes, sep: str, sample: str) -> pd.DataFrame:
    """:func:`_parse`, or :func:`_parse_wide` when the first record is very wide."""
    first = sample.lstrip("\r\n").split("\n", 1)[0].split("\r", 1)[0]
    if first.count(sep) < WIDE_FIELDS:
        return _parse(buffer, sep)
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
        the header; a last record with fewer (truncated file, naming the first missing
        column); a quote never closed.

    Notes
    -----
    Parsing uses ``pandas.read_csv`` (C engine, ``header=None``, every cell as text,
    no NA conversion, so repeated headers stay as they are and an empty field becomes
    ``NaN`` only afterwards), which reads a million rows in seconds. A file whose
    first record has more than :data:`WIDE_FIELDS` fields is parsed with :mod:`csv`
    into one block instead (pandas builds one Series per column, ~0.2 ms each): a
    million columns read in a few seconds. Line endings may be LF, CRLF, CR or mixed;
    a byte-order mark is removed.
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
    complete = len(raw) <= _SAMPLE_CHARS
    # Fast path: UTF-8 bytes go straight to the C parser, which decodes them strictly;
    # the whole file is decoded in Python only when that fails or for other codecs.
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    sample = _utf8_head(raw, bom) if _may_be_utf8(raw, encoding) else None
    text = ""
    buffer: str | bytes
    if sample is not None:
        buffer = raw[bom:] if bom else raw
    else:
        text, _codec = decode(raw, encoding, file, delimiter if declared else None)
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
        cells = _parse_any(buffer, sep, sample)
    except UnicodeDecodeError:
        text, _codec = decode(raw, encoding, file, sep)
        buffer, lead = _skip_leading_blank_lines(text)
        try:
            cells = _parse_any(buffer, sep, sample)
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
        _check_last_record(cells, int(kept[0]), int(kept[-1]), buffer, sep, file, lead)
    if blank.any():
        cells = cells.iloc[kept]
    # one 2-D object block: a frame of one block per column costs ~0.2 ms per column
    values = cells.to_numpy(dtype=object, copy=True)
    values[values == ""] = np.nan
    grid_cells = pd.DataFrame(values, columns=pd.RangeIndex(n_cols), dtype=object, copy=False)
    rows = kept.astype("int64") + 1 + lead
    return Grid(file, grid_cells, rows, "tsv" if sep == "\t" else "csv")


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
