"""Customs on an authority's node: officers, targeting profile versions, assessed
declarations, decisions, guarantees and transit movements; where and when pre-arrival data
expects the shipment.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from corridor.store.tables import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("officer_id", sa.String(64), nullable=True))
    with op.batch_alter_table("exchange_inbox") as batch:
        batch.add_column(sa.Column("crossing", sa.String(64), nullable=True))
        batch.add_column(sa.Column("eta", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("lodge_by", UTCDateTime(), nullable=True))
    op.create_table(
        "customs_officers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "organisation_id", sa.String(64), sa.ForeignKey("organisations.id"), nullable=False
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_customs_officers_organisation_id", "customs_officers", ["organisation_id"])
    op.create_table(
        "customs_profile_sets",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("authority", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("officer_id", sa.String(64), nullable=False),
        sa.Column("installed_at", UTCDateTime(), nullable=False),
        sa.Column("calibration", JSON, nullable=False),
    )
    op.create_table(
        "customs_declarations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("shipment_id", sa.String(64), nullable=False),
        sa.Column("procedure", sa.String(16), nullable=False),
        sa.Column("crossing", sa.String(64), nullable=True),
        sa.Column("eta", UTCDateTime(), nullable=True),
        sa.Column("lodge_by", UTCDateTime(), nullable=True),
        sa.Column("declarant", sa.String(200), nullable=True),
        sa.Column("envelopes", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("assessment", JSON, nullable=False),
        sa.Column("profile_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mrn", sa.String(18), nullable=True, unique=True),
        sa.Column("assessed_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("shipment_id", "procedure", name="uq_declaration"),
    )
    op.create_index("ix_customs_declarations_shipment_id", "customs_declarations", ["shipment_id"])
    op.create_index("ix_customs_declarations_eta", "customs_declarations", ["eta"])
    op.create_index("ix_customs_declarations_declarant", "customs_declarations", ["declarant"])
    op.create_table(
        "customs_decisions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "declaration_id",
            sa.String(36),
            sa.ForeignKey("customs_declarations.id"),
            nullable=False,
        ),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column(
            "officer_id", sa.String(64), sa.ForeignKey("customs_officers.id"), nullable=False
        ),
        sa.Column(
            "endorsed_by", sa.String(64), sa.ForeignKey("customs_officers.id"), nullable=True
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_customs_decisions_declaration_id", "customs_decisions", ["declaration_id"])
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


def downgrade() -> None:
    op.drop_index("ix_transit_messages_mrn", "transit_messages")
    op.drop_table("transit_messages")
    op.drop_table("transit_movements")
    op.drop_table("customs_guarantees")
    op.drop_index("ix_customs_decisions_declaration_id", "customs_decisions")
    op.drop_table("customs_decisions")
    op.drop_index("ix_customs_declarations_declarant", "customs_declarations")
    op.drop_index("ix_customs_declarations_eta", "customs_declarations")
    op.drop_index("ix_customs_declarations_shipment_id", "customs_declarations")
    op.drop_table("customs_declarations")
    op.drop_table("customs_profile_sets")
    op.drop_index("ix_customs_officers_organisation_id", "customs_officers")
    op.drop_table("customs_officers")
    with op.batch_alter_table("exchange_inbox") as batch:
        batch.drop_column("lodge_by")
        batch.drop_column("eta")
        batch.drop_column("crossing")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("officer_id")
