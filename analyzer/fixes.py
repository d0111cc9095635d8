"""Speaker fixes: reassign a turn's speaker, change a speaker's role, split or merge turns.

Each fix edits a Session in place and returns a ``Fix``: what was done, the state it replaced
(for the audit trail in the ``session_edits`` table) and how utterance indices moved, so the
session's reviews can follow their turns (``Store.save_edit`` renumbers them).

A role belongs to a speaker (``Session.speakers``), so a role change applies to all of that
speaker's turns; to give one turn another role, reassign it to a (new) speaker with that role.

``apply_fix`` re-analyses the changed session and saves it with the edit record in one
transaction. Turns whose text changed (split, merged) lose their model output first, so no
stale marker survives. With a tagger installed every turn is tagged again (roles feed the
model). Without one the remaining model markers are kept (less those the codebook no longer
allows for the turn's new role); episodes are rebuilt from them and the alliance profile is
recomputed with the norms it was first computed with.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from analyzer.episodes import build_episodes
from analyzer.errors import AllianceInputError
from analyzer.labels import ROLES, allowed
from analyzer.pipeline import Step, analyze_session
from analyzer.profile import ProfileNorms, profile
from analyzer.session import Session, Utterance
from analyzer.storage import Store

log = logging.getLogger(__name__)


class FixError(AllianceInputError):
    """A speaker fix that does not apply (unknown turn, empty speaker name, ...)."""


@dataclass
class Fix:
    """One applied fix: what, the previous state, and old→new utterance indices."""

    action: str
    details: dict[str, Any]
    previous: dict[str, Any]
    index_map: dict[int, int] = field(default_factory=dict)


def _turn(session: Session, index: int) -> Utterance:
    if not 0 <= index < len(session.utterances):
        raise FixError(f"session {session.id!r} has no turn {index}")
    return session.utterances[index]


def _snapshot(utt: Utterance) -> dict[str, Any]:
    return {"index": utt.index, "source_id": utt.source_id, "speaker": utt.speaker,
            "role": utt.role, "start": utt.start, "end": utt.end, "text": utt.text,
            "labels": utt.labels("model")}


def _role(role: str | None) -> str:
    if role not in ROLES:
        raise FixError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role




def _speaker_role(session: Session, speaker: str, role: str | None) -> str:
    """An existing speaker keeps their role; a new speaker needs one."""
    if speaker in session.speakers:
        return session.speakers[speaker]
    if role is None:
        raise FixError(f"{speaker!r} is a new speaker: choose their role")
    return _role(role)

def _clear_model_output(utt: Utterance) -> None:
    utt.sentences = []
    utt.scores = {}
    utt.annotations = [a for a in utt.annotations if a.origin != "model"]


def _prune_speakers(session: Session) -> None:
    used = {u.speaker for u in session.utterances}
    session.speakers = {s: r for s, r in session.speakers.items() if s in used}


def reassign_speaker(session: Session, index: int, speaker: str,
                     role: str | None = None) -> Fix:
    """Give turn ``index`` to ``speaker``; a new speaker needs a ``role``."""
    utt = _turn(session, index)
    speaker = speaker.strip()
    if not speaker:
        raise FixError("the speaker name is empty")
    if speaker == utt.speaker:
        raise FixError(f"turn {index} is already {speaker}'s")
    new_role = _speaker_role(session, speaker, role)
    previous = {"turns": [_snapshot(utt)], "speakers": dict(session.speakers)}
    old = utt.speaker
    utt.speaker, utt.role = speaker, new_role  # type: ignore[assignment]
    session.speakers[speaker] = new_role  # type: ignore[assignment]
    _prune_speakers(session)
    return Fix("reassign_speaker", {"index": index, "from": old, "to": speaker,
                                    "role": new_role}, previous)


def set_speaker_roles(session: Session, roles: dict[str, str]) -> Fix:
    """Change speakers' roles (``{speaker: role}``) on every one of their turns."""
    changes = {}
    for speaker, role in roles.items():
        if speaker not in session.speakers:
            raise FixError(f"{speaker!r} is not a speaker in session {session.id!r}")
        if session.speakers[speaker] != _role(role):
            changes[speaker] = [session.speakers[speaker], role]
    if not changes:
        raise FixError("no role changed")
    previous = {"speakers": dict(session.speakers), "roles_inferred": session.roles_inferred}
    for speaker, (_, role) in changes.items():
        session.speakers[speaker] = role  # type: ignore[assignment]
    for utt in session.utterances:
        utt.role = session.speakers.get(utt.speaker, "other")  # type: ignore[assignment]
    session.roles_inferred = False  # a person decided
    return Fix("set_role", {"changes": changes}, previous)


def set_speaker_role(session: Session, speaker: str, role: str) -> Fix:
    """Change one speaker's role on every one of their turns."""
    return set_speaker_roles(session, {speaker: role})


def split_points(utt: Utterance) -> list[int]:
    """Character offsets where the turn can be split: its sentence boundaries."""
    return [a for a, _ in utt.sentences[1:]]


def split_turn(session: Session, index: int, at: int, second_speaker: str | None = None,
               second_role: str | None = None) -> Fix:
    """Split turn ``index`` before character ``at``; the second part may go to another speaker.

    Timed turns divide their time in proportion to the characters on each side.
    """
    utt = _turn(session, index)
    first, second = utt.text[:at].rstrip(), utt.text[at:].strip()
    if not 0 < at < len(utt.text) or not first.strip() or not second:
        raise FixError(f"splitting turn {index} at {at} would leave an empty part")
    previous = {"turns": [_snapshot(utt)], "speakers": dict(session.speakers)}
    speaker = (second_speaker or utt.speaker).strip()
    role = _speaker_role(session, speaker, second_role)
    cut = None
    if utt.start is not None and utt.end is not None:
        cut = round(utt.start + (utt.end - utt.start) * at / len(utt.text), 3)
    new = Utterance(index=index + 1, speaker=speaker, role=role,  # type: ignore[arg-type]
                    source_id=f"{utt.source_id}~2" if utt.source_id else None,
                    start=cut, end=utt.end if cut is not None else None, text=second)
    utt.text = first
    if cut is not None:
        utt.end = cut
    _clear_model_output(utt)
    session.speakers[speaker] = role  # type: ignore[assignment]
    session.utterances.insert(index + 1, new)
    index_map = {u.index: u.index + 1 for u in session.utterances[index + 2:]}
    session.reindex()
    return Fix("split", {"index": index, "at": at, "second_speaker": speaker,
                         "first_text": first, "second_text": second}, previous, index_map)


def merge_turns(session: Session, index: int) -> Fix:
    """Merge turn ``index`` with the next one; the merged turn keeps the first speaker."""
    first = _turn(session, index)
    second = _turn(session, index + 1) if index + 1 < len(session.utterances) else None
    if second is None:
        raise FixError(f"turn {index} is the last turn: nothing to merge it with")
    previous = {"turns": [_snapshot(first), _snapshot(second)],
                "speakers": dict(session.speakers)}
    first.text = f"{first.text.rstrip()} {second.text.lstrip()}"
    if second.end is not None or second.start is not None:
        first.end = second.end if second.end is not None else second.start
    _clear_model_output(first)
    first.annotations += [a for a in second.annotations if a.origin != "model"
                          and a.label not in first.labels(a.origin)]
    del session.utterances[index + 1]
    index_map = {index + 1: index}
    index_map.update({u.index: u.index - 1 for u in session.utterances[index + 1:]})
    session.reindex()
    _prune_speakers(session)
    return Fix("merge", {"index": index, "merged": index + 1,
                         "speakers": [previous["turns"][0]["speaker"], second.speaker]},
               previous, index_map)


def reanalyse(session: Session, tagger: Step | None) -> Session:
    """Re-run the analysis on an edited session (see the module docstring)."""
    analyze_session(session, tagger)
    if tagger is None:
        for utt in session.utterances:  # a role change can make a kept marker impossible
            utt.annotations = [a for a in utt.annotations
                               if a.origin != "model" or allowed(a.label, utt.role)]
        if session.episodes or any(a.origin == "model" for u in session.utterances
                                   for a in u.annotations):
            build_episodes(session)  # indices may have moved
        if "profile" in session.summary:
            norms = (session.summary.get("profile") or {}).get("norms")
            profile(session, ProfileNorms(**norms) if norms else None)
    return session


def apply_fix(store: Store, session: Session, fix: Fix, editor: str,
              tagger: Step | None = None) -> str:
    """Re-analyse the fixed session and save it with the edit record; returns the id."""
    if not editor.strip():
        raise FixError("enter your name (Reviewer, in the sidebar) first")
    reanalyse(session, tagger)
    details = {**fix.details, "retagged": tagger is not None}
    session_id = store.save_edit(session, editor.strip(), fix.action, details, fix.previous,
                                 fix.index_map)
    log.info("%s: %s by %s", session_id, fix.action, editor)
    return session_id
