"""Units of coding from transcripts (speaker turns) and from survey open-text answers.

A transcript is read into its *plain text* (newlines normalised to ``\\n``) and cut into
speaker turns; each turn is one unit whose ``start``/``end`` are code-point offsets of
the turn's words (after the ``Speaker:`` label) in that plain text, so
``plain_text[start:end] == text``. The plain text is kept in ``units.attrs["document_text"]``
and given by :func:`transcript_text`, so a REFI-QDA export can ship the same text its
offsets refer to.

Speaker conventions
-------------------
- ``.txt`` and ``.docx``: a turn starts on a line (paragraph) ``Speaker: text``,
  optionally preceded by a time stamp ``[00:01:02]``, ``[01:02]`` or ``(00:01:02.5)``.
  Lines that do not start with a label continue the previous turn (blank lines
  included); lines before the first label (a title, a date) are a preamble and are
  not units.
- ``.vtt`` (WebVTT): the speaker is the cue's voice tag ``<v Speaker>`` or a
  ``Speaker:`` prefix; a cue without either continues the previous speaker;
  consecutive cues by the same speaker form one turn. The plain text of a WebVTT file
  is one line per turn, ``Speaker: words``, cue texts joined by single spaces.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from microcred.errors import InputError
from microcred.qual.units import UNIT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "docx_paragraphs",
    "read_transcript",
    "survey_units",
    "transcript_text",
]

_STAMP = (
    r"(?:[\[(]\s*(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d+)?\s*[\])][ \t]*"  # [00:01:02]
    r"|\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?[ \t]+)"  # 00:01:02 followed by a space
)
_TURN = re.compile(
    rf"^[ \t]*{_STAMP}?"
    r"(?P<speaker>[^\W\d_][\w.'’()\- ]{0,39}?|\d{1,3})"  # a name of a few words, or "1"
    r"[ \t]*:(?:[ \t]+|$)"
)
_MAX_SPEAKER_WORDS = 4


@dataclass(frozen=True)
class _Turn:
    speaker: str | None
    start: int
    end: int


def read_transcript(
    path: str | Path,
    speakers: dict[str, str] | None = None,
    *,
    document: str | None = None,
    language: str | None = None,
) -> pd.DataFrame:
    """Read a transcript into units, one per speaker turn.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.txt`` (UTF-8), ``.docx`` or ``.vtt`` transcript.
    speakers : dict of str to str, optional
        Speaker label -> respondent id, linking a speaker's turns (and so their codes)
        to a respondent. Labels match exactly, else ignoring case and surrounding
        spaces; unlisted speakers (the moderator) get no respondent.
    document : str, optional
        The document name of the units; defaults to the file name without suffix.
    language : str, optional
        ISO 639-1 code put in the ``language`` column.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~microcred.qual.units.UNIT_COLUMNS`, one row per turn in order;
        ``unit_id`` is ``"<document>:<n>"`` (n from 1). ``start``/``end`` are code-point
        offsets in the document's plain text (``attrs["document_text"]``), and
        ``text == document_text[start:end]``.

    Raises
    ------
    InputError
        When the file is missing, cannot be decoded, is not a valid DOCX or WebVTT file
        (with the offending line), or holds no speaker turn.

    References
    ----------
    W3C, *WebVTT: The Web Video Text Tracks Format* (Candidate Recommendation, 2019):
    file signature, cue timings, ``<v>`` voice spans. Office Open XML paragraphs are
    read with python-docx.
    """

    path = Path(path)
    text, turns = _parse(path)
    name = document if document is not None else path.stem
    lookup = _speaker_lookup(speakers or {})
    rows = []
    for n, turn in enumerate(turns, start=1):
        respondent = None
        if turn.speaker is not None:
            respondent = lookup.get(turn.speaker) or lookup.get(turn.speaker.strip().casefold())
        rows.append(
            {
                "unit_id": f"{name}:{n}",
                "document": name,
                "respondent_id": respondent,
                "speaker": turn.speaker,
                "text": text[turn.start:turn.end],
                "start": turn.start,
                "end": turn.end,
                "language": language,
            }
        )
    units = _frame(rows)
    units.attrs["document_text"] = text
    return units


def transcript_text(path: str | Path) -> str:
    """The plain text that :func:`read_transcript` offsets refer to.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.txt``, ``.docx`` or ``.vtt`` transcript.

    Returns
    -------
    str
        The document's plain text, newlines normalised to ``\\n``.

    Raises
    ------
    InputError
        As :func:`read_transcript`.
    """
    return _parse(Path(path))[0]


def docx_paragraphs(source: str | Path | bytes, file: str | None = None) -> list[str]:
    """The text of every body paragraph of a DOCX file, in order.

    Parameters
    ----------
    source : str, pathlib.Path or bytes
        The DOCX file or its bytes.
    file : str, optional
        Name used in error messages when ``source`` is bytes.

    Returns
    -------
    list of str
        One string per paragraph (tabs as ``\\t``, line breaks as ``\\n``, as
        python-docx renders them); tables are not included.

    Raises
    ------
    InputError
        When the file is missing or is not a readable DOCX.

    References
    ----------
    python-docx ``Document.paragraphs`` / ``Paragraph.text`` (ECMA-376 ``w:p``).
    """
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    name = file or (str(source) if not isinstance(source, bytes) else "<docx>")
    if isinstance(source, bytes):
        stream: io.BytesIO | str = io.BytesIO(source)
    elif not Path(source).exists():
        raise InputError(name, "no such file")
    else:
        stream = str(source)
    try:
        document = docx.Document(stream)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(name, f"not a readable DOCX file ({type(exc).__name__})") from None
    return [p.text.replace("\r\n", "\n").replace("\r", "\n") for p in document.paragraphs]


def survey_units(
    answers: pd.DataFrame,
    item_ids: list[str],
    respondents: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Open-text survey answers as units, one per (item, respondent).

    Parameters
    ----------
    answers : pandas.DataFrame
        The long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`); rows with
        ``text`` set and not blank are used.
    item_ids : list of str
        The open-text items to take, in the order units are wanted.
    respondents : pandas.DataFrame, optional
        The respondents table (``respondent_id``, ``language``): fills ``language``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~microcred.qual.units.UNIT_COLUMNS`; ``unit_id`` is
        ``"<item_id>:<respondent_id>"``, ``document`` the item id, ``respondent_id``
        set, ``speaker``, ``start`` and ``end`` missing (an answer is its own text).
        Two texts of one respondent for one item (an open answer and an 'Other'
        text) are joined by a newline into one unit.

    Raises
    ------
    InputError
        When ``answers`` lacks the ``respondent_id``, ``item_id`` or ``text`` column.
    """
    import pandas as pd

    missing = [c for c in ("respondent_id", "item_id", "text") if c not in answers.columns]
    if missing:
        raise InputError("answers", f"missing column(s): {', '.join(missing)}")
    picked = answers[answers["item_id"].isin(item_ids) & answers["text"].notna()]
    picked = picked[picked["text"].astype(str).str.strip() != ""]
    languages: dict[str, str] = {}
    if respondents is not None and "language" in respondents.columns:
        languages = {
            str(r): str(lang)
            for r, lang in zip(respondents["respondent_id"], respondents["language"], strict=True)
            if pd.notna(lang)
        }
    order = {item: i for i, item in enumerate(item_ids)}
    picked = picked.assign(_order=picked["item_id"].map(order)).sort_values(
        "_order", kind="stable"
    )
    rows = []
    for (item, respondent), group in picked.groupby(["item_id", "respondent_id"], sort=False):
        rows.append(
            {
                "unit_id": f"{item}:{respondent}",
                "document": str(item),
                "respondent_id": str(respondent),
                "speaker": None,
                "text": "\n".join(str(t) for t in group["text"]),
                "start": None,
                "end": None,
                "language": languages.get(str(respondent)),
            }
        )
    return _frame(rows)


# --------------------------------------------------------------------------- parsing


def _frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(UNIT_COLUMNS))
    for column in UNIT_COLUMNS:
        if column in ("start", "end"):
            frame[column] = frame[column].astype("Int64")
        else:
            frame[column] = frame[column].astype("string")
    return frame


def _speaker_lookup(speakers: dict[str, str]) -> dict[str, str]:
    lookup = {k.strip().casefold(): str(v) for k, v in speakers.items()}
    lookup.update({k: str(v) for k, v in speakers.items()})
    return lookup


def _parse(path: Path) -> tuple[str, list[_Turn]]:
    if not path.exists():
        raise InputError(str(path), "no such file")
    suffix = path.suffix.lower()
    if suffix == ".vtt":
        return _parse_vtt(path)
    if suffix == ".docx":
        text = "\n".join(docx_paragraphs(path))
    elif suffix in (".txt", ".text", ""):
        text = _decode(path)
    else:
        raise InputError(str(path), f"unsupported transcript type {suffix!r} (.txt, .docx, .vtt)")
    turns = _turns_from_lines(text)
    if not turns:
        raise InputError(
            str(path), "no speaker turn found (expected lines such as 'Speaker: text')", row=1
        )
    return text, turns


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(str(path), "invalid UTF-16 text") from None
    else:
        if b"\x00" in data[:4096]:
            raise InputError(str(path), "binary file, not plain text")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(str(path), "not UTF-8 text; save it as UTF-8", row=line) from None
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _label(line: str) -> tuple[str, int] | None:
    """(speaker, offset of the words after the label) when the line starts a turn."""
    match = _TURN.match(line)
    if match is None:
        return None
    speaker = match.group("speaker").strip()
    if len(speaker.split()) > _MAX_SPEAKER_WORDS:
        return None
    return speaker, match.end()


def _turns_from_lines(text: str) -> list[_Turn]:
    turns: list[_Turn] = []
    speaker: str | None = None
    start: int | None = None  # None until the turn's first words are seen
    end = 0
    offset = 0

    def close() -> None:
        if speaker is not None:
            at = start if start is not None else end
            turns.append(_Turn(speaker, at, max(at, end)))

    for line in text.split("\n"):
        found = _label(line)
        if found is not None:
            close()
            speaker, skip = found
            content = line[skip:].rstrip()
            start = offset + skip if content else None
            end = offset + skip + len(content)
        elif speaker is not None and line.strip():
            if start is None:
                start = offset + len(line) - len(line.lstrip())
            end = offset + len(line.rstrip())
        offset += len(line) + 1
    close()
    return turns


_TIMING = re.compile(
    r"^(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}[ \t]+-->[ \t]+(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}(?:[ \t].*)?$"
)
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*[ \t]+([^>]+)>")
_TAG = re.compile(r"</?[^>]*>")


def _parse_vtt(path: Path) -> tuple[str, list[_Turn]]:
    lines = _decode(path).split("\n")
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise InputError(str(path), "not a WebVTT file: the first line must be 'WEBVTT'", row=1)
    cues: list[tuple[str | None, str]] = []
    i = 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        block_start = i
        block: list[str] = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        head = block[0]
        if head.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in head:
            continue
        timing_at = 0 if "-->" in head else 1
        if timing_at >= len(block) or not _TIMING.match(block[timing_at].strip()):
            raise InputError(
                str(path), "malformed cue timing (expected 'hh:mm:ss.ttt --> hh:mm:ss.ttt')",
                row=block_start + timing_at + 1,
            )
        payload = " ".join(s.strip() for s in block[timing_at + 1:] if s.strip())
        speaker: str | None = None
        voice = _VOICE.search(payload)
        if voice is not None:
            speaker = voice.group(1).strip()
        words = html.unescape(_TAG.sub("", payload)).replace("\u00a0", " ").strip()
        if speaker is None:
            found = _label(words)
            if found is not None:
                speaker, skip = found
                words = words[skip:].strip()
        if words:
            cues.append((speaker, " ".join(words.split())))
    # merge consecutive cues of one speaker; a cue without speaker continues the last
    merged: list[tuple[str | None, list[str]]] = []
    for speaker, words in cues:
        if merged and (speaker is None or speaker == merged[-1][0]):
            merged[-1][1].append(words)
        else:
            merged.append((speaker, [words]))
    if not merged:
        raise InputError(str(path), "the WebVTT file holds no cue text", row=1)
    parts: list[str] = []
    turns: list[_Turn] = []
    offset = 0
    for speaker, chunks in merged:
        prefix = f"{speaker}: " if speaker is not None else ""
        body = " ".join(chunks)
        start = offset + len(prefix)
        turns.append(_Turn(speaker, start, start + len(body)))
        line = prefix + body
        parts.append(line)
        offset += len(line) + 1
    return "\n".join(parts), turns
