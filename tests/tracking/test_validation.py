"""The check a captured document passes is the GS1 schema narrowed to what is stored here:
whatever it accepts, the GS1 EPCIS 2.0 schema accepts too."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastjsonschema import JsonSchemaValueException
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.exceptions import InvalidInput
from corridor.tracking import captured, epcis, eventhash, validation
from corridor.tracking.epcis import Step

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
BOX = epcis.container_epc("MSCU1234566")
SHIP = epcis.vessel_epc("9176187")


def built() -> list[dict[str, Any]]:
    """One event of every step, as the corridor writes them."""
    events = []
    for step in Step:
        shape = epcis.SHAPES[step]
        events.append(
            epcis.build(
                step,
                AT,
                "S-1",
                "aktau",
                [BOX],
                vehicle=SHIP if shape.parent == "vehicle" else None,
                items=[f"{epcis.ITEM}S-1.1"],
                sensors={"Temperature": (21.5, "CEL")} if step is Step.SENSOR_READING else None,
            )
        )
    return events


def accepts(check: Callable[[Any], None], doc: dict[str, Any]) -> bool:
    """Whether a check (the GS1 schema's, or the stored fields') lets the document pass."""
    try:
        check(doc)
    except InvalidInput:
        return False
    return True


def test_the_stored_fields_are_the_fields_the_event_hash_covers() -> None:
    events = validation.stored_schema()["properties"]["epcisBody"]["properties"]["eventList"]
    shapes = (events["items"]["then"], events["items"]["else"])
    assert set().union(*(shape["properties"] for shape in shapes)) == eventhash.FIELDS


def test_every_event_the_corridor_writes_passes_both_checks() -> None:
    doc = epcis.document(built(), AT)
    assert accepts(validation.check_stored, doc)
    assert accepts(validation.validate, doc)


# Values a mutation puts in place: right and wrong types, vocabulary words and URIs,
# malformed times and the GS1 namespace a custom value may not use.
VALUES = st.sampled_from(
    [
        None,
        0,
        1.5,
        True,
        "",
        "x",
        "ADD",
        "OBSERVE",
        "arriving",
        "in_transit",
        "urn:corridor:bizstep:customs_hold",
        "urn:epcglobal:cbv:bizstep:arriving",
        "https://ns.gs1.org/cbv/BizStep-arriving",
        "not a uri",
        "2026-03-02T08:00:00.000Z",
        "2026-03-02T08:00:00",
        "2026-13-02T08:00:00Z",
        "+05:00",
        "+15:00",
        "CEL",
        "celsius",
        "Temperature",
        "Speed",
        [],
        ["x"],
        [BOX, BOX],
        {},
        {"id": "urn:corridor:node:aktau"},
        {"id": "urn:corridor:node:aktau", "extra": 1},
        {"declarationTime": "2026-03-02T09:00:00Z", "reason": "incorrect_data"},
        {"declarationTime": "yesterday"},
        [{"type": "Temperature", "value": 1, "uom": "CEL"}],
        [{"sensorReport": [{"type": "Temperature", "value": "hot", "uom": "CEL"}]}],
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
    ]
)
KEYS = st.sampled_from(
    sorted(
        {k for e in built() for k in e}
        | {"epcList", "childEPCs", "parentID", "quantityList", "ilmd", "recordTime", "x"}
        | {"errorDeclaration", "sensorElementList", "@context", "persistentDisposition"}
    )
)


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value."""
    found = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _places(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _places(v, (*path, i))
    return found


def _mutate(event: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    event = copy.deepcopy(event)

    def value() -> Any:
        return copy.deepcopy(data.draw(VALUES))

    for _ in range(data.draw(st.integers(1, 3))):
        how = data.draw(st.sampled_from(["set", "drop", "add", "deep"]))
        if how == "set":
            event[data.draw(KEYS)] = value()
        elif how == "drop" and event:
            event.pop(data.draw(st.sampled_from(sorted(event))))
        elif how == "add":
            event[data.draw(KEYS)] = value()
        else:
            path = data.draw(st.sampled_from(_places(event)[1:] or [()]))
            if not path:
                continue
            parent = event
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = value()
    return event


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_what_the_stored_check_accepts_the_gs1_schema_accepts(data: st.DataObject) -> None:
    event = _mutate(data.draw(st.sampled_from(built())), data)
    doc = epcis.document([event], AT)
    if accepts(validation.check_stored, doc):
        assert accepts(validation.validate, doc), event


def test_what_the_narrow_check_refuses_the_gs1_schema_decides() -> None:
    """A TransactionEvent, or a persistent disposition, is outside the corridor's own
    events: the whole GS1 schema accepts it and it is read, with its id computed by the
    whole algorithm; a broken time is refused by the GS1 schema, which names the field."""
    [event] = [e for e in built() if e["bizStep"] == "arriving"]
    event = {k: v for k, v in event.items() if k != "eventID"}
    other = {**event, "type": "TransactionEvent"}
    foreign = {**event, "persistentDisposition": {"set": ["active"]}}
    broken = {**event, "eventTime": "yesterday"}
    for accepted in (other, foreign):
        with pytest.raises(JsonSchemaValueException):
            validation._stored_check()(epcis.document([accepted], AT))
        [read] = captured.read(epcis.document([accepted], AT))
        assert read.event["type"] == accepted["type"]
        assert read.id != epcis.event_id(event)
    with pytest.raises(InvalidInput, match=r"^not an EPCIS 2\.0 document.*eventTime"):
        captured.read(epcis.document([broken], AT))
