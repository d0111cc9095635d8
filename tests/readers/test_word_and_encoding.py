from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from analyzer.errors import BinaryInputError, MalformedTranscriptError, UnsupportedFormatError
from analyzer.readers import read_path
from tests.conftest import write


def test_docx_with_front_matter_and_labels(tmp_path: Path) -> None:
    doc = Document()
    for line in ["---", "consent: supervision", "---", "Therapist: How did it go?",
                 "Client: Better than I thought.", "I actually enjoyed it."]:
        doc.add_paragraph(line)
    path = tmp_path / "t.docx"
    doc.save(str(path))
    (s,) = read_path(path)
    assert s.consent is not None and s.consent.scope == "supervision"
    assert [u.text for u in s.utterances] == [
        "How did it go?", "Better than I thought. I actually enjoyed it."]


def test_broken_docx(tmp_path: Path) -> None:
    with pytest.raises(MalformedTranscriptError, match=r"not a valid \.docx"):
        read_path(write(tmp_path / "t.docx", b"PK\x03\x04 this is not really a zip"))


@pytest.mark.parametrize(
    "encoded",
    [
        "Therapist: café, naïve — “quotes”\nClient: Ça va.\n".encode(),
        b"\xef\xbb\xbf" + "Therapist: café\nClient: Ça va.\n".encode(),
        "Therapist: It’s the café — isn’t it?\nClient: Ça va, merci. Très bien.\n".encode("cp1252"),
        "Therapist: Voilà, the café.\nClient: Ça va très bien, merci.\n".encode("latin-1"),
    ],
    ids=["utf8", "utf8-bom", "cp1252", "latin1"],
)
def test_encodings(tmp_path: Path, encoded: bytes) -> None:
    (s,) = read_path(write(tmp_path / "e.txt", encoded))
    assert "caf" in s.utterances[0].text and "é" in s.utterances[0].text
    assert s.utterances[1].text.startswith("Ça va")


def test_binary_file(tmp_path: Path) -> None:
    with pytest.raises(BinaryInputError, match="binary"):
        read_path(write(tmp_path / "b.txt", bytes(range(256)) * 4))


def test_unsupported_extension(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match=r"\.pdf"):
        read_path(write(tmp_path / "x.pdf", b"%PDF-1.4"))


def test_a_file_over_100_mb_is_refused_without_reading_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.errors import UnreadablePathError

    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:  # sparse: no 100 MB actually written
        fh.truncate(101 * 1024 * 1024)

    def no_read(self: Path) -> bytes:
        raise AssertionError("the oversized file was read")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    with pytest.raises(UnreadablePathError, match="over the 100 MB limit"):
        read_path(big)
