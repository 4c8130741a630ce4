"""The audit form's choices (cases, teams, practitioners, themes and their questions) and
adding a case by its pseudonymised reference."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from core import casereference
from core.audit_rules import INTERNAL, QuestionRule, entry_kinds
from core.authz import Scope
from db.events import record
from db.models import Case, Practitioner, Question, Team, TemplateVersion, Theme
from db.queries.common import in_scope


class AuditEntryError(ValueError):
    """A change that cannot be made (the message says why, in the user's words)."""


@dataclass(frozen=True)
class CaseChoice:
    id: int
    reference: str
    team_id: int
    team: str
    practitioner_id: int | None
    practitioner: str | None


@dataclass(frozen=True)
class ThemeChoice:
    id: int
    code: str
    name: str
    template_version_id: int
    version: int


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


def entry_team_ids(scope: Scope, kind: str) -> frozenset[int] | None:
    """The teams whose cases ``scope`` may audit as ``kind`` (None: every team)."""
    if kind == INTERNAL:
        return scope.managed_team_ids
    return None


def find_cases(session: Session, scope: Scope, kind: str, query: str = "", limit: int = 5000) -> list[CaseChoice]:
    """The type-ahead: cases whose reference contains ``query``, limited to the teams the
    user may audit as ``kind`` (a manager: the teams they manage)."""
    statement = (
        select(Case.id, Case.reference, Case.team_id, Team.name, Case.practitioner_id, Practitioner.name)
        .join(Team, Team.id == Case.team_id)
        .outerjoin(Practitioner, Practitioner.id == Case.practitioner_id)
    )
    teams = entry_team_ids(scope, kind)
    if teams is not None:
        statement = statement.where(col(Case.team_id).in_(sorted(teams) or [-1]))
    statement = in_scope(statement, scope, Case.team_id)
    if query.strip():
        statement = statement.where(func.upper(Case.reference).contains(query.strip().upper()))
    rows = session.exec(statement.order_by(Case.reference).limit(limit)).all()
    return [CaseChoice(*row) for row in rows]


def case_choice(session: Session, case_id: int) -> CaseChoice | None:
    row = session.exec(
        select(Case.id, Case.reference, Case.team_id, Team.name, Case.practitioner_id, Practitioner.name)
        .join(Team, Team.id == Case.team_id)
        .outerjoin(Practitioner, Practitioner.id == Case.practitioner_id)
        .where(Case.id == case_id)
    ).first()
    return CaseChoice(*row) if row else None


def team_choices(session: Session, scope: Scope, kind: str) -> list[Choice]:
    """Teams a new case may be added to."""
    statement = select(Team.id, Team.name).where(col(Team.active).is_(True))
    teams = entry_team_ids(scope, kind)
    if teams is not None:
        statement = statement.where(col(Team.id).in_(sorted(teams) or [-1]))
    return [Choice(*row) for row in session.exec(statement.order_by(Team.name))]


def practitioner_choices(session: Session, team_id: int) -> list[Choice]:
    rows = session.exec(
        select(Practitioner.id, Practitioner.name)
        .where(Practitioner.team_id == team_id, col(Practitioner.active).is_(True))
        .order_by(Practitioner.name)
    )
    return [Choice(*row) for row in rows]


def theme_choices(session: Session) -> list[ThemeChoice]:
    """Active themes with their newest template version (what a new audit uses)."""
    newest = (
        select(TemplateVersion.theme_id, func.max(TemplateVersion.version).label("version"))
        .group_by(TemplateVersion.theme_id)
        .subquery()
    )
    rows = session.exec(
        select(Theme.id, Theme.code, Theme.name, TemplateVersion.id, TemplateVersion.version)
        .join(newest, newest.c.theme_id == Theme.id)
        .join(TemplateVersion, (TemplateVersion.theme_id == Theme.id) & (TemplateVersion.version == newest.c.version))
        .where(col(Theme.active).is_(True))
        .order_by(Theme.name)
    ).all()
    return [ThemeChoice(*row) for row in rows]


def question_rules(session: Session, template_version_id: int) -> list[QuestionRule]:
    """The questions of one template version, in form order."""
    rows = session.exec(
        select(Question).where(Question.template_version_id == template_version_id).order_by(Question.position)
    )
    return [
        QuestionRule(q.id, q.key, q.domain, q.text, q.guidance, q.limiting, q.allow_na, q.position) for q in rows
    ]


def create_case(
    session: Session,
    scope: Scope,
    *,
    reference: str,
    team_id: int | None,
    practitioner_id: int | None,
    kind: str,
) -> CaseChoice:
    """Add a case by its pseudonymised reference; refuse anything that identifies a child."""
    if kind not in entry_kinds(scope.roles):
        raise AuditEntryError("You cannot add cases for audit.")
    normalised = casereference.normalise(reference)  # raises CaseReferenceError (a ValueError) with the reason
    if team_id is None:
        raise AuditEntryError("Choose the case's team.")
    allowed = entry_team_ids(scope, kind)
    if allowed is not None and team_id not in allowed:
        raise AuditEntryError("You can add cases only to the teams you manage.")
    team = session.get(Team, team_id)
    if team is None:
        raise AuditEntryError("That team does not exist.")
    if session.exec(select(Case.id).where(func.upper(Case.reference) == normalised)).first() is not None:
        raise AuditEntryError(f"{normalised} is already a case: pick it from the list.")
    if practitioner_id is not None:
        practitioner = session.get(Practitioner, practitioner_id)
        if practitioner is None or practitioner.team_id != team_id:
            raise AuditEntryError("The allocated practitioner must be in the case's team.")
    case = Case(reference=normalised, team_id=team_id, practitioner_id=practitioner_id,
                service_area=team.service_area)
    session.add(case)
    session.flush()
    record(session, scope.username, "case.create", "case", case.id,
           after={"reference": normalised, "team_id": team_id, "practitioner_id": practitioner_id})
    choice = case_choice(session, case.id)
    if choice is None:  # the row was written above, in this very session
        raise RuntimeError(f"case {case.id} vanished while being created")
    return choice
