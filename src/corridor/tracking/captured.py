"""A captured EPCIS document read event by event: each event checked (its identifiers, its
sensor values, the shipment it names, the id it claims), given its hash-based id, and kept
with what the store files it by (its time, shipment, instances, place and step) and the
namespaces its extension fields need when it is read back."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from corridor.exceptions import FieldError, InvalidInput
from corridor.tracking import eventhash, jsonld
from corridor.tracking.epcis import (
    SHIPMENT,
    SHIPMENT_TYPE,
    STEP_OF,
    Step,
    bare_step,
    check_identifier,
    event_id,
    location_of,
)
from corridor.tracking.validation import MAX_EVENTS, check_stored

__all__ = ["EPC_FIELDS", "PLACES", "Captured", "objects_of", "read", "read_parts"]


@dataclass(frozen=True)
class Captured:
    """One event of a captured document, checked and with its id."""

    id: str
    event: dict[str, Any]
    at: datetime
    shipment_id: str
    epcs: tuple[str, ...]
    biz_step: str
    location: str | None
    step: Step | None
    declaration: dict[str, Any] | None

    @cached_property
    def digest(self) -> str:
        """The hex digest inside the id: the stored event's key."""
        return eventhash.digest_of_id(self.id)


def read(doc: Any) -> list[Captured]:
    """The events of an EPCIS 2.0 document, each checked, or InvalidInput naming every
    event that fails and why (then nothing of the document is stored)."""
    return [c for part in read_parts(doc, MAX_EVENTS) for c in part]


def read_parts(doc: Any, size: int) -> Iterator[list[Captured]]:
    """The events of a document `size` at a time, each part checked as it is reached, so a
    caller can store one part while the next is read. A refusal names every event that
    fails and why, wherever it is: once one has failed no further part is given, and
    InvalidInput comes at the end (a caller storing parts in one transaction then keeps
    none of them)."""
    body: Any = doc.get("epcisBody") if isinstance(doc, dict) else None
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list) or len(events) <= size:
        check_stored(doc)
        events = doc["epcisBody"]["eventList"]
    if len(events) > MAX_EVENTS:
        raise InvalidInput(f"a capture carries 1 to {MAX_EVENTS} events, not {len(events)}")
    errors: list[FieldError] = []
    prefixes = jsonld.prefixes(doc.get("@context"))
    step = -(-len(events) // -(-len(events) // size)) if events else size  # even parts
    for lo in range(0, len(events), step):
        part = events[lo : lo + step]
        if len(events) > size:
            try:
                check_stored({**doc, "epcisBody": {**body, "eventList": part}})
            except InvalidInput:
                check_stored(doc)  # the whole document says where, counted from its start
                raise
        found = []
        for n, event in enumerate(part, start=lo):
            try:
                found.append(_one(jsonld.expanded(event, prefixes), prefixes))
            except InvalidInput as exc:
                errors.append(FieldError(f"epcisBody.eventList[{n}]", exc.detail))
        if not errors:
            yield found
    if errors:
        raise InvalidInput(
            f"{len(errors)} of {len(events)} events cannot be stored, so nothing was "
            f"captured; the first, {errors[0].field}: {errors[0].message}",
            errors,
        )


# The fields that name physical objects (instances), and where a place is named.
EPC_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
PLACES = ("readPoint", "bizLocation")


def objects_of(event: Mapping[str, Any]) -> list[str]:
    """Every instance an event names: its EPC lists and its parent."""
    ids = [i for name in EPC_FIELDS for i in event.get(name, ())]
    return ids + ([event["parentID"]] if "parentID" in event else [])


def _one(event: dict[str, Any], namespaces: Mapping[str, str]) -> Captured:
    objects = objects_of(event)
    ids = objects + [event[k]["id"] for k in PLACES if k in event]
    problems = [p for p in map(check_identifier, ids) if p]
    if problems:
        raise InvalidInput(problems[0])
    for element in event.get("sensorElementList", ()):
        for report in element.get("sensorReport", ()):
            value = report.get("value")
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidInput(f"a sensor reading is a finite number, not {report['value']}")
    shipments = [
        t["bizTransaction"]
        for t in event.get("bizTransactionList", [])
        if t.get("type") == SHIPMENT_TYPE and t["bizTransaction"].startswith(SHIPMENT)
    ]
    if len(shipments) != 1:
        raise InvalidInput(
            f"an event names its shipment once, as bizTransaction type {SHIPMENT_TYPE!r} "
            f"with '{SHIPMENT}<shipment id>'"
        )
    eid = event_id(event, namespaces)
    if "eventID" in event and event["eventID"] != eid:
        raise InvalidInput(
            f"eventID {event['eventID']!r} is not this event's CBV 2.0 hash id {eid!r}; "
            "leave eventID out and it is computed"
        )
    biz_step = bare_step(event.get("bizStep", ""))
    stored = {k: v for k, v in event.items() if k != "@context"} if "@context" in event else event
    declared = (
        {**namespaces, **jsonld.prefixes(event["@context"])} if stored is not event else namespaces
    )
    used = _namespaces_used(stored, declared) if declared else {}
    return Captured(
        id=eid,
        event={**({"@context": [used]} if used else {}), **stored, "eventID": eid},
        at=datetime.fromisoformat(event["eventTime"]).astimezone(UTC),
        shipment_id=shipments[0].removeprefix(SHIPMENT),
        epcs=tuple(dict.fromkeys(objects)),
        biz_step=biz_step,
        location=location_of(event),
        step=STEP_OF.get((biz_step, event["action"])) if "action" in event else None,
        declaration=event.get("errorDeclaration"),
    )


def _namespaces_used(event: Mapping[str, Any], declared: Mapping[str, str]) -> dict[str, str]:
    """The declared prefixes an event's keys or values use, which a stored event keeps in
    a context of its own so that it means, when read back, what it meant when captured."""
    if not declared:
        return {}
    used: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                used.add(key.partition(":")[0])
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, str):
            used.add(value.partition(":")[0])

    walk(event)
    return {prefix: iri for prefix, iri in declared.items() if prefix in used}
