"""Moderation: the queue, reproducible samples, blind grading, the comparison, agreed
grades and feedback, acknowledgement, and the agreement statistics' data.

Blindness is enforced here, not in the page: ``load_blind`` never selects an
``Answer`` row or any of the first audit's free text, and ``load_comparison``
refuses a moderation whose blind grades are not in yet. Status moves
``assigned -> graded -> completed`` with conditional UPDATEs, so two sessions
cannot both submit or complete the same moderation. Completing writes
``Answer.moderated_grade`` and ``Audit.moderated_overall_grade``, which every
report uses from then on (``db.queries.common.reported_*``).
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from core.agreement import RatedPair
from core.authz import Role, Scope
from core.moderation import (
    Candidate,
    ComparisonLine,
    QuestionRule,
    SampleMethod,
    disagreements_first,
    draw_sample,
    grading_problems,
    sample_label,
    sample_problem,
)
from db.events import record
from db.models import (
    Answer,
    Audit,
    Case,
    Moderation,
    ModerationAnswer,
    Practitioner,
    Question,
    Team,
    TemplateVersion,
    Theme,
    User,
    UserRole,
    utcnow,
)
from db.queries.common import in_scope, submitted

FirstAuditor = aliased(User, name="first_auditor")
Moderator = aliased(User, name="moderator")
Acknowledger = aliased(User, name="acknowledger")


class ModerationError(ValueError):
    """A moderation step that cannot be taken; ``problems`` lists every reason."""

    def __init__(self, *problems: str):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def _case_level(scope: Scope) -> None:
    if scope.aggregates_only:
        raise PermissionError("Aggregates only: moderation detail is not available to this role.")


def _may_moderate(scope: Scope) -> None:
    if not scope.roles & {Role.AUDITOR, Role.ADMIN}:
        raise PermissionError("Only auditors and administrators organise moderation.")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


# ------------------------------------------------------------------ the queue
@dataclass(frozen=True)
class QueueFilter:
    """Which unmoderated audits to list. Empty tuples mean "any"."""

    team_ids: tuple[int, ...] = ()
    theme_ids: tuple[int, ...] = ()
    auditor_ids: tuple[int, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    kind: str | None = "internal"  # internal audits (by managers) by default; None: both kinds


@dataclass(frozen=True)
class QueueRow:
    audit_id: int
    case_reference: str
    team_id: int
    team: str
    theme: str
    first_auditor_id: int
    first_auditor: str
    kind: str
    work_date: date | None
    audit_date: date | None


def _audit_filters(statement, team_ids, theme_ids, auditor_ids):
    """Limit ``statement`` to the chosen teams, themes and first auditors (empty: all)."""
    for column, values in ((Audit.team_id, team_ids), (Audit.theme_id, theme_ids), (Audit.auditor_id, auditor_ids)):
        if values:
            statement = statement.where(col(column).in_(values))
    return statement


def moderation_queue(session: Session, scope: Scope, filters: QueueFilter = QueueFilter()) -> list[QueueRow]:
    """Submitted audits with no moderation yet (not even assigned), newest first."""
    _case_level(scope)
    statement = (
        select(Audit.id, Case.reference, Team.id, Team.name, Theme.name, FirstAuditor.id, FirstAuditor.display_name,
               Audit.kind, Audit.work_date, Audit.audit_date)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(FirstAuditor, FirstAuditor.id == Audit.auditor_id)
        .outerjoin(Moderation, Moderation.audit_id == Audit.id)
        .where(col(Moderation.id).is_(None))
    )
    if filters.kind:
        statement = statement.where(Audit.kind == filters.kind)
    statement = _audit_filters(statement, filters.team_ids, filters.theme_ids, filters.auditor_ids)
    if filters.date_from:
        statement = statement.where(Audit.audit_date >= filters.date_from)
    if filters.date_to:
        statement = statement.where(Audit.audit_date <= filters.date_to)
    statement = in_scope(submitted(statement), scope).order_by(col(Audit.audit_date).desc(), col(Audit.id).desc())
    return [QueueRow(*row) for row in session.exec(statement)]


@dataclass(frozen=True)
class FilterOptions:
    teams: list[tuple[int, str]]
    themes: list[tuple[int, str]]
    first_auditors: list[tuple[int, str]]
    moderators: list[tuple[int, str]]


def filter_options(session: Session, scope: Scope) -> FilterOptions:
    """Choices for the queue's and the statistics' filters, within the user's scope."""
    _case_level(scope)
    teams = session.exec(in_scope(select(Team.id, Team.name), scope, Team.id).order_by(Team.name)).all()
    themes = session.exec(select(Theme.id, Theme.name).order_by(Theme.name)).all()
    auditors = session.exec(
        in_scope(
            submitted(select(FirstAuditor.id, FirstAuditor.display_name).join(Audit, Audit.auditor_id == FirstAuditor.id)),
            scope,
        ).distinct().order_by(FirstAuditor.display_name)
    ).all()
    return FilterOptions([tuple(t) for t in teams], [tuple(t) for t in themes], [tuple(a) for a in auditors],
                         moderators(session))


def moderators(session: Session) -> list[tuple[int, str]]:
    """Active users who may moderate: everyone holding the auditor role."""
    rows = session.exec(
        select(User.id, User.display_name).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.AUDITOR.value, col(User.active).is_(True)).order_by(User.display_name)
    ).all()
    return [tuple(r) for r in rows]


# ------------------------------------------------------------------ sampling and assignment
@dataclass(frozen=True)
class SampleResult:
    label: str
    audit_ids: list[int]
    own_audits_left_out: int
    moderation_ids: list[int] = field(default_factory=list)


def _check_moderator(session: Session, moderator_id: int) -> User:
    moderator = session.get(User, moderator_id)
    if moderator is None or not moderator.active or moderator_id not in dict(moderators(session)):
        raise ModerationError("The moderator must be an active user with the auditor role.")
    return moderator


def draw(
    session: Session,
    scope: Scope,
    *,
    filters: QueueFilter,
    method: SampleMethod,
    amount: int,
    seed: str,
    moderator_id: int,
    today: date,
    assign: bool,
) -> SampleResult:
    """Draw a reproducible sample from the (filtered) queue; with ``assign`` create the
    moderations for ``moderator_id`` in this transaction, otherwise only preview.

    The moderator's own audits are never candidates.
    """
    _case_level(scope)
    _may_moderate(scope)
    if problem := sample_problem(method, amount, seed):
        raise ModerationError(problem)
    moderator = _check_moderator(session, moderator_id)
    queue = moderation_queue(session, scope, filters)
    candidates = [Candidate(r.audit_id, r.team_id, r.first_auditor_id) for r in queue if r.first_auditor_id != moderator_id]
    label = sample_label(today, method, amount, seed)
    drawn = draw_sample(candidates, method, amount, seed)
    result = SampleResult(label, drawn, len(queue) - len(candidates))
    if not assign or not drawn:
        return result
    moderation_ids = []
    try:
        for audit_id in drawn:
            moderation_ids.append(_assign(session, scope, audit_id, moderator, label))
        record(session, scope.username, "moderation.sample_drawn", "moderation_sample", seed.strip(),
               after={"label": label, "moderator": moderator.username, "audit_ids": drawn,
                      "filters": dataclasses.asdict(filters)})
        session.flush()
    except IntegrityError as error:
        raise ModerationError("Someone assigned some of these audits a moment ago. Draw the sample again.") from error
    return SampleResult(label, drawn, result.own_audits_left_out, moderation_ids)


def _assign(session: Session, scope: Scope, audit_id: int, moderator: User, label: str) -> int:
    moderation = Moderation(audit_id=audit_id, moderator_id=moderator.id, assigned_by_id=scope.user_id,
                            sample_label=label, status="assigned")
    session.add(moderation)
    session.flush()
    record(session, scope.username, "moderation.assigned", "moderation", moderation.id,
           after={"audit_id": audit_id, "moderator": moderator.username, "sample_label": label})
    return moderation.id


def assign_one(session: Session, scope: Scope, audit_id: int, moderator_id: int, label: str = "Chosen from the queue") -> int:
    """Assign one queued audit to ``moderator_id``; returns the moderation id."""
    _case_level(scope)
    _may_moderate(scope)
    moderator = _check_moderator(session, moderator_id)
    audit = session.get(Audit, audit_id)
    if audit is None or audit.status != "submitted" or not scope.can_see_team(audit.team_id):
        raise ModerationError("Only a submitted audit can be moderated.")
    if audit.auditor_id == moderator_id:
        raise ModerationError("Nobody moderates their own audit: choose another moderator.")
    if session.exec(select(Moderation.id).where(Moderation.audit_id == audit_id)).first() is not None:
        raise ModerationError("This audit is already being moderated.")
    try:
        return _assign(session, scope, audit_id, moderator, label)
    except IntegrityError as error:
        raise ModerationError("This audit was assigned a moment ago by someone else.") from error


# ------------------------------------------------------------------ assignments
@dataclass(frozen=True)
class AssignmentRow:
    moderation_id: int
    status: str
    case_reference: str
    team: str
    theme: str
    first_auditor: str
    moderator: str
    sample_label: str
    assigned_on: date | None
    audit_date: date | None


def assignments(session: Session, scope: Scope, *, moderator_id: int | None = None,
                statuses: tuple[str, ...] = ("assigned", "graded")) -> list[AssignmentRow]:
    """Moderations in the given statuses (of one moderator, or everyone's). No grades."""
    _case_level(scope)
    statement = (
        select(Moderation.id, Moderation.status, Case.reference, Team.name, Theme.name, FirstAuditor.display_name,
               Moderator.display_name, Moderation.sample_label, Moderation.assigned_at, Audit.audit_date)
        .join(Audit, Audit.id == Moderation.audit_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(FirstAuditor, FirstAuditor.id == Audit.auditor_id)
        .join(Moderator, Moderator.id == Moderation.moderator_id)
        .where(col(Moderation.status).in_(statuses))
    )
    if moderator_id is not None:
        statement = statement.where(Moderation.moderator_id == moderator_id)
    statement = in_scope(statement, scope).order_by(col(Moderation.assigned_at).desc(), col(Moderation.id).desc())
    return [AssignmentRow(*row[:8], _day(row[8]), row[9]) for row in session.exec(statement)]


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


def _details(session: Session, scope: Scope | None, moderation_id: int) -> CaseDetails:
    """The case details of a moderation; limited to ``scope``'s teams unless the caller
    has already decided the user may see it (``scope=None``)."""
    statement = (
        select(Moderation.id, Audit.id, Moderation.status, Moderation.moderator_id, Moderator.display_name,
               Case.reference, Team.name,
               Theme.name, Practitioner.name, FirstAuditor.display_name, Audit.kind, Audit.work_date,
               Audit.audit_date, Moderation.sample_label)
        .join(Audit, Audit.id == Moderation.audit_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(FirstAuditor, FirstAuditor.id == Audit.auditor_id)
        .join(Moderator, Moderator.id == Moderation.moderator_id)
        .outerjoin(Practitioner, Practitioner.id == Audit.practitioner_id)
        .where(Moderation.id == moderation_id)
    )
    row = session.exec(statement if scope is None else in_scope(statement, scope)).first()
    if row is None:
        raise ModerationError("No such moderation, or not one you may see.")
    values = list(row)
    values[8] = values[8] or "Not recorded"  # the practitioner
    return CaseDetails(*values)


def moderation_details(session: Session, scope: Scope, moderation_id: int) -> CaseDetails:
    """A moderation's case details and status (no grades), within the user's teams."""
    _case_level(scope)
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
    _case_level(scope)
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
    _case_level(scope)
    moderation = session.get(Moderation, moderation_id)
    audit = session.get(Audit, moderation.audit_id) if moderation else None
    if moderation is None or audit is None:
        raise ModerationError("No such moderation.")
    is_author = audit.auditor_id == scope.user_id
    if not (scope.can_see_team(audit.team_id) or (is_author and moderation.status == "completed")):
        raise ModerationError("No such moderation, or not one you may see.")
    if moderation.status == "assigned":
        raise ModerationError("The comparison opens only after the moderator has submitted their blind grades.")
    if moderation.status == "graded" and not (moderation.moderator_id == scope.user_id or Role.ADMIN in scope.roles):
        raise ModerationError("This moderation is still in progress.")
    details = _details(session, None, moderation_id)  # access was decided just above
    rows = session.exec(
        select(Question.id, Question.position, Question.domain, Question.text, Answer.grade, Answer.rationale,
               ModerationAnswer.moderator_grade, ModerationAnswer.moderator_rationale, ModerationAnswer.agreed_grade)
        .join(Answer, (Answer.question_id == Question.id) & (Answer.audit_id == audit.id))
        .outerjoin(ModerationAnswer, (ModerationAnswer.question_id == Question.id)
                   & (ModerationAnswer.moderation_id == moderation_id))
        .where(Question.template_version_id == audit.template_version_id)
        .order_by(Question.position)
    ).all()
    lines = [ComparisonLine(*row[:5], row[5] or "", row[6], row[7] or "", row[8]) for row in rows]
    names = dict(session.exec(select(User.id, User.display_name).where(
        col(User.id).in_([i for i in (moderation.moderator_id, moderation.acknowledged_by_id) if i]))).all())
    return Comparison(
        details=details,
        lines=disagreements_first(lines),
        first_overall=audit.overall_grade,
        first_overall_rationale=audit.overall_rationale,
        moderator_overall=moderation.moderator_overall_grade,
        moderator_overall_rationale=moderation.moderator_overall_rationale,
        agreed_overall=moderation.agreed_overall_grade,
        feedback=moderation.feedback,
        moderator=names.get(moderation.moderator_id, ""),
        first_auditor_id=audit.auditor_id,
        team_id=audit.team_id,
        graded_at=moderation.graded_at,
        completed_at=moderation.completed_at,
        acknowledged_by=names.get(moderation.acknowledged_by_id) if moderation.acknowledged_by_id else None,
        acknowledged_at=moderation.acknowledged_at,
    )


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
    _case_level(scope)
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


# ------------------------------------------------------------------ statistics
@dataclass(frozen=True)
class StatsFilter:
    """Which completed moderations the statistics cover. Empty tuples mean "any"."""

    auditor_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    theme_ids: tuple[int, ...] = ()
    question_keys: tuple[str, ...] = ()  # "theme_id:question key"
    date_from: date | None = None
    date_to: date | None = None
    level: str = "questions"  # "questions": every question's grade; "overall": overall judgements
    against: str = "agreed"  # "agreed": the agreed (moderated) grade; "blind": the moderator's blind grade


@dataclass(frozen=True)
class PairRow:
    moderation_id: int
    first_auditor_id: int
    first_auditor: str
    team: str
    theme: str
    question: str  # "" for an overall judgement
    completed_on: date | None
    first: int | None
    moderated: int | None

    @property
    def rated(self) -> RatedPair:
        return RatedPair(self.first, self.moderated, self.moderation_id, self.completed_on)


def _completed(statement, scope: Scope, filters: StatsFilter):
    statement = statement.where(Moderation.status == "completed")
    statement = _audit_filters(statement, filters.team_ids, filters.theme_ids, filters.auditor_ids)
    if filters.date_from:
        statement = statement.where(Moderation.completed_at >= _start_of(filters.date_from))
    if filters.date_to:
        statement = statement.where(Moderation.completed_at < _start_of(filters.date_to + timedelta(days=1)))
    return in_scope(statement, scope)


def agreement_pairs(session: Session, scope: Scope, filters: StatsFilter = StatsFilter()) -> list[PairRow]:
    """(first, moderated) grade pairs of completed moderations, for the statistics.

    Managers get their teams only. Grades and names only, no free text: the
    statistics never carry a rationale or feedback.
    """
    _case_level(scope)
    base = (Moderation.id, FirstAuditor.id, FirstAuditor.display_name, Team.name, Theme.name)
    joins = lambda s: (  # noqa: E731
        s.join(Audit, Audit.id == Moderation.audit_id)
        .join(Team, Team.id == Audit.team_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(FirstAuditor, FirstAuditor.id == Audit.auditor_id)
    )
    blind = filters.against == "blind"
    if filters.level == "overall" and not filters.question_keys:
        second = Moderation.moderator_overall_grade if blind else Moderation.agreed_overall_grade
        statement = _completed(joins(select(*base, Moderation.completed_at, Audit.overall_grade, second)), scope, filters)
        return [PairRow(*row[:5], "", _day(row[5]), row[6], row[7])
                for row in session.exec(statement.order_by(Moderation.completed_at, Moderation.id))]
    second = ModerationAnswer.moderator_grade if blind else ModerationAnswer.agreed_grade
    statement = joins(
        select(*base, Question.text, Moderation.completed_at, Answer.grade, second)
        .select_from(Moderation)
    ).join(ModerationAnswer, ModerationAnswer.moderation_id == Moderation.id).join(
        Question, Question.id == ModerationAnswer.question_id
    ).join(Answer, (Answer.audit_id == Audit.id) & (Answer.question_id == Question.id))
    if filters.question_keys:
        pairs = [key.split(":", 1) for key in filters.question_keys]
        statement = statement.join(TemplateVersion, TemplateVersion.id == Question.template_version_id).where(
            or_(*[(TemplateVersion.theme_id == int(theme)) & (Question.key == key) for theme, key in pairs])
        )
    statement = _completed(statement, scope, filters).order_by(Moderation.completed_at, Moderation.id, Question.position)
    return [PairRow(*row[:6], _day(row[6]), row[7], row[8]) for row in session.exec(statement)]


def question_options(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """("theme_id:key", "Theme: question") for every question of a completed moderation in scope."""
    _case_level(scope)
    rows = session.exec(
        in_scope(
            select(TemplateVersion.theme_id, Theme.name, Question.key, Question.text, func.min(Question.position))
            .select_from(Moderation)
            .join(Audit, Audit.id == Moderation.audit_id)
            .join(Question, Question.template_version_id == Audit.template_version_id)
            .join(TemplateVersion, TemplateVersion.id == Question.template_version_id)
            .join(Theme, Theme.id == TemplateVersion.theme_id)
            .where(Moderation.status == "completed"),
            scope,
        ).group_by(TemplateVersion.theme_id, Theme.name, Question.key, Question.text)
        .order_by(Theme.name, func.min(Question.position))
    ).all()
    return [(f"{theme_id}:{key}", f"{theme}: {text}") for theme_id, theme, key, text, _ in rows]


# ------------------------------------------------------------------ feedback
@dataclass(frozen=True)
class FeedbackRow:
    moderation_id: int
    completed_on: date | None
    case_reference: str
    team: str
    theme: str
    first_auditor: str
    moderator: str
    first_overall: int | None
    agreed_overall: int | None
    questions_changed: int
    feedback: str
    acknowledged_by: str | None
    acknowledged_on: date | None

    COLUMNS = ("Completed", "Case", "Team", "Theme", "First auditor", "Moderator", "First overall grade",
               "Agreed overall grade", "Questions changed", "Feedback", "Acknowledged by", "Acknowledged on")


def feedback_log(
    session: Session,
    scope: Scope,
    *,
    search: str = "",
    auditor_ids: tuple[int, ...] = (),
    team_ids: tuple[int, ...] = (),
    mine_only: bool = False,
) -> list[FeedbackRow]:
    """Every completed moderation's reflective feedback, newest first.

    ``search`` matches the first auditor, the moderator, the team, the case reference
    or the feedback text (case-insensitive). ``mine_only``: audits the user did, or
    of teams they manage.
    """
    _case_level(scope)
    statement = (
        select(Moderation.id, Moderation.completed_at, Case.reference, Team.name, Theme.name,
               FirstAuditor.display_name, Moderator.display_name, Audit.overall_grade, Moderation.agreed_overall_grade,
               Moderation.feedback, Acknowledger.display_name, Moderation.acknowledged_at)
        .join(Audit, Audit.id == Moderation.audit_id)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(FirstAuditor, FirstAuditor.id == Audit.auditor_id)
        .join(Moderator, Moderator.id == Moderation.moderator_id)
        .outerjoin(Acknowledger, Acknowledger.id == Moderation.acknowledged_by_id)
        .where(Moderation.status == "completed")
    )
    if mine_only:
        mine = Audit.auditor_id == scope.user_id
        if Role.MANAGER in scope.roles and scope.managed_team_ids:
            mine = or_(mine, col(Audit.team_id).in_(sorted(scope.managed_team_ids)))
        statement = statement.where(mine)
    else:
        statement = in_scope(statement, scope)
    if auditor_ids:
        statement = statement.where(col(Audit.auditor_id).in_(auditor_ids))
    if team_ids:
        statement = statement.where(col(Audit.team_id).in_(team_ids))
    if search.strip():
        needle = search.strip().lower()
        statement = statement.where(or_(*[
            func.lower(column).contains(needle, autoescape=True)
            for column in (FirstAuditor.display_name, Moderator.display_name, Team.name, Case.reference,
                           Moderation.feedback)
        ]))
    rows = session.exec(statement.order_by(col(Moderation.completed_at).desc(), col(Moderation.id).desc())).all()
    changed: dict[int, int] = defaultdict(int)
    if rows:
        for moderation_id, n in session.exec(
            select(ModerationAnswer.moderation_id, func.count())
            .join(Moderation, Moderation.id == ModerationAnswer.moderation_id)
            .join(Answer, (Answer.audit_id == Moderation.audit_id) & (Answer.question_id == ModerationAnswer.question_id))
            .where(col(ModerationAnswer.moderation_id).in_([r[0] for r in rows]),
                   ModerationAnswer.agreed_grade != Answer.grade)
            .group_by(ModerationAnswer.moderation_id)
        ):
            changed[moderation_id] = n
    return [
        FeedbackRow(r[0], _day(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8], changed[r[0]], r[9], r[10], _day(r[11]))
        for r in rows
    ]
