"""Sign-in, sign-out and the signed-in user, on top of streamlit-authenticator.

streamlit-authenticator checks the password against credentials built from the
users table and keeps the signed cookie; this module adds what the library does
not do: roles and the active flag re-read from the database on every rerun,
lock-out after repeated failures, an idle timeout, and server-side revocation
(a cookie issued before the user's last sign-out is refused).
"""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import streamlit as st
import streamlit_authenticator as stauth

from core.config import Settings, load_settings
from db.bootstrap import prepare_database
from db.demo import DEMO_ACCOUNTS, DEMO_PASSWORDS
from db.engine import get_engine, read_session, write_session
from db.users import SignedInUser, load_signed_in, login_credentials, record_login, revoke_sessions
from ui import oidc  # sign-in through the identity provider (docs/sso.md): hooked in below, marked "OIDC hook"

SIGNED_IN_AT = "_signed_in_at"
LAST_ACTIVITY = "_last_activity"
SIGN_OUT_REASON = "_sign_out_reason"
FAILED_MESSAGE = (
    "Sign-in failed: the username or password is not right, or the account is temporarily locked. "
    "Try again, or ask your administrator."
)


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: settings come from the environment alone
        return {}


def settings() -> Settings:
    return load_settings(secrets_=_secrets())


def _now() -> datetime:
    return datetime.now(timezone.utc)


def ready_settings() -> Settings:
    """Settings, with the database migrated (and seeded in demo mode) on first use."""
    current = settings()
    prepare_database(current)
    return current


def _authenticator(config: Settings) -> stauth.Authenticate:
    with read_session(get_engine(config.database_url)) as session:
        credentials = login_credentials(session)
    # The library mutates the dict it is given; it gets a private copy every rerun.
    return stauth.Authenticate(
        copy.deepcopy(credentials),
        config.cookie_name,
        config.cookie_key,
        config.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )


def _clear_session(reason: str | None = None) -> None:
    for key in ("name", "username", "authentication_status", "email", "roles"):
        st.session_state[key] = None
    st.session_state.pop(SIGNED_IN_AT, None)
    st.session_state.pop(LAST_ACTIVITY, None)
    if reason:
        st.session_state[SIGN_OUT_REASON] = reason


def _cookie_issued_at(auth: stauth.Authenticate, config: Settings) -> datetime | None:
    token = getattr(auth.cookie_controller.cookie_model, "token", None)
    if not isinstance(token, dict) or "exp_date" not in token:
        return None
    issued = token["exp_date"] - config.cookie_expiry_days * 86400
    return datetime.fromtimestamp(issued, tz=timezone.utc)


def authenticate() -> tuple[SignedInUser | None, stauth.Authenticate | None]:
    """The signed-in user, re-read from the database (None when nobody is signed in),
    and the authenticator if this run had to build one (to reuse for the sign-in form)."""
    config = ready_settings()
    # OIDC hook: a provider session wins; with AUTH_MODE=oidc there is no local sign-in at all.
    if (provider_user := oidc.provider_user(config)) is not None or not config.local_sign_in:
        return provider_user, None
    auth = None  # built only when needed: its cookie component may render once per run
    if not st.session_state.get("authentication_status"):
        # A valid cookie signs the user back in, unless it predates their last sign-out.
        auth = _authenticator(config)
        auth.login(location="unrendered")
        if st.session_state.get("authentication_status"):
            st.session_state[SIGNED_IN_AT] = _cookie_issued_at(auth, config) or _now()
    username = st.session_state.get("username") if st.session_state.get("authentication_status") else None
    user = None
    if username:
        with read_session(get_engine(config.database_url)) as session:
            user = load_signed_in(session, username)
        signed_in_at = st.session_state.get(SIGNED_IN_AT) or _now()
        st.session_state.setdefault(SIGNED_IN_AT, signed_in_at)
        last = st.session_state.get(LAST_ACTIVITY) or signed_in_at
        if user is None:
            _clear_session("Your account is no longer active.")
        elif user.sessions_valid_after and signed_in_at < user.sessions_valid_after:
            _clear_session("You were signed out. Please sign in again.")
            user = None
        elif _now() - last > timedelta(minutes=config.idle_timeout_minutes):
            _clear_session(f"You were signed out after {config.idle_timeout_minutes} minutes without activity.")
            user = None
        else:
            st.session_state[LAST_ACTIVITY] = _now()
    return user, auth


def current_user(render_form: bool = True) -> SignedInUser | None:
    """The signed-in user; when nobody is, None (after showing the sign-in form if ``render_form``)."""
    user, auth = authenticate()
    if user is None and render_form:
        sign_in_form(auth)
    return user


def sign_in_form(auth: stauth.Authenticate | None = None) -> None:
    """The sign-in form (and, in demo mode, the demo accounts)."""
    config = ready_settings()
    if oidc.draw_sign_in_page(config):  # OIDC hook: a refused identity, or AUTH_MODE=oidc (no password form)
        return
    auth = auth or _authenticator(config)
    reason = st.session_state.get(SIGN_OUT_REASON)  # kept until the next sign-in
    st.title("Case audit")
    st.caption("Children's services case-audit dashboard")
    if reason:
        st.info(reason)
    with st.form("sign_in"):
        st.subheader("Sign in")
        username = st.text_input("Username", key="sign_in_username", autocomplete="username")
        password = st.text_input("Password", key="sign_in_password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        username = username.strip().lower()
        ok = bool(username and password) and bool(auth.authentication_controller.login(username, password))
        with write_session(get_engine(config.database_url)) as session:
            record_login(
                session, username, success=ok, max_failed=config.max_failed_logins,
                lockout_minutes=config.lockout_minutes,
            )
        if ok:
            st.session_state.pop(SIGN_OUT_REASON, None)
            st.session_state[SIGNED_IN_AT] = _now()
            st.session_state[LAST_ACTIVITY] = _now()
            # The cookie component sets the cookie in the browser and then triggers the
            # rerun that shows the signed-in pages; an st.rerun() here would cancel it.
            auth.cookie_controller.set_cookie()
            st.success("Signed in. Opening your pages...")
        else:
            _clear_session()
            st.error(FAILED_MESSAGE)
    oidc.draw_provider_button(config)  # OIDC hook: AUTH_MODE=both offers the provider beside the form
    if config.demo_mode:
        st.divider()
        st.markdown("**Demo mode.** This is invented data. Sign in as any of these accounts:")
        st.table(
            [
                {"Username": name, "Password": DEMO_PASSWORDS[name], "Role": name, "Person": DEMO_ACCOUNTS[name][0]}
                for name in DEMO_ACCOUNTS
            ]
        )


def sign_out(user: SignedInUser) -> None:
    """Sign out here and everywhere: every cookie issued so far stops working."""
    config = settings()
    if oidc.sign_out(user, config):  # OIDC hook: a provider session ends through st.logout
        return
    with write_session(get_engine(config.database_url)) as session:
        revoke_sessions(session, user.username)
    auth = _authenticator(config)
    auth.logout(location="unrendered")
    _clear_session("You have signed out.")
