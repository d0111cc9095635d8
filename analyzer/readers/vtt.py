"""WebVTT captions as exported by Zoom or Teams, parsed with webvtt-py.

The speaker comes from a ``<v Name>`` voice tag or a ``Name:`` prefix in the cue text. A cue
without a speaker continues the previous speaker's turn (captions split turns mid-sentence).
"""

from __future__ import annotations

import re
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from analyzer.errors import MalformedTranscriptError, NoSpeakersError
from analyzer.readers._common import (
    ParsedSource,
    RawSegment,
    append_cue,
    check_timing_lines,
    parse_clock,
    slug,
)
from analyzer.readers.text import match_label

_VTT_TS = re.compile(r"^(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}$")


def check_timings(text: str, path: Path) -> None:
    lines = text.split("\n")
    if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise MalformedTranscriptError(
            "line 1: a WebVTT file must start with 'WEBVTT'", path=path,
            hint="export the captions again as .vtt",
        )
    check_timing_lines(text, path, _VTT_TS, "00:01:02.500 --> 00:01:05.000")


def parse_vtt(text: str, path: Path) -> ParsedSource:
    check_timings(text, path)
    try:
        captions = webvtt.from_string(text.lstrip("\ufeff"))
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise MalformedTranscriptError(f"not a valid WebVTT file ({exc})", path=path) from None
    segments: list[RawSegment] = []
    any_speaker = False
    for number, cue in enumerate(captions, start=1):
        body = " ".join(cue.text.split())
        speaker = cue.voice
        if speaker is None:
            found = match_label(body)
            if found is not None:
                speaker, body, _ = found
        any_speaker |= append_cue(segments, speaker, body, parse_clock(cue.start),
                                  parse_clock(cue.end), cue.identifier or str(number))
    if not any_speaker:
        raise NoSpeakersError(
            "no speaker names in the captions",
            path=path,
            hint="export with speaker names (Zoom/Teams 'include speaker names') or add "
            "'Name:' at the start of each cue",
        )
    segments = [s for s in segments if s.speaker]
    return ParsedSource(segments=segments, session_id=slug(path.stem))
