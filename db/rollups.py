"""The two rollups: answers of submitted audits counted by day, question and reported grade; and
each completed moderation's agreement, counted from its audit's answers.

Programme-wide Progress and the board report group every answer of two periods by question and
grade; at 100,000 audits that is 600,000 answers for the default period and about 400 ms of
SQL. ``AnswerDayCount`` holds the same counts by day, a few thousand rows, so the query reads
those instead (``db.queries.progress_sources.domains``). Audiences limited to their own teams
still count their answers directly: the rollup has no team, which keeps it small.

One source of truth: the rollup only ever moves by what one audit counts for. A write that can
change it (saving a submitted audit or submitting one, which may also move it to another day;
completing a moderation, which sets the reported grades) takes the audit's contribution before
the change (``contribution``), makes the change, and passes both to ``apply``, which adds the
difference in the same transaction. The cost is a few rows per save whatever the size of the
database (recounting the audit's whole day took 114 ms a save at 1,000,000 audits). Bulk loads
(the demo, the synthetic benchmark data, migration 0007) call ``rebuild``, a full recount.
``tests/data/test_rollups.py`` checks, after each kind of write and on both backends, that the
rollup equals a recount written out in the test; the 8-writer load test checks it under
concurrency.

The second rollup is five counts on each completed moderation (``Moderation.agreement_*``): of its
audit's answers graded 1 to 4 by both the first auditor and the moderation, how many pairs, how many
the same grade, within one grade, the first grade higher, lower. Progress sums them by the day the
moderation was completed instead of reading ten answers a moderation (1.4 s of SQL at 1,000,000
audits on PostgreSQL). They change only when the answers' grades do, and a moderated audit can no
longer be amended (``db.audits.saving``), so the one write is completing the moderation (the agreed
grades become the moderated ones), which calls ``refresh_agreement`` in its transaction; ``rebuild``
recounts them with the first rollup.

The fourth (``ActionDayCount``) counts the remedial actions of submitted audits by team and their raised,
due, done and verified dates, the groups Progress and the board report work out every action figure from.
It moves like the first: ``contribution`` takes an audit's actions with its answers, so saving, submitting
or amending an audit moves both; an action's own steps (done, verified, reopened, a new due date, one at a
time or in bulk: ``db.actions``) take ``action_contribution`` of its audit before and after.

The third is each completed moderation's question grades counted by pair (``ModerationGradePair``):
first grade against the agreed grade, and against the moderator's blind grade. The Moderation
agreement page counts its statistics of every question from these instead of joining each
moderation's answers to its audit's. Written by ``refresh_agreement`` with the five counts.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, bindparam, case, delete, func, insert, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from core.agreement import GRADES
from db.models import (
    NOT_YET, ActionDayCount, Answer, AnswerDayCount, Audit, Moderation, ModerationAnswer, ModerationGradePair,
    RemedialAction,
)
from db.queries.common import reported_answer, submitted

Key = tuple[date, int, int]  # (day, question, reported grade)
ActionKey = tuple[date, int, date, date, date]  # (raised, team, due, done, verified)


@dataclass
class Contribution:
    """What one audit counts for in the answer and the action rollups."""

    answers: Counter[Key] = field(default_factory=Counter)
    actions: Counter[ActionKey] = field(default_factory=Counter)


def _counted():
    """SELECT day, question, reported grade, count of the answers of submitted audits."""
    return submitted(
        select(Audit.audit_date, Answer.question_id, reported_answer, func.count())
        .select_from(Audit).join(Answer, col(Answer.audit_id) == col(Audit.id))
        .where(col(Audit.audit_date).is_not(None), reported_answer.is_not(None))
        .group_by(Audit.audit_date, Answer.question_id, reported_answer)
    )


def contribution(session: Session, audit_id: int) -> Contribution:
    """What one audit counts for in the rollups now (nothing while it is a draft)."""
    session.flush()  # the caller's pending changes are part of it
    answers = Counter({(day, question, grade): n for day, question, grade, n
                       in session.exec(_counted().where(Audit.id == audit_id))})
    return Contribution(answers, action_contribution(session, audit_id))


def _actions_counted():
    """SELECT raised, team, due, done, verified (NOT_YET for none), count of the actions of submitted audits."""
    done = func.coalesce(RemedialAction.completed_on, literal(NOT_YET))
    verified = func.coalesce(RemedialAction.verified_on, literal(NOT_YET))
    return submitted(
        select(RemedialAction.raised_on, Audit.team_id, RemedialAction.due_on, done, verified, func.count())
        .select_from(RemedialAction).join(Audit, col(Audit.id) == col(RemedialAction.audit_id))
        .group_by(RemedialAction.raised_on, Audit.team_id, RemedialAction.due_on, done, verified)
    )


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def action_contribution(session: Session, audit_id: int) -> Counter[ActionKey]:
    """What one audit's remedial actions count for in the action rollup now (nothing while it is a draft)."""
    session.flush()
    return Counter({(_as_date(raised), team, _as_date(due), _as_date(done), _as_date(verified)): n
                    for raised, team, due, done, verified, n
                    in session.connection().execute(_actions_counted().where(Audit.id == audit_id))})


def _changes(before: Counter, after: Counter) -> dict:
    """``after - before`` key by key, in key order (so two writers never wait for each other in a cycle)."""
    changes = {key: after[key] - before[key] for key in sorted(before.keys() | after.keys())}
    return {key: n for key, n in changes.items() if n}


def _upsert(session: Session):
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


def apply(session: Session, before: Contribution, after: Contribution) -> None:
    """Move the rollups by ``after - before`` (one audit's contributions), in the caller's transaction.

    Each changed row is an upsert that adds to what is stored, so concurrent writers of the same
    day never overwrite each other (PostgreSQL makes the second wait on the row); rows are taken
    in key order, so two writers never wait for each other in a cycle. A row that reaches 0 goes.
    """
    changes = _changes(before.answers, after.answers)
    if changes:
        upsert = _upsert(session)(AnswerDayCount)
        session.execute(  # one executemany
            upsert.on_conflict_do_update(index_elements=["day", "question_id", "grade"],
                                         set_={"answers": AnswerDayCount.answers + upsert.excluded.answers}),
            [{"day": day, "question_id": question, "grade": grade, "answers": n}
             for (day, question, grade), n in changes.items()],
        )
        days = sorted({day for day, _, _ in changes})
        session.exec(delete(AnswerDayCount).where(col(AnswerDayCount.day).in_(days), AnswerDayCount.answers == 0))
    apply_actions(session, before.actions, after.actions)


def apply_actions(session: Session, before: Counter[ActionKey], after: Counter[ActionKey]) -> None:
    """Move the action rollup by ``after - before`` (one audit's actions), as ``apply`` moves the answers'."""
    changes = _changes(before, after)
    if not changes:
        return
    upsert = _upsert(session)(ActionDayCount)
    session.execute(  # one executemany
        upsert.on_conflict_do_update(
            index_elements=["raised_on", "team_id", "due_on", "completed_on", "verified_on"],
            set_={"actions": ActionDayCount.actions + upsert.excluded.actions}),
        [{"raised_on": raised, "team_id": team, "due_on": due, "completed_on": done, "verified_on": verified,
          "actions": n} for (raised, team, due, done, verified), n in changes.items()],
    )
    days = sorted({raised for raised, *_ in changes})
    session.exec(delete(ActionDayCount).where(col(ActionDayCount.raised_on).in_(days), ActionDayCount.actions == 0))


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
    """Recount every day and every completed moderation (after a bulk load), in the caller's transaction."""
    session.flush()
    session.exec(delete(AnswerDayCount))
    columns = [AnswerDayCount.day, AnswerDayCount.question_id, AnswerDayCount.grade, AnswerDayCount.answers]
    session.exec(insert(AnswerDayCount).from_select(columns, _counted()))
    session.exec(delete(ActionDayCount))
    session.exec(insert(ActionDayCount).from_select(
        [ActionDayCount.raised_on, ActionDayCount.team_id, ActionDayCount.due_on, ActionDayCount.completed_on,
         ActionDayCount.verified_on, ActionDayCount.actions], _actions_counted()))
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


__all__ = ["Contribution", "action_contribution", "apply", "apply_actions", "contribution", "rebuild",
           "refresh_agreement"]
