"""Administration of teams and practitioners (the Teams page): create, rename, deactivate,
and move a practitioner between teams with the date of the move kept in their history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from core import case_import as ci
from core.authz import Role, Scope
from core.periods import counted
from db.admin import AdminError, actor_id, require_admin, require_role
from db.events import changes, record
from db.models import Audit, Case, ManagedTeam, Practitioner, PractitionerMove, Team, User


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
    require_role(scope, Role.ADMIN, Role.SUPPORT)
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
    require_admin(scope)
    name, service_area = _check_team_name(session, name, service_area)
    team = Team(name=name, service_area=service_area)
    session.add(team)
    session.flush()
    record(session, scope.username, "team.create", "team", team.id, after={"name": name, "service_area": service_area})
    return team


def update_team(session: Session, *, scope: Scope, team_id: int, name: str, service_area: str) -> None:
    """Rename a team or change its service area. Audits point at the team, so they follow the new name."""
    require_admin(scope)
    team = _team(session, team_id)
    name, service_area = _check_team_name(session, name, service_area, team_id)
    old, new = changes({"name": team.name, "service_area": team.service_area}, {"name": name, "service_area": service_area})
    if not new:
        return
    team.name, team.service_area = name, service_area
    record(session, scope.username, "team.update", "team", team.id, before=old, after=new)


def set_team_active(session: Session, *, scope: Scope, team_id: int, active: bool) -> None:
    require_admin(scope)
    team = _team(session, team_id)
    if team.active == active:
        return
    if not active:
        staff = session.exec(select(func.count()).select_from(Practitioner).where(
            Practitioner.team_id == team_id, col(Practitioner.active).is_(True))).one()
        if staff:
            raise AdminError(
                f"{team.name} still has {counted(staff, 'active practitioner')}: move or deactivate them first."
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
    require_admin(scope)
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


def create_practitioner(session: Session, *, scope: Scope, name: str, team_id: int, on: date) -> Practitioner:
    """A new practitioner in an active team; their first team is kept as the start of their history."""
    require_admin(scope)
    return new_practitioner(session, scope=scope, name=name, team_id=team_id, on=on)


def new_practitioner(session: Session, *, scope: Scope, name: str, team_id: int, on: date,
                      log: bool = True) -> Practitioner:
    name = " ".join(name.split())
    if problem := ci.name_problem(name, "name"):
        raise AdminError(problem)
    team = _active_team(session, team_id)
    practitioner = Practitioner(name=name, team_id=team.id)
    session.add(practitioner)
    session.flush()
    session.add(PractitionerMove(practitioner_id=practitioner.id, from_team_id=None, to_team_id=team.id, moved_on=on,
                                 moved_by_id=actor_id(session, scope)))
    if log:
        record(session, scope.username, "practitioner.create", "practitioner", practitioner.id,
               after={"name": name, "team": team.name})
    return practitioner


def rename_practitioner(session: Session, *, scope: Scope, practitioner_id: int, name: str) -> None:
    require_admin(scope)
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
    require_admin(scope)
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
    require_admin(scope)
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
                                 moved_on=moved_on, moved_by_id=actor_id(session, scope)))
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
    require_admin(scope)
    names = dict(session.exec(select(Team.id, Team.name)).all())
    users = dict(session.exec(select(User.id, User.display_name)).all())
    moves = session.exec(select(PractitionerMove).where(PractitionerMove.practitioner_id == practitioner_id)
                         .order_by(PractitionerMove.moved_on, PractitionerMove.id))
    return [
        MoveRow(m.moved_on, names.get(m.from_team_id, "(joined)") if m.from_team_id else "(joined)",
                names.get(m.to_team_id, "?"), users.get(m.moved_by_id, "") if m.moved_by_id else "")
        for m in moves
    ]
