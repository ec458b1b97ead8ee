"""The nodes a port or carrier works at, so that a shipment it carries is routed there.

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organisations", sa.Column("works_at", sa.String(400), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35 and later): rebuilding the table, as a batch does,
    # would trip the foreign keys of every table that names an organisation.
    op.drop_column("organisations", "works_at")
