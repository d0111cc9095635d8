"""SRT subtitles from transcription services, parsed with the ``srt`` library.

The speaker is a ``Name:`` prefix (or ``[Name]``/``- Name:``) at the start of the subtitle text;
a subtitle without one continues the previous speaker's turn.
"""

from __future__ import annotations

import re
from pathlib import Path

import srt

from analyzer.errors import MalformedTranscriptError, NoSpeakersError
from analyzer.readers._common import (
    ParsedSource,
    RawSegment,
    append_cue,
    check_timing_lines,
    slug,
)
from analyzer.readers.text import match_label

_SRT_TS = re.compile(r"^\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}$")
_BRACKET = re.compile(r"^\s*-?\s*\[(?P<label>[^\]]{1,40})\]\s*:?\s*(?P<text>.*)$")


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def parse_srt(text: str, path: Path) -> ParsedSource:
    body = text.lstrip("\ufeff")
    check_timing_lines(body, path, _SRT_TS, "00:01:02,500 --> 00:01:05,000")
    try:
        subtitles = list(srt.parse(body))
    except srt.SRTParseError as exc:
        line = _line_of(body, exc.expected_start)
        bad = body[exc.expected_start:].strip().split("\n")[:2]
        raise MalformedTranscriptError(
            f"line {line}: cannot parse subtitle {' | '.join(bad)!r}", path=path,
            hint="each block is a number, '00:00:01,000 --> 00:00:02,500', then text",
        ) from None
    except (srt.TimestampParseError, ValueError) as exc:
        raise MalformedTranscriptError(f"bad subtitle timestamp ({exc})", path=path) from None
    segments: list[RawSegment] = []
    any_speaker = False
    for sub in subtitles:
        content = " ".join(sub.content.split())
        speaker: str | None = None
        m = _BRACKET.match(content)
        if m:
            speaker, content = m.group("label"), m.group("text")
        else:
            found = match_label(content.lstrip("- "))
            if found is not None:
                speaker, content, _ = found
        any_speaker |= append_cue(segments, speaker, content, sub.start.total_seconds(),
                                  sub.end.total_seconds(), str(sub.index))
    if not segments:
        raise MalformedTranscriptError("no subtitles found", path=path)
    if not any_speaker:
        raise NoSpeakersError(
            "no speaker names in the subtitles", path=path,
            hint="export with speaker labels or add 'Name:' at the start of each subtitle",
        )
    return ParsedSource(segments=[s for s in segments if s.speaker], session_id=slug(path.stem))
