"""Session summary: size, timing, talk balance and marker counts.

Pipeline step ``summarize(session)``
reads utterances (role, text, times, model annotations); writes ``session.summary``.
Marker counts come only from model annotations; they are empty until a tagger has run.
"""

from __future__ import annotations

from analyzer.labels import LABELS
from analyzer.session import Session


def summarize(session: Session) -> Session:
    words: dict[str, int] = {}
    turns: dict[str, int] = {}
    for utt in session.utterances:
        words[utt.role] = words.get(utt.role, 0) + len(utt.text.split())
        turns[utt.role] = turns.get(utt.role, 0) + 1
    total_words = sum(words.values()) or 1
    tagged = any(u.scores for u in session.utterances)
    counts = {label: sum(label in u.labels("model") for u in session.utterances)
              for label in LABELS} if tagged else {}
    duration = session.duration
    summary = dict(session.summary)
    summary.update(
        {
            "n_utterances": len(session.utterances),
            "n_speakers": len(session.speakers),
            "duration_s": round(duration, 1) if duration is not None else None,
            "turns_by_role": turns,
            "words_by_role": words,
            "talk_share": {role: round(n / total_words, 3) for role, n in words.items()},
            "tagged": tagged,
            "marker_counts": counts,
        }
    )
    session.summary = summary
    return session
