"""A shipment's moves by place and time, so that a capture reads where its goods were first
and last seen at each place from an index, however many events the shipment has.

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# As `corridor.store.tables.MOVES_WHERE` was written when this revision was made.
WHERE = (
    "kind IN ('departed', 'arrived', 'border_crossed') "
    "AND location IS NOT NULL AND error_declaration IS NULL"
)


def upgrade() -> None:
    op.create_index(
        "ix_epcis_events_moves",
        "epcis_events",
        ["shipment_id", "location", "event_time"],
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_epcis_events_moves", table_name="epcis_events")
