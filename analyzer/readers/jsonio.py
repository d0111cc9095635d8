"""JSON transcripts: Whisper/WhisperX output and the project's own session JSON.

Accepted shapes:
- Whisper/WhisperX: ``{"segments": [{"start", "end", "speaker", "text"}, ...]}`` (or a bare
  list of such segments). Segments need a ``speaker`` (run diarisation first).
- The project's output: ``{"sessions": [...]}`` as written by ``alliance analyze --format json``.
- One project session: a ``Session`` dump, or a corpus session whose utterances carry gold
  ``labels`` and ``subtypes`` (those become reviewer annotations).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from analyzer.errors import MalformedTranscriptError, NoSpeakersError
from analyzer.readers._common import ParsedSource, RawSegment, content_hash, slug
from analyzer.session import Annotation, Session


def load_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated")
        what = "truncated JSON" if truncated else f"invalid JSON ({exc.msg})"
        raise MalformedTranscriptError(
            f"{what} at line {exc.lineno} column {exc.colno}", path=path,
            hint="export the file again; it may have been cut off",
        ) from None


def parse_whisper(segments: Any, path: Path) -> ParsedSource:
    if not isinstance(segments, list) or not segments:
        raise MalformedTranscriptError("'segments' must be a non-empty list", path=path)
    out: list[RawSegment] = []
    for i, seg in enumerate(segments):
        if not isinstance(seg, dict) or "text" not in seg:
            raise MalformedTranscriptError(
                f"segment {i} has no 'text'", path=path,
                hint="expected {'start', 'end', 'speaker', 'text'} objects",
            )
        speaker = seg.get("speaker")
        if not speaker:
            raise NoSpeakersError(
                f"segment {i} has no 'speaker'", path=path,
                hint="run speaker diarisation (e.g. WhisperX) before analysing",
            )
        start, end = seg.get("start"), seg.get("end")
        if not all(v is None or isinstance(v, int | float) for v in (start, end)):
            raise MalformedTranscriptError(
                f"segment {i}: 'start'/'end' must be numbers of seconds", path=path
            )
        out.append(RawSegment(speaker=str(speaker), text=str(seg["text"]).strip(),
                              start=start, end=end, source_id=str(seg.get("id", i))))
    return ParsedSource(segments=out, session_id=slug(path.stem))


def _session_from_contract(item: dict[str, Any]) -> dict[str, Any]:
    """Accept the analyze --format json contract or a corpus session; return Session fields."""
    data = dict(item)
    speakers = dict(data.get("speakers") or {})
    utts = []
    author = (data.get("metadata") or {}).get("author")
    for i, u in enumerate(data.get("utterances") or []):
        if not isinstance(u, dict):
            raise ValueError(f"utterance {i} is not an object")
        u = dict(u)
        u.setdefault("index", i)
        labels = u.pop("labels", None)
        subtypes = u.pop("subtypes", None)
        u.setdefault("role", speakers.get(u.get("speaker", ""), "other"))
        if labels is not None and "annotations" not in u:
            gold = subtypes is not None
            scores = u.get("scores") or {}
            u["annotations"] = [
                Annotation(
                    label=label,
                    probability=None if gold else scores.get(label),
                    origin="reviewer" if gold else "model",
                    subtype=(subtypes or {}).get(label),
                    annotator=author if gold else None,
                )
                for label in labels
            ]
        utts.append(u)
    data["utterances"] = utts
    data.setdefault("speakers", {u["speaker"]: u["role"] for u in utts})
    return data


def parse_json(text: str, path: Path, data_bytes: bytes) -> list[Session] | ParsedSource:
    doc = load_json(text, path)
    if isinstance(doc, list):
        return parse_whisper(doc, path)
    if not isinstance(doc, dict):
        raise MalformedTranscriptError(
            "unrecognised JSON: expected an object", path=path,
            hint="use Whisper output ({'segments': [...]}) or the project's session JSON",
        )
    if "segments" in doc:
        return parse_whisper(doc["segments"], path)
    items: list[Any]
    if "sessions" in doc:
        items = doc["sessions"] if isinstance(doc["sessions"], list) else []
    elif "utterances" in doc:
        items = [doc]
    else:
        raise MalformedTranscriptError(
            "unrecognised JSON: no 'segments', 'sessions' or 'utterances' key", path=path,
            hint="use Whisper output ({'segments': [...]}) or the project's session JSON",
        )
    sessions = []
    for n, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ValueError("session is not an object")
            fields = _session_from_contract(item)
            default_id = slug(path.stem) if len(items) == 1 else f"{slug(path.stem)}-{n}"
            fields.setdefault("id", default_id)
            fields["source"] = str(path)
            fields["source_key"] = fields["id"] if len(items) > 1 else ""
            fields["source_hash"] = content_hash(data_bytes)
            sessions.append(Session.model_validate(fields))
        except (ValidationError, ValueError, TypeError) as exc:
            if isinstance(exc, ValidationError):
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"])
                detail = f"{where}: {err['msg']}"
            else:
                detail = str(exc)
            raise MalformedTranscriptError(
                f"session {n} does not match the session schema ({detail})", path=path,
            ) from None
    if not sessions:
        raise MalformedTranscriptError("'sessions' holds no session", path=path)
    return sessions
