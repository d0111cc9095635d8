"""Regular-expression rules: dates, phone numbers, IDs, locations and organisations.

Each ``_Rule`` is a pattern with a placeholder type and score, optionally a ``check`` that
accepts or rejects a match from its context and an ``adjust`` that narrows its span.
``_all_rules`` is the full list, run by ``recognizers._RuleRecognizer``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from analyzer.deidentify.lexicon import (
    _FILLERS,
    _GREETINGS,
    _NOT_NAMES,
    _NUMBER_WORDS,
    _STOPS,
    _function_word,
    is_common,
)

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
_NAME_WORD = re.compile(r"[^\W\d_][\w'’-]*")  # a word that could be (part of) a name
_LOW_ORG_SUFFIX = (r"(?:homes|housing|foods|poultry|bakery|centre|center|hospital|clinic|"
                   r"court|pharmacy|school|primary|academy|college|university|church|trust|"
                   r"council|agency|association|services|group|ltd|inc|motors|garage|surgery|"
                   r"logistics|insurance|mutual|freight|couriers|hub|mining|farms|"
                   r"supplies|builders|transport)")
_LOW_STREET_SUFFIX = (r"(?:road|street|lane|avenue|drive|crescent|terrace|gardens|grove|"
                      r"parkway|boulevard|highway|square|close|place|court|wynd|brae)")


@dataclass(frozen=True)
class _Rule:
    entity: str
    pattern: re.Pattern[str]
    score: float
    group: int = 0
    check: Callable[[re.Match[str]], bool] | None = None
    adjust: Callable[[re.Match[str]], tuple[int, int] | None] | None = None


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def _from_uncommon_word(m: re.Match[str]) -> tuple[int, int] | None:
    """Span from the first uncommon (name-like) word of the match to its end, or None.

    For lower-case street and organisation names: "the building on kelvinbrae street" ->
    "kelvinbrae street"; "the busy road" -> None.
    """
    words = list(_NAME_WORD.finditer(m.group(0)))[:-1]
    for k, w in enumerate(words):
        word = w.group(0).lower()
        if len(word) >= 3 and not is_common(word) and word not in _NOT_NAMES \
                and word.rstrip("s") not in _NOT_NAMES and word not in _FILLERS:
            rest = [x.group(0).lower() for x in words[k + 1:]]
            if any(_function_word(x) for x in rest):
                return None
            return m.start() + w.start(), m.end()
    return None


_ORG_LEAD = frozenset({"at", "for", "from", "with", "into", "through", "called", "named"})


def _org_words(m: re.Match[str]) -> tuple[int, int] | None:
    """A lower-case organisation: from its first uncommon word, or (after "at"/"for"/...)
    every word when none is a function word ("at coastline mining services")."""
    found = _from_uncommon_word(m)
    if found:
        return found
    words = list(_NAME_WORD.finditer(m.group(0)))
    for k, w in enumerate(words[:-1]):
        rest = [x.group(0).lower() for x in words[k + 1:-1]]
        if w.group(0).lower() in _ORG_LEAD and rest and not any(
                _function_word(x) or x in _NUMBER_WORDS for x in rest):
            return m.start() + words[k + 1].start(), m.end()
    return None


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
        "avenue", "round", "attempt", "edition", "generation", "st", "one", "try", "go",
        "thing", "person", "person's", "bit", "part", "stage", "level", "chapter", "page"}


def _ordinal_word_ok(m: re.Match[str]) -> bool:
    """"on the seventeenth" is a date when no noun follows ("on the second ring" is not)."""
    after = re.match(r"\s*(\w+)", m.string[m.end():])
    if after is None:
        return True
    word = after.group(1).lower()
    return word == "of" or _function_word(word)


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
        _Rule("DATE", c(rf"\b(?:on|by|until|till|from|since|before|after)\s+the\s+"
                        rf"({_ORD_WORD})\b"), 0.7, group=1, check=_ordinal_word_ok),
        _Rule("DATE", re.compile(rf"\b{_MONTH}\b", _I), 0.7, check=_month_ok),
        _Rule("DATE", c(r"\b\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})\b"), 0.9),
        _Rule("DATE", c(r"\b(?:19|20)\d\d-\d\d-\d\d\b"), 0.9),
        _Rule("DATE", c(r"(?<![\d/])\b\d\d/\d\d\b(?![\d/])"), 0.6),
        _Rule("DATE", c(r"(?<![\d/-])\b(?:19|20)\d\d\b(?![\d/-])"), 0.6),
        _Rule("DATE", c(rf"\bnineteen[- ](?:oh[- ])?{_TENS}(?:[- ]{_UNIT})?\b"), 0.6,
              check=lambda m: m.group(0).split()[1].lower() not in {"nineteen"}),
        _Rule("DATE", c(_HOLIDAYS), 0.6,
              check=lambda m: not re.search(r"\b(?:every|each|all|over)\s+$",
                                            m.string[max(0, m.start() - 8):m.start()], _I)),
    ]


def _phone_rules() -> list[_Rule]:
    def ok(lo: int, hi: int) -> Callable[[re.Match[str]], bool]:
        return lambda m: lo <= _digits(m.group(0)) <= hi

    return [
        _Rule("PHONE", re.compile(r"(?:\+44\s?(?:\(0\)\s?)?\d|\b0\d)\d{1,3}[\s-]?\d{3,4}"
                                  r"[\s-]?\d{3,4}\b"), 0.85, check=ok(10, 12)),
        _Rule("PHONE", re.compile(r"(?:\+?1[\s.-]?)?\(\d{3}\)\s?\d{3}[\s.-]?\d{4}\b"), 0.85),
        _Rule("PHONE", re.compile(r"\(0\d{1,4}\)\s?\d{3,4}[\s-]?\d{3,4}\b"), 0.85,
              check=ok(9, 12)),
        _Rule("PHONE", re.compile(r"(?:\+1[\s.-]?)?\b\d{3}[\s.-]\d{3}[\s.-]\d{4}\b"), 0.7),
        _Rule("PHONE", re.compile(r"(?<![\d-])\b\d{3}-\d{4}\b(?!-\d)"), 0.7),
        _Rule("PHONE", re.compile(r"\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}"), 0.8,
              check=ok(8, 15)),
    ]


_ID_CONTEXT = re.compile(
    r"\b(?:nhs|id|mrn|number|no\.?|ref(?:erence)?|policy|member|case|claim|account|licen[cs]e|"
    r"passport|ssn|social security|national insurance|ni|hospital|patient|record|file|"
    r"registration|reg|plate|badge|ends? in|ending in|last four|code)\b[^.?!]{0,25}$", _I)
_STRONG_ID_CONTEXT = re.compile(
    r"\b(?:nhs|id|mrn|policy|member|case|claim|account|licen[cs]e|passport|ssn|"
    r"social security|national insurance|hospital number|patient number|record|registration|"
    r"plate|badge|medicare|medicaid|insurance)\b[^.?!]{0,25}$", _I)
_PHONE_CONTEXT = re.compile(r"\b(?:phone|mobile|cell|call|ring|text|line|landline|tel|"
                            r"extension|ext|contact)\b[^.?!]{0,25}$", _I)


def _phone_shaped(number: str) -> bool:
    """UK numbers start with 0 and have 10-11 digits; 3-3-4 groups are North American."""
    digits = re.sub(r"\D", "", number)
    return (digits.startswith("0") and 10 <= len(digits) <= 11) or bool(
        re.fullmatch(r"\d{3}[ .-]\d{3}[ .-]\d{4}", number.strip()))


def _id_context(m: re.Match[str]) -> bool:
    """An ID keyword shortly before the match ("MRN", "NHS number", "policy ...")."""
    before = m.string[max(0, m.start() - 45):m.start()]
    if _phone_shaped(m.group(0)) or _PHONE_CONTEXT.search(before):
        return bool(_STRONG_ID_CONTEXT.search(before))
    return bool(_ID_CONTEXT.search(before))


_ID_SKIP = frozenset({"COVID", "PHQ", "GAD", "CORE", "ORS", "SRS", "BDI", "BAI", "PCL", "WSAS",
                      "AUDIT", "DASS", "CIS", "HADS", "K", "SDQ", "ICD", "DSM", "A", "I"})


_ID_LABELS = frozenset({"MRN", "NHS", "ID", "NO", "REF", "NI", "SSN", "DOB", "PIN", "ZIP", "NR",
                        "CRN", "UPN", "ULN", "NINO", "EIN", "TIN"})


def _after_label(m: re.Match[str]) -> tuple[int, int] | None:
    """"MRN 448812" -> just the number: label words stay outside an ID."""
    label = re.match(r"[A-Z]+[ -]?", m.group(0))
    if label and label.group(0).strip(" -") in _ID_LABELS:
        return m.start() + label.end(), m.end()
    return m.start(), m.end()


#: Long digit runs, possibly spaced: one pattern, two ID rules (plain and after an ID keyword).
_DIGIT_RUN = re.compile(r"(?<![\w+(-])\d(?:[ -]?\d){5,}\b")


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
        _Rule("ID", _DIGIT_RUN, 0.65,
              check=lambda m: not re.fullmatch(r"0\d[\d ]+", m.group(0)) or _id_context(m)),
        _Rule("ID", _DIGIT_RUN, 0.95, check=_id_context),
        # capital letters then digits: plates, licences, NI numbers (GHK 4471, QQ 12 34 56 C)
        _Rule("ID", re.compile(r"\b[A-Z]{1,4}[ -]?\d{1,4}(?:[ -]?\d{1,4}){0,3}"
                               r"(?:[ -]?[A-Z]{1,3})?\b"), 0.8,
              check=lambda m: _digits(m.group(0)) >= 4
              and re.split(r"[\s\d-]", m.group(0))[0] not in _ID_SKIP, adjust=_after_label),
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
        _Rule("LOCATION", re.compile(rf"(?<![\w'’-])(?:[a-z][\w'’-]+\s+){{1,3}}"
                                     rf"{_LOW_STREET_SUFFIX}\b", _I), 0.75,
              adjust=_from_uncommon_word),
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
        _Rule("ORGANIZATION", re.compile(rf"(?<![\w'’-])(?:[a-z][\w'’-]+\s+){{1,4}}"
                                         rf"{_LOW_ORG_SUFFIX}(?:\s+{_LOW_ORG_SUFFIX})*\b", _I), 0.7,
              adjust=_org_words),
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


