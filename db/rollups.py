"""The one rollup: answers of submitted audits counted by day, question and reported grade.

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
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import delete, func, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from db.models import Answer, AnswerDayCount, Audit
from db.queries.common import reported_answer, submitted

Key = tuple[date, int, int]  # (day, question, reported grade)


def _counted():
    """SELECT day, question, reported grade, count of the answers of submitted audits."""
    return submitted(
        select(Audit.audit_date, Answer.question_id, reported_answer, func.count())
        .select_from(Audit).join(Answer, col(Answer.audit_id) == col(Audit.id))
        .where(col(Audit.audit_date).is_not(None), reported_answer.is_not(None))
        .group_by(Audit.audit_date, Answer.question_id, reported_answer)
    )


def contribution(session: Session, audit_id: int) -> Counter[Key]:
    """What one audit counts for in the rollup now (nothing while it is a draft)."""
    session.flush()  # the caller's pending changes are part of it
    return Counter({(day, question, grade): n for day, question, grade, n
                    in session.exec(_counted().where(Audit.id == audit_id))})


def apply(session: Session, before: Counter[Key], after: Counter[Key]) -> None:
    """Move the rollup by ``after - before`` (one audit's contributions), in the caller's transaction.

    Each changed row is an upsert that adds to what is stored, so concurrent writers of the same
    day never overwrite each other (PostgreSQL makes the second wait on the row); rows are taken
    in key order, so two writers never wait for each other in a cycle. A row that reaches 0 goes.
    """
    changes = {key: after[key] - before[key] for key in sorted(before.keys() | after.keys())}
    changes = {key: n for key, n in changes.items() if n}
    if not changes:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(AnswerDayCount)
    session.execute(  # one executemany
        upsert.on_conflict_do_update(index_elements=["day", "question_id", "grade"],
                                     set_={"answers": AnswerDayCount.answers + upsert.excluded.answers}),
        [{"day": day, "question_id": question, "grade": grade, "answers": n}
         for (day, question, grade), n in changes.items()],
    )
    days = sorted({day for day, _, _ in changes})
    session.exec(delete(AnswerDayCount).where(col(AnswerDayCount.day).in_(days), AnswerDayCount.answers == 0))


def rebuild(session: Session) -> None:
    """Recount every day (after a bulk load), in the caller's transaction."""
    session.flush()
    session.exec(delete(AnswerDayCount))
    columns = [AnswerDayCount.day, AnswerDayCount.question_id, AnswerDayCount.grade, AnswerDayCount.answers]
    session.exec(insert(AnswerDayCount).from_select(columns, _counted()))


__all__ = ["apply", "contribution", "rebuild"]
