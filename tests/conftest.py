"""Shared fixtures: sessions built by hand, temporary databases, example paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.session import ConsentRecord, Session, Utterance

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(autouse=True)
def _isolated_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever touches the user's real database."""
    monkeypatch.setenv("ALLIANCE_DB", f"sqlite:///{tmp_path / 'default.db'}")


def make_session(turns: list[tuple[str, str]], session_id: str = "s1", **kw: object) -> Session:
    """A session from (speaker, text) pairs; role words in the speaker name set the role."""
    roles = {"Therapist": "therapist", "Client": "client"}
    utts = [
        Utterance(index=i, speaker=spk, role=roles.get(spk, "other"),  # type: ignore[arg-type]
                  text=text, start=float(i * 5), end=float(i * 5 + 4))
        for i, (spk, text) in enumerate(turns)
    ]
    return Session(
        id=session_id,
        source=kw.pop("source", f"/tmp/{session_id}.txt"),  # type: ignore[arg-type]
        consent=ConsentRecord(scope="supervision", source="cli", attested_by="test"),
        speakers={u.speaker: u.role for u in utts},
        utterances=utts,
        **kw,  # type: ignore[arg-type]
    )


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tagger():
    """The released tagger, loaded once per test session ($ALLIANCE_TEST_MODEL overrides)."""
    import os

    from analyzer.tagger import DEFAULT_MODEL_DIR, Tagger

    path = Path(os.environ.get("ALLIANCE_TEST_MODEL", DEFAULT_MODEL_DIR))
    assert (path / "config.json").is_file(), f"no model at {path}: run `alliance train`"
    return Tagger.load(path)
