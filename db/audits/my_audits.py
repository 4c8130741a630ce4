"""My audits: the signed-in user's own drafts and submitted audits, filtered and paged."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.authz import Scope
from db.models import Audit, Case, Moderation, Team, Theme
from db.queries.common import in_scope


@dataclass(frozen=True)
class MyAuditRow:
    audit_id: int
    case_reference: str
    theme: str
    kind: str
    team: str
    audit_date: date | None
    status: str
    overall_grade: int | None
    moderated_overall_grade: int | None
    moderated: bool
    updated_at: datetime
    safeguarding_concern: bool


@dataclass(frozen=True)
class MyAuditFilters:
    """What My audits is filtered by; every field narrows the list."""

    status: str | None = None
    theme_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    reference: str = ""


def _my_audits_where(statement, scope: Scope, filters: MyAuditFilters):
    statement = in_scope(statement.where(Audit.auditor_id == scope.user_id), scope)
    if filters.status:
        statement = statement.where(Audit.status == filters.status)
    if filters.theme_id is not None:
        statement = statement.where(Audit.theme_id == filters.theme_id)
    if filters.date_from is not None:
        statement = statement.where(Audit.audit_date >= filters.date_from)
    if filters.date_to is not None:
        statement = statement.where(Audit.audit_date <= filters.date_to)
    if filters.reference.strip():
        statement = statement.where(func.upper(Case.reference).contains(filters.reference.strip().upper()))
    return statement


def count_my_audits(session: Session, scope: Scope, filters: MyAuditFilters) -> dict[str, int]:
    """How many of the user's audits match, by status ({'draft': n, 'submitted': m})."""
    statement = select(Audit.status, func.count()).select_from(Audit)
    if filters.reference.strip():
        statement = statement.join(Case, Case.id == Audit.case_id)
    statement = _my_audits_where(statement, scope, filters)
    return {"draft": 0, "submitted": 0} | dict(session.exec(statement.group_by(Audit.status)).all())


def my_audits(
    session: Session,
    scope: Scope,
    filters: MyAuditFilters = MyAuditFilters(),
    *,
    limit: int = 50,
    offset: int = 0,
) -> list[MyAuditRow]:
    """One page of the user's own audits matching ``filters``, drafts first then newest."""
    moderation = select(Moderation.audit_id).where(col(Moderation.status).in_(("graded", "completed")))
    statement = _my_audits_where(
        select(Audit.id, Case.reference, Theme.name, Audit.kind, Team.name, Audit.audit_date, Audit.status,
               Audit.overall_grade, Audit.moderated_overall_grade,
               (col(Audit.moderated_overall_grade).is_not(None) | col(Audit.id).in_(moderation)),
               Audit.updated_at, Audit.safeguarding_concern)
        .select_from(Audit)
        .join(Case, Case.id == Audit.case_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(Team, Team.id == Audit.team_id),
        scope, filters,
    )
    if filters.status is None:
        statement = statement.order_by(Audit.status == "submitted")  # drafts first
    statement = statement.order_by(col(Audit.updated_at).desc(), col(Audit.id).desc())
    rows = session.exec(statement.offset(offset).limit(limit)).all()
    return [MyAuditRow(*row[:9], bool(row[9]), *row[10:]) for row in rows]
