"""audit day counts: the rollups programme-wide Progress reads instead of every audit

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:40:00

``audit_day_count`` holds how many submitted audits share a day, theme, kind, reported overall grade
(the moderated one where there is one; -1 for none: the grade is part of the key) and team;
``audit_work_day_count`` how many of each kind were done on a day about the work of another day.
``db.rollups`` keeps both equal to a recount of ``audit``: every write that changes what an audit counts
for moves them by the difference. Programme-wide Progress read 98,000 audits three times at 100,000
audits (135 ms of SQL on SQLite); the rollups hold about 43,000 and 900 rows. The upgrade fills them
with the recount.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: Union[str, None] = "0013"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "audit_day_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("audits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("day", "theme_id", "kind", "grade", "team_id"),
    )
    op.create_table(
        "audit_work_day_count",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("audits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", "work_date"),
    )
    # The same recounts as db.rollups.rebuild, written out so that the migration never changes
    # with the application's code.
    op.execute(
        "INSERT INTO audit_day_count (day, theme_id, kind, grade, team_id, audits) "
        "SELECT audit_date, theme_id, kind, coalesce(moderated_overall_grade, overall_grade, -1), team_id, count(*) "
        "FROM audit WHERE status = 'submitted' AND audit_date IS NOT NULL "
        "GROUP BY audit_date, theme_id, kind, coalesce(moderated_overall_grade, overall_grade, -1), team_id"
    )
    op.execute(
        "INSERT INTO audit_work_day_count (day, kind, work_date, audits) "
        "SELECT audit_date, kind, work_date, count(*) FROM audit "
        "WHERE status = 'submitted' AND audit_date IS NOT NULL AND work_date IS NOT NULL "
        "GROUP BY audit_date, kind, work_date"
    )


def downgrade() -> None:
    op.drop_table("audit_work_day_count")
    op.drop_table("audit_day_count")
