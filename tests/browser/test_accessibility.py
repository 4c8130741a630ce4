"""axe-core (WCAG 2.2 A and AA rules): the sign-in page here; every page and every tab of it, for
every role that may open it, signed in on the demo, in the role walk of
``tests/browser/test_role_matrix.py``, which uses this module's rules and allow-list.

The check fails on any serious or critical violation that the app's own code causes. Findings that
come from Streamlit's own widgets, which the app cannot change, are excluded by a narrow allow-list
(rule id and a target pattern); each is explained in docs/accessibility.md, with what Streamlit would
need to change. axe is injected once per page load and run for every view.
"""
from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import open_app

pytestmark = pytest.mark.browser

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


def run_axe(page) -> dict:
    """axe-core on the page as it stands: injected once per page load, run for every view."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(Axe().axe_script)
    return page.evaluate("options => axe.run(document, options)", WCAG_AA)


def test_no_serious_axe_violation_on_the_sign_in_page(page, server):
    open_app(page, server)
    page.get_by_label("Username").wait_for()
    found = serious_findings(page, run_axe(page))
    assert not found, json.dumps(found, indent=1)
