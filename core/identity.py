"""Who a person signed in through the council's identity provider is, in this app.

The provider (OpenID Connect) says who someone is; the app says what they may do.
An identity is known by its issuer and subject (``iss`` + ``sub``): stable for one
person at one provider, never reused, unlike an email address or a display name.
These are the pure rules; ``db.identities`` applies them to the users table.

- A user row already linked to the identity's (iss, sub) is that person, if it is
  active and allowed to sign in through the provider.
- Otherwise the identity is linked, on this first sign-in, to the one active user
  whose email (entered by an admin) equals the identity's email, provided the
  provider vouches for that email (``email_verified``, or a provider the council
  trusts for its own staff's addresses), the user may sign in through the provider
  and is not linked to another identity yet.
- Anything else is refused, with the reason kept for the event log (the person
  only ever sees "not set up for this app").
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from core.authz import Role

LOCAL = "local"
PROVIDER = "provider"
BOTH = "both"
SIGN_IN_METHODS = (LOCAL, PROVIDER, BOTH)
SIGN_IN_LABELS = {
    LOCAL: "Password (local account)",
    PROVIDER: "Identity provider (single sign-on)",
    BOTH: "Both",
}
AUTH_MODES = ("local", "oidc", "both")

# Reasons a provider sign-in is refused (stored in the event log, never shown as such).
NO_IDENTITY = "the provider sent no issuer or subject"
NOT_SET_UP = "no user has this identity or its verified email"
EMAIL_NOT_VERIFIED = "the provider did not vouch for the email address"
INACTIVE = "the user is deactivated"
PROVIDER_NOT_ALLOWED = "the user may not sign in through the provider"
AMBIGUOUS_EMAIL = "several active users have this email address"
LINKED_ELSEWHERE = "the user with this email is linked to another identity"


def may_use_password(method: str) -> bool:
    return method in (LOCAL, BOTH)


def may_use_provider(method: str) -> bool:
    return method in (PROVIDER, BOTH)


def normalise_email(value: object) -> str:
    return str(value or "").strip().lower()


@dataclass(frozen=True)
class Identity:
    """What the provider said about the person, reduced to what the app relies on."""

    issuer: str
    subject: str
    email: str = ""
    email_verified: bool = False
    name: str = ""
    issued_at: datetime | None = None  # when the provider issued the ID token (its ``iat``)
    groups: frozenset[str] = field(default_factory=frozenset)  # the ``groups`` claim (Entra ID: group object ids)

    @property
    def key(self) -> tuple[str, str]:
        return (self.issuer, self.subject)


def _verified(value: object) -> bool:
    # Some providers send the claim as the string "true".
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def identity_from_claims(claims: Mapping[str, object], *, trust_email: bool = False) -> Identity | None:
    """The identity in an ID token's claims (as ``st.user`` holds them); None without iss or sub.

    ``trust_email``: the provider's email claim is taken as verified even without
    ``email_verified`` (Microsoft Entra ID sends no such claim; only for a single-tenant
    provider whose addresses the council itself assigns).
    """
    issuer = str(claims.get("iss") or "").strip()
    subject = str(claims.get("sub") or "").strip()
    if not issuer or not subject:
        return None
    email = normalise_email(claims.get("email"))
    issued_at = None
    iat = claims.get("iat")
    if isinstance(iat, (int, float)) and not isinstance(iat, bool):
        issued_at = datetime.fromtimestamp(iat, tz=timezone.utc)
    raw_groups = claims.get("groups")
    groups = frozenset(str(g).strip() for g in raw_groups if str(g).strip()) if isinstance(raw_groups, list) else frozenset()
    return Identity(
        groups=groups,
        issuer=issuer,
        subject=subject,
        email=email,
        email_verified=bool(email) and (trust_email or _verified(claims.get("email_verified"))),
        name=str(claims.get("name") or "").strip(),
        issued_at=issued_at,
    )


@dataclass(frozen=True)
class Account:
    """A user row as the matching rules see it."""

    user_id: int
    active: bool
    email: str
    sign_in: str
    linked: tuple[str, str] | None = None  # (issuer, subject) already linked to this user


@dataclass(frozen=True)
class Match:
    """The outcome: ``user_id`` is None when refused (then ``reason`` says why)."""

    user_id: int | None
    link: bool = False  # True: store the link (first sign-in by verified email)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.user_id is not None


def match_identity(identity: Identity | None, accounts: Iterable[Account]) -> Match:
    """Which user ``identity`` is, following the rules in the module docstring."""
    if identity is None:
        return Match(None, reason=NO_IDENTITY)
    accounts = list(accounts)
    linked = [a for a in accounts if a.linked == identity.key]
    if linked:
        account = linked[0]  # (issuer, subject) is unique in the database
        if not account.active:
            return Match(None, reason=INACTIVE)
        if not may_use_provider(account.sign_in):
            return Match(None, reason=PROVIDER_NOT_ALLOWED)
        return Match(account.user_id)
    if not identity.email:
        return Match(None, reason=NOT_SET_UP)
    same_email = [a for a in accounts if a.email and normalise_email(a.email) == identity.email]
    active = [a for a in same_email if a.active]
    if not active:
        return Match(None, reason=INACTIVE if same_email else NOT_SET_UP)
    if not identity.email_verified:
        return Match(None, reason=EMAIL_NOT_VERIFIED)
    if len(active) > 1:
        return Match(None, reason=AMBIGUOUS_EMAIL)
    account = active[0]
    if account.linked is not None:
        return Match(None, reason=LINKED_ELSEWHERE)
    if not may_use_provider(account.sign_in):
        return Match(None, reason=PROVIDER_NOT_ALLOWED)
    return Match(account.user_id, link=True)


def session_problem(
    *,
    now: datetime,
    signed_in_at: datetime,
    last_activity: datetime | None,
    sessions_valid_after: datetime | None,
    idle_minutes: int,
) -> str | None:
    """Why a provider session may not go on (None: it may), the same rules as local sessions.

    ``signed_in_at`` is the ID token's issue time. Tokens carry whole seconds, so a
    token issued in the same second as a sign-out everywhere still counts as after it.
    """
    if sessions_valid_after is not None and signed_in_at < sessions_valid_after.replace(microsecond=0):
        return "You were signed out. Please sign in again."
    if now - (last_activity or signed_in_at) > timedelta(minutes=idle_minutes):
        return f"You were signed out after {idle_minutes} minutes without activity."
    return None


# ------------------------------------------------------------------ optional: provider groups to roles
NO_MAPPED_ROLE = "none of the person's provider groups gives a role, and they have no other"


def parse_group_roles(value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The ``[oidc_group_roles]`` table (group id = role or [roles]) as sorted pairs; ValueError if wrong.

    Managers are left out on purpose: a manager needs the teams they manage, which only the
    Users page gives.
    """
    if value in (None, "", {}):
        return ()
    if not isinstance(value, Mapping):
        raise ValueError("oidc_group_roles is a table: \"<group id>\" = \"<role>\" or [\"<role>\", ...].")
    pairs = []
    for group, roles in value.items():
        names = [roles] if isinstance(roles, str) else list(roles) if isinstance(roles, (list, tuple)) else None
        if not str(group).strip() or not names:
            raise ValueError(f"oidc_group_roles: group {group!r} needs a role or a list of roles.")
        for name in names:
            if name not in {r.value for r in Role}:
                raise ValueError(f"oidc_group_roles: {name!r} is not a role ({', '.join(r.value for r in Role)}).")
            if name == Role.MANAGER.value:
                raise ValueError("oidc_group_roles cannot give the manager role: a manager's teams are set on the "
                                 "Users page, with the role.")
        pairs.append((str(group).strip(), tuple(sorted(set(names)))))
    return tuple(sorted(pairs))


def roles_with_groups(
    current: Iterable[Role], groups: Iterable[str], mapping: tuple[tuple[str, tuple[str, ...]], ...],
) -> frozenset[Role]:
    """The user's roles once their provider groups are applied.

    The mapping governs the roles it names: those come from the groups alone (given when a
    group maps to them, taken away when none does). Roles it does not name (manager, say)
    stay as the admin set them. With no mapping, the roles are unchanged.
    """
    current = frozenset(Role(r) for r in current)
    if not mapping:
        return current
    governed = {Role(name) for _, names in mapping for name in names}
    member_of = set(groups)
    given = {Role(name) for group, names in mapping if group in member_of for name in names}
    return frozenset((current - governed) | given)
