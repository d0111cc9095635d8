"""Transcripts uploaded through the app: safe staging, size limit, consent and roles.

An upload is checked against the size limit before anything parses it, written under a
private temporary folder with a sanitised name (path components, traversal, control
characters and odd punctuation stripped; the original extension kept, lower-cased), and read
with the ordinary readers. The stored source is ``upload:<name>#<content hash>`` so
uploading the same file again replaces its session (keeping its reviews) while two different
files with the same name stay apart.

The limit is ``server.maxUploadSize`` (MB) from the project's ``.streamlit/config.toml``
(20 MB), so the app's own check and Streamlit's agree even when the app runs from another
working directory.
"""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

from analyzer.consent import attest
from analyzer.errors import (
    ConsentError,
    RoleError,
    UnsupportedFormatError,
    UploadTooLargeError,
)
from analyzer.labels import ROLES
from analyzer.readers import SUPPORTED_SUFFIXES, read_path
from analyzer.roles import assign_roles
from analyzer.session import Session

log = logging.getLogger(__name__)

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"
DEFAULT_LIMIT_MB = 20
MAX_NAME = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def upload_limit_mb(config: Path = CONFIG) -> int:
    """``server.maxUploadSize`` from the app's config, else the 20 MB default."""
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
        return int(data["server"]["maxUploadSize"])
    except (OSError, KeyError, ValueError, TypeError, tomllib.TOMLDecodeError):
        return DEFAULT_LIMIT_MB


def check_size(name: str, size: int, limit_mb: int) -> None:
    if size > limit_mb * 1024 * 1024:
        raise UploadTooLargeError(
            f"the file is {size / 1024 / 1024:.1f} MB; uploads are limited to {limit_mb} MB",
            path=safe_upload_name(name, check_suffix=False),
            hint="split the transcript, or analyse it with `alliance analyze FILE`",
        )


def safe_upload_name(name: str, *, check_suffix: bool = True) -> str:
    """A file name safe to write in a folder of ours, keeping the original extension."""
    base = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name
    base = unicodedata.normalize("NFKD", base)  # "é" -> "e" + accent, dropped below
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Mn", "Cc", "Cf"))
    path = PurePosixPath(base)
    suffix = path.suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", path.suffix) else ""
    stem = path.name[: len(path.name) - len(path.suffix)] if suffix else path.name
    stem = _UNSAFE.sub("_", stem).strip(" .-_") or "upload"
    if check_suffix and suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormatError(
            f"unsupported file type {suffix or '(none)'!r}", path=f"{stem}{suffix}",
            hint=f"supported: {', '.join(SUPPORTED_SUFFIXES)}",
        )
    return f"{stem[: MAX_NAME - len(suffix)]}{suffix}"


def stage_upload(name: str, data: bytes, folder: Path, limit_mb: int) -> Path:
    """Check the size, then write ``data`` under ``folder`` with a safe name."""
    check_size(name, len(data), limit_mb)
    safe = safe_upload_name(name)
    folder = folder.resolve()
    target = (folder / safe).resolve()
    if target.parent != folder:  # cannot happen with a sanitised name; belt and braces
        raise UnsupportedFormatError("unsafe file name", path=safe)
    target.write_bytes(data)
    return target


def read_upload(name: str, data: bytes, folder: Path, limit_mb: int) -> list[Session]:
    """The sessions in an uploaded file, with roles pre-filled (inferred where needed)."""
    path = stage_upload(name, data, folder, limit_mb)
    sessions = read_path(path)
    for session in sessions:
        session.source = f"upload:{path.name}#{(session.source_hash or '')[:12]}"
        session.metadata = {**session.metadata, "uploaded_as": path.name}
        assign_roles(session)
    log.info("upload %s: %d session(s)", path.name, len(sessions))
    return sessions


def prepare_upload(session: Session, roles: Mapping[str, str], scope: str,
                   attested_by: str) -> Session:
    """Apply the consent attestation and the speaker roles a person confirmed in the app.

    Raises ConsentError (no attester, unknown scope) or RoleError (unknown role, no therapist).
    The roles count as given, not inferred, once a person has confirmed them.
    """

    if not attested_by.strip():
        raise ConsentError("the consent attestation needs the name of who attests it")
    session.consent = attest(scope, attested_by.strip(), source="app")
    unknown = {s: r for s, r in roles.items() if r not in ROLES}
    if unknown:
        raise RoleError(f"unknown role(s): {unknown}", hint=f"roles are {', '.join(ROLES)}")
    session.speakers = {s: roles.get(s, r) for s, r in session.speakers.items()}  # type: ignore[misc]
    for utt in session.utterances:
        utt.role = session.speakers.get(utt.speaker, "other")  # type: ignore[assignment]
    if "therapist" not in session.speakers.values():
        raise RoleError("no speaker is a therapist", hint="set at least one therapist role")
    session.roles_inferred = False
    return session
