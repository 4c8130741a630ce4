"""moderation agreement: each completed moderation stores how its audit's answers agree

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 18:30:00

Progress and the board report count, for every moderation completed in their weeks, how many of
the audit's graded answers the moderation agreed with exactly, within one grade, or with the first
grade higher or lower. Read from the answers, that is ten answers a moderation (363,740 answers for
36,374 moderations at 1,000,000 audits: 1.4 s on PostgreSQL). ``db.rollups`` keeps the five counts
on the moderation row, written when it is completed (a moderated audit can no longer be amended);
the upgrade counts them for every completed moderation already stored.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ("agreement_answers", "agreement_exact", "agreement_within_one", "agreement_higher", "agreement_lower")
# The same rule as db.rollups, written out so that this migration never changes: pairs where both
# grades are 1 to 4 (not applicable is 0), compared first grade minus moderated grade.
CONDITIONS = {
    "agreement_answers": "1 = 1",
    "agreement_exact": "answer.grade = answer.moderated_grade",
    "agreement_within_one": "answer.grade - answer.moderated_grade BETWEEN -1 AND 1",
    "agreement_higher": "answer.grade > answer.moderated_grade",
    "agreement_lower": "answer.grade < answer.moderated_grade",
}


def upgrade() -> None:
    # Plain ALTER TABLE on both databases. Alembic's batch mode would copy the table on SQLite and
    # drop the old one, which deletes every moderation_answer row through its ON DELETE CASCADE.
    for name in COLUMNS:
        op.add_column("moderation", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    assignments = ", ".join(
        f"{name} = (SELECT count(*) FROM answer WHERE answer.audit_id = moderation.audit_id "  # nosec B608
        f"AND answer.grade >= 1 AND answer.moderated_grade >= 1 AND {CONDITIONS[name]})"
        for name in COLUMNS)
    op.execute(f"UPDATE moderation SET {assignments} WHERE status = 'completed'")  # nosec B608 - constants


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN: SQLite 3.35 or later (not batch mode: see upgrade).
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE moderation DROP COLUMN {name}")  # nosec B608 - the constants above
