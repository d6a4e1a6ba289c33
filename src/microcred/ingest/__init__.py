"""Import survey exports: readers per format, mapping to items, validation."""

from microcred.ingest.read import Ingested, InputFile, read, sha256_of
from microcred.ingest.validate import Issue, ValidationReport

__all__ = ["Ingested", "InputFile", "Issue", "ValidationReport", "read", "sha256_of"]
