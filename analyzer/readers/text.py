"""Plain-text transcripts with speaker labels.

Understands ``Therapist:``/``Client:``, ``T:``/``C:``, ``Counselor``/``Patient``, personal
names (``Dr. Okafor:``, ``Jamie:``), an optional timestamp before or after the label
(``[00:01:02] Jamie:``, ``Jamie (00:01:02):``), and YAML front matter between ``---`` lines.
A line without a label continues the previous turn; blank lines separate paragraphs.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from analyzer.errors import MalformedTranscriptError, NoSpeakersError
from analyzer.readers._common import ParsedSource, RawSegment, parse_clock, slug

_TS = r"[\[(]?(?P<{name}>\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:[.,]\d+)?)[\])]?"
_LABEL_WORD = r"(?:Dr\.|Mr\.|Mrs\.|Ms\.|Mx\.|Prof\.|[A-Z][\w'\-]*|\d+)"
_LINE = re.compile(
    r"^\s*(?:" + _TS.format(name="ts1") + r"\s*[-–]?\s*)?"
    r"(?P<label>" + _LABEL_WORD + r"(?:[ _]" + _LABEL_WORD + r"){0,3})"
    r"\s*(?:" + _TS.format(name="ts2") + r")?\s*:\s*(?P<text>.*)$"
)
_ROLE_LOWER = re.compile(
    r"^\s*(?P<label>therapist|client|counsel+or|patient|t|c)\s*:\s*(?P<text>.*)$",
    re.IGNORECASE,
)
_NOT_LABELS = frozenset({"note", "notes", "ps", "p.s", "re", "subject", "date", "time", "http",
                         "https", "edit", "update", "warning", "example", "question", "answer"})


def split_front_matter(text: str, path: Path | str | None = None) -> tuple[dict[str, Any], str]:
    """Split YAML front matter (between '---' lines at the very top) from the body."""
    stripped = text.lstrip("\ufeff")
    if not stripped.startswith("---"):
        return {}, text
    lines = stripped.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            try:
                data = yaml.safe_load("\n".join(lines[1:i])) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" at line {mark.line + 2}" if mark is not None else ""
                raise MalformedTranscriptError(
                    f"front matter is not valid YAML{where}", path=path,
                    hint="fix the block between the '---' lines",
                ) from None
            if not isinstance(data, dict):
                raise MalformedTranscriptError(
                    "front matter must be a YAML mapping (key: value lines)", path=path
                )
            return data, "\n".join(lines[i + 1 :])
    raise MalformedTranscriptError(
        "front matter starts with '---' but never ends", path=path,
        hint="close it with a second '---' line",
    )


def match_label(line: str) -> tuple[str, str, float | None] | None:
    """(speaker, text, start) when the line opens a new turn, else None."""
    m = _LINE.match(line)
    if m:
        label = m.group("label").strip()
        if label.lower().rstrip(".") in _NOT_LABELS or len(label) > 40:
            return None
        stamp = m.group("ts1") or m.group("ts2")
        return label, m.group("text"), parse_clock(stamp) if stamp else None
    m = _ROLE_LOWER.match(line)
    if m:
        return m.group("label"), m.group("text"), None
    return None


def parse_lines(lines: list[str], path: Path | str | None) -> tuple[list[RawSegment], list[str]]:
    """Segments from labelled lines; returns (segments, preamble lines before the first label)."""
    segments: list[RawSegment] = []
    preamble: list[str] = []
    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            continue
        found = match_label(line)
        if found is not None:
            speaker, text, start = found
            segments.append(
                RawSegment(speaker=speaker, text=text.strip(), start=start,
                           source_id=str(len(segments) + 1))
            )
        elif segments:
            segments[-1].text = f"{segments[-1].text} {line.strip()}".strip()
        else:
            preamble.append(line.strip())
    if not segments:
        raise NoSpeakersError(
            "no speaker labels found",
            path=path,
            hint="start each turn with a label such as 'Therapist:', 'Client:' or 'Dr. Okafor:'",
        )
    _fill_ends(segments)
    return segments, preamble


def _fill_ends(segments: list[RawSegment]) -> None:
    """A timed turn ends where the next timed turn starts."""
    for seg, nxt in pairwise(segments):
        if seg.start is not None and nxt.start is not None and seg.end is None:
            seg.end = max(seg.start, nxt.start)


def parse_text(text: str, path: Path) -> ParsedSource:
    meta, body = split_front_matter(text, path)
    consent = meta.pop("consent", None)
    session_id = str(meta.pop("session_id", meta.pop("id", "")) or slug(path.stem))
    segments, preamble = parse_lines(body.split("\n"), path)
    if preamble:
        meta["preamble"] = "\n".join(preamble)
    return ParsedSource(segments=segments, session_id=session_id, metadata=meta, consent=consent)
