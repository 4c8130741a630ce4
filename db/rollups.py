"""The rollups: figures of submitted audits counted ahead, each kept equal to its recount.

Programme-wide Progress and the board report group every audit, answer and remedial action of two
periods; at 100,000 audits that is 600,000 answers for the default period and about 400 ms of SQL for
the answers alone. Four tables hold the same counts, by day, a few thousand rows each, and Progress
reads those instead (``db.queries.progress_sources``):

- ``AnswerDayCount``: answers by audit day, question and reported grade;
- ``AuditDayCount``: audits by day, theme, kind, reported overall grade and team;
- ``AuditWorkDayCount``: audits by day, kind and the day of the work audited;
- ``ActionDayCount``: remedial actions by team and their raised, due, done and verified dates.

Audiences limited to their own teams still count answers and audits directly (an index led by the
team finds their few), except the actions, whose rollup has the team.

One source of truth: a rollup only ever moves by what one audit counts for. A write that can change
it (saving a submitted audit or submitting one, which may also move it to another day; completing a
moderation, which sets the reported grades) takes the audit's contribution before the change
(``contribution``), makes the change, and passes both to ``apply``, which adds the difference in the
same transaction. An action's own step (done, verified, reopened, a new due date, one at a time or in
bulk: ``db.actions``) does the same with ``action_contribution``. The cost is a few rows per save
whatever the size of the database (recounting the audit's whole day took 114 ms a save at 1,000,000
audits). Bulk loads (the demo, the synthetic benchmark data, the migrations that add a rollup) call
``rebuild``, a full recount. ``tests/data/test_rollups.py`` checks, after each kind of write and on
both backends, that every rollup equals a recount written out in the test; the 8-writer load test
checks the answers' under concurrency.

Each completed moderation also stores five counts (``Moderation.agreement_*``): of its audit's answers
graded 1 to 4 by both the first auditor and the moderation, how many pairs, how many the same grade,
within one grade, the first grade higher, lower. Progress sums them by the day the moderation was
completed instead of reading ten answers a moderation (1.4 s of SQL at 1,000,000 audits on
PostgreSQL). They change only when the answers' grades do, and a moderated audit can no longer be
amended (``db.audits.saving``), so the one write is completing the moderation (the agreed grades
become the moderated ones), which calls ``refresh_agreement`` in its transaction; ``rebuild``
recounts them with the rest. With them, its question grades counted by pair
(``ModerationGradePair``): first grade against the agreed grade, and against the moderator's blind
grade. The Moderation agreement page counts its statistics of every question from these instead of
joining each moderation's answers to its audit's.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, case, delete, func, insert, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from core.agreement import GRADES
from db.models import (
    NO_GRADE, NOT_YET, ActionDayCount, Answer, AnswerDayCount, Audit, AuditDayCount, AuditWorkDayCount, Moderation,
    ModerationAnswer, ModerationGradePair, RemedialAction,
)
from db.queries.common import reported_answer, reported_overall, submitted

Contribution = dict  # a rollup's table name -> (its key -> count): what one audit counts for


@dataclass(frozen=True)
class Rollup:
    """A table of counts: its key columns, its count column, and the SELECT that recounts it (the key
    columns then the count, grouped, joined to ``Audit``: ``.where(Audit.id == ...)`` gives one audit's)."""

    model: type
    keys: tuple[str, ...]
    count: str
    counted: Callable[[], object]

    @property
    def name(self) -> str:
        return self.model.__tablename__


def _answers_counted():
    """SELECT day, question, reported grade, count of the answers of submitted audits."""
    return submitted(
        select(Audit.audit_date, Answer.question_id, reported_answer, func.count())
        .select_from(Audit).join(Answer, col(Answer.audit_id) == col(Audit.id))
        .where(col(Audit.audit_date).is_not(None), reported_answer.is_not(None))
        .group_by(Audit.audit_date, Answer.question_id, reported_answer)
    )


def _audits_counted():
    """SELECT day, theme, kind, reported overall grade (NO_GRADE for none), team, count of submitted audits."""
    grade = func.coalesce(reported_overall, NO_GRADE)
    return submitted(
        select(Audit.audit_date, Audit.theme_id, Audit.kind, grade, Audit.team_id, func.count())
        .where(col(Audit.audit_date).is_not(None))
        .group_by(Audit.audit_date, Audit.theme_id, Audit.kind, grade, Audit.team_id)
    )


def _work_counted():
    """SELECT day, kind, day of the work, count of submitted audits with both days."""
    return submitted(
        select(Audit.audit_date, Audit.kind, Audit.work_date, func.count())
        .where(col(Audit.audit_date).is_not(None), col(Audit.work_date).is_not(None))
        .group_by(Audit.audit_date, Audit.kind, Audit.work_date)
    )


def _actions_counted():
    """SELECT raised, team, due, done, verified (NOT_YET for none), count of the actions of submitted audits."""
    done = func.coalesce(RemedialAction.completed_on, literal(NOT_YET))
    verified = func.coalesce(RemedialAction.verified_on, literal(NOT_YET))
    return submitted(
        select(RemedialAction.raised_on, Audit.team_id, RemedialAction.due_on, done, verified, func.count())
        .select_from(RemedialAction).join(Audit, col(Audit.id) == col(RemedialAction.audit_id))
        .group_by(RemedialAction.raised_on, Audit.team_id, RemedialAction.due_on, done, verified)
    )


ANSWERS = Rollup(AnswerDayCount, ("day", "question_id", "grade"), "answers", _answers_counted)
AUDITS = Rollup(AuditDayCount, ("day", "theme_id", "kind", "grade", "team_id"), "audits", _audits_counted)
WORK = Rollup(AuditWorkDayCount, ("day", "kind", "work_date"), "audits", _work_counted)
ACTIONS = Rollup(ActionDayCount, ("raised_on", "team_id", "due_on", "completed_on", "verified_on"), "actions",
                 _actions_counted)
ROLLUPS = (ANSWERS, AUDITS, WORK, ACTIONS)


def contribution(session: Session, audit_id: int, rollups: tuple[Rollup, ...] = ROLLUPS) -> Contribution:
    """What one audit counts for in ``rollups`` now (nothing while it is a draft)."""
    session.flush()  # the caller's pending changes are part of it
    connection = session.connection()
    return {rollup.name: Counter({tuple(row[:-1]): row[-1]
                                  for row in connection.execute(rollup.counted().where(Audit.id == audit_id))})
            for rollup in rollups}


def action_contribution(session: Session, audit_id: int) -> Contribution:
    """What one audit's remedial actions count for now: for a step of one action (``db.actions``)."""
    return contribution(session, audit_id, (ACTIONS,))


def apply(session: Session, before: Contribution, after: Contribution) -> None:
    """Move each rollup by ``after - before`` (one audit's contributions), in the caller's transaction.

    Each changed row is an upsert that adds to what is stored, so concurrent writers of the same
    day never overwrite each other (PostgreSQL makes the second wait on the row); rows are taken
    in key order, so two writers never wait for each other in a cycle. A row that reaches 0 goes.
    """
    for rollup in ROLLUPS:
        was, now = before.get(rollup.name, Counter()), after.get(rollup.name, Counter())
        changes = {key: now[key] - was[key] for key in sorted(was.keys() | now.keys())}
        changes = {key: n for key, n in changes.items() if n}
        if changes:
            _move(session, rollup, changes)


def _move(session: Session, rollup: Rollup, changes: dict[tuple, int]) -> None:
    table = rollup.model.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(table)
    session.execute(  # one executemany
        upsert.on_conflict_do_update(index_elements=list(rollup.keys),
                                     set_={rollup.count: table.c[rollup.count] + upsert.excluded[rollup.count]}),
        [dict(zip(rollup.keys, key)) | {rollup.count: n} for key, n in changes.items()],
    )
    fallen = sorted({key[0] for key, n in changes.items() if n < 0})  # only a row that went down can reach 0
    if fallen:
        first = table.c[rollup.keys[0]]  # every key leads with a day
        session.execute(delete(table).where(first.in_(fallen), table.c[rollup.count] == 0))


# ------------------------------------------------------------------ each moderation's agreement
def _agreement_counts():
    """SELECT audit id and the five agreement counts of its graded answer pairs, grouped by audit."""
    difference = col(Answer.grade) - col(Answer.moderated_grade)

    def pairs_where(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (select(Answer.audit_id, func.count(), pairs_where(difference == 0),
                   pairs_where(and_(difference >= -1, difference <= 1)), pairs_where(difference > 0),
                   pairs_where(difference < 0))
            .where(Answer.grade >= 1, Answer.moderated_grade >= 1)
            .group_by(Answer.audit_id))


AGREEMENT_COLUMNS = ("agreement_answers", "agreement_exact", "agreement_within_one", "agreement_higher",
                     "agreement_lower")


def _grade_pairs(blind: bool):
    """SELECT moderation id, blind, first grade, second grade, count: the completed moderations'
    question grades by pair, graded 1 to 4 on both sides (what the agreement statistics count)."""
    second = col(ModerationAnswer.moderator_grade) if blind else col(ModerationAnswer.agreed_grade)
    return (select(Moderation.id, literal(blind), Answer.grade, second, func.count())
            .select_from(Moderation)
            .join(ModerationAnswer, col(ModerationAnswer.moderation_id) == col(Moderation.id))
            .join(Answer, (col(Answer.audit_id) == col(Moderation.audit_id))
                  & (col(Answer.question_id) == col(ModerationAnswer.question_id)))
            .where(Moderation.status == "completed", col(Answer.grade).between(min(GRADES), max(GRADES)),
                   second.between(min(GRADES), max(GRADES)))
            .group_by(Moderation.id, Answer.grade, second))


def _insert_grade_pairs(session: Session, *where) -> None:
    columns = [ModerationGradePair.moderation_id, ModerationGradePair.blind, ModerationGradePair.first_grade,
               ModerationGradePair.second_grade, ModerationGradePair.answers]
    for blind in (False, True):
        session.exec(insert(ModerationGradePair).from_select(columns, _grade_pairs(blind).where(*where)))


def refresh_agreement(session: Session, audit_id: int) -> None:
    """Store on the audit's completed moderation (if any) how its answers agree now, and its grade pairs."""
    session.flush()  # the caller's new grades are part of it
    row = session.exec(_agreement_counts().where(Answer.audit_id == audit_id)).first()
    counts = dict(zip(AGREEMENT_COLUMNS, row[1:] if row else (0,) * len(AGREEMENT_COLUMNS)))
    session.exec(update(Moderation).where(Moderation.audit_id == audit_id, Moderation.status == "completed")
                 .values(**counts))
    moderation = select(Moderation.id).where(Moderation.audit_id == audit_id).scalar_subquery()
    session.exec(delete(ModerationGradePair).where(ModerationGradePair.moderation_id == moderation))
    _insert_grade_pairs(session, Moderation.audit_id == audit_id)


def rebuild(session: Session) -> None:
    """Recount every rollup and every completed moderation (after a bulk load), in the caller's transaction."""
    session.flush()
    for rollup in ROLLUPS:
        table = rollup.model.__table__
        session.execute(delete(table))
        session.execute(insert(table).from_select([*rollup.keys, rollup.count], rollup.counted()))
    session.exec(update(Moderation).values(**dict.fromkeys(AGREEMENT_COLUMNS, 0)))
    completed = select(Moderation.audit_id).where(Moderation.status == "completed")
    rows = session.exec(_agreement_counts().where(col(Answer.audit_id).in_(completed))).all()
    if rows:
        session.execute(  # one executemany
            update(Moderation.__table__).where(Moderation.__table__.c.audit_id == bindparam("audit"))
            .values(**{name: bindparam(name) for name in AGREEMENT_COLUMNS}),
            [{"audit": audit_id, **dict(zip(AGREEMENT_COLUMNS, counts))} for audit_id, *counts in rows],
        )
    session.exec(delete(ModerationGradePair))
    _insert_grade_pairs(session)


__all__ = ["ROLLUPS", "Contribution", "Rollup", "action_contribution", "apply", "contribution", "rebuild",
           "refresh_agreement"]
