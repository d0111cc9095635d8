"""``alliance user ...``, ``alliance consent withdraw`` and ``alliance audit`` commands."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from analyzer.accounts import ROLES, Accounts
from analyzer.errors import AllianceInputError
from analyzer.storage import Store

user_app = typer.Typer(help="Accounts for the review app.", no_args_is_help=True)
consent_app = typer.Typer(help="Consent lifecycle.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)
DbOption = Annotated[str | None, typer.Option("--db", help="Database URL.")]


def _accounts(db: str | None) -> Accounts:
    return Accounts(Store(db))


def _actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover
        return "unknown"


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    supervises: Annotated[list[str] | None, typer.Option(
        "--supervises", help="Supervisee user name (supervisors; repeatable).")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input.")] = False,
    db: DbOption = None,
) -> None:
    """Add a user (the password is asked for, or read with --password-stdin)."""
    password = (sys.stdin.readline().rstrip("\n") if password_stdin else
                typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        accounts = _accounts(db)
        accounts.add_user(username, password, role, actor=_actor())
        for supervisee in supervises or ():
            accounts.add_supervision(username, supervisee, actor=_actor())
    except AllianceInputError as exc:
        raise _fail(str(exc)) from None
    err.print(f"added {username} ({role})")


@user_app.command("remove")
def user_remove(username: str, db: DbOption = None) -> None:
    """Remove a user."""
    try:
        _accounts(db).remove_user(username, actor=_actor())
    except AllianceInputError as exc:
        raise _fail(str(exc)) from None
    err.print(f"removed {username}")


@user_app.command("list")
def user_list(db: DbOption = None) -> None:
    """List users and their roles."""
    table = Table(title="Users")
    for col in ("user", "role", "supervises", "created"):
        table.add_column(col)
    for u in _accounts(db).users():
        table.add_row(u["username"], u["role"], ", ".join(u["supervises"]),
                      u["created_at"][:19])
    out.print(table)


@consent_app.command("withdraw")
def consent_withdraw(session_id: str, db: DbOption = None) -> None:
    """Delete a session with its annotations and reviews; record the withdrawal (no content)."""
    accounts = _accounts(db)
    if not accounts.withdraw_consent(session_id, actor=_actor()):
        raise _fail(f"no stored session {session_id!r} (the attempt is recorded)")
    err.print(f"session {session_id} deleted; withdrawal recorded in the audit log")


def audit(
    export: Annotated[Path | None, typer.Option("--export", help="Write CSV here.")] = None,
    db: DbOption = None,
) -> None:
    """Show (or export) the append-only audit log."""
    rows = _accounts(db).audit_log()
    if export:
        with export.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["at", "actor", "action", "session_id",
                                                    "detail"])
            writer.writeheader()
            for r in rows:
                writer.writerow({**r, "detail": json.dumps(r["detail"])})
        err.print(f"wrote {len(rows)} audit rows to {export}")
        return
    table = Table(title=f"Audit log ({len(rows)} rows)")
    for col in ("at", "actor", "action", "session", "detail"):
        table.add_column(col)
    for r in rows[-200:]:
        table.add_row(r["at"], r["actor"], r["action"], r["session_id"] or "",
                      json.dumps(r["detail"]))
    out.print(table)
