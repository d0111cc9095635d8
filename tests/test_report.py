from __future__ import annotations

import base64
import re

import pytest

from analyzer.episodes import build_episodes
from analyzer.profile import ProfileNorms, profile
from analyzer.report import render_report
from analyzer.session import Annotation
from analyzer.summary import summarize
from tests.conftest import make_session

NORMS = ProfileNorms(10.0, 5.0, 5.0, 2.5, 10, "test")


def _tagged_session():
    s = make_session([
        ("Therapist", "How was the diary?"),
        ("Client", "I didn't do it. <script>alert('x')</script> It's pointless."),
        ("Therapist", "That's on me, I pushed the worksheet too hard."),
        ("Client", "Maybe voice notes would work better for me."),
    ] * 3)
    for u in s.utterances:
        u.scores = {"collaboration": 0.1}
    s.utterances[1].annotations = [Annotation(label="confrontation", probability=0.9)]
    s.utterances[2].annotations = [Annotation(label="repair", probability=0.8)]
    s.utterances[3].annotations = [Annotation(label="collaboration", probability=0.7)]
    build_episodes(s)
    summarize(s)
    return profile(s, NORMS)


@pytest.mark.slow
def test_report_has_timeline_episodes_summary_and_escapes_text() -> None:
    html = render_report(_tagged_session())
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "Episode 1: confrontation" in html and "resolved: yes" in html
    assert "[repair]" in html and "[resolution]" in html
    svg = re.search(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert svg is not None
    assert base64.b64decode(svg.group(1)).decode().lstrip().startswith("<svg")
    assert "alliance index" in html


def test_untagged_session_report() -> None:
    s = summarize(make_session([("Therapist", "Hi."), ("Client", "Hello.")]))
    html = render_report(s)
    assert "not tagged" in html and "No rupture episodes" in html
