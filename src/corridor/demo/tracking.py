"""The demo shipment's hand-overs as EPCIS 2.0 events, from stuffing at its origin to
discharge at its destination: each leg's carrier records loading, departure, border
crossing, arrival and unloading, with a seal check at each border and a container reading
on every sea crossing.

The rail wagons' GIAIs use GS1's documentation company prefix (4012345) and the vessels'
IMO numbers are examples with valid check digits: the corridor's real wagons and ships are
not named in the demo.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from corridor.model import Organisation
from corridor.network import Mode
from corridor.services import tracking
from corridor.services.context import Context
from corridor.services.shipments import Shipment
from corridor.tracking import epcis
from corridor.tracking.epcis import Step

DEMO_PREFIX = "4012345"
DEMO_VESSELS = {Mode.FERRY: "9176187", Mode.SEA: "9321483"}


def walk(
    ctx: Context,
    orgs: dict[str, Organisation],
    carriers: Mapping[str, str],
    shipment: Shipment,
    start: datetime,
    now: datetime,
) -> int:
    """Record the demo journey's events; returns how many were recorded."""
    network = ctx.network
    legs = shipment.route.legs
    clock = start
    recorded = 0

    def step(who: Organisation, what: Step, node: str, **kw: object) -> None:
        nonlocal recorded, clock
        # Each carrier records a hand-over when it happens.
        tracking.record(ctx, who, shipment.id, what, clock, node, now=max(now, clock), **kw)  # type: ignore[arg-type]
        recorded += 1
        # Steps at one node follow each other a few minutes apart, in the order recorded.
        clock += timedelta(minutes=5)

    def vehicle(mode: Mode, index: int) -> str:
        if mode in DEMO_VESSELS:
            return epcis.vessel_epc(DEMO_VESSELS[mode])
        return epcis.wagon_epc(DEMO_PREFIX, f"5{index:07d}")

    def carrier(mode: Mode) -> Organisation:
        return orgs[carriers["sea"] if mode in (Mode.FERRY, Mode.SEA) else carriers["rail"]]

    first = carrier(legs[0].mode)
    step(first, Step.STUFFING, legs[0].origin)
    clock += timedelta(hours=1)
    step(first, Step.LOADING, legs[0].origin, vehicle=vehicle(legs[0].mode, 0))
    for i, leg in enumerate(legs):
        a, b = network.nodes[leg.origin], network.nodes[leg.destination]
        who = carrier(leg.mode)
        if i:
            clock += timedelta(hours=a.dwell_h)
        step(who, Step.DEPARTING, a.id)
        clock += timedelta(hours=leg.hours)
        if leg.mode in (Mode.FERRY, Mode.SEA):
            step(who, Step.SENSOR_READING, b.id, sensors={"Temperature": (14.5, "CEL")})
        step(who, Step.ARRIVING, b.id)
        if a.country != b.country:
            step(who, Step.BORDER_CROSSING, b.id)
            step(who, Step.SEAL_CHECK, b.id)
        following = legs[i + 1] if i + 1 < len(legs) else None
        if following is None or following.mode is not leg.mode:
            step(who, Step.UNLOADING, b.id, vehicle=vehicle(leg.mode, i))
            if following is not None:
                clock += timedelta(hours=1)
                step(
                    carrier(following.mode),
                    Step.LOADING,
                    b.id,
                    vehicle=vehicle(following.mode, i + 1),
                )
    clock += timedelta(hours=2)
    step(carrier(legs[-1].mode), Step.UNSTUFFING, legs[-1].destination)
    return recorded
