"""The inbox's messages of a shipment and kind in the order they came, as one index range.

Revision ID: 0025
Revises: 0024
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_exchange_inbox_arrival",
        "exchange_inbox",
        ["shipment_id", "kind", "received_at", "envelope_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_exchange_inbox_arrival", table_name="exchange_inbox")
