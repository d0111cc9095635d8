"""Data for the app's pages, shaped from the library (pure functions, tested without Streamlit)."""

from __future__ import annotations

from typing import Any

from analyzer.render import clock
from analyzer.session import Session


def library_rows(stored: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per stored session for the session library table."""
    rows = []
    for r in stored:
        speakers = r.get("speakers") or {}
        rows.append(
            {
                "session": r["id"],
                "therapist": ", ".join(n for n, role in speakers.items() if role == "therapist"),
                "clients": ", ".join(n for n, role in speakers.items() if role == "client"),
                "consent": (r.get("consent") or {}).get("scope", ""),
                "utterances": r.get("n_utterances", 0),
                "duration": clock(r.get("duration")),
                "updated": (r.get("updated_at") or "")[:16].replace("T", " "),
            }
        )
    return rows


def transcript_rows(session: Session) -> list[dict[str, Any]]:
    """The transcript as rows: time, speaker, role, text (text is plain data, never HTML)."""
    return [
        {
            "#": u.index,
            "time": clock(u.start) if u.start is not None else "",
            "speaker": u.speaker,
            "role": u.role,
            "text": u.text,
            "markers": ", ".join(u.labels("model")),
        }
        for u in session.utterances
    ]
