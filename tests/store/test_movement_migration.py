"""Revision 0014 on a store that captured movements before it: each movement ends up in the
timeline once (read from its event), and steps recorded by hand stay."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from corridor.services import Context, shipments, timeline, tracking
from corridor.store.db import migrate
from corridor.store.tables import EpcisEventRow, EventRow
from corridor.tracking import epcis
from corridor.tracking.epcis import Step
from tests.conftest import ORGS, T0
from tests.factories import STORY

SHIPPER, RAIL = ORGS["kz-ferroalloy"], ORGS["kz-rail"]
SHIP = epcis.vessel_epc("9176187")


def test_captured_movements_move_from_timeline_rows_to_their_events(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("MIGRATE-1"), T0)
    box = [epcis.container_epc("MSCU1234566")]
    moves = [
        epcis.build(Step.DEPARTING, T0 + timedelta(hours=1), made.id, "dostyk", box),
        epcis.build(Step.LOADING, T0 + timedelta(hours=2), made.id, "aktau", box, vehicle=SHIP),
        epcis.build(Step.ARRIVING, T0 + timedelta(hours=3), made.id, "aktau", box),
    ]
    later = T0 + timedelta(hours=3)  # recorded once they have happened
    tracking.capture(node, RAIL, epcis.document(moves, later), later)
    timeline.record(node, RAIL, made.id, "loaded", T0 + timedelta(hours=4), "Wagon 7", "aktau")
    before = timeline.read(node, SHIPPER, made.id)
    assert [e.kind for e in before].count("departed") == 1

    engine = node.db.engine
    try:
        migrate(engine, "0013")
        # Down, each movement is a timeline row of its own again, as capture wrote them.
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(EventRow.kind, EventRow.place, EventRow.at)
                .where(EventRow.shipment_id == made.id)
                .order_by(EventRow.at)
            ).all()
        assert [(k, p, a) for k, p, a in rows if k in ("departed", "arrived")] == [
            (e.kind, e.place, e.at) for e in before if e.kind in ("departed", "arrived")
        ]
    finally:
        migrate(engine)
    assert timeline.read(node, SHIPPER, made.id) == before
    with engine.connect() as conn:
        kinds = conn.execute(
            sa.select(EpcisEventRow.biz_step, EpcisEventRow.kind).order_by(EpcisEventRow.event_time)
        ).all()
        left = conn.execute(sa.select(EventRow.kind).where(EventRow.shipment_id == made.id))
        assert sorted(left.scalars()) == ["loaded", "submitted"]
    assert [tuple(k) for k in kinds] == [
        ("departing", "departed"),
        ("loading", None),
        ("arriving", "arrived"),
    ]
