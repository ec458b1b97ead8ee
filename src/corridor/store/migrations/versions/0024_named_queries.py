"""EPCIS named queries: an organisation's saved simple event queries.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

from corridor.store.types import JSONType, UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "epcis_queries",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("parameters", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("epcis_queries")
