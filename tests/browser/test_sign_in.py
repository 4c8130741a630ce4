"""Journeys: each demo role signs in through the real form and sees exactly its pages."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import nav_links, open_app, sign_in, signed_in, start_server, wait_idle
from tests.roles import MENUS

pytestmark = pytest.mark.browser


def _icon_free(links: list[str]) -> list[str]:
    # Sidebar links carry a material icon name before the title; keep the title.
    return [link.split("\n")[-1].strip() for link in links]


@pytest.mark.parametrize("username", ["auditor", "manager", "sponsor", "support", "admin"])
def test_each_demo_role_signs_in_and_sees_exactly_its_pages(page, server, username):
    sign_in(page, server, username)
    page.wait_for_selector("h1:has-text('Overview')")
    assert _icon_free(nav_links(page)) == MENUS[username]  # the README's table (tests/roles.py), not core.authz
    body = page.inner_text("body")
    assert "Sign out" in body
    if username != "manager":
        # The figures come after the heading in the same run: a loaded browser may still be drawing them.
        expect(page.get_by_test_id("stMetric").filter(has_text=re.compile(r"External audits\s*386")).first).to_be_visible()
        assert re.search(r"External audits\s*\n?\s*386", page.inner_text("body"))


def test_a_wrong_password_is_refused_with_a_message(page, server):
    sign_in(page, server, "auditor", password="not-the-password")
    body = page.inner_text("body")
    assert "Sign-in failed" in body
    assert "Overview" not in [h.strip() for h in page.locator("h1").all_inner_texts()]


def test_signing_out_returns_to_the_sign_in_form(page, server):
    sign_in(page, server, "support")
    page.get_by_role("button", name="Sign out").click()
    wait_idle(page, settle=1.0)
    expect(page.locator("body")).to_contain_text("You have signed out", use_inner_text=True)
    page.reload()
    wait_idle(page, settle=1.0)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_first_anonymous_request_to_a_page_url_shows_sign_in_and_no_data(page, tmp_path, _templates):
    # The server's very first request: Streamlit would run pages/event_log.py on its own, with every
    # page file's name in its menu, had the page not gone back through the router (ui.guard).
    fresh = start_server(tmp_path, _templates("sqlite", True))
    try:
        open_app(page, fresh, "event_log")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        body = page.inner_text("body")
        assert "386" not in body and "LCS" not in body and "Red audits" not in body
        assert nav_links(page) == []  # signed out, no page is named
    finally:
        fresh.stop()


def test_a_bookmark_opened_first_on_a_new_server_opens_through_the_router(page, tmp_path, _templates):
    # After a restart, a signed-in sponsor's first click is a bookmark to Progress: the router's
    # menu (the sponsor's own four pages) and its Sign out button, not Streamlit's list of files.
    fresh = start_server(tmp_path, _templates("sqlite", True))
    try:
        signed_in(page, fresh, "sponsor", "progress")
        assert page.locator("h1").first.inner_text() == "Progress"
        assert _icon_free(nav_links(page)) == ["Overview", "RAG heatmaps", "Progress", "My account"]
    finally:
        fresh.stop()
