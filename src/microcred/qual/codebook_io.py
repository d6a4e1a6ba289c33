"""Codebook files: the YAML codebook and REFI-QDA codebooks (``.qdc``).

The YAML file is the :class:`~microcred.qual.codebook.Codebook` model written out::

    id: motivations
    name: Why learners take micro-credentials
    languages: [en, es, ca]
    codes:
      - id: motivation
        name: {en: Motivation, es: Motivación, ca: Motivació}
        codable: false
        children:
          - id: career
            name: {en: Career, es: Carrera}
            definition: The learner wants to change or advance their job.
            include: [promotion, new job]
            exclude: [general curiosity]
            examples: ["I need it to get promoted"]
            construct: motivation
            option: career
            color: "#3366CC"

A REFI-QDA codebook holds one name per code, a ``Description`` (the definition),
``isCodable`` and ``color``; ``.qdc`` export and import therefore keep the tree, one
name, the definition, codability, colour and GUID. Code GUIDs are stable: a code
without one is given ``uuid5(NAMESPACE, "<codebook id>/<code id>")``.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from microcred.errors import InputError, StudyFileError
from microcred.qual.codebook import Code, Codebook
from microcred.yamlfile import (
    Problem,
    field_path,
    line_of,
    plain,
    read_mapping,
    validation_problems,
)

if TYPE_CHECKING:
    from lxml import etree

__all__ = [
    "CODEBOOK_NS",
    "GUID_NAMESPACE",
    "code_guid",
    "codes_from_xml",
    "codes_to_xml",
    "dump_codebook",
    "load_codebook",
    "read_qdc",
    "slug",
    "write_qdc",
]

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
"""Namespace of a REFI-QDA codebook (QDA-XML 1.0, Codebook.xsd)."""

GUID_NAMESPACE = uuid.UUID("5b1e6a0c-3f0e-5d7a-9a59-6d6963726f63")
"""uuid5 namespace of every GUID microcred derives (codes, sources, selections...)."""

_COLOR = re.compile(r"^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")


# --------------------------------------------------------------------------- YAML


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a YAML codebook.

    Parameters
    ----------
    path : str or pathlib.Path
        The YAML codebook (layout in the module docstring).

    Returns
    -------
    Codebook
        The validated codebook.

    Raises
    ------
    StudyFileError
        When the file is missing, is not YAML or breaks the schema. Every problem is
        listed with its 1-based YAML line and dotted field (``codes[0].children[1].color``),
        including duplicate code ids (each repeat at its own line) and unknown fields.

    Notes
    -----
    Errors are reported the way :func:`microcred.study.load` reports them (shared
    helpers in :mod:`microcred.yamlfile`).
    """
    path = Path(path)
    tree = read_mapping(path)
    duplicates = _duplicate_ids(tree)
    try:
        codebook = Codebook.model_validate(plain(tree))
    except ValidationError as exc:
        problems = validation_problems(tree, exc)
        if duplicates:  # located copies replace the model's unlocated message
            problems = [p for p in problems if "duplicate code ids" not in p[2]]
        raise StudyFileError(str(path), duplicates + problems) from None
    return codebook


def _duplicate_ids(tree: Any) -> list[Problem]:
    """Every repeated code id in the YAML tree, at the line of each repeat."""
    seen: dict[str, str] = {}
    problems: list[Problem] = []

    def visit(codes: Any, prefix: tuple[int | str, ...]) -> None:
        if not isinstance(codes, list):
            return
        for i, code in enumerate(codes):
            if not isinstance(code, dict):
                continue
            loc = (*prefix, i)
            code_id = code.get("id")
            if isinstance(code_id, str):
                field = field_path((*loc, "id"))
                if code_id in seen:
                    problems.append(
                        (line_of(tree, (*loc, "id")), field,
                         f"duplicate code id {code_id!r} (first at {seen[code_id]})")
                    )
                else:
                    seen[code_id] = field
            visit(code.get("children"), (*loc, "children"))

    visit(tree.get("codes"), ("codes",))
    return problems


def dump_codebook(codebook: Codebook, path: str | Path) -> Path:
    """Write a codebook as YAML that :func:`load_codebook` reads back unchanged.

    Parameters
    ----------
    codebook : Codebook
        The codebook.
    path : str or pathlib.Path
        Where to write (UTF-8, no BOM). Parent folders must exist.

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Fields left at their default are omitted; a name given for every language
    (``{"*": ...}``) is written as a plain string.
    """
    from ruamel.yaml import YAML

    path = Path(path)
    data: dict[str, Any] = {
        "id": codebook.id,
        "name": codebook.name,
        "languages": list(codebook.languages),
        "codes": [_code_to_yaml(c) for c in codebook.codes],
    }
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        yaml.dump(data, fh)
    return path


def _code_to_yaml(code: Code) -> dict[str, Any]:
    out: dict[str, Any] = {"id": code.id}
    out["name"] = code.name["*"] if set(code.name) == {"*"} else dict(code.name)
    dumped = code.model_dump(exclude_defaults=True, exclude={"id", "name", "children"})
    for key in ("definition", "include", "exclude", "examples", "construct", "option",
                "color", "codable", "guid"):
        if key in dumped:
            out[key] = dumped[key]
    if code.children:
        out["children"] = [_code_to_yaml(c) for c in code.children]
    return out


# --------------------------------------------------------------------------- REFI-QDA


def code_guid(codebook_id: str, code: Code) -> str:
    """The code's REFI-QDA GUID: its own, or a stable uuid5 of codebook and code id.

    Parameters
    ----------
    codebook_id : str
        The codebook's id.
    code : Code
        The code.

    Returns
    -------
    str
        A GUID in upper case (the form Taguette and the REFI examples write).

    References
    ----------
    RFC 4122, section 4.3 (name-based UUIDs); QDA-XML 1.0 ``GUIDType``.
    """
    if code.guid:
        return code.guid
    return str(uuid.uuid5(GUID_NAMESPACE, f"code:{codebook_id}/{code.id}")).upper()


def slug(name: str, taken: set[str] | None = None) -> str:
    """A code id (``[A-Za-z_][A-Za-z0-9_-]*``, at most 64 chars) made from a code name.

    Parameters
    ----------
    name : str
        A display name in any script (``"1. Oltás típusa"``).
    taken : set of str, optional
        Ids already used: a suffix ``_2``, ``_3``... keeps the result unique; the
        result is added to the set.

    Returns
    -------
    str
        ASCII id (accents folded, other characters replaced by ``_``), lower case.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9]+", "_", folded).strip("_").lower() or "code"
    if not re.match(r"[A-Za-z_]", base):
        base = "c_" + base
    base = base[:56]
    out, n = base, 1
    while taken is not None and out in taken:
        n += 1
        out = f"{base}_{n}"
    if taken is not None:
        taken.add(out)
    return out


def codes_to_xml(
    codebook: Codebook, parent: etree._Element, namespace: str, language: str = "en"
) -> None:
    """Append the code tree as ``<Code>`` elements (QDA-XML ``CodeType``) to ``parent``.

    Parameters
    ----------
    codebook : Codebook
        The codebook.
    parent : lxml.etree._Element
        The ``<Codes>`` element (or a ``<Code>``).
    namespace : str
        The namespace of the document (codebook or project).
    language : str, default "en"
        The language whose name each code gets (REFI-QDA holds one name).

    Notes
    -----
    Child order follows ``CodeType``: ``Description``, then nested ``Code`` elements.
    """
    from lxml import etree

    def add(code: Code, into: etree._Element) -> None:
        attrs = {
            "guid": code_guid(codebook.id, code),
            "name": code.label(language),
            "isCodable": "true" if code.codable else "false",
        }
        if code.color:
            attrs["color"] = _color6(code.color)
        el = etree.SubElement(into, f"{{{namespace}}}Code", attrs)
        if code.definition:
            etree.SubElement(el, f"{{{namespace}}}Description").text = code.definition
        for child in code.children:
            add(child, el)

    for code in codebook.codes:
        add(code, parent)


def _color6(color: str) -> str:
    """``#abc`` -> ``#AABBCC`` (both are valid RGBType; six digits read everywhere)."""
    digits = color[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits.upper()


def _local(el: etree._Element) -> str:
    from lxml import etree

    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def codes_from_xml(
    codes_el: etree._Element,
    *,
    taken: set[str] | None = None,
    reference: Codebook | None = None,
) -> list[Code]:
    """The code tree under a QDA-XML ``<Codes>`` element (any namespace version).

    Parameters
    ----------
    codes_el : lxml.etree._Element
        ``<Codes>`` (from a ``.qdc`` or a ``project.qde``).
    taken : set of str, optional
        Code ids already used (ids made from names are kept unique against it).
    reference : Codebook, optional
        A codebook whose codes keep their ids when their GUID (own or derived with
        :func:`code_guid`) matches, so an exported codebook re-imports with its ids.

    Returns
    -------
    list of Code
        Top-level codes with nested children; each code keeps its GUID; a colour that
        is not ``#RGB``/``#RRGGBB`` is dropped.
    """
    taken = set() if taken is None else taken
    known: dict[str, str] = {}
    if reference is not None:
        for ref_code in reference.walk():
            known[code_guid(reference.id, ref_code).strip("{}").lower()] = ref_code.id
            if ref_code.guid:
                known[ref_code.guid.strip("{}").lower()] = ref_code.id

    def build(el: etree._Element) -> Code:
        guid = (el.get("guid") or "").strip("{}")
        name = el.get("name") or guid or "code"
        code_id = known.get(guid.lower())
        if code_id is None or code_id in taken:
            code_id = slug(name, taken)
        else:
            taken.add(code_id)
        descriptions = _children(el, "Description")
        definition = (descriptions[0].text or "").strip() if descriptions else ""
        color = el.get("color")
        return Code(
            id=code_id,
            name={"*": name},
            definition=definition or None,
            color=color if color and _COLOR.match(color) else None,
            codable=(el.get("isCodable", "true").strip().lower() in ("true", "1")),
            guid=guid or None,
            children=[build(c) for c in _children(el, "Code")],
        )

    return [build(c) for c in _children(codes_el, "Code")]


def read_qdc(path: str | Path, reference: Codebook | None = None) -> Codebook:
    """Read a REFI-QDA codebook (``.qdc``, QDA-XML codebook 1.0).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.qdc`` file.
    reference : Codebook, optional
        See :func:`codes_from_xml`: codes whose GUID matches keep the reference's id.

    Returns
    -------
    Codebook
        ``id`` and ``name`` from the file name; each code's single name is stored for
        every language (``{"*": name}``), ``Description`` as its definition.

    Raises
    ------
    InputError
        When the file is missing, is not XML, its root is not ``CodeBook`` or it holds
        no code.

    References
    ----------
    REFI-QDA Codebook.xsd (QDA-XML 1.0, 2019). Elements are matched on their local
    name, so the older ``0.4`` namespace reads too.
    """
    path = Path(path)
    root = parse_xml(path.read_bytes() if path.exists() else None, str(path))
    if _local(root) != "CodeBook":
        raise InputError(str(path), f"root element is <{_local(root)}>, expected <CodeBook>")
    codes_els = _children(root, "Codes")
    if not codes_els or not _children(codes_els[0], "Code"):
        raise InputError(str(path), "the codebook holds no <Code>")
    codes = codes_from_xml(codes_els[0], reference=reference)
    return Codebook(
        id=reference.id if reference is not None else slug(path.stem),
        name=reference.name if reference is not None else path.stem,
        languages=list(reference.languages) if reference is not None else ["en"],
        codes=codes,
    )


def write_qdc(
    codebook: Codebook, path: str | Path, language: str = "en", origin: str = "microcred"
) -> Path:
    """Write a REFI-QDA codebook (``.qdc``).

    Parameters
    ----------
    codebook : Codebook
        The codebook.
    path : str or pathlib.Path
        The output file (UTF-8, no BOM).
    language : str, default "en"
        Which name of each code to write.
    origin : str, default "microcred"
        The ``origin`` attribute (the tool that wrote the file).

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Inclusion/exclusion criteria, examples, constructs and other languages have no
    place in QDA-XML and are not written; keep the YAML codebook as the master copy.

    References
    ----------
    REFI-QDA Codebook.xsd (QDA-XML 1.0, 2019): ``CodeBook`` > ``Codes`` > ``Code``
    (``guid``, ``name``, ``isCodable`` required; ``color`` optional).
    """
    from lxml import etree

    path = Path(path)
    root = etree.Element(
        f"{{{CODEBOOK_NS}}}CodeBook", {"origin": origin}, nsmap={None: CODEBOOK_NS}
    )
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    codes_to_xml(codebook, codes, CODEBOOK_NS, language)
    path.write_bytes(
        etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    )
    return path


def parse_xml(data: bytes | None, file: str) -> etree._Element:
    """Parse XML safely (no network, no external entities), or raise InputError.

    Parameters
    ----------
    data : bytes or None
        The document; ``None`` means the file does not exist.
    file : str
        The file name used in error messages.

    Returns
    -------
    lxml.etree._Element
        The root element.

    Raises
    ------
    InputError
        When ``data`` is None or not well-formed XML (with the line of the error).
    """
    from lxml import etree

    if data is None:
        raise InputError(file, "no such file")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False
    )
    try:
        return etree.fromstring(data.removeprefix(b"\xef\xbb\xbf"), parser)
    except etree.XMLSyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        raise InputError(file, f"not well-formed XML{where}: {exc.msg}") from None

