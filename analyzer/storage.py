"""Storage: SQLAlchemy 2 models for sessions, utterances and annotations.

Embedded SQLite by default (a file in the user's data directory, created with 0600
permissions); any SQLAlchemy URL works, e.g. ``postgresql+psycopg://user@host/db``.
``Store.save(session)`` writes one session in one transaction: a failure leaves nothing
half-written. Re-analysing the same source replaces that session instead of duplicating it.

Review data lives in two more tables, keyed by session id (and utterance index) *without* a
foreign key, so it survives ``save`` replacing a session's rows: ``reviews`` (one row per
reviewer action, append-only, with the model's output for the utterance at that moment) and
``session_edits`` (speaker fixes: who, when, what, and the previous state). ``Store.delete``
removes both with the session.
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
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload
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


class ReviewRow(Base):
    """One reviewer action on one utterance; never updated, only appended (and remapped when
    a speaker fix renumbers turns). The model's annotations are never touched."""

    __tablename__ = "reviews"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(200), index=True)
    utterance_index: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40), default=utcnow)
    action: Mapped[str] = mapped_column(String(20))  # confirm|reject|relabel|add|comment
    label: Mapped[str | None] = mapped_column(String(40))
    new_label: Mapped[str | None] = mapped_column(String(40))
    subtype: Mapped[str | None] = mapped_column(String(60))
    comment: Mapped[str | None] = mapped_column(Text)
    model_output: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SessionEditRow(Base):
    """One speaker fix (reassign, role change, split, merge) with the state it replaced."""

    __tablename__ = "session_edits"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(200), index=True)
    editor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40), default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    previous: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


_REVIEW_FIELDS = ("pk", "session_id", "utterance_index", "reviewer", "created_at", "action",
                  "label", "new_label", "subtype", "comment", "model_output")
_EDIT_FIELDS = ("pk", "session_id", "editor", "created_at", "action", "details", "previous")


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
            return self._save_in(orm, session)

    def _save_in(self, orm: OrmSession, session: Session) -> str:
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
        """Delete a session with its utterances, annotations, reviews and edit history."""
        with self._tx() as orm:
            row = orm.get(SessionRow, session_id)
            orm.execute(delete(ReviewRow).where(ReviewRow.session_id == session_id))
            orm.execute(delete(SessionEditRow).where(SessionEditRow.session_id == session_id))
            if row is None:
                return False
            orm.execute(delete(SessionRow).where(SessionRow.id == session_id))
            return True

    # -- reviews and speaker fixes ---------------------------------------------------------
    def add_review(self, session_id: str, utterance_index: int, reviewer: str, action: str,
                   *, label: str | None = None, new_label: str | None = None,
                   subtype: str | None = None, comment: str | None = None,
                   model_output: dict[str, Any] | None = None) -> int:
        """Append one reviewer action; returns its primary key."""
        with self._tx() as orm:
            row = ReviewRow(session_id=session_id, utterance_index=utterance_index,
                            reviewer=reviewer, action=action, label=label, new_label=new_label,
                            subtype=subtype, comment=comment, model_output=model_output or {},
                            created_at=utcnow())
            orm.add(row)
            orm.flush()
            return row.pk

    def reviews(self, session_id: str) -> list[dict[str, Any]]:
        """A session's reviewer actions, oldest first."""
        with OrmSession(self.engine) as orm:
            rows = orm.scalars(select(ReviewRow).where(ReviewRow.session_id == session_id)
                               .order_by(ReviewRow.pk)).all()
            return [{f: getattr(r, f) for f in _REVIEW_FIELDS} for r in rows]

    def review_counts(self) -> dict[str, int]:
        """Per session id, how many utterances carry at least one reviewer action."""
        with OrmSession(self.engine) as orm:
            rows = orm.execute(
                select(ReviewRow.session_id,
                       func.count(func.distinct(ReviewRow.utterance_index)))
                .group_by(ReviewRow.session_id)).all()
            return {sid: int(n) for sid, n in rows}

    def edits(self, session_id: str) -> list[dict[str, Any]]:
        """A session's speaker-fix history, oldest first."""
        with OrmSession(self.engine) as orm:
            rows = orm.scalars(select(SessionEditRow)
                               .where(SessionEditRow.session_id == session_id)
                               .order_by(SessionEditRow.pk)).all()
            return [{f: getattr(r, f) for f in _EDIT_FIELDS} for r in rows]

    def save_edit(self, session: Session, editor: str, action: str, details: dict[str, Any],
                  previous: dict[str, Any], index_map: dict[int, int] | None = None) -> str:
        """Save an edited session, record the edit and renumber its reviews, atomically.

        ``index_map`` maps old utterance indices to new ones (splits and merges renumber
        turns); reviews of unmapped indices keep theirs.
        """
        with self._tx() as orm:
            old_id = session.id
            session_id = self._save_in(orm, session)
            for old, new in sorted((index_map or {}).items()):
                if old != new:
                    orm.execute(update(ReviewRow)
                                .where(ReviewRow.session_id == old_id,
                                       ReviewRow.utterance_index == old)
                                .values(utterance_index=-1 - new))  # two steps: no collisions
            orm.execute(update(ReviewRow)
                        .where(ReviewRow.session_id == old_id, ReviewRow.utterance_index < 0)
                        .values(utterance_index=-1 - ReviewRow.utterance_index))
            if session_id != old_id:
                orm.execute(update(ReviewRow).where(ReviewRow.session_id == old_id)
                            .values(session_id=session_id))
            orm.add(SessionEditRow(session_id=session_id, editor=editor, action=action,
                                   details=json.loads(json.dumps(details, default=str)),
                                   previous=json.loads(json.dumps(previous, default=str)),
                                   created_at=utcnow()))
        return session_id

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

    def updated_at(self, session_id: str) -> str | None:
        """When the session was last saved (changes on every save), or None if unknown."""
        with OrmSession(self.engine) as orm:
            return orm.scalar(select(SessionRow.updated_at).where(SessionRow.id == session_id))

    def load(self, session_id: str) -> Session | None:
        """One stored session; utterances and annotations in two batched queries."""
        query = select(SessionRow).where(SessionRow.id == session_id).options(
            selectinload(SessionRow.utterances).selectinload(UtteranceRow.annotations))
        with OrmSession(self.engine) as orm:
            row = orm.scalar(query)
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
