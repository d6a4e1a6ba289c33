"""REFI-QDA projects (``.qdpx``): import from and export to NVivo, ATLAS.ti, MAXQDA, QualCoder.

Reading tolerates what real exports do differently (see
``shared/specs/survey-and-qda-formats.md``): a ``.qde`` with any name, ``Sources/`` or
``sources/``, inline ``PlainTextContent``, ``internal://`` / ``relative://`` /
``absolute://`` paths, a DOCX twin (the ``.txt`` wins; a DOCX alone is read paragraph
by paragraph), CRLF text, the ``0.4`` namespace, selections without ``Coding``
(annotations), variables on sources (MAXQDA) or on cases (Quirkos).

Offsets. Every offset microcred hands out is a code-point offset into the plain text
with newlines normalised to ``\\n``. Files differ: QualCoder writes code points on the
text as stored; ATLAS.ti counts CRLF as one character; NVivo (a .NET program) counts
UTF-16 code units on CRLF text, so every emoji shifts later offsets by one. The
importer tries the four readings (code points or UTF-16 units, on the text as stored
or with CRLF counted once) and keeps, for the whole project, the one under which the
selections' ``name`` attributes (the quoted text, when a tool writes it) match the
text; without names, the one under which selection boundaries split the fewest words.
On a tie the first reading (code points on the stored text) wins. ``QdaProject.offsets``
says which reading was used.

Writing produces what the strictest importers accept: one ``project.qde`` (UTF-8,
no BOM, children in ``xsd:sequence`` order), lowercase ``sources/`` holding UTF-8
``.txt`` files referenced by ``plainTextPath`` only, offsets in code points.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from microcred.errors import InputError
from microcred.qual.codebook import Codebook
from microcred.qual.codebook_io import (
    GUID_NAMESPACE,
    code_guid,
    codes_from_xml,
    codes_to_xml,
    parse_xml,
    slug,
)
from microcred.qual.units import UNIT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ANNOTATION_COLUMNS",
    "PROJECT_NS",
    "SEGMENT_COLUMNS",
    "SOURCE_COLUMNS",
    "QdaCase",
    "QdaProject",
    "QdaVariable",
    "case_variables",
    "check_qdpx",
    "project_from_units",
    "read_qdpx",
    "write_qdpx",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
"""Namespace of a REFI-QDA project (QDA-XML 1.0, Project.xsd, 2019)."""

SEGMENT_COLUMNS = (
    *UNIT_COLUMNS, "code_id", "coder", "selection_guid", "source_guid", "code_guid",
    "created_at",
)
"""Columns of ``QdaProject.segments``: one row per coded selection x code.

The unit columns describe the selection (``unit_id`` = ``"<document>:<start>-<end>"``,
``document`` = source name, ``text == source_text[start:end]``, ``respondent_id`` from
the Case that refers to the selection or its source, when exactly one does);
``code_id`` is the codebook id of the code, ``coder`` the user's name (or GUID when
the project has no user list), ``created_at`` the coding's ``creationDateTime``.
"""

SOURCE_COLUMNS = ("guid", "name", "text", "variables")
"""Columns of ``QdaProject.sources``: GUID, name, plain text (``\\n`` newlines) and a
dict of the variable values attached to the source (MAXQDA puts them there)."""

ANNOTATION_COLUMNS = (
    "selection_guid", "source_guid", "document", "start", "end", "text", "description", "coder",
)
"""Columns of ``QdaProject.annotations``: selections that carry no ``Coding``."""

VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")

_ORDER = {
    "Project": ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets",
                "Graphs", "Description", "NoteRef"],
    "Code": ["Description", "NoteRef", "Code"],
    "Case": ["Description", "CodeRef", "VariableValue", "SourceRef", "SelectionRef"],
    "TextSource": ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef",
                   "VariableValue"],
    "PlainTextSelection": ["Description", "Coding", "NoteRef"],
    "Coding": ["CodeRef", "NoteRef"],
    "Variable": ["Description"],
}
"""``xsd:sequence`` of the elements microcred writes (QDA-XML 1.0 Project.xsd)."""

_GUID = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)

READINGS = (
    "code points",
    "code points, CRLF counted once",
    "UTF-16 code units",
    "UTF-16 code units, CRLF counted once",
)
"""The offset readings the importer chooses from, in order of preference."""


@dataclass
class QdaVariable:
    """A REFI-QDA variable (``Variables/Variable``).

    Attributes
    ----------
    guid : str
    name : str
    type : str
        ``typeOfVariable``: Text, Boolean, Integer, Float, Date or DateTime.
    description : str or None
    """

    guid: str
    name: str
    type: str = "Text"
    description: str | None = None


@dataclass
class QdaCase:
    """A REFI-QDA case (a respondent, a participant, an organisation...).

    Attributes
    ----------
    guid : str
    name : str
        For survey respondents, the respondent id.
    variables : dict of str to object
        Variable name -> value (str, bool, int, float; dates as ISO text).
    sources : list of str
        GUIDs of the sources that belong to the case (``SourceRef``).
    selections : list of str
        GUIDs of the selections that belong to the case (``SelectionRef``).
    codes : list of str
        GUIDs of codes attached to the case (``CodeRef``).
    description : str or None
    """

    guid: str
    name: str
    variables: dict[str, Any] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    selections: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    description: str | None = None


def _empty(columns: Iterable[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass
class QdaProject:
    """A REFI-QDA project restricted to text: codebook, sources, coded selections, cases.

    Attributes
    ----------
    name : str
        The project name.
    codebook : Codebook or None
        The code tree (codes keep their GUIDs); ``None`` when the project has no code.
    users : dict of str to str
        User GUID -> name.
    sources : pandas.DataFrame
        :data:`SOURCE_COLUMNS`, one row per text source (PDF sources with a text
        representation included).
    segments : pandas.DataFrame
        :data:`SEGMENT_COLUMNS`, one row per coded selection and code.
    cases : list of QdaCase
    variables : list of QdaVariable
    annotations : pandas.DataFrame
        :data:`ANNOTATION_COLUMNS`: selections without coding (memos on text).
    origin : str or None
        The tool that wrote the file (``origin`` attribute).
    offsets : str
        The offset reading used on import (one of :data:`READINGS`).
    skipped : dict of str to int
        Elements not imported, by kind (``PictureSource``, ``AudioSource``...).
    """

    name: str
    codebook: Codebook | None = None
    users: dict[str, str] = field(default_factory=dict)
    sources: pd.DataFrame = field(default_factory=lambda: _empty(SOURCE_COLUMNS))
    segments: pd.DataFrame = field(default_factory=lambda: _empty(SEGMENT_COLUMNS))
    cases: list[QdaCase] = field(default_factory=list)
    variables: list[QdaVariable] = field(default_factory=list)
    annotations: pd.DataFrame = field(default_factory=lambda: _empty(ANNOTATION_COLUMNS))
    origin: str | None = None
    offsets: str = READINGS[0]
    skipped: dict[str, int] = field(default_factory=dict)


# =========================================================================== reading


def _local(el: Any) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c) == name]


def _kid(el: Any, name: str) -> Any:
    found = _kids(el, name)
    return found[0] if found else None


def _key(guid: str | None) -> str:
    return (guid or "").strip().strip("{}").lower()


def _clean_guid(guid: str | None) -> str:
    return (guid or "").strip().strip("{}")


class _Container:
    """Files of a ``.qdpx`` (zip) or of a folder holding a ``.qde``, by case-blind path."""

    def __init__(self, path: Path):
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.names: dict[str, str] = {}
        self.basenames: dict[str, list[str]] = {}
        if path.is_dir():
            for file in path.rglob("*"):
                if file.is_file():
                    self._add(file.relative_to(path).as_posix())
        else:
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise InputError(str(path), f"not a .qdpx (zip) file: {exc}") from None
            for info in self.zip.infolist():
                if not info.is_dir():
                    self._add(info.filename)

    def _add(self, name: str) -> None:
        norm = name.replace("\\", "/").lstrip("/")
        self.names[norm.lower()] = name
        self.basenames.setdefault(PurePosixPath(norm).name.lower(), []).append(name)

    def read(self, name: str) -> bytes:
        if self.zip is not None:
            return self.zip.read(name)
        return (self.path / name).read_bytes()

    def find(self, relative: str) -> str | None:
        """Member for ``sources/<relative>`` (any case), else a unique basename match."""
        rel = relative.replace("\\", "/").lstrip("/").lower()
        for candidate in (f"sources/{rel}", rel):
            if candidate in self.names:
                return self.names[candidate]
        for key, name in self.names.items():  # a zip made around a parent folder
            if key.endswith(f"/sources/{rel}"):
                return name
        found = self.basenames.get(PurePosixPath(rel).name, [])
        return found[0] if len(found) == 1 else None

    def qde(self) -> str:
        qdes = [n for k, n in self.names.items() if k.endswith(".qde")]
        if not qdes:
            raise InputError(str(self.path), "no .qde project file inside")
        if len(qdes) == 1:
            return qdes[0]
        named = [n for n in qdes if PurePosixPath(n.lower()).name == "project.qde"]
        if len(named) == 1:
            return named[0]
        raise InputError(str(self.path), f"{len(qdes)} .qde files inside; expected one")

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


@dataclass
class _Selection:
    guid: str
    name: str | None
    start: int
    end: int
    user: str | None
    created: str | None
    description: str | None
    codings: list[tuple[str, str | None, str | None]]  # (code guid, user, created)


@dataclass
class _Source:
    guid: str
    name: str
    raw: str
    variables: dict[str, Any]
    selections: list[_Selection]
    whole: list[tuple[str, str | None, str | None]]  # codings of the whole source


def read_qdpx(path: str | Path, codebook: Codebook | None = None) -> QdaProject:
    """Read a REFI-QDA project (text sources, codes, coded selections, cases, variables).

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.qdpx`` file (zip), or a folder holding a ``.qde`` and its ``sources/``, or
        a bare ``.qde`` file whose sources sit beside it.
    codebook : Codebook, optional
        The codebook the project was exported from: codes whose GUID matches (their
        own, or the one :func:`~microcred.qual.codebook_io.code_guid` derives) keep
        its ids, and the project codebook takes its id, name and languages. Other
        codes get ids made from their names.

    Returns
    -------
    QdaProject
        Sources with their plain text (newlines normalised to ``\\n``) and segments
        whose ``start``/``end`` are code-point offsets into that text, so that
        ``segments.text == sources.text[start:end]`` for every row.

    Raises
    ------
    InputError
        When the file is not a zip or XML, has no or several ``.qde``, its root is not
        ``Project``, a source's text cannot be found, a selection lies outside its
        source, or a coding refers to a code the codebook lacks (the message names the
        GUID, never the text).

    References
    ----------
    REFI-QDA Project.xsd, QDA-XML 1.0 (2019), and the REFI-QDA 1.5 specification;
    interop behaviour of NVivo 12, ATLAS.ti, MAXQDA and QualCoder as summarised in
    ``shared/specs/survey-and-qda-formats.md``. Checked against case 15 and a real
    NVivo 12 export (``shared/data/refi-qda-nvivo12``).
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "no such file")
    if path.is_file() and path.suffix.lower() == ".qde":
        container = _Container(path.parent)
        qde_name = path.name
    else:
        container = _Container(path)
        qde_name = container.qde()
    file = f"{path}!{qde_name}" if container.zip is not None else str(path.parent / qde_name)
    try:
        root = parse_xml(container.read(qde_name), file)
        if _local(root) != "Project":
            raise InputError(file, f"root element is <{_local(root)}>, expected <Project>")
        project = QdaProject(name=root.get("name") or path.stem, origin=root.get("origin"))
        users_el = _kid(root, "Users")
        if users_el is not None:
            for user in _kids(users_el, "User"):
                guid = _clean_guid(user.get("guid"))
                project.users[guid] = user.get("name") or user.get("id") or guid
        user_names = {_key(g): n for g, n in project.users.items()}

        code_ids: dict[str, str] = {}
        codebook_el = _kid(root, "CodeBook")
        codes_el = _kid(codebook_el, "Codes") if codebook_el is not None else None
        if codes_el is not None and _kids(codes_el, "Code"):
            codes = codes_from_xml(codes_el, reference=codebook)
            project.codebook = Codebook(
                id=codebook.id if codebook is not None else slug(project.name),
                name=codebook.name if codebook is not None else project.name,
                languages=list(codebook.languages) if codebook is not None else ["en"],
                codes=codes,
            )
            for code in project.codebook.walk():
                code_ids[_key(code.guid)] = code.id

        var_names: dict[str, QdaVariable] = {}
        variables_el = _kid(root, "Variables")
        if variables_el is not None:
            for var in _kids(variables_el, "Variable"):
                desc = _kid(var, "Description")
                qv = QdaVariable(
                    guid=_clean_guid(var.get("guid")),
                    name=var.get("name") or _clean_guid(var.get("guid")),
                    type=var.get("typeOfVariable") or "Text",
                    description=desc.text if desc is not None else None,
                )
                project.variables.append(qv)
                var_names[_key(qv.guid)] = qv

        cases_el = _kid(root, "Cases")
        if cases_el is not None:
            for case in _kids(cases_el, "Case"):
                desc = _kid(case, "Description")
                project.cases.append(
                    QdaCase(
                        guid=_clean_guid(case.get("guid")),
                        name=case.get("name") or _clean_guid(case.get("guid")),
                        variables=_variable_values(case, var_names),
                        sources=[
                            _clean_guid(r.get("targetGUID")) for r in _kids(case, "SourceRef")
                        ],
                        selections=[
                            _clean_guid(r.get("targetGUID")) for r in _kids(case, "SelectionRef")
                        ],
                        codes=[_clean_guid(r.get("targetGUID")) for r in _kids(case, "CodeRef")],
                        description=desc.text if desc is not None else None,
                    )
                )

        sources: list[_Source] = []
        sources_el = _kid(root, "Sources")
        for el in sources_el if sources_el is not None else []:
            kind = _local(el)
            if kind == "TextSource":
                sources.append(_read_source(el, el.get("name"), container, path, root, file,
                                            var_names))
            elif kind == "PDFSource" and _kid(el, "Representation") is not None:
                sources.append(_read_source(_kid(el, "Representation"), el.get("name"),
                                            container, path, root, file, var_names))
            elif kind:
                project.skipped[kind] = project.skipped.get(kind, 0) + 1
    finally:
        container.close()

    reading = _choose_reading(sources)
    project.offsets = READINGS[reading]
    names = [s.name for s in sources]
    documents = {
        s.guid: (s.name if names.count(s.name) == 1 else f"{s.name} ({s.guid})") for s in sources
    }
    owners = _case_owners(project.cases)

    def coder_of(user: str | None) -> str | None:
        return user_names.get(_key(user), _clean_guid(user)) if user else None

    source_rows, segment_rows, annotation_rows = [], [], []
    for src in sources:
        text = _normalise(src.raw)
        source_rows.append(
            {"guid": src.guid, "name": src.name, "text": text, "variables": src.variables}
        )
        mapper = _Mapper(src.raw, text)
        document = documents[src.guid]

        spans: list[tuple[_Selection, int, int]] = []
        for sel in src.selections:
            start, _ = mapper.map(sel.start, reading)
            end, _ = mapper.map(sel.end, reading)
            if start is None or end is None or end < start:
                raise InputError(
                    file,
                    f"selection {sel.guid} ({sel.start}-{sel.end}) lies outside source "
                    f"{src.guid} ({len(text)} characters)",
                )
            spans.append((sel, start, end))
        # codings of a whole source become one selection spanning its text
        whole = [(_Selection(_guid("whole", src.guid), None, 0, len(text), None, None, None,
                             src.whole), 0, len(text))] if src.whole else []
        for sel, start, end in spans + whole:
            respondent = owners.get(_key(sel.guid)) or owners.get(_key(src.guid))
            if not sel.codings:
                annotation_rows.append({
                    "selection_guid": sel.guid, "source_guid": src.guid, "document": document,
                    "start": start, "end": end, "text": text[start:end],
                    "description": sel.description, "coder": coder_of(sel.user),
                })
                continue
            for code_guid_, user, created in sel.codings:
                code_id = code_ids.get(_key(code_guid_))
                if code_id is None:
                    raise InputError(
                        file, f"coding in selection {sel.guid} refers to unknown code {code_guid_}"
                    )
                segment_rows.append({
                    "unit_id": f"{document}:{start}-{end}", "document": document,
                    "respondent_id": respondent, "speaker": None, "text": text[start:end],
                    "start": start, "end": end, "language": None, "code_id": code_id,
                    "coder": coder_of(user or sel.user),
                    "selection_guid": sel.guid, "source_guid": src.guid,
                    "code_guid": _clean_guid(code_guid_), "created_at": created or sel.created,
                })
    if source_rows:
        project.sources = pd.DataFrame(source_rows, columns=list(SOURCE_COLUMNS))
    if segment_rows:
        project.segments = _typed(pd.DataFrame(segment_rows, columns=list(SEGMENT_COLUMNS)))
    if annotation_rows:
        project.annotations = _typed(
            pd.DataFrame(annotation_rows, columns=list(ANNOTATION_COLUMNS))
        )
    return project


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        frame[column] = frame[column].astype("Int64" if column in ("start", "end") else "string")
    return frame


def _case_owners(cases: list[QdaCase]) -> dict[str, str]:
    """Selection or source GUID -> case name, for GUIDs that exactly one case claims."""
    claims: dict[str, set[str]] = {}
    for case in cases:
        for guid in [*case.sources, *case.selections]:
            claims.setdefault(_key(guid), set()).add(case.name)
    return {g: next(iter(names)) for g, names in claims.items() if len(names) == 1}


def _variable_values(el: Any, variables: Mapping[str, QdaVariable]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for vv in _kids(el, "VariableValue"):
        ref = _kid(vv, "VariableRef")
        guid = _clean_guid(ref.get("targetGUID")) if ref is not None else ""
        var = variables.get(_key(guid))
        name = var.name if var is not None else guid
        value: Any = None
        for child in vv:
            kind = _local(child)
            if kind == "VariableRef" or not kind:
                continue
            raw = (child.text or "").strip() if kind != "TextValue" else (child.text or "")
            if kind == "BooleanValue":
                value = raw.lower() in ("true", "1")
            elif kind == "IntegerValue":
                value = int(raw) if re.fullmatch(r"[+-]?\d+", raw) else raw
            elif kind == "FloatValue":
                try:
                    value = float(raw)
                except ValueError:
                    value = raw
            else:
                value = raw
        out[name] = value
    return out


def _read_source(
    el: Any, name: str | None, container: _Container, path: Path, root: Any, file: str,
    variables: Mapping[str, QdaVariable],
) -> _Source:
    guid = _clean_guid(el.get("guid"))
    raw = _source_text(el, guid, container, path, root, file)
    selections = []
    for sel in _kids(el, "PlainTextSelection"):
        try:
            start = int((sel.get("startPosition") or "").strip())
            end = int((sel.get("endPosition") or "").strip())
        except ValueError:
            raise InputError(
                file, f"selection {sel.get('guid')} has a non-integer start or end position"
            ) from None
        desc = _kid(sel, "Description")
        selections.append(
            _Selection(
                guid=_clean_guid(sel.get("guid")),
                name=sel.get("name"),
                start=start,
                end=end,
                user=sel.get("creatingUser"),
                created=sel.get("creationDateTime"),
                description=desc.text if desc is not None and desc.text else None,
                codings=_codings(sel),
            )
        )
    return _Source(
        guid=guid,
        name=name or el.get("name") or guid,
        raw=raw,
        variables=_variable_values(el, variables),
        selections=selections,
        whole=_codings(el),
    )


def _codings(el: Any) -> list[tuple[str, str | None, str | None]]:
    out = []
    for coding in _kids(el, "Coding"):
        ref = _kid(coding, "CodeRef")
        if ref is not None:
            out.append(
                (_clean_guid(ref.get("targetGUID")), coding.get("creatingUser"),
                 coding.get("creationDateTime"))
            )
    return out


def _source_text(el: Any, guid: str, container: _Container, path: Path, root: Any,
                 file: str) -> str:
    inline = _kid(el, "PlainTextContent")
    if inline is not None:
        return inline.text or ""
    for attr in ("plainTextPath", "richTextPath"):
        ref = el.get(attr)
        if not ref:
            continue
        data, where = _resolve(ref, container, path, root)
        if data is None:
            if attr == "plainTextPath":
                raise InputError(file, f"source {guid}: {attr} {where} not found")
            continue
        if where.lower().endswith(".docx"):
            from microcred.qual.transcripts import docx_paragraphs

            return "\n".join(docx_paragraphs(data, file=f"{path}!{where}"))
        if attr == "richTextPath" and not where.lower().endswith(".txt"):
            raise InputError(file, f"source {guid}: rich text {where} is not DOCX or TXT")
        return _decode(data, f"{path}!{where}")
    raise InputError(file, f"source {guid} has no PlainTextContent and no readable text path")


def _resolve(ref: str, container: _Container, path: Path, root: Any) -> tuple[bytes | None, str]:
    scheme, sep, rest = ref.partition("://")
    scheme = scheme.lower()
    if scheme == "internal" or not sep:
        member = container.find(rest if sep else ref)
        return (container.read(member), member) if member else (None, ref)
    if scheme in ("relative", "absolute"):
        base = Path(root.get("basePath") or "") if scheme == "relative" else Path("/")
        candidates = [base / rest, path.parent / base / rest, path.parent / rest]
        if scheme == "absolute":
            candidates = [Path(rest), Path("/" + rest)]
        for candidate in candidates:
            if candidate.is_file():
                return candidate.read_bytes(), str(candidate)
        return None, ref
    return None, ref


def _decode(data: bytes, where: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from microcred.ingest.encoding import guess_encoding

        codec = guess_encoding(data)
        if codec is None:
            raise InputError(where, "source text is neither UTF-8 nor a known encoding") from None
        return data.decode(codec)


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _Mapper:
    """Maps offsets under each reading of :data:`READINGS` to normalised code points."""

    def __init__(self, raw: str, norm: str):
        self.norm_len = len(norm)
        self.raw_len = len(raw)
        self.crlf = [m.start() for m in re.finditer("\r\n", raw)]
        self.crlf_set = {i + 1 for i in self.crlf}
        astral_raw = [i for i, ch in enumerate(raw) if ord(ch) > 0xFFFF]
        astral_norm = [i for i, ch in enumerate(norm) if ord(ch) > 0xFFFF]
        # UTF-16 position just after the high surrogate of the k-th astral character
        self.mid_raw = [a + k + 1 for k, a in enumerate(astral_raw)]
        self.mid_norm = [a + k + 1 for k, a in enumerate(astral_norm)]
        self.mid_raw_set, self.mid_norm_set = set(self.mid_raw), set(self.mid_norm)

    def _from_raw(self, p: int) -> tuple[int | None, bool]:
        if p < 0 or p > self.raw_len:
            return None, False
        return p - bisect.bisect_right(self.crlf, p - 1), p not in self.crlf_set

    def map(self, p: int, reading: int) -> tuple[int | None, bool]:
        """(normalised offset or None when out of range, clean boundary?)."""
        if reading == 0:
            return self._from_raw(p)
        if reading == 1:
            return (p, True) if 0 <= p <= self.norm_len else (None, False)
        mids, mid_set = (self.mid_raw, self.mid_raw_set) if reading == 2 else (
            self.mid_norm, self.mid_norm_set)
        cp = p - bisect.bisect_right(mids, p)
        clean = p not in mid_set
        if reading == 2:
            mapped, ok = self._from_raw(cp)
            return mapped, ok and clean
        return (cp, clean) if 0 <= cp <= self.norm_len else (None, False)


def _choose_reading(sources: list[_Source]) -> int:
    """Index in READINGS of the reading that fits the project's selections best."""
    name_scores = [0] * len(READINGS)
    boundary_scores = [0] * len(READINGS)
    any_name = False
    for src in sources:
        if not src.selections:
            continue
        norm = _normalise(src.raw)
        mapper = _Mapper(src.raw, norm)
        for reading in range(len(READINGS)):
            for sel in src.selections:
                start, ok_s = mapper.map(sel.start, reading)
                end, ok_e = mapper.map(sel.end, reading)
                if start is None or end is None or end < start:
                    boundary_scores[reading] -= 2
                    continue
                if sel.name:
                    any_name = True
                    quoted = _normalise(sel.name)
                    if norm[start:end] == quoted or norm[start:end].strip() == quoted.strip():
                        name_scores[reading] += 1
                boundary_scores[reading] += _clean(norm, start, ok_s) + _clean(norm, end, ok_e)
    scores = name_scores if any_name and max(name_scores) > 0 else boundary_scores
    best = max(scores)
    return scores.index(best)


def _clean(text: str, p: int, ok: bool) -> int:
    """1 when offset ``p`` does not split a word, a CRLF pair or a surrogate pair."""
    if not ok:
        return 0
    if p <= 0 or p >= len(text):
        return 1
    return int(not (text[p - 1].isalnum() and text[p].isalnum()))


# =========================================================================== writing


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join(str(p) for p in parts))).upper()


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text_or_none(value: Any) -> str | None:
    return None if _missing(value) else str(value)


def _variable_type(values: Iterable[Any]) -> str:
    present = [v for v in values if not _missing(v)]
    if not present:
        return "Text"
    if all(isinstance(v, bool) or type(v).__name__ == "bool_" for v in present):
        return "Boolean"
    numbers = [v for v in present if isinstance(v, int | float) or hasattr(v, "dtype")]
    if len(numbers) == len(present):
        if all(float(v).is_integer() for v in numbers):
            return "Integer"
        return "Float"
    return "Text"


def _value_element(var: QdaVariable, value: Any, ns: str) -> Any:
    from lxml import etree

    vv = etree.Element(f"{{{ns}}}VariableValue")
    etree.SubElement(vv, f"{{{ns}}}VariableRef", {"targetGUID": var.guid})
    kind = var.type if var.type in VARIABLE_TYPES else "Text"
    if kind == "Boolean":
        text = "true" if bool(value) else "false"
    elif kind == "Integer":
        text = str(int(value))
    elif kind == "Float":  # xs:decimal: no exponent
        text = format(Decimal(repr(float(value))), "f")
    else:
        kind = "Text" if kind not in ("Date", "DateTime") else kind
        text = _normalise(str(value))
    etree.SubElement(vv, f"{{{ns}}}{kind}Value").text = text
    return vv


def write_qdpx(
    project: QdaProject,
    path: str | Path,
    *,
    language: str = "en",
    newline: str = "\n",
    origin: str = "microcred",
    created_at: str | None = None,
) -> Path:
    """Write a REFI-QDA project (``.qdpx``) that NVivo, ATLAS.ti, MAXQDA and QualCoder open.

    Parameters
    ----------
    project : QdaProject
        What to write. ``sources`` needs ``name`` and ``text`` (``guid`` optional:
        a stable uuid5 of the name is used); ``segments`` needs ``start``, ``end``,
        ``code_id`` and either ``source_guid`` or ``document`` equal to a source name
        (``coder``, ``selection_guid``, ``created_at`` optional). Segments with the
        same selection (GUID, or source + span + coder) become one
        ``PlainTextSelection`` with one ``Coding`` per code.
    path : str or pathlib.Path
        The ``.qdpx`` to write (replaced if it exists).
    language : str, default "en"
        Which name of each code to write.
    newline : {"\\n", "\\r\\n"}, default "\\n"
        Line ending of the written ``.txt`` sources. With ``"\\r\\n"`` (what MAXQDA
        expects) offsets count CRLF as two characters, as the text file holds them.
    origin : str, default "microcred"
        The ``origin`` attribute.
    created_at : str, optional
        ISO 8601 UTC time used where a date is missing (default: now).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        When a segment refers to no source or code, or its span or text does not
        match its source's text.

    Notes
    -----
    The file holds ``project.qde`` (UTF-8, no BOM; children of ``Project``,
    ``Case``, ``TextSource``... in ``xsd:sequence`` order) and lowercase ``sources/``
    with one UTF-8 ``<guid>.txt`` per source, referenced by ``plainTextPath`` only
    (ATLAS.ti rejects a ``.txt`` given as ``richTextPath``). Offsets are code points.
    Every GUID microcred makes is a uuid5 of stable names, so writing the same
    project twice gives the same GUIDs.

    References
    ----------
    REFI-QDA Project.xsd, QDA-XML 1.0 (2019); interop pitfalls in
    ``shared/specs/survey-and-qda-formats.md``.
    """
    from lxml import etree

    if newline not in ("\n", "\r\n"):
        raise ValueError("newline must be '\\n' or '\\r\\n'")
    path = Path(path)
    ns = PROJECT_NS
    now = created_at or _now()
    out = str(path)

    def sub(parent: Any, tag: str, attrs: Mapping[str, str] | None = None) -> Any:
        return etree.SubElement(parent, f"{{{ns}}}{tag}", dict(attrs or {}))

    # ---- users
    users = {g: n for g, n in project.users.items()}
    user_guid = {n: g for g, n in users.items()}
    for frame in (project.segments, project.annotations):
        if "coder" in frame.columns:
            for coder in frame["coder"].dropna().unique():
                coder = str(coder)
                if coder not in user_guid and _key(coder) not in {_key(g) for g in users}:
                    guid = _guid("user", coder)
                    users[guid] = coder
                    user_guid[coder] = guid

    def user_of(coder: Any) -> str | None:
        if _missing(coder):
            return None
        coder = str(coder)
        if coder in user_guid:
            return user_guid[coder]
        return coder if _GUID.match(coder) else None

    root = etree.Element(
        f"{{{ns}}}Project",
        {"name": project.name, "origin": origin, "creationDateTime": now},
        nsmap={None: ns},
    )
    if users:
        users_el = sub(root, "Users")
        for guid, name in users.items():
            sub(users_el, "User", {"guid": guid, "name": name})

    # ---- codebook
    code_guids: dict[str, str] = {}
    if project.codebook is not None:
        codes_el = sub(sub(root, "CodeBook"), "Codes")
        codes_to_xml(project.codebook, codes_el, ns, language)
        code_guids = {c.id: code_guid(project.codebook.id, c) for c in project.codebook.walk()}

    # ---- sources (computed first: cases refer to their selections)
    sources = project.sources
    src_rows = []
    by_name: dict[str, str] = {}
    for row in sources.to_dict("records"):
        name = str(row.get("name"))
        guid = row.get("guid")
        guid = _clean_guid(str(guid)) if not _missing(guid) else _guid("source", project.name, name)
        text = _normalise(str(row.get("text") or ""))
        variables = row.get("variables") if isinstance(row.get("variables"), dict) else {}
        src_rows.append((guid, name, text, variables))
        by_name.setdefault(name, guid)
        by_name.setdefault(f"{name} ({guid})", guid)
    src_text = {_key(g): t for g, _, t, _ in src_rows}

    selections: dict[str, dict[str, Any]] = {}  # selection guid -> spec, per source order
    for kind, frame in (("coded", project.segments), ("note", project.annotations)):
        for i, row in enumerate(frame.to_dict("records")):
            source = row.get("source_guid")
            if _missing(source):
                source = by_name.get(str(row.get("document")))
            if source is None or _key(str(source)) not in src_text:
                raise InputError(out, f"segment {i + 1} refers to no source of the project")
            source = _clean_guid(str(source))
            text = src_text[_key(source)]
            start, end = row.get("start"), row.get("end")
            if _missing(start) or _missing(end) or not 0 <= int(start) <= int(end) <= len(text):
                raise InputError(out, f"segment {i + 1} has no valid span in source {source}")
            start, end = int(start), int(end)
            quoted = row.get("text")
            if not _missing(quoted) and _normalise(str(quoted)) != text[start:end]:
                raise InputError(out, f"segment {i + 1}: its text differs from the source span")
            sel_guid = row.get("selection_guid")
            if _missing(sel_guid):
                sel_guid = _guid("selection", source, start, end, row.get("coder"))
            sel_guid = _clean_guid(str(sel_guid))
            spec = selections.setdefault(sel_guid, {
                "source": source, "start": start, "end": end, "coder": row.get("coder"),
                "created": row.get("created_at"), "codes": [], "description": None,
            })
            if kind == "note":
                spec["description"] = row.get("description")
                continue
            code_id = str(row.get("code_id"))
            if code_id not in code_guids:
                raise InputError(out, f"segment {i + 1} refers to unknown code {code_id!r}")
            spec["codes"].append((code_guids[code_id], row.get("coder"), row.get("created_at")))

    # ---- variables
    declared = {v.name: v for v in project.variables}
    values_by_name: dict[str, list[Any]] = {}
    for case in project.cases:
        for name, value in case.variables.items():
            values_by_name.setdefault(name, []).append(value)
    for _, _, _, variables in src_rows:
        for name, value in variables.items():
            values_by_name.setdefault(name, []).append(value)
    variables_out = list(project.variables)
    for name, values in values_by_name.items():
        if name not in declared:
            var = QdaVariable(_guid("variable", project.name, name), name, _variable_type(values))
            declared[name] = var
            variables_out.append(var)
    if variables_out:
        vars_el = sub(root, "Variables")
        for var in variables_out:
            el = sub(vars_el, "Variable", {"guid": var.guid, "name": var.name,
                                           "typeOfVariable": var.type if var.type in
                                           VARIABLE_TYPES else "Text"})
            if var.description:
                sub(el, "Description").text = var.description

    def add_values(parent: Any, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            if not _missing(value):
                parent.append(_value_element(declared[name], value, ns))

    # ---- cases
    if project.cases:
        cases_el = sub(root, "Cases")
        for case in project.cases:
            el = sub(cases_el, "Case", {"guid": case.guid, "name": case.name})
            if case.description:
                sub(el, "Description").text = case.description
            for ref in case.codes:
                sub(el, "CodeRef", {"targetGUID": ref})
            add_values(el, case.variables)
            for ref in case.sources:
                sub(el, "SourceRef", {"targetGUID": ref})
            for ref in case.selections:
                sub(el, "SelectionRef", {"targetGUID": ref})

    # ---- sources
    files: list[tuple[str, bytes]] = []
    if src_rows:
        sources_el = sub(root, "Sources")
        per_source: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for sel_guid, spec in selections.items():
            per_source.setdefault(_key(spec["source"]), []).append((sel_guid, spec))
        for guid, name, text, variables in src_rows:
            stored = text.replace("\n", newline)
            to_file = _Offsets(text, newline)
            files.append((f"sources/{guid}.txt", stored.encode("utf-8")))
            el = sub(sources_el, "TextSource", {
                "guid": guid, "name": name, "plainTextPath": f"internal://{guid}.txt",
                "creationDateTime": now,
            })
            for sel_guid, spec in sorted(per_source.get(_key(guid), []),
                                         key=lambda item: (item[1]["start"], item[1]["end"])):
                attrs = {
                    "guid": sel_guid,
                    "name": stored[to_file(spec["start"]):to_file(spec["end"])],
                    "startPosition": str(to_file(spec["start"])),
                    "endPosition": str(to_file(spec["end"])),
                }
                creator = user_of(spec["coder"])
                if creator:
                    attrs["creatingUser"] = creator
                attrs["creationDateTime"] = (
                    str(spec["created"]) if not _missing(spec["created"]) else now
                )
                sel_el = sub(el, "PlainTextSelection", attrs)
                if not _missing(spec["description"]):
                    sub(sel_el, "Description").text = str(spec["description"])
                for target, coder, created in spec["codes"]:
                    c_attrs = {"guid": _guid("coding", sel_guid, target, coder)}
                    if user_of(coder):
                        c_attrs["creatingUser"] = str(user_of(coder))
                    c_attrs["creationDateTime"] = str(created) if not _missing(created) else now
                    coding = sub(sel_el, "Coding", c_attrs)
                    sub(coding, "CodeRef", {"targetGUID": target})
            add_values(el, variables)

    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", xml)
        for name, data in files:
            zf.writestr(name, data)
    tmp.replace(path)
    return path


class _Offsets:
    """Code-point offset in ``\\n`` text -> offset in the text as written with ``newline``."""

    def __init__(self, text: str, newline: str):
        self.extra = len(newline) - 1
        self.newlines = [m.start() for m in re.finditer("\n", text)] if self.extra else []

    def __call__(self, p: int) -> int:
        return p + self.extra * bisect.bisect_left(self.newlines, p) if self.extra else p


# =========================================================================== building


def case_variables(answers: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Each respondent's answers as case variables (one variable per item).

    Parameters
    ----------
    answers : pandas.DataFrame
        Long answers (:data:`microcred.ingest.answers.ANSWER_COLUMNS`).

    Returns
    -------
    dict of str to dict of str to object
        respondent id -> {item id: value}. A single row with a numeric ``value``
        (Likert, rating, numeric items) gives that number (an ``int`` when whole);
        chosen options give their ids (several joined by ``"; "``); free text gives the
        text. Rows marked ``missing`` are left out.
    """
    import pandas as pd

    out: dict[str, dict[str, Any]] = {}
    usable = answers
    if "missing" in answers.columns:
        usable = answers[answers["missing"].isna()]
    for (respondent, item), group in usable.groupby(["respondent_id", "item_id"], sort=False):
        value: Any = None
        values = group["value"].dropna() if "value" in group.columns else pd.Series([])
        options = group["option_id"].dropna() if "option_id" in group.columns else pd.Series([])
        texts = group["text"].dropna() if "text" in group.columns else pd.Series([])
        if len(group) == 1 and len(values) == 1:
            number = float(values.iloc[0])
            value = int(number) if number.is_integer() else number
        elif len(options):
            value = "; ".join(str(o) for o in options)
            if len(texts):
                value += "; " + "; ".join(str(t) for t in texts)
        elif len(texts):
            value = "\n".join(str(t) for t in texts)
        if value is not None:
            out.setdefault(str(respondent), {})[str(item)] = value
    return out


def project_from_units(
    name: str,
    units: pd.DataFrame,
    codings: pd.DataFrame | None = None,
    *,
    codebook: Codebook | None = None,
    documents: Mapping[str, str] | None = None,
    answers: pd.DataFrame | None = None,
    include_machine: bool = False,
) -> QdaProject:
    """Assemble a :class:`QdaProject` from units, codings and survey answers, for export.

    Parameters
    ----------
    name : str
        Project name.
    units : pandas.DataFrame
        :data:`~microcred.qual.units.UNIT_COLUMNS` (survey answers and/or transcript
        turns).
    codings : pandas.DataFrame, optional
        :data:`~microcred.qual.units.CODING_COLUMNS`. Rows with ``present == 1`` are
        exported; machine codings only when confirmed by a human, or all of them with
        ``include_machine=True``.
    codebook : Codebook, optional
        The codebook (required when ``codings`` is given).
    documents : dict of str to str, optional
        Document -> full plain text, for documents whose units carry offsets
        (transcripts: ``read_transcript(...).attrs["document_text"]``). Other
        documents (survey items) are composed from their units' texts, one answer per
        paragraph (separated by a blank line).
    answers : pandas.DataFrame, optional
        Long answers: every respondent becomes a Case whose VariableValues are their
        answers (see :func:`case_variables`).

    Returns
    -------
    QdaProject
        Sources (one per document), segments, and one Case per respondent (from
        ``answers`` and from the units' ``respondent_id``) referring to the selections
        of their units.

    Raises
    ------
    InputError
        When a coding refers to a unit or code that does not exist.
    """
    import pandas as pd

    documents = dict(documents or {})
    unit_span: dict[str, tuple[str, int, int, str | None]] = {}
    source_rows = []
    for document, group in units.groupby("document", sort=False):
        document = str(document)
        if document in documents:
            text = _normalise(documents[document])
            for row in group.itertuples(index=False):
                if _missing(row.start) or _missing(row.end):
                    raise InputError("units", f"unit {row.unit_id} has no offsets in {document}")
                unit_span[str(row.unit_id)] = (document, int(row.start), int(row.end),
                                               _text_or_none(row.respondent_id))
        else:
            parts, offset = [], 0
            for row in group.itertuples(index=False):
                piece = _normalise(str(row.text))
                parts.append(piece)
                unit_span[str(row.unit_id)] = (document, offset, offset + len(piece),
                                               _text_or_none(row.respondent_id))
                offset += len(piece) + 2
            text = "\n\n".join(parts)
        source_rows.append({"guid": _guid("source", name, document), "name": document,
                            "text": text, "variables": {}})
    sources = pd.DataFrame(source_rows, columns=list(SOURCE_COLUMNS))
    texts: dict[str, str] = {str(r["name"]): str(r["text"]) for r in source_rows}

    segment_rows = []
    if codings is not None and len(codings):
        if codebook is None:
            raise InputError("codings", "a codebook is needed to export codings")
        known = {c.id for c in codebook.walk()}
        chosen = codings[codings["present"].astype(int) == 1]
        if not include_machine:
            chosen = chosen[(chosen["origin"] == "human") | (chosen["status"] == "confirmed")]
        for row in chosen.itertuples(index=False):
            span = unit_span.get(str(row.unit_id))
            if span is None:
                raise InputError("codings", f"coding refers to unknown unit {row.unit_id}")
            if str(row.code_id) not in known:
                raise InputError("codings", f"coding refers to unknown code {row.code_id}")
            document, start, end, respondent = span
            segment_rows.append({
                "unit_id": str(row.unit_id), "document": document,
                "respondent_id": respondent, "speaker": None,
                "text": texts[document][start:end], "start": start, "end": end,
                "language": None, "code_id": str(row.code_id), "coder": str(row.coder),
                "selection_guid": _guid("selection", name, row.unit_id, row.coder),
                "source_guid": _guid("source", name, document), "code_guid": None,
                "created_at": None if _missing(row.created_at) else str(row.created_at),
            })
    segments = pd.DataFrame(segment_rows, columns=list(SEGMENT_COLUMNS))

    variables = case_variables(answers) if answers is not None else {}
    respondents = list(variables)
    for respondent in units["respondent_id"].dropna().astype(str):
        if respondent not in variables:
            variables[respondent] = {}
            respondents.append(respondent)
    selections_of: dict[str, list[str]] = {}
    for row in segment_rows:
        if row["respondent_id"] is not None:
            refs = selections_of.setdefault(str(row["respondent_id"]), [])
            if row["selection_guid"] not in refs:
                refs.append(str(row["selection_guid"]))
    cases = [
        QdaCase(guid=_guid("case", name, r), name=r, variables=variables[r],
                selections=selections_of.get(r, []))
        for r in respondents
    ]
    return QdaProject(
        name=name, codebook=codebook, sources=sources, segments=segments, cases=cases,
        origin="microcred",
    )


# =========================================================================== checking


def check_qdpx(path: str | Path) -> list[str]:
    """Structural problems of a ``.qdpx`` (empty list when none).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.qdpx`` file.

    Returns
    -------
    list of str
        Problems found: no or several ``.qde``, a BOM, a root other than ``Project``
        in ``urn:QDA-XML:project:1.0``, children out of ``xsd:sequence`` order (for
        ``Project``, ``Code``, ``Case``, ``TextSource``, ``PlainTextSelection``,
        ``Coding``), missing required attributes, malformed GUIDs, a source with both
        or neither of ``PlainTextContent``/``plainTextPath``, an ``internal://`` file
        that is missing, a source folder not named ``sources/``.

    Notes
    -----
    A structural check against the rules of Project.xsd (QDA-XML 1.0) that matter to
    importers, not a full XML Schema validation.
    """
    from lxml import etree

    problems: list[str] = []
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        qdes = [n for n in names if n.lower().endswith(".qde")]
        if qdes != ["project.qde"]:
            problems.append(f"expected one project.qde, found {qdes}")
            if not qdes:
                return problems
        data = zf.read(qdes[0])
        if data.startswith(b"\xef\xbb\xbf"):
            problems.append("project.qde starts with a BOM")
        for n in names:
            if n != qdes[0] and not n.startswith("sources/"):
                problems.append(f"{n}: not under sources/")
        root = etree.fromstring(data.removeprefix(b"\xef\xbb\xbf"))
        if root.tag != f"{{{PROJECT_NS}}}Project":
            problems.append(f"root is {root.tag}, expected {{{PROJECT_NS}}}Project")
        if not root.get("name"):
            problems.append("Project lacks the required name attribute")
        required = {
            "User": ["guid"], "Code": ["guid", "name", "isCodable"],
            "Variable": ["guid", "name", "typeOfVariable"], "Case": ["guid"],
            "TextSource": ["guid"], "PlainTextSelection": ["guid", "startPosition", "endPosition"],
            "Coding": ["guid"], "CodeRef": ["targetGUID"], "VariableRef": ["targetGUID"],
            "SourceRef": ["targetGUID"], "SelectionRef": ["targetGUID"],
        }
        for el in root.iter():
            local = _local(el)
            if not local:
                continue
            if isinstance(el.tag, str) and not el.tag.startswith(f"{{{PROJECT_NS}}}"):
                problems.append(f"<{local}> outside the project namespace")
            for attr in required.get(local, []):
                if el.get(attr) is None:
                    problems.append(f"<{local}> lacks required attribute {attr}")
            for attr in ("guid", "targetGUID", "creatingUser"):
                value = el.get(attr)
                if value is not None and not _GUID.match(value):
                    problems.append(f"<{local}> {attr}={value!r} is not a GUID")
            order = _ORDER.get(local)
            if order is not None:
                ranks = [order.index(_local(c)) if _local(c) in order else -1 for c in el
                         if _local(c)]
                if -1 in ranks:
                    problems.append(f"<{local}> has an unexpected child")
                if ranks != sorted(ranks):
                    problems.append(f"<{local}> children out of xsd:sequence order")
            if local == "TextSource":
                inline = _kid(el, "PlainTextContent") is not None
                has_path = el.get("plainTextPath") is not None
                if inline == has_path:
                    problems.append(
                        "TextSource needs exactly one of PlainTextContent/plainTextPath"
                    )
                ref = el.get("plainTextPath") or ""
                if ref.startswith("internal://") and f"sources/{ref[11:]}" not in names:
                    problems.append(f"{ref} is not in the archive")
            if local == "PlainTextSelection":
                for attr in ("startPosition", "endPosition"):
                    if not re.fullmatch(r"\d+", el.get(attr) or ""):
                        problems.append(f"<PlainTextSelection> {attr} is not an integer")
            if local == "Variable" and el.get("typeOfVariable") not in VARIABLE_TYPES:
                problems.append(f"<Variable> typeOfVariable={el.get('typeOfVariable')!r}")
    return problems

