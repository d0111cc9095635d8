from __future__ import annotations

from analyzer.readers import RawSegment, merge_segments
from analyzer.segment import chunk_spans, sentence_spans, split_sentences
from tests.conftest import make_session


def test_merge_rule_joins_consecutive_speaker_segments() -> None:
    segs = [RawSegment("A", "one", 0, 1, "1"), RawSegment("A", "two", 1, 2, "2"),
            RawSegment("B", "three", 2, 3, "3"), RawSegment("A", "four", 3, 4, "4")]
    merged = merge_segments(segs)
    assert [(m.speaker, m.text, m.start, m.end, m.source_id) for m in merged] == [
        ("A", "one two", 0, 2, "1-2"), ("B", "three", 2, 3, "3"), ("A", "four", 3, 4, "4")]
    assert segs[0].text == "one"  # inputs untouched


def test_sentences_are_character_spans() -> None:
    s = make_session([("Therapist", "How are you? I noticed you seemed quiet. Is that right?")])
    split_sentences(s)
    u = s.utterances[0]
    assert len(u.sentences) == 3
    assert u.sentence_texts()[1] == "I noticed you seemed quiet."


def test_a_20000_word_turn_is_segmented_and_chunked_without_loss() -> None:
    text = " ".join(f"This is sentence {i} about the week and how it went." for i in range(1900))
    assert len(text.split()) > 20_000
    (spans,) = sentence_spans([text])
    assert len(spans) > 1000
    chunks = chunk_spans(text, spans, max_tokens=128)
    assert all(len(text[a:b].split()) <= 128 for a, b in chunks)
    covered = "".join(text[a:b] for a, b in chunks).replace(" ", "")
    assert covered == text.replace(" ", "")


def test_one_giant_sentence_is_split_at_words() -> None:
    text = "word " * 5000
    chunks = chunk_spans(text, [(0, len(text))], max_tokens=100)
    assert len(chunks) >= 50
    assert sum(len(text[a:b].split()) for a, b in chunks) == 5000
