"""Envelopes held until the sender's clock and this node's agree, the peers' ledger heads
this node witnessed (checkpoints), and the health check's write probe.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

from corridor.store.tables import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_held",
        sa.Column("envelope_id", sa.String(64), primary_key=True),
        sa.Column("from_node", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("held_at", UTCDateTime(), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False, index=True),
        sa.Column("reason", sa.String(500), nullable=False),
    )
    op.create_table(
        "exchange_checkpoints",
        sa.Column("envelope_id", sa.String(64), primary_key=True),
        sa.Column("shipment_id", sa.String(36), nullable=False, index=True),
        sa.Column("from_node", sa.String(32), nullable=False),
        sa.Column("head_seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("witnessed_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "node_probe",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("node_probe")
    op.drop_table("exchange_checkpoints")
    op.drop_table("exchange_held")
