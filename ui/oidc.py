"""Sign-in through the council's identity provider: Streamlit's ``st.login`` / ``st.user`` / ``st.logout``.

Streamlit runs the OpenID Connect redirect (Authlib) and keeps the provider's ID
token claims in ``st.user`` (a signed cookie, set at ``/oauth2callback``). This
module turns them into the app's own signed-in user, with the guarantees local
accounts have (``ui.auth`` calls it through three small hooks):

- the identity (issuer + subject) is matched to a user row on every rerun, so roles
  are re-read and a deactivated user is out at the next click (``db.identities``);
- an identity that is not set up sees one message and nothing else, and the
  attempt is in the event log;
- the idle timeout and "signed out everywhere" apply, measured from the ID token's
  issue time and the last activity in this session;
- sign-out ends every session of the user in the app and clears Streamlit's cookie
  (``st.logout``); the provider's own session may go on, and the page says so.

Configuration: ``AUTH_MODE`` and the ``[auth]`` section of ``.streamlit/secrets.toml``
(docs/sso.md).
"""
from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from core.config import Settings, check_auth_section
from core.identity import SIGN_IN_LABELS, SIGN_IN_METHODS, Identity, identity_from_claims, session_problem
from db.admin import uk_time
from db.engine import get_engine, read_session, write_session
from db.identities import (
    SignInRow,
    known_issuers,
    link_identity,
    load_by_identity,
    record_sign_out,
    set_sign_in_method,
    unlink_identity,
)
from db.identities import sign_in as record_sign_in
from db.users import SignedInUser, UserError
from ui.flash import flash
from ui.text import plain

__all__ = ["SIGN_IN_LABELS", "draw_sign_in_admin", "draw_provider_button", "draw_sign_in_page", "provider_user",
           "refused", "sign_out"]

_IDENTITY = "_oidc_identity"  # (issuer, subject) signed in in this session
_SIGNED_IN_AT = "_oidc_signed_in_at"
_LAST_ACTIVITY = "_oidc_last_activity"
_REFUSED = "_oidc_refused"  # (issuer, subject, iat) refused: the person sees the message only
_ENDED = "_oidc_ended"  # (issuer, subject, iat) whose session ended: a fresh st.login is needed
_NOTICE = "_oidc_notice"  # why the last provider session ended


def not_set_up_message(config: Settings) -> str:
    return f"Your account is not set up for this app: ask {config.admin_contact}."


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _identity(config: Settings) -> Identity | None | bool:
    """The provider identity in ``st.user``; False when nobody is signed in through the provider."""
    try:
        if not st.user.is_logged_in:
            return False
        claims = st.user.to_dict()
    except Exception:  # no [auth] section: provider sign-in is not configured
        return False
    return identity_from_claims(claims, trust_email=config.oidc_trust_email)


def _token_key(identity: Identity | None) -> tuple:
    if identity is None:
        return ("", "", None)
    return (identity.issuer, identity.subject, identity.issued_at)


def _forget() -> None:
    for key in (_IDENTITY, _SIGNED_IN_AT, _LAST_ACTIVITY):
        st.session_state.pop(key, None)


def _end(identity: Identity | None, notice: str) -> None:
    _forget()
    st.session_state[_ENDED] = _token_key(identity)
    st.session_state[_NOTICE] = notice


def refused() -> bool:
    """True when this session's provider identity was refused (the page shows the message only)."""
    return _REFUSED in st.session_state


def signed_in_through_provider() -> bool:
    return st.session_state.get(_IDENTITY) is not None


def check_configuration(config: Settings) -> None:
    """Refuse provider sign-in (ConfigError) without a complete [auth] section and a strong cookie secret."""
    try:
        auth = st.secrets.get("auth")
    except Exception:  # no secrets.toml at all
        auth = None
    check_auth_section(auth, config.oidc_provider)


def provider_user(config: Settings) -> SignedInUser | None:
    """The user signed in through the provider in this session (re-read from the database), or None."""
    if not config.provider_sign_in:
        return None
    check_configuration(config)
    identity = _identity(config)
    if identity is False:
        _forget()
        st.session_state.pop(_REFUSED, None)
        return None
    token = _token_key(identity)
    if st.session_state.get(_REFUSED) == token or st.session_state.get(_ENDED) == token:
        return None
    st.session_state.pop(_REFUSED, None)
    engine = get_engine(config.database_url)
    now = _now()
    if identity is not None and st.session_state.get(_IDENTITY) == identity.key:
        with read_session(engine) as session:
            user = load_by_identity(session, identity)
        if user is not None:  # the session goes on, unless it is idle or was ended everywhere
            problem = session_problem(
                now=now, signed_in_at=st.session_state[_SIGNED_IN_AT],
                last_activity=st.session_state.get(_LAST_ACTIVITY),
                sessions_valid_after=user.sessions_valid_after, idle_minutes=config.idle_timeout_minutes,
            )
            if problem:
                _end(identity, problem)
                return None
            st.session_state[_LAST_ACTIVITY] = now
            return user
        _forget()  # deactivated, unlinked or no longer allowed: refused below, and logged

    # A new provider session: the ID token just arrived (after st.login), or another tab
    # opened on the same cookie. The token's issue time is when the person signed in.
    signed_in_at = (identity.issued_at if identity is not None else None) or now
    if identity is not None:
        with read_session(engine) as session:
            known = load_by_identity(session, identity)
        if known is not None:
            problem = session_problem(now=now, signed_in_at=signed_in_at, last_activity=None,
                                      sessions_valid_after=known.sessions_valid_after,
                                      idle_minutes=config.idle_timeout_minutes)
            if problem:
                _end(identity, problem)
                return None
    # Sign-in bookkeeping, like the local sign-in's: not a user's write, so not behind the write check.
    with write_session(engine, checked=False) as session:
        user, _reason = record_sign_in(session, identity, provider=config.oidc_provider or "default",
                                       group_roles=config.oidc_group_roles)
    if user is None:
        st.session_state[_REFUSED] = token
        return None
    st.session_state.pop(_NOTICE, None)
    st.session_state.pop(_ENDED, None)
    st.session_state[_IDENTITY] = identity.key
    st.session_state[_SIGNED_IN_AT] = signed_in_at
    st.session_state[_LAST_ACTIVITY] = now
    return user


def _login(config: Settings) -> None:
    st.login(config.oidc_provider or None)


def draw_sign_in_page(config: Settings) -> bool:
    """The provider part of the sign-in page. True when the page is complete without the password form:
    a refused identity (its message and nothing else) or ``AUTH_MODE=oidc``."""
    if config.provider_sign_in:
        check_configuration(config)
    if config.provider_sign_in and refused():
        st.error(not_set_up_message(config))
        # The provider's cookie would otherwise bring the same identity straight back.
        st.button("Sign out", key="sign_in_provider_sign_out", on_click=st.logout)
        return True
    if config.auth_mode != "oidc":
        return False
    st.title("Case audit", anchor=False)
    st.caption("Children's services case-audit dashboard")
    draw_provider_button(config, heading=True)
    return True


def draw_provider_button(config: Settings, heading: bool = False) -> None:
    """'Sign in with <provider>', and what signing out of the app does not do."""
    if not config.provider_sign_in:
        return
    notice = st.session_state.get(_NOTICE)
    if notice:
        st.info(notice)
    if heading:
        st.subheader("Sign in", anchor=False)
    else:
        st.divider()
    st.button(f"Sign in with {config.oidc_provider_label}", key="sign_in_provider", type="primary",
              icon=":material/login:", on_click=_login, args=(config,))
    st.caption(
        f"Signing out of Case audit ends your session in this app only: you may still be signed in to "
        f"{config.oidc_provider_label} in this browser. On a shared computer, sign out there too and close the browser."
    )


def sign_out(user: SignedInUser, config: Settings) -> bool:
    """Sign out a provider session: every session of the user ends, Streamlit's cookie goes and the
    run stops while the browser follows the redirect. False if this session was not signed in
    through the provider (then the local sign-out applies)."""
    if not signed_in_through_provider():
        return False
    with write_session(get_engine(config.database_url), checked=False) as session:
        record_sign_out(session, user.username)
    _forget()
    st.session_state[_NOTICE] = (
        f"You have signed out of Case audit. You may still be signed in to {config.oidc_provider_label}."
    )
    st.logout()
    # End the run here: a rerun would clear Streamlit's outgoing queue before the browser has the
    # redirect to the provider's end-session page, and the user would stay on this page.
    st.stop()


# ================================================================== the Users page (admin)
def draw_sign_in_admin(admin: SignedInUser, users: dict, methods: dict[int, SignInRow], config: Settings) -> None:
    """How one user signs in: the method, the linked provider identity, link and unlink (admin only;
    ``db.identities`` checks the role again)."""
    if not config.provider_sign_in:
        st.info("Sign-in through the identity provider is off (AUTH_MODE=local): set it up first, see docs/sso.md.")
    chosen = st.selectbox("User", list(users), format_func=lambda n: f"{users[n].display_name} ({n})",
                          key="admin_users_sign_in_user")
    if chosen is None:
        return
    if config.oidc_group_roles:
        st.info("Provider groups give the roles " + ", ".join(sorted({r for _, rs in config.oidc_group_roles for r in rs}))
                + " at each sign-in through the provider (oidc_group_roles): change those in the provider's "
                "groups; other roles and managers' teams are set here.")
    row = methods[users[chosen].id]
    last = uk_time(row.last_provider_sign_in)
    st.markdown(
        f"**Signs in with:** {SIGN_IN_LABELS[row.sign_in]}  \n"
        f"**Provider identity:** {plain(row.identity) if row.identity else 'none linked yet'}  \n"
        f"**Last sign-in through the provider:** {last.strftime('%d/%m/%Y %H:%M') if last else 'never'}"
    )
    if not row.identity and row.sign_in != "local":
        st.caption(f"Their first sign-in through the provider links their identity by the email on their "
                   f"account ({plain(users[chosen].email) or 'none: add one under Change a user'}), if the provider "
                   "vouches for it.")
    with st.form(f"admin_users_sign_in_method_form_{chosen}"):
        method = st.radio("How they sign in", SIGN_IN_METHODS, index=SIGN_IN_METHODS.index(row.sign_in),
                          format_func=SIGN_IN_LABELS.get, horizontal=True, key=f"admin_users_sign_in_method_{chosen}",
                          help="'Identity provider' only: their password no longer works. Changing this ends "
                               "their sessions.")
        if st.form_submit_button("Save how they sign in", disabled=chosen == admin.username):
            _admin_write(lambda s: set_sign_in_method(s, scope=admin.scope, username=chosen, method=method),
                         f"{chosen} now signs in with: {SIGN_IN_LABELS[method]}.", config)
    if row.identity:
        st.caption("Unlinking ends their provider sessions. Their next sign-in links again by verified email.")
        if st.button(f"Unlink the provider identity of {chosen}", key=f"admin_users_sign_in_unlink_{chosen}"):
            _admin_write(lambda s: unlink_identity(s, scope=admin.scope, username=chosen),
                         f"The provider identity of {chosen} is unlinked.", config)
        return
    with read_session(get_engine(config.database_url)) as session:
        issuers = known_issuers(session)
    with st.form(f"admin_users_sign_in_link_form_{chosen}"):
        st.caption("Link by hand when the provider sends no email address for them: the subject ('sub') is in "
                   "the event log's refused sign-in, or in the provider's admin centre (Entra ID: the user's "
                   "object ID is not the subject; use the refused sign-in's).")
        issuer = st.text_input("Issuer", value=issuers[0] if issuers else "", key=f"admin_users_sign_in_link_issuer_{chosen}")
        subject = st.text_input("Subject", key=f"admin_users_sign_in_link_subject_{chosen}")
        if st.form_submit_button("Link this identity"):
            _admin_write(lambda s: link_identity(s, scope=admin.scope, username=chosen, issuer=issuer,
                                                 subject=subject),
                         f"The identity is linked to {chosen}.", config)


def _admin_write(change, message: str, config: Settings) -> None:
    try:
        with write_session(get_engine(config.database_url)) as session:
            change(session)
    except UserError as error:
        st.error(plain(str(error)))
    else:
        flash("admin_users", message)
        st.rerun()
