"""Issue 14, point 2, in a real browser: the Audit page with a hostile remedial-action text
and practitioner name draws no image, link, bold or maths from them, and under the
deployment's Content-Security-Policy (deploy/nginx.conf, added to every response here as
nginx would) the app still works while images and connections to other origins are blocked."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from db.engine import create_db_engine
from db.models import Audit, Practitioner, RemedialAction
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, open_app, server, signed_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "![i](http://x.invalid/i.png) [l](http://x.invalid/l) **b** :red[x] $x$"


def deployment_policy() -> str:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    return re.search(r'add_header Content-Security-Policy "([^"]+)" always;', conf).group(1)


@pytest.fixture
def page(playwright_driver):
    """A browser of our own: a document fulfilled by Playwright's router (to add the policy)
    counts as another address space for Chromium's local-network checks, which would refuse
    its websocket to 127.0.0.1; the real deployment serves the page from the same host."""
    p = playwright_driver
    browser = p.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessChecks"],
    )
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    browser.close()


@pytest.fixture(scope="module")
def hostile_audit(server):  # noqa: F811 - the fixture imported above, by its name
    engine = create_db_engine(server.database_url)
    try:
        with Session(engine) as s:
            audit = s.exec(select(Audit).join(RemedialAction, RemedialAction.audit_id == Audit.id)
                           .where(Audit.status == "submitted").order_by(Audit.id)).first()
            for action in s.exec(select(RemedialAction).where(RemedialAction.audit_id == audit.id)):
                action.description = HOSTILE
                action.completion_note = HOSTILE
            s.get(Practitioner, audit.practitioner_id).name = "Jo " + HOSTILE
            s.commit()
            return audit.id
    finally:
        engine.dispose()


def test_the_audit_page_draws_hostile_text_as_text_under_the_policy(page, server, hostile_audit):  # noqa: F811
    policy = deployment_policy()

    def with_policy(route):
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

    page.route(f"{server.url}/**", with_policy)
    page.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                         " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    outside = []
    page.on("request", lambda request: outside.append(request.url) if "x.invalid" in request.url else None)

    signed_in(page, server, "auditor", f"audit_view?audit={hostile_audit}")
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("Remedial actions").first.wait_for()

    # The hostile text is on the page, as the characters typed ...
    body = main.inner_text().replace("\u2060", "")  # the invisible joiner that stops autolinks
    assert "![i](http://x.invalid/i.png)" in body and "**b**" in body and ":red[x]" in body and "$x$" in body
    # ... and nothing of it became an element.
    assert main.locator("img[src*='x.invalid']").count() == 0
    assert main.locator("a[href*='x.invalid']").count() == 0
    assert main.locator("strong", has_text=re.compile(r"^b$")).count() == 0
    assert main.locator(".katex").count() == 0
    assert main.locator("span", has_text=re.compile(r"^x$")).filter(has=page.locator("[class*='red']")).count() == 0
    assert outside == []
    # The app itself breaks none of its own policy.
    assert page.evaluate("window.__csp") == []

    # The policy blocks an image from, and a connection to, another origin.
    blocked = page.evaluate("""async () => {
        const img = new Image(); img.src = 'http://x.invalid/probe.png';
        try { await fetch('http://x.invalid/probe'); } catch (e) {}
        await new Promise(r => setTimeout(r, 500));
        return window.__csp; }""")
    assert any(v.startswith("img-src") and "x.invalid" in v for v in blocked), blocked
    assert any(v.startswith("connect-src") and "x.invalid" in v for v in blocked), blocked
