"""The project's Presidio recognisers (what a statistical NER model misses in therapy talk).

* ``_RuleRecognizer``: the regular-expression rules of ``patterns`` (dates, phones, IDs,
  addresses, organisations);
* ``_SpokenRecognizer``: identifiers read aloud (digit runs, spelled codes, "x at y dot com");
* ``_NameContextRecognizer``: person names from their context (titles, relations,
  introductions, address, proper nouns) and places after prepositions in lower-case text;
* ``_KnownNamesRecognizer``: the session's own names, added per call in pass 2.

The token helpers (``_namelike``, ``_starts_sentence``, ...) work on the tokens of the spaCy
``Doc`` that Presidio's NLP engine produced (``_NameContextRecognizer`` indexes a list of them:
indexing a ``Doc`` builds a new ``Token`` each time); ``_LOWER_KEY`` in its ``user_data`` marks
lower-case ASR text.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from analyzer.deidentify.lexicon import (
    _CALLED,
    _FILLERS,
    _GREETINGS,
    _INTRO,
    _NOT_NAMES,
    _NUMBER_WORDS,
    _PERSON_NOUNS,
    _RELATIONS,
    _STOPS,
    _TITLES,
    _TLDS,
    _function_word,
    is_common,
)
from analyzer.deidentify.patterns import _I, _NAME_WORD, _all_rules
from analyzer.deidentify.spans import PHI_TYPES


def _result(entity: str, start: int, end: int, score: float, name: str) -> RecognizerResult:
    return RecognizerResult(entity_type=entity, start=start, end=end, score=score,
                            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: name})


class _AllianceRecognizer(EntityRecognizer):
    """Base of the project's recognisers: English only, nothing to load."""

    def __init__(self, entities: list[str], name: str) -> None:
        super().__init__(supported_entities=entities, name=name, supported_language="en")

    def load(self) -> None:
        pass


class _RuleRecognizer(_AllianceRecognizer):
    """The project's regular-expression rules (dates, phones, IDs, addresses, organisations)."""

    def __init__(self) -> None:
        super().__init__(list(PHI_TYPES), "AllianceRules")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        out = []
        for rule in _all_rules():
            for m in rule.pattern.finditer(text):
                if not m.group(rule.group) or (rule.check is not None and not rule.check(m)):
                    continue
                span = rule.adjust(m) if rule.adjust else (m.start(rule.group),
                                                            m.end(rule.group))
                if span:
                    out.append(_result(rule.entity, span[0], span[1], rule.score, self.name))
        return out


_SPOKEN_DIGIT = {"zero": 1, "oh": 1, "o": 1, "nought": 1, "one": 1, "two": 1, "three": 1,
                 "four": 1, "five": 1, "six": 1, "seven": 1, "eight": 1, "nine": 1,
                 "double": 1, "triple": 2, "treble": 2, "hundred": 2}
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?", _I)


class _SpokenRecognizer(_AllianceRecognizer):
    """Identifiers read aloud: digit runs, spelled codes, "x at y dot com", "y dot org"."""

    def __init__(self) -> None:
        super().__init__(["PHONE", "ID", "EMAIL", "URL"], "AllianceSpoken")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        words = [(m.group(0).lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
        return self._digit_runs(text, words) + self._addresses(text, words)

    def _digit_runs(self, text: str, words: list[tuple[str, int, int]]) -> list[Any]:
        out, i = [], 0
        while i < len(words):
            j = i
            while j < len(words) and self._spoken_item(words[j][0]) and (
                    j == i or _only_separators(text[words[j - 1][2]:words[j][1]])):
                j += 1
            run = words[i:j]
            while run and run[-1][0] in {"a", "i", "o", "double", "triple", "hundred"}:
                run = run[:-1]
            while run and run[0][0] in {"a", "i", "o", "hundred"}:
                run = run[1:]
            digits = sum(_SPOKEN_DIGIT.get(w, 0) for w, _, _ in run)
            letters = sum(1 for w, _, _ in run if len(w) == 1 and w.isalpha() and w != "o")
            if run and letters == 0 and digits >= 7:
                out.append(_result("PHONE", run[0][1], run[-1][2], 0.8, self.name))
            elif run and letters >= 2 and digits >= 2 and len(run) >= 5:
                out.append(_result("ID", run[0][1], run[-1][2], 0.8, self.name))
            i = max(j, i + 1)
        return out

    @staticmethod
    def _spoken_item(word: str) -> bool:
        return word in _SPOKEN_DIGIT or (len(word) == 1 and word.isalpha()) or word.isdigit()

    def _addresses(self, text: str, words: list[tuple[str, int, int]]) -> list[Any]:
        out = []
        tokens = [w for w, _, _ in words]
        for k, word in enumerate(tokens):
            if word != "dot" or k + 1 >= len(tokens) or tokens[k + 1] not in _TLDS:
                continue
            end_k = k + 1
            while end_k + 2 < len(tokens) and tokens[end_k + 1] in {"slash", "dot"}:
                end_k += 2
            start_k = k - 1
            while start_k >= 2 and tokens[start_k - 1] in {"dot", "dash", "hyphen"}:
                start_k -= 2
            if start_k < 0:
                continue
            if start_k >= 2 and tokens[start_k - 1] == "at":
                local = self._local_part(tokens, start_k - 2)
                if local is not None:
                    out.append(_result("EMAIL", words[local][1], words[end_k][2], 0.85,
                                       self.name))
                    continue
            while start_k >= 1 and tokens[start_k - 1] in {"www", "w", "http", "https"}:
                start_k -= 1
            out.append(_result("URL", words[start_k][1], words[end_k][2], 0.75, self.name))
        return out

    @staticmethod
    def _local_part(tokens: list[str], k: int) -> int | None:
        """Index of the first word of the spoken local part ending at ``k`` (max 5 words)."""
        stops = _STOPS() - _NUMBER_WORDS
        start = None
        for i in range(k, max(-1, k - 5), -1):
            word = tokens[i]
            if word in {"email", "e", "mail", "address", "um", "uh", "it's", "its", "is"} or (
                    word in stops and word not in {"dot", "underscore", "dash"}):
                break
            start = i
        return start


def _only_separators(gap: str) -> bool:
    return bool(re.fullmatch(r"[\s,.-]{1,3}", gap))


#: Possessive determiners before a relation or title ("my sister", "ma pal", "her uncle").
_POSSESSIVES = frozenset({"my", "ma", "your", "his", "her", "our", "their"})


class _NameContextRecognizer(_AllianceRecognizer):
    """Person names from their context: titles, relations, introductions, address, PROPN."""

    def __init__(self) -> None:
        super().__init__(["NAME"], "AllianceNames")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        lower = _lowercased(nlp_artifacts.tokens)
        doc = list(nlp_artifacts.tokens)  # the Doc's tokens, each created once, not per lookup
        out = []
        for i, tok in enumerate(doc):
            score = self._trigger_score(doc, i, lower)
            if score and i + 1 < len(doc):
                j = i + 1 + (doc[i + 1].text == "," and i + 2 < len(doc))
                if doc[i].lower_ in {"mr", "mrs", "ms", "dr", "st"} and doc[j].text == ".":
                    j += 1
                loose = doc[i].lower_ in _CALLED or (
                    lower and score >= 0.8 and doc[j].pos_ in {"PROPN", "NOUN", "ADJ"})
                span = _name_run(doc, j, lower, after_called=loose)
                if span:
                    out.append(_result("NAME", doc[span[0]].idx, _end(doc[span[1] - 1]),
                                       score, self.name))
            if _propn_name(doc, i, lower):
                k = i + 1
                while k < len(doc) and _propn_name(doc, k, lower, inner=True):
                    k += 1
                out.append(_result("NAME", tok.idx, _end(doc[k - 1]), 0.5, self.name))
            if lower and i and doc[i - 1].lower_ in _PLACE_PREPOSITIONS and _truecased(tok):
                out.append(_result("LOCATION", tok.idx, _end(tok), 0.55, self.name))
        out += self._vocatives(doc, lower)
        return out

    @staticmethod
    def _trigger_score(doc: Any, i: int, lower: bool) -> float:
        word = doc[i].lower_.rstrip(".")
        prev = doc[i - 1].lower_ if i else ""
        if word in _TITLES and (doc[i].text[0].isupper() or lower or word in {"dr", "doctor"}):
            if word in {"sister", "brother", "father", "lady", "nurse", "coach", "doctor",
                        "cousin", "elder"} and prev in (_POSSESSIVES | {"a", "the"}):
                return 0.8 if word != "lady" else 0.0  # "my sister X": a relation
            return 0.85
        if word in _RELATIONS and prev in (_POSSESSIVES | {"mah", "me"}):
            return 0.8
        if word in _CALLED or (word in _PERSON_NOUNS and prev in {"a", "this", "one"}):
            return 0.8
        if i and (prev, doc[i].lower_) in _INTRO:
            return 0.75
        return 0.0

    @staticmethod
    def _vocatives(doc: Any, lower: bool) -> list[Any]:
        out = []
        for i, tok in enumerate(doc):
            if not _namelike(tok, lower):
                continue
            prev = doc[i - 1] if i else None
            nxt = doc[i + 1] if i + 1 < len(doc) else None
            after_greeting = prev is not None and (
                prev.lower_ in _GREETINGS or (prev.text == "," and i >= 2
                                               and doc[i - 2].lower_ in _GREETINGS))
            closes = nxt is None or nxt.text in {",", ".", "?", "!", ";", "…"}
            after_comma = prev is not None and prev.text == ","
            opens = _starts_sentence(tok) and nxt is not None and nxt.text == ","
            common = is_common(tok.text, tok.lemma_)
            if common and not tok.text[0].isupper():
                continue
            if (after_greeting and (closes or not common)) or (after_comma and closes) or (
                    opens and not common):
                if tok.lower_ in _GREETINGS:
                    continue
                out.append(_result("NAME", tok.idx, _end(tok), 0.7, "AllianceVocative"))
        return out


# ---------------------------------------------------------------------------------------------
# Token helpers (the tokens of the spaCy Doc of Presidio's NLP engine)
# ---------------------------------------------------------------------------------------------

def _starts_sentence(tok: Any) -> bool:
    """First word of a sentence, or after a quote, bracket ("[laughs] Good.") or colon."""
    if tok.is_sent_start or tok.i == 0:
        return True
    return tok.doc[tok.i - 1].text in {'"', "[", "]", "(", ")", ":", "“", "‘", "-", "—", "…"}


def _end(tok: Any) -> int:
    return tok.idx + len(tok.text)


def _lowercased(doc: Any) -> bool:
    """Whether the analysed text was lower-case ASR text (set by ``_analyze``)."""
    return bool(doc.user_data.get(_LOWER_KEY, False))


_LOWER_KEY = "alliance_lowercased"


def _namelike(tok: Any, lower: bool) -> bool:
    """Could this token be (part of) a person's name?"""
    text = tok.text
    if not _NAME_WORD.fullmatch(text) or len(text) < 2:
        return False
    low = text.lower()
    if low in _NOT_NAMES or _function_word(low) or low in _TITLES:
        return False
    if text[0].isupper():
        return not (text.isupper() and len(text) <= 5)  # CBT, NHS, GP: acronyms, not names
    return lower and not is_common(text, tok.lemma_)


def _plain_word(tok: Any) -> bool:
    return tok.is_alpha and not _function_word(tok.lower_)


def _name_run(doc: Any, j: int, lower: bool, after_called: bool = False) -> tuple[int, int] | None:
    """Token range of the name starting at ``j`` (up to 3 tokens), or None.

    After "called"/"named" in lower-case text any plain words count ("a lady named bonnie
    sue ..."); elsewhere only name-like tokens of the same capitalisation.
    """
    loose = lower and after_called
    if j >= len(doc) or not (_namelike(doc[j], lower) or (loose and _plain_word(doc[j]))):
        return None
    first = doc[j]
    if (first.text[0].isupper() and is_common(first.text, first.lemma_)
            and first.pos_ != "PROPN" and _starts_sentence(first)):
        return None
    k = j + 1
    while k < len(doc) and k - j < 3:
        tok = doc[k]
        if tok.text[0].isupper() != first.text[0].isupper() and not lower:
            break
        if not ((_namelike(tok, lower) and (tok.text[0].isupper() or not is_common(tok.text)))
                or (loose and _plain_word(tok))):
            break
        k += 1
    return j, k


_OWN_NER = frozenset({"PERSON", "GPE", "LOC", "FAC", "ORG", "NORP", "DATE", "TIME", "MONEY",
                      "CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "LANGUAGE"})


def _propn_name(doc: Any, i: int, lower: bool, inner: bool = False) -> bool:
    """A capitalised word the NER model did not label that reads as a name.

    In ordinary text: a word capitalised mid-sentence ("me and Summer and ..."), or a
    sentence-initial proper noun that is not also a common word. In lower-case text: a word
    truecasing capitalised that the tagger calls a proper noun.
    """
    tok = doc[i]
    if not tok.text[0].isupper() or not _namelike(tok, False) or tok.ent_type_ in _OWN_NER:
        return False
    if lower:
        return _truecased(tok) and tok.pos_ == "PROPN"
    if inner:
        return tok.pos_ == "PROPN" or not is_common(tok.text, tok.lemma_)
    if _starts_sentence(tok):
        return tok.pos_ == "PROPN" and not is_common(tok.text, tok.lemma_)
    return True


def _truecased(tok: Any) -> bool:
    """A word of lower-case text that ``truecase`` capitalised (an uncommon word)."""
    return tok.text[0].isupper() and tok.text != "I" and not tok.text.startswith("I'") \
        and tok.lower_ not in _FILLERS and tok.lower_ not in _NOT_NAMES


_PLACE_PREPOSITIONS = frozenset({"in", "to", "tae", "at", "from", "fae", "near", "into",
                                 "towards", "round", "around", "outside", "past", "via"})


# ---------------------------------------------------------------------------------------------
# Session names (pass 2)
# ---------------------------------------------------------------------------------------------

class _KnownNamesRecognizer(_AllianceRecognizer):
    """The session's own names (speakers, ``extra_names``, names found in pass 1)."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__(list(PHI_TYPES), "AllianceKnown")
        self.names = names  # lower-case surface -> type
        words = sorted(names, key=len, reverse=True)
        self.pattern = re.compile(
            r"(?<![\w'’-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", _I
        ) if words else None

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if self.pattern is None:
            return []
        doc = nlp_artifacts.tokens if nlp_artifacts is not None else None
        out = []
        for m in self.pattern.finditer(text):
            if self._accept(m, doc):
                out.append(_result(self.names[m.group(0).lower()], m.start(), m.end(), 0.9,
                                   self.name))
        return out

    @staticmethod
    def _accept(m: re.Match[str], doc: Any) -> bool:
        """Names that are also common words ("Will", "Hope") only where they read as names."""
        surface = m.group(0)
        if not any(is_common(w) for w in surface.split()):
            return True
        if doc is None:
            return surface[0].isupper()
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is None or not len(span):
            return surface[0].isupper()
        first = span[0]
        prev = doc[span.start - 1] if span.start else None
        nxt = doc[span.end] if span.end < len(doc) else None
        if not surface[0].isupper():
            return _lowercased(doc) and first.pos_ not in _NOT_NAME_POS and (
                prev is None or prev.pos_ not in {"DET", "ADJ", "NUM", "PRON", "PART"})
        if not _starts_sentence(first):
            return True
        if first.pos_ in {"PROPN", "NOUN", "X"} or (
                nxt is not None and nxt.text in {",", "'s", "’s", "?", "!"}):
            return True
        return nxt is not None and nxt.pos_ in {"VERB", "AUX", "ADV"} and nxt.tag_ != "VB"


_NOT_NAME_POS = frozenset({"VERB", "AUX", "ADP", "DET", "PRON", "CCONJ", "SCONJ", "PART",
                           "NUM", "ADV"})


def _rule_recognizers() -> list[Any]:
    """The project recognisers every analysis uses (``_KnownNamesRecognizer`` is per call)."""
    return [_RuleRecognizer(), _SpokenRecognizer(), _NameContextRecognizer()]
