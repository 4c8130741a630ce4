"""AppTest: the Overview page under each role, the router's page lists, and every page's guard."""
from __future__ import annotations

import pytest
import streamlit

from core.authz import PAGES, Role, pages_for
from tests.app.conftest import page_test, sign_in, texts
from streamlit.testing.v1 import AppTest
from tests.app.conftest import ROOT

ROLES = ["auditor", "manager", "sponsor", "support", "admin"]


@pytest.mark.parametrize("username", ROLES)
def test_overview_shows_the_programme_for_each_role(username):
    at = page_test("pages/overview.py", username).run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    metrics = {m.label: m.value for m in at.metric}
    if username == "manager":
        # A manager's figures are for the teams they manage: fewer than the programme's.
        assert int(metrics["External audits"]) < 386
        assert "the teams you manage" in at.caption[0].value
    else:
        assert metrics["External audits"] == "386"
        assert metrics["Moderations"] == "33"
        assert metrics["Mentoring meetings"] == "101"
    themes = at.dataframe[0].value if username == "sponsor" else None
    if themes is not None:
        assert dict(zip(themes["Theme"], themes["Done"])) == {
            "Assessment": 87, "Front door": 63, "Neglect": 105, "Repeat Section 47": 66, "Risk": 65}


def test_sponsor_overview_has_no_case_references():
    at = page_test("pages/overview.py", "sponsor").run()
    assert "LCS" not in texts(at)
    auditor = page_test("pages/overview.py", "auditor").run()
    # The auditor sees the unacknowledged safeguarding concern, with its case reference.
    assert "safeguarding concern" in texts(auditor)
    assert "LCS" in texts(auditor)


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: s.key)
def test_every_page_shows_nothing_but_sign_in_when_nobody_is_signed_in(spec):
    at = page_test(spec.path).run()
    assert not at.exception
    shown = texts(at)
    assert "Sign in" in shown
    assert "LCS" not in shown and "386" not in shown
    assert len(at.metric) == 0 and len(at.dataframe) == 0


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: s.key)
@pytest.mark.parametrize("username", ROLES)
def test_every_page_refuses_roles_it_is_not_for(spec, username):
    at = page_test(spec.path, username).run()
    assert not at.exception
    if Role(username) in spec.roles:
        assert not any("do not have access" in e.value for e in at.error)
    else:
        assert any("do not have access" in e.value for e in at.error)
        assert len(at.dataframe) == 0 and len(at.metric) == 0


def test_a_deactivated_user_is_out_at_once(app_db):
    from db.engine import get_engine, write_session
    from db.users import get_user

    at = page_test("pages/overview.py", "auditor").run()
    assert at.title[0].value == "Overview"
    with write_session(get_engine(app_db)) as session:
        get_user(session, "auditor").active = False
    at.run()
    assert "Your account is not active" in texts(at)
    assert not any(t.value == "Overview" for t in at.title)


@pytest.mark.parametrize("username", ROLES)
def test_router_shows_each_role_exactly_its_pages(username, monkeypatch):
    """The menu lists the role's pages; every other page is registered hidden, so that a
    direct URL reaches its guard (which refuses and logs) instead of a blank 404."""
    registered: list[str] = []
    hidden: list[str] = []

    class FakePage:
        def run(self):
            return None

    def fake_navigation(pages, **kwargs):
        for group in (pages.values() if isinstance(pages, dict) else [pages]):
            registered.extend(p.title for p in group if p.visibility == "visible")
            hidden.extend(p.title for p in group if p.visibility == "hidden")
        return FakePage()

    monkeypatch.setattr(streamlit, "navigation", fake_navigation)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    sign_in(at, username)
    at.run()
    assert not at.exception
    mine = pages_for({Role(username)})
    assert registered == [spec.title for spec in mine if not spec.hidden]
    assert sorted(hidden) == sorted(spec.title for spec in PAGES if spec not in mine or spec.hidden)


def test_router_shows_the_sign_in_form_and_no_pages_when_signed_out(monkeypatch):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.button and any(b.label == "Sign in" for b in at.button)
    assert "sponsor-demo-2026" in texts(at)  # demo mode shows the demo passwords


def test_reading_leaves_the_data_version_alone_and_writing_moves_it(app_db):
    from db.engine import get_engine, write_session
    from db.events import record
    from ui.cache import data_version

    start = data_version()
    with write_session(get_engine(app_db)) as session:
        record(session, "auditor", "audit.view", "audit", 1)
        record(session, "auditor", "export", "remedial_action", "")
    assert data_version() == start
    with write_session(get_engine(app_db)) as session:
        record(session, "auditor", "audit.submit", "audit", 1)
    assert data_version() > start
