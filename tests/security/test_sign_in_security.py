"""Sign-in security: lock-out, one message for every failure, idle timeout, revocation, unsafe start-up."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from core.config import ConfigError, Settings
from core.passwords import hash_password
from db.bootstrap import check_users_safe
from db.engine import get_engine, write_session
from db.models import Event, User
from db.users import get_user, login_credentials, record_login
from tests.app.conftest import page_test, texts
from ui.auth import FAILED_MESSAGE, LAST_ACTIVITY, SIGNED_IN_AT



def _settings(url: str, demo: bool) -> Settings:
    return Settings(database_url=url, demo_mode=demo, cookie_key="k" * 40)


def test_ten_failures_lock_the_account_and_every_attempt_is_logged(demo_url):
    engine = get_engine(demo_url)
    for _ in range(10):
        with write_session(engine) as session:
            record_login(session, "auditor", success=False, max_failed=10, lockout_minutes=15)
    with Session(engine) as session:
        user = get_user(session, "auditor")
        assert user.locked_until is not None
        assert "auditor" not in login_credentials(session)["usernames"]
        assert "support" in login_credentials(session)["usernames"]
        failures = session.exec(select(Event).where(Event.action == "login.failure", Event.username == "auditor")).all()
        assert len(failures) == 10
        assert "locked" in failures[-1].after["reason"]
    # After the lock-out period the account can sign in again.
    later = datetime.now(timezone.utc) + timedelta(minutes=16)
    with Session(engine) as session:
        assert "auditor" in login_credentials(session, now=later)["usernames"]


def test_unknown_users_are_logged_too(demo_url):
    with write_session(get_engine(demo_url)) as session:
        record_login(session, "nobody-here", success=False, max_failed=10, lockout_minutes=15)
    with Session(get_engine(demo_url)) as session:
        event = session.exec(select(Event).where(Event.action == "login.failure")).one()
        assert event.username == "nobody-here" and event.after == {"reason": "unknown user"}


def test_outside_demo_mode_demo_accounts_and_plaintext_passwords_refuse_start(demo_url):
    with pytest.raises(ConfigError, match="demo account"):
        check_users_safe(_settings(demo_url, demo=False))
    check_users_safe(_settings(demo_url, demo=True))  # demo mode: fine
    with write_session(get_engine(demo_url)) as session:
        for user in session.exec(select(User)):
            if user.username in {"auditor", "manager", "sponsor", "support", "admin"}:
                user.active = False
        session.add(User(username="plain", display_name="Plain", password_hash="password123"))
    with pytest.raises(ConfigError, match="not a bcrypt hash"):
        check_users_safe(_settings(demo_url, demo=False))
    with write_session(get_engine(demo_url)) as session:
        get_user(session, "plain").password_hash = hash_password("a long enough password", rounds=4)
    check_users_safe(_settings(demo_url, demo=False))


def _submit(at, username: str, password: str):
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()


def test_wrong_password_unknown_user_and_locked_account_get_the_same_message(app_db, monkeypatch):
    monkeypatch.setenv("AUDIT_MAX_FAILED_LOGINS", "3")
    at = page_test("app.py").run()
    messages = []
    _submit(at, "nobody", "whatever")
    messages.append([e.value for e in at.error])
    for _ in range(3):
        _submit(at, "support", "wrong password")
    messages.append([e.value for e in at.error])
    # Locked now: even the right password gets the same message.
    _submit(at, "support", "support-demo-2026")
    messages.append([e.value for e in at.error])
    assert messages == [[FAILED_MESSAGE]] * 3
    assert not at.session_state["authentication_status"]


def test_the_right_password_signs_in_through_the_form(app_db):
    at = page_test("app.py").run()
    _submit(at, "support", "support-demo-2026")
    at.run()
    assert at.session_state["authentication_status"] is True
    assert at.session_state["username"] == "support"


def test_an_idle_session_ends(app_db):
    at = page_test("pages/overview.py", "auditor").run()
    assert at.title[0].value == "Overview"
    at.session_state[LAST_ACTIVITY] = datetime.now(timezone.utc) - timedelta(minutes=31)
    at.run()
    assert "minutes without activity" in texts(at)
    assert not any(t.value == "Overview" for t in at.title)


def test_signing_out_elsewhere_ends_this_session(app_db):
    at = page_test("pages/overview.py", "auditor").run()
    at.session_state[SIGNED_IN_AT] = datetime.now(timezone.utc) - timedelta(minutes=5)
    at.run()
    assert at.title[0].value == "Overview"
    with write_session(get_engine(app_db)) as session:
        get_user(session, "auditor").sessions_valid_after = datetime.now(timezone.utc)
    at.run()
    assert "signed out" in texts(at)
    assert not any(t.value == "Overview" for t in at.title)
