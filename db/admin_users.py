"""Administration of user accounts (the Users page): list, create, change, deactivate, and
reset a password. Admin only; each change records an event in the caller's transaction."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlmodel import Session, col, delete, select

from core.authz import Role, Scope
from db.admin import AdminError, require_admin, uk_time
from db.events import changes, record
from db.models import ManagedTeam, Team, User, UserRole, utcnow
from db.users import create_user, get_user, roles_of, set_password, set_roles


# ================================================================== users
@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    email: str
    active: bool
    roles: tuple[str, ...]
    team_ids: tuple[int, ...]
    teams: tuple[str, ...]
    must_change_password: bool
    locked: bool  # must wait before the next sign-in attempt (failed sign-ins; there is no hard lock)
    last_seen_at: datetime | None  # UK time
    failed_logins: int = 0  # failed sign-ins in a row since the last success or reset


def list_users(session: Session, scope: Scope) -> list[UserRow]:
    require_admin(scope)
    roles: dict[int, list[str]] = {}
    for user_id, role in session.exec(select(UserRole.user_id, UserRole.role).order_by(UserRole.role)):
        roles.setdefault(user_id, []).append(role)
    teams: dict[int, list[tuple[int, str]]] = {}
    for user_id, team_id, name in session.exec(
        select(ManagedTeam.user_id, Team.id, Team.name).join(Team, Team.id == ManagedTeam.team_id).order_by(Team.name)
    ):
        teams.setdefault(user_id, []).append((team_id, name))
    now = utcnow()
    rows = []
    for user in session.exec(select(User).order_by(col(User.active).desc(), User.username)):
        locked_until = user.locked_until
        if locked_until is not None and locked_until.tzinfo is None:
            locked_until = locked_until.replace(tzinfo=timezone.utc)
        rows.append(UserRow(
            id=user.id, username=user.username, display_name=user.display_name, email=user.email,
            active=user.active, roles=tuple(roles.get(user.id, [])),
            team_ids=tuple(t for t, _ in teams.get(user.id, [])), teams=tuple(n for _, n in teams.get(user.id, [])),
            must_change_password=user.must_change_password, locked=bool(locked_until and locked_until > now),
            last_seen_at=uk_time(user.last_seen_at), failed_logins=user.failed_logins,
        ))
    return rows


def _check_roles_and_teams(session: Session, roles: set[Role], team_ids: set[int]) -> None:
    if not roles:
        raise AdminError("Give the user at least one role.")
    if Role.MANAGER in roles and not team_ids:
        raise AdminError("A manager needs at least one team: they see only the teams they manage.")
    if team_ids and Role.MANAGER not in roles:
        raise AdminError("Managed teams are for managers only: add the manager role or clear the teams.")
    if team_ids:
        found = set(session.exec(select(Team.id).where(col(Team.id).in_(sorted(team_ids)), col(Team.active).is_(True))))
        if found != set(team_ids):
            raise AdminError("Choose active teams only.")


def _user(session: Session, username: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise AdminError(f"No user '{username}'.")
    return user


def create_account(
    session: Session,
    *,
    scope: Scope,
    username: str,
    display_name: str,
    email: str,
    roles: Iterable[Role | str],
    managed_team_ids: Iterable[int],
    temporary_password: str,
) -> User:
    """A new user who must change the temporary password at first sign-in."""
    require_admin(scope)
    roles, team_ids = {Role(r) for r in roles}, set(managed_team_ids)
    if not display_name.strip():
        raise AdminError("Enter the person's name.")
    if email.strip() and "@" not in email:
        raise AdminError("The email address does not look right.")
    _check_roles_and_teams(session, roles, team_ids)
    return create_user(
        session, actor=scope.username, username=username, display_name=display_name, email=email,
        password=temporary_password, roles=roles, managed_team_ids=team_ids, must_change_password=True,
    )


def update_account(
    session: Session,
    *,
    scope: Scope,
    username: str,
    display_name: str,
    email: str,
    roles: Iterable[Role | str],
    managed_team_ids: Iterable[int],
) -> list[str]:
    """Change a user's details, roles and managed teams; return what changed (in words)."""
    require_admin(scope)
    user = _user(session, username)
    roles, team_ids = {Role(r) for r in roles}, set(managed_team_ids)
    if username == scope.username and Role.ADMIN not in roles:
        raise AdminError("You cannot remove your own admin role.")
    if not display_name.strip():
        raise AdminError("Enter the person's name.")
    if email.strip() and "@" not in email:
        raise AdminError("The email address does not look right.")
    _check_roles_and_teams(session, roles, team_ids)
    done = []
    before = {"display_name": user.display_name, "email": user.email}
    after = {"display_name": display_name.strip(), "email": email.strip()}
    old, new = changes(before, after)
    if new:
        user.display_name, user.email = after["display_name"], after["email"]
        record(session, scope.username, "user.update", "user", user.id, before=old, after=new)
        done.append("details")
    if roles != set(roles_of(session, user.id)):
        set_roles(session, actor=scope.username, username=username, roles=roles)
        done.append("roles")
    current_teams = set(session.exec(select(ManagedTeam.team_id).where(ManagedTeam.user_id == user.id)))
    if team_ids != current_teams:
        session.exec(delete(ManagedTeam).where(ManagedTeam.user_id == user.id))
        for team_id in sorted(team_ids):
            session.add(ManagedTeam(user_id=user.id, team_id=team_id))
        record(session, scope.username, "user.teams", "user", user.id,
               before={"teams": sorted(current_teams)}, after={"teams": sorted(team_ids)})
        done.append("teams")
    return done


def set_user_active(session: Session, *, scope: Scope, username: str, active: bool) -> None:
    """Deactivate (out at once, every session ended) or reactivate a user."""
    require_admin(scope)
    user = _user(session, username)
    if username == scope.username and not active:
        raise AdminError("You cannot deactivate yourself.")
    if user.active == active:
        return
    user.active = active
    # A reactivated account starts with no live session: old cookies stay refused.
    user.sessions_valid_after = utcnow()
    record(session, scope.username, "user.activate" if active else "user.deactivate", "user", user.id,
           before={"active": not active}, after={"active": active})


def reset_password(session: Session, *, scope: Scope, username: str, temporary_password: str) -> None:
    """Set a temporary password the user must change at next sign-in; it also lifts a lock-out."""
    require_admin(scope)
    user = _user(session, username)
    if username == scope.username:
        raise AdminError("Change your own password under My account.")
    set_password(session, actor=scope.username, username=username, password=temporary_password, temporary=True)
    user.failed_logins = 0
    user.locked_until = None
