"""Storage: SQLAlchemy 2 models for sessions, utterances and annotations.

Embedded SQLite by default (a file in the user's data directory, created with 0600
permissions); any SQLAlchemy URL works, e.g. ``postgresql+psycopg://user@host/db``.
``Store.save(session)`` writes one session in one transaction: a failure leaves nothing
half-written. Re-analysing the same source replaces that session instead of duplicating it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.orm import Session as OrmSession

from analyzer.session import AnalysisInfo, Annotation, ConsentRecord, Session, Utterance, utcnow

log = logging.getLogger(__name__)

ENV_DB = "ALLIANCE_DB"


def default_db_url() -> str:
    """``$ALLIANCE_DB`` if set, else SQLite in the user's data directory."""
    if os.environ.get(ENV_DB):
        return os.environ[ENV_DB]
    folder = Path(user_data_dir("alliance-analyzer", appauthor=False))
    return f"sqlite:///{folder / 'alliance.db'}"


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("source", "source_key", name="uq_session_source"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str | None] = mapped_column(Text)
    source_key: Mapped[str] = mapped_column(String(200), default="")
    source_hash: Mapped[str | None] = mapped_column(String(64))
    consent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    speakers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    roles_inferred: Mapped[bool] = mapped_column(default=False)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    episodes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    n_utterances: Mapped[int] = mapped_column(Integer, default=0)
    duration: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[str] = mapped_column(String(40), default=utcnow)
    updated_at: Mapped[str] = mapped_column(String(40), default=utcnow)

    utterances: Mapped[list[UtteranceRow]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="UtteranceRow.idx"
    )


class UtteranceRow(Base):
    __tablename__ = "utterances"
    __table_args__ = (UniqueConstraint("session_id", "idx", name="uq_utterance_index"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"),
                                            index=True)
    idx: Mapped[int] = mapped_column(Integer)
    source_id: Mapped[str | None] = mapped_column(String(200))
    speaker: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    start: Mapped[float | None] = mapped_column(Float)
    end: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    sentences: Mapped[list[Any]] = mapped_column(JSON, default=list)
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)

    session: Mapped[SessionRow] = relationship(back_populates="utterances")
    annotations: Mapped[list[AnnotationRow]] = relationship(
        back_populates="utterance", cascade="all, delete-orphan", order_by="AnnotationRow.pk"
    )


class AnnotationRow(Base):
    __tablename__ = "annotations"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    utterance_pk: Mapped[int] = mapped_column(ForeignKey("utterances.pk", ondelete="CASCADE"),
                                              index=True)
    label: Mapped[str] = mapped_column(String(40))
    probability: Mapped[float | None] = mapped_column(Float)
    origin: Mapped[str] = mapped_column(String(20))
    subtype: Mapped[str | None] = mapped_column(String(60))
    annotator: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[int | None] = mapped_column(Integer)

    utterance: Mapped[UtteranceRow] = relationship(back_populates="annotations")


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url.removeprefix("sqlite:///"))
    return None


def make_engine(url: str) -> Engine:
    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)  # private from the start
            os.close(fd)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if path is not None:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()
    return engine


class Store:
    """A session database. ``Store()`` opens the default; ``Store(url)`` any SQLAlchemy URL."""

    def __init__(self, url: str | None = None):
        self.url = url or default_db_url()
        self.engine = make_engine(self.url)
        Base.metadata.create_all(self.engine)

    @contextmanager
    def _tx(self) -> Iterator[OrmSession]:
        with OrmSession(self.engine, expire_on_commit=False) as orm, orm.begin():
            yield orm

    # -- writing ---------------------------------------------------------------------------
    def save(self, session: Session) -> str:
        """Write (or replace) one session atomically; returns the id it was stored under."""
        with self._tx() as orm:
            existing = orm.scalar(
                select(SessionRow).where(SessionRow.source == session.source,
                                         SessionRow.source_key == session.source_key)
            ) if session.source else None
            created_at = utcnow()
            if existing is not None:
                session.id = existing.id
                created_at = existing.created_at
                orm.delete(existing)
                orm.flush()
            else:
                clash = orm.get(SessionRow, session.id)
                if clash is not None:
                    if clash.source == session.source:  # same id from a re-read source
                        created_at = clash.created_at
                        orm.delete(clash)
                        orm.flush()
                    else:
                        suffix = hashlib.sha1(f"{session.source}|{session.source_key}".encode())
                        session.id = f"{session.id}-{suffix.hexdigest()[:6]}"
                        log.warning("session id already used by another source; stored as %s",
                                    session.id)
            orm.add(_to_row(session, created_at))
        return session.id

    def delete(self, session_id: str) -> bool:
        with self._tx() as orm:
            row = orm.get(SessionRow, session_id)
            if row is None:
                return False
            orm.execute(delete(SessionRow).where(SessionRow.id == session_id))
            return True

    # -- reading ---------------------------------------------------------------------------
    def list_sessions(self) -> list[dict[str, Any]]:
        """One summary dict per stored session, newest first (no utterance text)."""
        with OrmSession(self.engine) as orm:
            rows = orm.scalars(select(SessionRow).order_by(SessionRow.updated_at.desc())).all()
            return [
                {
                    "id": r.id, "source": r.source, "consent": r.consent,
                    "speakers": r.speakers, "roles_inferred": r.roles_inferred,
                    "n_utterances": r.n_utterances, "duration": r.duration,
                    "metadata": r.meta, "summary": r.summary, "analysis": r.analysis,
                    "updated_at": r.updated_at,
                }
                for r in rows
            ]

    def count(self) -> int:
        with OrmSession(self.engine) as orm:
            return int(orm.scalar(select(func.count()).select_from(SessionRow)) or 0)

    def load(self, session_id: str) -> Session | None:
        with OrmSession(self.engine) as orm:
            row = orm.get(SessionRow, session_id)
            return None if row is None else _from_row(row)


def _to_row(session: Session, created_at: str) -> SessionRow:
    row = SessionRow(
        id=session.id, source=session.source, source_key=session.source_key,
        source_hash=session.source_hash,
        consent=session.consent.model_dump() if session.consent else None,
        speakers=dict(session.speakers), roles_inferred=session.roles_inferred,
        meta=json.loads(json.dumps(session.metadata, default=str)),
        episodes=list(session.episodes), summary=dict(session.summary),
        analysis=session.analysis.model_dump() if session.analysis else None,
        n_utterances=len(session.utterances), duration=session.duration,
        created_at=created_at, updated_at=datetime.now().astimezone().isoformat(),
    )
    for utt in session.utterances:
        urow = UtteranceRow(
            idx=utt.index, source_id=utt.source_id, speaker=utt.speaker, role=utt.role,
            start=utt.start, end=utt.end, text=utt.text,
            sentences=[list(s) for s in utt.sentences], scores=dict(utt.scores),
        )
        urow.annotations = [AnnotationRow(**a.model_dump()) for a in utt.annotations]
        row.utterances.append(urow)
    return row


def _from_row(row: SessionRow) -> Session:
    return Session(
        id=row.id, source=row.source, source_key=row.source_key, source_hash=row.source_hash,
        consent=ConsentRecord.model_validate(row.consent) if row.consent else None,
        speakers=row.speakers, roles_inferred=row.roles_inferred, metadata=row.meta,
        episodes=row.episodes, summary=row.summary,
        analysis=AnalysisInfo.model_validate(row.analysis) if row.analysis else None,
        utterances=[
            Utterance(
                index=u.idx, source_id=u.source_id, speaker=u.speaker,
                role=u.role,  # type: ignore[arg-type]
                start=u.start, end=u.end, text=u.text,
                sentences=[tuple(s) for s in u.sentences], scores=u.scores,
                annotations=[
                    Annotation(label=a.label, probability=a.probability,
                               origin=a.origin,  # type: ignore[arg-type]
                               subtype=a.subtype, annotator=a.annotator, evidence=a.evidence)
                    for a in u.annotations
                ],
            )
            for u in row.utterances
        ],
    )
