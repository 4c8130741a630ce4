"""My account: a user's own password change keeps this session signed in and signs out the others."""
from __future__ import annotations

import time

from sqlmodel import Session

from db.engine import get_engine, write_session
from db.users import get_user, set_password
from core.passwords import verify_password
from tests.app.conftest import page_test, texts

NEW = "a brand new passphrase 42"


def _field(at, label):
    return next(t for t in at.text_input if t.label == label)


def test_a_user_who_must_change_their_password_changes_it_and_stays_signed_in(app_db):
    with write_session(get_engine(app_db)) as s:  # an administrator's reset: a temporary password
        set_password(s, actor="admin", username="support", password="temporary-pass-2026", temporary=True)
    time.sleep(0.01)  # the session below starts after the reset, as a real sign-in does
    at = page_test("pages/account.py", "support").run()
    _field(at, "Current password").input("temporary-pass-2026")
    _field(at, "New password").input(NEW)
    _field(at, "New password again").input(NEW)
    next(b for b in at.button if b.label == "Change password").click().run()
    assert not at.exception
    assert "Password changed. You stay signed in here; your other sessions have been signed out." in \
        [s.value for s in at.success]
    with Session(get_engine(app_db)) as s:
        account = get_user(s, "support")
        assert verify_password(NEW, account.password_hash) and not account.must_change_password

    at.run()  # the next click: this session is still signed in (every other one was signed out)
    assert [t.value for t in at.title] == ["My account"]
    assert "Sign in" not in [b.label for b in at.button] and "signed out" not in texts(at)


def test_a_wrong_current_password_or_two_different_new_ones_change_nothing(app_db):
    at = page_test("pages/account.py", "support").run()
    _field(at, "Current password").input("support-demo-2026")
    _field(at, "New password").input(NEW)
    _field(at, "New password again").input(NEW + "!")
    next(b for b in at.button if b.label == "Change password").click().run()
    assert [e.value for e in at.error] == ["The two new passwords differ."]
    _field(at, "Current password").input("not my password")
    _field(at, "New password again").input(NEW)
    next(b for b in at.button if b.label == "Change password").click().run()
    assert [e.value for e in at.error] == ["Your current password is not right."]
    with Session(get_engine(app_db)) as s:
        assert verify_password("support-demo-2026", get_user(s, "support").password_hash)
