"""Rupture–repair episodes from the model's utterance markers (3RS resolution logic).

Pipeline step ``build_episodes(session, params)``
reads model annotations (``origin == "model"``) and roles; writes ``session.episodes``.

Rules (all distances in utterances; defaults in ``EpisodeParams``):
- Rupture markers (client withdrawal or confrontation) closer than ``gap`` utterances belong to
  one episode; the episode's type is withdrawal, confrontation or mixed.
- Repair attempts are therapist ``repair`` markers from the first rupture marker until
  ``repair_window`` utterances after the last one.
- Resolved ``yes``: within ``resolve_window`` utterances after the last rupture marker a
  client turn carries collaboration or goal agreement, and no new rupture marker comes before
  it. ``no``: the window passes with neither (or the episode is followed at once by another
  rupture). ``unclear``: the session ends before the window does.
- Confidence: the mean probability of the episode's rupture markers, multiplied, for a
  ``yes``/``no`` decision, by the probability of the deciding marker (or of the strongest
  missed one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.labels import POSITIVE_LABELS, RUPTURE_LABELS
from analyzer.session import Session, Utterance


@dataclass(frozen=True)
class EpisodeParams:
    gap: int = 4
    repair_window: int = 4
    resolve_window: int = 6


def _model(utt: Utterance, labels: tuple[str, ...]) -> list[tuple[str, float]]:
    return [(a.label, a.probability or 0.0) for a in utt.annotations
            if a.origin == "model" and a.label in labels]


def build_episodes(session: Session, params: EpisodeParams | None = None) -> Session:
    p = params or EpisodeParams()
    utts = session.utterances
    ruptures = [(u.index, lb, pr) for u in utts if u.role == "client"
                for lb, pr in _model(u, RUPTURE_LABELS)]
    groups: list[list[tuple[int, str, float]]] = []
    for marker in ruptures:
        if groups and marker[0] - groups[-1][-1][0] <= p.gap:
            groups[-1].append(marker)
        else:
            groups.append([marker])
    episodes: list[dict[str, Any]] = []
    for n, members in enumerate(groups):
        first, last = members[0][0], members[-1][0]
        next_start = groups[n + 1][0][0] if n + 1 < len(groups) else None
        kinds = {lb for _, lb, _ in members}
        repairs = [
            {"index": u.index, "probability": round(pr, 4)}
            for u in utts[first:last + p.repair_window + 1] if u.role == "therapist"
            for _, pr in _model(u, ("repair",))
        ]
        resolved, decider, resolution_index = "unclear", None, None
        window = utts[last + 1:last + 1 + p.resolve_window]
        for u in window:
            if next_start is not None and u.index >= next_start:
                resolved = "no"
                break
            positives = _model(u, POSITIVE_LABELS) if u.role == "client" else []
            if positives:
                resolved, resolution_index = "yes", u.index
                decider = max(pr for _, pr in positives)
                break
        else:
            if len(window) == p.resolve_window:
                resolved = "no"
        mean_p = sum(pr for _, _, pr in members) / len(members)
        if resolved == "no" and decider is None:
            missed = [pr for u in window if u.role == "client"
                      for _, pr in _model(u, POSITIVE_LABELS)]
            decider = 1.0 - max(missed, default=0.0)
        confidence = mean_p * (decider if decider is not None else 1.0)
        end = max(last, *(r["index"] for r in repairs)) if repairs else last
        episodes.append({
            "start_index": first,
            "end_index": end,
            "start_time": utts[first].start,
            "end_time": utts[end].end if utts[end].end is not None else utts[end].start,
            "type": kinds.pop() if len(kinds) == 1 else "mixed",
            "markers": [{"index": i, "label": lb, "probability": round(pr, 4)}
                        for i, lb, pr in members],
            "repairs": repairs,
            "resolved": resolved,
            "resolution_index": resolution_index,
            "confidence": round(confidence, 4),
        })
    session.episodes = episodes
    return session
