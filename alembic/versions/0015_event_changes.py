"""event changes: what each event changed, so the data version is one index probe

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 22:10:00

Every cached query is keyed by the data version: the newest event that changed data (``ui/cache.py``).
It was found by walking the event log backwards past the reads (views, exports, sign-ins) to the first
change, which costs as many rows as there are reads since: a flood of sign-in attempts, which anyone can
make without an account and each of which is logged, made every page run of every user slower. Each new
event now says what it changed (``db.events.changes_of``): ``read``, ``draft`` (a draft's own save) or
``data``, and the version is the largest id of a kind, one probe of ``ix_event_changes``.

Events logged before this revision keep NULL (the event log refuses UPDATE): no version counts them, which
is right, since a version only has to differ after each change, and the caches it keys live in the app
processes that restart to run this migration.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: Union[str, None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("event", sa.Column("changes", sa.String(length=8), nullable=True))
    op.create_index("ix_event_changes", "event", ["changes", "id"])


def downgrade() -> None:
    op.drop_index("ix_event_changes", table_name="event")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("changes")
