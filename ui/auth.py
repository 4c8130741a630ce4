"""Sign-in, sign-out and the signed-in user, on top of streamlit-authenticator.

streamlit-authenticator keeps the signed cookie; this module adds what the library
does not do: the password check itself (the same bcrypt work for an unknown name as
for a real one), a growing delay per username and per client address after failed
sign-ins (no hard lock: nobody can lock someone else out), roles and the active flag
re-read from the database on every rerun, an idle timeout counted from the user's
last activity in any tab, and server-side revocation (a cookie issued before the
user's last sign-out is refused). A deactivated user's live cookie brings back the
sign-in form with the reason, and the cookie is cleared.
"""
from __future__ import annotations

import copy
import ipaddress
import logging
from datetime import datetime, timedelta, timezone

import streamlit as st
import streamlit_authenticator as stauth

from core.config import Settings, load_settings
from core.session_cookie import cookie_session
from db.bootstrap import prepare_database
from db.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORDS
from db.engine import get_engine, read_session, write_session
from db.users import (
    SignedInUser, check_sign_in, load_signed_in, login_credentials, may_resume_by_cookie, record_login, revoke_sessions,
    sign_in_wait, touch_activity,
)
from ui.errors import database_errors, is_unavailable, show_refused_write
from ui.per_run import once_per_run
from ui import oidc  # sign-in through the identity provider (docs/sso.md): hooked in below, marked "OIDC hook"

log = logging.getLogger(__name__)

SIGNED_IN_AT = "_signed_in_at"
LAST_ACTIVITY = "_last_activity"
SIGN_OUT_REASON = "_sign_out_reason"
# Why the last sign-in was refused: shown under the form until the next attempt, not only in the
# run of the click (any later run, such as the cookie component's own, would have wiped it).
SIGN_IN_PROBLEM = "_sign_in_problem"
FAILED_MESSAGE = (
    "Sign-in failed: the username or password is not right. "
    "Try again, or ask your administrator."
)
NOT_ACTIVE_MESSAGE = "Your account is not active. Ask your administrator if you need access."
SIGNED_OUT_ELSEWHERE = "You were signed out. Please sign in again."


def wait_message(seconds: int) -> str:
    return (f"Too many failed sign-ins: wait {seconds} seconds, then try again. "
            "If you have forgotten your password, ask your administrator to reset it.")


def idle_message(minutes: int) -> str:
    return f"You were signed out after {minutes} minutes without activity."


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: settings come from the environment alone
        return {}


def settings() -> Settings:
    """The deployment's settings (environment and secrets), read once per script run."""
    return once_per_run("settings", lambda: load_settings(secrets_=_secrets()))


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


def _forget_cookie(auth: stauth.Authenticate) -> None:
    """Clear the sign-in cookie in this browser (a shared PC must get the form back)."""
    try:
        auth.cookie_controller.delete_cookie()
    except Exception as error:  # the cookie component is best effort; the server refuses the cookie anyway
        log.warning("could not clear the sign-in cookie: %s", error.__class__.__name__)


def _request_cookie(config: Settings) -> str | None:
    """The sign-in cookie the browser sent when it opened this session (None: it sent none)."""
    try:
        return st.context.cookies.get(config.cookie_name)
    except Exception:  # no request behind this run (a bare script run)
        return None


def _sign_in_by_cookie(config: Settings) -> stauth.Authenticate | None:
    """Sign the session in from the request's own cookie, as streamlit-authenticator's ``login``
    would, but without building the authenticator: its cookie component, once the browser has
    drawn it, reports the cookies back and so runs the whole page a second time on every page load.
    Signing out in this session sets the library's ``logout`` flag; the session's request still
    carries the old cookie, so the flag keeps it from signing the session back in. Returns the
    authenticator when it had to build one (to clear a cookie), for the sign-in form to reuse."""
    if st.session_state.get("logout"):
        return None
    cookie = cookie_session(_request_cookie(config), config.cookie_key, config.cookie_expiry_days, _now())
    if cookie is None:
        return None
    with read_session(get_engine(config.database_url)) as session:
        may_resume = may_resume_by_cookie(session, cookie.username)
    if not may_resume:  # deactivated, or moved to the identity provider: the form, and the cookie cleared
        _clear_session(NOT_ACTIVE_MESSAGE)
        auth = _authenticator(config)
        _forget_cookie(auth)
        return auth
    st.session_state.update(name=None, email=None, roles=None, username=cookie.username, authentication_status=True)
    st.session_state[SIGNED_IN_AT] = cookie.issued_at
    return None


def client_address() -> str | None:
    """The client's address where Streamlit gives one. Behind the deployment's nginx the
    direct peer is loopback and the address nginx saw is the last X-Forwarded-For entry
    (entries before it are whatever the client sent, so they are ignored)."""
    try:
        direct = st.context.ip_address
        headers = st.context.headers
    except Exception:
        return None
    forwarded = headers.get("X-Forwarded-For") if headers is not None else None
    forwarded = forwarded if isinstance(forwarded, str) else ""
    direct = direct if isinstance(direct, str) else None
    try:
        loopback = direct is None or ipaddress.ip_address(direct).is_loopback
    except ValueError:
        loopback = False
    if forwarded and loopback:
        return forwarded.split(",")[-1].strip()[:45] or direct
    return direct


def session_problem(user: SignedInUser | None, config: Settings, now: datetime | None = None) -> str | None:
    """Why this session may no longer act for ``user`` (None: it may). Shared by every
    page load (``authenticate``) and every write (``ui.guard.check_write``)."""
    now = now or _now()
    if user is None:
        return NOT_ACTIVE_MESSAGE
    signed_in_at = st.session_state.get(SIGNED_IN_AT) or now
    if user.sessions_valid_after and signed_in_at < user.sessions_valid_after:
        return SIGNED_OUT_ELSEWHERE
    # Idle counts from the last activity in this tab or any other of the user's tabs.
    moments = [m for m in (st.session_state.get(LAST_ACTIVITY), user.last_active_at) if m is not None]
    last = max(moments) if moments else signed_in_at
    if now - last > timedelta(minutes=config.idle_timeout_minutes):
        return idle_message(config.idle_timeout_minutes)
    return None


def _note_activity(user: SignedInUser, config: Settings, now: datetime) -> None:
    st.session_state[LAST_ACTIVITY] = now
    if user.last_active_at is None or now - user.last_active_at >= timedelta(seconds=30):
        try:
            with write_session(get_engine(config.database_url), checked=False) as session:
                touch_activity(session, user.username, now)
        except Exception as error:  # a read-only database must not stop reading pages
            if not is_unavailable(error):
                raise
            log.warning("could not record activity: %s", error.__class__.__name__)


def authenticate() -> tuple[SignedInUser | None, stauth.Authenticate | None]:
    """The signed-in user, re-read from the database once per run (None when nobody is signed in),
    and the authenticator if this run had to build one (to reuse for the sign-in form). The router
    asks first and the page's guard again: the second answer is the first's, not a second sign-in."""
    return once_per_run("authenticate", _authenticate)


def _authenticate() -> tuple[SignedInUser | None, stauth.Authenticate | None]:
    config = ready_settings()
    # OIDC hook: a provider session wins; with AUTH_MODE=oidc there is no local sign-in at all.
    if (provider_user := oidc.provider_user(config)) is not None or not config.local_sign_in:
        return provider_user, None
    auth = None  # built only when needed: its cookie component may render once per run
    if not st.session_state.get("authentication_status"):
        # A valid cookie signs the user back in, unless it predates their last sign-out or names
        # someone who may not sign in with a password any more.
        auth = _sign_in_by_cookie(config)
    username = st.session_state.get("username") if st.session_state.get("authentication_status") else None
    user = None
    if username:
        with read_session(get_engine(config.database_url)) as session:
            user = load_signed_in(session, username)
        now = _now()
        st.session_state.setdefault(SIGNED_IN_AT, now)
        problem = session_problem(user, config, now)
        if problem:
            _clear_session(problem)
            if problem == NOT_ACTIVE_MESSAGE:
                auth = auth or _authenticator(config)  # one per run: it renders the cookie component
                _forget_cookie(auth)
            user = None
        else:
            _note_activity(user, config, now)
    return user, auth


def current_user(render_form: bool = True) -> SignedInUser | None:
    """The signed-in user; when nobody is, None (after showing the sign-in form if ``render_form``)."""
    user, auth = authenticate()
    if user is None and render_form:
        sign_in_form(auth)
    return user


def _attempt(config: Settings, auth: stauth.Authenticate, username: str, password: str) -> None:
    """Check one sign-in (or refuse it unchecked while the name or address must wait) and log it."""
    engine = get_engine(config.database_url)
    address = client_address()
    with read_session(engine) as session:
        wait = sign_in_wait(session, username, address)
    if wait:
        with write_session(engine, checked=False) as session:
            record_login(session, username, success=False, address=address, delayed=wait)
        _clear_session()
        st.session_state[SIGN_IN_PROBLEM] = wait_message(wait)
        return
    with read_session(engine) as session:
        ok = bool(username and password) and check_sign_in(session, username, password)
        user = load_signed_in(session, username) if ok else None
    with write_session(engine, checked=False) as session:
        record_login(session, username, success=ok and user is not None, address=address)
    if not ok or user is None:
        _clear_session()
        st.session_state[SIGN_IN_PROBLEM] = FAILED_MESSAGE
        return
    st.session_state.pop(SIGN_OUT_REASON, None)
    st.session_state.update(
        name=user.display_name, username=user.username, authentication_status=True, email=None,
        roles=sorted(role.value for role in user.roles),
    )
    st.session_state[SIGNED_IN_AT] = _now()
    st.session_state[LAST_ACTIVITY] = _now()
    # The cookie component sets the cookie in the browser and then triggers the
    # rerun that shows the signed-in pages; an st.rerun() here would cancel it.
    auth.cookie_controller.set_cookie()
    st.success("Signed in. Opening your pages...")


def sign_in_form(auth: stauth.Authenticate | None = None) -> None:
    """The sign-in form (and, in demo mode, the demo accounts)."""
    config = ready_settings()
    if oidc.draw_sign_in_page(config):  # OIDC hook: a refused identity, or AUTH_MODE=oidc (no password form)
        return
    auth = auth or _authenticator(config)
    reason = st.session_state.get(SIGN_OUT_REASON)  # kept until the next sign-in
    st.title("Case audit", anchor=False)
    st.caption("Children's services case-audit dashboard")
    show_refused_write()
    if reason:
        st.info(reason)
    with st.form("sign_in_form"):
        st.subheader("Sign in", anchor=False)
        username = st.text_input("Username", key="sign_in_username", autocomplete="username")
        password = st.text_input("Password", key="sign_in_password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        st.session_state.pop(SIGN_IN_PROBLEM, None)
        with database_errors():  # a read-only or unreachable database: the outage message, not a crash
            _attempt(config, auth, username.strip().lower(), password)
    if problem := st.session_state.get(SIGN_IN_PROBLEM):
        st.error(problem)
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
    with write_session(get_engine(config.database_url), checked=False) as session:
        revoke_sessions(session, user.username)
    auth = _authenticator(config)
    auth.logout(location="unrendered")
    _clear_session("You have signed out.")


def keep_signed_in_after_password_change() -> None:
    """The user changed their own password, which signs out every session of theirs: this one goes
    on, from now (and, for a password sign-in, with a new cookie issued after the change)."""
    now = _now()
    st.session_state[SIGNED_IN_AT] = now
    st.session_state[LAST_ACTIVITY] = now
    if st.session_state.get("authentication_status"):
        _authenticator(settings()).cookie_controller.set_cookie()
