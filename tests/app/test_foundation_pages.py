"""AppTest: the Overview page under each role, the router's page lists, and every page's guard.

The expected role x page grid is ``tests/roles.py`` (the README's table written out). The
guard's outcomes run here: signed out (every page), refused (every refused role x page cell:
the guard stops before the page draws anything, so these are cheap), and permitted (once
here; every page's own AppTests and the browser role matrix render each page for its roles).
The fast tier runs each outcome once (signed out on the Overview, the sponsor refused the Audit
page, one role's menu): ``tests/unit/test_role_matrix.py`` checks every cell of the grid and that
every page starts with its own guard; the full run and CI run every page and every cell.
"""
from __future__ import annotations

import pytest
import streamlit
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from db.demo import programme_start_for
from db.engine import get_engine
from db.models import Event
from tests.app.conftest import ROOT, page_test, sign_in, texts
from tests.conftest import DEMO_TODAY, matrix
from tests.roles import EXPECTED_KEYS, MENUS, PAGE_PATHS, PAGE_TITLES, REFUSED_CELLS

ROLES = ["auditor", "manager", "sponsor", "support", "admin"]


@pytest.mark.parametrize("username", ROLES)
def test_overview_shows_the_programme_for_each_role(username):
    at = page_test("pages/overview.py", username).run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    metrics = {m.label: m.value for m in at.metric}
    captions = [c.value for c in at.caption]
    if username == "manager":
        # A manager's figures are for the teams they manage, throughout: fewer than the programme's, and no
        # programme target set against their teams' audits.
        assert int(metrics["External audits"]) < 386
        assert int(metrics["Mentoring meetings"]) < 101
        assert "every figure here is for the teams you manage" in captions[0]
        assert not any("target of" in c for c in captions) and "Target" not in at.dataframe[0].value.columns
        assert any("as on the Meetings page" in c for c in captions)
    else:
        assert metrics["External audits"] == "386"
        assert metrics["Moderations"] == "33"
        assert metrics["Mentoring meetings"] == "101"
        # Each tile says what it counts, its period and its denominator (hand count: 386 external and
        # 96 internal audits submitted; targets 90 + 65 + 105 + 70 + 66).
        period = f"programme to date ({programme_start_for(DEMO_TODAY):%d %b %Y} to {DEMO_TODAY:%d %b %Y})"
        assert f"Audits by external auditors, {period}, of a programme target of 396" in captions
        red = int(metrics["Red audits"])
        assert (f"Inadequate overall, internal and external audits (the programme's), {period}: "
                f"{red / 482:.0%} of 482 audits") in captions
        assert f"Completed, {period}, of 33 assigned (0 in progress)" in captions
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


@pytest.mark.parametrize("key", matrix([(key,) for key in EXPECTED_KEYS], fast={"overview"}))
def test_every_page_shows_nothing_but_sign_in_when_nobody_is_signed_in(key):
    at = page_test(PAGE_PATHS[key]).run()
    assert not at.exception
    shown = texts(at)
    assert "Sign in" in shown
    assert "LCS" not in shown and "386" not in shown
    assert len(at.metric) == 0 and len(at.dataframe) == 0


@pytest.mark.parametrize("username, key", matrix(REFUSED_CELLS, fast={"sponsor-audit_view"}))
def test_every_page_refuses_the_roles_it_is_not_for(username, key, app_db):
    at = page_test(PAGE_PATHS[key], username).run()
    assert not at.exception
    assert [e.value for e in at.error] == [f"You do not have access to {PAGE_TITLES[key]}."]
    assert len(at.dataframe) == 0 and len(at.metric) == 0 and len(at.table) == 0
    assert not at.text_input and not at.file_uploader and not at.button and not at.selectbox
    with Session(get_engine(app_db)) as s:
        event = s.exec(select(Event).where(Event.action == "page.refused").order_by(Event.id.desc())).first()
    assert (event.username, event.object_type, event.object_id) == (username, "page", key)


def test_a_permitted_role_gets_the_page_and_no_refusal(app_db):
    at = page_test("pages/case_import.py", "support").run()
    assert not at.exception
    assert at.title[0].value == "Case import"
    assert not any("do not have access" in e.value for e in at.error)
    assert at.file_uploader
    with Session(get_engine(app_db)) as s:
        assert s.exec(select(Event).where(Event.action == "page.refused")).first() is None


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


@pytest.mark.parametrize("username", matrix([(role,) for role in ROLES], fast={"sponsor"}))
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
    assert registered == MENUS[username]
    assert sorted(hidden) == sorted(title for title in PAGE_TITLES.values() if title not in MENUS[username])


def test_router_shows_the_sign_in_form_and_no_pages_when_signed_out(monkeypatch):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.button and any(b.label == "Sign in" for b in at.button)
    assert "sponsor-demo-2026" in texts(at)  # demo mode shows the demo passwords


def test_the_first_start_on_an_empty_database_seeds_the_demo_and_shows_the_sign_in_form(tmp_path, monkeypatch):
    """README, "Quick start": the first command serves the app on a new SQLite file, which the first
    request migrates and seeds. Seeding is the app's own write, made while nobody is signed in: it once
    went through the signed-in user's write check, which came back for the settings and waited forever
    on the preparation's own lock (the first page never drew)."""
    import threading

    from db import bootstrap
    from db.models import Audit, User

    url = f"sqlite:///{tmp_path / 'first-start.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    # AppTest waits for a script that outlives its time-out: run it aside, so a hang fails the test,
    # under a lock of its own, so a run hung holding it does not hang the tests after it.
    finished, shared_lock, bootstrap._lock = threading.Event(), bootstrap._lock, threading.Lock()
    try:
        threading.Thread(target=lambda: (at.run(), finished.set()), daemon=True).start()
        assert finished.wait(150), "the first page never finished drawing on a new database"
    finally:
        bootstrap._lock = shared_lock
    assert not at.exception
    assert any(b.label == "Sign in" for b in at.button)
    with Session(get_engine(url)) as session:
        assert len(session.exec(select(Audit)).all()) > 300  # the demo programme: 386 external audits and more
        assert {"auditor", "manager", "sponsor", "support", "admin"} <= set(session.exec(select(User.username)))


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


def _counting(monkeypatch, module, name: str) -> list:
    calls: list = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args[1:] if len(args) > 1 else args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_the_router_and_the_page_guard_sign_the_user_in_once_per_run(monkeypatch):
    """The router authenticates, then the page's guard asks again: one read of the user per run."""
    import ui.auth

    loads = _counting(monkeypatch, ui.auth, "load_signed_in")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    sign_in(at, "manager")
    at.run()
    assert not at.exception
    assert "Overview" in [t.value for t in at.title]  # the guard ran: the page is drawn
    assert len(loads) == 1
    at.run()  # a rerun reads the user again (roles may have changed since)
    assert len(loads) == 2


def test_the_data_version_is_read_once_per_run_and_again_after_this_runs_own_write(monkeypatch):
    """Every cached query is keyed by the data version; a run reads it once, unless the run itself writes."""
    import db.events

    def script():
        import streamlit as st

        from db.engine import write_session
        from db.events import record
        from ui.cache import data_version

        first, again = data_version(), data_version()
        with write_session(checked=False) as session:
            record(session, "admin", "audit.submit", "audit", 1)
        after_write = data_version()
        st.text(f"{first} {again} {after_write}")

    reads = _counting(monkeypatch, db.events, "data_version")
    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    first, again, after_write = (int(n) for n in at.text[0].value.split())
    assert first == again and after_write > first
    assert len(reads) == 2  # the first call, then once more after the write; not three


def test_the_cached_overview_shows_another_users_write_on_the_next_rerun(app_db):
    """The Overview's figures and charts are cached per data version: a submitted audit's action
    marked done by someone else must show at the user's next rerun, not when the cache expires."""
    from sqlmodel import update

    from db.events import record
    from db.models import RemedialAction
    from tests.writes import one_action

    at = page_test("pages/overview.py", "admin").run()
    before = {m.label: int(m.value) for m in at.metric}
    engine = get_engine(app_db)
    with Session(engine) as session:
        action_id = session.exec(select(RemedialAction.id).where(RemedialAction.status == "open")).first()

    def mark_done(session):
        session.exec(update(RemedialAction).where(RemedialAction.id == action_id)
                     .values(status="done", completed_on=DEMO_TODAY))
        record(session, "support", "action.done", "remedial_action", action_id)

    one_action(mark_done, engine=engine)
    at.run()
    after = {m.label: int(m.value) for m in at.metric}
    # One open action fewer, one more done and awaiting verification (the tiles "Open" and "Done, ...").
    assert after["Open"] == before["Open"] - 1
    assert after["Done, awaiting verification"] == before["Done, awaiting verification"] + 1


def test_a_long_list_of_safeguarding_concerns_shows_the_ten_newest_and_the_rest_on_request(app_db):
    from sqlmodel import update

    from db.events import record
    from db.models import Audit
    from tests.writes import one_action

    engine = get_engine(app_db)
    with Session(engine) as session:
        already = len(session.exec(select(Audit.id).where(
            Audit.status == "submitted", Audit.safeguarding_concern == True,  # noqa: E712
            Audit.safeguarding_ack_at == None)).all())  # noqa: E711
        ids = session.exec(select(Audit.id).where(Audit.status == "submitted", Audit.safeguarding_concern == False)  # noqa: E712
                           .limit(14 - already)).all()

    def raise_concerns(session):
        session.exec(update(Audit).where(Audit.id.in_(ids)).values(
            safeguarding_concern=True, safeguarding_action="Rang the manager.", safeguarding_told="Team manager"))
        record(session, "auditor", "audit.amend", "audit", ids[0])

    one_action(raise_concerns, engine=engine)
    at = page_test("pages/overview.py", "auditor").run()

    def drawn() -> int:  # each concern drawn says what was done
        return len([t for t in at.text if t.value.startswith("What was done: ")])

    # 14 open concerns in all (the demo's own and those raised here): the count is the whole number,
    # and ten are drawn until the auditor asks for all of them.
    assert "14 safeguarding concerns not yet acknowledged" in texts(at)
    assert drawn() == 10
    at.toggle(key="overview_concern_show_all").set_value(True).run()
    assert drawn() == 14
