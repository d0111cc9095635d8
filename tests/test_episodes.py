from __future__ import annotations

from analyzer.episodes import build_episodes
from analyzer.session import Annotation
from tests.conftest import make_session


def _session(markers: dict[int, list[tuple[str, float]]], n: int = 20):
    turns = [("Therapist" if i % 2 == 0 else "Client", f"turn {i}") for i in range(n)]
    s = make_session(turns)
    for i, items in markers.items():
        s.utterances[i].annotations = [Annotation(label=lb, probability=p, origin="model")
                                       for lb, p in items]
    return s


def test_resolved_episode_with_repair() -> None:
    s = build_episodes(_session({3: [("withdrawal", 0.8)], 5: [("confrontation", 0.6)],
                                 6: [("repair", 0.9)], 9: [("collaboration", 0.7)]}))
    (ep,) = s.episodes
    assert (ep["start_index"], ep["type"], ep["resolved"], ep["resolution_index"]) == (
        3, "mixed", "yes", 9)
    assert [r["index"] for r in ep["repairs"]] == [6]
    assert ep["end_index"] == 6
    assert ep["confidence"] == round(0.7 * 0.7, 4)


def test_unresolved_and_unclear() -> None:
    s = build_episodes(_session({3: [("withdrawal", 0.9)], 17: [("confrontation", 0.8)]}))
    first, second = s.episodes
    assert first["resolved"] == "no" and first["type"] == "withdrawal"
    assert second["resolved"] == "unclear"  # the session ends inside the window


def test_a_new_rupture_before_any_positive_means_not_resolved() -> None:
    s = build_episodes(_session({3: [("withdrawal", 0.9)], 9: [("withdrawal", 0.9)],
                                 11: [("goal_agreement", 0.9)]}))
    assert [e["resolved"] for e in s.episodes] == ["no", "yes"]


def test_reviewer_annotations_and_therapist_positives_do_not_count() -> None:
    s = _session({3: [("withdrawal", 0.9)], 4: [("collaboration", 0.9)]})
    s.utterances[1].annotations = [Annotation(label="withdrawal", origin="reviewer")]
    (ep,) = build_episodes(s).episodes
    assert ep["start_index"] == 3 and ep["resolved"] == "no"
