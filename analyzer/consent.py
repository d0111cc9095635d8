"""The consent gate: only consented sessions are processed.

Pipeline step ``require_consent(session, path, scope=..., manifest=...)``
reads the session's front-matter consent, a sidecar file and a manifest; writes
``session.consent``; raises ConsentError when none applies.

Sources, first match wins:
1. YAML front matter at the top of a text transcript (``consent: supervision`` or a mapping
   with ``scope``, ``attested_by``, ``date``).
2. A sidecar next to the file: ``<file>.consent.yaml`` (e.g. ``s1.vtt.consent.yaml``) or
   ``<stem>.consent.yaml``.
3. A batch manifest (CSV with ``scope`` and a ``file`` or ``session_id`` column).
4. An explicit attestation on the command line: ``--consent SCOPE``.
"""

from __future__ import annotations

import csv
import getpass
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from analyzer.errors import CONSENT_HOWTO, ConsentError
from analyzer.readers._common import decode, read_bytes
from analyzer.session import ConsentRecord, Session

log = logging.getLogger(__name__)


def record_from_mapping(
    value: Mapping[str, Any] | str, *, source: str, path: Path | str | None
) -> ConsentRecord:
    """Build a ConsentRecord from front matter, a sidecar or a manifest row."""
    data: dict[str, Any] = {"scope": value} if isinstance(value, str) else dict(value)
    attested_at = data.get("attested_at", data.get("date"))
    record = {
        "scope": data.get("scope"),
        "source": source,
        "attested_by": data.get("attested_by") or data.get("by"),
        "reference": str(path) if path is not None else None,
    }
    if attested_at is not None:
        record["attested_at"] = str(attested_at)
    try:
        return ConsentRecord.model_validate(record)
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConsentError(f"invalid consent record: {problem}", path=path) from None


def attest(scope: str, attested_by: str | None = None, source: str = "cli") -> ConsentRecord:
    """An explicit attestation (CLI ``--consent`` or the app's form)."""
    try:
        return ConsentRecord(
            scope=scope,  # type: ignore[arg-type]
            source=source,  # type: ignore[arg-type]
            attested_by=attested_by or _current_user(),
        )
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConsentError(f"invalid --consent: {problem}") from None


def _current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user database in some containers
        return "unknown"


def sidecar_for(path: Path) -> Path | None:
    for candidate in (path.with_name(path.name + ".consent.yaml"),
                      path.with_name(path.stem + ".consent.yaml")):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(sidecar: Path) -> ConsentRecord:
    text = decode(read_bytes(sidecar), sidecar)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConsentError(f"consent file is not valid YAML ({exc.__class__.__name__})",
                           path=sidecar) from None
    if isinstance(data, Mapping) and "consent" in data:
        data = data["consent"]
    if not isinstance(data, Mapping | str):
        raise ConsentError("consent file needs a 'scope' key", path=sidecar)
    return record_from_mapping(data, source="sidecar", path=sidecar)


@dataclass
class Manifest:
    """A consent manifest: maps file names/paths or session ids to a consent scope."""

    path: Path
    by_key: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        text = decode(read_bytes(path), path)
        dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
        rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
        if not rows or "scope" not in rows[0]:
            raise ConsentError(
                "manifest needs a 'scope' column and a 'file' or 'session_id' column",
                path=path,
            )
        keys = [k for k in ("file", "session_id") if k in rows[0]]
        if not keys:
            raise ConsentError("manifest needs a 'file' or 'session_id' column", path=path)
        manifest = cls(path=path)
        for row in rows:
            for key in keys:
                value = (row.get(key) or "").strip()
                if value:
                    manifest.by_key[value] = row
        return manifest

    def lookup(self, session: Session) -> ConsentRecord | None:
        candidates = [session.id, session.source_key]
        if session.source:
            src = Path(session.source)
            candidates += [str(src), src.name, str(src.resolve())]
        for key in candidates:
            row = self.by_key.get(key) if key else None
            if row is not None:
                return record_from_mapping(row, source="manifest", path=self.path)
        return None


def require_consent(
    session: Session,
    *,
    scope: str | None = None,
    attested_by: str | None = None,
    manifest: Manifest | None = None,
) -> Session:
    """Attach a consent record to the session or raise ConsentError (nothing is processed)."""
    if session.consent is None and session.source:
        sidecar = sidecar_for(Path(session.source))
        if sidecar is not None:
            session.consent = read_sidecar(sidecar)
    if session.consent is None and manifest is not None:
        session.consent = manifest.lookup(session)
    if session.consent is None and scope:
        session.consent = attest(scope, attested_by)
    if session.consent is None:
        raise ConsentError(
            f"no consent record for session {session.id!r}",
            path=session.source,
            hint=CONSENT_HOWTO,
        )
    return session
