from __future__ import annotations

import pytest

from analyzer.errors import RoleError
from analyzer.roles import assign_roles, role_from_label
from tests.conftest import make_session


@pytest.mark.parametrize(
    ("label", "role"),
    [("Therapist", "therapist"), ("T", "therapist"), ("Counsellor 2", "therapist"),
     ("Client", "client"), ("Patient", "client"), ("C", "client"), ("Partner A", "client"),
     ("Dr. Okafor", None), ("Jamie", None), ("SPEAKER_00", None)],
)
def test_role_words(label: str, role: str | None) -> None:
    assert role_from_label(label) == role


def test_explicit_therapist_names_everyone_else_client() -> None:
    s = make_session([("Ana", "Hi both."), ("Ben", "Hi."), ("Cleo", "Hello.")])
    assign_roles(s, ["ana"])
    assert s.speakers == {"Ana": "therapist", "Ben": "client", "Cleo": "client"}
    assert not s.roles_inferred
    assert [u.role for u in s.utterances] == ["therapist", "client", "client"]


def test_unknown_therapist_name_is_an_input_error() -> None:
    s = make_session([("Ana", "Hi."), ("Ben", "Hi.")])
    with pytest.raises(RoleError, match="speakers are: Ana, Ben"):
        assign_roles(s, ["Zed"])


def test_heuristic_picks_the_questioner_and_marks_inferred() -> None:
    s = make_session([
        ("SPEAKER_01", "So what brings you here today?"),
        ("SPEAKER_02", "My boss, mostly. He is impossible."),
        ("SPEAKER_01", "What happens with him?"),
        ("SPEAKER_02", "He shouts. I freeze."),
        ("SPEAKER_03", "And then he comes home angry."),
    ])
    assign_roles(s)
    assert s.speakers == {"SPEAKER_01": "therapist", "SPEAKER_02": "client",
                          "SPEAKER_03": "client"}
    assert s.roles_inferred


def test_role_words_win_over_heuristic() -> None:
    s = make_session([("Client", "Can I ask you something?"), ("Therapist", "Of course.")])
    assign_roles(s)
    assert s.speakers == {"Client": "client", "Therapist": "therapist"}
    assert not s.roles_inferred


def test_front_matter_therapist() -> None:
    s = make_session([("Dr. Lee", "Hi."), ("Max", "Do you think so?")],
                     metadata={"therapist": "Dr. Lee"})
    assign_roles(s)
    assert s.speakers == {"Dr. Lee": "therapist", "Max": "client"}
    assert not s.roles_inferred
