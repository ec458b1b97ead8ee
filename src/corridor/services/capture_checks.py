"""What a custody event must be to be captured, beyond the GS1 schema: at a corridor node when
it names one (and always for customs steps); recorded by a party to its shipment, or, for a
customs hold or release, by the customs authority of the country where it happens; dated
when it happened and within its shipment's life; a vessel only at a seaport."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from corridor.exceptions import FieldError, InvalidInput, NotFound, PermissionDenied
from corridor.messages import field_error, refused
from corridor.model import Organisation, Role
from corridor.network import Network, NodeKind
from corridor.services.context import Context
from corridor.tracking import epcis
from corridor.tracking.captured import Captured
from corridor.tracking.epcis import Step

CUSTOMS_STEPS = frozenset({Step.CUSTOMS_HOLD, Step.CUSTOMS_RELEASE})


class OnShipment(Protocol):
    """What the checks read of the shipment an event is recorded on."""

    party: bool
    created_at: datetime
    nodes: list[str]
    reach: dict[str, tuple[datetime, datetime]]


# The steps that move the goods along the route (`store.tables.MOVES_WHERE` by their kinds).
_MOVING_STEPS = frozenset({Step.DEPARTING, Step.ARRIVING, Step.BORDER_CROSSING})


# How far a custody event may lie from the time it is recorded: a clock a little ahead, not a
# future arrival; and how long before the shipment was entered its goods may have been
# stuffed.
AHEAD = timedelta(minutes=15)
BEFORE_SHIPMENT = timedelta(days=30)


def aware(at: datetime) -> datetime:
    """A time read from the store, in UTC (a store without zones gives it without one)."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def places(ctx: Context, found: Sequence[Captured]) -> dict[str, str]:
    """Each event's node and its country. A place named as a corridor node must be one, and
    customs holds and releases happen at one; any other place (a GS1 location, a private
    URI, or none) lies outside the network, has no country and is seen only by the
    shipment's parties."""
    nodes = ctx.network.nodes
    errors = [
        FieldError(
            f"event {c.id}",
            f"bizLocation {c.location!r} is not a corridor node; name one as "
            f"'{epcis.NODE}<node id>', e.g. '{epcis.NODE}aktau'",
        )
        for c in found
        if c.location not in nodes
        and (c.step in CUSTOMS_STEPS or (c.location is not None and ":" not in c.location))
    ]
    if errors:
        raise InvalidInput(
            f"events happen at nodes of the corridor network: {errors[0].message}", errors
        )
    return {c.location: nodes[c.location].country for c in found if c.location in nodes}


def in_time(part: list[Captured], shipments: Mapping[str, OnShipment], now: datetime) -> None:
    """Every event happened before it is recorded (give or take a clock's minutes) and in
    the shipment's life; a later correction is an error declaration, not a new time."""
    errors = []
    for c in part:
        if c.declaration is not None:
            continue
        created = shipments[c.shipment_id].created_at
        if c.at > now + AHEAD:
            errors.append(
                field_error(f"event {c.id}", "event_ahead", at=_minute(c.at), now=_minute(now))
            )
        elif c.at < created - BEFORE_SHIPMENT:
            errors.append(
                field_error(
                    f"event {c.id}",
                    "event_before_shipment",
                    at=_minute(c.at),
                    days=BEFORE_SHIPMENT.days,
                    created=_minute(created),
                )
            )
    if errors:
        raise refused("events_out_of_time", errors, count=len(errors), first=errors[0].message)


def _minute(at: datetime) -> str:
    """A time as a reader writes it: to the minute, in UTC."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def plausible(part: list[Captured], network: Network) -> None:
    """A vessel is loaded or unloaded at a seaport, never at a rail station or junction."""
    for c in part:
        parent = str(c.event.get("parentID") or "")
        node = network.nodes.get(c.location or "")
        if parent.startswith(epcis.IMO) and node is not None and node.kind is not NodeKind.SEAPORT:
            vessel = parent.removeprefix(epcis.IMO)
            raise refused(
                "vessel_inland",
                [field_error(f"event {c.id}", "vessel_inland", vessel=vessel, place=node.name)],
                vessel=vessel,
                place=node.name,
            )


def reached(on: OnShipment, c: Captured) -> None:
    """Add a taken event's move to where the shipment's goods were first and last seen."""
    if c.step in _MOVING_STEPS and c.location in on.nodes:
        first, last = on.reach.get(c.location, (c.at, c.at))
        on.reach[c.location] = (min(first, c.at), max(last, c.at))


def in_order(part: list[Captured], shipments: Mapping[str, OnShipment], network: Network) -> None:
    """The goods move along the route: a departure, arrival or border crossing at a node of
    the route is not earlier than one at a node further along it, nor later than one at a
    node behind it (among the moves taken before, each place by its first and last, and this
    part's). The points are sorted once a part: n log n for a part of n."""
    errors = []
    for shipment_id in dict.fromkeys(c.shipment_id for c in part):
        on = shipments[shipment_id]
        where = {n: i for i, n in enumerate(on.nodes)}
        ours = [
            c
            for c in part
            if c.shipment_id == shipment_id
            and c.declaration is None
            and c.step in _MOVING_STEPS
            and c.location in where
        ]
        if not ours:
            continue
        points = sorted(
            [
                *(
                    (at, where[place], place)
                    for place, ends in on.reach.items()
                    if place in where
                    for at in ends
                ),
                *((c.at, where[str(c.location)], str(c.location)) for c in ours),
            ]
        )
        times = [at for at, _, _ in points]
        # The furthest point reached before each time, and the nearest one seen after it.
        ahead: list[tuple[int, str, datetime] | None] = [None]
        for at, pos, place in points:
            best = ahead[-1]
            ahead.append((pos, place, at) if best is None or pos > best[0] else best)
        behind: list[tuple[int, str, datetime] | None] = [None]
        for at, pos, place in reversed(points):
            best = behind[-1]
            behind.append((pos, place, at) if best is None or pos < best[0] else best)
        behind.reverse()
        for c in ours:
            here = where[str(c.location)]
            before = ahead[bisect_left(times, c.at)]
            after = behind[bisect_right(times, c.at)]
            clash = (
                before if before is not None and before[0] > here
                else after if after is not None and after[0] < here
                else None
            )  # fmt: skip
            if clash is not None:
                errors.append(
                    field_error(
                        f"event {c.id}",
                        "event_out_of_order",
                        place=network.nodes[str(c.location)].name,
                        at=_minute(c.at),
                        other=network.nodes[clash[1]].name,
                        other_at=_minute(clash[2]),
                    )
                )
    if errors:
        raise refused("events_out_of_order", errors, count=len(errors), first=errors[0].message)


def entitled(
    who: Organisation,
    part: list[Captured],
    shipments: Mapping[str, OnShipment],
    places: dict[str, str],
) -> None:
    """Movements are recorded by the shipment's parties; holds and releases by the customs
    authority where they happen, party or not."""
    strangers = set()
    for c in part:
        if c.step in CUSTOMS_STEPS:
            if who.role is not Role.CUSTOMS or places[c.location or ""] != who.country:
                raise PermissionDenied(
                    f"a {c.step.value} at {c.location} is recorded by the customs authority "
                    f"of {places[c.location or '']}, not by {who.id}"
                )
        elif not shipments[c.shipment_id].party:
            strangers.add(c.shipment_id)
    if strangers:
        raise NotFound(f"no shipment {min(strangers)!r} that you are party to")
