"""The one rollup: answers of submitted audits counted by day, question and reported grade.

Programme-wide Progress and the board report group every answer of two periods by question and
grade; at 100,000 audits that is 600,000 answers for the default period and about 400 ms of
SQL. ``AnswerDayCount`` holds the same counts by day, a few thousand rows, so the query reads
those instead (``db.queries.progress_sources.domains``). Audiences limited to their own teams
still count their answers directly: the rollup has no team, which keeps it small.

One source of truth: the rollup is never edited by itself. Every write that can change what a
day counts (saving a submitted audit or submitting one, which may also move it to another day;
completing a moderation, which sets moderated grades) calls ``refresh_days`` in its own
transaction, and a refresh recounts the whole day from ``Answer`` and ``Audit``. A refresh is
therefore idempotent, and a day that was ever wrong is right again after its next write.
Bulk loads (the demo, the synthetic benchmark data, migration 0007) call ``rebuild``.
``tests/data/test_rollups.py`` checks, after each kind of write and on both backends, that the
rollup equals a recount written out in the test.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, func, insert, text
from sqlmodel import Session, col, select

from db.models import Answer, AnswerDayCount, Audit
from db.queries.common import reported_answer, submitted

# Two concurrent refreshes of one day on PostgreSQL would each delete the day's rows and insert a
# recount that misses the other's uncommitted answers; a transaction-level advisory lock per day
# makes the second wait for the first to commit, and its recount then sees both. (SQLite writes
# are serial already: ``db.engine`` begins every write transaction IMMEDIATE.)
_LOCK_SPACE = 7_401


def _recount(days: list[date] | None):
    """SELECT day, question, reported grade, count of the submitted audits' answers (of ``days``)."""
    statement = submitted(
        select(Audit.audit_date, Answer.question_id, reported_answer, func.count())
        .select_from(Audit).join(Answer, col(Answer.audit_id) == col(Audit.id))
        .where(col(Audit.audit_date).is_not(None), reported_answer.is_not(None))
        .group_by(Audit.audit_date, Answer.question_id, reported_answer)
    )
    return statement if days is None else statement.where(col(Audit.audit_date).in_(days))


def _write(session: Session, days: list[date] | None) -> None:
    session.flush()  # the caller's pending changes are part of the recount
    removed = delete(AnswerDayCount)
    session.exec(removed if days is None else removed.where(col(AnswerDayCount.day).in_(days)))
    columns = [AnswerDayCount.day, AnswerDayCount.question_id, AnswerDayCount.grade, AnswerDayCount.answers]
    session.exec(insert(AnswerDayCount).from_select(columns, _recount(days)))


def refresh_days(session: Session, days: Iterable[date | None]) -> None:
    """Recount ``days`` (Nones ignored) in the caller's transaction."""
    wanted = sorted({day for day in days if day is not None})
    if not wanted:
        return
    if session.get_bind().dialect.name == "postgresql":
        for day in wanted:  # in order, so two writers never wait for each other in a cycle
            session.exec(text("SELECT pg_advisory_xact_lock(:space, :day)").bindparams(
                space=_LOCK_SPACE, day=day.toordinal()))
    _write(session, wanted)


def rebuild(session: Session) -> None:
    """Recount every day (after a bulk load), in the caller's transaction."""
    _write(session, None)


__all__ = ["rebuild", "refresh_days"]
