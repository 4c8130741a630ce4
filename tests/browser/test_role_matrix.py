"""Every role against every page in a real browser, on one page load per refused page.

Each role, signed in, opens each of its pages the way its users do, through its menu (the Audit
page, reached by links, by its address): the page renders, the session stays signed in, nothing
raises, and every tab of it passes axe-core (the rules and the allow-list of
``tests/browser/test_accessibility.py``). Then every other page, opened by its address: a refusal,
no data drawn, and the refusal in the event log. Expectations come from the README's grid
(``tests/roles.py``), never from ``core.authz.PAGES``.
"""
from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from db.engine import create_db_engine
from db.models import Event
from tests.browser.conftest import ROOT, open_app, open_tab, signed_in, wait_idle
from tests.browser.test_accessibility import run_axe, serious_findings
from tests.roles import EXPECTED_KEYS, ROLE_COLUMNS, allowed

pytestmark = pytest.mark.browser
REFUSAL = "You do not have access"


def open_through_the_menu(page, server, key: str) -> None:
    """Open one of the role's pages through its menu link, in the same document (no new page load,
    no second sign-in by cookie); the Audit page, which is not in the menu, by its address."""
    if key == "audit_view":
        open_app(page, server, "audit_view?audit=1")
        return
    address = "" if key == "overview" else key  # the landing page's address is the app's root
    page.locator(f"[data-testid='stSidebarNav'] a[href='{server.url}/{address}']").first.click()
    # The page's own filters may follow in the query string (a manager's heatmap names the team).
    target = f"{server.url}/{address}".rstrip("/")
    page.wait_for_url(lambda url: url.split("?")[0].rstrip("/") == target)
    wait_idle(page)


def axe_every_tab(page, key: str, everything: dict, report: dict) -> None:
    """axe skips what is hidden: each tab of the page is opened in turn and checked as well."""
    tabs = page.locator("[data-testid='stMain'] [role='tab']")
    for index in range(max(1, tabs.count())):
        name = key
        if index:
            name = f"{key} / {tabs.nth(index).inner_text().strip()}"
            open_tab(page, tabs.nth(index))
        results = run_axe(page)
        everything[name] = [{"id": v["id"], "impact": v["impact"],
                             "nodes": [{"target": n["target"], "html": n["html"][:200]} for n in v["nodes"]]}
                            for v in results["violations"]]
        if found := serious_findings(page, results):
            report[name] = found


@pytest.mark.parametrize("role", ROLE_COLUMNS)
def test_each_role_opens_its_pages_and_is_refused_every_other_by_address(page, server, role):
    signed_in(page, server, role)
    sign_out = page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out")
    axe_report: dict[str, list[str]] = {}
    everything: dict[str, list] = {}
    for key in [key for key in EXPECTED_KEYS if allowed(role, key)]:
        open_through_the_menu(page, server, key)
        body = page.inner_text("[data-testid='stMain']")
        assert REFUSAL not in body, f"{role} refused on {key}"
        assert sign_out.count() == 1, f"{role} signed out on {key}"
        assert page.locator("[data-testid='stException']").count() == 0, f"{role} got an error on {key}"
        axe_every_tab(page, key, everything, axe_report)
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / f"axe-{role}.json").write_text(json.dumps(everything, indent=1))
    assert not axe_report, json.dumps(axe_report, indent=1)

    refused_keys = [key for key in EXPECTED_KEYS if not allowed(role, key)]
    for key in refused_keys:
        open_app(page, server, key)
        body = page.inner_text("[data-testid='stMain']")
        assert REFUSAL in body, f"{role} was not refused on {key}: {body[:200]}"
        assert page.locator("[data-testid='stDataFrame']").count() == 0
        assert page.locator("[data-testid='stMetric']").count() == 0
    engine = create_db_engine(server.database_url)
    try:
        with Session(engine) as session:
            logged = set(session.exec(select(Event.object_id).where(
                Event.action == "page.refused", Event.username == role)))
    finally:
        engine.dispose()
    assert logged == set(refused_keys)
