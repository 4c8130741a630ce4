"""Journey: the demo auditor enters a full Neglect audit through the real page (a Red audit with a
safeguarding concern and two actions), trips one rule and fixes it, submits, finds it in My audits,
sees the Overview's count go from 386 to 387, and the manager of that team sees the concern at once."""
from __future__ import annotations

import re
import time
import warnings
from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.conftest import go_to, screenshot, signed_in, wait_idle
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.browser

NARRATIVE = (
    "Maya is seven. The record shows she often arrives at school hungry and in the same clothes, misses "
    "breakfast club, and told her teacher she looks after her baby brother when her mother sleeps in the day."
)
GRADES = ["Inadequate", "Requires improvement", "Inadequate", "Requires improvement", "Inadequate",
          "Inadequate", "Requires improvement", "Requires improvement"]


def external_audits(page) -> int:
    page.locator("[data-testid='stMetric']", has_text="External audits").first.wait_for(timeout=60_000)
    wait_idle(page)
    match = re.search(r"External audits\s*\n?\s*(\d+)", page.inner_text("body"))
    assert match, "the Overview shows the external audit count"
    return int(match.group(1))


def choose(page, label: str, typed: str) -> None:
    """Pick an option of a select box by typing into it (the type-ahead)."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(typed)
    page.get_by_role("option").first.click()
    wait_idle(page)


def fill(page, label: str, text: str, wait: bool = True) -> None:
    """Type into one text box and leave it (text areas send their value when they lose focus).

    While a part of the form is redrawn after quick clicks, Streamlit can show a box's replacement
    beside the box it replaces, under the same label, until that part's run is over (seen once in
    CI). A user would wait for the page to settle: so does this, then types into the one box; it
    fails if two boxes stay."""
    box = page.get_by_label(label, exact=True)
    for attempt in range(3):
        expect(box).to_have_count(1, timeout=30_000)
        try:
            box.fill(text)
            break
        except PlaywrightError as error:
            if "strict mode violation" not in str(error) or attempt == 2:
                raise
            warnings.warn(f"{label!r} showed twice while its part of the form was redrawn; typed again",
                          stacklevel=2)
    box.press("Tab")
    if wait:
        wait_idle(page, settle=0.2)


def test_auditor_enters_and_submits_a_red_neglect_audit_and_the_manager_sees_the_concern(page, server, browser):
    started = time.monotonic()
    signed_in(page, server, "auditor")
    assert external_audits(page) == 386
    go_to(page, "Enter an audit")

    # A new case: a child's name is refused, the pseudonymised reference is accepted.
    page.get_by_text("Not in the list? Add a new case reference").click()
    # Each text box is committed (and its rerun over) before the next control is opened.
    fill(page, "New case reference", "Maya Jones")
    choose(page, "Team", "Assessment North")
    page.get_by_role("button", name="Add case").click()
    wait_idle(page)
    expect(page.locator("body")).to_contain_text("looks like a name", use_inner_text=True)
    fill(page, "New case reference", "LCS900123")
    choose(page, "Allocated practitioner", "")
    page.get_by_role("button", name="Add case").click()
    wait_idle(page)
    expect(page.locator("body")).to_contain_text("Case LCS900123 added to Assessment North", use_inner_text=True)

    choose(page, "Theme", "Negl")
    # The date field is day / month / year segments: type the digits into the first one.
    page.get_by_role("group", name="Date of the work audited", exact=True).get_by_role("spinbutton").first.click()
    page.keyboard.type((DEMO_TODAY - timedelta(days=5)).strftime("%d%m%Y"))  # the server's today, not the machine's
    page.keyboard.press("Tab")
    wait_idle(page)

    # A quick auditor does not wait for each rerun: the page must keep up without losing anything.
    dropped = []
    for number, grade in enumerate(GRADES, start=1):
        question = page.get_by_role("radiogroup", name=f"Grade for question {number}", exact=True)
        radio = question.get_by_role("radio", name=grade, exact=True)
        radio.click()
        # On a loaded machine the browser can drop a click that lands while the group is being
        # redrawn: the button never shows as chosen, and the auditor would click it again. What
        # the page must not do is lose a grade the browser took; the badges below check that.
        if radio.get_attribute("aria-checked") != "true":
            try:
                expect(radio).to_have_attribute("aria-checked", "true", timeout=3_000)
            except AssertionError:
                dropped.append(number)
                radio.click()
        if number != 5:  # the mistake: question 5's rationale is forgotten
            fill(page, f"Rationale for question {number}", f"Question {number}: the record shows little of this.",
                 wait=False)
    wait_idle(page)
    # The RAG colour of every grade shows as it is chosen. Each question group reruns on its own and
    # quick clicks queue up, so the page may be idle between two of them: wait for the last one.
    expect(page.locator(".stMarkdownBadge", has_text="R · Inadequate")).to_have_count(4, timeout=30_000)
    expect(page.locator(".stMarkdownBadge", has_text="A · Requires improvement")).to_have_count(4, timeout=30_000)
    if dropped:
        warnings.warn(f"the browser dropped the grade click of questions {dropped}; clicked again", stacklevel=1)

    fill(page, "What life is like for this child", NARRATIVE)
    page.get_by_role("radiogroup", name="Overall grade", exact=True).get_by_role("radio", name="Inadequate").click()
    wait_idle(page, settle=0.2)
    fill(page, "Rationale for the overall grade", "Neglect is described, not analysed; the plan has drifted.")
    fill(page, "What difference has the work made for the child?", "None yet: Maya's days are unchanged.")
    page.get_by_role("radiogroup", name="Is there an immediate safeguarding concern?").get_by_text("Yes").click()
    wait_idle(page)
    fill(page, "What was done", "Rang the team manager; a strategy discussion is booked for today.")
    fill(page, "Who was told", "Sam Patel, team manager")

    for number, text in ((1, "Complete a Graded Care Profile 2 with the family."),
                         (2, "See Maya alone and record her words.")):
        page.get_by_role("button", name="Add an action").click()
        wait_idle(page)
        fill(page, f"Action {number}", text)
    screenshot(page, "audit_entry_filled")

    page.get_by_role("button", name="Submit audit").click()
    wait_idle(page)
    body = page.inner_text("body")
    assert "1 thing to put right before this audit can be submitted" in body
    assert "Write the rationale for this grade" in body
    # Nothing typed was lost.
    assert page.get_by_label("What life is like for this child", exact=True).input_value() == NARRATIVE
    assert page.get_by_label("Action 2", exact=True).input_value() == "See Maya alone and record her words."
    screenshot(page, "audit_entry_rule_failed")

    fill(page, "Rationale for question 5", "Drift: the plan has been at the same level for nine months.")
    page.get_by_role("button", name="Submit audit").click()
    wait_idle(page)
    expect(page.locator("body")).to_contain_text("Audit submitted:", use_inner_text=True)
    elapsed = time.monotonic() - started
    screenshot(page, "audit_entry_submitted")

    go_to(page, "My audits")
    expect(page.locator("body")).to_contain_text("Submitted (", use_inner_text=True)
    # Found by its reference, as an auditor with hundreds of audits would (the list offers the newest).
    fill(page, "Case reference contains", "LCS900123")
    choose(page, "Open one of these audits", "LCS900123")
    expect(page.get_by_role("link", name="View it")).to_be_visible()
    expect(page.get_by_role("link", name="Amend it")).to_be_visible()
    go_to(page, "Overview")
    assert external_audits(page) == 387
    assert elapsed < 120, f"the journey took {elapsed:.0f} s"

    # The manager of Assessment North sees the concern at once, with a way to the actions.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    manager = context.new_page()
    try:
        signed_in(manager, server, "manager")
        assert re.search(r"\d+ safeguarding concerns? not yet acknowledged", manager.inner_text("body"))
        concern = manager.locator("[class*='st-key-overview_concern_']", has_text="LCS900123")
        expect(concern.get_by_role("button", name="Acknowledge")).to_be_visible()
        concern.get_by_role("link", name="Open the audit").click()
        wait_idle(manager)
        # The actions come last in the audit's run: a loaded browser may still be drawing them.
        expect(manager.get_by_text("See Maya alone and record her words.").first).to_be_visible()
        expect(manager.get_by_text("Complete a Graded Care Profile 2").first).to_be_visible()
        screenshot(manager, "audit_view_manager")
    finally:
        context.close()
