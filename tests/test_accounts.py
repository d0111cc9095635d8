from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from analyzer.accounts import Accounts, User
from analyzer.cli import app
from analyzer.errors import AllianceInputError
from analyzer.session import ConsentRecord
from analyzer.storage import Store
from tests.conftest import make_session


@pytest.fixture
def accounts(db_url: str) -> Accounts:
    return Accounts(Store(db_url))


def test_users_passwords_are_argon2_and_login(accounts: Accounts, db_url: str) -> None:
    accounts.add_user("ana", "correct horse battery", "clinician")
    assert accounts.login("ana", "correct horse battery") == User("ana", "clinician")
    assert accounts.login("ana", "wrong password!!") is None
    assert accounts.login("nobody", "whatever12345") is None
    with Store(db_url).engine.connect() as conn:
        stored = conn.execute(text("select password_hash from users")).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    with pytest.raises(AllianceInputError, match="too short"):
        accounts.add_user("bob", "short", "admin")
    with pytest.raises(AllianceInputError, match="unknown role"):
        accounts.add_user("bob", "long enough pw", "boss")


def _session(owner: str, scope: str):
    s = make_session([("Therapist", "Hi."), ("Client", "Hello.")], metadata={"owner": owner})
    s.consent = ConsentRecord(scope=scope, source="cli")  # type: ignore[arg-type]
    return s


def test_access_rules_by_role_and_scope(accounts: Accounts) -> None:
    accounts.add_user("sup", "supervisor pw 1", "supervisor")
    accounts.add_supervision("sup", "trainee")
    clin, sup = User("trainee", "clinician"), User("sup", "supervisor")
    res, adm = User("r", "researcher"), User("a", "admin")
    own_supervision = _session("trainee", "supervision")
    own_selfreview = _session("trainee", "self-review")
    other = _session("someone", "supervision")
    research = _session("trainee", "research")
    assert accounts.can_access(clin, own_selfreview, "view")
    assert not accounts.can_access(clin, other, "view")
    assert accounts.can_access(sup, own_supervision, "view")
    assert not accounts.can_access(sup, own_selfreview, "view")  # scope is self-review only
    assert not accounts.can_access(sup, other, "view")  # not a supervisee
    assert accounts.can_access(res, research, "research-export")
    assert not accounts.can_access(res, own_supervision, "view")
    assert not accounts.can_access(res, research, "edit")
    assert not accounts.can_access(adm, own_supervision, "research-export")
    assert accounts.can_access(adm, own_supervision, "view")


def test_audit_is_append_only(accounts: Accounts, db_url: str) -> None:
    accounts.audit("ana", "view", session_id="s1")
    log = accounts.audit_log()
    assert log[-1]["action"] == "view" and log[-1]["session_id"] == "s1"
    with Store(db_url).engine.begin() as conn, pytest.raises(DatabaseError, match="append-only"):
        conn.execute(text("delete from audit"))
    with Store(db_url).engine.begin() as conn, pytest.raises(DatabaseError, match="append-only"):
        conn.execute(text("update audit set actor = 'x'"))
    assert len(accounts.audit_log()) == len(log)


def test_consent_withdrawal_deletes_and_records(accounts: Accounts, db_url: str) -> None:
    store = Store(db_url)
    store.save(make_session([("Therapist", "Hi."), ("Client", "Hello.")], "gone"))
    assert accounts.withdraw_consent("gone", actor="ana")
    assert store.load("gone") is None
    entry = accounts.audit_log()[-1]
    assert entry["action"] == "consent-withdrawn" and entry["session_id"] == "gone"
    assert "Hello" not in str(entry)


def test_user_and_consent_cli(db_url: str) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["user", "add", "sup1", "--role", "supervisor", "--supervises",
                              "t1", "--password-stdin", "--db", db_url],
                        input="a long password\n")
    assert res.exit_code == 0, res.output
    listed = runner.invoke(app, ["user", "list", "--db", db_url])
    assert "sup1" in listed.output and "t1" in listed.output
    res = runner.invoke(app, ["consent", "withdraw", "nope", "--db", db_url])
    assert res.exit_code == 1 and "no stored session" in res.stderr
    audit = runner.invoke(app, ["audit", "--db", db_url])
    assert "consent-withdrawn" in audit.output and "user-add" in audit.output
