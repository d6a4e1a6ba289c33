"""The instrument: study-file models, loading with line-numbered errors, templates."""

from microcred.study.load import load
from microcred.study.models import (
    Comparison,
    Condition,
    Construct,
    Item,
    Option,
    Other,
    RespondentId,
    Scale,
    Segment,
    Source,
    Study,
    StudyInfo,
)

__all__ = [
    "Comparison",
    "Condition",
    "Construct",
    "Item",
    "Option",
    "Other",
    "RespondentId",
    "Scale",
    "Segment",
    "Source",
    "Study",
    "StudyInfo",
    "load",
]
