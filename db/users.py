"""Users, their roles and teams, and the sign-in bookkeeping (growing delays after failed
sign-ins, the last activity for the idle timeout, revocation)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, col, delete, func, select

from core.authz import Role, Scope, parse_roles
from core.identity import may_use_password
from core.passwords import (
    ADDRESS_WINDOW_MINUTES, account_delay, address_delay, bcrypt_cost, check_password, hash_password,
    password_problem, verify_password,
)
from db.events import record
from db.models import Event, ManagedTeam, User, UserRole, utcnow

LOGIN_FAILURE = "login.failure"
LOGIN_DELAYED = "login.delayed"


class UserError(ValueError):
    """A user change that cannot be made; the message says why."""


@dataclass(frozen=True)
class SignedInUser:
    """What every page needs to know about the person signed in, re-read on every rerun."""

    id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    managed_team_ids: frozenset[int]
    must_change_password: bool
    sessions_valid_after: datetime | None
    # The last rerun of any of the user's sessions, any tab (to the nearest ``touch_activity``).
    last_active_at: datetime | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.id, self.username, self.roles, self.managed_team_ids)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def roles_of(session: Session, user_id: int) -> frozenset[Role]:
    return parse_roles(list(session.exec(select(UserRole.role).where(UserRole.user_id == user_id))))


def managed_teams_of(session: Session, user_id: int) -> frozenset[int]:
    return frozenset(session.exec(select(ManagedTeam.team_id).where(ManagedTeam.user_id == user_id)))


def load_signed_in(session: Session, username: str) -> SignedInUser | None:
    """The active user called ``username`` with their current roles, or None."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        return None
    return SignedInUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=roles_of(session, user.id),
        managed_team_ids=managed_teams_of(session, user.id),
        must_change_password=user.must_change_password,
        sessions_valid_after=_aware(user.sessions_valid_after),
        last_active_at=_aware(user.last_seen_at),
    )


def may_resume_by_cookie(session: Session, username: str) -> bool:
    """Whether a sign-in cookie naming ``username`` may sign a session in: the user is active and
    may sign in with a password (a user who signs in through the identity provider only has no
    password session to resume, whatever cookie an earlier method left behind; docs/sso.md)."""
    user = get_user(session, username)
    return user is not None and user.active and may_use_password(user.sign_in)


def get_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def create_user(
    session: Session,
    *,
    actor: str,
    username: str,
    display_name: str,
    password: str,
    roles: set[Role] | frozenset[Role],
    email: str = "",
    managed_team_ids: set[int] | frozenset[int] = frozenset(),
    must_change_password: bool = False,
    check_strength: bool = True,
    bcrypt_rounds: int = 12,
) -> User:
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise UserError("A username uses letters, digits, dots, hyphens and underscores only.")
    if get_user(session, username) is not None:
        raise UserError(f"The username '{username}' is taken.")
    if not roles:
        raise UserError("Give the user at least one role.")
    if check_strength and (problem := password_problem(password, username)):
        raise UserError(problem)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        email=email.strip(),
        password_hash=hash_password(password, rounds=bcrypt_rounds),
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    for role in sorted(roles):
        session.add(UserRole(user_id=user.id, role=Role(role).value))
    for team_id in sorted(managed_team_ids):
        session.add(ManagedTeam(user_id=user.id, team_id=team_id))
    record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        after={"username": username, "roles": sorted(roles), "teams": sorted(managed_team_ids)},
    )
    return user


def login_credentials(session: Session, now: datetime | None = None) -> dict:
    """The credentials dict streamlit-authenticator expects, built from the users table.

    Only active users who may sign in with a password are in it; users who sign in through the
    identity provider only have no password sign-in (docs/sso.md). Passwords are checked by
    ``check_sign_in``, and a sign-in cookie by ``ui.auth`` with ``may_resume_by_cookie``.
    """
    del now  # a delayed account is not locked: its live sessions carry on
    users = session.exec(select(User).where(col(User.active).is_(True), User.sign_in != "provider")).all()
    roles: dict[int, list[str]] = {}
    for user_id, role in session.exec(select(UserRole.user_id, UserRole.role)):
        roles.setdefault(user_id, []).append(role)
    entries = {}
    for user in users:
        entries[user.username] = {
            "name": user.display_name,
            "email": user.email or f"{user.username}@invalid",
            "password": user.password_hash,
            "roles": sorted(roles.get(user.id, [])),
        }
    return {"usernames": entries}


def _clean(username: str | None) -> str:
    return (username or "").strip().lower()[:60]


def check_sign_in(session: Session, username: str, password: str) -> bool:
    """Whether ``password`` is right for the active user ``username``. An unknown or
    deactivated name costs the same bcrypt work as a real one (no timing tells them apart)."""
    username = _clean(username)
    user = get_user(session, username) if username else None
    # The highest cost in use ('$2b$12$...': characters 5 and 6), so an unknown name is never quicker.
    highest = session.exec(select(func.max(func.substr(User.password_hash, 5, 2)))
                           .where(col(User.active).is_(True))).first()
    rounds = int(highest) if highest and str(highest).isdigit() else bcrypt_cost(None)
    if user is None or not user.active or user.sign_in == "provider":
        # Provider-only users have no password sign-in (docs/sso.md): refused like an unknown name.
        check_password(password, None, rounds=rounds)
        return False
    return check_password(password, user.password_hash, rounds=bcrypt_cost(user.password_hash, rounds))


def _events_since(session: Session, action: str, since: datetime, **where) -> list[Event]:
    """The newest 2,000 ``action`` events logged since ``since`` (and matching ``where``), newest first."""
    statement = select(Event).where(Event.action == action, Event.at >= since)
    for name, value in where.items():
        statement = statement.where(getattr(Event, name) == value)
    return list(session.exec(statement.order_by(col(Event.id).desc()).limit(2000)))


def sign_in_wait(session: Session, username: str, address: str | None, now: datetime | None = None) -> int:
    """Seconds before the next sign-in attempt for ``username`` from ``address`` is checked
    (0: check it now). A known user's delay is kept on the user; an unknown name's is
    counted from the log the same way, so both behave alike."""
    now = now or utcnow()
    username = _clean(username)
    waits = [0]
    user = get_user(session, username) if username else None
    if user is not None:
        until = _aware(user.locked_until)
        if until and until > now:
            waits.append(math.ceil((until - now).total_seconds()))
    elif username:
        failures = _events_since(session, LOGIN_FAILURE, now - timedelta(days=1), username=username)
        if failures and (delay := account_delay(len(failures))):
            until = _aware(failures[0].at) + timedelta(seconds=delay)
            if until > now:
                waits.append(math.ceil((until - now).total_seconds()))
    if address:
        recent = [e for e in _events_since(session, LOGIN_FAILURE, now - timedelta(minutes=ADDRESS_WINDOW_MINUTES))
                  if (e.after or {}).get("address") == address]
        if recent and (delay := address_delay(len(recent))):
            until = _aware(recent[0].at) + timedelta(seconds=delay)
            if until > now:
                waits.append(math.ceil((until - now).total_seconds()))
    return max(waits)


# An attempt refused unchecked (still waiting) is logged once a minute per client address (per name where
# Streamlit gives no address): each logged one is a row, and a script can send thousands a minute.
DELAYED_LOGGED_EVERY = timedelta(minutes=1)


def _delay_logged_recently(session: Session, username: str, address: str | None, now: datetime) -> bool:
    recent = _events_since(session, LOGIN_DELAYED, now - DELAYED_LOGGED_EVERY)
    if address:
        return any((e.after or {}).get("address") == address for e in recent)
    return any(e.username == (username or "(blank)") and not (e.after or {}).get("address") for e in recent)


def record_login(session: Session, username: str, *, success: bool, address: str | None = None,
                 delayed: int = 0) -> None:
    """Log a sign-in attempt (with the client address when known). A failure makes the
    username wait longer before its next attempt (``core.passwords.account_delay``); a
    success clears the wait. ``delayed``: the attempt was refused unchecked, still waiting; such
    attempts are logged once a minute per address (``DELAYED_LOGGED_EVERY``)."""
    username = _clean(username)
    user = get_user(session, username) if username else None
    where = {"address": address} if address else {}
    object_id = user.id if user is not None else ""
    if delayed:
        if not _delay_logged_recently(session, username, address, utcnow()):
            record(session, username or "(blank)", LOGIN_DELAYED, "user", object_id,
                   after={"wait_seconds": delayed, **where})
        return
    if success and user is not None:
        user.failed_logins = 0
        user.locked_until = None
        user.last_seen_at = utcnow()
        record(session, username, "login.success", "user", user.id, after=where or None)
        return
    if user is None:
        record(session, username or "(blank)", LOGIN_FAILURE, "user", "", after={"reason": "unknown user", **where})
        return
    user.failed_logins += 1
    delay = account_delay(user.failed_logins)
    user.locked_until = utcnow() + timedelta(seconds=delay) if delay else None
    reason = "wrong password" + (f"; next attempt in {delay} s" if delay else "")
    record(session, username, LOGIN_FAILURE, "user", user.id,
           after={"reason": reason, "failures_in_a_row": user.failed_logins, **where})


ACTIVITY_GRANULARITY = timedelta(seconds=30)


def touch_activity(session: Session, username: str, now: datetime | None = None) -> None:
    """Note that ``username`` is active now (at most one write every 30 seconds), so the
    idle timeout counts from their last activity in any tab."""
    now = now or utcnow()
    user = get_user(session, username)
    if user is not None and (user.last_seen_at is None or now - _aware(user.last_seen_at) >= ACTIVITY_GRANULARITY):
        user.last_seen_at = now


def revoke_sessions(session: Session, username: str) -> None:
    """Sign the user out everywhere: cookies issued before now stop working."""
    user = get_user(session, username)
    if user is None:
        return
    user.sessions_valid_after = utcnow()
    record(session, username, "logout", "user", user.id)


def set_password(session: Session, *, actor: str, username: str, password: str, temporary: bool) -> None:
    user = get_user(session, username)
    if user is None:
        raise UserError(f"No user '{username}'.")
    if problem := password_problem(password, username):
        raise UserError(problem)
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.sessions_valid_after = utcnow()
    record(session, actor, "user.password_reset" if temporary else "user.password_change", "user", user.id)


def set_roles(session: Session, *, actor: str, username: str, roles: set[Role]) -> None:
    user = get_user(session, username)
    if user is None:
        raise UserError(f"No user '{username}'.")
    before = sorted(roles_of(session, user.id))
    if actor == username and Role.ADMIN in before and Role.ADMIN not in roles:
        raise UserError("You cannot remove your own admin role.")
    if not roles:
        raise UserError("Give the user at least one role.")
    session.exec(delete(UserRole).where(UserRole.user_id == user.id))
    for role in sorted(roles):
        session.add(UserRole(user_id=user.id, role=Role(role).value))
    record(session, actor, "user.roles", "user", user.id, before={"roles": before}, after={"roles": sorted(roles)})


def change_own_password(session: Session, username: str, current: str, new: str, again: str) -> None:
    """A user's change of their own password (My account): refused with the reason unless the two new
    passwords match, the current one is right and the new one differs from it and is strong enough.
    Every other session of the user is signed out (``set_password``)."""
    if new != again:
        raise UserError("The two new passwords differ.")
    account = get_user(session, username)
    if account is None or not verify_password(current, account.password_hash):
        raise UserError("Your current password is not right.")
    if current == new:
        raise UserError("Choose a password different from the current one.")
    set_password(session, actor=username, username=username, password=new, temporary=False)
