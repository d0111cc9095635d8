from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.consent import Manifest, require_consent
from analyzer.errors import ConsentError
from analyzer.readers import read_path
from tests.conftest import write

BODY = "Therapist: Hello.\nClient: Hi.\n"


def _session(tmp_path: Path, name: str = "s.txt", body: str = BODY):
    (s,) = read_path(write(tmp_path / name, body))
    return s


def test_no_consent_is_refused_with_the_ways_to_give_it(tmp_path: Path) -> None:
    with pytest.raises(ConsentError) as info:
        require_consent(_session(tmp_path))
    msg = str(info.value)
    for way in ("front matter", "consent.yaml", "--manifest", "--consent"):
        assert way in msg


def test_sidecar(tmp_path: Path) -> None:
    write(tmp_path / "s.txt.consent.yaml", "scope: research\nattested_by: PI\n")
    s = require_consent(_session(tmp_path))
    assert s.consent is not None
    assert (s.consent.scope, s.consent.source, s.consent.attested_by) == (
        "research", "sidecar", "PI")


def test_stem_sidecar_and_nested_key(tmp_path: Path) -> None:
    write(tmp_path / "s.consent.yaml", "consent:\n  scope: self-review\n")
    assert require_consent(_session(tmp_path)).consent.scope == "self-review"  # type: ignore[union-attr]


def test_manifest_by_file_name(tmp_path: Path) -> None:
    manifest = Manifest.load(write(tmp_path / "m.csv", "file,scope\ns.txt,research\n"))
    s = require_consent(_session(tmp_path), manifest=manifest)
    assert s.consent is not None and s.consent.source == "manifest"


def test_cli_attestation(tmp_path: Path) -> None:
    s = require_consent(_session(tmp_path), scope="supervision", attested_by="Dr B")
    assert s.consent is not None
    assert (s.consent.scope, s.consent.source, s.consent.attested_by) == (
        "supervision", "cli", "Dr B")


def test_invalid_scope(tmp_path: Path) -> None:
    with pytest.raises(ConsentError, match="unknown consent scope 'marketing'"):
        require_consent(_session(tmp_path), scope="marketing")


def test_front_matter_consent_wins(tmp_path: Path) -> None:
    s = _session(tmp_path, body="---\nconsent: research\n---\n" + BODY)
    require_consent(s, scope="supervision")
    assert s.consent is not None and s.consent.scope == "research"
