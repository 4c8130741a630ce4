"""moderation grade pair: each completed moderation's question grades counted by pair

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 21:30:00

The Moderation agreement page's statistics of every question joined each completed moderation's
answers to its audit's and grouped them by moderation and grade pair: 363,740 answer pairs at
1,000,000 audits. ``moderation_grade_pair`` holds those groups, a few rows a moderation, for both
comparisons the page offers (the agreed grade, and the moderator's blind grade). ``db.rollups``
writes a moderation's rows when it is completed; the upgrade counts them for every completed
moderation already stored.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: Union[str, None] = "0009"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The same count as db.rollups, written out so that this migration never changes with the
# application's code: graded pairs only (1 to 4 on both sides; 0 is not applicable).
COUNT = (
    "INSERT INTO moderation_grade_pair (moderation_id, blind, first_grade, second_grade, answers) "
    "SELECT moderation.id, {blind}, answer.grade, moderation_answer.{second}, count(*) "
    "FROM moderation "
    "JOIN moderation_answer ON moderation_answer.moderation_id = moderation.id "
    "JOIN answer ON answer.audit_id = moderation.audit_id AND answer.question_id = moderation_answer.question_id "
    "WHERE moderation.status = 'completed' AND answer.grade BETWEEN 1 AND 4 "
    "AND moderation_answer.{second} BETWEEN 1 AND 4 "
    "GROUP BY moderation.id, answer.grade, moderation_answer.{second}"
)


def upgrade() -> None:
    op.create_table(
        "moderation_grade_pair",
        sa.Column("moderation_id", sa.Integer(), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        sa.Column("first_grade", sa.Integer(), nullable=False),
        sa.Column("second_grade", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["moderation_id"], ["moderation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("moderation_id", "blind", "first_grade", "second_grade"),
    )
    for blind, second in ((False, "agreed_grade"), (True, "moderator_grade")):
        op.execute(COUNT.format(blind="TRUE" if blind else "FALSE", second=second))  # nosec B608 - constants


def downgrade() -> None:
    op.drop_table("moderation_grade_pair")
