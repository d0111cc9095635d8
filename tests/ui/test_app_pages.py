"""Speaker fixes, Dyad trends and Export pages (AppTest, temporary database)."""

from __future__ import annotations

from analyzer.storage import Store
from tests.ui.apptest import messages, open_app, rerun, text
from tests.ui.sessions import tagged_session

SAVED = "saved and re-analysed (no tagger installed: markers not recomputed)"


def test_speaker_roles_are_changed_and_recorded(store: Store) -> None:
    store.save(tagged_session("s1"))
    at = open_app("fixes", "s1")
    assert at.title[0].value == "Speaker fixes · s1"
    at.selectbox(key="fx-role-0").set_value("client")
    at.selectbox(key="fx-role-1").set_value("therapist")
    rerun(at)
    at.button(key="fx-roles").click()
    rerun(at)
    assert f"set role {SAVED}" in messages(at)
    saved = store.load("s1")
    assert saved is not None
    assert saved.speakers == {"Therapist": "client", "Client": "therapist"}
    assert saved.utterances[0].role == "client" and saved.utterances[1].role == "therapist"
    # markers the codebook no longer allows for the new roles are dropped, others kept
    assert saved.utterances[1].labels("model") == []  # withdrawal/confrontation on a therapist
    assert saved.utterances[3].labels("model") == ["collaboration"]
    (edit,) = store.edits("s1")
    assert (edit["editor"], edit["action"]) == ("alice", "set_role")
    assert edit["details"]["changes"] == {"Therapist": ["therapist", "client"],
                                          "Client": ["client", "therapist"]}
    assert edit["previous"]["speakers"] == {"Therapist": "therapist", "Client": "client"}


def test_reassign_split_and_merge_turns_keep_reviews_on_their_turns(store: Store) -> None:
    store.save(tagged_session("s1"))
    store.add_review("s1", 5, "alice", "confirm", label="collaboration")
    at = open_app("fixes", "s1")
    at.tabs  # noqa: B018  (the Turns tab renders with the others)
    at.number_input(key="fx-turn").set_value(3)
    rerun(at)
    at.selectbox(key="fx-reassign-who").set_value("➕ new speaker…")
    rerun(at)
    at.text_input(key="fx-reassign-name").input("Partner")
    at.selectbox(key="fx-reassign-role").set_value("client")
    at.button(key="fx-reassign").click()
    rerun(at)
    assert f"reassign speaker {SAVED}" in messages(at)
    saved = store.load("s1")
    assert saved is not None
    assert (saved.utterances[3].speaker, saved.utterances[3].role) == ("Partner", "client")
    assert saved.speakers["Partner"] == "client"

    at.number_input(key="fx-turn").set_value(1)
    at.segmented_control(key="fx-what").set_value("Split")
    rerun(at)
    assert at.selectbox(key="fx-split-at").value == 15  # the sentence boundary
    at.button(key="fx-split").click()
    rerun(at)
    saved = store.load("s1")
    assert saved is not None and len(saved.utterances) == 13
    assert saved.utterances[1].text == "I didn't do it."
    assert saved.utterances[2].text.startswith("<script>alert(1)</script> It felt")
    assert saved.utterances[2].start is not None
    assert saved.utterances[1].end == saved.utterances[2].start
    assert [r["utterance_index"] for r in store.reviews("s1")] == [6]  # followed its turn

    at.segmented_control(key="fx-what").set_value("Merge with next")
    rerun(at)
    at.button(key="fx-merge").click()
    rerun(at)
    saved = store.load("s1")
    assert saved is not None and len(saved.utterances) == 12
    assert saved.utterances[1].text == ("I didn't do it. <script>alert(1)</script> "
                                        "It felt pointless.")
    assert [r["utterance_index"] for r in store.reviews("s1")] == [5]
    assert [e["action"] for e in store.edits("s1")] == ["reassign_speaker", "split", "merge"]
    history = at.dataframe[0].value
    assert list(history["action"]) == ["reassign_speaker", "split", "merge"]
    assert "\\<script\\>" in text(at)  # the turn preview is escaped


def test_speaker_fix_errors_are_messages(store: Store) -> None:
    store.save(tagged_session("s1"))
    at = open_app("fixes", "s1")
    at.selectbox(key="fx-reassign-who").set_value("➕ new speaker…")
    rerun(at)
    at.button(key="fx-reassign").click()  # no name given
    rerun(at)
    assert "the speaker name is empty" in at.error[0].value
    assert store.edits("s1") == []


def test_dyad_trends_flagged_sessions_first(store: Store) -> None:
    for n, index in enumerate([50.0, 52.0, 20.0, 49.0], start=1):
        s = tagged_session(f"week-{n}", metadata={"date": f"2026-0{n}-01"})
        s.summary["profile"]["alliance_index"] = index
        store.save(s)
    at = open_app("dyads", "week-2")
    assert at.selectbox(key="dyad").value == "Therapist / Client"
    assert len(at.get("vega_lite_chart")) == 1
    table = at.dataframe[0].value
    assert list(table["session"]) == ["week-3", "week-1", "week-2", "week-4"]
    assert table["flags"].iloc[0] == "alliance drop"
    at.selectbox(key="dyad-open-pick").set_value("week-3")
    at.button(key="dyad-open").click()
    rerun(at)
    assert at.title[0].value == "Session week-3"


def test_export_page_offers_csv_jsonl_json_and_html(store: Store) -> None:
    store.save(tagged_session("s1"))
    store.save(tagged_session("s2", source="/tmp/s2.txt"))
    store.add_review("s1", 1, "alice", "confirm", label="confrontation")
    at = open_app("export", "s1")
    assert at.multiselect(key="export_sessions").value == ["s1"]
    assert "1 session(s), 1 reviewed turn(s)." in text(at)
    assert "2 reviewed label(s) have no subtype" in at.warning[0].value  # on the reviewed turn
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["CSV (one row per utterance)", "JSONL (corpus format, one session per line)",
                      "Corpus JSON", "HTML report"]
    at.multiselect(key="export_sessions").set_value(["s1", "s2"])
    at.selectbox(key="export_by").set_value("alice")
    rerun(at)
    assert "2 session(s), 1 reviewed turn(s)." in text(at)
