from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.errors import MissingColumnError
from analyzer.readers import read_path
from tests.conftest import write

ANNOMI_LIKE = (
    "transcript_id,topic,utterance_id,interlocutor,timestamp,utterance_text\n"
    "7,alcohol,0,therapist,00:00:13,\"Is it okay if we talk about drinking?\"\n"
    "7,alcohol,1,client,00:00:20,Sure.\n"
    "7,alcohol,2,client,00:00:22,\"I mean, yes, that's why I came.\"\n"
    "9,smoking,1,client,00:00:05,Hi.\n"
    "9,smoking,0,therapist,00:00:01,Welcome.\n"
)


def test_annomi_layout_one_session_per_transcript(tmp_path: Path) -> None:
    sessions = read_path(write(tmp_path / "annomi.csv", ANNOMI_LIKE))
    assert [s.id for s in sessions] == ["7", "9"]
    seven, nine = sessions
    # rows with their own ids stay one-to-one (no merge of the two client rows)
    assert [u.source_id for u in seven.utterances] == ["0", "1", "2"]
    assert [u.role for u in seven.utterances] == ["therapist", "client", "client"]
    assert seven.utterances[0].start == 13.0
    # rows are ordered by utterance id
    assert [u.text for u in nine.utterances] == ["Welcome.", "Hi."]
    assert nine.source_key == "9"


def test_tsv_single_session(tmp_path: Path) -> None:
    text = "speaker\ttext\tstart\nTherapist\tHello\t1.5\nClient\tHi\t3\n"
    (s,) = read_path(write(tmp_path / "s.tsv", text))
    assert s.id == "s" and [u.start for u in s.utterances] == [1.5, 3.0]
    assert s.speakers == {"Therapist": "therapist", "Client": "client"}


def test_missing_text_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(MissingColumnError, match="utterance_text"):
        read_path(write(tmp_path / "s.csv", "speaker,words\nT,hi\n"))


def test_missing_speaker_column(tmp_path: Path) -> None:
    with pytest.raises(MissingColumnError, match="speaker"):
        read_path(write(tmp_path / "s.csv", "text\nhi\n"))
