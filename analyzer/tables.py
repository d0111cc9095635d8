"""Tidy tables from analysed sessions: utterances, sessions and episodes (pandas).

Shared by the batch runner, ``analyzer.score`` and the app's export.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analyzer.labels import LABELS
from analyzer.session import Session


def utterance_rows(session: Session) -> list[dict[str, Any]]:
    return [
        {"session_id": session.id, "index": u.index, "source_id": u.source_id,
         "speaker": u.speaker, "role": u.role, "start": u.start, "end": u.end, "text": u.text,
         **{f"p_{lb}": u.scores.get(lb, 0.0) for lb in LABELS},
         "labels": ";".join(u.labels("model"))}
        for u in session.utterances
    ]


def session_row(session: Session) -> dict[str, Any]:
    summary = session.summary
    prof = summary.get("profile") or {}
    counts = summary.get("marker_counts") or {}
    per100 = prof.get("rates_per_100") or {}
    per10 = prof.get("rates_per_10min") or {}
    episodes = prof.get("episodes") or {}
    ci = prof.get("alliance_index_ci") or [None, None]
    row: dict[str, Any] = {
        "session_id": session.id, "source": session.source,
        "consent_scope": session.consent.scope if session.consent else None,
        "n_utterances": len(session.utterances), "duration_s": summary.get("duration_s"),
    }
    for lb in LABELS:
        row[f"n_{lb}"] = counts.get(lb, 0)
        row[f"per100_{lb}"] = per100.get(lb)
        row[f"per10min_{lb}"] = per10.get(lb) if per10 else None
    row.update({
        "episodes": episodes.get("total", 0), "episodes_resolved": episodes.get("resolved", 0),
        "episodes_unresolved": episodes.get("unresolved", 0),
        "episodes_unclear": episodes.get("unclear", 0),
        "rupture_share": prof.get("rupture_share"),
        "therapist_talk_share": (summary.get("talk_share") or {}).get("therapist"),
        "alliance_index": prof.get("alliance_index"),
        "alliance_index_low": ci[0], "alliance_index_high": ci[1],
        "model_version": session.analysis.model_version if session.analysis else None,
    })
    return row


def episode_rows(session: Session) -> list[dict[str, Any]]:
    return [
        {"session_id": session.id, "episode": n, "start_index": e["start_index"],
         "end_index": e["end_index"], "start_time": e["start_time"], "end_time": e["end_time"],
         "type": e["type"],
         "markers": ";".join(f"{m['index']}:{m['label']}" for m in e["markers"]),
         "repairs": ";".join(str(r["index"]) for r in e["repairs"]),
         "resolved": e["resolved"], "confidence": e["confidence"]}
        for n, e in enumerate(session.episodes, start=1)
    ]


def utterances_frame(sessions: list[Session]) -> pd.DataFrame:
    rows = [r for s in sessions for r in utterance_rows(s)]
    columns = ["session_id", "index", "source_id", "speaker", "role", "start", "end", "text",
               *(f"p_{lb}" for lb in LABELS), "labels"]
    return pd.DataFrame(rows, columns=columns)
