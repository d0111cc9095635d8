from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.errors import EmptyInputError, MalformedTranscriptError, NoSpeakersError
from analyzer.readers import read_path
from tests.conftest import write


def test_role_labels_and_continuation_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "s.txt", (
        "Therapist: How was the week?\n"
        "Client: Hard. I didn't sleep much.\n"
        "Then on Thursday it got worse.\n\n"
        "Therapist: Tell me about Thursday.\n"
    ))
    (session,) = read_path(path)
    assert [u.speaker for u in session.utterances] == ["Therapist", "Client", "Therapist"]
    assert session.utterances[1].text == "Hard. I didn't sleep much. Then on Thursday it got worse."
    assert session.speakers == {"Therapist": "therapist", "Client": "client"}
    assert session.id == "s"


@pytest.mark.parametrize(
    ("t_label", "c_label"),
    [("T", "C"), ("Counselor", "Patient"), ("Counsellor", "Client 1"), ("therapist", "client")],
)
def test_role_word_variants(tmp_path: Path, t_label: str, c_label: str) -> None:
    path = write(tmp_path / "s.txt", f"{t_label}: Hello.\n{c_label}: Hi.\n")
    (session,) = read_path(path)
    assert session.speakers == {t_label: "therapist", c_label: "client"}


def test_names_and_timestamps(tmp_path: Path) -> None:
    path = write(tmp_path / "s.txt", (
        "[00:01:02] Dr. Okafor: Welcome back.\n"
        "[00:01:06] Jamie: Thanks.\n"
        "Mary Ann (00:01:09): I'm here too.\n"
    ))
    (session,) = read_path(path)
    u = session.utterances
    assert [x.speaker for x in u] == ["Dr. Okafor", "Jamie", "Mary Ann"]
    assert [x.start for x in u] == [62.0, 66.0, 69.0]
    assert u[0].end == 66.0  # a timed turn ends where the next one starts
    assert session.speakers["Dr. Okafor"] == "other"  # names are left to the role step


def test_consecutive_lines_of_one_speaker_merge(tmp_path: Path) -> None:
    path = write(tmp_path / "s.txt", "T: one.\nT: two.\nC: three.\n")
    (session,) = read_path(path)
    assert [u.text for u in session.utterances] == ["one. two.", "three."]
    assert session.utterances[0].source_id == "1-2"


def test_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path / "s.txt", (
        "---\nsession_id: abc\nconsent:\n  scope: research\n  attested_by: Dr X\n"
        "modality: CBT\n---\nT: Hi.\nC: Hello.\n"
    ))
    (session,) = read_path(path)
    assert session.id == "abc"
    assert session.consent is not None and session.consent.scope == "research"
    assert session.consent.source == "front-matter"
    assert session.metadata["modality"] == "CBT"


def test_unclosed_front_matter(tmp_path: Path) -> None:
    path = write(tmp_path / "s.txt", "---\nconsent: research\nT: Hi.\n")
    with pytest.raises(MalformedTranscriptError, match="never ends"):
        read_path(path)


def test_no_speaker_labels(tmp_path: Path) -> None:
    path = write(tmp_path / "s.txt", "we talked about the week and it was hard\nand then more\n")
    with pytest.raises(NoSpeakersError, match="no speaker labels"):
        read_path(path)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(EmptyInputError, match="empty"):
        read_path(write(tmp_path / "s.txt", "  \n\n"))


def test_sentence_with_colon_mid_text_is_not_a_label(tmp_path: Path) -> None:
    body = "T: Here's the thing: you did it.\nC: so here's what: nothing.\n"
    path = write(tmp_path / "s.txt", body)
    (session,) = read_path(path)
    assert session.utterances[0].text == "Here's the thing: you did it."
    assert len(session.utterances) == 2
