"""EPCIS 2.0 events for the corridor's hand-overs, and the checks a captured document passes.

Identifiers (border-facts §3, EPCIS guideline §5.9 example 3):

- a container is `urn:epc:id:bic:<ISO 6346 number>`;
- a vessel is `urn:epc:id:imovn:<IMO number>`;
- a rail wagon is a GIAI, `urn:epc:id:giai:<GS1 company prefix>.<wagon number>`;
- a goods line inside a container is `urn:corridor:item:<shipment>.<line>` (the corridor has
  no SSCCs of the cargo; the id names no goods);
- a node of the network is `urn:corridor:node:<id>` (no GLNs are published for the corridor's
  terminals; a GLN replaces it once an operator publishes one);
- the shipment is a business transaction `urn:corridor:shipment:<id>` of type
  `urn:corridor:btt:shipment`.

CBV 2.0 has no business steps for customs, so holds and releases use the corridor's own
`urn:corridor:bizstep:` namespace, which the schema allows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from stdnum import iso6346
from stdnum.exceptions import ValidationError as StdnumError

from corridor.exceptions import InvalidInput
from corridor.tracking import digital_link, eventhash, prehash
from corridor.tracking.validation import MAX_EVENTS as MAX_EVENTS

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
BIC = "urn:epc:id:bic:"
IMO = "urn:epc:id:imovn:"
GIAI = "urn:epc:id:giai:"
ITEM = "urn:corridor:item:"
NODE = "urn:corridor:node:"
SHIPMENT = "urn:corridor:shipment:"
SHIPMENT_TYPE = "urn:corridor:btt:shipment"
BIZSTEP = "urn:corridor:bizstep:"
# The longest identifier filed (the store's index column; every GS1 key, in either form,
# is shorter).
MAX_IDENTIFIER = 100
_GIAI_RE = re.compile(r"^urn:epc:id:giai:(\d{6,12})\.([0-9A-Za-z-]{1,24})$")
_IMO_RE = re.compile(r"^urn:epc:id:imovn:(\d{7})$")
_CORRIDOR_RE = re.compile(r"^urn:corridor:(item|node|shipment):[0-9A-Za-z._-]{1,80}$")


class Step(StrEnum):
    """What happened to a container, in the corridor's words."""

    STUFFING = "stuffing"
    UNSTUFFING = "unstuffing"
    LOADING = "loading"
    UNLOADING = "unloading"
    DEPARTING = "departing"
    ARRIVING = "arriving"
    BORDER_CROSSING = "border_crossing"
    SEAL_CHECK = "seal_check"
    CUSTOMS_HOLD = "customs_hold"
    CUSTOMS_RELEASE = "customs_release"
    SENSOR_READING = "sensor_reading"


@dataclass(frozen=True)
class Shape:
    """How a step is written as an EPCIS event."""

    type: str
    action: str
    biz_step: str
    disposition: str | None
    # The parent of an aggregation: the container, or the vehicle it rides on.
    parent: str | None = None


SHAPES: Mapping[Step, Shape] = {
    Step.STUFFING: Shape("AggregationEvent", "ADD", "packing", "container_closed", "container"),
    Step.UNSTUFFING: Shape(
        "AggregationEvent", "DELETE", "unpacking", "container_open", "container"
    ),
    Step.LOADING: Shape("AggregationEvent", "ADD", "loading", "in_transit", "vehicle"),
    Step.UNLOADING: Shape("AggregationEvent", "DELETE", "unloading", "in_transit", "vehicle"),
    Step.DEPARTING: Shape("ObjectEvent", "OBSERVE", "departing", "in_transit"),
    Step.ARRIVING: Shape("ObjectEvent", "OBSERVE", "arriving", "in_transit"),
    Step.BORDER_CROSSING: Shape("ObjectEvent", "OBSERVE", "entering_exiting", "in_transit"),
    Step.SEAL_CHECK: Shape("ObjectEvent", "OBSERVE", "inspecting", "conformant"),
    Step.CUSTOMS_HOLD: Shape("ObjectEvent", "OBSERVE", BIZSTEP + "customs_hold", "unavailable"),
    Step.CUSTOMS_RELEASE: Shape("ObjectEvent", "OBSERVE", BIZSTEP + "customs_release", "available"),
    Step.SENSOR_READING: Shape("ObjectEvent", "OBSERVE", "sensor_reporting", None),
}
# The step each business step stands for (customs steps by their full URI).
STEP_OF: Mapping[tuple[str, str], Step] = {
    (shape.biz_step, shape.action): step for step, shape in SHAPES.items()
}


def container_epc(number: str) -> str:
    """A container's EPC from its ISO 6346 number."""
    try:
        return BIC + iso6346.validate(number)
    except StdnumError as exc:
        raise InvalidInput(
            f"{number!r} is not a valid ISO 6346 container number ({exc}); "
            "write owner code, category, serial and check digit, e.g. 'CSQU3054383'"
        ) from None


def vessel_epc(imo: str) -> str:
    """A vessel's EPC from its IMO number (seven digits, the last a check digit)."""
    digits = imo.removeprefix("IMO").strip()
    if not (len(digits) == 7 and digits.isdigit()) or _imo_check(digits) != int(digits[6]):
        raise InvalidInput(f"{imo!r} is not a valid IMO ship number; e.g. '9176187'")
    return IMO + digits


def _imo_check(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True)) % 10


def wagon_epc(company_prefix: str, wagon: str) -> str:
    """A rail wagon's EPC: a GIAI under its keeper's GS1 company prefix."""
    epc = f"{GIAI}{company_prefix}.{wagon}"
    if not _GIAI_RE.match(epc):
        raise InvalidInput(
            f"wagon {wagon!r} under prefix {company_prefix!r} is not a GIAI; the prefix is "
            "6-12 digits and the wagon number up to 24 letters, digits or dashes"
        )
    return epc


def node_uri(node_id: str) -> str:
    """A network node as a read point or business location."""
    return NODE + node_id


def shipment_uri(shipment_id: str) -> str:
    """A shipment as an EPCIS business transaction."""
    return SHIPMENT + shipment_id


@lru_cache(maxsize=1 << 16)
def check_identifier(uri: str) -> str | None:
    """Why an identifier cannot be stored here, or None when it can: a container's check
    digit, a vessel's IMO number and the corridor's own URNs are checked; any other URI the
    GS1 schema accepts (a GS1 key as an EPC URI or Digital Link, a private URI) is stored as
    written. (The same containers, vessels and nodes come back in event after event: each
    is checked once.)"""
    if uri.startswith(BIC):
        try:
            iso6346.validate(uri.removeprefix(BIC))
        except StdnumError:
            return f"{uri!r}: the container number fails its ISO 6346 check digit"
        return None
    if uri.startswith(IMO):
        digits = uri.removeprefix(IMO)
        if not _IMO_RE.match(uri) or _imo_check(digits) != int(digits[6]):
            return f"{uri!r}: not an IMO ship number with its check digit, e.g. {IMO}9176187"
        return None
    if len(uri) > MAX_IDENTIFIER:
        return f"{uri[:40]!r}…: an identifier is at most {MAX_IDENTIFIER} characters here"
    if uri.startswith("urn:corridor:") and not _CORRIDOR_RE.match(uri):
        return (
            f"{uri!r} is not one of the corridor's identifiers: '{ITEM}<shipment>.<line>', "
            f"'{NODE}<node id>' or '{SHIPMENT}<shipment id>'"
        )
    return None


def normalise(uri: str) -> str:
    """An identifier as the event hash writes it: GS1 keys as GS1 Digital Link."""
    return digital_link.normalise(uri)


def event_id(event: Mapping[str, Any], namespaces: Mapping[str, str] | None = None) -> str:
    """The CBV 2.0 hash-based id of an event; `namespaces` are the prefixes its document
    declares. The corridor's own events take the short path; any other event the whole
    algorithm (`corridor.tracking.prehash`), which gives the same id for the same event."""
    if eventhash.covers(event):
        return eventhash.event_id(event, normalise)
    return eventhash.hashed(prehash.prehash(event, normalise, namespaces or {}))


def digest_of(event: Mapping[str, Any]) -> str:
    """The hex digest an event's content hashes to (its stored key, if unchanged)."""
    return eventhash.digest_of_id(event_id(event))


def stamp(moment: datetime) -> str:
    """An event time as EPCIS writes it (UTC, milliseconds)."""
    if moment.tzinfo is None:
        raise InvalidInput("an event time needs a time zone, e.g. '2026-12-01T10:00:00+05:00'")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build(
    step: Step,
    at: datetime,
    shipment_id: str,
    node: str,
    containers: Sequence[str],
    *,
    vehicle: str | None = None,
    items: Sequence[str] = (),
    disposition: str | None = None,
    sensors: Mapping[str, tuple[float, str]] | None = None,
) -> dict[str, Any]:
    """One event, with its hash-based id. `containers` are EPCs; `vehicle` is the wagon or
    vessel of a loading; `items` the goods lines of a stuffing; `sensors` maps a measurement
    type to (value, UN/CEFACT unit)."""
    shape = SHAPES[step]
    event: dict[str, Any] = {
        "type": shape.type,
        "eventTime": stamp(at),
        "eventTimeZoneOffset": "+00:00",
    }
    if shape.parent == "container":
        if len(containers) != 1 or not items:
            raise InvalidInput(f"{step.value} names one container and the goods lines in it")
        event |= {"parentID": containers[0], "childEPCs": list(items)}
    elif shape.parent == "vehicle":
        if not vehicle:
            raise InvalidInput(
                f"{step.value} names the wagon or vessel: a GIAI or an IMO ship number"
            )
        event |= {"parentID": vehicle, "childEPCs": list(containers)}
    else:
        event["epcList"] = list(containers)
    event["action"] = shape.action
    event["bizStep"] = shape.biz_step
    if disposition or shape.disposition:
        event["disposition"] = disposition or shape.disposition
    event["readPoint"] = {"id": node_uri(node)}
    event["bizLocation"] = {"id": node_uri(node)}
    event["bizTransactionList"] = [
        {"type": SHIPMENT_TYPE, "bizTransaction": shipment_uri(shipment_id)}
    ]
    if sensors:
        event["sensorElementList"] = [
            {
                "sensorMetadata": {"time": event["eventTime"]},
                "sensorReport": [
                    {"type": kind, "value": value, "uom": unit}
                    for kind, (value, unit) in sorted(sensors.items())
                ],
            }
        ]
    return {"eventID": event_id(event), **event}


def document(events: Sequence[Mapping[str, Any]], created: datetime) -> dict[str, Any]:
    """An EPCIS 2.0 document carrying these events."""
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": stamp(created),
        "epcisBody": {"eventList": list(events)},
    }


def single(event: Mapping[str, Any]) -> dict[str, Any]:
    """A stored event as a JSON-LD document of its own: the EPCIS context, then the
    prefixes the event keeps for its extension fields."""
    own = event.get("@context") or []
    return {**event, "@context": [CONTEXT, *(own if isinstance(own, list) else [own])]}


def bare_step(value: str) -> str:
    """A business step as stored: a CBV step bare ('https://ref.gs1.org/cbv/BizStep-loading'
    -> 'loading'), any other URI as it is."""
    return value.removeprefix(eventhash.CBV + "BizStep-")


def step_of(event: Mapping[str, Any]) -> Step | None:
    """The corridor's step an event stands for, if it is one of them."""
    return STEP_OF.get((bare_step(event.get("bizStep", "")), event["action"]))


def location_of(event: Mapping[str, Any]) -> str | None:
    """The node an event happened at: its business location, else its read point."""
    place = (event.get("bizLocation") or event.get("readPoint") or {}).get("id")
    return place.removeprefix(NODE) if place else None
