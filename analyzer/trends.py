"""Multi-session trends per client/therapist dyad, with flags for sessions that depart from
the dyad's own baseline.

A dyad is ``metadata["dyad"]`` when the transcript names one, else the therapist speaker(s)
and client speaker(s) of the session ("Dr. Okafor / Sam"). Sessions are ordered by
``metadata["date"]``, else the consent date, else when they were stored.

Flags (leave-one-out: each session against the mean and SD of the dyad's *other* sessions,
at least ``MIN_BASELINE`` of them; SD floors keep a steady dyad from flagging noise):
- ``unresolved-rupture spike``: unresolved episodes >= 2 and above baseline mean + 2 SD;
- ``alliance drop``: alliance index below baseline mean - 2 SD.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

MIN_BASELINE = 2
SD_FLOOR = {"unresolved": 0.5, "alliance_index": 5.0}


def dyad_key(row: dict[str, Any]) -> str:
    meta = row.get("metadata") or {}
    if meta.get("dyad"):
        return str(meta["dyad"])
    speakers = row.get("speakers") or {}
    therapists = sorted(n for n, r in speakers.items() if r == "therapist")
    clients = sorted(n for n, r in speakers.items() if r == "client")
    return f"{', '.join(therapists) or '?'} / {', '.join(clients) or '?'}"


def _date(row: dict[str, Any]) -> str:
    meta = row.get("metadata") or {}
    consent = row.get("consent") or {}
    return str(meta.get("date") or consent.get("attested_at") or row.get("updated_at") or "")


def trajectories(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per dyad, the sessions in date order with their profile numbers and flags."""
    dyads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        prof = (row.get("summary") or {}).get("profile") or {}
        episodes = prof.get("episodes") or {}
        dyads[dyad_key(row)].append({
            "session": row["id"], "date": _date(row)[:10],
            "alliance_index": prof.get("alliance_index"),
            "episodes": episodes.get("total"), "resolved": episodes.get("resolved"),
            "unresolved": episodes.get("unresolved"),
            "rupture_share": prof.get("rupture_share"), "flags": [],
        })
    for items in dyads.values():
        items.sort(key=lambda r: (r["date"], r["session"]))
        for i, item in enumerate(items):
            others = items[:i] + items[i + 1:]
            _flag(item, others, "unresolved", high=True, name="unresolved-rupture spike",
                  minimum=2)
            _flag(item, others, "alliance_index", high=False, name="alliance drop")
    return dict(dyads)


def _flag(item: dict[str, Any], others: list[dict[str, Any]], key: str, high: bool,
          name: str, minimum: float | None = None) -> None:
    values = [o[key] for o in others if o[key] is not None]
    if item[key] is None or len(values) < MIN_BASELINE:
        return
    mean = statistics.fmean(values)
    sd = max(statistics.pstdev(values), SD_FLOOR[key])
    if high and item[key] > mean + 2 * sd and (minimum is None or item[key] >= minimum):
        item["flags"].append(name)
    if not high and item[key] < mean - 2 * sd:
        item["flags"].append(name)
