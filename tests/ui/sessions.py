"""Hand-built sessions with model markers, so app tests never need the trained tagger."""

from __future__ import annotations

import re

from analyzer.episodes import build_episodes
from analyzer.profile import ProfileNorms, profile
from analyzer.session import AnalysisInfo, Annotation, Session
from analyzer.summary import summarize
from tests.conftest import make_session

NORMS = ProfileNorms(20.0, 8.0, 8.0, 4.0, 50, "test")

TURNS = [
    ("Therapist", "How did the week go? Last time we agreed on the thought record."),
    ("Client", "I didn't do it. <script>alert(1)</script> It felt pointless."),
    ("Therapist", "That's on me, I pushed the worksheet too hard. What would help?"),
    ("Client", "Maybe voice notes would work better for me."),
    ("Therapist", "Shall we try voice notes this week and look at them together?"),
    ("Client", "Yes, let's do that."),
]
#: index -> [(label, probability)]
MARKERS = {1: [("confrontation", 0.91), ("withdrawal", 0.55)], 2: [("repair", 0.83)],
           3: [("collaboration", 0.72)], 4: [("goal_agreement", 0.66)],
           5: [("collaboration", 0.88)]}


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^.?!]+[.?!]*", text) if m.group().strip()]


def tagged_session(session_id: str = "s1", repeat: int = 2, **kw: object) -> Session:
    """A tagged session (``repeat`` copies of TURNS) with episodes, summary and profile."""
    session = make_session(TURNS * repeat, session_id=session_id, **kw)
    for utt in session.utterances:
        utt.sentences = _sentences(utt.text)
        utt.scores = {"collaboration": 0.05}
        for label, prob in MARKERS.get(utt.index % len(TURNS), []):
            utt.scores[label] = prob
            utt.annotations.append(Annotation(label=label, probability=prob))
    session.analysis = AnalysisInfo(model_name="alliance-tagger", model_version="test")
    build_episodes(session)
    summarize(session)
    return profile(session, NORMS)
