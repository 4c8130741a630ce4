"""progress indexes: covering indexes for the Progress page's and the board report's figures

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 04:00:00

Progress counts, for its period, the period before and programme weeks 1 to now, how many
days lay between the work audited and the audit (by audit date, work date and kind), and
every remedial action's raised, due, done and verified dates. ``ix_audit_liveness`` and
``ix_action_progress`` hold exactly those columns (with the team and the audit for the
user's scope), so each figure is one pass over an index and never reads the audit or
action rows with their free text.
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_audit_liveness", "audit", ["status", "audit_date", "kind", "work_date", "team_id"],
                    unique=False)
    op.create_index("ix_action_progress", "remedial_action",
                    ["audit_id", "raised_on", "due_on", "completed_on", "verified_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_action_progress", table_name="remedial_action")
    op.drop_index("ix_audit_liveness", table_name="audit")
