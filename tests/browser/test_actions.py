"""Journey: support marks the most overdue action done (with a note), an auditor verifies it, the counts change;
the weekly chase list downloads as a spreadsheet that opens cleanly."""
from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import select

from db.engine import get_engine, read_session
from db.models import Event
from tests.browser.conftest import open_tab, screenshot, signed_in, wait_idle

pytestmark = pytest.mark.browser


def metric(page, label: str) -> int:
    box = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text(label, exact=True)).first
    return int(box.locator("[data-testid='stMetricValue']").inner_text().strip())


def pick_action(page, text: str | None = None) -> str:
    """Choose an action in the 'Action' picker (the first one, or the one whose label starts with ``text``)."""
    page.get_by_label("Action", exact=True).click()
    if text:
        page.keyboard.type(text)
    else:
        page.keyboard.press("ArrowDown")  # opens the list of options
    option = page.get_by_role("option").first
    label = option.inner_text()
    option.click()
    wait_idle(page)
    return label


def test_support_marks_done_auditor_verifies_and_the_counts_change(page, server, browser):
    signed_in(page, server, "support", "actions")
    page.wait_for_selector("h1:has-text('Remedial actions')")
    overdue, done, verified = metric(page, "Overdue"), metric(page, "Done, awaiting verification"), metric(
        page, "Verified")
    assert overdue > 0
    # The grid is drawn on a canvas; the banner and the picker (same order as the list) are text.
    banner = page.locator("[data-testid='stAlert']").filter(has_text="overdue").first
    assert f"{overdue} actions are overdue" in banner.inner_text()

    label = pick_action(page)
    action_id = label.split(" · ")[0].strip()
    assert re.search(r"OVERDUE · \d+ working days", label)  # the most overdue action comes first
    # No note: refused, nothing changes.
    page.get_by_role("button", name="Mark done", exact=True).click()
    wait_idle(page)
    expect(page.locator("body")).to_contain_text("cannot be closed without a note", use_inner_text=True)
    assert metric(page, "Overdue") == overdue
    page.get_by_role("textbox", name="What was done in the case record").fill("Chronology updated with the 2024 referrals.")
    page.get_by_role("button", name="Mark done", exact=True).click()
    wait_idle(page, settle=1.0)
    expect(page.locator("body")).to_contain_text("Marked done", use_inner_text=True)
    assert metric(page, "Overdue") == overdue - 1
    assert metric(page, "Done, awaiting verification") == done + 1
    screenshot(page, "actions-support-marked-done")

    # The weekly chase list downloads and opens cleanly: text is text, dates are dates, numbers are numbers.
    open_tab(page, page.get_by_role("tab", name="Chase list"), reruns=True)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download chase list (Excel)").click()
    path = download_info.value.path()
    sheet = load_workbook(io.BytesIO(open(path, "rb").read()))["Chase list"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == overdue - 1
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Team", "Owner"]
    assert all(isinstance(r[header.index("Due on")], datetime) for r in rows)
    assert all(isinstance(r[header.index("Working days overdue")], int) and r[header.index("Working days overdue")] > 0
               for r in rows)
    assert [(r[0], r[1]) for r in rows] == sorted((r[0], r[1]) for r in rows)
    wait_idle(page)
    # The export is attributable: building the file logged who took which file.
    with read_session(get_engine(server.database_url)) as session:
        exports = session.exec(select(Event).where(Event.action == "export", Event.username == "support")).all()
    assert any(e.after["file"].startswith("chase-list-") and e.after["rows"] == overdue - 1 for e in exports)

    auditor_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    auditor = auditor_context.new_page()
    auditor.set_default_timeout(30_000)
    try:
        signed_in(auditor, server, "auditor", "actions")
        auditor.wait_for_selector("h1:has-text('Remedial actions')")
        assert metric(auditor, "Done, awaiting verification") == done + 1
        # The list is paged (50 a page): the done action is found by filtering on its status.
        auditor.locator("[data-testid='stMultiSelect']").filter(has_text="Status").click()
        auditor.get_by_role("option", name="Done, awaiting verification").click()
        auditor.keyboard.press("Escape")
        wait_idle(auditor)
        pick_action(auditor, f"{action_id} ·")
        body = auditor.inner_text("body")
        assert "Chronology updated with the 2024 referrals." in body
        auditor.get_by_text("I have checked the case record and the work is there").click()
        auditor.get_by_role("button", name="Verify", exact=True).click()
        wait_idle(auditor, settle=1.0)
        body = auditor.inner_text("body")
        assert "Verified: the loop is closed." in body, body[-1500:]
        assert metric(auditor, "Verified") == verified + 1
        assert metric(auditor, "Done, awaiting verification") == done
        assert metric(auditor, "Overdue") == overdue - 1
        screenshot(auditor, "actions-auditor-verified")
    finally:
        auditor_context.close()


def test_at_1366_px_a_clicked_row_opens_its_action(browser, server):
    """The tracker is laid out for 1366 px: clicking a row of the list opens that action below it."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        signed_in(page, server, "support", "actions")
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box["x"] + box["width"] <= 1366  # the list itself never runs off the screen
        assert "History of this action" not in page.inner_text("body")
        # The first row (the most overdue action), clicked where its row marker is drawn on the canvas.
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
        wait_idle(page)
        body = page.inner_text("body")
        assert "History of this action" in body
        assert re.search(r"OVERDUE · \d+ working days", body)
        screenshot(page, "actions-1366-row-opened")
    finally:
        context.close()
