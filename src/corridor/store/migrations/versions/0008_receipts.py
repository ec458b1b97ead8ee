"""Receipts between nodes: what each receiver answered, and the ledger head it witnessed.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from corridor.store.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_outbox") as batch:
        batch.add_column(sa.Column("receipt_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("receipt_reason", sa.String(500), nullable=True))
        batch.add_column(sa.Column("receipt_at", UTCDateTime(), nullable=True))
    op.create_table(
        "exchange_receipts",
        sa.Column("envelope_id", sa.String(36), primary_key=True),
        sa.Column("shipment_id", sa.String(64), nullable=False),
        sa.Column("node", sa.String(32), nullable=False),
        sa.Column("organisation_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("head_seq", sa.Integer(), nullable=True),
        sa.Column("head_hash", sa.String(64), nullable=True),
        sa.Column("statement", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_exchange_receipts_shipment_id", "exchange_receipts", ["shipment_id"])


def downgrade() -> None:
    op.drop_index("ix_exchange_receipts_shipment_id", "exchange_receipts")
    op.drop_table("exchange_receipts")
    with op.batch_alter_table("exchange_outbox") as batch:
        batch.drop_column("receipt_at")
        batch.drop_column("receipt_reason")
        batch.drop_column("receipt_status")
