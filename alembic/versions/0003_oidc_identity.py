"""oidc identity: how each user signs in, and the provider identity linked to them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 01:00:00

``user.sign_in`` is 'local', 'provider' or 'both' (existing users keep 'local').
``user_identity`` holds the OpenID Connect identity (issuer + subject, unique)
linked to a user, at most one per user. See docs/sso.md.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
# TEMPORARY: 0003 (sign-in hardening) is being written concurrently; this points at 0002 until
# both are merged. The lead sets it back to "0003" at merge.
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sign_in", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="local")
        )
    op.create_table(
        "user_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("linked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("linked_by", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("last_sign_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "subject", name="uq_user_identity_issuer_subject"),
        sa.UniqueConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("user_identity")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 or later), not batch mode: batch mode copied and dropped
    # the user table on SQLite, and the drop deleted every user_role and managed_team row through
    # their ON DELETE CASCADE.
    op.execute('ALTER TABLE "user" DROP COLUMN sign_in')
