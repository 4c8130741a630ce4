"""Journeys on the RAG heatmaps: the manager filters to their team and a theme, clicks a Red cell and opens
one of its audits; and finds the practitioner with the most Red lived-experience grades in three clicks."""
from __future__ import annotations

import re
from collections import Counter

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from core.templates import LIVED_EXPERIENCE_DOMAIN
from db.demo_story import DEMO_MANAGER_TEAM
from db.engine import create_db_engine
from db.models import Answer, Audit, Practitioner, Question, Team
from tests.browser.conftest import go_to, screenshot, signed_in, wait_for_rerun, wait_idle

pytestmark = pytest.mark.browser


def _choose(page, label: str, option: str) -> None:
    """Pick one option of a multiselect (ArrowDown opens its list)."""
    page.get_by_label(label, exact=True).click()
    page.keyboard.press("ArrowDown")
    page.get_by_role("option").filter(has_text=option).first.click()
    page.keyboard.press("Escape")
    wait_idle(page)


def _cell(chart, described: str):
    """A heatmap cell by what it says to a screen reader (its aria-label starts "row · column: ...")."""
    return chart.locator(f'[role="graphics-symbol"][aria-label^="{described}"]')


def _highest_red_rate_lived_experience(database_url: str) -> tuple[str, int, int]:
    """(practitioner, Red, graded) with the highest share of Red lived-experience grades over 5+ audits."""
    engine = create_db_engine(database_url)
    with Session(engine) as s:
        team = s.exec(select(Team).where(Team.name == DEMO_MANAGER_TEAM)).one()
        rows = s.exec(
            select(Practitioner.name, Audit.id, Answer.grade, Answer.moderated_grade).select_from(Audit)
            .join(Answer, Answer.audit_id == Audit.id).join(Question, Question.id == Answer.question_id)
            .join(Practitioner, Practitioner.id == Audit.practitioner_id)
            .where(Audit.team_id == team.id, Audit.status == "submitted", Question.domain == LIVED_EXPERIENCE_DOMAIN)
        ).all()
    engine.dispose()
    reds, graded, audits = Counter(), Counter(), {}
    for name, audit_id, grade, moderated in rows:
        reported = moderated if moderated is not None else grade
        audits.setdefault(name, set()).add(audit_id)
        if reported >= 1:
            graded[name] += 1
            reds[name] += reported == 1
    name = max((n for n in graded if len(audits[n]) >= 5), key=lambda n: (reds[n] / graded[n], reds[n]))
    return name, reds[name], graded[name]


def test_manager_filters_clicks_a_red_cell_and_opens_one_of_its_audits(page, server):
    signed_in(page, server, "manager", "heatmaps")
    chart = page.get_by_test_id("stVegaLiteChart")
    chart.wait_for()
    # The manager's own team is chosen already; they narrow it to one theme and look at the weeks.
    teams = page.get_by_test_id("stMultiSelect").filter(has_text="Teams")
    assert DEMO_MANAGER_TEAM in teams.inner_text()
    _choose(page, "Themes", "Assessment")
    # The app writes the filters to the address at the end of the run the click starts: wait for that
    # run, then for the address (seen in CI: read straight after a quiet spell, it still had no view).
    wait_for_rerun(page, page.get_by_text("Team × week", exact=True).click)
    expect(page).to_have_url(re.compile(r"themes=assessment.*view=team-week|view=team-week.*themes=assessment"))
    # Week 1 of the programme is Red for this team: the cell says so in words too (its aria-label).
    red_cell = _cell(chart, f"{DEMO_MANAGER_TEAM} · W1: Red")
    share = int(re.search(r"Red \d+ \((\d+)%\)", red_cell.get_attribute("aria-label")).group(1))
    assert share >= 50
    screenshot(page, "heatmap-manager-team-week")
    red_cell.click()
    wait_idle(page)
    expect(page.locator("body")).to_contain_text("Audits behind a cell", use_inner_text=True)
    # The click chose the cell below (row and column select boxes) and summarised it.
    assert f"{DEMO_MANAGER_TEAM} · W1: Red" in page.inner_text("body")
    screenshot(page, "heatmap-manager-drill-down")
    link = page.get_by_test_id("stPageLink").filter(has_text="LCS").first
    label = link.inner_text()
    reference = re.search(r"LCS\d+", label).group(0)
    link.click()
    wait_idle(page)
    assert "audit_view" in page.url and "audit=" in page.url
    page.get_by_text(reference).first.wait_for()
    screenshot(page, "heatmap-manager-opened-audit")


def test_manager_finds_the_most_red_lived_experience_practitioner_in_three_clicks(page, server):
    name, reds, graded = _highest_red_rate_lived_experience(server.database_url)
    signed_in(page, server, "manager")  # lands on the Overview
    go_to(page, "RAG heatmaps")  # click 1
    page.get_by_text("Practitioner × question domain", exact=True).click()  # click 2
    wait_idle(page)
    body = page.inner_text("body")
    assert (f"Highest share of Red grades in {LIVED_EXPERIENCE_DOMAIN}, among practitioners with 5 or more audits: "
            f"{name}, {reds} of {graded} graded answers Red") in body
    # Click 3: their lived-experience cell, the top left of the map, lists the audits behind it.
    cell = _cell(page.get_by_test_id("stVegaLiteChart"), f"{name} · {LIVED_EXPERIENCE_DOMAIN}: Red {reds} ")
    wait_for_rerun(page, cell.click)
    expect(page.locator("body")).to_contain_text(f"{name} · {LIVED_EXPERIENCE_DOMAIN}: Red {reds} ",
                                                 use_inner_text=True)
    audits = page.get_by_test_id("stDataFrame").last
    audits.wait_for()
    screenshot(page, "heatmap-manager-three-clicks")
