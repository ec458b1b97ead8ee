"""What a timeline step is about (a document's kind), so that a page words it in its reader's
language rather than showing the stored English summary.

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shipment_events", sa.Column("subject", sa.String(40), nullable=True))


def downgrade() -> None:
    op.drop_column("shipment_events", "subject")
