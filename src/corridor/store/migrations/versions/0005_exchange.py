"""Exchange between nodes: transactional outbox, idempotent inbox, rejection log.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from corridor.store.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("to_node", sa.String(32), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_exchange_outbox_to_node", "exchange_outbox", ["to_node"])
    op.create_index("ix_exchange_outbox_sent_at", "exchange_outbox", ["sent_at"])
    op.create_table(
        "exchange_inbox",
        sa.Column("envelope_id", sa.String(36), primary_key=True),
        sa.Column("from_node", sa.String(32), nullable=False),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("shipment_id", sa.String(36), nullable=False),
        sa.Column("procedure", sa.String(16), nullable=False),
        sa.Column("content", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_exchange_inbox_shipment_id", "exchange_inbox", ["shipment_id"])
    op.create_table(
        "exchange_rejections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("envelope_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in ("exchange_rejections", "exchange_inbox", "exchange_outbox"):
        op.drop_table(table)
