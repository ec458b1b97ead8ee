"""The holder's side of NCTS movements: declarations lodged and the messages exchanged.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

from corridor.store.tables import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ncts_lodged",
        sa.Column("lrn", sa.String(22), primary_key=True),
        sa.Column("shipment_id", sa.String(36), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("holder_id", sa.String(64), nullable=False),
        sa.Column("mrn", sa.String(18), unique=True),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_ncts_lodged_shipment_id", "ncts_lodged", ["shipment_id"])
    op.create_table(
        "ncts_lodged_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lrn", sa.String(22), sa.ForeignKey("ncts_lodged.lrn"), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("message", sa.String(8), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("xml", sa.LargeBinary, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_ncts_lodged_messages_lrn", "ncts_lodged_messages", ["lrn"])


def downgrade() -> None:
    op.drop_index("ix_ncts_lodged_messages_lrn", "ncts_lodged_messages")
    op.drop_table("ncts_lodged_messages")
    op.drop_index("ix_ncts_lodged_shipment_id", "ncts_lodged")
    op.drop_table("ncts_lodged")
