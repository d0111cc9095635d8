"""Property-based hostile input: every reader raises nothing but AllianceInputError."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.errors import AllianceInputError
from analyzer.readers import SUPPORTED_SUFFIXES, read_path

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _read(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        try:
            sessions = read_path(path)
        except AllianceInputError:
            return
        for s in sessions:
            assert s.utterances and all(u.text for u in s.utterances)


@SETTINGS
@given(suffix=st.sampled_from(SUPPORTED_SUFFIXES), data=st.binary(max_size=2000))
def test_arbitrary_bytes(suffix: str, data: bytes) -> None:
    _read(suffix, data)


@SETTINGS
@given(suffix=st.sampled_from(SUPPORTED_SUFFIXES), text=st.text(max_size=1500))
def test_arbitrary_text(suffix: str, text: str) -> None:
    _read(suffix, text.encode("utf-8", "surrogatepass"))


speaker = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1,
                  max_size=12)
utterance = st.text(min_size=0, max_size=200)


@SETTINGS
@given(turns=st.lists(st.tuples(speaker, utterance), min_size=1, max_size=30))
def test_odd_but_well_formed_text_transcripts(turns: list[tuple[str, str]]) -> None:
    body = "\n".join(f"{s.capitalize()}: {t}" for s, t in turns)
    _read(".txt", body.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(segments=st.lists(st.fixed_dictionaries({
    "start": st.one_of(st.none(), st.floats(allow_nan=True), st.integers(), st.text(max_size=5)),
    "end": st.one_of(st.none(), st.floats(allow_nan=True), st.integers()),
    "speaker": st.one_of(st.none(), st.text(max_size=10), st.integers()),
    "text": st.one_of(st.text(max_size=80), st.integers(), st.none()),
}), max_size=15))
def test_whisper_like_json(segments: list[dict]) -> None:
    _read(".json", json.dumps({"segments": segments}).encode())


@SETTINGS
@given(rows=st.lists(st.lists(st.text(max_size=30), min_size=0, max_size=6), max_size=20),
       header=st.lists(st.sampled_from(["speaker", "text", "transcript_id", "utterance_id",
                                        "start", "end", "interlocutor", "x"]),
                       min_size=1, max_size=6))
def test_odd_tables(rows: list[list[str]], header: list[str]) -> None:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    _read(".csv", buf.getvalue().encode())
