"""heatmap indexes: covering indexes for the RAG heatmaps' aggregates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00

The heatmaps group submitted audits by team and theme (or by day, for weeks) and
answers by practitioner and question domain. These indexes hold every column
those queries read, so they are answered from the index alone, mostly in group
order, without touching the audit and answer rows (which carry the long
free-text fields): one led by team for whole programmes and the teams a manager
picks, one led by date for a chosen period and the weekly trend.
Measured on 100,000 audits with ``python -m bench``.
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

AUDIT_COLUMNS = ["status", "team_id", "theme_id", "audit_date", "kind", "practitioner_id", "overall_grade",
                 "moderated_overall_grade", "id"]
PERIOD_COLUMNS = ["status", "audit_date", "team_id", "theme_id", "kind", "practitioner_id", "overall_grade",
                  "moderated_overall_grade", "id"]
ANSWER_COLUMNS = ["audit_id", "question_id", "grade", "moderated_grade"]


def upgrade() -> None:
    op.create_index("ix_audit_heatmap", "audit", AUDIT_COLUMNS, unique=False)
    op.create_index("ix_audit_heatmap_period", "audit", PERIOD_COLUMNS, unique=False)
    op.create_index("ix_answer_heatmap", "answer", ANSWER_COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_answer_heatmap", table_name="answer")
    op.drop_index("ix_audit_heatmap_period", table_name="audit")
    op.drop_index("ix_audit_heatmap", table_name="audit")
