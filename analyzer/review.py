"""Reviewer decisions on model markers: validation, recording, the reviewed state, agreement.

Per utterance a reviewer can

- ``confirm`` a marker (optionally naming its codebook subtype),
- ``reject`` a marker,
- ``relabel`` a marker to another label (the old label goes, the new one comes),
- ``add`` a marker the model missed, and
- ``comment`` on the utterance.

Every action is appended to the ``reviews`` table (``Store.add_review``) with the reviewer,
the time and the model's output for the utterance at that moment. The model's annotations
are never changed: the reviewed state is computed from the log.

Folding the log (``review_state``): actions are applied in the order they were made; for each
(utterance, label) the latest decision wins, so a reviewer can change their mind (confirm a
marker they rejected earlier). Given a reviewer, only their actions count; without one, all
reviewers' actions are folded together (latest decision wins).

Agreement (``session_agreement``): per label, Cohen's kappa between the model's labels and the
reviewed labels over the utterances the reviewer made at least one label decision on.
Utterances nobody looked at are left out (they are not evidence of agreement), and comments
alone do not make an utterance reviewed.

Evidence sentence (``evidence_span``): the sentence of an utterance that the app highlights
as the evidence for its markers. Rule: the ``evidence`` sentence index of the utterance's most
probable annotation that has one; else, when the utterance carries any marker, its longest
sentence (the turn's most substantial content); no highlight on unmarked turns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from analyzer.agreement import LabelAgreement, label_agreement
from analyzer.errors import AllianceInputError
from analyzer.labels import ALLOWED_ROLES, LABELS, SUBTYPES
from analyzer.session import Session, Utterance
from analyzer.storage import Store

log = logging.getLogger(__name__)

ACTIONS: tuple[str, ...] = ("confirm", "reject", "relabel", "add", "comment")
DECISIONS: tuple[str, ...] = ("confirm", "reject", "relabel", "add")
#: Label statuses in the reviewed state; the first three keep the label.
KEPT = ("pending", "confirmed", "added")
STATUSES = (*KEPT, "rejected", "relabelled")
MAX_COMMENT = 2000


class ReviewError(AllianceInputError):
    """A review action that does not apply (unknown label, wrong role, nothing to reject...)."""


@dataclass
class LabelState:
    """One label on one utterance in the reviewed state."""

    label: str
    status: str  # one of STATUSES
    probability: float | None = None  # the model's, when the model marked it
    subtype: str | None = None
    reviewer: str | None = None
    at: str | None = None
    note: str | None = None  # "relabelled to X" / "relabelled from X"

    @property
    def kept(self) -> bool:
        return self.status in KEPT


@dataclass
class UtteranceReview:
    """The model's labels and the reviewed state of one utterance."""

    index: int
    model_labels: list[str]
    labels: dict[str, LabelState] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    decided: bool = False  # at least one label decision
    stale: bool = False  # the utterance's text changed after a review of it

    def effective(self) -> list[str]:
        """The reviewed labels (model labels not rejected or relabelled, plus added ones)."""
        return [lb for lb in LABELS if lb in self.labels and self.labels[lb].kept]

    def subtypes(self) -> dict[str, str]:
        return {lb: s.subtype for lb, s in self.labels.items() if s.kept and s.subtype}

    @property
    def changed(self) -> bool:
        """True when the reviewed labels differ from the model's."""
        return self.effective() != self.model_labels


def model_output(utt: Utterance) -> dict[str, Any]:
    """What the model said about an utterance (stored with every review action)."""
    return {
        "labels": utt.labels("model"),
        "annotations": [{"label": a.label, "probability": a.probability, "subtype": a.subtype}
                        for a in utt.annotations if a.origin == "model"],
        "scores": {k: round(v, 4) for k, v in utt.scores.items()},
        "speaker": utt.speaker,
        "role": utt.role,
        "text": utt.text,
    }


def initial_state(utt: Utterance) -> UtteranceReview:
    model = [a for a in utt.annotations if a.origin == "model"]
    state = UtteranceReview(index=utt.index, model_labels=utt.labels("model"))
    for a in model:
        state.labels[a.label] = LabelState(a.label, "pending", a.probability, a.subtype)
    return state


def review_state(session: Session, reviews: Iterable[dict[str, Any]],
                 reviewer: str | None = None) -> dict[int, UtteranceReview]:
    """The reviewed state of every utterance, folding ``reviews`` (see the module docstring)."""
    states = {u.index: initial_state(u) for u in session.utterances}
    texts = {u.index: u.text for u in session.utterances}
    for r in reviews:
        if reviewer is not None and r["reviewer"] != reviewer:
            continue
        state = states.get(r["utterance_index"])
        if state is None:
            log.warning("%s: review %s points at utterance %s, which no longer exists",
                        session.id, r.get("pk"), r["utterance_index"])
            continue
        _apply(state, r, texts[state.index])
    return states


def _apply(state: UtteranceReview, r: dict[str, Any], text: str) -> None:
    recorded = (r.get("model_output") or {}).get("text")
    if recorded is not None and recorded != text:
        state.stale = True
    who, at, action, label = r["reviewer"], r["created_at"], r["action"], r.get("label")
    if action == "comment":
        state.comments.append({"reviewer": who, "at": at, "text": r.get("comment") or ""})
        return
    if label is None:
        return
    state.decided = True
    current = state.labels.get(label)
    prob = current.probability if current else None
    subtype = r.get("subtype") or (current.subtype if current else None)
    if action == "confirm":
        status = "confirmed" if label in state.model_labels else "added"
        state.labels[label] = LabelState(label, status, prob, subtype, who, at)
    elif action == "reject":
        state.labels[label] = LabelState(label, "rejected", prob, subtype, who, at)
    elif action == "relabel" and r.get("new_label"):
        new = r["new_label"]
        state.labels[label] = LabelState(label, "relabelled", prob, subtype, who, at,
                                         note=f"relabelled to {new}")
        target = state.labels.get(new)
        state.labels[new] = LabelState(new, "added", target.probability if target else None,
                                       r.get("subtype"), who, at, note=f"relabelled from {label}")
    elif action == "add":
        state.labels[label] = LabelState(label, "added", prob, r.get("subtype"), who, at)


def check_action(session: Session, index: int, action: str, *, reviewer: str,
                 label: str | None = None, new_label: str | None = None,
                 subtype: str | None = None, comment: str | None = None,
                 state: UtteranceReview | None = None) -> None:
    """Raise ReviewError (a one-line, fixable message) when the action does not apply."""
    if not reviewer.strip():
        raise ReviewError("enter your name as reviewer first")
    if action not in ACTIONS:
        raise ReviewError(f"unknown review action {action!r}; use one of {', '.join(ACTIONS)}")
    if not 0 <= index < len(session.utterances):
        raise ReviewError(f"session {session.id!r} has no utterance {index}")
    utt = session.utterances[index]
    state = state or initial_state(utt)
    if action == "comment":
        if not (comment or "").strip():
            raise ReviewError("the comment is empty")
        if len(comment or "") > MAX_COMMENT:
            raise ReviewError(f"comments are limited to {MAX_COMMENT} characters")
        return
    if label not in LABELS:
        raise ReviewError(f"unknown label {label!r}; labels are {', '.join(LABELS)}")
    current = state.labels.get(label)
    kept = current is not None and current.kept
    if action == "confirm" and current is None:
        raise ReviewError(f"utterance {index} has no {label} marker to confirm; add it instead")
    if action in ("reject", "relabel") and not kept:
        raise ReviewError(f"utterance {index} carries no {label} marker to {action}")
    target = label
    if action == "relabel":
        if new_label not in LABELS or new_label == label:
            raise ReviewError("choose a different label to relabel to")
        target = new_label
        if state.labels.get(new_label) is not None and state.labels[new_label].kept:
            raise ReviewError(f"utterance {index} already carries {new_label}; "
                              f"reject {label} instead")
    if action == "add" and kept:
        raise ReviewError(f"utterance {index} already carries {label}; confirm it instead")
    if action in ("add", "relabel") and utt.role not in ALLOWED_ROLES[target]:
        who = " or ".join(sorted(ALLOWED_ROLES[target]))
        raise ReviewError(f"{target} is only coded on {who} turns (this is a {utt.role} turn)",
                          hint="fix the speaker's role on the Speaker fixes page first")
    if subtype and subtype not in SUBTYPES[target]:
        raise ReviewError(f"unknown {target} subtype {subtype!r}")


def record_review(store: Store, session: Session, index: int, action: str, *, reviewer: str,
                  label: str | None = None, new_label: str | None = None,
                  subtype: str | None = None, comment: str | None = None,
                  state: UtteranceReview | None = None) -> int:
    """Validate and store one review action; returns the new review's key."""
    check_action(session, index, action, reviewer=reviewer, label=label, new_label=new_label,
                 subtype=subtype, comment=comment, state=state)
    pk = store.add_review(
        session.id, index, reviewer.strip(), action, label=label,
        new_label=new_label if action == "relabel" else None, subtype=subtype or None,
        comment=comment.strip() if action == "comment" and comment else None,
        model_output=model_output(session.utterances[index]),
    )
    log.info("%s #%d: %s %s by %s", session.id, index, action, label or "", reviewer)
    return pk


def reviewers(reviews: Iterable[dict[str, Any]]) -> list[str]:
    """Everyone who reviewed, in the order they first acted."""
    return list(dict.fromkeys(r["reviewer"] for r in reviews))


def session_agreement(session: Session, state: dict[int, UtteranceReview],
                      n_boot: int = 300) -> list[LabelAgreement]:
    """Per-label agreement, model (a) vs reviewer (b), over the reviewed utterances."""
    decided = [s for s in state.values() if s.decided]
    model = {(session.id, str(s.index)): s.model_labels for s in decided}
    reviewed = {(session.id, str(s.index)): s.effective() for s in decided}
    return label_agreement(model, reviewed, n_boot=n_boot)


def progress(state: dict[int, UtteranceReview]) -> tuple[int, int]:
    """(model markers with a decision, all model markers)."""
    total = sum(len(s.model_labels) for s in state.values())
    done = sum(1 for s in state.values() for lb in s.model_labels
               if s.labels[lb].status != "pending")
    return done, total


def evidence_span(utt: Utterance, marked: bool | None = None) -> tuple[int, int] | None:
    """Character span of the evidence sentence (rule in the module docstring), or None.

    ``marked`` says whether the utterance carries a marker in the state shown (reviewed
    labels can differ from the model's); by default, whether it has any annotation.
    """
    if not (bool(utt.annotations) if marked is None else marked):
        return None
    spans = list(utt.sentences) or [(0, len(utt.text))]
    with_evidence = [a for a in utt.annotations
                     if a.evidence is not None and 0 <= a.evidence < len(spans)]
    if with_evidence:
        best = max(with_evidence, key=lambda a: a.probability or 0.0)
        return spans[best.evidence]  # type: ignore[index]
    return max(spans, key=lambda s: s[1] - s[0])


def filter_turns(session: Session, state: dict[int, UtteranceReview], *,
                 markers: Iterable[str] = (), speakers: Iterable[str] = (),
                 min_confidence: float = 0.0, marked_only: bool = False) -> list[int]:
    """Indices of the turns to show.

    ``speakers`` keeps those speakers' turns. ``markers`` keeps turns carrying one of those
    labels in the reviewed state; ``marked_only`` keeps turns carrying any. A model label
    counts only at or above ``min_confidence``; labels a reviewer added or confirmed always
    count.
    """
    wanted, who = set(markers), set(speakers)
    out = []
    for u in session.utterances:
        if who and u.speaker not in who:
            continue
        if wanted or marked_only:
            shown = visible_labels(state[u.index], min_confidence)
            if not shown or (wanted and not wanted & set(shown)):
                continue
        out.append(u.index)
    return out


def visible_labels(state: UtteranceReview, min_confidence: float = 0.0) -> list[str]:
    """Reviewed labels at or above ``min_confidence`` (reviewer decisions always pass)."""
    return [lb for lb in state.effective()
            if state.labels[lb].status != "pending"
            or (state.labels[lb].probability or 0.0) >= min_confidence]


def queue(state: dict[int, UtteranceReview], *, status: str = "pending",
          order: str = "session", labels: Iterable[str] = ()) -> list[tuple[int, str]]:
    """Model markers to review as (utterance index, label).

    ``status``: ``pending`` (no decision yet), ``decided`` or ``all``. ``order``:
    ``session`` (as they occur), ``lowest`` or ``highest`` model probability first.
    """
    wanted = set(labels)
    items = []
    for s in state.values():
        for lb in s.model_labels:
            decided = s.labels[lb].status != "pending"
            if (status == "pending" and decided) or (status == "decided" and not decided):
                continue
            if wanted and lb not in wanted:
                continue
            items.append((s.index, lb, s.labels[lb].probability or 0.0))
    if order == "lowest":
        items.sort(key=lambda t: (t[2], t[0]))
    elif order == "highest":
        items.sort(key=lambda t: (-t[2], t[0]))
    return [(i, lb) for i, lb, _ in items]
