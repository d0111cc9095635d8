from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.errors import MalformedTranscriptError, NoSpeakersError
from analyzer.readers import read_path
from tests.conftest import write

VTT = """WEBVTT

1
00:00:01.000 --> 00:00:03.000
<v Therapist>How are you doing</v>

2
00:00:03.000 --> 00:00:04.500
<v Therapist>since last time?</v>

3
00:00:05.000 --> 00:00:07.000
Alex: Not great, honestly.

4
00:00:07.000 --> 00:00:08.000
It was a long week.
"""


def test_vtt_voice_tags_prefixes_and_merge(tmp_path: Path) -> None:
    (session,) = read_path(write(tmp_path / "call.vtt", VTT))
    u = session.utterances
    assert [x.speaker for x in u] == ["Therapist", "Alex"]
    assert u[0].text == "How are you doing since last time?"
    assert (u[0].start, u[0].end) == (1.0, 4.5)
    assert u[1].text == "Not great, honestly. It was a long week."
    assert u[1].source_id == "3-4"
    assert session.speakers == {"Therapist": "therapist", "Alex": "other"}


def test_vtt_broken_timestamp_names_the_line(tmp_path: Path) -> None:
    bad = VTT.replace("00:00:05.000 --> 00:00:07.000", "00:00:05.000 --> 00:0x:07.000")
    with pytest.raises(MalformedTranscriptError, match="line 12"):
        read_path(write(tmp_path / "call.vtt", bad))


def test_vtt_without_header(tmp_path: Path) -> None:
    with pytest.raises(MalformedTranscriptError, match="WEBVTT"):
        read_path(write(tmp_path / "call.vtt", VTT.replace("WEBVTT", "")))


def test_vtt_without_speakers(tmp_path: Path) -> None:
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello there\n"
    with pytest.raises(NoSpeakersError):
        read_path(write(tmp_path / "call.vtt", text))


SRT = """1
00:00:01,000 --> 00:00:02,500
Counselor: What would you like to focus on?

2
00:00:02,600 --> 00:00:04,000
[Sam] My drinking, I guess.

3
00:00:04,000 --> 00:00:05,000
Mostly weekends.
"""


def test_srt_speaker_prefixes(tmp_path: Path) -> None:
    (session,) = read_path(write(tmp_path / "s.srt", SRT))
    u = session.utterances
    assert [x.speaker for x in u] == ["Counselor", "Sam"]
    assert u[1].text == "My drinking, I guess. Mostly weekends."
    assert (u[1].start, u[1].end) == (2.6, 5.0)
    assert session.speakers["Counselor"] == "therapist"


def test_srt_broken_timestamp_names_the_line(tmp_path: Path) -> None:
    bad = SRT.replace("00:00:02,600 --> 00:00:04,000", "00:00:0x,600 --> 00:00:04,000")
    with pytest.raises(MalformedTranscriptError, match="line 6"):
        read_path(write(tmp_path / "s.srt", bad))
