"""Organisations enrol their own API keys: one-time enrolment codes, suspension.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from corridor.store.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("suspended_at", UTCDateTime(), nullable=True))
    op.create_table(
        "enrolments",
        sa.Column(
            "organisation_id",
            sa.String(64),
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("code_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("enrolments")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("suspended_at")
