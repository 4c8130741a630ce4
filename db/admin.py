"""Administration: users, teams, practitioners, case import, the event log and audit templates.

Every function takes the signed-in user's ``Scope`` and refuses anyone without the
role the administration pages need (admin; support may also import cases). Every
change records an event in the same transaction as the change, so callers run the
writers inside one ``db.engine.write_session()``. The event log is read-only here:
there is no function that changes it, and the database refuses UPDATE and DELETE.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, delete, select

from core import case_import as ci
from core.case_file import RawTable
from core.authz import Role, Scope
from core.exports import to_csv, to_xlsx
from core.templates import TemplateError, TemplateSpec, parse_template
from db.events import changes, record
from db.models import (
    Audit,
    Case,
    Event,
    ManagedTeam,
    Practitioner,
    PractitionerMove,
    Question,
    TemplateVersion,
    Team,
    Theme,
    User,
    UserRole,
    utcnow,
)
from db.templates import latest_version, load_template, questions_of
from db.users import UserError, create_user, get_user, roles_of, set_password, set_roles

try:  # UK users read UK times; fall back to UTC where the time-zone database is missing.
    from zoneinfo import ZoneInfo

    LOCAL_TZ = ZoneInfo("Europe/London")
except Exception:  # pragma: no cover - depends on the machine
    LOCAL_TZ = timezone.utc


def uk_time(value: datetime | None) -> datetime | None:
    """A stored (UTC) moment as UK wall-clock time, for showing to people."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None)


class AdminError(UserError):
    """An administrative change that cannot be made; the message says why."""


def _require(scope: Scope, *roles: Role) -> None:
    if not scope.roles & set(roles):
        raise PermissionError(f"{scope.username} may not do this ({', '.join(r.value for r in roles)} only).")


def _require_admin(scope: Scope) -> None:
    _require(scope, Role.ADMIN)


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
    _require_admin(scope)
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
    _require_admin(scope)
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
    _require_admin(scope)
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
    _require_admin(scope)
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
    _require_admin(scope)
    user = _user(session, username)
    if username == scope.username:
        raise AdminError("Change your own password under My account.")
    set_password(session, actor=scope.username, username=username, password=temporary_password, temporary=True)
    user.failed_logins = 0
    user.locked_until = None


# ================================================================== teams and practitioners
@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str
    service_area: str
    active: bool
    practitioners: int
    cases: int
    managers: tuple[str, ...]


def list_teams(session: Session, scope: Scope, *, active_only: bool = False) -> list[TeamRow]:
    _require(scope, Role.ADMIN, Role.SUPPORT)
    practitioners = dict(session.exec(
        select(Practitioner.team_id, func.count()).where(col(Practitioner.active).is_(True)).group_by(Practitioner.team_id)
    ).all())
    cases = dict(session.exec(select(Case.team_id, func.count()).group_by(Case.team_id)).all())
    managers: dict[int, list[str]] = {}
    for team_id, name in session.exec(
        select(ManagedTeam.team_id, User.display_name).join(User, User.id == ManagedTeam.user_id)
        .where(col(User.active).is_(True)).order_by(User.display_name)
    ):
        managers.setdefault(team_id, []).append(name)
    query = select(Team).order_by(col(Team.active).desc(), Team.name)
    if active_only:
        query = query.where(col(Team.active).is_(True))
    return [
        TeamRow(t.id, t.name, t.service_area, t.active, practitioners.get(t.id, 0), cases.get(t.id, 0),
                tuple(managers.get(t.id, [])))
        for t in session.exec(query)
    ]


def _team(session: Session, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise AdminError("No such team.")
    return team


def _check_team_name(session: Session, name: str, service_area: str, team_id: int | None = None) -> tuple[str, str]:
    name, service_area = " ".join(name.split()), " ".join(service_area.split())
    if problem := ci.name_problem(name, "team name"):
        raise AdminError(problem)
    if service_area and (problem := ci.name_problem(service_area, "service area")):
        raise AdminError(problem)
    clash = session.exec(select(Team).where(func.lower(Team.name) == name.lower())).first()
    if clash is not None and clash.id != team_id:
        raise AdminError(f"There is already a team called '{clash.name}'.")
    return name, service_area


def create_team(session: Session, *, scope: Scope, name: str, service_area: str = "") -> Team:
    _require_admin(scope)
    name, service_area = _check_team_name(session, name, service_area)
    team = Team(name=name, service_area=service_area)
    session.add(team)
    session.flush()
    record(session, scope.username, "team.create", "team", team.id, after={"name": name, "service_area": service_area})
    return team


def update_team(session: Session, *, scope: Scope, team_id: int, name: str, service_area: str) -> None:
    """Rename a team or change its service area. Audits point at the team, so they follow the new name."""
    _require_admin(scope)
    team = _team(session, team_id)
    name, service_area = _check_team_name(session, name, service_area, team_id)
    old, new = changes({"name": team.name, "service_area": team.service_area}, {"name": name, "service_area": service_area})
    if not new:
        return
    team.name, team.service_area = name, service_area
    record(session, scope.username, "team.update", "team", team.id, before=old, after=new)


def set_team_active(session: Session, *, scope: Scope, team_id: int, active: bool) -> None:
    _require_admin(scope)
    team = _team(session, team_id)
    if team.active == active:
        return
    if not active:
        staff = session.exec(select(func.count()).select_from(Practitioner).where(
            Practitioner.team_id == team_id, col(Practitioner.active).is_(True))).one()
        if staff:
            raise AdminError(
                f"{team.name} still has {staff} active practitioner(s): move or deactivate them first."
            )
    team.active = active
    record(session, scope.username, "team.activate" if active else "team.deactivate", "team", team.id,
           before={"active": not active}, after={"active": active})


@dataclass(frozen=True)
class PractitionerRow:
    id: int
    name: str
    team_id: int
    team: str
    active: bool
    cases: int
    audits: int


def list_practitioners(session: Session, scope: Scope, *, team_id: int | None = None) -> list[PractitionerRow]:
    _require_admin(scope)
    cases = dict(session.exec(
        select(Case.practitioner_id, func.count()).where(col(Case.practitioner_id).is_not(None))
        .group_by(Case.practitioner_id)
    ).all())
    audits = dict(session.exec(
        select(Audit.practitioner_id, func.count()).where(col(Audit.practitioner_id).is_not(None))
        .group_by(Audit.practitioner_id)
    ).all())
    query = select(Practitioner, Team.name).join(Team, Team.id == Practitioner.team_id)
    if team_id is not None:
        query = query.where(Practitioner.team_id == team_id)
    query = query.order_by(col(Practitioner.active).desc(), Team.name, Practitioner.name)
    return [
        PractitionerRow(p.id, p.name, p.team_id, team, p.active, cases.get(p.id, 0), audits.get(p.id, 0))
        for p, team in session.exec(query)
    ]


def _practitioner(session: Session, practitioner_id: int) -> Practitioner:
    practitioner = session.get(Practitioner, practitioner_id)
    if practitioner is None:
        raise AdminError("No such practitioner.")
    return practitioner


def _active_team(session: Session, team_id: int) -> Team:
    team = _team(session, team_id)
    if not team.active:
        raise AdminError(f"{team.name} is deactivated; choose an active team.")
    return team


def _actor_id(session: Session, scope: Scope) -> int | None:
    return session.exec(select(User.id).where(User.username == scope.username)).first()


def create_practitioner(session: Session, *, scope: Scope, name: str, team_id: int, on: date) -> Practitioner:
    """A new practitioner in an active team; their first team is kept as the start of their history."""
    _require_admin(scope)
    return _new_practitioner(session, scope=scope, name=name, team_id=team_id, on=on)


def _new_practitioner(session: Session, *, scope: Scope, name: str, team_id: int, on: date,
                      log: bool = True) -> Practitioner:
    name = " ".join(name.split())
    if problem := ci.name_problem(name, "name"):
        raise AdminError(problem)
    team = _active_team(session, team_id)
    practitioner = Practitioner(name=name, team_id=team.id)
    session.add(practitioner)
    session.flush()
    session.add(PractitionerMove(practitioner_id=practitioner.id, from_team_id=None, to_team_id=team.id, moved_on=on,
                                 moved_by_id=_actor_id(session, scope)))
    if log:
        record(session, scope.username, "practitioner.create", "practitioner", practitioner.id,
               after={"name": name, "team": team.name})
    return practitioner


def rename_practitioner(session: Session, *, scope: Scope, practitioner_id: int, name: str) -> None:
    _require_admin(scope)
    practitioner = _practitioner(session, practitioner_id)
    name = " ".join(name.split())
    if problem := ci.name_problem(name, "name"):
        raise AdminError(problem)
    if name == practitioner.name:
        return
    record(session, scope.username, "practitioner.rename", "practitioner", practitioner.id,
           before={"name": practitioner.name}, after={"name": name})
    practitioner.name = name


def set_practitioner_active(session: Session, *, scope: Scope, practitioner_id: int, active: bool) -> None:
    _require_admin(scope)
    practitioner = _practitioner(session, practitioner_id)
    if practitioner.active == active:
        return
    if active:
        _active_team(session, practitioner.team_id)
    practitioner.active = active
    record(session, scope.username, "practitioner.activate" if active else "practitioner.deactivate", "practitioner",
           practitioner.id, before={"active": not active}, after={"active": active})


@dataclass(frozen=True)
class MoveResult:
    from_team: str
    to_team: str
    cases_left_behind: int  # cases of the old team still allocated to the practitioner


def move_practitioner(session: Session, *, scope: Scope, practitioner_id: int, to_team_id: int, moved_on: date,
                      today: date) -> MoveResult:
    """Move a practitioner to another team from ``moved_on``. Audits keep the team they were done
    in (they store it); the practitioner's cases are left as they are, for the council to reallocate."""
    _require_admin(scope)
    practitioner = _practitioner(session, practitioner_id)
    if not practitioner.active:
        raise AdminError("Reactivate the practitioner before moving them.")
    if practitioner.team_id == to_team_id:
        raise AdminError("The practitioner is already in that team.")
    target = _active_team(session, to_team_id)
    if moved_on > today:
        raise AdminError("A move cannot be dated in the future.")
    last = session.exec(select(func.max(PractitionerMove.moved_on)).where(
        PractitionerMove.practitioner_id == practitioner_id)).one()
    if last is not None and moved_on < last:
        raise AdminError(f"The practitioner's last move was on {last:%d %b %Y}; date this one on or after it.")
    source = _team(session, practitioner.team_id)
    session.add(PractitionerMove(practitioner_id=practitioner_id, from_team_id=source.id, to_team_id=target.id,
                                 moved_on=moved_on, moved_by_id=_actor_id(session, scope)))
    practitioner.team_id = target.id
    left = session.exec(select(func.count()).select_from(Case).where(
        Case.practitioner_id == practitioner_id, Case.team_id == source.id)).one()
    record(session, scope.username, "practitioner.move", "practitioner", practitioner_id,
           before={"team": source.name}, after={"team": target.name, "moved_on": moved_on})
    return MoveResult(source.name, target.name, left)


@dataclass(frozen=True)
class MoveRow:
    moved_on: date
    from_team: str
    to_team: str
    moved_by: str


def practitioner_history(session: Session, scope: Scope, practitioner_id: int) -> list[MoveRow]:
    _require_admin(scope)
    names = dict(session.exec(select(Team.id, Team.name)).all())
    users = dict(session.exec(select(User.id, User.display_name)).all())
    moves = session.exec(select(PractitionerMove).where(PractitionerMove.practitioner_id == practitioner_id)
                         .order_by(PractitionerMove.moved_on, PractitionerMove.id))
    return [
        MoveRow(m.moved_on, names.get(m.from_team_id, "(joined)") if m.from_team_id else "(joined)",
                names.get(m.to_team_id, "?"), users.get(m.moved_by_id, "") if m.moved_by_id else "")
        for m in moves
    ]


# ================================================================== case import
def _require_importer(scope: Scope) -> None:
    _require(scope, Role.ADMIN, Role.SUPPORT)
    if scope.team_ids is not None:  # an importer sees every team; never the case for admin or support
        raise PermissionError("A case import needs access to every team.")


def import_directory(session: Session, references: Iterable[str]) -> ci.Directory:
    """The teams, practitioners and already-stored cases (of ``references``) an import is checked against."""
    teams = tuple(ci.KnownTeam(t.id, t.name, t.service_area, t.active) for t in session.exec(select(Team)))
    practitioners = tuple(
        ci.KnownPractitioner(p.id, p.name, p.team_id, p.active) for p in session.exec(select(Practitioner))
    )
    wanted = sorted(set(references))
    cases: dict[str, ci.KnownCase] = {}
    for start in range(0, len(wanted), 500):  # keep each IN list well below any driver's parameter limit
        chunk = wanted[start:start + 500]
        for c in session.exec(select(Case).where(col(Case.reference).in_(chunk))):
            cases[c.reference] = ci.KnownCase(c.reference, c.team_id, c.practitioner_id, c.service_area)
    return ci.Directory(teams, practitioners, cases)


def preview_case_import(session: Session, scope: Scope, table: RawTable) -> ci.ImportPreview:
    """What importing ``table`` would do; writes nothing."""
    _require_importer(scope)
    return ci.plan_import(table, import_directory(session, ci.iter_references(table)))


class ImportChanged(AdminError):
    """The data changed between the preview and the confirmation."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    skipped: int
    practitioners_created: tuple[str, ...]


def _write_case(session: Session, row: ci.PlannedRow, practitioner_id: int | None, existing: dict[str, Case]) -> None:
    """Create or update one case of a confirmed import, in the caller's transaction."""
    if row.action == ci.CREATE:
        session.add(Case(reference=row.reference, team_id=row.team_id, practitioner_id=practitioner_id,
                         service_area=row.service_area))
    else:
        case = existing[row.reference]
        case.team_id, case.practitioner_id, case.service_area = row.team_id, practitioner_id, row.service_area


def apply_case_import(
    session: Session, *, scope: Scope, table: RawTable, confirmed: ci.ImportPreview, today: date
) -> ImportResult:
    """Write every valid row of ``table``, all or nothing, in the caller's (one) transaction.

    The plan is made again inside the transaction; if it differs from the preview
    the user confirmed (someone changed teams or cases meanwhile), nothing is written.
    """
    _require_importer(scope)
    preview = ci.plan_import(table, import_directory(session, ci.iter_references(table)))
    if preview.fingerprint != confirmed.fingerprint:
        raise ImportChanged("Teams, practitioners or cases changed since the preview. Check the new preview and "
                            "confirm again; nothing was imported.")
    rows = preview.to_write
    if not rows:
        raise AdminError("Nothing to import: no row would create or update a case.")
    new_ids: dict[tuple[str, int], int] = {}
    for name, team_id in preview.new_practitioners:
        key = (" ".join(name.split()).casefold(), team_id)
        if key not in new_ids:
            new_ids[key] = _new_practitioner(session, scope=scope, name=name, team_id=team_id, on=today, log=False).id
    updated = sorted(r.reference for r in rows if r.action == ci.UPDATE)
    existing: dict[str, Case] = {}
    for start in range(0, len(updated), 500):
        existing.update((c.reference, c) for c in session.exec(
            select(Case).where(col(Case.reference).in_(updated[start:start + 500]))))
    for number, row in enumerate(rows, start=1):
        practitioner_id = row.practitioner_id
        if row.new_practitioner:
            practitioner_id = new_ids[(" ".join(row.practitioner.split()).casefold(), row.team_id)]
        _write_case(session, row, practitioner_id, existing)
        if number % 500 == 0:
            session.flush()  # in batches: one statement per row would be slow for a council's whole list
    session.flush()
    counts = ci.summary(preview)
    created_names = tuple(dict.fromkeys(name for name, _ in preview.new_practitioners))
    record(session, scope.username, "case.import", "case_import", table.filename[:40], after={
        "file": table.filename,
        "encoding": table.encoding,
        "counts": counts,
        "practitioners_created": list(created_names),
        "created": [r.reference for r in rows if r.action == ci.CREATE],
        "updated": [{"reference": r.reference, "changes": list(r.changes)} for r in rows if r.action == ci.UPDATE],
        "skipped_rows": [r.row for r in preview.rows if r.action == ci.SKIP],
    })
    return ImportResult(counts[ci.CREATE], counts[ci.UPDATE], counts[ci.UNCHANGED], counts[ci.SKIP], created_names)


# ================================================================== the event log
@dataclass(frozen=True)
class EventFilter:
    username: str | None = None
    object_type: str | None = None
    object_id: str | None = None  # an object's id, or a username for that user's events
    action: str | None = None  # part of the action name, e.g. "user." or "import"
    date_from: date | None = None  # UK dates, inclusive
    date_to: date | None = None


@dataclass(frozen=True)
class EventRow:
    id: int
    at: datetime  # UK local time
    username: str
    action: str
    object_type: str
    object_id: str
    before: str
    after: str


EVENT_COLUMNS = ["Id", "When (UK time)", "User", "Action", "Object", "Object id", "Before", "After"]


def _uk_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def _filtered(statement, filters: EventFilter, user_id: int | None = None):
    if filters.username:
        statement = statement.where(Event.username == filters.username)
    if filters.object_type:
        statement = statement.where(Event.object_type == filters.object_type)
    if filters.object_id:
        wanted = Event.object_id == filters.object_id.strip()
        if user_id is not None:  # a username typed as the object: that user's events too
            wanted = or_(wanted, and_(Event.object_type == "user", Event.object_id == str(user_id)))
        statement = statement.where(wanted)
    if filters.action:
        statement = statement.where(col(Event.action).contains(filters.action.strip(), autoescape=True))
    if filters.date_from:
        statement = statement.where(Event.at >= _uk_midnight_utc(filters.date_from))
    if filters.date_to:
        statement = statement.where(Event.at < _uk_midnight_utc(filters.date_to + timedelta(days=1)))
    return statement


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _event_row(event: Event) -> EventRow:
    return EventRow(event.id, uk_time(event.at), event.username, event.action,
                    event.object_type, event.object_id, _json(event.before), _json(event.after))


def event_filter_options(session: Session, scope: Scope) -> tuple[list[str], list[str]]:
    """The usernames and object types present in the log, for the search filters."""
    _require_admin(scope)
    users = list(session.exec(select(Event.username).distinct().order_by(Event.username)))
    objects = list(session.exec(select(Event.object_type).distinct().order_by(Event.object_type)))
    return users, objects


def search_events(session: Session, scope: Scope, filters: EventFilter, *, limit: int | None = 500
                  ) -> tuple[list[EventRow], int]:
    """The newest events matching ``filters`` (at most ``limit``) and how many match in all."""
    _require_admin(scope)
    user_id = None
    if filters.object_id and not filters.object_id.strip().isdigit():
        user_id = session.exec(select(User.id).where(User.username == filters.object_id.strip().lower())).first()
    total = session.exec(_filtered(select(func.count()).select_from(Event), filters, user_id)).one()
    query = _filtered(select(Event), filters, user_id).order_by(col(Event.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return [_event_row(e) for e in session.exec(query)], total


def export_events(session: Session, scope: Scope, filters: EventFilter, fmt: str) -> bytes:
    """Every event matching ``filters`` as CSV or Excel, neutralised against formula injection."""
    rows, _ = search_events(session, scope, filters, limit=None)
    table = [[r.id, r.at, r.username, r.action, r.object_type, r.object_id, r.before, r.after] for r in rows]
    if fmt == "xlsx":
        return to_xlsx({"Event log": (EVENT_COLUMNS, table)})
    return to_csv(EVENT_COLUMNS, table)


def record_event_export(session: Session, scope: Scope, filters: EventFilter, fmt: str) -> None:
    """The export itself is logged: who took a copy of the trail, with which filters."""
    _require_admin(scope)
    record(session, scope.username, "event_log.export", "event_log", "", after={
        "format": fmt, **{k: v for k, v in filters.__dict__.items() if v}})


# ================================================================== audit templates
@dataclass(frozen=True)
class TemplateRow:
    id: int
    theme_code: str
    theme: str
    version: int
    description: str
    questions: int
    audits: int
    loaded_at: datetime  # UK time
    loaded_by: str
    latest: bool


def template_versions(session: Session, scope: Scope) -> list[TemplateRow]:
    _require_admin(scope)
    questions = dict(session.exec(select(Question.template_version_id, func.count())
                                  .group_by(Question.template_version_id)).all())
    audits = dict(session.exec(select(Audit.template_version_id, func.count())
                               .group_by(Audit.template_version_id)).all())
    users = dict(session.exec(select(User.id, User.display_name)).all())
    newest = dict(session.exec(select(TemplateVersion.theme_id, func.max(TemplateVersion.version))
                               .group_by(TemplateVersion.theme_id)).all())
    rows = session.exec(select(TemplateVersion, Theme).join(Theme, Theme.id == TemplateVersion.theme_id)
                        .order_by(Theme.name, col(TemplateVersion.version).desc()))
    return [
        TemplateRow(v.id, t.code, t.name, v.version, v.description, questions.get(v.id, 0), audits.get(v.id, 0),
                    uk_time(v.loaded_at), users.get(v.loaded_by_id, "bundled file") if v.loaded_by_id else "bundled file",
                    newest.get(t.id) == v.version)
        for v, t in rows
    ]


def template_questions(session: Session, scope: Scope, template_version_id: int) -> list[Question]:
    _require_admin(scope)
    return questions_of(session, template_version_id)


@dataclass(frozen=True)
class TemplateCheck:
    spec: TemplateSpec | None
    problems: tuple[str, ...]
    current_version: int | None  # the theme's newest loaded version, None for a new theme


def decode_template_upload(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(f"The file is not UTF-8 text (byte {exc.start + 1}). Save it as UTF-8.") from exc


def check_template_upload(session: Session, scope: Scope, data: bytes) -> TemplateCheck:
    """Validate an uploaded template file without loading it: every problem, listed."""
    _require_admin(scope)
    try:
        spec = parse_template(decode_template_upload(data), source="uploaded file")
    except TemplateError as error:
        text = str(error).removeprefix("uploaded file: ")
        return TemplateCheck(None, tuple(p.strip() for p in text.split("; ") if p.strip()), None)
    theme = session.exec(select(Theme).where(Theme.code == spec.theme)).first()
    newest = latest_version(session, theme.id) if theme else None
    problems = ()
    if newest is not None and spec.version <= newest.version:
        problems = (f"{spec.name} is already at version {newest.version}; a changed template needs version "
                    f"{newest.version + 1} or higher.",)
    return TemplateCheck(spec, problems, newest.version if newest else None)


def load_template_upload(session: Session, *, scope: Scope, data: bytes) -> TemplateVersion:
    """Load an uploaded template file as a new version (validated again, in this transaction)."""
    _require_admin(scope)
    text = decode_template_upload(data)
    spec = parse_template(text, source="uploaded file")
    return load_template(session, spec, actor=scope.username, source_text=text, loaded_by_id=_actor_id(session, scope))
