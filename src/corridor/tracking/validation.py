"""What a captured EPCIS document must be: valid under the GS1 EPCIS 2.0 JSON Schema.

Most documents captured here carry the corridor's own events, and those are checked by a
narrower JSON Schema made on first use from the GS1 schema's own definitions: every value
(times, URIs, actions, business steps, dispositions, business transactions, error
declarations, units) is checked by GS1's definition of it; only the choice of fields is
narrower (object and aggregation events with the fields the short path of the CBV 2.0 event
hash covers, read points and locations with an id only, sensor reports of a few measurement
types). So every event it accepts the GS1 schema accepts as well (tests hold generated and
mutated events to that), and one compiled check per document replaces the GS1 schema's walk
through every event type and extension rule, the part of capture that cost most. A document
the narrow check refuses is checked against the whole GS1 schema, and stored if that
accepts it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema

from corridor.exceptions import FieldError, InvalidInput

# The measurement types the narrow check knows (any other takes the whole GS1 schema).
MEASUREMENTS = ("AbsoluteHumidity", "RelativeHumidity", "Temperature")
MAX_EVENTS = 1000


@cache
def gs1_schema() -> dict[str, Any]:
    """The GS1 EPCIS 2.0 JSON Schema as published (draft-07)."""
    text = (
        resources.files("corridor.tracking")
        .joinpath("schema/EPCIS-JSON-Schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def _ref(name: str) -> Any:
    """GS1's definition of `name`, written out in place (its own references too): the
    compiled check then names a failing field only when it fails, instead of building
    the name of every field it passes into a nested check."""
    return _inline(gs1_schema()["definitions"][name.replace("%40", "@")])


def _inline(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_inline(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _ref(schema["$ref"].removeprefix("#/definitions/"))
    return {k: _inline(v) for k, v in schema.items()}


def _words_first(name: str) -> dict[str, Any]:
    """GS1's definition of a vocabulary value (a URI outside CBV, or one of the CBV words),
    with the words tried first: the same set of values, checked without a failed attempt
    for the common case."""
    return {"anyOf": list(reversed(_ref(name)["anyOf"]))}


def _closed(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def stored_schema() -> dict[str, Any]:
    """The documents this repository stores, as a JSON Schema over GS1's definitions."""
    gs1 = gs1_schema()
    place = _closed({"id": _ref("uri")}, ["id"])
    sensor = _closed(
        {
            "sensorMetadata": {
                **_closed({k: _ref("time") for k in ("time", "startTime", "endTime")}, []),
            },
            "sensorReport": {
                "type": "array",
                "minItems": 1,
                "items": _closed(
                    {
                        "type": {"type": "string", "enum": list(MEASUREMENTS)},
                        "value": _ref("decimal"),
                        "uom": _ref("uom"),
                    },
                    ["type", "value", "uom"],
                ),
            },
        },
        ["sensorReport"],
    )
    common = {
        "@context": _ref("%40context"),
        "eventID": _ref("eventID"),
        "eventTime": _ref("time"),
        "recordTime": _ref("time"),
        "eventTimeZoneOffset": _ref("Event")["properties"]["eventTimeZoneOffset"],
        "errorDeclaration": _ref("errorDeclaration"),
        "action": _ref("action"),
        "bizStep": _words_first("bizStep"),
        "disposition": _words_first("disposition"),
        "readPoint": place,
        "bizLocation": place,
        "bizTransactionList": {"type": "array", "items": _ref("bizTransaction")},
        "sensorElementList": {"type": "array", "items": sensor},
    }
    required = ["type", "eventTime", "eventTimeZoneOffset", "action"]
    objects = _closed(
        {**common, "type": {"const": "ObjectEvent"}, "epcList": _ref("epcList")},
        [*required, "epcList"],
    )
    aggregations = _closed(
        {
            **common,
            "type": {"const": "AggregationEvent"},
            "parentID": _ref("uri"),
            "childEPCs": {"type": "array", "minItems": 1, "items": _ref("uri")},
        },
        [*required, "parentID", "childEPCs"],
    )
    event = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": ["ObjectEvent", "AggregationEvent"]}},
        "if": {"properties": {"type": {"const": "ObjectEvent"}}},
        "then": objects,
        "else": aggregations,
    }
    frame = dict(gs1["definitions"]["epcisDocument"])
    body = _closed(
        {"eventList": {"type": "array", "minItems": 1, "items": event}},
        ["eventList"],
    )
    return {
        "$schema": gs1["$schema"],
        "definitions": gs1["definitions"],
        **frame,
        "properties": {**frame["properties"], "epcisBody": body},
    }


# The compiler rewrites the references of the schema it is given in place: each compiles a
# copy, so the parsed GS1 schema that `stored_schema` reads stays as published.
@cache
def _gs1_check() -> Callable[[Any], Any]:
    return fastjsonschema.compile(copy.deepcopy(gs1_schema()))


@cache
def _stored_check() -> Callable[[Any], Any]:
    return fastjsonschema.compile(copy.deepcopy(stored_schema()))


def _refusal(prefix: str, exc: fastjsonschema.JsonSchemaValueException) -> InvalidInput:
    where = str(exc.name or "data").replace("data", "document", 1)
    message = exc.message.replace("data", "document", 1)
    return InvalidInput(f"{prefix}: {message}", [FieldError(where, message)])


def validate(doc: Any) -> None:
    """Refuse what the GS1 EPCIS 2.0 JSON Schema refuses, saying where and why."""
    try:
        _gs1_check()(doc)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise _refusal("not an EPCIS 2.0 document", exc) from None


def check_stored(doc: Any) -> None:
    """Refuse a document the GS1 EPCIS 2.0 JSON Schema refuses, saying where and why. The
    corridor's own events pass the narrow check compiled for them; any other document is
    checked against the whole GS1 schema (every event type, extension and sensor field)."""
    try:
        _stored_check()(doc)
    except fastjsonschema.JsonSchemaValueException:
        validate(doc)
