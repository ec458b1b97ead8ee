"""A member's recovery code, and a recovery enrolment's waiting time.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

from corridor.store.tables import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recovery_codes",
        sa.Column(
            "organisation_id",
            sa.String(64),
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("code_sha256", sa.String(64), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("enrolments") as batch:
        batch.add_column(sa.Column("usable_from", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enrolments") as batch:
        batch.drop_column("usable_from")
    op.drop_table("recovery_codes")
