"""Output: the JSON contract of ``alliance analyze --format json`` and the readable summary.

The JSON contract (later versions add fields, never rename these)::

    {"sessions": [{"id", "source", "consent", "utterances": [{"index", "source_id", "speaker",
      "role", "start", "end", "text", "scores": {label: p}, "labels": [...]}],
      "episodes": [...], "summary": {...}}]}
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from analyzer.labels import LABELS
from analyzer.session import Session


def session_to_contract(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "source": session.source,
        "consent": session.consent.model_dump() if session.consent else None,
        "speakers": dict(session.speakers),
        "roles_inferred": session.roles_inferred,
        "analysis": session.analysis.model_dump() if session.analysis else None,
        "utterances": [
            {
                "index": u.index,
                "source_id": u.source_id,
                "speaker": u.speaker,
                "role": u.role,
                "start": u.start,
                "end": u.end,
                "text": u.text,
                "scores": {k: round(v, 4) for k, v in u.scores.items()},
                "labels": u.labels("model"),
            }
            for u in session.utterances
        ],
        "episodes": list(session.episodes),
        "summary": dict(session.summary),
    }


def to_contract(sessions: list[Session]) -> dict[str, Any]:
    return {"sessions": [session_to_contract(s) for s in sessions]}


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "untimed"
    s = round(seconds)
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def summary_table(sessions: list[Session]) -> Table:
    """One row per session: who spoke, how long, consent, marker counts."""
    table = Table(title="Analysed sessions", show_lines=False)
    for col in ("session", "consent", "speakers (role)", "utterances", "duration",
                "therapist talk", "markers"):
        table.add_column(col, overflow="fold")
    for s in sessions:
        speakers = ", ".join(f"{name} ({role})" for name, role in s.speakers.items())
        if s.roles_inferred:
            speakers += " [roles inferred]"
        share = s.summary.get("talk_share", {}).get("therapist")
        counts = s.summary.get("marker_counts") or {}
        markers = (", ".join(f"{label} {counts.get(label, 0)}" for label in LABELS)
                   if s.summary.get("tagged") else "not tagged (no model installed)")
        table.add_row(
            s.id,
            s.consent.scope if s.consent else "-",
            speakers,
            str(len(s.utterances)),
            clock(s.duration),
            f"{share:.0%}" if share is not None else "-",
            markers,
        )
    return table
