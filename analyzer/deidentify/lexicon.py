"""Word lists and common-word logic: what is an ordinary English word, and what never a name.

General English knowledge only, nothing from any transcript. ``common_words`` is built once
per process from the WordNet index shipped in the spaCy pipeline and the Webster's list in the
``english-words`` package; ``is_common`` and ``truecase`` build on it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from analyzer.deidentify.engine import load_ner_nlp
from analyzer.roles import CLIENT_WORDS, THERAPIST_WORDS

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
    "och", "dae", "polis", "naebody", "nae", "gonnae", "wan", "hame", "yin", "ony", "awfy",
    "doon", "roon", "efter", "wisnae", "disnae", "oan", "av", "youse", "yous", "wur",
    "arvo", "reckon", "heaps", "yinz", "fixin", "nothin", "somethin", "goin",
    "doin", "talkin", "sayin", "mhmm", "uh-uh", "mm-hmm", "ahh", "ooh", "eh",
})  # fmt: skip

_TLDS = ("com", "org", "net", "edu", "gov", "co", "uk", "io", "ie", "us", "ca", "au", "info",
         "me", "nhs", "ac", "biz", "de", "fr", "nz", "app", "dev")

# ---------------------------------------------------------------------------------------------
# Common English words (loaded once per process)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Lower-case English words that are not (mainly) proper names.

    From the WordNet index and irregular forms shipped in the spaCy pipeline: every verb,
    adjective and adverb, and the nouns that Webster's 2nd (package ``english-words``) also
    lists in lower case (WordNet's noun index holds many lower-cased names and places);
    plus spaCy's stop words, transcription fillers and a few everyday modern words.
    """
    from english_words import get_english_words_set
    from spacy.lang.en.stop_words import STOP_WORDS

    web2 = {w for w in get_english_words_set(["web2"], alpha=True) if w.islower()}
    lookups = load_ner_nlp().get_pipe("lemmatizer").lookups
    index, exceptions = lookups.get_table("lemma_index"), lookups.get_table("lemma_exc")
    words: set[str] = set(web2 & set(index.get("noun", [])))
    for pos in ("verb", "adj", "adv"):
        words.update(index.get(pos, []))
        words.update(exceptions.get(pos, {}))
    words.update(exceptions.get("noun", {}))
    words = {w for w in words if w.isalpha()}
    return frozenset(words | set(STOP_WORDS) | _FILLERS | _MODERN_WORDS)


#: Everyday words too new for the dictionaries above.
_MODERN_WORDS = frozenset({
    "email", "emails", "emailed", "website", "websites", "online", "internet", "app", "apps",
    "laptop", "smartphone", "wifi", "selfie", "texting", "texted", "caregiver", "caregivers",
    "medicare", "medicaid", "podcast", "youtube", "google", "googled", "zoom", "login",
    "password", "username", "voicemail", "inbox", "screenshot", "hashtag", "vape", "vaping",
    "uber", "covid", "lockdown", "homeschool", "meme", "memes", "emoji", "blog", "netflix",
    "facebook", "instagram", "whatsapp", "snapchat", "tiktok", "ok", "okay", "righto",
    "alright", "authorisation", "organisation", "organise", "realise", "apologise",
    "recognise", "prioritise", "colour", "behaviour", "neighbour", "favourite", "mum", "mam",
})  # fmt: skip


_SUFFIXES = ("'s", "’s", "s", "es", "ed", "d", "ing", "ly", "er", "ers", "ies")


def is_common(word: str, lemma: str | None = None) -> bool:
    """True when ``word`` (any case) is an ordinary English word rather than a name."""
    low = word.lower().replace("’", "'").strip("'-.")
    low = re.sub(r"'(?:s|d|ll|re|ve|m|t)$|n't$", "", low)
    if not low or not low.replace("'", "").replace("-", "").isalpha():
        return True
    vocab = common_words()
    if low in vocab or (lemma and lemma.lower() in vocab):
        return True
    if "-" in low:
        return all(is_common(part) for part in low.split("-") if part)
    for suffix in _SUFFIXES:
        stem = low[: -len(suffix)]
        if not low.endswith(suffix) or len(stem) < 3:
            continue
        if stem in vocab or stem + "e" in vocab or (stem[-1] == stem[-2] and stem[:-1] in vocab):
            return True
    return low.endswith("ies") and low[:-3] + "y" in vocab


@lru_cache(maxsize=1)
def _STOPS() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | {"my", "our", "your", "their", "his", "her", "the", "this"}


def _function_word(low: str) -> bool:
    """A lower-case stop word or transcription filler: never (part of) an identifier."""
    return low in _STOPS() or low in _FILLERS


_POSSESSIVE_S = re.compile(r"['’]s$")


# ---------------------------------------------------------------------------------------------
# Lower-case (ASR) text
# ---------------------------------------------------------------------------------------------

def _is_lowercase_text(text: str) -> bool:
    """ASR-style text: several words, no capitals except the pronoun I, and a sentence that
    starts in lower case ("I didn't know. I should ..." is ordinary text)."""
    words = re.findall(r"[A-Za-z][A-Za-z']*", text)
    caps = [w for w in words if w[0].isupper() and not re.fullmatch(r"I(?:'\w+)?", w)]
    if len(words) < 3 or caps:
        return False
    return words[0][0].islower() or bool(re.search(r"[.?!]\s+[a-z]", text))


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
        core = _POSSESSIVE_S.sub("", word)
        if len(core) >= 3 and core not in _NUMBER_WORDS and not is_common(core):
            chars[m.start()] = word[0].upper()
    for m in re.finditer(r"(?<![\w'’])i(?=\b|['’])", text):
        chars[m.start()] = "I"
    return "".join(chars)


# ---------------------------------------------------------------------------------------------
# Speaker labels
# ---------------------------------------------------------------------------------------------


def speaker_names(label: str) -> list[str]:
    """Personal names in a speaker label ("Dr. Okafor" -> ["Okafor"], "Client (Hope)")."""
    words = re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", label)  # "SPEAKER_00" -> SPEAKER
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

