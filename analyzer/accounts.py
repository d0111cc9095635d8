"""Accounts, roles, access rules and the append-only audit trail.

Roles:
- ``admin``: manages users; reads the audit log.
- ``supervisor``: sessions of their supervisees, with supervision-scope consent.
- ``clinician``: their own sessions only (``session.metadata["owner"]``), any scope.
- ``researcher``: research-scope sessions only, de-identified text only.
Passwords are stored as argon2id hashes (argon2-cffi). Every view, edit, export and deletion
is written to the ``audit`` table, which has no update or delete path in the code and, on
SQLite and PostgreSQL, a trigger that refuses UPDATE and DELETE. Audit rows hold no
transcript content: who, when, what action, which session, and a short detail.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import DDL, JSON, Integer, String, event, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import Session as OrmSession

from analyzer.errors import AllianceInputError
from analyzer.session import Session, utcnow
from analyzer.storage import Base, Store

log = logging.getLogger(__name__)

Role = Literal["admin", "supervisor", "clinician", "researcher"]
ROLES: tuple[str, ...] = ("admin", "supervisor", "clinician", "researcher")
Purpose = Literal["view", "edit", "export", "research-export", "delete"]
_hasher = PasswordHasher()


class UserRow(Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[str] = mapped_column(String(40), default=utcnow)


class SupervisionRow(Base):
    __tablename__ = "supervisions"

    supervisor: Mapped[str] = mapped_column(String(100), primary_key=True)
    supervisee: Mapped[str] = mapped_column(String(100), primary_key=True)


class AuditRow(Base):
    __tablename__ = "audit"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(40), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    session_id: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


for _dialect, _ddl in (
    ("sqlite", "CREATE TRIGGER IF NOT EXISTS audit_no_{op} BEFORE {OP} ON audit "
               "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"),
):
    for _op in ("update", "delete"):
        event.listen(AuditRow.__table__, "after_create",
                     DDL(_ddl.format(op=_op, OP=_op.upper())).execute_if(dialect=_dialect))
event.listen(AuditRow.__table__, "after_create", DDL(
    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql; "
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit "
    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()").execute_if(dialect="postgresql"))


@dataclass(frozen=True)
class User:
    username: str
    role: str


class Accounts:
    """User management, login, access decisions and audit logging on a Store's database."""

    def __init__(self, store: Store):
        self.store = store
        Base.metadata.create_all(store.engine)

    # -- users ---------------------------------------------------------------------------
    def add_user(self, username: str, password: str, role: str, actor: str = "system") -> User:
        if role not in ROLES:
            raise AllianceInputError(f"unknown role {role!r}", hint=f"roles: {', '.join(ROLES)}")
        if len(password) < 10:
            raise AllianceInputError("password too short", hint="use at least 10 characters")
        with OrmSession(self.store.engine) as orm, orm.begin():
            if orm.get(UserRow, username) is not None:
                raise AllianceInputError(f"user {username!r} already exists")
            orm.add(UserRow(username=username, password_hash=_hasher.hash(password), role=role))
        self.audit(actor, "user-add", detail={"user": username, "role": role})
        return User(username, role)

    def remove_user(self, username: str, actor: str = "system") -> None:
        with OrmSession(self.store.engine) as orm, orm.begin():
            row = orm.get(UserRow, username)
            if row is None:
                raise AllianceInputError(f"no user {username!r}", hint="see `alliance user list`")
            orm.delete(row)
            for sup in orm.scalars(select(SupervisionRow).where(
                    (SupervisionRow.supervisor == username)
                    | (SupervisionRow.supervisee == username))):
                orm.delete(sup)
        self.audit(actor, "user-remove", detail={"user": username})

    def users(self) -> list[dict[str, Any]]:
        with OrmSession(self.store.engine) as orm:
            sups = orm.scalars(select(SupervisionRow)).all()
            return [{"username": u.username, "role": u.role, "created_at": u.created_at,
                     "supervises": sorted(s.supervisee for s in sups
                                          if s.supervisor == u.username)}
                    for u in orm.scalars(select(UserRow).order_by(UserRow.username))]

    def add_supervision(self, supervisor: str, supervisee: str, actor: str = "system") -> None:
        with OrmSession(self.store.engine) as orm, orm.begin():
            sup = orm.get(UserRow, supervisor)
            if sup is None or sup.role != "supervisor":
                raise AllianceInputError(f"{supervisor!r} is not a supervisor account")
            if orm.get(SupervisionRow, (supervisor, supervisee)) is None:
                orm.add(SupervisionRow(supervisor=supervisor, supervisee=supervisee))
        self.audit(actor, "supervision-add", detail={"supervisor": supervisor,
                                                     "supervisee": supervisee})

    def login(self, username: str, password: str) -> User | None:
        with OrmSession(self.store.engine) as orm:
            row = orm.get(UserRow, username)
            if row is None:
                _hasher.hash(password)  # same cost as a real check: no user enumeration
                ok = False
            else:
                try:
                    ok = _hasher.verify(row.password_hash, password)
                except (VerifyMismatchError, VerificationError, InvalidHashError):
                    ok = False
            user = User(row.username, row.role) if ok and row is not None else None
        self.audit(username, "login" if user else "login-failed")
        return user

    # -- access ---------------------------------------------------------------------------
    def supervisees(self, supervisor: str) -> set[str]:
        with OrmSession(self.store.engine) as orm:
            return set(orm.scalars(select(SupervisionRow.supervisee).where(
                SupervisionRow.supervisor == supervisor)))

    def can_access(self, user: User, session: Session | dict[str, Any], purpose: Purpose
                   ) -> bool:
        """The access rule for one use of one session (consent scope checked at each use)."""
        meta = session.metadata if isinstance(session, Session) else session.get("metadata", {})
        consent = session.consent if isinstance(session, Session) else session.get("consent")
        scope = (consent.scope if hasattr(consent, "scope") else (consent or {}).get("scope"))
        owner = (meta or {}).get("owner")
        if purpose == "research-export":
            return scope == "research" and user.role in ("researcher", "admin")
        if user.role == "admin":
            return True
        if user.role == "clinician":
            return owner == user.username
        if user.role == "supervisor":
            return scope == "supervision" and owner in self.supervisees(user.username)
        if user.role == "researcher":
            return scope == "research" and purpose == "view"
        return False

    # -- audit ----------------------------------------------------------------------------
    def audit(self, actor: str, action: str, session_id: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        with OrmSession(self.store.engine) as orm, orm.begin():
            orm.add(AuditRow(actor=actor, action=action, session_id=session_id,
                             detail=json.loads(json.dumps(detail or {}, default=str))))

    def audit_log(self) -> list[dict[str, Any]]:
        with OrmSession(self.store.engine) as orm:
            return [{"at": r.at, "actor": r.actor, "action": r.action,
                     "session_id": r.session_id, "detail": r.detail}
                    for r in orm.scalars(select(AuditRow).order_by(AuditRow.pk))]

    def withdraw_consent(self, session_id: str, actor: str) -> bool:
        """Delete the session with its annotations, reviews and stored exports; record the
        withdrawal (no content) in the audit log."""
        deleted = self.store.delete(session_id)
        self.audit(actor, "consent-withdrawn", session_id=session_id,
                   detail={"deleted": deleted})
        return deleted
