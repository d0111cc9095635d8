"""The one session data model: Session → Utterances → marker annotations.

Typed with pydantic and JSON-serialisable (``Session.model_dump_json()`` /
``Session.model_validate_json()``). Every pipeline step takes a Session and returns one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from analyzer.labels import CONSENT_SCOPES, LABELS, Role

Origin = Literal["model", "reviewer"]
ConsentSource = Literal["front-matter", "sidecar", "manifest", "cli", "app", "corpus"]


def utcnow() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class ConsentRecord(BaseModel):
    """Who consented to what, and how we know."""

    model_config = ConfigDict(extra="forbid")

    scope: Literal["supervision", "research", "self-review"]
    source: ConsentSource
    attested_by: str | None = None
    attested_at: str = Field(default_factory=utcnow)
    reference: str | None = None  # the sidecar or manifest path, a form id, ...

    @field_validator("scope", mode="before")
    @classmethod
    def _normalise_scope(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower().replace("_", "-")
            if value == "selfreview":
                value = "self-review"
        if value not in CONSENT_SCOPES:
            known = ", ".join(CONSENT_SCOPES)
            raise ValueError(f"unknown consent scope {value!r}; use one of {known}")
        return value


class Annotation(BaseModel):
    """One marker on one utterance, from the model or a human reviewer."""

    model_config = ConfigDict(extra="forbid")

    label: str
    probability: float | None = None
    origin: Origin = "model"
    subtype: str | None = None
    annotator: str | None = None
    evidence: int | None = None  # index into Utterance.sentences

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str) -> str:
        if value not in LABELS:
            raise ValueError(f"unknown label {value!r}; labels are {', '.join(LABELS)}")
        return value


class Utterance(BaseModel):
    """One speaker turn."""

    model_config = ConfigDict(extra="forbid")

    index: int
    source_id: str | None = None
    speaker: str
    role: Role = "other"
    start: float | None = None
    end: float | None = None
    text: str
    sentences: list[tuple[int, int]] = Field(default_factory=list)  # char spans into text
    scores: dict[str, float] = Field(default_factory=dict)  # model probability per label
    annotations: list[Annotation] = Field(default_factory=list)

    def labels(self, origin: Origin = "model") -> list[str]:
        """Labels of the given origin, in codebook order."""
        present = {a.label for a in self.annotations if a.origin == origin}
        return [label for label in LABELS if label in present]

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences] or [self.text]

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return max(0.0, self.end - self.start)


class AnalysisInfo(BaseModel):
    """What produced the model markers (recorded with every stored analysis)."""

    model_config = ConfigDict(extra="allow")

    model_name: str | None = None
    model_version: str | None = None
    thresholds: dict[str, float] = Field(default_factory=dict)
    analyzed_at: str = Field(default_factory=utcnow)
    code_version: str | None = None


class Session(BaseModel):
    """A transcript of one session: speakers, consent, ordered utterances, analysis results."""

    model_config = ConfigDict(extra="forbid")

    id: str
    source: str | None = None
    source_key: str = ""  # identifies the session inside a multi-session source
    source_hash: str | None = None
    consent: ConsentRecord | None = None
    speakers: dict[str, Role] = Field(default_factory=dict)
    roles_inferred: bool = False
    metadata: dict[str, Any] = Field(default_factory=dict)
    utterances: list[Utterance] = Field(default_factory=list)
    episodes: list[dict[str, Any]] = Field(default_factory=list)
    summary: dict[str, Any] = Field(default_factory=dict)
    analysis: AnalysisInfo | None = None

    @property
    def duration(self) -> float | None:
        """Seconds from the first timed utterance to the last, or None when untimed."""
        starts = [u.start for u in self.utterances if u.start is not None]
        ends = [u.end if u.end is not None else u.start for u in self.utterances]
        ends = [e for e in ends if e is not None]
        if not starts or not ends:
            return None
        return max(ends) - min(starts)

    def by_role(self, role: str) -> list[Utterance]:
        return [u for u in self.utterances if u.role == role]

    def reindex(self) -> Session:
        """Renumber utterances 0..n-1 in order (after merges or splits)."""
        for i, utt in enumerate(self.utterances):
            utt.index = i
        return self
