"""De-identification: placeholders, speakers, offline operation, false positives, hard cases."""

from __future__ import annotations

import json
import re
import socket

import pytest

from analyzer import deidentify as deid
from analyzer.deidentify import (
    Placeholders,
    deidentify,
    deidentify_text,
    detect_phi,
    speaker_names,
    truecase,
)
from analyzer.session import Annotation
from tests.conftest import make_session

PLACEHOLDER = re.compile(r"\[(NAME|LOCATION|ORGANIZATION|DATE|PHONE|EMAIL|URL|ID)_\d+\]")


@pytest.fixture(scope="module", autouse=True)
def _engines() -> None:
    """Load spaCy and Presidio once for the module (about 3 s)."""
    deid._engines()
    deid.common_words()


def types_in(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


# --- pure helpers (no engines needed) --------------------------------------------------------

def test_speaker_names_drop_role_words_and_titles() -> None:
    assert speaker_names("Therapist") == []
    assert speaker_names("Client 2") == []
    assert speaker_names("SPEAKER_00") == []
    assert speaker_names("School Counselor") == []
    assert speaker_names("Dr. Okafor") == ["Okafor"]
    assert speaker_names("Client (Hope)") == ["Hope"]
    assert speaker_names("Anna Smith") == ["Anna Smith", "Anna", "Smith"]


def test_placeholders_number_per_type_and_ignore_case() -> None:
    p = Placeholders()
    assert p.get("NAME", "Marcus") == "[NAME_1]"
    assert p.get("NAME", "MARCUS") == "[NAME_1]"
    assert p.get("NAME", "Dana") == "[NAME_2]"
    assert p.get("DATE", "Marcus") == "[DATE_1]"


def test_truecase_keeps_offsets_and_common_words() -> None:
    text = "i saw jamie at the shops in partick yesterday"
    cased = truecase(text)
    assert len(cased) == len(text)
    assert "Jamie" in cased and "Partick" in cased
    assert "shops" in cased and "yesterday" in cased
    assert truecase("Hello Marcus.") == "Hello Marcus."


# --- sessions ------------------------------------------------------------------------------

def test_placeholders_are_consistent_within_a_session() -> None:
    s = make_session([
        ("Therapist", "Hi Marcus, how was the visit to Leeds?"),
        ("Client", "Fine. Dana came too, and marcus junior stayed home."),
        ("Therapist", "So Marcus, what did Dana say about Leeds?"),
    ])
    out = deidentify(s)
    texts = [u.text for u in out.utterances]
    marcus = re.search(r"Hi (\[NAME_\d+\])", texts[0]).group(1)
    assert f"So {marcus}," in texts[2]
    dana = re.search(r"what did (\[NAME_\d+\])", texts[2]).group(1)
    assert dana != marcus and dana in texts[1]
    leeds = re.search(r"to (\[LOCATION_\d+\])", texts[0]).group(1)
    assert texts[2].endswith(f"about {leeds}?")
    for name in ("Marcus", "Dana", "Leeds"):
        assert name not in " ".join(texts)


def test_input_session_is_not_modified() -> None:
    s = make_session([("Therapist", "Hi Marcus."), ("Client", "My number is 07700 900123.")])
    before = s.model_dump()
    out = deidentify(s)
    assert s.model_dump() == before
    assert out is not s and out.utterances[0] is not s.utterances[0]
    assert out.utterances[1].text == "My number is [PHONE_1]."


def test_speaker_labels_become_role_pseudonyms_and_their_names_are_replaced() -> None:
    s = make_session([
        ("Dr. Okafor", "Good morning, Anna. I'm Dr. Okafor."),
        ("Anna Smith", "Morning. My mum still calls me Annie Smith, not Anna."),
        ("Ben Smith", "I'm her brother. Dr Okafor knows me."),
    ])
    s.speakers = {"Dr. Okafor": "therapist", "Anna Smith": "client", "Ben Smith": "client"}
    for utt, role in zip(s.utterances, ("therapist", "client", "client"), strict=True):
        utt.role = role  # type: ignore[assignment]
    out = deidentify(s)
    assert [u.speaker for u in out.utterances] == ["Therapist", "Client", "Client 2"]
    assert out.speakers == {"Therapist": "therapist", "Client": "client", "Client 2": "client"}
    assert [u.role for u in out.utterances] == ["therapist", "client", "client"]
    text = " ".join(u.text for u in out.utterances)
    for name in ("Okafor", "Anna", "Smith", "Ben"):
        assert name not in text, text
    assert out.metadata["deidentified"]["speakers_renamed"] == 3


def test_role_labels_are_kept_and_pseudonyms_do_not_collide() -> None:
    s = make_session([("Therapist", "Hello."), ("Client", "Hi."), ("Maya", "Hi, I'm Maya.")])
    s.speakers["Maya"] = "client"
    s.utterances[2].role = "client"
    out = deidentify(s)
    assert [u.speaker for u in out.utterances] == ["Therapist", "Client", "Client 2"]
    assert "Maya" not in out.utterances[2].text


def test_metadata_counts_without_original_values_and_sentences_cleared() -> None:
    s = make_session([
        ("Therapist", "Hi Marcus. How are you? Email me at marcus.b@example.com."),
        ("Client", "Okay I guess. It was a long week."),
    ])
    for utt in s.utterances:
        utt.sentences = [(0, len(utt.text))]
    s.utterances[0].scores = {"repair": 0.8}
    s.utterances[0].annotations = [Annotation(label="repair", probability=0.8)]
    out = deidentify(s)
    info = out.metadata["deidentified"]
    assert info["method"].startswith("presidio")
    assert info["counts"]["NAME"] == 1 and info["counts"]["EMAIL"] == 1
    assert set(info["counts"]) == set(deid.PHI_TYPES)
    dumped = json.dumps(out.metadata)
    assert "Marcus" not in dumped and "example.com" not in dumped
    assert out.utterances[0].sentences == []  # changed: recomputed by split_sentences
    assert out.utterances[1].sentences == [(0, len(out.utterances[1].text))]  # unchanged
    assert out.utterances[0].scores == {"repair": 0.8}
    assert out.utterances[0].annotations[0].label == "repair"


def test_extra_names_are_replaced() -> None:
    s = make_session([("Client", "Talked to nuala about it, and the ocean helped.")])
    out = deidentify(s, extra_names=["Nuala", "Ocean"])
    assert out.utterances[0].text.startswith("Talked to [NAME_1] about it")
    assert "ocean" in out.utterances[0].text  # a common word, lower case: left alone


# --- offline ---------------------------------------------------------------------------------

def test_no_network_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)  # recorded too: tldextract would swallow the error
        raise OSError("network access attempted during de-identification")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    deid._engines.cache_clear()  # build the Presidio engines (and tldextract) under the guard
    try:
        text = ("Email jo.tremayne@example.co.uk or see https://portal.example.org/intake "
                "and www.talkingtherapies.example.com/self-referral today.")
        out = deidentify_text(text)
        assert types_in(out) == ["EMAIL", "URL", "URL"], out
        assert deid._offline_tldextract()("someone@mail.example.co.uk").suffix == "co.uk"
    finally:
        deid._engines.cache_clear()
    assert attempts == []


# --- false positives -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "We tried CBT last year and DBT skills last week.",
    "The Therapist said Tuesday works, or maybe Friday.",
    "I will hope for the best, and I may march in the parade in the summer.",
    "Last week was rough. Two weeks ago was better. See you next Monday.",
    "I did the PHQ-9 and the GAD-7 with my GP at the NHS clinic.",
    "My mum and dad came to the first session.",
    "On the second floor, the first time, I felt okay.",
])
def test_ordinary_words_survive(text: str) -> None:
    assert deidentify_text(text) == text


def test_common_word_names_only_where_they_are_names() -> None:
    s = make_session([
        ("Client (Hope)", "I hope that's okay. Will always says I talk too much."),
        ("Client (Will)", "I will try. You know Will, I mean me, gets defensive."),
        ("Therapist", "Hope, what would help? And Will, can you listen?"),
    ])
    out = deidentify(s)
    texts = [u.text for u in out.utterances]
    assert texts[0].startswith("I hope that's okay. [NAME_")
    assert texts[1].startswith("I will try. You know [NAME_")
    assert re.fullmatch(r"\[NAME_\d\], what would help\? And \[NAME_\d\], can you listen\?",
                        texts[2])


# --- hard cases ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Hi Marcus, come in.", "Hi [NAME_1], come in."),
    ("Okay, thanks, Dee, that helps.", "Okay, thanks, [NAME_1], that helps."),
    ("We lived at 12 Kingsley Street, then Albert Road, then off Elm Ave.",
     "We lived at [LOCATION_1], then [LOCATION_2], then off [LOCATION_3]."),
    ("It's Flat 3, 112 Quarry Lane, Millbrook, MB4 7TQ.", "It's [LOCATION_1]."),
    ("The case number is 2024-CR-00871 and the MRN 448812.",
     "The case number is [ID_1] and the MRN [ID_2]."),
    ("My policy AB-123-456 and NHS number 943 476 5919.",
     "My policy [ID_1] and NHS number [ID_2]."),
    ("The plate was GHK 4471.", "The plate was [ID_1]."),
    ("Ring 07700 900461 or +44 20 7946 0958, or (555) 010-4477 in the US.",
     "Ring [PHONE_1] or [PHONE_2], or [PHONE_3] in the US."),
    ("We met on Tuesday the 4th and again on the 18th of March 2024.",
     "We met on [DATE_1] and again on the [DATE_2]."),
    ("Her date of birth is 9/17/1983.", "Her date of birth is [DATE_1]."),
    ("I work at Halden Freight and my GP is at Westlake Family Health.",
     "I work at [ORGANIZATION_1] and my GP is at [ORGANIZATION_2]."),
])
def test_hard_cases(text: str, expected: str) -> None:
    assert deidentify_text(text) == expected


def test_lower_case_asr_text() -> None:
    text = ("aye so stevie took jamie tae castlemilk on the twelfth of june and "
            "my number's oh seven seven double oh nine hundred two eight four")
    out = deidentify_text(text)
    for word in ("stevie", "jamie", "castlemilk", "june", "double"):
        assert word not in out, out
    assert "[PHONE_1]" in out and "[DATE_1]" in out
    assert out.startswith("aye so ")


def test_spoken_email_and_id() -> None:
    out = deidentify_text("it's tammy lynn sixty two at example dot com and the id is "
                          "one e g four t e five m k seven three okay")
    assert out == "it's [EMAIL_1] and the id is [ID_1] okay"


def test_detect_phi_spans_point_into_the_original_text() -> None:
    texts = ["Hi Marcus.", "no names here", "call (555) 010-2391"]
    spans = detect_phi(texts)
    assert [[(t[s.start:s.end], s.type) for s in found] for t, found in
            zip(texts, spans, strict=True)] == [[("Marcus", "NAME")], [],
                                                [("(555) 010-2391", "PHONE")]]
