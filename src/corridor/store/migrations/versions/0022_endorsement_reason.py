"""A chief's reason for endorsing or refusing an override.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customs_decisions") as batch:
        batch.add_column(sa.Column("endorsement_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customs_decisions") as batch:
        batch.drop_column("endorsement_reason")
