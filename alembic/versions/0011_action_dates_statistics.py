"""action dates statistics: PostgreSQL learns how few (raised, due, done, verified) combinations there are

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 22:15:00

Progress and the board report count remedial actions by team and their four dates. PostgreSQL
multiplies the four columns' distinct counts and expects 313,751 groups for 320,111 actions at
1,000,000 audits, so it sorts every action (on disk) to group them; there are 6,240. Multivariate
statistics of the four columns (``CREATE STATISTICS ... (ndistinct)``) give it the true figure, and
it groups them in a hash table: 450 -> 350 ms. SQLite has no such statistics and needs none (it
walks the actions in audit order). The next ANALYZE (autovacuum's, or the one here) fills them.
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0011"
down_revision: Union[str, None] = "0010"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME = "st_action_dates"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE STATISTICS {NAME} (ndistinct) ON raised_on, due_on, completed_on, verified_on "
               "FROM remedial_action")
    op.execute("ANALYZE remedial_action")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP STATISTICS IF EXISTS {NAME}")
