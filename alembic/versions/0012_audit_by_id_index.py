"""audit by id index: a moderation's audit's status, team, author, template and grades, from an index

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 22:45:00

The Moderation agreement page, its filters and Progress's agreement join each completed moderation
to its audit for the audit's status, team, author, template or grades. At 1,000,000 audits PostgreSQL did
that with a hash join over every audit row (a sequential scan of the audit table for 36,374
moderations). With these columns in an index led by the id it probes the index alone (an
index-only scan): Progress's agreement statement about 250 -> 65 ms, the agreement page's cold run
720-870 -> 410-620 ms. On SQLite it is neutral (the audits are found by rowid either way).
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0012"
down_revision: Union[str, None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_audit_by_id", "audit", ["id", "status", "team_id", "auditor_id", "template_version_id",
                                               "overall_grade", "moderated_overall_grade"])


def downgrade() -> None:
    op.drop_index("ix_audit_by_id", table_name="audit")
