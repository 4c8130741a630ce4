"""axe-core (WCAG 2.2 A and AA rules) on every page, for every role that may open it, signed in on the demo.

One server, one browser; each role signs in once and visits its pages in a loop through the menu, in
one page (axe is injected once per page load). The test fails on
any serious or critical violation that the app's own code causes. Findings that come from
Streamlit's own widgets, which the app cannot change, are excluded by a narrow allow-list (rule id
and a target pattern); each is explained in docs/accessibility.md, with what Streamlit would need
to change.
"""
from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import ROOT, open_app, sign_in, wait_idle

pytestmark = pytest.mark.browser

# Which role may open which page: the README's and the domain brief's role table, written out.
ROLE_PAGES: dict[str, list[str]] = {
    "auditor": ["overview", "audit_entry", "my_audits", "audit_view?audit=1", "actions", "moderation", "heatmaps",
                "progress", "agreement", "meetings", "risks", "account"],
    "manager": ["overview", "audit_entry", "my_audits", "actions", "heatmaps", "progress", "agreement",
                "meetings", "risks", "account"],
    "sponsor": ["overview", "heatmaps", "progress", "account"],
    "support": ["overview", "audit_view?audit=1", "actions", "case_import", "account"],
    "admin": ["overview", "audit_view?audit=1", "actions", "moderation", "heatmaps", "progress", "agreement",
              "meetings", "risks", "admin_users", "admin_teams", "case_import", "event_log", "admin_templates",
              "account"],
}

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
           "resultTypes": ["violations"]}

# Streamlit's own markup that the app cannot change (docs/accessibility.md, "Non-accessible content").
# Each entry: (axe rule id, a CSS selector of the Streamlit element the failing node must be, or sit
# inside). A finding of another rule, or outside that element, fails the test.
STREAMLIT_ALLOW_LIST: list[tuple[str, str]] = [
    # The page menu: <ul> whose children are <div>s wrapping the <li>s.
    ("list", "[data-testid='stSidebarNavItems']"),
    ("listitem", "[data-testid='stSidebarNavItems']"),
    # st.date_input's day and month segments (react-aria spin buttons about 20 px wide).
    ("target-size", "[data-testid='stDateInput']"),
]

INSIDE = "([target, container]) => { const el = document.querySelector(target); return !!(el && el.closest(container)); }"


def serious_findings(page, results: dict) -> list[str]:
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"]:
            target = node["target"]
            in_streamlit_widget = len(target) == 1 and any(
                violation["id"] == rule and page.evaluate(INSIDE, [target[0], container])
                for rule, container in STREAMLIT_ALLOW_LIST)
            if not in_streamlit_widget:
                found.append(f"{violation['id']} ({violation['impact']}): {' '.join(map(str, target))} "
                             f":: {node['html'][:160]}")
    return found


def test_no_serious_axe_violation_on_the_sign_in_page(page, server):
    open_app(page, server)
    page.get_by_label("Username").wait_for()
    found = serious_findings(page, Axe().run(page, options=WCAG_AA).response)
    assert not found, json.dumps(found, indent=1)


def open_view(page, server, key: str) -> None:
    """Open one of the role's pages the way a user does: through its menu link, in the same
    document (no new page load, no second sign-in by cookie); the Audit page, which is reached by
    a link from other pages and is not in the menu, by its address."""
    address = "" if key == "overview" else key  # the landing page's address is the app's root
    link = page.locator(f"[data-testid='stSidebarNav'] a[href='{server.url}/{address}']")
    if link.count() == 0:
        open_app(page, server, key)
    else:
        link.first.click()
        # The page's own filters may follow in the query string (a manager's heatmap names the team).
        target = f"{server.url}/{address}".rstrip("/")
        page.wait_for_url(lambda url: url.split("?")[0].rstrip("/") == target)
    wait_idle(page)


def run_axe(page, axe: Axe) -> dict:
    """axe-core on the page as it stands: injected once per page load, run for every view."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe.axe_script)
    return page.evaluate("options => axe.run(document, options)", WCAG_AA)


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_no_serious_axe_violation_on_any_page(page, server, role):
    axe = Axe()
    sign_in(page, server, role)
    report: dict[str, list[str]] = {}
    everything: dict[str, list] = {}
    for key in ROLE_PAGES[role]:
        open_view(page, server, key)
        body = page.inner_text("[data-testid='stMain']")
        assert "You do not have access" not in body, f"{role} refused on {key}"
        assert page.locator("[data-testid='stException']").count() == 0, f"{role}: {key} raised an error"
        # axe skips what is hidden: each tab of the page is opened in turn and checked as well.
        tabs = page.locator("[data-testid='stMain'] [role='tab']")
        for index in range(max(1, tabs.count())):
            name = key
            if index:
                name = f"{key} / {tabs.nth(index).inner_text().strip()}"
                tabs.nth(index).click()
                wait_idle(page)
            results = run_axe(page, axe)
            everything[name] = [{"id": v["id"], "impact": v["impact"],
                                 "nodes": [{"target": n["target"], "html": n["html"][:200]} for n in v["nodes"]]}
                                for v in results["violations"]]
            found = serious_findings(page, results)
            if found:
                report[name] = found
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / f"axe-{role}.json").write_text(json.dumps(everything, indent=1))
    assert not report, json.dumps(report, indent=1)
