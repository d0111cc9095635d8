from __future__ import annotations

from analyzer.trends import dyad_key, trajectories


def _row(sid: str, date: str, index: float, unresolved: int, dyad: str | None = None) -> dict:
    return {"id": sid, "metadata": {"date": date, **({"dyad": dyad} if dyad else {})},
            "speakers": {"Dr. A": "therapist", "Sam": "client"},
            "summary": {"profile": {"alliance_index": index, "rupture_share": 0.1,
                                    "episodes": {"total": unresolved + 1, "resolved": 1,
                                                 "unresolved": unresolved}}}}


def test_dyads_order_and_flags() -> None:
    rows = [_row("s3", "2026-03-01", 30.0, 4), _row("s1", "2026-01-01", 55.0, 0),
            _row("s2", "2026-02-01", 52.0, 0), _row("s4", "2026-04-01", 54.0, 1),
            _row("x1", "2026-01-05", 50.0, 0, dyad="other pair")]
    dyads = trajectories(rows)
    assert set(dyads) == {"Dr. A / Sam", "other pair"}
    items = dyads["Dr. A / Sam"]
    assert [i["session"] for i in items] == ["s1", "s2", "s3", "s4"]
    flagged = {i["session"]: i["flags"] for i in items}
    assert flagged["s3"] == ["unresolved-rupture spike", "alliance drop"]
    assert flagged["s1"] == flagged["s2"] == flagged["s4"] == []
    assert dyads["other pair"][0]["flags"] == []  # no baseline yet


def test_dyad_key_from_speakers() -> None:
    row = {"speakers": {"T": "therapist", "Ana": "client", "Ben": "client"}}
    assert dyad_key(row) == "T / Ana, Ben"
