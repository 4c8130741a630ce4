"""What every part of moderation shares: the error, the role checks, the date helpers and
the one join chain from a moderation to its audit, case, team, theme and people."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from sqlalchemy.orm import aliased
from sqlmodel import col

from core.authz import Role, Scope
from db.models import Audit, Case, Moderation, Team, Theme, User

FirstAuditor = aliased(User, name="first_auditor")
Moderator = aliased(User, name="moderator")
Acknowledger = aliased(User, name="acknowledger")


class ModerationError(ValueError):
    """A moderation step that cannot be taken; ``problems`` lists every reason."""

    def __init__(self, *problems: str):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def case_level(scope: Scope) -> None:
    if scope.aggregates_only:
        raise PermissionError("Aggregates only: moderation detail is not available to this role.")


def may_moderate(scope: Scope) -> None:
    if not scope.roles & {Role.AUDITOR, Role.ADMIN}:
        raise PermissionError("Only auditors and administrators organise moderation.")


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def day_of(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def audit_filters(statement, team_ids, theme_ids, auditor_ids):
    """Limit ``statement`` to the chosen teams, themes and first auditors (empty: all)."""
    for column, values in ((Audit.team_id, team_ids), (Audit.theme_id, theme_ids), (Audit.auditor_id, auditor_ids)):
        if values:
            statement = statement.where(col(column).in_(values))
    return statement


def moderation_joins(statement, *, case: bool = True, moderator: bool = True):
    """Join a statement on ``Moderation`` to its audit, and the audit to its team, theme and
    first auditor; with ``case`` its case, with ``moderator`` the moderator (``Moderator``)."""
    statement = statement.join(Audit, Audit.id == Moderation.audit_id)
    if case:
        statement = statement.join(Case, Case.id == Audit.case_id)
    statement = (
        statement.join(Team, Team.id == Audit.team_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(FirstAuditor, FirstAuditor.id == Audit.auditor_id)
    )
    if moderator:
        statement = statement.join(Moderator, Moderator.id == Moderation.moderator_id)
    return statement
