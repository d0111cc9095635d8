from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from tests.conftest import EXAMPLES, write

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_analyze_examples_table(db_url: str) -> None:
    res = run("analyze", str(EXAMPLES), "--db", db_url)
    assert res.exit_code == 0, res.output
    assert "Analysed sessions" in res.output and "stored 3 session(s)" in res.output
    shown = json.loads(run("show", "couples-telehealth", "--db", db_url).stdout)
    assert shown["sessions"][0]["speakers"]["Marcus"] == "client"


def test_json_contract(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    res = run("analyze", str(EXAMPLES / "cbt-homework-rupture.txt"), "--no-store",
              "--format", "json", "-o", str(out))
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    (s,) = doc["sessions"]
    assert {"id", "source", "consent", "utterances", "episodes", "summary"} <= s.keys()
    u = s["utterances"][0]
    assert {"index", "source_id", "speaker", "role", "start", "end", "text", "scores",
            "labels"} <= u.keys()
    assert s["consent"]["scope"] == "supervision"


def test_therapist_option(tmp_path: Path) -> None:
    res = run("analyze", str(EXAMPLES / "intake-whisperx.json"), "--no-store",
              "--format", "json", "--therapist", "SPEAKER_00")
    doc = json.loads(res.stdout)
    assert doc["sessions"][0]["speakers"] == {"SPEAKER_00": "therapist", "SPEAKER_01": "client"}
    assert doc["sessions"][0]["roles_inferred"] is False


BAD_INPUTS = {
    "empty.txt": ("", "empty"),
    "binary.txt": (bytes(range(256)) * 8, "binary"),
    "nolabels.txt": ("just some words\nand more words\n", "no speaker labels"),
    "broken.vtt": ("WEBVTT\n\n00:00:01.000 --> 00:00:zz.000\nA: hi\n", "line 3"),
    "broken.srt": ("1\n00:00:01,000 --> 00:00:0x,000\nA: hi\n", "line 2"),
    "truncated.json": ('{"segments": [{"start": 0, "speaker": "A", "text": "h', "truncated"),
    "schema.json": ('{"foo": 1}', "unrecognised JSON"),
    "notext.csv": ("speaker,words\nA,hi\n", "no text column"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_one_line_no_traceback_nothing_stored(
        tmp_path: Path, db_url: str, name: str) -> None:
    content, expected = BAD_INPUTS[name]
    path = write(tmp_path / name, content)
    res = run("analyze", str(path), "--consent", "research", "--db", db_url)
    assert res.exit_code == 1
    assert expected in res.stderr
    assert "Traceback" not in res.output
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "0 stored session" in run("sessions", "--db", db_url).output


def test_missing_path_and_missing_consent(tmp_path: Path, db_url: str) -> None:
    res = run("analyze", str(tmp_path / "nope.txt"), "--db", db_url)
    assert res.exit_code == 1 and "no such file" in res.stderr
    plain = write(tmp_path / "plain.txt", "T: hi\nC: hello\n")
    res = run("analyze", str(plain), "--db", db_url)
    assert res.exit_code == 1
    assert "no consent record" in res.stderr and "--consent" in res.stderr


def test_unreadable_file(tmp_path: Path, db_url: str) -> None:
    import os

    path = write(tmp_path / "locked.txt", "T: hi\nC: hello\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read any file (root)")
        res = run("analyze", str(path), "--consent", "research", "--db", db_url)
        assert res.exit_code == 1 and "permission denied" in res.stderr
    finally:
        path.chmod(0o600)


def test_several_inputs_failures_listed_at_end(tmp_path: Path, db_url: str) -> None:
    good = write(tmp_path / "good.txt", "T: hi\nC: hello\n")
    bad1 = write(tmp_path / "bad1.txt", "")
    bad2 = write(tmp_path / "bad2.csv", "speaker,words\nA,hi\n")
    res = run("analyze", str(bad1), str(good), str(bad2), "--consent", "research",
              "--db", db_url)
    assert res.exit_code == 1
    assert "2 input(s) failed" in res.stderr
    assert "stored 1 session(s)" in res.stderr


def test_invalid_consent_scope(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", "T: hi\nC: hello\n")
    res = run("analyze", str(good), "--consent", "marketing", "--no-store")
    assert res.exit_code == 1 and "unknown consent scope" in res.stderr


def test_evaluate_errors_rejects_an_unknown_source() -> None:
    res = runner.invoke(app, ["evaluate", "--errors", "--source", "imaginary"])
    assert res.exit_code != 0
    assert "unknown --source" in res.output and "Traceback" not in res.output


def test_evaluate_errors_on_annomi_without_its_text(tmp_path: Path) -> None:
    res = runner.invoke(app, ["evaluate", "--errors", "--source", "annomi",
                              "--annomi", str(tmp_path / "absent.csv")])
    assert res.exit_code != 0
    assert "no annomi test sessions" in res.output
