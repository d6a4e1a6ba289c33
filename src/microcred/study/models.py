"""The study file as pydantic models: the instrument, its sources, constructs and segments.

A study file declares *what was asked* (items with their options in every language),
*where the answers are* (one or more survey exports) and *how to read them*
(constructs that group items, segments of respondents, comparisons to test).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]
"""An id usable as a file name, a JSON key and a column name."""

def _for_every_language(value: object) -> object:
    return {"*": value} if isinstance(value, str) else value


Labels = Annotated[dict[str, str], BeforeValidator(_for_every_language)]
"""Text per language, keyed by ISO 639-1 code: ``{"en": "Personal interest", "es": ...}``;
a plain string is the text for every language (key ``"*"``)."""

ItemType = Literal[
    "single_choice", "multi_choice", "likert", "rating", "ordinal", "numeric", "open_text"
]
SourceFormat = Literal[
    "auto", "csv", "tsv", "xlsx", "sav", "google-forms", "limesurvey", "qualtrics"
]
CHOICE_TYPES = frozenset({"single_choice", "multi_choice", "likert", "rating", "ordinal"})
SCORED_TYPES = frozenset({"likert", "rating", "ordinal", "numeric"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class StudyInfo(_Model):
    """Study metadata shown on the report's title page."""

    id: Identifier
    title: str
    institution: str | None = None
    description: str | None = None
    languages: list[str] = Field(default_factory=lambda: ["en"])
    citation: str | None = None
    licence: str | None = None


class Source(_Model):
    """One survey export.

    ``path`` is relative to the study file. ``language`` selects which label of every
    option and which column name (when an item gives one per language) apply.
    ``include_unfinished`` keeps responses that the platform marks as not finished
    (Qualtrics ``Finished=0``, LimeSurvey without ``submitdate``).
    """

    id: Identifier
    path: str
    format: SourceFormat = "auto"
    language: str = "en"
    sheet: str | int | None = None
    encoding: str = "auto"
    delimiter: str = "auto"
    include_unfinished: bool = False

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if value != "auto" and len(value) != 1:
            raise ValueError("delimiter must be one character (use \\t for tab) or 'auto'")
        return value


class RespondentId(_Model):
    """Where the respondent id comes from: a column, or generated as ``<source>-<row>``."""

    column: str | dict[str, str] | None = None


class Option(_Model):
    """One answer option.

    ``id`` is canonical across languages; ``labels`` holds the text exports show in each
    language (a string is taken as the label in every language); ``aliases`` lists
    other spellings seen in exports; ``code`` is the code exports write instead of the
    label (SPSS value, LimeSurvey answer code, Qualtrics recode); ``value`` is the score
    of the option on a Likert, rating or ordinal scale; ``column`` is the column of this
    option when a multiple-choice question is exported one column per option;
    ``range`` is the interval the option stands for in its construct's ``unit``
    (e.g. ``[8, 13]`` weeks for "2-3 months"), used by the design brief and catalogue fit.
    """

    id: Identifier
    labels: Labels = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    code: str | int | float | None = None
    value: float | None = None
    column: str | None = None
    range: tuple[float, float] | None = None

    @field_validator("range")
    @classmethod
    def _ordered_range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and value[0] > value[1]:
            raise ValueError("range must be [low, high] with low <= high")
        return value

    def label(self, language: str) -> str:
        """The label in ``language``; else English, then any label, then the id."""
        for key in (language, "*", "en"):
            if key in self.labels:
                return self.labels[key]
        return next(iter(self.labels.values()), self.id)

    def all_labels(self) -> list[str]:
        """Every spelling this option can take in any language."""
        return [*self.labels.values(), *self.aliases]


class Other(_Model):
    """How free text given for an 'Other' option is kept.

    With ``allowed`` an answer that matches no option is kept as ``other`` text (never
    dropped); ``column`` names a separate column holding that text (Qualtrics
    ``Q1_4_TEXT``, LimeSurvey ``Q1[other]``). An option may carry the id ``option``
    itself (e.g. Qualtrics code 4 = "Other"): the text then attaches to it.
    """

    allowed: bool = False
    option: Identifier = "other"
    column: str | dict[str, str] | None = None
    labels: Labels = Field(default_factory=lambda: {"en": "Other", "es": "Otro", "ca": "Altre"})


class Scale(_Model):
    """A numeric scale with labelled anchors (1 = Disagree completely ... 5 = Agree completely)."""

    min: float
    max: float
    anchors: dict[float, Labels] = Field(default_factory=dict)
    top_box: int = 2

    @field_validator("anchors", mode="before")
    @classmethod
    def _anchor_labels(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: ({"*": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if self.min >= self.max:
            raise ValueError("scale.min must be lower than scale.max")
        return self


class Item(_Model):
    """One question, or one row of a grid question.

    ``column`` is the exact header, the export's short code (``Q2_1``, ``Q1[SQ001]``)
    or a mapping language -> header; ``column_pattern`` is a regular expression matched
    against headers instead; ``occurrence`` picks the n-th column when a header is
    repeated (Google Forms gives duplicate titles duplicate headers); it may also be a
    mapping language -> n when only one language's export repeats the header.
    """

    id: Identifier
    type: ItemType
    text: Labels = Field(default_factory=dict)
    column: str | dict[str, str] | None = None
    column_pattern: str | None = None
    occurrence: int | dict[str, int] = 1
    options: list[Option] = Field(default_factory=list)
    other: Other = Field(default_factory=Other)
    scale: Scale | None = None
    separator: str = ", "
    construct_id: Identifier | None = Field(default=None, alias="construct")
    min: float | None = None
    max: float | None = None
    required: bool = True

    @field_validator("column_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        occurrences = (
            [self.occurrence] if isinstance(self.occurrence, int) else self.occurrence.values()
        )
        if any(n < 1 for n in occurrences):
            raise ValueError("occurrence counts from 1")
        has_option_columns = any(o.column for o in self.options)
        if self.column is None and self.column_pattern is None and not has_option_columns:
            raise ValueError("give column, column_pattern, or a column for every option")
        if self.type in {"single_choice", "multi_choice"} and not self.options:
            raise ValueError(f"a {self.type} item needs options")
        if self.type in {"likert", "rating"} and not self.options and self.scale is None:
            raise ValueError(f"a {self.type} item needs options or a scale")
        if self.type == "ordinal" and not self.options:
            raise ValueError("an ordinal item needs its options in order")
        ids = [o.id for o in self.options]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate option ids: {', '.join(duplicates)}")
        return self

    def occurrence_in(self, language: str) -> int:
        """Which repeat of the header to use in a source of ``language`` (1-based)."""
        if isinstance(self.occurrence, int):
            return self.occurrence
        return self.occurrence.get(language, 1)

    def label(self, language: str = "en") -> str:
        """Question text in ``language`` (falls back to English, any text, then the id)."""
        for key in (language, "*", "en"):
            if key in self.text:
                return self.text[key]
        return next(iter(self.text.values()), self.id)

    def scored_options(self) -> list[Option]:
        """Options with their scale value: explicit ``value``, else the 1-based position."""
        return [
            o if o.value is not None else o.model_copy(update={"value": float(i + 1)})
            for i, o in enumerate(self.options)
        ]

    def effective_options(self) -> list[Option]:
        """The options, generated from the scale (one per integer point) when none are listed."""
        if self.options:
            return list(self.options)
        if self.scale is None:
            return []
        points = range(int(self.scale.min), int(self.scale.max) + 1)
        return [
            Option(
                id=f"v{p}",
                labels=self.scale.anchors.get(float(p), {"*": str(p)}),
                aliases=[str(p)],
                code=p,
                value=float(p),
            )
            for p in points
        ]


class Construct(_Model):
    """A concept measured by one or more items (motivation, duration, weekly_hours, ...).

    ``unit`` names what option ``range`` values measure (``weeks``, ``hours_per_week``).
    """

    id: Identifier
    label: Labels = Field(default_factory=dict)
    description: str | None = None
    items: list[Identifier] = Field(default_factory=list)
    unit: str | None = None


class Condition(_Model):
    """Respondents whose answer to ``item`` is one of ``options`` or lies in [min, max]."""

    item: Identifier
    options: list[Identifier] | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _something(self) -> Condition:
        if self.options is None and self.min is None and self.max is None:
            raise ValueError("a condition needs options, min or max")
        return self


class Segment(_Model):
    """A named group of respondents, e.g. ``career_motivated``; all conditions must hold."""

    id: Identifier
    label: Labels = Field(default_factory=dict)
    where: list[Condition]

    @field_validator("where", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        conditions = [value] if isinstance(value, dict) else value
        if isinstance(conditions, list) and any(
            isinstance(c, dict) and "code" in c for c in conditions
        ):
            raise ValueError(
                "a condition on a code belongs in code_segments: (segments are formed "
                "before the free text is coded)"
            )
        return conditions


class CodeCondition(_Model):
    """Respondents whose coded free text carries ``code`` (a code of the study's codebook).

    A respondent carries a code when at least one of their coded units (open answers,
    transcript turns linked to them) does; see
    :func:`microcred.integrate.quantitize.quantitize`.
    """

    code: Identifier


class CodeSegment(_Model):
    """A segment defined by qualitative codes, e.g. learners who name the community.

    ``where`` holds code conditions (``{code: community}``) and, optionally, item
    conditions as in :class:`Segment`; all must hold. ``compare`` lists the items to
    compare between the segment and everyone else (one Holm family, as a comparison
    ``by`` the segment). Code segments exist only once the free text is coded, after
    the survey tables, so they are kept apart from ``segments``; their sizes and
    comparisons are added to the run's segment and comparison tables.
    """

    id: Identifier
    label: Labels = Field(default_factory=dict)
    where: list[CodeCondition | Condition]
    compare: list[Identifier] = Field(default_factory=list)

    @field_validator("where", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _has_a_code(self) -> CodeSegment:
        if not any(isinstance(c, CodeCondition) for c in self.where):
            raise ValueError("a code segment needs a condition {code: <code id>}")
        return self

    def codes(self) -> list[str]:
        """The code ids its conditions name."""
        return [c.code for c in self.where if isinstance(c, CodeCondition)]


class Comparison(_Model):
    """Compare the answers to ``items`` (all closed items when empty) across groups.

    ``by`` is an item id (groups = its options) or a segment id (the segment vs the rest).
    Every comparison is one family of tests for the Holm correction.
    """

    by: Identifier
    items: list[Identifier] = Field(default_factory=list)


class Transcript(_Model):
    """A focus-group or interview transcript (``.txt``, ``.docx``, ``.vtt``).

    ``speakers`` links speaker labels to respondent ids, so that codes given to a
    speaker's turns become attributes of that respondent.
    """

    path: str
    speakers: dict[str, str] = Field(default_factory=dict)
    language: str | None = None


class HumanCodings(_Model):
    """A file of human codings: a unit x code 0/1 presence matrix (CSV/XLSX) or a REFI-QDA
    project (``.qdpx``). For a matrix, ``unit_column`` holds the unit ids (``<item>:<respondent>``
    for survey answers) and ``column_pattern`` (named groups ``code`` and ``coder``) or
    ``coder`` say how the other columns are read."""

    path: str
    unit_column: str = "unit_id"
    coder: str | None = None
    column_pattern: str | None = None


class Coding(_Model):
    """Qualitative coding of open-text answers and transcripts.

    ``items`` maps each open-text item to the codes (or categories, meaning all their
    codes) that apply to it; a list means every code applies. ``automatic`` chooses the
    machine coder: ``auto`` is supervised once humans have coded examples of a code and
    zero-shot from the codebook otherwise. ``embedder`` is ``e5`` (multilingual, shipped
    in a package), ``tfidf`` (fast fallback) or the path of a local sentence-transformers
    model.
    """

    codebook: str
    items: dict[Identifier, list[Identifier]] | list[Identifier]
    transcripts: list[Transcript] = Field(default_factory=list)
    human: list[HumanCodings] = Field(default_factory=list)
    automatic: Literal["auto", "zero-shot", "supervised", "none"] = "auto"
    embedder: str = "e5"
    discover_themes: bool = True

    def item_codes(self) -> dict[str, list[str]]:
        """Item id -> the code or category ids that apply to it (empty list: all codes)."""
        if isinstance(self.items, list):
            return {item: [] for item in self.items}
        return dict(self.items)


class Profiles(_Model):
    """Learner profiles: the constructs they are built from and the numbers of profiles tried."""

    constructs: list[Identifier] | None = None
    k_values: list[int] = Field(default_factory=lambda: [2, 3, 4, 5, 6])


class Design(_Model):
    """Design brief and catalogue fit.

    ``assume`` gives a construct's interval when the survey did not ask it (e.g. the
    course studied lasted ``{duration: [7, 7]}`` weeks); ``catalogue`` is a CSV/XLSX of
    existing offerings to score against the demand; ``eqf_level`` is the level the
    institution intends (only the institution can set it).
    """

    assume: dict[Identifier, tuple[float, float]] = Field(default_factory=dict)
    catalogue: str | None = None
    eqf_level: int | None = Field(default=None, ge=1, le=8)
    title: str | None = None


class Privacy(_Model):
    """Protection of respondents in shared outputs.

    ``k``: counts below it are suppressed and quotes from groups smaller than it are
    withheld; ``names``: names (staff, tutors) scrubbed from free text as ``[name]``.
    """

    k: int = Field(default=5, ge=3)
    names: list[str] = Field(default_factory=list)


class Study(_Model):
    """A whole study file; ``base_dir`` (not in the file) is the folder it was read from.

    ``code_segments`` are segments defined by qualitative codes (see
    :class:`CodeSegment`); they need a ``coding`` section.
    """

    study: StudyInfo
    sources: list[Source] = Field(min_length=1)
    respondent_id: RespondentId = Field(default_factory=RespondentId)
    items: list[Item] = Field(min_length=1)
    constructs: list[Construct] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)
    comparisons: list[Comparison] = Field(default_factory=list)
    coding: Coding | None = None
    code_segments: list[CodeSegment] = Field(default_factory=list)
    profiles: Profiles = Field(default_factory=Profiles)
    design: Design = Field(default_factory=lambda: Design())
    privacy: Privacy = Field(default_factory=lambda: Privacy())
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Study:
        if info.context and info.context.get("defer_references"):
            return self
        problems = self.reference_problems()
        if problems:
            raise ValueError("; ".join(message for _, message in problems))
        return self

    def reference_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Ids that repeat or name nothing, each with its location in the file.

        Returns
        -------
        list of (loc, message)
            ``loc`` is a path such as ``("segments", 0, "where", 0, "options", 1)``.
        """
        problems: list[tuple[tuple[str | int, ...], str]] = []
        for kind, ids in (
            ("items", [i.id for i in self.items]),
            ("sources", [s.id for s in self.sources]),
            ("constructs", [c.id for c in self.constructs]),
            ("segments", [s.id for s in self.segments]),
            ("code_segments", [s.id for s in self.code_segments]),
        ):
            seen: set[str] = set()
            for index, entry_id in enumerate(ids):
                if entry_id in seen:
                    problems.append(((kind, index, "id"), f"duplicate id {entry_id!r}"))
                seen.add(entry_id)
        items = {i.id: i for i in self.items}
        for c, construct in enumerate(self.constructs):
            for r, ref in enumerate(construct.items):
                if ref not in items:
                    problems.append((("constructs", c, "items", r), f"unknown item {ref!r}"))
        located: list[tuple[str, int, Segment | CodeSegment]] = [
            *(("segments", s, seg) for s, seg in enumerate(self.segments)),
            *(("code_segments", s, seg) for s, seg in enumerate(self.code_segments)),
        ]
        for kind, s, segment in located:
            for w, cond in enumerate(segment.where):
                loc: tuple[str | int, ...] = (kind, s, "where", w)
                if isinstance(cond, CodeCondition):
                    if self.coding is None:
                        problems.append(((*loc, "code"), "a code condition needs a coding: "
                                         "section (the codes come from its codebook)"))
                    continue
                item = items.get(cond.item)
                if item is None:
                    problems.append(((*loc, "item"), f"unknown item {cond.item!r}"))
                    continue
                known = {o.id for o in item.effective_options()} | {item.other.option}
                for o, opt in enumerate(cond.options or []):
                    if opt not in known:
                        problems.append(
                            ((*loc, "options", o), f"item {cond.item!r} has no option {opt!r}")
                        )
        if self.coding is not None:
            for item_id in self.coding.item_codes():
                if item_id not in items:
                    problems.append((("coding", "items", item_id), f"unknown item {item_id!r}"))
                elif items[item_id].type != "open_text":
                    problems.append(
                        (("coding", "items", item_id), f"item {item_id!r} is not open_text")
                    )
        segment_ids = {s.id for s in self.segments}
        code_segment_ids = {s.id for s in self.code_segments}
        for c, comp in enumerate(self.comparisons):
            if comp.by in code_segment_ids:
                problems.append((("comparisons", c, "by"), f"{comp.by!r} is a code segment: "
                                 "list the items to compare in its compare: instead"))
            elif comp.by not in items and comp.by not in segment_ids:
                problems.append((("comparisons", c, "by"), f"unknown item or segment {comp.by!r}"))
            for r, ref in enumerate(comp.items):
                if ref not in items:
                    problems.append((("comparisons", c, "items", r), f"unknown item {ref!r}"))
        for s, code_segment in enumerate(self.code_segments):
            if code_segment.id in segment_ids:
                problems.append((("code_segments", s, "id"), f"{code_segment.id!r} is already "
                                 "the id of a segment"))
            for r, ref in enumerate(code_segment.compare):
                if ref not in items:
                    problems.append((("code_segments", s, "compare", r), f"unknown item {ref!r}"))
        return problems

    def item(self, item_id: str) -> Item:
        """Return the item with ``item_id``; raises ``KeyError`` if there is none."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def construct_of(self, item_id: str) -> str | None:
        """The construct an item belongs to, from ``item.construct`` or a construct's list."""
        item = self.item(item_id)
        if item.construct_id:
            return item.construct_id
        for construct in self.constructs:
            if item_id in construct.items:
                return construct.id
        return None

    def source_path(self, source: Source) -> Path:
        """Absolute path of a source, resolved against the study file's folder."""
        return (self.base_dir / source.path).resolve()
