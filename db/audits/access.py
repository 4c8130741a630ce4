"""Who may see an audit, who may change it, and whether a moderator may not yet see its grades."""
from __future__ import annotations

from sqlmodel import Session, select

from core.audit_rules import INTERNAL, entry_kinds
from core.authz import Scope
from db.models import Audit, Moderation


def visible(audit: Audit | None, scope: Scope) -> bool:
    if audit is None or scope.aggregates_only or not scope.can_see_team(audit.team_id):
        return False
    # A draft is its author's own work in progress.
    return audit.status == "submitted" or audit.auditor_id == scope.user_id


def is_moderated(session: Session, audit: Audit) -> bool:
    """Moderated: a moderator has graded it (or an agreed grade exists). From then on it is fixed."""
    if audit.moderated_overall_grade is not None:
        return True
    status = session.exec(select(Moderation.status).where(Moderation.audit_id == audit.id)).first()
    return status in ("graded", "completed")


def edit_refusal(session: Session, audit: Audit, scope: Scope) -> str | None:
    """Why ``scope`` may not change ``audit`` (None: they may)."""
    if audit.auditor_id != scope.user_id:
        return "Only the auditor who entered this audit can change it; you see it read-only."
    if audit.kind not in entry_kinds(scope.roles):
        return "Your roles no longer allow entering this kind of audit."
    if audit.kind == INTERNAL and audit.team_id not in scope.managed_team_ids:
        return "You no longer manage this team, so you cannot change its audits."
    if audit.status == "submitted" and is_moderated(session, audit):
        return "This audit has been moderated, so it can no longer be amended."
    return None


def blind_for(session: Session, scope: Scope, audit_id: int) -> bool:
    """Whether ``scope``'s user is moderating this audit and has not yet submitted their
    blind grades: until then no page may show them its first grades."""
    return session.exec(
        select(Moderation.id).where(
            Moderation.audit_id == audit_id, Moderation.moderator_id == scope.user_id, Moderation.status == "assigned"
        )
    ).first() is not None
