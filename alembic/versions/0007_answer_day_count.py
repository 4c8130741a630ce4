"""answer day count: the rollup programme-wide Progress reads instead of every answer

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:30:00

``answer_day_count`` holds how many answers of submitted audits had each reported grade (the
moderated one where there is one), by audit day and question. ``db.rollups`` keeps it equal to
a recount of ``answer``: every write that changes what an audit counts for moves it by the
difference. The upgrade fills it with the recount of every day already stored.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "answer_day_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"]),
        sa.PrimaryKeyConstraint("day", "question_id", "grade"),
    )
    # The same recount as db.rollups.rebuild, written out so that the migration never changes
    # with the application's code.
    op.execute(
        "INSERT INTO answer_day_count (day, question_id, grade, answers) "
        "SELECT audit.audit_date, answer.question_id, coalesce(answer.moderated_grade, answer.grade), count(*) "
        "FROM audit JOIN answer ON answer.audit_id = audit.id "
        "WHERE audit.status = 'submitted' AND audit.audit_date IS NOT NULL "
        "AND coalesce(answer.moderated_grade, answer.grade) IS NOT NULL "
        "GROUP BY audit.audit_date, answer.question_id, coalesce(answer.moderated_grade, answer.grade)"
    )


def downgrade() -> None:
    op.drop_table("answer_day_count")
