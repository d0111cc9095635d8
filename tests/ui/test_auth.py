"""Login, per-role session lists, researcher de-identification and the audit trail."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from analyzer.accounts import Accounts
from analyzer.session import ConsentRecord
from analyzer.storage import Store
from tests.ui.apptest import APP, rerun, text
from tests.ui.sessions import tagged_session


def _seed(store: Store) -> Accounts:
    acc = Accounts(store)
    acc.add_user("clin", "clinician password", "clinician")
    acc.add_user("res", "researcher password", "researcher")
    acc.add_user("boss", "admin password!!", "admin")
    mine = tagged_session("mine", metadata={"owner": "clin"})
    theirs = tagged_session("theirs", metadata={"owner": "someone"})
    research = tagged_session("study", metadata={"owner": "someone"})
    research.consent = ConsentRecord(scope="research", source="cli")
    research.utterances[0].text = "Hi Marcus, how did the week go at Brightwater Logistics?"
    for s in (mine, theirs, research):
        store.save(s)
    return acc


def _login(name: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    at.text_input(key="login_user").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return rerun(at)


def _library_ids(at: AppTest) -> set[str]:
    return set(at.dataframe[0].value["session"])


def test_login_required_once_accounts_exist(store: Store) -> None:
    _seed(store)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.text_input(key="login_user") is not None
    assert not at.dataframe  # nothing is shown before login
    bad = _login("clin", "wrong password")
    assert "wrong password" in bad.error[0].value
    assert "failed" in Accounts(store).audit_log()[-1]["action"]


def test_clinician_sees_own_sessions_only_and_views_are_audited(store: Store) -> None:
    acc = _seed(store)
    at = _login("clin", "clinician password")
    assert _library_ids(at) == {"mine"}
    assert "Logged in as" in text(at)
    at.session_state["session"] = "mine"
    at.session_state["_goto"] = "review"
    rerun(at)
    assert any(r["action"] == "view" and r["session_id"] == "mine" and r["actor"] == "clin"
               for r in acc.audit_log())


def test_researcher_sees_research_sessions_deidentified(store: Store) -> None:
    _seed(store)
    at = _login("res", "researcher password")
    assert _library_ids(at) == {"study"}
    at.session_state["session"] = "study"
    at.session_state["_goto"] = "review"
    rerun(at)
    page = text(at)
    assert "Marcus" not in page and "Brightwater" not in page
    assert "NAME\\_1" in page or "NAME_1" in page


def test_admin_reads_the_audit_log(store: Store) -> None:
    _seed(store)
    at = _login("boss", "admin password!!")
    assert _library_ids(at) == {"mine", "theirs", "study"}
    at.session_state["_goto"] = "audit"
    rerun(at)
    assert "Audit log" in at.title[0].value
    assert "login" in set(at.dataframe[0].value["action"])
