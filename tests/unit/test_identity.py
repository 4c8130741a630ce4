"""The identity-to-user rules of single sign-on (core.identity) and the AUTH_MODE setting.

Rules (docs/sso.md): a user linked to the identity's (iss, sub) is that person if active
and allowed to use the provider; otherwise the one active user whose admin-entered email
equals the identity's verified email is linked on this first sign-in; everything else is
refused.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.config import ConfigError, check_auth_section, load_settings
from core.identity import (
    AMBIGUOUS_EMAIL,
    EMAIL_NOT_VERIFIED,
    INACTIVE,
    LINKED_ELSEWHERE,
    NO_IDENTITY,
    NOT_SET_UP,
    PROVIDER_NOT_ALLOWED,
    Account,
    Identity,
    identity_from_claims,
    match_identity,
    session_problem,
)

ISS = "https://login.example.gov.uk/tenant/v2.0"
JO = Identity(ISS, "sub-jo-123", email="jo.smith@council.gov.uk", email_verified=True)


def test_a_linked_active_provider_user_is_matched_by_issuer_and_subject():
    accounts = [Account(7, True, "someone.else@council.gov.uk", "provider", linked=(ISS, "sub-jo-123"))]
    result = match_identity(JO, accounts)
    assert (result.user_id, result.link) == (7, False)


def test_the_link_wins_over_the_email_even_when_the_email_changed():
    accounts = [
        Account(7, True, "jo.old@council.gov.uk", "both", linked=(ISS, "sub-jo-123")),
        Account(8, True, "jo.smith@council.gov.uk", "provider"),
    ]
    assert match_identity(JO, accounts).user_id == 7


def test_same_subject_at_another_issuer_is_not_the_same_person():
    accounts = [Account(7, True, "x@council.gov.uk", "provider", linked=("https://other.example/", "sub-jo-123"))]
    result = match_identity(JO, accounts)
    assert result.user_id is None and result.reason == NOT_SET_UP


def test_first_sign_in_links_the_one_active_user_with_the_verified_email():
    accounts = [Account(8, True, "  Jo.Smith@Council.gov.uk ", "provider")]  # as an admin might type it
    result = match_identity(JO, accounts)
    assert (result.user_id, result.link) == (8, True)


def test_an_unverified_email_links_nobody():
    unverified = Identity(ISS, "sub-jo-123", email="jo.smith@council.gov.uk", email_verified=False)
    result = match_identity(unverified, [Account(8, True, "jo.smith@council.gov.uk", "provider")])
    assert result.user_id is None and result.reason == EMAIL_NOT_VERIFIED


def test_no_user_with_the_identity_or_email_is_not_set_up():
    result = match_identity(JO, [])
    assert result.user_id is None and result.reason == NOT_SET_UP
    no_email = Identity(ISS, "sub-x")
    assert match_identity(no_email, [Account(8, True, "", "provider")]).reason == NOT_SET_UP


def test_a_deactivated_user_is_refused_linked_or_by_email():
    linked = [Account(7, False, "jo.smith@council.gov.uk", "provider", linked=(ISS, "sub-jo-123"))]
    assert match_identity(JO, linked).reason == INACTIVE
    by_email = [Account(8, False, "jo.smith@council.gov.uk", "provider")]
    assert match_identity(JO, by_email).reason == INACTIVE


def test_a_password_only_user_may_not_use_the_provider():
    linked = [Account(7, True, "", "local", linked=(ISS, "sub-jo-123"))]
    assert match_identity(JO, linked).reason == PROVIDER_NOT_ALLOWED
    by_email = [Account(8, True, "jo.smith@council.gov.uk", "local")]
    assert match_identity(JO, by_email).reason == PROVIDER_NOT_ALLOWED
    both = [Account(8, True, "jo.smith@council.gov.uk", "both")]
    assert match_identity(JO, both).user_id == 8


def test_two_active_users_with_the_email_link_neither():
    accounts = [Account(8, True, "jo.smith@council.gov.uk", "provider"),
                Account(9, True, "jo.smith@council.gov.uk", "both")]
    result = match_identity(JO, accounts)
    assert result.user_id is None and result.reason == AMBIGUOUS_EMAIL


def test_a_deactivated_namesake_does_not_make_the_email_ambiguous():
    accounts = [Account(8, False, "jo.smith@council.gov.uk", "provider"),
                Account(9, True, "jo.smith@council.gov.uk", "provider")]
    assert match_identity(JO, accounts).user_id == 9


def test_a_user_linked_to_another_identity_is_not_relinked_by_email():
    accounts = [Account(8, True, "jo.smith@council.gov.uk", "provider", linked=(ISS, "sub-someone-else"))]
    result = match_identity(JO, accounts)
    assert result.user_id is None and result.reason == LINKED_ELSEWHERE


def test_claims_without_issuer_or_subject_are_no_identity():
    assert identity_from_claims({"sub": "abc", "email": "a@b.c"}) is None
    assert identity_from_claims({"iss": ISS, "sub": "  "}) is None
    assert match_identity(None, []).reason == NO_IDENTITY


def test_claims_become_an_identity():
    identity = identity_from_claims({
        "iss": ISS, "sub": "sub-jo-123", "email": "Jo.Smith@Council.gov.uk", "email_verified": True,
        "name": "Jo Smith", "iat": 1796083200,
    })
    assert identity == Identity(ISS, "sub-jo-123", "jo.smith@council.gov.uk", True, "Jo Smith",
                                datetime(2026, 12, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize("claim, trusted, verified", [
    (True, False, True),
    ("true", False, True),
    (False, False, False),
    (None, False, False),  # Entra ID sends no email_verified claim...
    (None, True, True),  # ...so a single-tenant provider's emails may be trusted by setting
    ("false", True, True),
])
def test_email_verified_comes_from_the_claim_or_a_trusted_provider(claim, trusted, verified):
    claims = {"iss": ISS, "sub": "s", "email": "jo@council.gov.uk"}
    if claim is not None:
        claims["email_verified"] = claim
    assert identity_from_claims(claims, trust_email=trusted).email_verified is verified


def test_no_email_is_never_verified():
    assert identity_from_claims({"iss": ISS, "sub": "s", "email_verified": True}, trust_email=True).email_verified is False


NOON = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def test_a_provider_session_ends_after_the_idle_minutes():
    fresh = dict(now=NOON, signed_in_at=NOON - timedelta(minutes=5), sessions_valid_after=None, idle_minutes=30)
    assert session_problem(last_activity=NOON - timedelta(minutes=29), **fresh) is None
    assert session_problem(last_activity=NOON - timedelta(minutes=31), **fresh) == (
        "You were signed out after 30 minutes without activity.")
    # A new tab on an old token: measured from when the token was issued.
    old = dict(now=NOON, signed_in_at=NOON - timedelta(minutes=45), sessions_valid_after=None, idle_minutes=30)
    assert session_problem(last_activity=None, **old) is not None


def test_a_token_issued_before_a_sign_out_everywhere_is_refused():
    signed_out = datetime(2026, 11, 26, 11, 50, 0, 400_000, tzinfo=timezone.utc)
    common = dict(now=NOON, last_activity=None, sessions_valid_after=signed_out, idle_minutes=30)
    assert session_problem(signed_in_at=datetime(2026, 11, 26, 11, 49, 59, tzinfo=timezone.utc), **common) == (
        "You were signed out. Please sign in again.")
    # ID tokens carry whole seconds: a token of the same second counts as after the sign-out.
    assert session_problem(signed_in_at=datetime(2026, 11, 26, 11, 50, 0, tzinfo=timezone.utc), **common) is None


AUTH = {
    "redirect_uri": "https://audit.example.gov.uk/oauth2callback",
    "cookie_secret": "Vb3kQ9zR1xLm7TfE2pYw8sNcH4uJ6dGa",  # 32 random characters
    "client_id": "0b6a3f2e-app", "client_secret": "client-secret-value",
    "server_metadata_url": "https://login.microsoftonline.com/TENANT/v2.0/.well-known/openid-configuration",
}
BASE = {"AUDIT_DEMO_MODE": "1", "AUDIT_COOKIE_KEY": "k" * 10 + "abcdefghijklmnopqrstuvwxyz"}


def test_auth_mode_defaults_to_local_and_reads_the_environment_or_secrets():
    assert load_settings(env=BASE).auth_mode == "local"  # the demo needs no provider and no [auth]
    oidc = load_settings(env=BASE | {"AUTH_MODE": "OIDC"})
    assert (oidc.auth_mode, oidc.local_sign_in, oidc.provider_sign_in) == ("oidc", False, True)
    both = load_settings(env=BASE, secrets_={"auth_mode": "both", "oidc_provider_label": "Microsoft",
                                             "admin_contact": "the ICT service desk on 01234 567890"})
    assert (both.local_sign_in, both.provider_sign_in) == (True, True)
    assert (both.oidc_provider_label, both.admin_contact) == ("Microsoft", "the ICT service desk on 01234 567890")
    with pytest.raises(ConfigError, match="AUTH_MODE must be local, oidc or both"):
        load_settings(env=BASE | {"AUTH_MODE": "sso"})
    with pytest.raises(ConfigError, match="underscore"):
        load_settings(env=BASE | {"AUTH_MODE": "oidc", "AUDIT_OIDC_PROVIDER": "entra_id"})


def test_provider_sign_in_is_refused_without_a_complete_auth_section():
    with pytest.raises(ConfigError, match=r"needs the \[auth\] section"):
        check_auth_section(None)
    partial = {k: v for k, v in AUTH.items() if k not in ("client_secret", "cookie_secret")}
    with pytest.raises(ConfigError, match="Missing in .*: auth.cookie_secret, auth.client_secret"):
        check_auth_section(partial)
    named = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": AUTH["cookie_secret"]}
    with pytest.raises(ConfigError, match=r"\[auth.microsoft\]"):
        check_auth_section(named, "microsoft")
    named["microsoft"] = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    check_auth_section(named, "microsoft")  # complete: no error
    check_auth_section(AUTH)
    with pytest.raises(ConfigError, match="/oauth2callback"):
        check_auth_section(AUTH | {"redirect_uri": "https://audit.example.gov.uk/"})


@pytest.mark.parametrize("weak", ["xxx", "some_key", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "short-but-random-9Qz"])
def test_a_weak_cookie_secret_is_refused(weak):
    # Anyone who can forge Streamlit's identity cookie can claim anyone's issuer and subject.
    with pytest.raises(ConfigError, match="auth.cookie_secret"):
        check_auth_section(AUTH | {"cookie_secret": weak})


# ------------------------------------------------------------------ optional: provider groups to roles
from core.authz import Role  # noqa: E402
from core.identity import parse_group_roles, roles_with_groups  # noqa: E402

AUDITORS, SUPPORT_STAFF, BOARD = "3f9c-auditors", "77ab-business-support", "c01d-board"
MAPPING = ((AUDITORS, ("auditor",)), (SUPPORT_STAFF, ("support",)), (BOARD, ("sponsor",)))  # by group id


def test_group_roles_are_off_by_default():
    assert parse_group_roles(None) == ()
    assert load_settings(env=BASE).oidc_group_roles == ()
    assert roles_with_groups({Role.AUDITOR}, [BOARD], ()) == {Role.AUDITOR}


def test_group_roles_table_is_read_and_checked():
    assert parse_group_roles({AUDITORS: "auditor", BOARD: ["sponsor"], SUPPORT_STAFF: "support"}) == MAPPING
    settings = load_settings(env=BASE, secrets_={"oidc_group_roles": {AUDITORS: "auditor"}})
    assert settings.oidc_group_roles == ((AUDITORS, ("auditor",)),)
    with pytest.raises(ConfigError, match="'owner' is not a role"):
        load_settings(env=BASE, secrets_={"oidc_group_roles": {AUDITORS: "owner"}})
    with pytest.raises(ConfigError, match="cannot give the manager role"):
        load_settings(env=BASE, secrets_={"oidc_group_roles": {AUDITORS: ["auditor", "manager"]}})


def test_groups_give_and_take_the_roles_the_mapping_names_and_leave_the_others():
    # In the board group only: sponsor, and the auditor role (named by the mapping) is taken away.
    assert roles_with_groups({Role.AUDITOR}, [BOARD, "unrelated-group"], MAPPING) == {Role.SPONSOR}
    # Manager (not in the mapping) stays as the admin set it.
    assert roles_with_groups({Role.MANAGER, Role.SUPPORT}, [AUDITORS], MAPPING) == {Role.MANAGER, Role.AUDITOR}
    # Admin, not in the mapping, stays too; no group: no mapped role.
    assert roles_with_groups({Role.ADMIN, Role.SPONSOR}, [], MAPPING) == {Role.ADMIN}
    assert roles_with_groups({Role.SPONSOR}, [], MAPPING) == set()


def test_the_groups_claim_is_read():
    identity = identity_from_claims({"iss": ISS, "sub": "s", "groups": [AUDITORS, " ", BOARD]})
    assert identity.groups == {AUDITORS, BOARD}
    assert identity_from_claims({"iss": ISS, "sub": "s", "groups": "not-a-list"}).groups == frozenset()
