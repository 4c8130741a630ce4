"""Autosave in a real browser: an auditor closes the tab halfway through an audit, or the server is
restarted under them, and reopening the form gives the draft back, saying when it was saved.

Autosave writes when the auditor moves from one part of the form to the next (docs/audit-form.md):
each step below moves on, so everything but the field being typed is written."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, go_to, open_app, sign_in, signed_in, start_server, wait_idle

pytestmark = pytest.mark.browser


def choose(page, label: str, typed: str, nth: int = 0) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(typed)
    page.get_by_role("option").nth(nth).click()
    wait_idle(page)


def grade(page, number: int, name: str) -> None:
    page.get_by_role("radiogroup", name=f"Grade for question {number}", exact=True).get_by_role(
        "radio", name=name, exact=True).click()
    wait_idle(page)


def half_an_audit(page) -> str:
    """Case and theme, two questions graded, one rationale; returns the case reference chosen."""
    go_to(page, "Enter an audit")
    choose(page, "Case reference", "LCS", nth=3)
    reference = page.get_by_role("combobox", name="Case reference", exact=True).input_value().split(" · ")[0]
    choose(page, "Theme", "Negl")
    grade(page, 1, "Good")
    box = page.get_by_label("Rationale for question 1", exact=True)
    box.fill("Assessment analyses the family's history, with dates.")
    box.press("Tab")
    wait_idle(page)
    grade(page, 2, "Inadequate")  # another domain: the first is written
    grade(page, 3, "Requires improvement")  # and another: question 2 is written
    expect(page.locator("body")).to_contain_text("Draft saved automatically at", use_inner_text=True)
    return reference


def the_draft_is_back(page, reference: str) -> None:
    go_to(page, "Enter an audit")
    drafts = page.locator("[class*='st-key-audit_entry_drafts']")
    drafts.get_by_role("link", name=re.compile(re.escape(reference))).first.click()
    wait_idle(page, settle=1.0)
    body = page.inner_text("body")
    assert re.search(r"Draft restored from \d{2}:\d{2} on \d{2}/\d{2}/\d{4} \(UK time\)", body)
    assert page.get_by_role("radiogroup", name="Grade for question 1", exact=True).get_by_role(
        "radio", name="Good", exact=True).get_attribute("aria-checked") == "true"
    assert page.get_by_role("radiogroup", name="Grade for question 2", exact=True).get_by_role(
        "radio", name="Inadequate", exact=True).get_attribute("aria-checked") == "true"
    assert page.get_by_label("Rationale for question 1", exact=True).input_value() == (
        "Assessment analyses the family's history, with dates.")


def test_closing_the_tab_halfway_loses_nothing_but_the_last_field(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        signed_in(page, server, "auditor")
        reference = half_an_audit(page)
        page.close()  # the tab is closed: its session (and everything only in it) is gone

        page = context.new_page()  # a new tab, still signed in
        page.set_default_timeout(30_000)
        open_app(page, server)
        the_draft_is_back(page, reference)
    finally:
        context.close()


def test_a_server_restart_halfway_loses_nothing_but_the_last_field(browser, tmp_path, _templates):
    first = start_server(tmp_path, _templates("sqlite", True))
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    second = None
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        signed_in(page, first, "auditor")
        reference = half_an_audit(page)
        first.stop()  # the server goes away mid-audit (a deployment, a crash)

        second = Server(first.database_url, log_path=tmp_path / "second.log")
        open_app(page, second)  # the sign-in cookie outlives the server; sign in again if it did not
        if page.get_by_role("button", name="Sign out").count() == 0:
            sign_in(page, second, "auditor")
        the_draft_is_back(page, reference)
    finally:
        context.close()
        if second is not None:
            second.stop()
