"""The validation report: every problem found before anything is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

KINDS = {
    "missing_column": "item's column is not in the file",
    "ambiguous_column": "item's column header appears more than once",
    "unmapped_column": "column not mapped to any item",
    "unknown_label": "answer matches no option of the item",
    "out_of_range": "value outside the item's scale or range",
    "not_a_number": "numeric item holds text that is not a number",
    "duplicate_id": "respondent id appears more than once",
    "missing_id": "respondent id is empty",
    "empty_response": "response with no answer to any item",
    "unfinished": "response the platform marks as not finished",
    "guessed_encoding": "file is not UTF-8: its encoding was guessed",
}


@dataclass
class Issue:
    """One kind of problem at one place; repeated identical problems are counted.

    ``rows`` keeps the first few spreadsheet rows where it occurs (at most 20) and
    ``count`` how many times it occurs in all. ``value`` is the offending answer for
    closed questions (never free text of an open question).
    """

    severity: Severity
    kind: str
    message: str
    file: str | None = None
    column: str | None = None
    item_id: str | None = None
    value: str | None = None
    rows: list[int] = field(default_factory=list)
    count: int = 1

    def where(self) -> str:
        """``file, rows 5, 9 (and 3 more), column 'Q1'`` for messages."""
        parts = [self.file or "(study)"]
        if len(self.rows) == 1 and self.count == 1:
            parts.append(f"row {self.rows[0]}")
        elif self.rows:
            shown = self.rows[:5]
            extra = f" (and {self.count - len(shown)} more)" if self.count > len(shown) else ""
            parts.append(f"rows {', '.join(map(str, shown))}{extra}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, object]:
        """The issue as plain JSON-able values."""
        return {
            "severity": self.severity,
            "kind": self.kind,
            "message": self.message,
            "file": self.file,
            "column": self.column,
            "item_id": self.item_id,
            "value": self.value,
            "rows": self.rows,
            "count": self.count,
        }


@dataclass
class ValidationReport:
    """All issues of one import, errors first."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        """Issues of severity ``error``."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """Issues of severity ``warning``."""
        return [i for i in self.issues if i.severity == "warning"]

    def add(self, issue: Issue) -> None:
        """Add an issue."""
        self.issues.append(issue)

    def __str__(self) -> str:
        if not self.issues:
            return "no problems found"
        lines = []
        for issue in sorted(self.issues, key=lambda i: (i.severity != "error", i.file or "")):
            value = f" [value: {_short(issue.value)}]" if issue.value is not None else ""
            lines.append(f"{issue.severity}: {issue.where()}: {issue.message}{value}")
        return "\n".join(lines)


def _short(value: str, limit: int = 60) -> str:
    """The value quoted, cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")
