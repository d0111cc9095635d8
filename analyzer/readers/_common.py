"""What every reader shares: decoding bytes, clock parsing, and building a Session.

Readers turn a file into ``RawSegment`` lists; ``build_session`` applies the merge rule
(consecutive segments of one speaker become one turn, unless the source carries its own
utterance ids) and the automatic role-word mapping.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from analyzer.errors import (
    BinaryInputError,
    EmptyInputError,
    MalformedTranscriptError,
    UnreadablePathError,
)
from analyzer.roles import role_from_label
from analyzer.session import ConsentRecord, Session, Utterance

log = logging.getLogger(__name__)

MAX_INPUT_BYTES = 100 * 1024 * 1024


@dataclass
class RawSegment:
    """A piece of speech as a source file gives it (a caption cue, a line, a table row)."""

    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    source_id: str | None = None
    role: str | None = None  # when the source states it (e.g. an 'interlocutor' column)


@dataclass
class ParsedSource:
    """One session's worth of segments plus what the file said about itself."""

    segments: list[RawSegment]
    session_id: str
    metadata: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, Any] | str | None = None
    keep_segments: bool = False  # tabular sources with their own utterance ids
    source_key: str = ""


def read_bytes(path: Path) -> bytes:
    """Read a file's bytes, turning OS problems into actionable input errors."""
    if not path.exists():
        raise UnreadablePathError("no such file or folder", path=path, hint="check the path")
    if path.is_dir():
        raise UnreadablePathError("is a folder", path=path, hint="pass the files inside it")
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise UnreadablePathError(
                f"file is {size / 1e6:.0f} MB, over the {MAX_INPUT_BYTES // 2**20} MB limit",
                path=path,
                hint="split the transcript into sessions",
            )
        data = path.read_bytes()
    except PermissionError:
        raise UnreadablePathError(
            "permission denied", path=path, hint="make the file readable for this user"
        ) from None
    except OSError as exc:
        raise UnreadablePathError(f"cannot read file ({exc.strerror})", path=path) from None
    if not data.strip():
        raise EmptyInputError("file is empty", path=path, hint="export the transcript again")
    return data


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, path: Path | str | None = None) -> str:
    """Decode transcript bytes: BOMs, then strict UTF-8, then charset-normalizer's best guess.

    Refuses binary data (NUL bytes or control characters) with a BinaryInputError.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data.decode(encoding), path)
    if b"\x00" in data[:8192]:
        raise BinaryInputError(
            "looks like a binary file, not a transcript",
            path=path,
            hint="export the transcript as text, VTT, SRT, JSON, CSV or DOCX",
        )
    try:
        return _checked(data.decode("utf-8"), path)
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data).best()
    if guess is None:
        raise BinaryInputError(
            "cannot detect the text encoding",
            path=path,
            hint="save the transcript as UTF-8",
        )
    log.info("%s: decoded as %s", path, guess.encoding)
    return _checked(str(guess), path)


def _checked(text: str, path: Path | str | None) -> str:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    if sample and controls / len(sample) > 0.01:
        raise BinaryInputError(
            "looks like a binary file, not a transcript",
            path=path,
            hint="export the transcript as text, VTT, SRT, JSON, CSV or DOCX",
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyInputError("file has no text", path=path)
    return text


_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)\s*$")


def parse_clock(value: str) -> float | None:
    """'01:02:03.5', '1:02', '00:00:01,000' or plain seconds → seconds; None if not a clock."""
    value = value.strip()
    if not value:
        return None
    m = _CLOCK.match(value)
    if m:
        hours = int(m.group(1) or 0)
        return hours * 3600 + int(m.group(2)) * 60 + float(m.group(3).replace(",", "."))
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


_TIMING = re.compile(r"^\s*(?P<a>\S+)\s+-->\s+(?P<b>\S+)\s*(?P<rest>.*)$")


def check_timing_lines(text: str, path: Path, stamp: re.Pattern[str], example: str) -> None:
    """Name the first caption line whose ``start --> end`` timing is broken.

    The caption libraries either refuse a file without saying where (webvtt-py) or quietly
    accept a broken stamp (srt); users need the line number.
    """
    for number, line in enumerate(text.split("\n"), start=1):
        if "-->" not in line:
            continue
        m = _TIMING.match(line)
        ok = m is not None and stamp.match(m.group("a")) and stamp.match(m.group("b"))
        if not ok:
            raise MalformedTranscriptError(
                f"line {number}: bad cue timestamp {line.strip()!r}", path=path,
                hint=f"timestamps look like {example}",
            )
        a, b = parse_clock(m.group("a")), parse_clock(m.group("b"))  # type: ignore[union-attr]
        if a is not None and b is not None and b < a:
            raise MalformedTranscriptError(
                f"line {number}: cue ends before it starts ({line.strip()!r})", path=path
            )


def slug(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-.")
    return cleaned or "session"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def append_cue(segments: list[RawSegment], speaker: str | None, text: str,
               start: float | None, end: float | None, source_id: str) -> bool:
    """Append a caption cue; a cue without a speaker continues the previous speaker's turn.

    Returns whether the cue named its speaker.
    """
    named = bool(speaker)
    if not named:
        speaker = segments[-1].speaker if segments else ""
    segments.append(RawSegment(speaker=(speaker or "").strip(), text=text.strip(), start=start,
                               end=end, source_id=source_id))
    return named


def merge_segments(segments: list[RawSegment]) -> list[RawSegment]:
    """The merge rule: consecutive segments from one speaker become one turn.

    Captions and speech-to-text split turns mid-sentence; a turn is everything one speaker
    says until someone else speaks. Times span the merged segments; ``source_id`` names the
    first and last segment ("3-5").
    """
    merged: list[RawSegment] = []
    first_ids: list[str | None] = []
    for seg in segments:
        if merged and merged[-1].speaker == seg.speaker:
            prev = merged[-1]
            prev.text = f"{prev.text} {seg.text}".strip()
            if seg.end is not None:
                prev.end = seg.end
            elif seg.start is not None:
                prev.end = max(prev.end or seg.start, seg.start)
            if first_ids[-1] is not None and seg.source_id is not None:
                prev.source_id = f"{first_ids[-1]}-{seg.source_id}"
        else:
            merged.append(RawSegment(**vars(seg)))
            first_ids.append(seg.source_id)
    return merged


def build_session(parsed: ParsedSource, path: Path, data: bytes) -> Session:
    """Turn a ParsedSource into a Session (merge rule, role words, consent from the file)."""
    segments = [s for s in parsed.segments if s.text.strip()]
    if not segments:
        raise EmptyInputError("no utterances found", path=path, hint="check the file's content")
    if not parsed.keep_segments:
        segments = merge_segments(segments)
    speakers: dict[str, str] = {}
    for seg in segments:
        role = seg.role or role_from_label(seg.speaker)
        if seg.speaker not in speakers or (speakers[seg.speaker] == "other" and role):
            speakers[seg.speaker] = role or "other"
    utterances = [
        Utterance(
            index=i,
            source_id=seg.source_id,
            speaker=seg.speaker,
            role=speakers[seg.speaker],  # type: ignore[arg-type]
            start=seg.start,
            end=seg.end,
            text=seg.text.strip(),
        )
        for i, seg in enumerate(segments)
    ]
    consent = None
    if parsed.consent is not None:
        from analyzer.consent import record_from_mapping

        consent = record_from_mapping(parsed.consent, source="front-matter", path=path)
    return Session(
        id=parsed.session_id,
        source=str(path),
        source_key=parsed.source_key,
        source_hash=content_hash(data),
        consent=consent if isinstance(consent, ConsentRecord) else None,
        speakers=speakers,  # type: ignore[arg-type]
        metadata=parsed.metadata,
        utterances=utterances,
    )
