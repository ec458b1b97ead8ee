"""The corridor trust list: public keys of organisations with validity and revocation.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from corridor.store.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trusted_keys",
        sa.Column("kid", sa.String(32), primary_key=True),
        sa.Column(
            "organisation_id", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False
        ),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_to", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_trusted_keys_organisation_id", "trusted_keys", ["organisation_id"])


def downgrade() -> None:
    op.drop_table("trusted_keys")
