"""Journeys: each demo role signs in through the real form and sees exactly its pages."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import nav_links, open_app, sign_in, start_server, wait_idle
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
        assert re.search(r"External audits\s*\n?\s*386", body)


def test_a_wrong_password_is_refused_with_a_message(page, server):
    sign_in(page, server, "auditor", password="not-the-password")
    body = page.inner_text("body")
    assert "Sign-in failed" in body
    assert "Overview" not in [h.strip() for h in page.locator("h1").all_inner_texts()]


def test_signing_out_returns_to_the_sign_in_form(page, server):
    sign_in(page, server, "support")
    page.get_by_role("button", name="Sign out").click()
    wait_idle(page, settle=1.0)
    assert "You have signed out" in page.inner_text("body")
    page.reload()
    wait_idle(page, settle=1.0)
    assert page.get_by_role("button", name="Sign in").is_visible()


def test_first_anonymous_request_to_a_page_url_shows_sign_in_and_no_data(page, tmp_path, _templates):
    fresh = start_server(tmp_path, _templates("sqlite", True))
    try:
        open_app(page, fresh, "overview")
        body = page.inner_text("body")
        assert page.get_by_role("button", name="Sign in").is_visible()
        assert "386" not in body and "LCS" not in body and "Red audits" not in body
    finally:
        fresh.stop()
