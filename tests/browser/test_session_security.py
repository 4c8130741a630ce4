"""Journeys: the sign-in cookie works, and signing out makes the old cookie useless."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_app, sign_in, wait_idle

pytestmark = pytest.mark.browser


def _cookie_visit(browser, server, cookies) -> str:
    context = browser.new_context()
    context.add_cookies(cookies)
    page = context.new_page()
    try:
        open_app(page, server)
        wait_idle(page, settle=1.5)
        return page.inner_text("body")
    finally:
        context.close()


def test_the_cookie_signs_back_in_until_the_user_signs_out(browser, page, server):
    sign_in(page, server, "support")
    cookies = [c for c in page.context.cookies() if c["name"] == "case_audit_auth"]
    assert cookies, "the sign-in cookie was set"
    # A new browser with the cookie is signed in without the form...
    assert "Sign out" in _cookie_visit(browser, server, cookies)
    # ...until the user signs out: then the same cookie is refused by the server.
    page.get_by_role("button", name="Sign out").click()
    wait_idle(page, settle=1.0)
    # The cookie component's own rerun, after it has deleted the cookie, runs in this session, whose
    # request still carries the old cookie: it must not sign the session back in.
    expect(page.get_by_label("Username")).to_be_visible()
    body = _cookie_visit(browser, server, cookies)
    assert "Sign out" not in body
    assert "Username" in body
