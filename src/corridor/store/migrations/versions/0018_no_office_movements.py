"""The office-side transit movement goes: corridor is trader software towards a national NCTS
(the holder's side lives in ncts_lodged), so an authority's node keeps no movements, their
messages or the guarantees registered for them.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from corridor.store.tables import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.drop_index("ix_transit_messages_mrn", "transit_messages")
    op.drop_table("transit_messages")
    op.drop_table("transit_movements")
    op.drop_table("customs_guarantees")


def downgrade() -> None:
    op.create_table(
        "customs_guarantees",
        sa.Column("grn", sa.String(24), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("amount", sa.String(24), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reserved", sa.String(24), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "transit_movements",
        sa.Column("mrn", sa.String(18), primary_key=True),
        sa.Column(
            "declaration_id",
            sa.String(36),
            sa.ForeignKey("customs_declarations.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("grn", sa.String(24), nullable=True),
        sa.Column("reserved", sa.String(24), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "transit_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("mrn", sa.String(18), sa.ForeignKey("transit_movements.mrn"), nullable=False),
        sa.Column("message", sa.String(8), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("officer_id", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("xml", sa.LargeBinary(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_transit_messages_mrn", "transit_messages", ["mrn"])
