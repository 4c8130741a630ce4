"""Safeguarding concerns raised on submitted audits that nobody has acknowledged yet, who may
acknowledge one, and acknowledging it (a write: it takes the caller's ``Session``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.audit_rules import may_acknowledge
from core.authz import Scope
from db.events import record
from db.models import Audit, Case, Team, User, utcnow
from db.queries.common import in_scope


@dataclass(frozen=True)
class Concern:
    """A safeguarding concern nobody has acknowledged yet."""

    audit_id: int
    case_reference: str
    team: str
    team_id: int
    audit_date: date | None
    action_taken: str
    who_was_told: str
    raised_by: str
    raised_by_id: int


def unacknowledged_concerns(session: Session, scope: Scope) -> list[Concern]:
    """Submitted audits with a safeguarding concern nobody has acknowledged, newest first.

    Never for a sponsor-only user: a concern carries a case reference and free text.
    """
    if scope.aggregates_only:
        return []
    statement = (
        select(Audit.id, Case.reference, Team.name, Audit.team_id, Audit.audit_date, Audit.safeguarding_action,
               Audit.safeguarding_told, User.display_name, Audit.auditor_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(User, User.id == Audit.auditor_id)
        .where(Audit.status == "submitted", col(Audit.safeguarding_concern).is_(True),
               col(Audit.safeguarding_ack_at).is_(None))
    )
    rows = session.exec(in_scope(statement, scope).order_by(col(Audit.audit_date).desc(), col(Audit.id).desc())).all()
    return [Concern(*row) for row in rows]


def acknowledgement_refusal(scope: Scope, team_id: int, raised_by_id: int) -> str | None:
    """Why ``scope`` may not acknowledge a concern raised by ``raised_by_id`` on a case of
    ``team_id`` (None: they may)."""
    if not may_acknowledge(scope.roles):
        return "Safeguarding concerns are acknowledged by the team's manager or an auditor."
    if not scope.can_see_team(team_id):
        return "This concern is for a team you do not manage."
    if raised_by_id == scope.user_id:
        return "You raised this concern: someone else (the team's manager or another auditor) acknowledges it."
    return None


def acknowledge_concern(session: Session, scope: Scope, audit_id: int) -> str | None:
    """Acknowledge the safeguarding concern of ``audit_id``; None on success, else why not."""
    concern = next((c for c in unacknowledged_concerns(session, scope) if c.audit_id == audit_id), None)
    if concern is None:
        return "This concern has already been acknowledged, or you cannot see it."
    if (refusal := acknowledgement_refusal(scope, concern.team_id, concern.raised_by_id)) is not None:
        return refusal
    now = utcnow()
    # A bulk UPDATE, so the audit's version does not change: acknowledging a concern
    # must not make its author's next amendment look like a conflict.
    session.execute(
        update(Audit)
        .where(col(Audit.id) == audit_id, col(Audit.safeguarding_ack_at).is_(None))
        .values(safeguarding_ack_by_id=scope.user_id, safeguarding_ack_at=now)
    )
    record(session, scope.username, "audit.safeguarding_ack", "audit", audit_id,
           before={"safeguarding_ack_at": None}, after={"safeguarding_ack_at": now})
    return None
