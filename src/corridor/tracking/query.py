"""The EPCIS 2.0 simple event query (EPCIS 2.0 §8.2.7.1, with the REST binding's parameter
names): each parameter read from its name and values into a condition on a stored event.

Every standard parameter is understood: `eventType`; event, record and error-declaration
times; actions, business steps, dispositions and persistent dispositions; read points and
business locations (`WD_` as `EQ_`: this repository holds no location hierarchy); the
transformation id; instance and class matches (`MATCH_…`, EPC patterns and Digital Link or EPC
URI forms alike); quantities with or without a unit (`EQ_quantity_KGM`); event ids, error
reasons and corrective events; business transactions, sources and destinations by type;
sensor data (types, devices, methods, substances, values with their unit, times); user
extension fields at the top, inside other fields (`INNER_`), in ILMD, in an error
declaration, a sensor element, its metadata or report, a read point or a location; `EXISTS_`
of any of them. `HASATTR_` and `EQ_ATTR_` ask for master data, which this repository does not
hold: they match no event. Sensor values are compared in the unit the query names, without
conversion between units.

A name the query language does not define, a value of the wrong kind or a list where one
value is meant is refused as the binding's `QueryParameterException`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from corridor.exceptions import QueryParameterInvalid
from corridor.tracking import extensions
from corridor.tracking.eventhash import CBV, GS1_VOC
from corridor.tracking.query_values import (
    COMPARE,
    as_number,
    as_time,
    class_test,
    instance_test,
    integer,
    key,
    number,
    one,
    time,
    values,
    word,
)

__all__ = ["Condition", "Parsed", "parse"]

Event = Mapping[str, Any]
Test = Callable[[Event], bool]

EVENT_TYPES = frozenset(
    {"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
     "AssociationEvent"}
)  # fmt: skip
ACTIONS = frozenset({"ADD", "OBSERVE", "DELETE"})
# Parameters about the result rather than the events, and the binding's paging.
CONTROLS = frozenset(
    {"orderBy", "orderDirection", "eventCountLimit", "maxEventCount", "perPage",
     "nextPageToken", "shipment"}
)  # fmt: skip
_EPC_FIELDS = {
    "MATCH_epc": ("epcList", "childEPCs"),
    "MATCH_parentID": ("parentID",),
    "MATCH_inputEPC": ("inputEPCList",),
    "MATCH_outputEPC": ("outputEPCList",),
    "MATCH_anyEPC": ("epcList", "childEPCs", "inputEPCList", "outputEPCList", "parentID"),
}
_CLASS_FIELDS = {
    "MATCH_epcClass": ("quantityList", "childQuantityList"),
    "MATCH_inputEPCClass": ("inputQuantityList",),
    "MATCH_outputEPCClass": ("outputQuantityList",),
    "MATCH_anyEPCClass": (
        "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"),
}  # fmt: skip
_QUANTITY_LISTS = _CLASS_FIELDS["MATCH_anyEPCClass"]
_VOCAB = {
    "EQ_bizStep": ("bizStep", CBV + "BizStep-"),
    "EQ_disposition": ("disposition", CBV + "Disp-"),
    "EQ_transformationID": ("transformationID", ""),
}
_PLACES = {"EQ_readPoint": "readPoint", "WD_readPoint": "readPoint",
           "EQ_bizLocation": "bizLocation", "WD_bizLocation": "bizLocation"}  # fmt: skip
_SENSOR_TEXT = {
    # parameter -> (where: report, metadata or both; field; vocabulary prefix of bare words)
    "EQ_type": ("report", "type", GS1_VOC),
    "EQ_deviceID": ("both", "deviceID", ""),
    "EQ_dataProcessingMethod": ("both", "dataProcessingMethod", ""),
    "EQ_microorganism": ("report", "microorganism", ""),
    "EQ_chemicalSubstance": ("report", "chemicalSubstance", ""),
    "EQ_bizRules": ("metadata", "bizRules", ""),
    "EQ_stringValue": ("report", "stringValue", ""),
    "EQ_hexBinaryValue": ("report", "hexBinaryValue", ""),
    "EQ_uriValue": ("report", "uriValue", ""),
}
_SENSOR_TIMES = {"time": "both", "startTime": "metadata", "endTime": "metadata"}
_SENSOR_NUMBERS = ("value", "minValue", "maxValue", "meanValue", "sDev", "percValue")


@dataclass(frozen=True)
class Condition:
    """One parameter of a query, as a test of an event."""

    name: str
    test: Test


@dataclass
class Parsed:
    """A query: its conditions, and what the store can use to find candidates quickly
    (every condition is still tested on each candidate)."""

    conditions: list[Condition] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    event_ids: list[str] = field(default_factory=list)
    instances: list[str] = field(default_factory=list)  # exact EPCs, both forms
    ge_time: datetime | None = None
    lt_time: datetime | None = None
    order_by: str = "eventTime"
    descending: bool = False
    count_limit: int | None = None
    max_count: int | None = None

    def __call__(self, event: Event) -> bool:
        return all(c.test(event) for c in self.conditions)


def _listed(event: Event, fields: Sequence[str]) -> Iterator[Any]:
    for name in fields:
        value = event.get(name)
        if isinstance(value, list):
            yield from value
        elif value is not None:
            yield value


def _sensor_parts(event: Event, where: str) -> Iterator[Mapping[str, Any]]:
    for element in event.get("sensorElementList", []):
        if where in ("metadata", "both") and element.get("sensorMetadata"):
            yield element["sensorMetadata"]
        if where in ("report", "both"):
            yield from element.get("sensorReport", [])


def parse(params: Sequence[tuple[str, str]], declared: Mapping[str, str] | None = None) -> Parsed:
    """A query from the binding's parameters (name, value) as the URL carries them;
    `declared` are the prefixes the client declares (the `GS1-Extensions` header)."""
    declared = dict(declared or {})
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    q = Parsed()
    if "eventCountLimit" in grouped and "maxEventCount" in grouped:
        raise QueryParameterInvalid("give eventCountLimit or maxEventCount, not both")
    for name, raw in grouped.items():
        test = _condition(q, name, raw, declared)
        if test is not None:
            q.conditions.append(Condition(name, test))
    return q


def _condition(
    q: Parsed, name: str, raw: Sequence[str], declared: Mapping[str, str]
) -> Test | None:
    if name in CONTROLS:
        _control(q, name, raw)
        return None
    if name == "eventType":
        types = values(name, raw)
        wrong = sorted(set(types) - EVENT_TYPES)
        if wrong:
            raise QueryParameterInvalid(
                f"eventType {', '.join(wrong)} is not an EPCIS event type; use "
                f"{', '.join(sorted(EVENT_TYPES))}"
            )
        q.event_types = types
        return lambda e: e.get("type") in types
    if name in ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime"):
        bound = time(name, raw)
        if name == "GE_eventTime":
            q.ge_time = bound
        elif name == "LT_eventTime":
            q.lt_time = bound
        return _time_test(name[:2], name[3:], bound)
    if name in ("GE_errorDeclarationTime", "LT_errorDeclarationTime",
                "GE_errorDeclaration_Time", "LT_errorDeclaration_Time"):  # fmt: skip
        bound = time(name, raw)
        op = name[:2]
        return lambda e: (
            (t := as_time((e.get("errorDeclaration") or {}).get("declarationTime"))) is not None
            and COMPARE[op](t, bound)
        )
    if name == "EQ_action":
        actions = values(name, raw)
        wrong = sorted(set(actions) - ACTIONS)
        if wrong:
            raise QueryParameterInvalid(
                f"EQ_action {', '.join(wrong)} is not ADD, OBSERVE or DELETE"
            )
        return lambda e: e.get("action") in actions
    if name in _VOCAB:
        field_name, prefix = _VOCAB[name]
        wanted = {word(v, prefix) for v in values(name, raw)}
        return lambda e: field_name in e and word(e[field_name], prefix) in wanted
    if name in ("EQ_persistentDisposition_set", "EQ_persistentDisposition_unset"):
        part = name.rsplit("_", 1)[1]
        wanted = {word(v, CBV + "Disp-") for v in values(name, raw)}
        return lambda e: any(
            word(d, CBV + "Disp-") in wanted
            for d in (e.get("persistentDisposition") or {}).get(part, [])
        )
    if name in _PLACES:
        place = _PLACES[name]
        keys = {key(v) for v in values(name, raw)}
        return lambda e: key((e.get(place) or {}).get("id", "")) in keys
    if name in _EPC_FIELDS:
        epcs = values(name, raw)
        if not any(w.startswith("urn:epc:idpat:") for w in epcs):
            q.instances = sorted({*q.instances, *epcs, *map(key, epcs)})
        match = instance_test(epcs)
        fields = _EPC_FIELDS[name]
        return lambda e: any(match(str(i)) for i in _listed(e, fields))
    if name in _CLASS_FIELDS:
        match_class = class_test(values(name, raw))
        lists = _CLASS_FIELDS[name]
        return lambda e: any(
            isinstance(q_, dict) and match_class(str(q_.get("epcClass", "")))
            for q_ in _listed(e, lists)
        )
    found = re.fullmatch(r"(EQ|GT|GE|LT|LE)_quantity(?:_([A-Z0-9]{2,4}))?", name)
    if found:
        return _quantity_test(found[1], found[2], name, raw)
    if name == "EQ_eventID":
        ids = values(name, raw)
        q.event_ids = ids
        return lambda e: e.get("eventID") in ids
    if name == "EXISTS_errorDeclaration":
        return lambda e: bool(e.get("errorDeclaration"))
    if name == "EQ_errorReason":
        wanted = {word(v, CBV + "ER-") for v in values(name, raw)}
        return lambda e: (
            word((e.get("errorDeclaration") or {}).get("reason", ""), CBV + "ER-") in wanted
        )
    if name == "EQ_correctiveEventID":
        wanted = set(values(name, raw))
        return lambda e: bool(
            wanted & set((e.get("errorDeclaration") or {}).get("correctiveEventIDs", []))
        )
    found = re.fullmatch(r"EQ_(bizTransaction|source|destination)_([a-z][a-zA-Z0-9_]+)", name)
    if found:
        return _typed_test(found[1], found[2], values(name, raw))
    if name == "EXISTS_sensorElementList":
        return lambda e: bool(e.get("sensorElementList"))
    if name in _SENSOR_TEXT:
        where, field_name, prefix = _SENSOR_TEXT[name]
        wanted = {word(v, prefix) for v in values(name, raw)}
        return lambda e: any(
            field_name in p and word(p[field_name], prefix) in wanted
            for p in _sensor_parts(e, where)
        )
    if name == "EQ_booleanValue":
        text = one(name, raw).lower()
        if text not in ("true", "false"):
            raise QueryParameterInvalid(f"EQ_booleanValue is true or false, not {text!r}")
        flag = text == "true"
        return lambda e: any(p.get("booleanValue") is flag for p in _sensor_parts(e, "report"))
    found = re.fullmatch(r"(GE|LT)_(time|startTime|endTime)", name)
    if found:
        bound = time(name, raw)
        op, field_name = found[1], found[2]
        return lambda e: any(
            (t := as_time(p.get(field_name))) is not None and COMPARE[op](t, bound)
            for p in _sensor_parts(e, _SENSOR_TIMES[field_name])
        )
    found = re.fullmatch(r"(EQ|GT|GE|LT|LE)_(percRank)", name) or re.fullmatch(
        r"(EQ|GT|GE|LT|LE)_(" + "|".join(_SENSOR_NUMBERS) + r")_([A-Z0-9]{2,4})", name
    )
    if found:
        return _sensor_number_test(found, name, raw)
    if re.fullmatch(r"HASATTR_" + extensions.FIELD, name) or re.fullmatch(r"EQ_ATTR_\w+_\w+", name):
        values(name, raw)
        return lambda e: False  # no master data is held here
    found = re.fullmatch(
        r"(EQ|GT|GE|LT|LE|EXISTS)_(" + "|".join(extensions.SCOPES) + ")" + extensions.FIELD, name
    )
    if found:
        return extensions.condition(found[1], found[2], found[3], found[4], raw, declared, name)
    raise QueryParameterInvalid(
        f"unknown query parameter {name}; the EPCIS 2.0 simple event query's parameters are "
        "those of GET /epcis/events in /docs (with a type, unit or extension field in the name "
        "where the standard puts one)"
    )


def _control(q: Parsed, name: str, raw: Sequence[str]) -> None:
    if name == "orderBy":
        value = one(name, raw)
        if value not in ("eventTime", "recordTime"):
            raise QueryParameterInvalid(f"orderBy is eventTime or recordTime here, not {value!r}")
        q.order_by = value
    elif name == "orderDirection":
        value = one(name, raw)
        if value not in ("ASC", "DESC"):
            raise QueryParameterInvalid(f"orderDirection is ASC or DESC, not {value!r}")
        q.descending = value == "DESC"
    elif name == "eventCountLimit":
        q.count_limit = integer(name, raw)
    elif name == "maxEventCount":
        q.max_count = integer(name, raw)


def _time_test(op: str, field_name: str, bound: datetime) -> Test:
    return lambda e: (t := as_time(e.get(field_name))) is not None and COMPARE[op](t, bound)


def _quantity_test(op: str, uom: str | None, name: str, raw: Sequence[str]) -> Test:
    bound = number(name, raw)

    def test(event: Event) -> bool:
        for element in _listed(event, _QUANTITY_LISTS):
            if not isinstance(element, dict) or element.get("uom") != uom:
                continue
            amount = as_number(element.get("quantity"))
            if amount is not None and COMPARE[op](amount, bound):
                return True
        return False

    return test


def _typed_test(kind: str, type_name: str, wanted: list[str]) -> Test:
    """Whether an event's business transactions, sources or destinations (`kind`) hold one
    of the wanted values under the type `type_name`."""
    prefix = CBV + {"bizTransaction": "BTT-", "source": "SDT-", "destination": "SDT-"}[kind]
    keys = {key(w) for w in wanted}
    return lambda e: any(
        isinstance(i, dict)
        and word(i.get("type", ""), prefix) == prefix + type_name
        and key(i.get(kind, "")) in keys
        for i in e.get(kind + "List") or []
    )


def _sensor_number_test(found: re.Match[str], name: str, raw: Sequence[str]) -> Test:
    op, field_name = found[1], found[2]
    uom = found[3] if found.lastindex and found.lastindex >= 3 else None
    bound = number(name, raw)

    def test(event: Event) -> bool:
        for report in _sensor_parts(event, "report"):
            if uom is not None and report.get("uom") != uom:
                continue
            value = as_number(report.get(field_name))
            if value is not None and COMPARE[op](value, bound):
                return True
        return False

    return test
