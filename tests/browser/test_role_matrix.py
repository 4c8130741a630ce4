"""Every role against every page by direct URL in a real browser: only permitted pages
render; a refused page shows a refusal, draws no data, and the refusal is in the event log."""
from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.engine import create_db_engine
from db.models import Event
from tests.browser.conftest import open_app, sign_in
from tests.roles import EXPECTED_KEYS, ROLE_COLUMNS, allowed

pytestmark = pytest.mark.browser
REFUSAL = "You do not have access"


@pytest.mark.parametrize("role", ROLE_COLUMNS)
def test_every_page_by_url_renders_only_for_its_roles(page, server, role):
    """Expectations from the README's grid (tests/roles.py), not from core.authz.PAGES."""
    sign_in(page, server, role)
    refused_keys = []
    for key in EXPECTED_KEYS:
        open_app(page, server, key)
        page.wait_for_selector("[data-testid='stMain']")
        body = page.inner_text("[data-testid='stMain']")
        if allowed(role, key):
            assert REFUSAL not in body, f"{role} refused on {key}"
            assert "Sign in" not in page.locator("button").all_inner_texts(), f"{role} signed out on {key}"
            assert page.locator("[data-testid='stException']").count() == 0, f"{role} got an error on {key}"
        else:
            assert REFUSAL in body, f"{role} was not refused on {key}: {body[:200]}"
            assert page.locator("[data-testid='stDataFrame']").count() == 0
            assert page.locator("[data-testid='stMetric']").count() == 0
            refused_keys.append(key)
    engine = create_db_engine(server.database_url)
    try:
        with Session(engine) as session:
            logged = set(session.exec(select(Event.object_id).where(
                Event.action == "page.refused", Event.username == role)))
    finally:
        engine.dispose()
    assert logged == set(refused_keys)
