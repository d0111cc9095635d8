"""The session library and dyad tables: rows, search, filters, sorting (pure functions).

Input is ``Store.list_sessions()``; nothing here reads utterance text. A session's date is
``metadata["date"]``, else its consent date, else when it was stored (as in
``analyzer.trends``). The client pseudonym is ``metadata["client"]`` when the transcript
names one, else the client speaker label(s) — transcripts are pseudonymised at the source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

from analyzer.labels import LABELS
from analyzer.render import clock
from analyzer.trends import dyad_key, trajectories

#: Sort keys offered by the library: name -> row field.
SORT_KEYS: dict[str, str] = {
    "date": "date", "session": "session", "therapist": "therapist", "client": "client",
    "duration": "minutes", "utterances": "utterances", "alliance index": "alliance_index",
    "reviewed": "reviewed", **{lb.replace("_", " "): lb for lb in LABELS},
}


def session_date(row: dict[str, Any]) -> str:
    meta = row.get("metadata") or {}
    consent = row.get("consent") or {}
    return str(meta.get("date") or consent.get("attested_at") or row.get("updated_at") or "")[:10]


def _names(speakers: dict[str, str], role: str) -> str:
    return ", ".join(n for n, r in speakers.items() if r == role)


def catalog_rows(stored: Iterable[dict[str, Any]],
                 review_counts: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """One row per stored session: who, when, consent, size, marker counts, alliance index."""
    rows = []
    for r in stored:
        speakers = r.get("speakers") or {}
        summary = r.get("summary") or {}
        counts = summary.get("marker_counts") or {}
        tagged = bool(summary.get("tagged"))
        meta = r.get("metadata") or {}
        duration = r.get("duration")
        row: dict[str, Any] = {
            "session": r["id"],
            "date": session_date(r),
            "therapist": _names(speakers, "therapist"),
            "client": str(meta.get("client") or _names(speakers, "client")),
            "consent": (r.get("consent") or {}).get("scope", ""),
            "duration": clock(duration),
            "minutes": round(duration / 60, 1) if duration is not None else None,
            "utterances": r.get("n_utterances", 0),
            "tagged": tagged,
        }
        for lb in LABELS:
            row[lb] = counts.get(lb, 0) if tagged else None
        row["alliance_index"] = ((summary.get("profile") or {}).get("alliance_index"))
        row["reviewed"] = (review_counts or {}).get(r["id"], 0)
        row["roles"] = "inferred" if r.get("roles_inferred") else "given"
        row["dyad"] = dyad_key(r)
        row["source"] = PurePath(str(r.get("source") or "")).name
        rows.append(row)
    return rows


def filter_rows(rows: Iterable[dict[str, Any]], *, query: str = "",
                consents: Sequence[str] = (), therapists: Sequence[str] = (),
                tagged_only: bool = False, reviewed_only: bool = False) -> list[dict[str, Any]]:
    """Rows matching a free-text query (session, therapist, client, source, date) and filters."""
    needle = query.strip().casefold()
    out = []
    for row in rows:
        hay = " ".join(str(row[k]) for k in ("session", "therapist", "client", "source", "date"))
        if needle and needle not in hay.casefold():
            continue
        if consents and row["consent"] not in consents:
            continue
        if therapists and not set(therapists) & set(row["therapist"].split(", ")):
            continue
        if tagged_only and not row["tagged"]:
            continue
        if reviewed_only and not row["reviewed"]:
            continue
        out.append(row)
    return out


def sort_rows(rows: Iterable[dict[str, Any]], key: str = "date",
              descending: bool = True) -> list[dict[str, Any]]:
    """Rows sorted by a ``SORT_KEYS`` name; missing values always last."""
    field = SORT_KEYS.get(key, key)
    rows = list(rows)
    present = [r for r in rows if r.get(field) not in (None, "")]
    missing = [r for r in rows if r.get(field) in (None, "")]
    present.sort(key=lambda r: (r[field], r["session"]), reverse=descending)
    return present + missing


def therapist_names(rows: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({n for r in rows for n in r["therapist"].split(", ") if n})


def dyad_rows(stored: Sequence[dict[str, Any]], dyad: str) -> list[dict[str, Any]]:
    """One dyad's sessions with marker counts, alliance index and flags; flagged first,
    then by date."""
    items = trajectories(list(stored)).get(dyad, [])
    counts = {r["id"]: (r.get("summary") or {}).get("marker_counts") or {} for r in stored}
    tagged = {r["id"]: bool((r.get("summary") or {}).get("tagged")) for r in stored}
    rows = []
    for order, item in enumerate(items, start=1):
        row = {"n": order, **item, "flags": ", ".join(item["flags"]),
               "flagged": bool(item["flags"]), "tagged": tagged.get(item["session"], False)}
        for lb in LABELS:
            row[lb] = counts.get(item["session"], {}).get(lb, 0) if row["tagged"] else None
        rows.append(row)
    return sorted(rows, key=lambda r: (not r["flagged"], r["n"]))


def dyads(stored: Iterable[dict[str, Any]]) -> list[str]:
    """Dyad keys, most sessions first."""
    counts: dict[str, int] = {}
    for r in stored:
        key = dyad_key(r)
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts, key=lambda k: (-counts[k], k))
