"""Journey: a sponsor opens Progress, presents it on the meeting-room screen, and downloads the month's report."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from tests.browser.conftest import open_tab, screenshot, signed_in, wait_idle

pytestmark = pytest.mark.browser
CHART = "[data-testid='stVegaLiteChart']"


def _tiles(page) -> dict[str, tuple[str, str]]:
    """The headline tiles as the user reads them: label -> (value, period). Under a tile's figure are
    a share's n and the tile's period ("13%" over "of 168 audits · Month 3" reads ("13% of 168 audits",
    "Month 3"); "96" over "Month 3" reads ("96", "Month 3"))."""
    tiles = {}
    for tile in page.locator("[data-testid='stColumn']").filter(has=page.locator("[data-testid='stMetric']")).all():
        label = tile.locator("[data-testid='stMetricLabel']").inner_text().strip()
        value = tile.locator("[data-testid='stMetricValue']").inner_text().strip()
        under = tile.locator("[data-testid='stCaptionContainer']")
        parts = under.inner_text().strip().split(" · ") if under.count() else []
        n = [part for part in parts if part.startswith("of ")]
        period = [part for part in parts if not part.startswith("of ")]
        tiles[label] = (" ".join([value, *n]), " ".join(period))
    return tiles


def _sidebar_open(page) -> bool:
    box = page.locator("[data-testid='stSidebar']").bounding_box()
    return bool(box and box["width"] > 50 and box["x"] >= 0)


def test_sponsor_presents_progress_and_downloads_the_months_report(page, server):
    signed_in(page, server, "sponsor", "progress")
    page.wait_for_selector("h1:has-text('Progress')")
    # Three sections as tabs, each drawn when opened: the plan's two charts first.
    tabs = page.locator("[data-testid='stMain'] [role='tab']")
    expect(tabs).to_have_text(["Audits against the plan", "Is practice improving?", "Moderation, actions and support"])
    expect(page.locator(CHART)).to_have_count(2)  # waits while the charts are still being drawn
    tiles = _tiles(page)
    assert len(tiles) == 8
    assert re.fullmatch(r"\d+ of 396", tiles["External audits to date"][0])
    body = page.inner_text("body")
    period = re.search(r"Month \d \(weeks \d+-\d+\)", body).group(0)  # the month under way is chosen
    # Each tile says its period: the month chosen, or the programme's weeks to date.
    month = period.split(" (")[0]
    assert {p for _, p in tiles.values()} == {month, tiles["External audits to date"][1]}
    assert re.fullmatch(r"weeks 1-\d+", tiles["External audits to date"][1])
    assert not re.search(r"LCS\d{6}", body)
    screenshot(page, "progress-dashboard")
    open_tab(page, tabs.nth(2), reruns=True)
    expect(page.locator(CHART)).to_have_count(4)  # agreement, actions, mentoring, liveness
    expect(page.locator("[data-testid='stMain']")).to_contain_text("Moderation")
    screenshot(page, "progress-moderation-actions-support")

    # Presentation mode: the sidebar folds away and one slide fills the screen.
    assert _sidebar_open(page)
    page.get_by_text("Presentation mode").click()
    wait_idle(page, settle=1.0)
    assert "present=1" in page.url
    assert not _sidebar_open(page)
    assert page.locator(CHART).count() == 0  # slide 1: the headline figures
    expect(page.locator("body")).to_contain_text("slide 1 of 10", use_inner_text=True)
    page.get_by_role("button", name="Next").click()
    wait_idle(page)
    page.wait_for_selector(CHART)
    assert page.locator(CHART).count() == 1
    assert page.locator(CHART).bounding_box()["height"] > 450  # large enough for the back of the room
    expect(page.locator("body")).to_contain_text("slide 2 of 10", use_inner_text=True)
    screenshot(page, "progress-presentation")
    page.get_by_text("Presentation mode").click()
    wait_idle(page, settle=1.0)
    assert "present=1" not in page.url
    assert _sidebar_open(page)
    expect(page.locator(CHART)).to_have_count(4)  # back on the page, at the section that was open
    assert _tiles(page) == tiles  # the same figures as before presenting

    # The month's board report: prepared with progress shown, then downloaded as PDF and Excel.
    page.get_by_role("button", name="Prepare the board report").click()
    page.wait_for_selector("text=Board report ready", timeout=120_000)
    wait_idle(page)
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Download PDF").click()
    assert pdf_download.value.suggested_filename.startswith("board-report-month-")
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(pdf_download.value.path()).pages)
    flat = re.sub(r"\s+", " ", pdf_text)
    wait_idle(page)
    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Download Excel").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(open(xlsx_download.value.path(), "rb").read()))
    # The workbook keeps numbers: (value, n) per figure, a share as a fraction.
    headline = [(row[2], row[3]) for row in workbook["Headline figures"].iter_rows(min_row=2, values_only=True)]
    wait_idle(page)
    screenshot(page, "progress-report-ready")

    # Every number on the dashboard's tiles is in both files.
    assert f"Board report: {period}" in flat
    for label, (value, _period) in tiles.items():
        assert value in flat, (label, value)
        share = re.fullmatch(r"(\d+)% of (\d+) \D+", value)
        of = re.fullmatch(r"(\d+) of (\d+)", value)
        if share:
            assert any(n == int(share.group(2)) and v is not None and int(v * 100 + 0.5) == int(share.group(1))
                       for v, n in headline), (label, value)
        elif of:
            assert (int(of.group(1)), int(of.group(2))) in headline, (label, value)
        elif value.startswith("- of "):  # a share of nothing: stored empty, not as text
            assert any(v is None and n == 0 for v, n in headline), (label, value)
        else:
            assert (int(value), None) in headline, (label, value)
    assert not re.search(r"LCS\d{6}", flat)

    # Both downloads and the preparation are in the event log, under the sponsor's name.
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "select action, username from event where object_type = 'board_report' order by id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("board_report.prepared", "sponsor"), ("board_report.downloaded", "sponsor"),
                                         ("board_report.downloaded", "sponsor")]
