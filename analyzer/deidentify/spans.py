"""Identifier spans: the ``PhiSpan`` type and how raw detections become final spans.

``_resolve`` trims each detection (leading articles, trailing punctuation), unites
overlapping ones (structural rules in ``_RULE_SOURCES`` decide the type before the
statistical model does), joins adjacent name parts and merges the parts of one postal
address into a single LOCATION.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.deidentify.patterns import _I, _STREET_SUFFIX

#: Placeholder types, in the order they are reported.
PHI_TYPES: tuple[str, ...] = (
    "NAME", "LOCATION", "ORGANIZATION", "DATE", "PHONE", "EMAIL", "URL", "ID",
)  # fmt: skip


@dataclass(frozen=True)
class PhiSpan:
    """One identifier found in a text: character span, placeholder type, confidence, source."""

    start: int
    end: int
    type: str
    score: float
    source: str = ""


def _resolve(results: Iterable[PhiSpan], text: str) -> list[PhiSpan]:
    """Non-overlapping spans: overlapping detections are united; the best-scored type wins."""
    spans = [_trim(s, text) for s in results]
    spans = [s for s in spans if s.end > s.start]
    merged: list[PhiSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            best = last if _rank(last) >= _rank(span) else span
            merged[-1] = PhiSpan(last.start, max(last.end, span.end), best.type,
                                 max(last.score, span.score), best.source)
        elif (merged and merged[-1].type == span.type == "NAME"
              and re.fullmatch(r" ?", text[merged[-1].end:span.start])):
            last = merged[-1]  # "Darnell" + "Anthony Hughes": one name
            merged[-1] = PhiSpan(last.start, span.end, "NAME", max(last.score, span.score),
                                 last.source)
        else:
            merged.append(span)
    return _merge_addresses(merged, text)


#: Recognisers whose type is structural (a street suffix, an @, a phone format): they win
#: the type of an overlap against the statistical model and the name gazetteer.
_RULE_SOURCES = frozenset({"AllianceRules", "AllianceSpoken", "EmailRecognizer",
                           "UrlRecognizer", "PhoneRecognizer", "AllianceNames",
                           "AllianceVocative"})


def _rank(span: PhiSpan) -> tuple[float, int]:
    boost = 0.2 if span.source in _RULE_SOURCES and span.score >= 0.7 else 0.0
    return span.score + boost, span.end - span.start


_TRIM_LEAD = re.compile(r"^(?:the|a|an|my|our|his|her|their|your)\s+", _I)


def _trim(span: PhiSpan, text: str) -> PhiSpan:
    start, end = span.start, span.end
    piece = text[start:end]
    lead = _TRIM_LEAD.match(piece)
    if lead and span.type not in {"DATE"}:
        start += lead.end()
    piece = text[start:end]
    tail = re.search(r"(?:['’]s|[\s,.;:!?'\"’)]+)$", piece)
    if (tail and span.type not in {"URL", "EMAIL"}) or (tail and tail.group(0).strip() in {
            "", ",", ";", ":", "?", "!", ")", "'", '"'}):
        end -= len(tail.group(0))
    while start < end and text[start] in " ,;:[\"'" + ("" if span.type == "PHONE" else "("):
        start += 1
    return PhiSpan(start, end, span.type, span.score, span.source)


_ADDRESS_PART = re.compile(r"\d|\b(?:flat|apt|apartment|unit|suite)\b|" + _STREET_SUFFIX + r"\b",
                           _I)
_TOWN_GAP = re.compile(r"[,\s]*(?:[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2}[,\s]+)?")


def _merge_addresses(spans: list[PhiSpan], text: str) -> list[PhiSpan]:
    """Join the parts of one postal address ("Flat 3, 112 Quarry Lane, Millbrook, MB4 7TQ")."""
    out: list[PhiSpan] = []
    for span in spans:
        if out and _joinable(out[-1], span, text):
            last = out[-1]
            out[-1] = PhiSpan(last.start, span.end, "LOCATION", max(last.score, span.score),
                              "address")
        else:
            out.append(span)
    return out


def _joinable(a: PhiSpan, b: PhiSpan, text: str) -> bool:
    kinds = {"LOCATION", "NAME", "ORGANIZATION", "ID"}
    if a.type not in kinds or b.type not in kinds:
        return False
    gap = text[a.end:b.start]
    if not _TOWN_GAP.fullmatch(gap) or "\n" in gap or len(gap) > 40:
        return False
    if not gap.strip() and "," not in gap and len(gap) > 1:
        return False
    left, right = text[a.start:a.end], text[b.start:b.end]
    address = (a.type == "LOCATION" and bool(_ADDRESS_PART.search(left))) or (
        b.type == "LOCATION" and bool(_ADDRESS_PART.search(right)))
    return address and ("LOCATION" in {a.type, b.type}) and "," in gap + ","


_LOCATION_TAIL = re.compile(r"\s+(?:north|south|east|west|central|city|town|village)\b", _I)


def _extend_location(span: PhiSpan, text: str) -> PhiSpan:
    tail = _LOCATION_TAIL.match(text, span.end) if span.type == "LOCATION" else None
    return PhiSpan(span.start, tail.end(), span.type, span.score, span.source) if tail else span

