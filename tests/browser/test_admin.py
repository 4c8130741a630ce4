"""Journey: the administrator adds a manager for one team with a temporary password; the manager signs
in, is made to choose their own password, signs in again and sees only that team's figures."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import create_db_engine
from db.models import Audit, Team, User
from tests.browser.conftest import (
    choose_options,
    go_to,
    open_app,
    screenshot,
    sign_in,
    signed_in,
    submit_once,
    wait_idle,
)

pytestmark = pytest.mark.browser

TEAM = "Front Door (MASH)"
NEW_PASSWORD = "Harbour-lights-2026"


def _sign_in_cookie(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == "case_audit_auth"), None)


def _wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the browser never received the new sign-in cookie"
        time.sleep(0.1)


def test_admin_adds_a_manager_who_changes_the_password_and_sees_only_their_team(page, browser, server):
    engine = create_db_engine(server.database_url)
    with Session(engine) as s:
        team_id = s.exec(select(Team.id).where(Team.name == TEAM)).one()
        expected_external = s.exec(select(func.count()).select_from(Audit).where(
            Audit.team_id == team_id, Audit.status == "submitted", Audit.kind == "external")).one()
        all_external = s.exec(select(func.count()).select_from(Audit).where(
            Audit.status == "submitted", Audit.kind == "external")).one()
    assert 0 < expected_external < all_external

    # 1. The administrator adds Kim Ward, manager of the front door, with a temporary password.
    signed_in(page, server, "admin", "admin_users")
    form = page.locator("[data-testid='stForm']").filter(has=page.get_by_role("button", name="Create user"))
    form.get_by_role("textbox", name="Username").fill("k.ward")
    form.get_by_label("Full name").fill("Kim Ward")
    choose_options(page, form, "Roles", "manager - ")
    choose_options(page, form, "Teams they manage (managers only)", TEAM)
    temporary = form.get_by_role("textbox", name="Temporary password").input_value()
    assert len(temporary) == 19
    username = form.get_by_role("textbox", name="Username")
    submit_once(page, form.get_by_role("button", name="Create user"), "User 'k.ward' created.",
                lambda: username.input_value() == "k.ward")
    assert f"User 'k.ward' created. Their temporary password is {temporary}" in page.inner_text("body")
    screenshot(page, "admin-01-manager-created")
    with Session(engine) as s:
        kim = s.exec(select(User).where(User.username == "k.ward")).one()
        assert kim.must_change_password

    # 2. Kim signs in with the temporary password and must choose a new one before anything else.
    kim_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    kim_page = kim_context.new_page()
    kim_page.set_default_timeout(30_000)
    try:
        sign_in(kim_page, server, "k.ward", temporary)
        kim_page.get_by_text("You must choose a new password before going on.").wait_for()
        kim_page.get_by_role("link", name="Change your password").click()
        wait_idle(kim_page)
        kim_page.get_by_label("Current password").fill(temporary)
        kim_page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        kim_page.get_by_label("New password again").fill(NEW_PASSWORD)
        cookie_before = _sign_in_cookie(kim_context)
        kim_page.get_by_role("button", name="Change password").click()
        kim_page.get_by_text("Password changed.").wait_for()
        # The new cookie is set by the browser once the page has drawn the cookie component, a moment
        # after the message shows: opening a page before that would carry the old, revoked one.
        _wait_until(lambda: _sign_in_cookie(kim_context) not in (None, cookie_before))
        screenshot(kim_page, "admin-02-password-changed")

        # 3. Kim stays signed in (a new cookie after the change) and sees the front door's figures, and only them.
        open_app(kim_page, server)
        kim_page.wait_for_selector("h1:has-text('Overview')")
        body = kim_page.inner_text("body")
        assert "every figure here is for the teams you manage" in body and "must choose a new password" not in body
        external = kim_page.locator("[data-testid='stMetric']").filter(has_text="External audits")
        assert int(external.locator("[data-testid='stMetricValue']").inner_text()) == expected_external
        go_to(kim_page, "RAG heatmaps")
        kim_page.wait_for_selector("[data-testid='stVegaLiteChart']")
        expect(kim_page.locator("body")).to_contain_text("Submitted audits of the teams you manage", use_inner_text=True)
        screenshot(kim_page, "admin-03-manager-heatmap")
        # The heatmap's rows are teams: the only one offered for drilling down is Kim's.
        kim_page.get_by_label("Team", exact=True).click()
        kim_page.keyboard.press("ArrowDown")
        options = [o.strip() for o in kim_page.get_by_role("option").all_inner_texts()]
        assert options == [TEAM]
    finally:
        kim_context.close()
        engine.dispose()
