"""Speaker roles: role words, explicit therapist names, and a documented fallback heuristic.

Pipeline step ``assign_roles(session, therapists=...)``
reads ``session.speakers`` and the utterances' text; writes ``session.speakers``,
``session.roles_inferred`` and every ``utterance.role``.

Order of precedence:
1. ``--therapist NAME`` (repeatable), or ``therapist:`` in the file's front matter: those
   speakers are therapists, everyone else a client.
2. Role words in the speaker label ("Therapist", "Counsellor", "T", "Client", "Patient", ...).
3. The fallback heuristic, used only when no therapist is known after 1 and 2. Each speaker
   without a role gets a score: the share of their turns that ask a question, plus 0.25 for
   speaking first, plus 0.5 for a clinical title ("Dr.", "Doctor"). The top scorer is the
   therapist; every other speaker is a client. The session is marked ``roles_inferred`` so the
   app and CLI show the roles as a guess to confirm.
Sessions with more than two speakers (couples, families) work the same way: everyone who is
not a therapist is a client. Co-therapists are named with ``--therapist`` twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from analyzer.errors import RoleError
from analyzer.session import Session

log = logging.getLogger(__name__)

THERAPIST_WORDS = frozenset(
    {
        "therapist", "counselor", "counsellor", "clinician", "psychologist", "psychotherapist",
        "psychiatrist", "interviewer", "practitioner", "provider", "facilitator", "coach",
        "cotherapist", "co-therapist", "t", "th", "ther", "dr", "doctor",
    }
)  # fmt: skip
CLIENT_WORDS = frozenset(
    {
        "client", "patient", "c", "p", "pt", "cl", "interviewee", "participant", "partner",
        "parent", "mother", "father", "mom", "mum", "dad", "son", "daughter", "child",
    }
)  # fmt: skip

_TITLE = re.compile(r"^\s*(dr\.?|doctor|prof\.?)\s+\S", re.IGNORECASE)


def _words(label: str) -> list[str]:
    return [w for w in re.split(r"[^a-z\-]+", label.lower()) if w]


def role_from_label(label: str) -> str | None:
    """Role implied by a speaker label's role word, or None ("Dr. Okafor" is a name, not a role).

    "Therapist", "Counselor 2", "T", "Client (Anna)", "Patient" are mapped; a title with a
    surname is left to the heuristic.
    """
    words = _words(label)
    if not words:
        return None
    first = words[0]
    if _TITLE.match(label) and len(words) > 1:
        return None
    if first in THERAPIST_WORDS:
        return "therapist"
    if first in CLIENT_WORDS:
        return "client"
    return None


def assign_roles(session: Session, therapists: Iterable[str] = ()) -> Session:
    """Decide every speaker's role (see the module docstring for the rules)."""
    named = [t.strip() for t in therapists if t.strip()] or _declared_therapists(session)
    speakers = list(dict.fromkeys(u.speaker for u in session.utterances))
    roles = {s: session.speakers.get(s, "other") for s in speakers}
    inferred = False
    if named:
        lookup = {s.casefold(): s for s in speakers}
        missing = [n for n in named if n.casefold() not in lookup]
        if missing:
            raise RoleError(
                f"--therapist {missing[0]!r} is not a speaker in this session",
                path=session.source,
                hint=f"speakers are: {', '.join(speakers)}",
            )
        chosen = {lookup[n.casefold()] for n in named}
        roles = {s: ("therapist" if s in chosen else "client") for s in speakers}
    else:
        if "therapist" not in roles.values():
            therapist = _guess_therapist(session, [s for s in speakers if roles[s] != "client"])
            if therapist is not None:
                roles[therapist] = "therapist"
                inferred = True
        if "therapist" in roles.values():
            roles = {s: ("client" if r == "other" else r) for s, r in roles.items()}
    session.speakers = roles  # type: ignore[assignment]
    session.roles_inferred = inferred or (session.roles_inferred and not named)
    for utt in session.utterances:
        utt.role = roles.get(utt.speaker, "other")  # type: ignore[assignment]
    if inferred:
        log.info("%s: roles inferred by heuristic: %s", session.id, roles)
    return session


def _declared_therapists(session: Session) -> list[str]:
    """Therapist names declared in the file's front matter (``therapist:`` / ``therapists:``)
    that match a speaker label; unmatched names (a full name, say) are ignored."""
    declared = session.metadata.get("therapists", session.metadata.get("therapist"))
    names = [declared] if isinstance(declared, str) else list(declared or [])
    speakers = {u.speaker.casefold() for u in session.utterances}
    return [str(n) for n in names if str(n).casefold() in speakers]


def _guess_therapist(session: Session, candidates: list[str]) -> str | None:
    if not candidates:
        return None
    turns: dict[str, int] = dict.fromkeys(candidates, 0)
    questions: dict[str, int] = dict.fromkeys(candidates, 0)
    for utt in session.utterances:
        if utt.speaker in turns:
            turns[utt.speaker] += 1
            questions[utt.speaker] += "?" in utt.text
    first = session.utterances[0].speaker if session.utterances else None

    def score(speaker: str) -> float:
        value = questions[speaker] / max(turns[speaker], 1)
        value += 0.25 if speaker == first else 0.0
        value += 0.5 if _TITLE.match(speaker) else 0.0
        return value

    return max(candidates, key=lambda s: (score(s), turns[s]))
