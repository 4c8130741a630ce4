"""The moderation queue and its filter choices, reproducible samples and assignment, and
the lists of moderations in progress."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.authz import Role, Scope
from core.moderation import Candidate, SampleMethod, draw_sample, sample_label, sample_problem
from db.events import record
from db.models import Audit, Case, Moderation, Team, Theme, User, UserRole
from db.moderation.common import (
    FirstAuditor,
    ModerationError,
    Moderator,
    audit_filters,
    case_level,
    day_of,
    may_moderate,
    moderation_joins,
)
from db.queries.common import in_scope, submitted

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


def _unmoderated(statement, scope: Scope, filters: QueueFilter):
    """Limit ``statement`` (on ``Audit``) to the submitted audits in scope with no moderation yet."""
    # NOT EXISTS, not a LEFT JOIN ... IS NULL: PostgreSQL estimated that anti-join at 1 row and looped
    # over the team, theme and user tables for each of 109,932 audits (the queue: 853 -> 23 ms at
    # 1,000,000 audits).
    statement = statement.where(~select(Moderation.id).where(Moderation.audit_id == Audit.id).exists())
    if filters.kind:
        statement = statement.where(Audit.kind == filters.kind)
    statement = audit_filters(statement, filters.team_ids, filters.theme_ids, filters.auditor_ids)
    if filters.date_from:
        statement = statement.where(Audit.audit_date >= filters.date_from)
    if filters.date_to:
        statement = statement.where(Audit.audit_date <= filters.date_to)
    return in_scope(submitted(statement), scope)


def _queue_rows(scope: Scope, filters: QueueFilter):
    return _unmoderated(
        select(Audit.id, Case.reference, Team.id, Team.name, Theme.name, FirstAuditor.id, FirstAuditor.display_name,
               Audit.kind, Audit.work_date, Audit.audit_date)
        .join(Case, Case.id == Audit.case_id)
        .join(Team, Team.id == Audit.team_id)
        .join(Theme, Theme.id == Audit.theme_id)
        .join(FirstAuditor, FirstAuditor.id == Audit.auditor_id),
        scope, filters,
    ).order_by(col(Audit.audit_date).desc(), col(Audit.id).desc())


def moderation_queue(session: Session, scope: Scope, filters: QueueFilter = QueueFilter()) -> list[QueueRow]:
    """Submitted audits with no moderation yet (not even assigned), newest first."""
    case_level(scope)
    return [QueueRow(*row) for row in session.exec(_queue_rows(scope, filters))]


# The queue on the page: its newest audits only. A council's queue holds thousands; samples are
# drawn from all of it (``draw``), and the filters narrow what is shown.
QUEUE_SHOWN = 200


@dataclass(frozen=True)
class QueuePage:
    total: int  # every audit the filters match
    rows: list[QueueRow]  # the newest ``QUEUE_SHOWN`` of them


def queue_page(session: Session, scope: Scope, filters: QueueFilter = QueueFilter(),
               limit: int = QUEUE_SHOWN) -> QueuePage:
    """How many audits wait in the (filtered) queue, and the newest ``limit`` of them."""
    case_level(scope)
    total = session.exec(_unmoderated(select(func.count()).select_from(Audit), scope, filters)).one()
    rows = [QueueRow(*row) for row in session.exec(_queue_rows(scope, filters).limit(limit))]
    return QueuePage(total, rows)


@dataclass(frozen=True)
class FilterOptions:
    teams: list[tuple[int, str]]
    themes: list[tuple[int, str]]
    first_auditors: list[tuple[int, str]]
    moderators: list[tuple[int, str]]


def filter_options(session: Session, scope: Scope) -> FilterOptions:
    """Choices for the queue's and the statistics' filters, within the user's scope."""
    case_level(scope)
    teams = session.exec(in_scope(select(Team.id, Team.name), scope, Team.id).order_by(Team.name)).all()
    themes = session.exec(select(Theme.id, Theme.name).order_by(Theme.name)).all()
    if scope.team_ids is None:
        # Each user asked whether they wrote a submitted audit (through ix_audit_author_recent), rather
        # than every submitted audit joined to its author and made distinct (160 -> 0.5 ms at 1,000,000
        # audits on PostgreSQL).
        wrote_one = submitted(select(Audit.id).where(Audit.auditor_id == FirstAuditor.id)).exists()
        authors = select(FirstAuditor.id, FirstAuditor.display_name).where(wrote_one)
    else:
        # The submitted audits of a manager's teams, found through an index led by the team: asked
        # author by author, each author of other teams cost a walk through all their audits (308 ms).
        authors = in_scope(submitted(select(FirstAuditor.id, FirstAuditor.display_name)
                                     .join(Audit, Audit.auditor_id == FirstAuditor.id)), scope).distinct()
    auditors = session.exec(authors.order_by(FirstAuditor.display_name)).all()
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
    rows: list[QueueRow] = field(default_factory=list)  # the drawn audits' queue rows, in ``audit_ids`` order


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
    case_level(scope)
    may_moderate(scope)
    if problem := sample_problem(method, amount, seed):
        raise ModerationError(problem)
    moderator = _check_moderator(session, moderator_id)
    queue = moderation_queue(session, scope, filters)
    candidates = [Candidate(r.audit_id, r.team_id, r.first_auditor_id) for r in queue if r.first_auditor_id != moderator_id]
    label = sample_label(today, method, amount, seed)
    drawn = draw_sample(candidates, method, amount, seed)
    by_id = {r.audit_id: r for r in queue}
    result = SampleResult(label, drawn, len(queue) - len(candidates), rows=[by_id[i] for i in drawn])
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
    return dataclasses.replace(result, moderation_ids=moderation_ids)


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
    case_level(scope)
    may_moderate(scope)
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
    case_level(scope)
    statement = moderation_joins(
        select(Moderation.id, Moderation.status, Case.reference, Team.name, Theme.name, FirstAuditor.display_name,
               Moderator.display_name, Moderation.sample_label, Moderation.assigned_at, Audit.audit_date)
    ).where(col(Moderation.status).in_(statuses))
    if moderator_id is not None:
        statement = statement.where(Moderation.moderator_id == moderator_id)
    statement = in_scope(statement, scope).order_by(col(Moderation.assigned_at).desc(), col(Moderation.id).desc())
    return [AssignmentRow(*row[:8], day_of(row[8]), row[9]) for row in session.exec(statement)]


