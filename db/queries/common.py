"""Building blocks shared by the read queries: scope filters and reported grades."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Integer, String, and_, case, cast, func, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session, col, select

from core.authz import Scope
from db.models import Answer, Audit, Programme, RemedialAction

# The grade reporting uses: the agreed moderated grade wherever an audit was moderated.
reported_overall = func.coalesce(col(Audit.moderated_overall_grade), col(Audit.overall_grade))
reported_answer = func.coalesce(col(Answer.moderated_grade), col(Answer.grade))


def rag_expression(grade):
    """SQL for the RAG letter of a grade column (NULL for not applicable / ungraded)."""
    return case((grade == 1, "R"), (grade == 2, "A"), (grade >= 3, "G"), else_=None)


def total(counts):
    """SUM of a column of counts, read as an integer on both databases (PostgreSQL sums the bigints
    of ``count(*)`` to numeric, which arrives as a Decimal)."""
    return cast(func.sum(counts), Integer)


def in_scope(statement, scope: Scope, team_column=Audit.team_id):
    """Limit ``statement`` to the teams ``scope`` may see."""
    team_ids = scope.team_ids
    if team_ids is None:
        return statement
    if not team_ids:
        return statement.where(False)
    return statement.where(col(team_column).in_(sorted(team_ids)))


def submitted(statement):
    return statement.where(Audit.status == "submitted")


def current_programme(session) -> Programme | None:
    return session.exec(select(Programme).where(Programme.active == True).order_by(col(Programme.start_date).desc())).first()  # noqa: E712


class unindexed_on_sqlite(ColumnElement):
    """A column that SQLite's planner must not pick an index for, written ``coalesce(column, '')``
    there (which changes no result for a column that is never NULL) and plainly elsewhere.

    SQLite plans joins from the indexes it sees; hiding one makes it walk the other table.
    PostgreSQL estimates rows from the column's statistics, which the same coalesce() would hide
    (it then planned a nested loop over every audit, 3 times slower than the hash join it
    chooses with the plain column).
    """

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(unindexed_on_sqlite)
def _plain(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(unindexed_on_sqlite, "sqlite")
def _hidden(element, compiler, **kw):
    return f"coalesce({compiler.process(element.column, **kw)}, '')"


# A draft's remedial actions are stored with it, but they do not exist for the tracker,
# the counts or the reports until the audit is submitted: join actions to audits this way.
# Written so that SQLite's planner walks the actions (through an index led by ``audit_id``) and
# looks each audit up by id in the actions' order, instead of walking every submitted audit
# through an index led by status and probing for actions, or walking the actions in status
# order and probing audits at random (3 to 4 times slower at 100,000 audits). PostgreSQL gets
# the plain column: its hash join took the tracker's headline from 1,078 to 353 ms at 1,000,000.
action_of_submitted_audit = and_(col(RemedialAction.audit_id) == col(Audit.id),
                                 unindexed_on_sqlite(col(Audit.status)) == "submitted")


def grouped_rows(session: Session, statement) -> list:
    """The rows of a grouped statement, read on the session's connection: on the thousands of groups of
    a large programme the ORM's processing of each row cost more than the grouping itself."""
    return session.connection().execute(statement).all()


def as_text(column):
    """A day read as the driver gives it (ISO text on SQLite, a date on PostgreSQL), for the thousands of
    grouped rows of a large programme: SQLAlchemy's date processing of each row is skipped (on the action
    rollup's 6,074 rows at 100,000 audits, 8.5 ms to read them with it, 5.7 without). Read each value
    with ``read_day``, once per distinct day where days repeat."""
    return type_coerce(column, String)


def read_day(value) -> date | None:
    """The date of a day as a driver gives it: ISO text (``as_text``, SQL's ``date``/``CAST AS DATE`` of a
    timestamp on SQLite), a date, or a timestamp (its day)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
