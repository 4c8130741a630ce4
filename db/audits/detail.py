"""One audit, read-only, with its answers, actions and moderation state; and logging that
someone opened it (viewing audit data is attributable)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from core.authz import Scope
from db.audits.access import blind_for, visible
from db.audits.choices import case_choice
from db.events import record
from db.models import Answer, Audit, Moderation, Practitioner, Question, RemedialAction, Team, TemplateVersion, Theme, User


@dataclass(frozen=True)
class AnswerView:
    position: int
    domain: str
    text: str
    guidance: str
    grade: int | None
    moderated_grade: int | None
    rationale: str


@dataclass(frozen=True)
class ActionView:
    id: int
    description: str
    owner: str | None
    raised_on: date
    due_on: date
    status: str
    completion_note: str


@dataclass
class AuditDetail:
    """One audit, read-only, with its answers, actions and moderation state."""

    audit_id: int
    case_reference: str
    team: str
    team_id: int
    practitioner: str | None
    theme: str
    template_version: int
    kind: str
    author: str
    author_id: int
    status: str
    work_date: date | None
    audit_date: date | None
    submitted_at: datetime | None
    overall_grade: int | None
    moderated_overall_grade: int | None
    moderation_status: str | None
    overall_rationale: str
    impact_for_child: str
    lived_experience: str
    limiting_override_reason: str
    no_action_reason: str
    learning_points: str
    safeguarding_concern: bool
    safeguarding_action: str
    safeguarding_told: str
    safeguarding_acknowledged_by: str | None
    safeguarding_acknowledged_at: datetime | None
    answers: list[AnswerView]
    actions: list[ActionView]


def audit_detail(session: Session, scope: Scope, audit_id: int) -> AuditDetail | None:
    """One audit for reading; None when the user may not see it (other teams, others' drafts, sponsors)."""
    audit = session.get(Audit, audit_id)
    if not visible(audit, scope) or blind_for(session, scope, audit_id):
        return None
    if audit is None:
        raise RuntimeError("no audit to show")
    case = case_choice(session, audit.case_id)
    theme = session.get(Theme, audit.theme_id)
    version = session.get(TemplateVersion, audit.template_version_id)
    team = session.get(Team, audit.team_id)
    practitioner = session.get(Practitioner, audit.practitioner_id) if audit.practitioner_id else None
    author = session.get(User, audit.auditor_id)
    acknowledged_by = session.get(User, audit.safeguarding_ack_by_id) if audit.safeguarding_ack_by_id else None
    moderation_status = session.exec(select(Moderation.status).where(Moderation.audit_id == audit.id)).first()
    answers = [
        AnswerView(q.position, q.domain, q.text, q.guidance, a.grade if a else None, a.moderated_grade if a else None,
                   a.rationale if a else "")
        for q, a in session.exec(
            select(Question, Answer)
            .outerjoin(Answer, (Answer.question_id == Question.id) & (Answer.audit_id == audit.id))
            .where(Question.template_version_id == audit.template_version_id)
            .order_by(Question.position)
        ).all()
    ]
    actions = [
        ActionView(a.id, a.description, owner, a.raised_on, a.due_on, a.status, a.completion_note)
        for a, owner in session.exec(
            select(RemedialAction, Practitioner.name)
            .outerjoin(Practitioner, Practitioner.id == RemedialAction.owner_id)
            .where(RemedialAction.audit_id == audit.id)
            .order_by(RemedialAction.id)
        ).all()
    ]
    if None in (case, theme, version, team, author):  # foreign keys make this impossible
        raise RuntimeError(f"audit {audit.id} refers to a missing row")
    return AuditDetail(
        audit_id=audit.id, case_reference=case.reference, team=team.name, team_id=audit.team_id,
        practitioner=practitioner.name if practitioner else None, theme=theme.name, template_version=version.version,
        kind=audit.kind, author=author.display_name, author_id=audit.auditor_id, status=audit.status,
        work_date=audit.work_date, audit_date=audit.audit_date, submitted_at=audit.submitted_at,
        overall_grade=audit.overall_grade, moderated_overall_grade=audit.moderated_overall_grade,
        moderation_status=moderation_status, overall_rationale=audit.overall_rationale,
        impact_for_child=audit.impact_for_child, lived_experience=audit.lived_experience,
        limiting_override_reason=audit.limiting_override_reason, no_action_reason=audit.no_action_reason,
        learning_points=audit.learning_points, safeguarding_concern=audit.safeguarding_concern,
        safeguarding_action=audit.safeguarding_action, safeguarding_told=audit.safeguarding_told,
        safeguarding_acknowledged_by=acknowledged_by.display_name if acknowledged_by else None,
        safeguarding_acknowledged_at=audit.safeguarding_ack_at, answers=answers, actions=actions,
    )


def record_view(session: Session, scope: Scope, audit_id: int) -> None:
    """Viewing audit data is attributable: log who opened which audit."""
    record(session, scope.username, "audit.view", "audit", audit_id)
