"""Users, their roles and teams, and the sign-in bookkeeping (lock-out, revocation)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, col, delete, select

from core.authz import Role, Scope, parse_roles
from core.passwords import hash_password, password_problem
from db.events import record
from db.models import ManagedTeam, User, UserRole, utcnow


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
    )


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

    Inactive, locked-out and provider-only users are left out, so they fail exactly as an unknown
    user or a wrong password does (one message for all three).
    """
    now = now or utcnow()
    # Users who sign in through the identity provider only have no password sign-in (docs/sso.md).
    users = session.exec(select(User).where(col(User.active).is_(True), User.sign_in != "provider")).all()
    roles: dict[int, list[str]] = {}
    for user_id, role in session.exec(select(UserRole.user_id, UserRole.role)):
        roles.setdefault(user_id, []).append(role)
    entries = {}
    for user in users:
        locked_until = _aware(user.locked_until)
        if locked_until and locked_until > now:
            continue
        entries[user.username] = {
            "name": user.display_name,
            "email": user.email or f"{user.username}@invalid",
            "password": user.password_hash,
            "roles": sorted(roles.get(user.id, [])),
        }
    return {"usernames": entries}


def record_login(session: Session, username: str, *, success: bool, max_failed: int, lockout_minutes: int) -> None:
    """Log a sign-in attempt; after ``max_failed`` failures in a row, lock the account."""
    username = (username or "").strip().lower()[:60]
    user = get_user(session, username) if username else None
    if success and user is not None:
        user.failed_logins = 0
        user.locked_until = None
        user.last_seen_at = utcnow()
        record(session, username, "login.success", "user", user.id)
        return
    if user is None:
        record(session, username or "(blank)", "login.failure", "user", "", after={"reason": "unknown user"})
        return
    user.failed_logins += 1
    reason = "wrong password"
    if user.failed_logins >= max_failed:
        user.locked_until = utcnow() + timedelta(minutes=lockout_minutes)
        user.failed_logins = 0
        reason = f"locked for {lockout_minutes} minutes after {max_failed} failures"
    record(session, username, "login.failure", "user", user.id, after={"reason": reason})


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
