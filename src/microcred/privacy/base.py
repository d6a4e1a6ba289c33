"""Errors of the privacy stage (no heavy imports)."""

from __future__ import annotations

from microcred.errors import MicrocredError

__all__ = ["PrivacyError", "PrivacyKeyError"]


class PrivacyError(MicrocredError):
    """A privacy step was asked to do something it cannot do safely.

    The message never quotes respondents' free text.
    """


class PrivacyKeyError(PrivacyError):
    """The pseudonymisation key is missing, too short, or cannot be read or stored."""
