"""Blind grading, the side-by-side comparison, agreed grades and acknowledgement."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.authz import Role, Scope
from core.moderation import ComparisonLine, QuestionRule, disagreements_first, grading_problems
from db.events import record
from db.models import Answer, Audit, Case, Moderation, ModerationAnswer, Practitioner, Question, Team, Theme, User, \
    utcnow
from db.moderation.common import FirstAuditor, ModerationError, Moderator, case_level, moderation_joins
from db.queries.common import in_scope
from db.rollups import apply as apply_to_rollup
from db.rollups import contribution, refresh_agreement

# ------------------------------------------------------------------ blind grading
@dataclass(frozen=True)
class BlindQuestion:
    question_id: int
    position: int
    domain: str
    text: str
    guidance: str
    allow_na: bool
    limiting: bool


@dataclass(frozen=True)
class CaseDetails:
    """What the moderator may see before grading: the case and its dates, no judgement."""

    moderation_id: int
    audit_id: int
    status: str
    moderator_id: int
    moderator: str
    case_reference: str
    team: str
    theme: str
    practitioner: str
    first_auditor: str
    kind: str
    work_date: date | None
    audit_date: date | None
    sample_label: str


@dataclass(frozen=True)
class BlindCase:
    details: CaseDetails
    questions: list[BlindQuestion]


def _details_of(session: Session, scope: Scope | None, moderation_ids: list[int]) -> dict[int, CaseDetails]:
    """The case details of moderations, by id; limited to ``scope``'s teams unless the caller
    has already decided the user may see them (``scope=None``)."""
    statement = (
        moderation_joins(select(
            Moderation.id, Audit.id, Moderation.status, Moderation.moderator_id, Moderator.display_name,
            Case.reference, Team.name, Theme.name, Practitioner.name, FirstAuditor.display_name, Audit.kind,
            Audit.work_date, Audit.audit_date, Moderation.sample_label,
        ))
        .outerjoin(Practitioner, Practitioner.id == Audit.practitioner_id)
        .where(col(Moderation.id).in_(moderation_ids))
    )
    details = {}
    for row in session.exec(statement if scope is None else in_scope(statement, scope)):
        values = list(row)
        values[8] = values[8] or "Not recorded"  # the practitioner
        details[values[0]] = CaseDetails(*values)
    return details


def _details(session: Session, scope: Scope | None, moderation_id: int) -> CaseDetails:
    """The case details of one moderation (see ``_details_of``), or a ModerationError."""
    details = _details_of(session, scope, [moderation_id]).get(moderation_id)
    if details is None:
        raise ModerationError("No such moderation, or not one you may see.")
    return details


def moderation_details(session: Session, scope: Scope, moderation_id: int) -> CaseDetails:
    """A moderation's case details and status (no grades), within the user's teams."""
    case_level(scope)
    return _details(session, scope, moderation_id)


def _questions(session: Session, audit_id: int) -> list[BlindQuestion]:
    rows = session.exec(
        select(Question.id, Question.position, Question.domain, Question.text, Question.guidance, Question.allow_na,
               Question.limiting)
        .join(Audit, Audit.template_version_id == Question.template_version_id)
        .where(Audit.id == audit_id).order_by(Question.position)
    ).all()
    return [BlindQuestion(*row) for row in rows]


def load_blind(session: Session, scope: Scope, moderation_id: int) -> BlindCase:
    """The case details and questions for blind grading: no first grade, no first rationale.

    Only the assigned moderator, and only while the moderation is ``assigned``.
    """
    case_level(scope)
    details = _details(session, scope, moderation_id)
    if details.moderator_id != scope.user_id:
        raise ModerationError("Only the assigned moderator grades this audit.")
    if details.status != "assigned":
        raise ModerationError("Your blind grades are already in: open the comparison.")
    return BlindCase(details, _questions(session, details.audit_id))


def submit_blind(
    session: Session,
    scope: Scope,
    moderation_id: int,
    *,
    grades: dict[int, int | None],
    rationales: dict[int, str],
    overall: int | None,
    overall_rationale: str,
) -> None:
    """Save the moderator's blind grades (status assigned -> graded); the comparison opens."""
    blind = load_blind(session, scope, moderation_id)
    audit_author = session.exec(select(Audit.auditor_id).where(Audit.id == blind.details.audit_id)).one()
    if audit_author == scope.user_id:
        raise ModerationError("Nobody moderates their own audit.")
    rules = [QuestionRule(q.question_id, q.allow_na) for q in blind.questions]
    numbers = {q.question_id: q.position for q in blind.questions}
    problems = grading_problems(rules, grades, overall, overall_rationale=overall_rationale, question_numbers=numbers)
    if problems:
        raise ModerationError(*problems)
    now = utcnow()
    moved = session.exec(
        update(Moderation)
        .where(Moderation.id == moderation_id, Moderation.status == "assigned")
        .values(status="graded", graded_at=now, moderator_overall_grade=overall,
                moderator_overall_rationale=overall_rationale.strip())
    )
    if moved.rowcount != 1:
        raise ModerationError("These grades were already submitted (perhaps in another window).")
    for question in blind.questions:
        session.add(ModerationAnswer(
            moderation_id=moderation_id, question_id=question.question_id, moderator_grade=grades[question.question_id],
            moderator_rationale=(rationales.get(question.question_id) or "").strip(),
        ))
    record(session, scope.username, "moderation.graded", "moderation", moderation_id,
           before={"status": "assigned"},
           after={"status": "graded", "overall": overall,
                  "grades": {str(q.question_id): grades[q.question_id] for q in blind.questions}})


# ------------------------------------------------------------------ the comparison
@dataclass(frozen=True)
class Comparison:
    details: CaseDetails
    lines: list[ComparisonLine]  # disagreements first
    first_overall: int | None
    first_overall_rationale: str
    moderator_overall: int | None
    moderator_overall_rationale: str
    agreed_overall: int | None
    feedback: str
    moderator: str
    first_auditor_id: int
    team_id: int
    graded_at: datetime | None
    completed_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @property
    def disagreements(self) -> int:
        return sum(1 for line in self.lines if line.disagrees)

    @property
    def overall_difference(self) -> int | None:
        if self.first_overall is None or self.moderator_overall is None:
            return None
        return self.first_overall - self.moderator_overall

    @property
    def changed_by_moderation(self) -> int:
        """Questions whose agreed grade differs from the first grade."""
        return sum(1 for line in self.lines if line.agreed_grade is not None and line.agreed_grade != line.first_grade)


def may_acknowledge(scope: Scope, comparison: Comparison) -> bool:
    """The first auditor, or a manager of the audit's team, once the moderation is complete."""
    if comparison.details.status != "completed" or comparison.acknowledged_at is not None:
        return False
    return comparison.first_auditor_id == scope.user_id or (
        Role.MANAGER in scope.roles and comparison.team_id in scope.managed_team_ids
    )


def load_comparison(session: Session, scope: Scope, moderation_id: int) -> Comparison:
    """First and moderator's grades side by side. Refused until the blind grades are in.

    A graded (not yet completed) comparison is for its moderator and administrators;
    a completed one for anyone who sees the team, and the first auditor.
    """
    return load_comparisons(session, scope, [moderation_id])[moderation_id]


# Moderations per statement: each IN list stays far below SQLite's oldest limit of 999 parameters.
COMPARISONS_PER_QUERY = 500


def load_comparisons(session: Session, scope: Scope, moderation_ids: list[int]) -> dict[int, Comparison]:
    """``load_comparison`` for many moderations at once, by id in the order given: four
    statements per ``COMPARISONS_PER_QUERY`` moderations, never one per moderation. The same
    rules: if any one of them may not be opened, its ModerationError is raised."""
    case_level(scope)
    ids = list(dict.fromkeys(moderation_ids))
    found: dict[int, Comparison] = {}
    for start in range(0, len(ids), COMPARISONS_PER_QUERY):
        found.update(_comparisons(session, scope, ids[start:start + COMPARISONS_PER_QUERY]))
    return {moderation_id: found[moderation_id] for moderation_id in ids}


def _comparisons(session: Session, scope: Scope, ids: list[int]) -> dict[int, Comparison]:
    heads = {row[0]: row for row in session.exec(
        select(Moderation.id, Moderation.status, Moderation.moderator_id, Moderation.moderator_overall_grade,
               Moderation.moderator_overall_rationale, Moderation.agreed_overall_grade, Moderation.feedback,
               Moderation.graded_at, Moderation.completed_at, Moderation.acknowledged_by_id,
               Moderation.acknowledged_at, Audit.auditor_id, Audit.team_id, Audit.overall_grade,
               Audit.overall_rationale)
        .join(Audit, Audit.id == Moderation.audit_id)
        .where(col(Moderation.id).in_(ids))
    )}
    for moderation_id in ids:
        head = heads.get(moderation_id)
        if head is None:
            raise ModerationError("No such moderation.")
        status, moderator_id, auditor_id, team_id = head[1], head[2], head[11], head[12]
        is_author = auditor_id == scope.user_id
        if not (scope.can_see_team(team_id) or (is_author and status == "completed")):
            raise ModerationError("No such moderation, or not one you may see.")
        if status == "assigned":
            raise ModerationError("The comparison opens only after the moderator has submitted their blind grades.")
        if status == "graded" and not (moderator_id == scope.user_id or Role.ADMIN in scope.roles):
            raise ModerationError("This moderation is still in progress.")
    details = _details_of(session, None, ids)  # access was decided just above
    lines: dict[int, list[ComparisonLine]] = {moderation_id: [] for moderation_id in ids}
    for row in session.exec(
        select(Moderation.id, Question.id, Question.position, Question.domain, Question.text, Answer.grade,
               Answer.rationale, ModerationAnswer.moderator_grade, ModerationAnswer.moderator_rationale,
               ModerationAnswer.agreed_grade)
        .select_from(Moderation)
        .join(Audit, Audit.id == Moderation.audit_id)
        .join(Question, Question.template_version_id == Audit.template_version_id)
        .join(Answer, (Answer.question_id == Question.id) & (Answer.audit_id == Audit.id))
        .outerjoin(ModerationAnswer, (ModerationAnswer.question_id == Question.id)
                   & (ModerationAnswer.moderation_id == Moderation.id))
        .where(col(Moderation.id).in_(ids))
        .order_by(Moderation.id, Question.position)
    ):
        lines[row[0]].append(ComparisonLine(*row[1:6], row[6] or "", row[7], row[8] or "", row[9]))
    people = {i for head in heads.values() for i in (head[2], head[9]) if i}
    names = dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(sorted(people)))).all())
    comparisons = {}
    for moderation_id in ids:
        (_, _, moderator_id, moderator_overall, moderator_rationale, agreed_overall, feedback, graded_at, completed_at,
         acknowledged_by_id, acknowledged_at, auditor_id, team_id, first_overall, first_rationale) = heads[moderation_id]
        comparisons[moderation_id] = Comparison(
            details=details[moderation_id],
            lines=disagreements_first(lines[moderation_id]),
            first_overall=first_overall,
            first_overall_rationale=first_rationale,
            moderator_overall=moderator_overall,
            moderator_overall_rationale=moderator_rationale,
            agreed_overall=agreed_overall,
            feedback=feedback,
            moderator=names.get(moderator_id, ""),
            first_auditor_id=auditor_id,
            team_id=team_id,
            graded_at=graded_at,
            completed_at=completed_at,
            acknowledged_by=names.get(acknowledged_by_id) if acknowledged_by_id else None,
            acknowledged_at=acknowledged_at,
        )
    return comparisons


def complete(
    session: Session,
    scope: Scope,
    moderation_id: int,
    *,
    agreed: dict[int, int | None],
    agreed_overall: int | None,
    feedback: str,
) -> None:
    """Record the agreed grades and the reflective feedback (status graded -> completed).

    The agreed grades become ``Answer.moderated_grade`` and the audit's
    ``moderated_overall_grade``: reporting uses them from now on.
    """
    case_level(scope)
    moderation = session.get(Moderation, moderation_id)
    if moderation is None or moderation.moderator_id != scope.user_id:
        raise ModerationError("Only the moderator records the agreed grades.")
    audit = session.get(Audit, moderation.audit_id)
    questions = _questions(session, audit.id)
    rules = [QuestionRule(q.question_id, q.allow_na) for q in questions]
    problems = grading_problems(rules, agreed, agreed_overall, feedback=feedback,
                                question_numbers={q.question_id: q.position for q in questions})
    if problems:
        raise ModerationError(*problems)
    moved = session.exec(
        update(Moderation)
        .where(Moderation.id == moderation_id, Moderation.status == "graded")
        .values(status="completed", completed_at=utcnow(), agreed_overall_grade=agreed_overall,
                feedback=feedback.strip())
    )
    if moved.rowcount != 1:
        raise ModerationError("This moderation is not waiting for agreed grades (already completed, or not graded).")
    before = {str(a.question_id): a.moderated_grade
              for a in session.exec(select(Answer).where(Answer.audit_id == audit.id))}
    counted_before = contribution(session, audit.id)  # Progress's rollup, before the agreed grades
    for question in questions:
        grade = agreed[question.question_id]
        session.exec(update(ModerationAnswer).where(
            ModerationAnswer.moderation_id == moderation_id, ModerationAnswer.question_id == question.question_id
        ).values(agreed_grade=grade))
        session.exec(update(Answer).where(
            Answer.audit_id == audit.id, Answer.question_id == question.question_id
        ).values(moderated_grade=grade))
    before_overall = audit.moderated_overall_grade
    audit.moderated_overall_grade = agreed_overall  # through the ORM: bumps the audit's optimistic-lock version
    session.add(audit)
    apply_to_rollup(session, counted_before, contribution(session, audit.id))  # agreed grades now reported
    refresh_agreement(session, audit.id)  # how the answers agree, stored for Progress (db.rollups)
    after = {str(q.question_id): agreed[q.question_id] for q in questions}
    record(session, scope.username, "moderation.completed", "moderation", moderation_id,
           before={"status": "graded"}, after={"status": "completed", "agreed_overall": agreed_overall, "agreed": after})
    record(session, scope.username, "audit.moderated_grades", "audit", audit.id,
           before={"moderated_overall_grade": before_overall, "moderated_grades": before},
           after={"moderated_overall_grade": agreed_overall, "moderated_grades": after})
    session.flush()


def acknowledge(session: Session, scope: Scope, moderation_id: int) -> None:
    """The first auditor (or their team's manager) acknowledges the feedback."""
    comparison = load_comparison(session, scope, moderation_id)
    if not may_acknowledge(scope, comparison):
        raise ModerationError("Only the first auditor or a manager of the team acknowledges completed feedback.")
    moved = session.exec(
        update(Moderation)
        .where(Moderation.id == moderation_id, Moderation.status == "completed",
               col(Moderation.acknowledged_at).is_(None))
        .values(acknowledged_by_id=scope.user_id, acknowledged_at=utcnow())
    )
    if moved.rowcount != 1:
        raise ModerationError("This feedback was acknowledged a moment ago.")
    record(session, scope.username, "moderation.acknowledged", "moderation", moderation_id,
           after={"acknowledged_by": scope.username})


