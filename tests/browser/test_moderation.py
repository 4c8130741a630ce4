"""Journey: the demo auditor moderates a manager's audit (blind grades, comparison, agreed
grades, feedback); the manager then reads the feedback and acknowledges it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_tab, screenshot, signed_in, wait_idle

pytestmark = pytest.mark.browser

FEEDBACK = "Lived experience was described rather than analysed; Good here means saying what the child's day is like."
# Rationales the demo's first auditors wrote: none may show before the blind grades are in.
# Fragments of every rationale the demo's first auditors write (db/demo_story.py FIRST_RATIONALES).
FIRST_RATIONALES = ("Evidence in the record meets the standard", "Exceptional, well-evidenced practice",
                    "mostly description rather than analysis", "Not evidenced in the record",
                    "Consistently strong:", "Model practice on", "is evidenced and up to date", "Sound work on",
                    "is touched on but not analysed", "relies on one visit", "Nothing recorded on",
                    "is contradicted by the chronology")


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select box labelled ``label``."""
    box = page.get_by_label(label, exact=True)
    listbox = page.locator("[role=listbox] [role=option]")
    for _ in range(3):  # a click during a re-render can be lost: open the list again
        box.click()
        try:
            listbox.first.wait_for(timeout=3_000)
            break
        except Exception:
            page.keyboard.press("Escape")
    listbox.filter(has_text=re.compile(f"^{re.escape(option)}$")).first.click()


def choose_containing(page, label: str, text: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.locator("[role=listbox] [role=option]").filter(has_text=text).first.click()


def test_auditor_moderates_a_manager_audit_and_the_manager_acknowledges(page, browser, server):
    signed_in(page, server, "auditor", "moderation")
    open_tab(page, page.get_by_role("tab", name="Queue and sampling"))
    choose_containing(page, "Audit", "by Sam Patel")
    page.get_by_role("button", name="Assign", exact=True).click()
    wait_idle(page, settle=1.0)

    heading = page.get_by_role("heading", name=re.compile(r"^Blind grading: LCS\d+"))
    heading.wait_for()
    case = heading.inner_text().split(": ")[1].strip()
    body = page.inner_text("body")
    assert "Sam Patel (internal)" in body and "First grade" not in body
    assert not any(text in body for text in FIRST_RATIONALES)
    screenshot(page, "moderation-blind")

    expect(page.get_by_text("Your grade for question 1", exact=True)).to_be_visible()  # drawn after the heading
    questions = page.get_by_text(re.compile(r"^Your grade for question \d+$")).count()
    assert questions >= 5
    # The same one-click grade buttons as audit entry.
    for number in range(1, questions + 1):
        page.get_by_role("radiogroup", name=f"Your grade for question {number}", exact=True).get_by_role(
            "radio", name="Requires improvement", exact=True).click()
        wait_idle(page, settle=0.2)
    page.get_by_role("radiogroup", name="Your overall grade", exact=True).get_by_role(
        "radio", name="Requires improvement", exact=True).click()
    wait_idle(page, settle=0.2)
    page.get_by_label("Your overall rationale", exact=True).fill("The record describes rather than analyses.")
    page.get_by_role("button", name="Submit my grades and open the comparison").click()
    wait_idle(page, settle=1.0)

    page.get_by_role("heading", name=f"Comparison: {case}").wait_for()
    body = page.inner_text("body")
    assert "Your blind grades are saved" in body and "Questions in agreement" in body
    assert any(text in body for text in FIRST_RATIONALES)  # the first rationales show now, side by side
    assert page.get_by_test_id("stDataFrame").count() >= 1
    screenshot(page, "moderation-comparison")

    page.get_by_label("Reflective feedback for the first auditor").fill(FEEDBACK)
    page.get_by_role("button", name="Record agreed grades and feedback").click()
    wait_idle(page, settle=1.0)
    body = page.inner_text("body")
    assert "reporting now uses the agreed grades" in body and FEEDBACK in body

    manager_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    manager = manager_context.new_page()
    manager.set_default_timeout(30_000)
    try:
        signed_in(manager, server, "manager", "agreement")
        expect(manager.locator("body")).to_contain_text("to read and acknowledge", use_inner_text=True)
        # Only the open tab is drawn: opening one is a rerun, waited for before reading the tab.
        open_tab(manager, manager.get_by_role("tab", name="Feedback on my audits"), reruns=True)
        entry = manager.get_by_test_id("stExpander").filter(has_text=case)
        assert FEEDBACK in entry.inner_text()
        assert "awaiting acknowledgement" in entry.inner_text()
        screenshot(manager, "moderation-feedback-for-manager")
        waiting = manager.get_by_role("button", name="Acknowledge this feedback").count()  # 2 on the reference day
        entry.get_by_role("button", name="Acknowledge this feedback").click()
        wait_idle(manager, settle=1.0)
        # The expander's title changes once the acknowledgement is stored and the page has rerun.
        expect(manager.get_by_test_id("stExpander").filter(has_text=case)).to_contain_text(
            "acknowledged by Sam Patel", timeout=20_000)
        assert manager.get_by_role("button", name="Acknowledge this feedback").count() == waiting - 1  # this one went
    finally:
        manager_context.close()
