"""The project's input errors.

Every problem a user can cause with their input is one of these. Each carries a one-line,
actionable message (what is wrong, where, and how to fix it). The CLI and the app print
``str(error)`` and never a traceback.
"""

from __future__ import annotations

from pathlib import Path


class AllianceInputError(Exception):
    """Base class: bad input the user can fix. ``str()`` is the whole user-facing line."""

    def __init__(self, message: str, *, path: str | Path | None = None, hint: str | None = None):
        self.path = str(path) if path is not None else None
        self.message = message
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.path}: " if self.path else ""
        tail = f" — {self.hint}" if self.hint else ""
        return f"{where}{self.message}{tail}"


class UnreadablePathError(AllianceInputError):
    """The path does not exist, is not readable, or holds no supported file."""


class UnsupportedFormatError(AllianceInputError):
    """The file extension is not one the readers know."""


class EmptyInputError(AllianceInputError):
    """The file holds no text, or no utterances after parsing."""


class BinaryInputError(AllianceInputError):
    """The file is not text (or its encoding cannot be detected)."""


class NoSpeakersError(AllianceInputError):
    """No speaker labels were found, so turns cannot be attributed."""


class MalformedTranscriptError(AllianceInputError):
    """The file is of a known format but broken (bad timestamps, truncated JSON, ...)."""


class MissingColumnError(AllianceInputError):
    """A table lacks a required column."""


class ConsentError(AllianceInputError):
    """No (or an invalid) consent record: the session must not be processed."""


class RoleError(AllianceInputError):
    """Speaker roles are contradictory or name an unknown speaker."""


class UploadTooLargeError(AllianceInputError):
    """An uploaded file is over the size limit."""


CONSENT_HOWTO = (
    "provide consent with YAML front matter (consent: supervision), a sidecar "
    "<file>.consent.yaml, a --manifest CSV, or --consent supervision|research|self-review"
)
