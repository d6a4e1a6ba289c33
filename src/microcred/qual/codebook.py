"""The codebook as pydantic models: hierarchical codes with definitions and examples."""

from __future__ import annotations

import warnings
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# ``Code.construct`` (the study construct) deliberately shadows pydantic's deprecated
# ``BaseModel.construct`` classmethod; silence that one warning only.
warnings.filterwarnings(
    "ignore", message='Field name "construct" in "Code" shadows', category=UserWarning
)

CodeId = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Code(_Model):
    """One code (or a category of codes when ``codable`` is false).

    ``name`` holds the name per language; ``definition``, ``include`` (inclusion
    criteria), ``exclude`` (exclusion criteria) and ``examples`` (example quotes, any
    language) guide human coders and the zero-shot coder alike. ``construct`` links the
    code to a study construct (e.g. ``motivation``) and ``option`` to the option of
    that construct it corresponds to (e.g. ``career``), for mixed-methods integration.
    ``guid`` keeps the REFI-QDA identity across import and export.
    """

    id: CodeId
    name: dict[str, str]
    definition: str | None = None
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    construct: str | None = None  # type: ignore[assignment]
    option: str | None = None
    color: str | None = Field(default=None, pattern=r"^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")
    codable: bool = True
    guid: str | None = None
    children: list[Code] = Field(default_factory=list)

    @field_validator("name", mode="before")
    @classmethod
    def _name_for_every_language(cls, value: object) -> object:
        if isinstance(value, str):
            return {"*": value}
        return value

    def label(self, language: str = "en") -> str:
        """Name in ``language``, falling back to English, then any name, then the id."""
        for key in (language, "*", "en"):
            if key in self.name:
                return self.name[key]
        return next(iter(self.name.values()), self.id)


class Codebook(_Model):
    """A codebook: its name, languages and code tree."""

    id: CodeId
    name: str
    languages: list[str] = Field(default_factory=lambda: ["en"])
    codes: list[Code] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Codebook:
        ids = [c.id for c in self.walk()]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate code ids: {', '.join(dupes)}")
        return self

    def walk(self) -> list[Code]:
        """Every code, depth first, parents before children."""
        out: list[Code] = []
        stack = list(reversed(self.codes))
        while stack:
            code = stack.pop()
            out.append(code)
            stack.extend(reversed(code.children))
        return out

    def codable(self) -> list[Code]:
        """The codes a unit can be coded with (categories excluded)."""
        return [c for c in self.walk() if c.codable]

    def parent_of(self, code_id: str) -> str | None:
        """Id of the code's parent, or ``None`` for a top-level code."""
        for code in self.walk():
            if any(child.id == code_id for child in code.children):
                return code.id
        return None
