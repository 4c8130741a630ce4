"""Single sign-on journeys: a real OpenID Connect redirect against a local provider, no network.

``oidc-provider-mock`` serves discovery, authorisation (a form where the test picks the
person), token, JWKS and end-session on 127.0.0.1. The app server gets its own
secrets file (``STREAMLIT_SECRETS_FILES``) whose ``[auth]`` points at the mock's
discovery URL; Streamlit and Authlib do the rest exactly as in production.
"""
from __future__ import annotations

import secrets
import shutil
import threading
from pathlib import Path

import pytest
import werkzeug.serving
from playwright.sync_api import expect
from sqlmodel import Session, select

from core.authz import Role
from db.engine import dispose_engines, get_engine, write_session
from db.models import Event, UserIdentity
from tests.browser.conftest import PASSWORDS, Server, _free_port, nav_links, open_app, open_tab, wait_idle

pytestmark = pytest.mark.browser

CONTACT = "the ICT service desk on 01234 567890"
LABEL = "Council account"
# The people the provider knows (its ID tokens carry these claims).
JO = ("sub-jo-5d1f", {"email": "jo.smith@council.gov.uk", "email_verified": True, "name": "Jo Smith"})
LEE = ("sub-lee-77aa", {"email": "lee.hart@council.gov.uk", "email_verified": True, "name": "Lee Hart"})
KIM = ("sub-kim-0b3c", {"email": "kim.stranger@council.gov.uk", "email_verified": True, "name": "Kim Stranger"})
RAY = ("sub-ray-91e0", {"email": "ray.new@council.gov.uk", "email_verified": True, "name": "Ray New"})


@pytest.fixture(scope="module")
def provider():
    """A local OpenID Connect provider on a free 127.0.0.1 port, for this module."""
    from oidc_provider_mock import User, app

    users = [User(sub=sub, claims=claims) for sub, claims in (JO, LEE, KIM, RAY)]
    server = werkzeug.serving.make_server("127.0.0.1", 0, app(user_claims=users), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def _secrets_file(folder: Path, provider: str) -> Path:
    path = folder / "secrets.toml"
    path.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "case-audit-test"\n'
        'client_secret = "case-audit-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    return path


def _prepare(folder: Path, template: str) -> str:
    """A copy of the demo database with Jo (auditor) and Lee (support) set up to sign in through the provider."""
    import db.identities as ids
    from db.users import load_signed_in

    target = folder / f"sso-{_free_port()}.db"
    shutil.copy(template.removeprefix("sqlite:///"), target)
    url = f"sqlite:///{target}"
    with write_session(get_engine(url)) as s:
        admin = load_signed_in(s, "admin").scope
        for username, (sub, claims), role in (("jo.smith", JO, Role.AUDITOR), ("lee.hart", LEE, Role.SUPPORT)):
            ids.create_provider_account(s, scope=admin, username=username, display_name=claims["name"],
                                        email=claims["email"].upper(), roles=[role], managed_team_ids=[])
    return url


def _start(tmp_path_factory, _templates, provider, mode: str) -> Server:
    folder = tmp_path_factory.mktemp(f"sso-{mode}")
    url = _prepare(folder, _templates("sqlite", True))
    return Server(url, {
        "AUTH_MODE": mode, "AUDIT_OIDC_PROVIDER_LABEL": LABEL, "AUDIT_ADMIN_CONTACT": CONTACT,
        "STREAMLIT_SECRETS_FILES": str(_secrets_file(folder, provider)),
    })


@pytest.fixture(scope="module")
def oidc_server(tmp_path_factory, _templates, provider):
    srv = _start(tmp_path_factory, _templates, provider, "oidc")
    yield srv
    srv.stop()
    dispose_engines()


@pytest.fixture(scope="module")
def both_server(tmp_path_factory, _templates, provider):
    srv = _start(tmp_path_factory, _templates, provider, "both")
    yield srv
    srv.stop()
    dispose_engines()


def provider_sign_in(page, server: Server, provider: str, sub: str) -> None:
    """Click 'Sign in with ...', pick the person at the provider, come back signed in (or refused)."""
    open_app(page, server)
    page.get_by_role("button", name=f"Sign in with {LABEL}").click()
    page.wait_for_url(f"{provider}/oauth2/authorize**")
    page.locator(f"button[name='sub'][value='{sub}']").click()
    page.wait_for_url(f"{server.url}/**")
    wait_idle(page, settle=1.0)
    page.get_by_role("button", name="Sign out").first.wait_for()


def events(server: Server, action: str) -> list[Event]:
    with Session(get_engine(server.database_url)) as s:
        return list(s.exec(select(Event).where(Event.action == action).order_by(Event.id)))


def test_oidc_mode_signs_a_known_user_in_through_the_provider_to_their_roles_pages(page, oidc_server, provider):
    open_app(page, oidc_server)
    body = page.inner_text("body")
    assert f"Sign in with {LABEL}" in body
    assert page.get_by_label("Password", exact=True).count() == 0  # no password form in oidc mode
    assert "may still be signed in" in body

    provider_sign_in(page, oidc_server, provider, JO[0])
    page.wait_for_selector("h1:has-text('Overview')")
    links = " | ".join(nav_links(page))
    assert "Enter an audit" in links and "Remedial actions" in links  # an auditor's pages
    assert "Users" not in links and "Event log" not in links  # not an admin's
    assert "Jo Smith" in page.inner_text("[data-testid='stSidebar']")
    with Session(get_engine(oidc_server.database_url)) as s:
        link = s.exec(select(UserIdentity).where(UserIdentity.subject == JO[0])).one()
        assert link.issuer == provider  # the mock's issuer is its own address
    success = events(oidc_server, "login.success")[-1]
    assert (success.username, success.after["method"]) == ("jo.smith", "provider")


def test_an_identity_that_is_not_set_up_sees_the_message_and_nothing_else(page, oidc_server, provider):
    open_app(page, oidc_server)
    page.get_by_role("button", name=f"Sign in with {LABEL}").click()
    page.wait_for_url(f"{provider}/oauth2/authorize**")
    page.locator(f"button[name='sub'][value='{KIM[0]}']").click()
    page.wait_for_url(f"{oidc_server.url}/**")
    wait_idle(page, settle=1.0)
    page.get_by_text("Your account is not set up for this app").wait_for()
    main = page.inner_text("[data-testid='stMain']")
    assert f"Your account is not set up for this app: ask {CONTACT}." in main
    assert "Overview" not in main and "386" not in main and "Case audit" not in main
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    refused = events(oidc_server, "login.failure")[-1]
    assert (refused.after["subject"], refused.after["email"]) == (KIM[0], "kim.stranger@council.gov.uk")
    assert refused.after["reason"] == "no user has this identity or its verified email"


def test_a_deactivated_user_is_refused_at_their_next_click(page, oidc_server, provider):
    from db.admin_users import set_user_active
    from db.users import load_signed_in

    provider_sign_in(page, oidc_server, provider, LEE[0])
    page.wait_for_selector("h1:has-text('Overview')")
    with write_session(get_engine(oidc_server.database_url)) as s:
        set_user_active(s, scope=load_signed_in(s, "admin").scope, username="lee.hart", active=False)
    page.locator("[data-testid='stSidebarNav'] a", has_text="Remedial actions").first.click()
    wait_idle(page)
    page.get_by_text("Your account is not set up for this app").wait_for()
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    assert "Remedial actions" not in page.inner_text("[data-testid='stMain']")


def test_signing_out_ends_the_session_in_the_app(page, oidc_server, provider):
    provider_sign_in(page, oidc_server, provider, JO[0])
    page.get_by_role("button", name="Sign out").click()
    # Streamlit's st.logout clears its cookie and offers the provider's end-session page.
    page.wait_for_url(f"{provider}/oauth2/end_session**")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{oidc_server.url}/**")
    wait_idle(page, settle=1.0)
    page.get_by_role("button", name=f"Sign in with {LABEL}").wait_for()
    expect(page.locator("body")).to_contain_text("may still be signed in", use_inner_text=True)
    page.reload()
    wait_idle(page, settle=1.0)
    expect(page.get_by_role("button", name=f"Sign in with {LABEL}")).to_be_visible()
    assert page.get_by_role("button", name="Sign out").count() == 0
    logout = events(oidc_server, "logout")[-1]
    assert (logout.username, logout.after) == ("jo.smith", {"method": "provider"})


def test_both_mode_shows_both_and_an_admin_adds_a_person_who_then_signs_in(page, both_server, provider):
    open_app(page, both_server)
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=f"Sign in with {LABEL}")).to_be_visible()
    # The break-glass admin signs in with a password and adds Ray by email, to sign in through the provider.
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password", exact=True).fill(PASSWORDS["admin"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Sign out").wait_for()
    wait_idle(page, settle=1.5)  # the cookie component triggers one more rerun
    page.locator("[data-testid='stSidebarNav'] a", has_text="Users").first.click()
    wait_idle(page)
    open_tab(page, page.get_by_role("tab", name="Add a user"))
    # With the provider on, a new user signs in through it unless the admin says otherwise.
    assert page.get_by_role("radio", name="Identity provider (single sign-on)").first.is_checked()
    form = page.locator("[data-testid='stForm']").filter(has=page.get_by_role("button", name="Create user"))
    assert form.get_by_role("textbox", name="Temporary password").count() == 0  # no password of the app's
    form.get_by_role("textbox", name="Username").fill("ray.new")
    form.get_by_label("Full name").fill("Ray New")
    form.get_by_role("textbox", name="Email (required to sign in through the provider)").fill("Ray.New@council.gov.uk")
    form.get_by_label("Roles", exact=True).click()
    page.keyboard.press("ArrowDown")
    page.get_by_role("option").filter(has_text="sponsor - ").first.click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Create user").click()
    wait_idle(page)
    page.get_by_text("User 'ray.new' created").wait_for()
    page.get_by_role("button", name="Sign out").click()
    wait_idle(page, settle=1.0)

    provider_sign_in(page, both_server, provider, RAY[0])
    page.wait_for_selector("h1:has-text('Overview')")
    links = " | ".join(nav_links(page))
    assert "Progress" in links and "Enter an audit" not in links  # a sponsor's pages
    assert "Ray New" in page.inner_text("[data-testid='stSidebar']")
