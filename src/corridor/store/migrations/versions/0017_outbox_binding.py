"""What each envelope in the outbox was about (its shipment and the ledger head it carried),
so that a receipt is held to the envelope it answers.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_outbox") as batch:
        batch.add_column(sa.Column("shipment_id", sa.String(36)))
        batch.add_column(sa.Column("head_seq", sa.Integer))
        batch.add_column(sa.Column("head_hash", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("exchange_outbox") as batch:
        batch.drop_column("head_hash")
        batch.drop_column("head_seq")
        batch.drop_column("shipment_id")
