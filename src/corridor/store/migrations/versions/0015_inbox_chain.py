"""The chain of legs a shipment's pre-arrival data announces, kept beside its content.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("exchange_inbox") as batch:
        batch.add_column(sa.Column("chain", JSONType))


def downgrade() -> None:
    with op.batch_alter_table("exchange_inbox") as batch:
        batch.drop_column("chain")
