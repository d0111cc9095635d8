"""Session review and Review workflow pages: timeline, transcript, every review action."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from analyzer.review import review_state
from analyzer.storage import Store
from tests.ui.apptest import messages, open_app, rerun, text
from tests.ui.sessions import tagged_session


def _review(store: Store, reviewer: str = "alice") -> AppTest:
    store.save(tagged_session("s1"))
    return open_app("review", "s1", reviewer=reviewer)


def _focus(at: AppTest, index: int) -> AppTest:
    at.number_input(key="goto_utterance").set_value(index)
    return rerun(at)


def _shown_turns(at: AppTest) -> list[int]:
    return sorted(int(b.key.split("-")[1]) for b in at.button if b.key.startswith("focus-"))


def test_review_page_shows_timeline_transcript_and_chips(store: Store) -> None:
    at = _review(store)
    assert at.title[0].value == "Session s1"
    assert len(at.get("vega_lite_chart")) == 1
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert '"name": "marker"' in spec and '"name": "episode"' in spec
    page = text(at)
    assert ":orange-badge[confrontation 0.91]" in page
    assert ":violet-badge[withdrawal 0.55]" in page
    assert ":blue[**Therapist**] · therapist" in page  # speaker-coloured turns
    assert ":orange-background[" in page  # the evidence sentence is highlighted
    assert _shown_turns(at) == list(range(12))
    assert at.metric[0].value == f"{tagged_session().summary['profile']['alliance_index']:.1f}"


def test_transcript_filters(store: Store) -> None:
    at = _review(store)
    at.multiselect(key="flt_markers").set_value(["repair"])
    rerun(at)
    assert _shown_turns(at) == [2, 8]
    at.multiselect(key="flt_markers").set_value(["withdrawal"])
    at.slider(key="flt_conf").set_value(0.6)
    rerun(at)
    assert _shown_turns(at) == []  # withdrawal 0.55 is below the minimum confidence
    assert "No turn matches the filters." in messages(at)
    at.multiselect(key="flt_markers").set_value([])
    at.slider(key="flt_conf").set_value(0.0)
    at.multiselect(key="flt_speakers").set_value(["Client"])
    rerun(at)
    assert _shown_turns(at) == [1, 3, 5, 7, 9, 11]
    at.multiselect(key="flt_speakers").set_value([])
    at.selectbox(key="flt_per_page").set_value(10)
    rerun(at)
    assert _shown_turns(at) == list(range(10))
    at.button(key="win-next").click()
    rerun(at)
    assert _shown_turns(at) == list(range(2, 12))  # the last full window


def test_focusing_a_turn_scrolls_the_transcript_and_opens_the_panel(store: Store) -> None:
    at = _review(store)
    assert "Click a point on the timeline" in messages(at)
    at.selectbox(key="flt_per_page").set_value(10)
    rerun(at)
    _focus(at, 9)
    assert _shown_turns(at)[0] == 2 and 9 in _shown_turns(at)  # window moved to the turn
    assert at.button(key="rv-confirm-9-collaboration") is not None
    at.button(key="focus-4").click()
    rerun(at)
    assert at.button(key="rv-confirm-4-goal_agreement") is not None


def test_confirm_reject_relabel_add_and_comment(store: Store) -> None:
    at = _review(store)
    _focus(at, 1)
    # confirm with a subtype
    at.selectbox(key="rv-subtype-1-confrontation").set_value("rejecting_intervention")
    at.button(key="rv-confirm-1-confrontation").click()
    rerun(at)
    assert "confirm confrontation on #1 saved" in messages(at)
    # reject
    at.button(key="rv-reject-1-withdrawal").click()
    rerun(at)
    page = text(at)
    assert ":orange-badge[:material/check: confrontation 0.91]" in page
    assert ":gray-badge[:material/close: withdrawal 0.55]" in page
    # relabel on another turn
    _focus(at, 3)
    at.selectbox(key="rv-relabel-from-3").set_value("collaboration")
    at.selectbox(key="rv-relabel-to-3").set_value("goal_agreement")
    at.selectbox(key="rv-relabel-subtype-3").set_value("endorses_goal")
    at.button(key="rv-relabel-3").click()
    rerun(at)
    # add a missed marker and comment on an unmarked turn
    _focus(at, 0)
    at.selectbox(key="rv-add-label-0").set_value("goal_agreement")
    at.selectbox(key="rv-add-subtype-0").set_value("checks_goal")
    at.button(key="rv-add-0").click()
    rerun(at)
    at.text_area(key="rv-comment-text-0").input("Good <b>check-in</b> on the agreed task.")
    at.button(key="rv-comment-0").click()
    rerun(at)
    assert at.text_area(key="rv-comment-text-0").value == ""
    assert r"Good \<b\>check\-in\<\/b\>" in text(at)  # comments are escaped too

    log = store.reviews("s1")
    assert [(r["utterance_index"], r["action"], r["label"], r["new_label"], r["subtype"])
            for r in log] == [
        (1, "confirm", "confrontation", None, "rejecting_intervention"),
        (1, "reject", "withdrawal", None, None),
        (3, "relabel", "collaboration", "goal_agreement", "endorses_goal"),
        (0, "add", "goal_agreement", None, "checks_goal"),
        (0, "comment", None, None, None),
    ]
    assert all(r["reviewer"] == "alice" and r["created_at"] for r in log)
    assert log[1]["model_output"]["labels"] == ["withdrawal", "confrontation"]
    assert log[1]["model_output"]["scores"]["withdrawal"] == 0.55
    # the model's output is never overwritten
    stored = store.load("s1")
    assert stored is not None
    assert stored.utterances[1].labels("model") == ["withdrawal", "confrontation"]
    assert stored.utterances[0].labels("model") == []
    state = review_state(stored, log)
    assert state[1].effective() == ["confrontation"]
    assert state[3].effective() == ["goal_agreement"]
    assert state[0].effective() == ["goal_agreement"] and len(state[0].comments) == 1
    assert at.metric[2].value == "3 / 12"  # model markers with a decision


def test_invalid_actions_show_a_message(store: Store) -> None:
    at = _review(store, reviewer="")
    _focus(at, 1)
    assert "Enter your name as **Reviewer**" in "\n".join(w.value for w in at.warning)
    at.button(key="rv-confirm-1-confrontation").click()
    rerun(at)
    assert "enter your name as reviewer first" in messages(at)
    at.text_input(key="reviewer").input("bob")
    at.button(key="rv-comment-1").click()  # empty comment
    rerun(at)
    assert "the comment is empty" in messages(at)
    assert store.reviews("s1") == []


def test_workflow_queue_agreement_and_activity(store: Store) -> None:
    store.save(tagged_session("s1"))
    at = open_app("workflow", "s1")
    assert at.title[0].value == "Review workflow · s1"
    assert "0 of 12 model markers reviewed" in at.get("progress")[0].proto.text
    assert at.selectbox(key="wf_item").value == "1:withdrawal"
    at.button(key="wf-reject-1-withdrawal").click()
    rerun(at)
    assert at.selectbox(key="wf_item").value == "1:confrontation"  # next pending marker
    at.button(key="wf-confirm-1-confrontation").click()
    rerun(at)
    at.selectbox(key="wf_order").set_value("lowest")
    rerun(at)
    assert at.selectbox(key="wf_item").options[0] == "#7 · Client · withdrawal 0.55 · pending"
    at.selectbox(key="wf_item").set_value("7:withdrawal")
    at.button(key="wf-next").click()
    rerun(at)
    assert at.selectbox(key="wf_item").value == "4:goal_agreement"  # next least confident
    at.button(key="wf-confirm-4-goal_agreement").click()
    rerun(at)
    compare = at.dataframe[0].value
    assert list(compare["#"]) == [1, 4]
    assert list(compare["agrees"]) == [False, True]
    agreement = at.dataframe[1].value.set_index("label")
    assert agreement.loc["withdrawal", "model positives"] == 1
    assert agreement.loc["withdrawal", "reviewer positives"] == 0
    assert agreement.loc["confrontation", "reviewed turns"] == 2
    at.selectbox(key="wf_order").set_value("session")
    at.segmented_control(key="wf_status").set_value("decided")
    rerun(at)
    assert at.selectbox(key="wf_item").options == [
        "#1 · Client · withdrawal 0.55 · rejected", "#1 · Client · confrontation 0.91 · confirmed",
        "#4 · Therapist · goal agreement 0.66 · confirmed"]
    # any turn: add a marker the model missed
    at.toggle(key="wf_any").set_value(True)
    rerun(at)
    at.number_input(key="wf_turn").set_value(0)
    rerun(at)
    at.selectbox(key="wf-add-label-0").set_value("collaboration")
    at.button(key="wf-add-0").click()
    rerun(at)
    assert [r["action"] for r in store.reviews("s1")] == ["reject", "confirm", "confirm", "add"]


def test_reviews_by_one_reviewer(store: Store) -> None:
    store.save(tagged_session("s1"))
    store.add_review("s1", 1, "bob", "reject", label="confrontation")
    store.add_review("s1", 1, "alice", "confirm", label="confrontation")
    at = open_app("workflow", "s1")
    at.selectbox(key="wf_by").set_value("bob")
    rerun(at)
    assert list(at.dataframe[0].value["reviewed"]) == ["withdrawal"]
    at.selectbox(key="wf_by").set_value("alice")
    rerun(at)
    assert list(at.dataframe[0].value["reviewed"]) == ["withdrawal, confrontation"]


def test_untagged_session_shows_transcript_without_timeline(store: Store) -> None:
    from tests.conftest import make_session

    store.save(make_session([("Therapist", "Hello."), ("Client", "Hi.")], session_id="u1"))
    at = open_app("review", "u1")
    assert len(at.get("vega_lite_chart")) == 0
    assert "the tagger model is not installed" in messages(at)
    assert _shown_turns(at) == [0, 1]
    _focus(at, 1)
    at.selectbox(key="rv-add-label-1").set_value("withdrawal")
    at.button(key="rv-add-1").click()
    rerun(at)
    assert ":violet-badge[:material/add: withdrawal]" in text(at)  # reviewers can still mark
