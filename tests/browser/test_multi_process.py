"""Several app processes on one PostgreSQL database: a change through one is seen through the other."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, go_to, sign_in, wait_idle
from tests.conftest import _copy, _require_pg

pytestmark = [pytest.mark.browser, pytest.mark.postgresql]


@pytest.fixture
def two_servers(tmp_path, _templates):
    _require_pg()
    url, cleanup = _copy(_templates("postgresql", True), "postgresql", tmp_path)
    servers = [Server(url, log_path=tmp_path / f"app{i}.log") for i in (1, 2)]
    yield servers
    for server in servers:
        server.stop()
    cleanup()


def test_a_password_changed_through_one_process_works_through_the_other(browser, two_servers):
    first, second = two_servers
    one = browser.new_context().new_page()
    sign_in(one, first, "support")
    go_to(one, "My account")
    one.get_by_label("Current password").fill("support-demo-2026")
    one.get_by_label("New password", exact=True).fill("a brand new passphrase 42")
    one.get_by_label("New password again").fill("a brand new passphrase 42")
    one.get_by_role("button", name="Change password").click()
    wait_idle(one)
    expect(one.locator("body")).to_contain_text("Password changed", use_inner_text=True)

    other = browser.new_context().new_page()
    sign_in(other, second, "support")  # the old password, on the other process
    expect(other.locator("body")).to_contain_text("Sign-in failed", use_inner_text=True)
    sign_in(other, second, "support", password="a brand new passphrase 42")
    other.wait_for_selector("h1:has-text('Overview')")
    expect(other.locator("body")).to_contain_text("Sign out", use_inner_text=True)


def test_signing_out_through_one_process_ends_the_session_on_the_other(browser, two_servers):
    first, second = two_servers
    one = browser.new_context().new_page()
    sign_in(one, first, "auditor")
    other = browser.new_context().new_page()
    sign_in(other, second, "auditor")
    other.wait_for_selector("h1:has-text('Overview')")
    one.get_by_role("button", name="Sign out").click()
    wait_idle(one)
    go_to(other, "My account")
    expect(other.locator("body")).to_contain_text("You were signed out", use_inner_text=True)
