"""Trusted keys: revocation reason and a version for the signed directory.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trusted_keys") as batch:
        batch.add_column(sa.Column("revocation_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("trusted_keys") as batch:
        batch.drop_column("version")
        batch.drop_column("revocation_reason")
