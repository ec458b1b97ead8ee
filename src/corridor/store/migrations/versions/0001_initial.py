"""Initial schema: organisations, API keys, shipments, parties, documents, events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from corridor.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("tax_id", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_organisations_country", "organisations", ["country"])
    op.create_index("ix_organisations_role", "organisations", ["role"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.String(64),
            sa.ForeignKey("organisations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_api_keys_organisation_id", "api_keys", ["organisation_id"])
    op.create_table(
        "shipments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("submitted_by", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.Column("destination", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("route", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("submitted_by", "reference", name="uq_shipment_ref"),
    )
    op.create_table(
        "shipment_parties",
        sa.Column(
            "shipment_id",
            sa.String(36),
            sa.ForeignKey("shipments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "organisation_id", sa.String(64), sa.ForeignKey("organisations.id"), primary_key=True
        ),
        sa.Column("role", sa.String(16), primary_key=True),
    )
    op.create_index("ix_shipment_parties_org", "shipment_parties", ["organisation_id"])
    op.create_table(
        "documents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "shipment_id",
            sa.String(36),
            sa.ForeignKey("shipments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_documents_shipment_id", "documents", ["shipment_id"])
    op.create_table(
        "shipment_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "shipment_id",
            sa.String(36),
            sa.ForeignKey("shipments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("place", sa.String(64), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
    )
    op.create_index("ix_shipment_events_shipment_id", "shipment_events", ["shipment_id"])


def downgrade() -> None:
    for table in ("shipment_events", "documents", "shipment_parties", "shipments", "api_keys"):
        op.drop_table(table)
    op.drop_table("organisations")
