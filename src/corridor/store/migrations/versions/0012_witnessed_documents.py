"""When each signed document was first witnessed, by this node or by another's receipt.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from corridor.store.tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witnessed_documents",
        sa.Column("jws_sha256", sa.String(64), primary_key=True),
        sa.Column("node", sa.String(32), primary_key=True),
        sa.Column("witnessed_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("witnessed_documents")
