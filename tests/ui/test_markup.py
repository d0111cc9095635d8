"""Pure helpers of the app: markdown escaping, chips, timeline selections, paging."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from analyzer.review import LabelState, review_state
from analyzer.ui.common import md_escape, speaker_colors
from analyzer.ui.timeline import focus_from_selection, timeline_spec
from analyzer.ui.transcript import chip, chips, text_md, window
from tests.ui.sessions import tagged_session

NASTY = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)> & &amp; &#60;b&#62;",
    "**bold** _it_ `code` [link](javascript:alert(1)) ![i](x.png)",
    "# heading\n- item\n1. one\n> quote\n    indented code\n---",
    ":red[colour] :material/warning: :smile: $x^2$ $$y$$ \\(z\\)",
    "a | table | row\n|---|---|",
    "back\\slash and trailing \\",
]


@pytest.mark.parametrize("text", NASTY)
def test_md_escape_renders_the_literal_text(text: str) -> None:
    """CommonMark (with raw HTML allowed, the permissive case) shows exactly the text."""
    rendered = MarkdownIt("commonmark", {"html": True}).render(md_escape(text))
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert " ".join(shown.split()) == " ".join(
        " ".join(line.strip() for line in text.splitlines()).split())


def test_no_streamlit_directive_survives_escaping() -> None:
    escaped = md_escape(":red[x] :material/home: $1")
    assert re.search(r"(?<!\\):[a-z]", escaped) is None and "\\$" in escaped


def test_chips_and_evidence_highlight() -> None:
    assert chip(LabelState("repair", "pending", 0.83)) == ":red-badge[repair 0.83]"
    assert chip(LabelState("withdrawal", "rejected", 0.55)) == (
        ":gray-badge[:material/close: withdrawal 0.55]")
    assert chip(LabelState("goal_agreement", "added")) == (
        ":green-badge[:material/add: goal agreement]")
    session = tagged_session()
    state = review_state(session, [])
    assert chips(state[1], min_confidence=0.6) == ":orange-badge[confrontation 0.91]"
    line = text_md(session.utterances[1], True)
    assert line.startswith("I didn\\'t do it\\. :orange-background[\\<script\\>")
    assert text_md(session.utterances[0], False) == md_escape(session.utterances[0].text)
    assert speaker_colors(session) == {"Therapist": "blue", "Client": "orange"}


def test_timeline_spec_has_one_selection_per_view() -> None:
    spec = timeline_spec(tagged_session())
    params = {p["name"]: p for p in spec["params"]}
    assert set(params) == {"marker", "episode"}
    views = {layer["name"]: layer["mark"]["type"] for layer in spec["vconcat"][0]["layer"]}
    assert views[params["marker"]["views"][0]] == "circle"
    assert views[params["episode"]["views"][0]] == "rect"
    assert params["marker"]["select"]["fields"] == ["index"]


def test_focus_from_selection() -> None:
    assert focus_from_selection({"marker": [{"index": 7, "label": "repair"}]}) == 7
    assert focus_from_selection({"marker": [], "episode": [{"start_index": 3}]}) == 3
    assert focus_from_selection({"marker": [{"x": 1}]}) is None
    assert focus_from_selection(None) is None and focus_from_selection({}) is None


def test_window_keeps_a_full_page_near_the_anchor() -> None:
    indices = list(range(0, 40, 2))
    assert window(indices, 10, 5) == ([10, 12, 14, 16, 18], 5)
    assert window(indices, 11, 5)[0][0] == 12
    assert window(indices, 38, 5) == ([30, 32, 34, 36, 38], 15)
    assert window([], 3, 5) == ([], 0)
