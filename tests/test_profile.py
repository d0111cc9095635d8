from __future__ import annotations

from analyzer.episodes import build_episodes
from analyzer.profile import ProfileNorms, compute_norms, profile
from analyzer.session import Annotation
from tests.conftest import make_session

NORMS = ProfileNorms(pos_mean=10.0, pos_sd=5.0, rup_mean=5.0, rup_sd=2.5, n_sessions=20,
                     source="test")


def _tagged(positive_every: int, rupture_every: int, n: int = 60):
    s = make_session([("Therapist" if i % 2 == 0 else "Client", f"u{i}") for i in range(n)])
    for u in s.utterances:
        if u.role == "client" and positive_every and u.index % positive_every == 1:
            u.annotations.append(Annotation(label="collaboration", probability=0.8))
        if u.role == "client" and rupture_every and u.index % rupture_every == 3:
            u.annotations.append(Annotation(label="withdrawal", probability=0.8))
    return build_episodes(s)


def test_more_positive_and_fewer_ruptures_means_a_higher_index() -> None:
    strong = profile(_tagged(positive_every=4, rupture_every=0), NORMS).summary["profile"]
    weak = profile(_tagged(positive_every=0, rupture_every=4), NORMS).summary["profile"]
    assert strong["alliance_index"] > 50 > weak["alliance_index"]
    lo, hi = strong["alliance_index_ci"]
    assert lo <= strong["alliance_index"] <= hi
    assert strong["rates_per_100"]["collaboration"] == 25.0
    assert weak["episodes"]["total"] >= 1 and weak["rupture_share"] > 0


def test_rates_per_10_minutes_need_timing() -> None:
    s = _tagged(positive_every=4, rupture_every=0)
    p = profile(s, NORMS).summary["profile"]
    assert s.duration == 299.0  # first start 0 s, last end 299 s
    assert p["rates_per_10min"]["collaboration"] == round(15 / (299 / 600), 2)
    for u in s.utterances:
        u.start = u.end = None
    assert profile(s, NORMS).summary["profile"]["rates_per_10min"] is None


def test_no_norms_no_index_and_norms_from_sessions() -> None:
    p = profile(_tagged(4, 0), None).summary["profile"]
    assert p["alliance_index"] is None
    norms = compute_norms([_tagged(4, 0), _tagged(0, 4), _tagged(2, 6)], "test")
    assert norms.n_sessions == 3 and norms.pos_sd > 0 and norms.rup_sd > 0
