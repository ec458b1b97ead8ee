"""Listing a party's shipments from one index that holds the order.

Each party row carries its shipment's creation time, indexed on (organisation, created_at,
shipment): the newest shipments an organisation is party to are the first entries of a
backward index scan, at any store size and from any keyset position. A shipment keeps its
readiness verdict in a column of its own, so a list never reads the (large) report.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from corridor.store.tables import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("ready", sa.Boolean(), nullable=True))
    shipments = sa.table(
        "shipments", sa.column("ready", sa.Boolean()), sa.column("readiness", sa.JSON())
    )
    op.execute(
        shipments.update()
        .where(shipments.c.readiness.is_not(None))
        .values(ready=shipments.c.readiness["ready"].as_boolean())
    )
    with op.batch_alter_table("shipment_parties") as batch:
        batch.add_column(sa.Column("created_at", UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE shipment_parties SET created_at = "
        "(SELECT created_at FROM shipments WHERE shipments.id = shipment_parties.shipment_id)"
    )
    with op.batch_alter_table("shipment_parties") as batch:
        batch.alter_column("created_at", existing_type=UTCDateTime(), nullable=False)
        batch.drop_index("ix_shipment_parties_org")
        batch.create_index(
            "ix_shipment_parties_listing",
            ["organisation_id", "created_at", "shipment_id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("shipment_parties") as batch:
        batch.drop_index("ix_shipment_parties_listing")
        batch.create_index("ix_shipment_parties_org", ["organisation_id"])
        batch.drop_column("created_at")
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("ready")
