"""Batch scoring for researchers: resumable, idempotent corpus runs into tidy tables.

``run_batch(inputs, out_dir, options)`` reads every supported file (folders recursively,
multi-session tables split), keeps sessions with research-scope consent, analyses them, and
writes in ``out_dir``:
``utterances.parquet`` (or ``.csv``), ``sessions.csv``, ``episodes.csv``, ``failures.csv``
and ``run.json`` (inputs with content hashes, model version and thresholds, code version,
timings).

Resumable: each finished session is saved at once as ``parts/<key>.json`` (written to a
temporary file and renamed, so a killed run loses at most the sessions in flight). The key
hashes the file's content, the session's key inside it and the model version, so rerunning
the same command skips finished sessions and an interrupted run completes without duplicate
rows; ``force`` recomputes everything. The final tables are rebuilt from the parts and also
written atomically.

Local engine: a reader thread parses, segments and (by default) de-identifies the next files
while the main thread runs the model on groups of ``TAG_GROUP`` sessions (both cores busy); a
killed run loses at most the group in flight. The Ray engine (``analyzer.batch_ray``) runs
the same per-session functions on a Ray cluster and writes the same tables.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.consent import Manifest, require_consent
from analyzer.errors import AllianceInputError
from analyzer.pipeline import Failure
from analyzer.readers import iter_inputs, read_path
from analyzer.roles import assign_roles
from analyzer.segment import split_sentences
from analyzer.session import Session
from analyzer.tables import episode_rows, session_row, utterances_frame

log = logging.getLogger(__name__)


#: Sessions tagged together (the most a killed run can lose).
TAG_GROUP = 8


@dataclass
class BatchOptions:
    consent_scope: str | None = None  # one attestation for the whole run
    manifest: Path | None = None
    therapists: tuple[str, ...] = ()
    deidentify: bool = True
    force: bool = False
    table_format: str = "parquet"  # or csv
    engine: str = "local"
    address: str | None = None


@dataclass
class BatchResult:
    out_dir: Path
    done: int = 0
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Item:
    """One session ready for the model (read, consented, roles, sentences)."""

    session: Session
    path: str
    key: str


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def part_key(content_hash: str, source_key: str, model_version: str) -> str:
    return hashlib.sha256(f"{content_hash}|{source_key}|{model_version}".encode()
                          ).hexdigest()[:32]


def atomic_write(path: Path, writer: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    writer(tmp)
    os.replace(tmp, path)


def prepare(paths: Iterable[str | Path], options: BatchOptions, model_version: str,
            parts: Path, failures: list[Failure], inputs: list[dict[str, Any]]
            ) -> Iterator[Item | None]:
    """Read, consent-check and segment sessions; yields None for sessions already done."""
    manifest = Manifest.load(Path(options.manifest)) if options.manifest else None
    for raw in paths:
        try:
            files = list(iter_inputs([raw]))
        except AllianceInputError as exc:
            failures.append(Failure(str(raw), None, str(exc)))
            continue
        for path in files:
            try:
                digest = file_hash(path) if path.is_file() else ""
                inputs.append({"file": str(path), "sha256": digest})
                sessions = read_path(path)
            except AllianceInputError as exc:
                failures.append(Failure(str(path), None, str(exc)))
                continue
            for session in sessions:
                key = part_key(digest, session.source_key, model_version)
                if (parts / f"{key}.json").exists():
                    yield None
                    continue
                try:
                    require_consent(session, scope=options.consent_scope, manifest=manifest)
                    if session.consent is None or session.consent.scope != "research":
                        scope = session.consent.scope if session.consent else "none"
                        raise AllianceInputError(
                            f"session {session.id!r} has {scope!r} consent, not research",
                            path=path, hint="research exports need research-scope consent")
                    assign_roles(session, options.therapists)
                    if options.deidentify:  # on the reader thread, overlapping inference
                        session = scrub_for_export(session, key)
                    else:
                        split_sentences(session)
                except AllianceInputError as exc:
                    failures.append(Failure(str(path), session.id, str(exc)))
                    continue
                yield Item(session=session, path=str(path), key=key)


def scrub_for_export(session: Session, pseudonym: str) -> Session:
    """De-identify text and speakers, and drop what else can identify someone in a research
    export: the file path (kept as a content hash), front-matter metadata, the consent
    signatory, and a session id taken from a file name (ids from a table's own id column,
    assigned by researchers, are kept so they can be joined)."""
    from analyzer.deidentify import deidentify as deid

    clean = deid(session)
    if not clean.source_key:
        clean.id = f"s-{pseudonym[:12]}"
    clean.source = f"sha256:{pseudonym}"
    clean.metadata = {"deidentified": clean.metadata.get("deidentified", {})}
    if clean.consent is not None:
        clean.consent = clean.consent.model_copy(update={"attested_by": None, "reference": None})
    split_sentences(clean)
    return clean


def finish_sessions(sessions: list[Session], tagger: Any) -> list[Session]:
    """Model (sessions tagged together: fuller, length-sorted batches), then episodes,
    summary and profile, for prepared (consented, segmented, de-identified) sessions."""
    from analyzer.episodes import build_episodes
    from analyzer.profile import profile
    from analyzer.summary import summarize

    tagger.tag(sessions)
    for session in sessions:
        build_episodes(session)
        summarize(session)
        profile(session, tagger.norms)
    return sessions


def _prefetch(items: Iterator[Item | None], size: int = 4) -> Iterator[Item | None]:
    """Run the reading/segmenting generator in a thread, a few items ahead."""
    q: queue.Queue[Any] = queue.Queue(maxsize=size)
    done = object()

    def worker() -> None:
        try:
            for item in items:
                q.put(item)
        except BaseException as exc:  # surfaced in the consumer
            q.put(exc)
        q.put(done)

    threading.Thread(target=worker, daemon=True).start()
    while (item := q.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item


def run_batch(paths: list[str | Path], out_dir: Path, options: BatchOptions, tagger: Any,
              progress: Callable[[int, int], None] | None = None) -> BatchResult:
    out_dir = Path(out_dir)
    parts = out_dir / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    if options.force:
        for p in parts.glob("*.json"):
            p.unlink()
    started = time.perf_counter()
    result = BatchResult(out_dir=out_dir)
    inputs: list[dict[str, Any]] = []
    items = prepare(paths, options, tagger.version, parts, result.failures, inputs)
    if options.engine == "ray":
        from analyzer.batch_ray import run_ray

        result.done, result.skipped = run_ray(items, parts, options, tagger, progress)
    else:
        pending: list[Item] = []

        def flush() -> None:
            for item, session in zip(pending, finish_sessions([i.session for i in pending],
                                                              tagger), strict=True):
                save_part(parts, item.key, session)
                result.done += 1
            pending.clear()
            if progress:
                progress(result.done, result.skipped)

        for item in _prefetch(items, size=2 * TAG_GROUP):
            if item is None:
                result.skipped += 1
            else:
                pending.append(item)
                if len(pending) >= TAG_GROUP:
                    flush()
        if pending:
            flush()
    result.seconds = time.perf_counter() - started
    write_tables(out_dir, options, tagger, inputs, result)
    return result


def save_part(parts: Path, key: str, session: Session) -> None:
    atomic_write(parts / f"{key}.json",
                 lambda tmp: tmp.write_text(session.model_dump_json(), encoding="utf-8"))


def load_parts(parts: Path) -> list[Session]:
    sessions = [Session.model_validate_json(p.read_text(encoding="utf-8"))
                for p in sorted(parts.glob("*.json"))]
    return sorted(sessions, key=lambda s: (s.source or "", s.source_key, s.id))


def write_tables(out_dir: Path, options: BatchOptions, tagger: Any,
                 inputs: list[dict[str, Any]], result: BatchResult) -> None:
    sessions = load_parts(out_dir / "parts")
    utts = utterances_frame(sessions)
    if options.table_format == "csv":
        atomic_write(out_dir / "utterances.csv", lambda t: utts.to_csv(t, index=False))
    else:
        atomic_write(out_dir / "utterances.parquet", lambda t: utts.to_parquet(t, index=False))
    frames = {
        "sessions.csv": pd.DataFrame([session_row(s) for s in sessions]),
        "episodes.csv": pd.DataFrame([r for s in sessions for r in episode_rows(s)],
                                     columns=["session_id", "episode", "start_index",
                                              "end_index", "start_time", "end_time", "type",
                                              "markers", "repairs", "resolved", "confidence"]),
        "failures.csv": pd.DataFrame([vars(f) for f in result.failures],
                                     columns=["path", "session", "error"]),
    }
    for name, frame in frames.items():
        atomic_write(out_dir / name, lambda t, f=frame: f.to_csv(t, index=False))
    from analyzer import __version__

    run = {
        "inputs": inputs,
        "model": {"name": tagger.config.get("name"), "version": tagger.version,
                  "thresholds": tagger.config.get("thresholds"),
                  "base_model": tagger.config.get("base_model")},
        "code_version": __version__,
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()},
        "sessions_total": len(sessions), "sessions_computed": result.done,
        "sessions_skipped_done": result.skipped, "failures": len(result.failures),
        "seconds": round(result.seconds, 2),
        "utterances_per_second": round(len(utts) / result.seconds, 1) if result.seconds else None,
        "python": platform.python_version(), "machine": platform.machine(),
    }
    atomic_write(out_dir / "run.json",
                 lambda t: t.write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8"))
