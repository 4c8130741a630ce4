"""Provider (OpenID Connect) identities linked to users, and how each user signs in.

``core.identity`` holds the matching rules; this module feeds them the users table,
stores the link made on a first sign-in by verified email, records every provider
sign-in and refusal in the event log, and gives admins link, unlink and the
sign-in method of each user.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from core.authz import Role, Scope
from core.identity import (
    BOTH,
    LOCAL,
    NO_MAPPED_ROLE,
    PROVIDER,
    SIGN_IN_METHODS,
    Account,
    Identity,
    Match,
    match_identity,
    normalise_email,
    roles_with_groups,
)
from db.events import record
from db.models import User, UserIdentity, UserRole, utcnow
from db.users import SignedInUser, UserError, get_user, load_signed_in, roles_of


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _accounts(session: Session, identity: Identity) -> list[Account]:
    """The user rows the rules need: the one linked to this identity and those with its email."""
    conditions = [(UserIdentity.issuer == identity.issuer) & (UserIdentity.subject == identity.subject)]
    if identity.email:
        conditions.append(func.lower(func.trim(User.email)) == identity.email)
    rows = session.exec(
        select(User, UserIdentity).join(UserIdentity, UserIdentity.user_id == User.id, isouter=True).where(or_(*conditions))
    ).all()
    return [
        Account(
            user_id=user.id, active=user.active, email=user.email, sign_in=user.sign_in,
            linked=(link.issuer, link.subject) if link is not None else None,
        )
        for user, link in rows
    ]


def match(session: Session, identity: Identity | None) -> Match:
    """Which user this identity is (read-only: nothing is stored)."""
    return match_identity(identity, _accounts(session, identity) if identity is not None else [])


def _provider_user(session: Session, user: User) -> SignedInUser | None:
    signed_in = load_signed_in(session, user.username)
    # A password change is for password sign-in: it never holds up someone the provider vouched for.
    return replace(signed_in, must_change_password=False) if signed_in is not None else None


def load_by_identity(session: Session, identity: Identity) -> SignedInUser | None:
    """The active user linked to ``identity`` who may sign in through the provider, re-read on every rerun."""
    result = match(session, identity)
    if not result.ok or result.link:
        return None
    return _provider_user(session, session.get(User, result.user_id))


def sign_in(
    session: Session, identity: Identity | None, *, provider: str,
    group_roles: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> tuple[SignedInUser | None, str]:
    """A provider sign-in: match, link on first sign-in, record it; (user, "") or (None, reason).

    Every call is one event: ``login.success`` (with ``linked`` on a first sign-in) or
    ``login.failure`` with the identity and the reason, for the admin to act on. With
    ``group_roles`` (optional, off when empty) the token's groups set the roles the mapping
    names, before anything else is read (``core.identity.roles_with_groups``).
    """
    result = match(session, identity)
    details = {"method": "provider", "provider": provider}
    if identity is not None:
        details |= {"issuer": identity.issuer, "subject": identity.subject, "email": identity.email}
    new_roles = None
    if result.ok and group_roles:
        current = roles_of(session, result.user_id)
        new_roles = roles_with_groups(current, identity.groups, group_roles)
        if not new_roles:
            result = Match(None, reason=NO_MAPPED_ROLE)
        elif new_roles == current:
            new_roles = None
    if not result.ok:
        name = identity.email if identity is not None and identity.email else "(provider identity)"
        record(session, name[:60], "login.failure", "user", result.user_id or "", after=details | {"reason": result.reason})
        return None, result.reason
    user = session.get(User, result.user_id)
    if new_roles is not None:
        before = sorted(roles_of(session, user.id))
        for row in session.exec(select(UserRole).where(UserRole.user_id == user.id)).all():
            session.delete(row)
        session.flush()
        for role in sorted(new_roles):
            session.add(UserRole(user_id=user.id, role=Role(role).value))
        record(session, user.username, "user.roles", "user", user.id, before={"roles": before},
               after={"roles": sorted(new_roles), "by": "provider groups"})
    now = utcnow()
    if result.link:
        link = UserIdentity(user_id=user.id, issuer=identity.issuer, subject=identity.subject, email=identity.email,
                            linked_by=user.username, last_sign_in_at=now)
        session.add(link)
        details["linked"] = True
        record(session, user.username, "user.identity_link", "user", user.id,
               after={"issuer": identity.issuer, "subject": identity.subject, "by": "first sign-in, verified email"})
    else:
        link = session.exec(select(UserIdentity).where(UserIdentity.user_id == user.id)).one()
        link.last_sign_in_at = now
    user.last_seen_at = now
    record(session, user.username, "login.success", "user", user.id, after=details)
    session.flush()
    return _provider_user(session, user), ""


def record_sign_out(session: Session, username: str) -> None:
    """Provider sign-out: every earlier session of the user ends, as for a local sign-out."""
    user = get_user(session, username)
    if user is None:
        return
    user.sessions_valid_after = utcnow()
    record(session, username, "logout", "user", user.id, after={"method": "provider"})


# ================================================================== administration
@dataclass(frozen=True)
class SignInRow:
    """How one user signs in, for the Users page."""

    user_id: int
    sign_in: str
    issuer: str | None
    subject: str | None
    linked_at: datetime | None
    last_provider_sign_in: datetime | None

    @property
    def identity(self) -> str:
        if self.subject is None:
            return ""
        return f"{self.subject} at {self.issuer}"


def _require_admin(scope: Scope) -> None:
    if Role.ADMIN not in scope.roles:
        raise PermissionError(f"{scope.username} may not do this (admin only).")


def sign_in_rows(session: Session, scope: Scope) -> dict[int, SignInRow]:
    _require_admin(scope)
    rows = session.exec(
        select(User.id, User.sign_in, UserIdentity).join(UserIdentity, UserIdentity.user_id == User.id, isouter=True)
    ).all()
    return {
        user_id: SignInRow(
            user_id=user_id, sign_in=method,
            issuer=link.issuer if link else None, subject=link.subject if link else None,
            linked_at=_aware(link.linked_at) if link else None,
            last_provider_sign_in=_aware(link.last_sign_in_at) if link else None,
        )
        for user_id, method, link in rows
    }


def known_issuers(session: Session) -> list[str]:
    """Issuers of identities already linked (the admin's choice when linking by hand)."""
    return sorted(set(session.exec(select(UserIdentity.issuer))))


def set_sign_in_method(session: Session, *, scope: Scope, username: str, method: str) -> None:
    _require_admin(scope)
    if method not in SIGN_IN_METHODS:
        raise UserError(f"Choose one of: {', '.join(SIGN_IN_METHODS)}.")
    user = get_user(session, username)
    if user is None:
        raise UserError(f"No user '{username}'.")
    if user.sign_in == method:
        return
    if username == scope.username:
        raise UserError("You cannot change how you yourself sign in: ask another administrator.")
    before = user.sign_in
    user.sign_in = method
    # Sessions opened under the old method end: the next request signs in afresh.
    user.sessions_valid_after = utcnow()
    record(session, scope.username, "user.sign_in_method", "user", user.id, before={"sign_in": before},
           after={"sign_in": method})


def link_identity(session: Session, *, scope: Scope, username: str, issuer: str, subject: str) -> None:
    """Link a provider identity to a user by hand (e.g. a person whose provider sends no email)."""
    _require_admin(scope)
    issuer, subject = issuer.strip(), subject.strip()
    if not issuer.startswith(("https://", "http://")):
        raise UserError("The issuer is the provider's address, e.g. https://login.microsoftonline.com/<tenant>/v2.0.")
    if not subject:
        raise UserError("Enter the subject (the provider's id for the person, 'sub' in the ID token).")
    if len(issuer) > 300 or len(subject) > 255:
        raise UserError("The issuer or subject is too long.")
    user = get_user(session, username)
    if user is None:
        raise UserError(f"No user '{username}'.")
    taken = session.exec(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    ).first()
    if taken is not None:
        owner = session.get(User, taken.user_id)
        raise UserError(f"That identity is already linked to '{owner.username}': unlink it there first.")
    if session.exec(select(UserIdentity).where(UserIdentity.user_id == user.id)).first() is not None:
        raise UserError(f"'{username}' already has a provider identity: unlink it first.")
    session.add(UserIdentity(user_id=user.id, issuer=issuer, subject=subject, linked_by=scope.username))
    record(session, scope.username, "user.identity_link", "user", user.id,
           after={"issuer": issuer, "subject": subject, "by": "admin"})


def unlink_identity(session: Session, *, scope: Scope, username: str) -> None:
    """Remove a user's provider identity: their provider sessions end; a new link needs a verified email or an admin."""
    _require_admin(scope)
    user = get_user(session, username)
    if user is None:
        raise UserError(f"No user '{username}'.")
    link = session.exec(select(UserIdentity).where(UserIdentity.user_id == user.id)).first()
    if link is None:
        raise UserError(f"'{username}' has no provider identity to unlink.")
    before = {"issuer": link.issuer, "subject": link.subject}
    session.delete(link)
    user.sessions_valid_after = utcnow()
    record(session, scope.username, "user.identity_unlink", "user", user.id, before=before)


def create_provider_account(
    session: Session, *, scope: Scope, username: str, display_name: str, email: str,
    roles: Iterable[Role | str], managed_team_ids: Iterable[int], method: str = PROVIDER,
) -> User:
    """A user who signs in through the provider only: no password of the app's to give them.

    The email is required: it links their provider identity at their first sign-in.
    """
    from db.admin_users import create_account  # it imports db.users; kept local to avoid a cycle at import

    if method != PROVIDER:
        raise UserError("Use the password form for users who sign in with a password.")
    if not normalise_email(email) or "@" not in email:
        raise UserError("Enter their work email address: it links their provider account at first sign-in.")
    taken = session.exec(
        select(User.username).where(func.lower(func.trim(User.email)) == normalise_email(email),
                                    col(User.active).is_(True))
    ).first()
    if taken is not None:
        raise UserError(f"'{taken}' already has that email address: one person, one account.")
    # A random password nobody knows: sign_in='provider' refuses password sign-in anyway.
    user = create_account(
        session, scope=scope, username=username, display_name=display_name, email=email, roles=roles,
        managed_team_ids=managed_team_ids, temporary_password=secrets.token_urlsafe(32),
    )
    user.must_change_password = False
    user.sign_in = PROVIDER
    record(session, scope.username, "user.sign_in_method", "user", user.id, before={"sign_in": LOCAL},
           after={"sign_in": PROVIDER})
    return user


__all__ = [
    "BOTH", "LOCAL", "PROVIDER", "SignInRow", "create_provider_account", "known_issuers", "link_identity",
    "load_by_identity", "match", "record_sign_out", "set_sign_in_method", "sign_in", "sign_in_rows",
    "unlink_identity",
]
