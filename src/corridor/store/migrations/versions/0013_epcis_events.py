"""EPCIS 2.0 custody events, the identifiers each names, and capture jobs.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from corridor.store.tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "epcis_events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "shipment_id",
            sa.String(36),
            sa.ForeignKey("shipments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_time", UTCDateTime(), nullable=False),
        sa.Column("biz_step", sa.String(120), nullable=False),
        sa.Column("location", sa.String(64)),
        sa.Column("country", sa.String(2)),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("event", JSONType, nullable=False),
        sa.Column("error_declaration", JSONType),
    )
    op.create_index("ix_epcis_events_shipment", "epcis_events", ["shipment_id", "event_time", "id"])
    op.create_index("ix_epcis_events_country", "epcis_events", ["country", "event_time", "id"])
    op.create_table(
        "epcis_event_epcs",
        sa.Column("epc", sa.String(100), primary_key=True),
        sa.Column("event_time", UTCDateTime(), primary_key=True),
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("epcis_events.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "epcis_captures",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_by", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("declarations", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("epcis_captures")
    op.drop_table("epcis_event_epcs")
    op.drop_table("epcis_events")
