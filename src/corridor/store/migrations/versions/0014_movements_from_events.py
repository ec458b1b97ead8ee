"""Movements are read from custody events: each event keeps its timeline kind, and the
timeline rows that repeated captured movements go. Identifier rows are written only with
their event, so they no longer carry a foreign key to it.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from corridor.store.tables import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# (bizStep as stored, action) of the steps that move a shipment, and their timeline kind,
# as `corridor.services.timeline.KIND_OF` and `corridor.tracking.epcis.SHAPES` say today.
_CUSTOMS = "urn:corridor:bizstep:"
_KINDS = {
    ("departing", "OBSERVE"): "departed",
    ("arriving", "OBSERVE"): "arrived",
    ("entering_exiting", "OBSERVE"): "border_crossed",
    (_CUSTOMS + "customs_hold", "OBSERVE"): "customs_hold",
    (_CUSTOMS + "customs_release", "OBSERVE"): "customs_released",
}
_EVENTS = sa.table(
    "epcis_events",
    sa.column("biz_step", sa.String),
    sa.column("event", sa.JSON().with_variant(JSONB(), "postgresql")),
    sa.column("kind", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("epcis_events") as batch:
        batch.add_column(sa.Column("kind", sa.String(32), nullable=True))
    conn = op.get_bind()
    action = _EVENTS.c.event["action"].as_string()
    for (step, act), kind in _KINDS.items():
        conn.execute(
            _EVENTS.update().where(_EVENTS.c.biz_step == step, action == act).values(kind=kind)
        )
    # The timeline rows capture wrote for these events: the same shipment, time, place and
    # kind. Steps recorded by hand stay.
    conn.execute(
        sa.text(
            "DELETE FROM shipment_events WHERE EXISTS (SELECT 1 FROM epcis_events e "
            "WHERE e.shipment_id = shipment_events.shipment_id "
            "AND e.event_time = shipment_events.at AND e.location = shipment_events.place "
            "AND e.kind = shipment_events.kind)"
        )
    )
    if conn.dialect.name == "postgresql":
        op.drop_constraint("epcis_event_epcs_event_id_fkey", "epcis_event_epcs", "foreignkey")
        return
    # SQLite alters no constraint in place: the table is copied to one without it.
    without = sa.Table(
        "epcis_event_epcs",
        sa.MetaData(),
        sa.Column("epc", sa.String(100), primary_key=True),
        sa.Column("event_time", UTCDateTime(), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
    )
    with op.batch_alter_table("epcis_event_epcs", copy_from=without, recreate="always"):
        pass


def downgrade() -> None:
    # Movements go back to timeline rows of their own, in words close to capture's then.
    op.execute(
        "INSERT INTO shipment_events (shipment_id, at, kind, actor_id, place, summary) "
        "SELECT shipment_id, event_time, kind, recorded_by, location, CASE kind "
        "WHEN 'departed' THEN 'Departed ' || location "
        "WHEN 'arrived' THEN 'Arrived at ' || location "
        "WHEN 'border_crossed' THEN 'Crossed the border at ' || location "
        "WHEN 'customs_hold' THEN 'Held by customs at ' || location "
        "ELSE 'Released by customs at ' || location END "
        "FROM epcis_events WHERE kind IS NOT NULL ORDER BY event_time"
    )
    with op.batch_alter_table("epcis_event_epcs") as batch:
        batch.create_foreign_key(
            "epcis_event_epcs_event_id_fkey",
            "epcis_events",
            ["event_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("epcis_events") as batch:
        batch.drop_column("kind")
