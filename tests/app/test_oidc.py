"""The router with a provider identity in ``st.user`` (AppTest seeds it): the idle timeout and
"signed out everywhere" hold for provider sessions as for local ones, and AUTH_MODE decides
which sign-in the page offers."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from core.authz import Role
from db.engine import get_engine, write_session
from db.models import Event, UserIdentity
from tests.app.conftest import ROOT, texts
from streamlit.testing.v1 import AppTest

ISS = "https://login.example.gov.uk/tenant/v2.0"


@pytest.fixture
def jo(app_db):
    """Jo Smith, an auditor who signs in through the provider (linked at a first sign-in)."""
    import db.identities as ids
    from core.identity import Identity
    from db.users import load_signed_in

    with write_session(get_engine(app_db)) as s:
        ids.create_provider_account(s, scope=load_signed_in(s, "admin").scope, username="jo.smith",
                                    display_name="Jo Smith", email="jo.smith@council.gov.uk", roles=[Role.AUDITOR],
                                    managed_team_ids=[])
        ids.sign_in(s, Identity(ISS, "sub-jo", email="jo.smith@council.gov.uk", email_verified=True), provider="x")
    return app_db


def router(mode: str, monkeypatch, *, issued: datetime | None = None, logged_in: bool = True) -> AppTest:
    monkeypatch.setenv("AUTH_MODE", mode)
    monkeypatch.setenv("AUDIT_OIDC_PROVIDER_LABEL", "Council account")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": secrets.token_urlsafe(32),
        "client_id": "case-audit", "client_secret": "client-secret",
        "server_metadata_url": "https://login.example.gov.uk/.well-known/openid-configuration",
    }
    if logged_in:
        issued = issued or datetime.now(timezone.utc)
        at.user = {"is_logged_in": True, "iss": ISS, "sub": "sub-jo", "email": "jo.smith@council.gov.uk",
                   "email_verified": True, "name": "Jo Smith", "iat": int(issued.timestamp()), "provider": "default"}
    else:
        at.user = {"is_logged_in": False}
    return at


def signed_in(at: AppTest) -> bool:
    return any(b.label == "Sign out" for b in at.sidebar.button)


def test_a_provider_session_ends_after_30_idle_minutes(jo, monkeypatch):
    at = router("oidc", monkeypatch)
    at.run()
    assert not at.exception and signed_in(at)
    at.session_state["_oidc_last_activity"] = datetime.now(timezone.utc) - timedelta(minutes=31)
    at.run()
    assert not signed_in(at)
    assert "You were signed out after 30 minutes without activity." in texts(at)
    assert [b.label for b in at.button] == ["Sign in with Council account"]


def test_a_new_tab_on_an_old_provider_token_must_sign_in_again(jo, monkeypatch):
    at = router("oidc", monkeypatch, issued=datetime.now(timezone.utc) - timedelta(minutes=45))
    at.run()
    assert not signed_in(at)
    assert "You were signed out after 30 minutes without activity." in texts(at)


def test_a_provider_token_from_before_a_sign_out_everywhere_is_refused(jo, monkeypatch):
    import db.identities as ids

    issued = datetime.now(timezone.utc) - timedelta(minutes=5)
    with write_session(get_engine(jo)) as s:
        ids.record_sign_out(s, "jo.smith")  # signed out in another browser after this token was issued
    at = router("oidc", monkeypatch, issued=issued)
    at.run()
    assert not signed_in(at)
    assert "You were signed out. Please sign in again." in texts(at)


def test_a_provider_sign_in_is_logged_once_per_session(jo, monkeypatch):
    at = router("oidc", monkeypatch)
    at.run()
    at.run()
    at.run()
    with Session(get_engine(jo)) as s:
        successes = s.exec(select(Event).where(Event.action == "login.success", Event.username == "jo.smith")).all()
    assert len(successes) == 2  # the first sign-in (in the fixture) and this session's, not one per rerun


def test_oidc_mode_offers_only_the_provider_and_local_mode_only_the_password(app_db, monkeypatch):
    at = router("oidc", monkeypatch, logged_in=False)
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in with Council account"]
    assert not at.text_input
    local = router("local", monkeypatch)  # a provider cookie is ignored when the provider is off
    local.run()
    assert not signed_in(local)
    assert [t.label for t in local.text_input] == ["Username", "Password"]
    assert "Sign in with Council account" not in [b.label for b in local.button]


def test_oidc_mode_without_an_auth_section_refuses_to_run(app_db, monkeypatch):
    at = router("oidc", monkeypatch, logged_in=False)
    del at.secrets["auth"]
    at.run()
    assert at.exception  # a ConfigError naming the [auth] section; users see no sign-in at all
    assert not at.button and not at.text_input


# ------------------------------------------------------------------ the Users page
def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_users_page_shows_how_each_user_signs_in_and_links_and_unlinks_an_identity(jo):
    from tests.app.conftest import page_test

    at = page_test("pages/admin_users.py", "admin").run()
    assert not at.exception
    table = at.dataframe[0].value.set_index("Username")
    assert table.loc["jo.smith", "Signs in with"] == "Identity provider (single sign-on)"
    assert table.loc["jo.smith", "Provider identity"] == f"sub-jo at {ISS}"
    assert table.loc["auditor", "Signs in with"] == "Password (local account)"
    assert table.loc["auditor", "Provider identity"] == "-"

    at.selectbox(key="admin_users_sign_in_user").set_value("jo.smith").run()
    at = _button(at, "Unlink the provider identity of jo.smith").click().run()
    assert "The provider identity of jo.smith is unlinked." in texts(at)
    with Session(get_engine(jo)) as s:
        assert s.exec(select(UserIdentity)).all() == []

    # Linked by hand: someone whose provider sends no email address.
    at.text_input(key="admin_users_sign_in_link_issuer_jo.smith").set_value(ISS)
    at.text_input(key="admin_users_sign_in_link_subject_jo.smith").set_value("sub-jo-new")
    at = _button(at, "Link this identity").click().run()
    assert "The identity is linked to jo.smith." in texts(at)
    with Session(get_engine(jo)) as s:
        link = s.exec(select(UserIdentity)).one()
        assert (link.issuer, link.subject, link.linked_by) == (ISS, "sub-jo-new", "admin")

    at.selectbox(key="admin_users_sign_in_user").set_value("auditor").run()
    at.radio(key="admin_users_sign_in_method_auditor").set_value("both")
    at = _button(at, "Save how they sign in").click().run()
    assert "auditor now signs in with: Both." in texts(at)
    assert at.dataframe[0].value.set_index("Username").loc["auditor", "Signs in with"] == "Both"


def test_a_provider_user_can_save_and_an_idle_one_cannot(jo, monkeypatch):
    """The write seam knows provider sessions: Jo's entry is saved as Jo; after 30 idle minutes it is refused."""
    from db.models import RiskIssue

    at = router("oidc", monkeypatch)
    at.run()
    at.switch_page("pages/risks.py").run()
    assert not at.exception and [t.value for t in at.title] == ["Risks and issues"], texts(at)
    at.session_state["risks_tab"] = "Add an entry"  # stateful tabs: only the open one is drawn
    at.run()
    at.selectbox(key="risks_add_team_0").select_index(1)  # the first team
    at.text_area(key="risks_add_description_0").input("Supervision has lapsed in this team for six weeks.")
    next(b for b in at.button if b.label == "Add to the log").click().run()
    assert not [e.value for e in at.error], [e.value for e in at.error]
    with Session(get_engine(jo)) as s:
        saved = s.exec(select(RiskIssue).where(RiskIssue.description.startswith("Supervision has lapsed"))).one()
        assert [e.username for e in s.exec(select(Event).where(Event.object_type == "risk_issue",
                                                               Event.object_id == str(saved.id)))] == ["jo.smith"]

    at.session_state["_oidc_last_activity"] = datetime.now(timezone.utc) - timedelta(minutes=31)
    at.text_area(key="risks_add_description_1").input("A second entry typed after a long break.")
    at.selectbox(key="risks_add_team_1").select_index(1)
    next(b for b in at.button if b.label == "Add to the log").click().run()
    with Session(get_engine(jo)) as s:
        assert not s.exec(select(RiskIssue).where(RiskIssue.description.startswith("A second entry"))).all()
    assert "You were signed out after 30 minutes without activity." in texts(at)
