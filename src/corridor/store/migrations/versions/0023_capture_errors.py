"""A capture job's error behaviour and the events it refused (GS1-Capture-Error-Behaviour).

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

from corridor.store.types import JSONType

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("epcis_captures") as batch:
        batch.add_column(
            sa.Column("behaviour", sa.String(10), nullable=False, server_default="rollback")
        )
        batch.add_column(sa.Column("errors", JSONType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("epcis_captures") as batch:
        batch.drop_column("errors")
        batch.drop_column("behaviour")
