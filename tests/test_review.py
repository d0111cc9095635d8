"""Review state, storage of reviews and speaker fixes, the library catalog and uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import fixes
from analyzer.catalog import catalog_rows, dyad_rows, filter_rows, sort_rows
from analyzer.errors import ConsentError, UnsupportedFormatError, UploadTooLargeError
from analyzer.review import (
    ReviewError,
    evidence_span,
    filter_turns,
    progress,
    queue,
    record_review,
    review_state,
    reviewers,
    session_agreement,
)
from analyzer.session import Annotation
from analyzer.storage import Store
from analyzer.uploads import (
    check_size,
    prepare_upload,
    read_upload,
    safe_upload_name,
    stage_upload,
    upload_limit_mb,
)
from tests.ui.sessions import tagged_session


@pytest.fixture
def store(db_url: str) -> Store:
    s = Store(db_url)
    s.save(tagged_session("s1"))
    return s


def _record(store: Store, index: int, action: str, reviewer: str = "alice", **kw: object) -> int:
    session = store.load("s1")
    assert session is not None
    state = review_state(session, store.reviews("s1")).get(index)
    return record_review(store, session, index, action, reviewer=reviewer, state=state,
                         **kw)  # type: ignore[arg-type]


# -- review state -----------------------------------------------------------------------------
def test_state_folds_actions_latest_decision_wins(store: Store) -> None:
    _record(store, 1, "reject", label="confrontation")
    _record(store, 1, "confirm", label="confrontation", subtype="defending_self")
    _record(store, 3, "relabel", label="collaboration", new_label="goal_agreement")
    _record(store, 0, "add", label="goal_agreement", subtype="checks_goal")
    _record(store, 0, "comment", comment="nice check-in")
    session = store.load("s1")
    assert session is not None
    state = review_state(session, store.reviews("s1"))
    assert state[1].labels["confrontation"].status == "confirmed"
    assert state[1].subtypes() == {"confrontation": "defending_self"}
    assert state[1].effective() == ["withdrawal", "confrontation"]  # withdrawal still pending
    assert state[3].effective() == ["goal_agreement"]
    assert state[3].labels["collaboration"].note == "relabelled to goal_agreement"
    assert state[0].effective() == ["goal_agreement"] and state[0].comments[0]["text"]
    assert not state[2].decided and state[0].decided and state[3].changed
    assert progress(state) == (2, 12)
    assert reviewers(store.reviews("s1")) == ["alice"]


def test_invalid_actions_are_refused(store: Store) -> None:
    with pytest.raises(ReviewError, match="enter your name"):
        _record(store, 1, "confirm", reviewer=" ", label="confrontation")
    with pytest.raises(ReviewError, match="no repair marker to confirm"):
        _record(store, 1, "confirm", label="repair")
    with pytest.raises(ReviewError, match="already carries confrontation; confirm it"):
        _record(store, 1, "add", label="confrontation")
    with pytest.raises(ReviewError, match="repair is only coded on therapist turns"):
        _record(store, 1, "add", label="repair")
    with pytest.raises(ReviewError, match="carries no repair marker to reject"):
        _record(store, 1, "reject", label="repair")
    with pytest.raises(ReviewError, match="unknown confrontation subtype"):
        _record(store, 1, "confirm", label="confrontation", subtype="nope")
    with pytest.raises(ReviewError, match="already carries withdrawal"):
        _record(store, 1, "relabel", label="confrontation", new_label="withdrawal")
    with pytest.raises(ReviewError, match="no utterance 99"):
        _record(store, 99, "comment", comment="x")
    with pytest.raises(ReviewError, match="unknown label"):
        _record(store, 1, "add", label="rapport")
    assert store.reviews("s1") == []


def test_reviews_survive_resaving_and_go_with_delete(store: Store) -> None:
    _record(store, 1, "reject", label="withdrawal")
    store.save(tagged_session("s1"))  # re-analysing the same source replaces its rows
    assert len(store.reviews("s1")) == 1
    assert store.review_counts() == {"s1": 1}
    assert store.delete("s1")
    assert store.reviews("s1") == [] and store.edits("s1") == []


def test_per_reviewer_state_and_agreement(store: Store) -> None:
    for i in (1, 7):
        _record(store, i, "reject", label="withdrawal")
        _record(store, i, "confirm", label="confrontation")
    _record(store, 2, "confirm", label="repair")
    _record(store, 3, "reject", label="collaboration")
    _record(store, 1, "confirm", reviewer="bob", label="withdrawal")
    session = store.load("s1")
    assert session is not None
    log = store.reviews("s1")
    bob = review_state(session, log, "bob")
    assert [s.index for s in bob.values() if s.decided] == [1]
    everyone = review_state(session, log)
    assert everyone[1].labels["withdrawal"].status == "confirmed"  # bob acted last
    alice = review_state(session, log, "alice")
    rows = {a.label: a for a in session_agreement(session, alice, n_boot=50)}
    assert rows["withdrawal"].n == 4
    assert (rows["withdrawal"].positives_a, rows["withdrawal"].positives_b) == (2, 0)
    assert rows["confrontation"].kappa == pytest.approx(1.0)
    assert (rows["collaboration"].positives_a, rows["collaboration"].positives_b) == (1, 0)
    assert rows["goal_agreement"].kappa is None  # neither side marked it


def test_filter_turns_and_queue(store: Store) -> None:
    session = store.load("s1")
    assert session is not None
    state = review_state(session, [])
    assert filter_turns(session, state, markers=["repair"]) == [2, 8]
    assert filter_turns(session, state, markers=["withdrawal"], min_confidence=0.6) == []
    assert filter_turns(session, state, speakers=["Therapist"], marked_only=True) == [2, 4, 8, 10]
    assert queue(state, order="lowest")[:2] == [(1, "withdrawal"), (7, "withdrawal")]
    assert queue(state, labels=["repair"]) == [(2, "repair"), (8, "repair")]
    assert queue(state, status="decided") == []


def test_evidence_span_rule() -> None:
    session = tagged_session()
    utt = session.utterances[1]  # "I didn't do it." + a longer second sentence
    assert evidence_span(utt) == utt.sentences[1]  # longest sentence
    utt.annotations.append(Annotation(label="withdrawal", probability=0.99, evidence=0))
    assert evidence_span(utt) == utt.sentences[0]  # the annotation's evidence sentence
    assert evidence_span(session.utterances[0]) is None  # no marker, no highlight


# -- speaker fixes ----------------------------------------------------------------------------
def test_split_and_merge_move_reviews_and_record_edits(store: Store) -> None:
    _record(store, 5, "confirm", label="collaboration")
    _record(store, 1, "reject", label="withdrawal")
    session = store.load("s1")
    assert session is not None
    fix = fixes.split_turn(session, 1, session.utterances[1].sentences[1][0], "Partner",
                           "client")
    fixes.apply_fix(store, session, fix, "alice")
    assert [r["utterance_index"] for r in store.reviews("s1")] == [6, 1]
    again = store.load("s1")
    assert again is not None and again.utterances[2].speaker == "Partner"
    assert again.utterances[1].labels("model") == []  # changed text, model output cleared
    assert again.utterances[3].labels("model") == ["repair"]  # untouched turn keeps its own
    fixes.apply_fix(store, again, fixes.merge_turns(again, 1), "alice")
    assert [r["utterance_index"] for r in store.reviews("s1")] == [5, 1]
    final = store.load("s1")
    assert final is not None and "Partner" not in final.speakers
    edits = store.edits("s1")
    assert [e["action"] for e in edits] == ["split", "merge"]
    assert edits[0]["previous"]["turns"][0]["text"].startswith("I didn't do it. <script>")
    assert edits[1]["details"]["speakers"] == ["Client", "Partner"]


def test_fix_errors() -> None:
    session = tagged_session()
    with pytest.raises(fixes.FixError, match="already Client's"):
        fixes.reassign_speaker(session, 1, "Client")
    with pytest.raises(fixes.FixError, match="new speaker: choose their role"):
        fixes.reassign_speaker(session, 1, "Nia")
    with pytest.raises(fixes.FixError, match="last turn"):
        fixes.merge_turns(session, len(session.utterances) - 1)
    with pytest.raises(fixes.FixError, match="empty part"):
        fixes.split_turn(session, 1, 0)
    with pytest.raises(fixes.FixError, match="unknown role"):
        fixes.set_speaker_role(session, "Client", "boss")
    with pytest.raises(fixes.FixError, match="enter your name"):
        fixes.apply_fix(Store("sqlite://"), session, fixes.reassign_speaker(session, 1, "Nia",
                                                                            "client"), " ")


def test_reanalyse_with_a_tagger(store: Store) -> None:
    calls = []

    def tagger(session):  # a stand-in for the fine-tuned tagger
        calls.append(len(session.utterances))
        for utt in session.utterances:
            utt.scores = {"collaboration": 0.9}
            utt.annotations = [Annotation(label="collaboration", probability=0.9)]
        return session

    session = store.load("s1")
    assert session is not None
    fixes.apply_fix(store, session, fixes.reassign_speaker(session, 0, "Client"), "alice",
                    tagger)
    again = store.load("s1")
    assert again is not None and calls == [12]
    assert again.summary["marker_counts"]["collaboration"] == 12
    assert store.edits("s1")[0]["details"]["retagged"] is True


# -- library catalog --------------------------------------------------------------------------
def test_catalog_rows_filters_and_sort(store: Store) -> None:
    store.save(tagged_session("s2", source="/tmp/s2.txt", metadata={"date": "2025-01-01",
                                                                       "client": "Kim"}))
    rows = catalog_rows(store.list_sessions(), {"s1": 3})
    by = {r["session"]: r for r in rows}
    assert by["s1"]["reviewed"] == 3 and by["s2"]["client"] == "Kim"
    assert by["s1"]["confrontation"] == 2 and by["s1"]["alliance_index"] is not None
    assert [r["session"] for r in filter_rows(rows, query="kim")] == ["s2"]
    assert [r["session"] for r in filter_rows(rows, reviewed_only=True)] == ["s1"]
    assert [r["session"] for r in sort_rows(rows, "date", descending=False)] == ["s2", "s1"]
    dyad = dyad_rows(store.list_sessions(), "Therapist / Client")
    assert {r["session"] for r in dyad} == {"s1", "s2"}


# -- uploads ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd.txt", "passwd.txt"), ("..\\..\\win\\notes.VTT", "notes.vtt"),
    ("/abs/path/s.json", "s.json"), (".hidden.md", "hidden.md"), ("a\x00b.srt", "ab.srt"),
    ("séance 1.docx", "seance 1.docx"), ("x;rm -rf $(y).csv", "x_rm -rf _y.csv"),
])
def test_safe_upload_names(name: str, safe: str) -> None:
    assert safe_upload_name(name) == safe


def test_upload_staging_size_and_suffix(tmp_path: Path) -> None:
    assert upload_limit_mb() == 20
    path = stage_upload("../../evil.txt", b"T: hi\nC: ok\n", tmp_path, 20)
    assert path.parent == tmp_path.resolve() and path.name == "evil.txt"
    with pytest.raises(UploadTooLargeError, match="limited to 1 MB"):
        check_size("big.txt", 2 * 1024 * 1024, 1)
    with pytest.raises(UnsupportedFormatError, match=r"unsupported file type '\.exe'"):
        stage_upload("run.exe", b"MZ", tmp_path, 20)


def test_read_and_prepare_upload(tmp_path: Path) -> None:
    (session,) = read_upload("s.txt", b"Therapist: Hi, how are you?\nClient: Tired.\n",
                             tmp_path, 20)
    assert session.source and session.source.startswith("upload:s.txt#")
    assert session.speakers == {"Therapist": "therapist", "Client": "client"}
    with pytest.raises(ConsentError):
        prepare_upload(session, session.speakers, "supervision", " ")
    prepare_upload(session, {"Therapist": "therapist", "Client": "client"}, "research", "Dr. X")
    assert session.consent is not None and session.consent.source == "app"
