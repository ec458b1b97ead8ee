"""Every parameter of the EPCIS 2.0 simple event query, asked of GS1's and OpenEPCIS's example
events once captured, and compared with an evaluation of the same query written here, from
the standard's text, over the same events: for each parameter, queries are made from the
values the events hold (every business step, every identifier, every extension field, …),
and the repository must answer exactly the events this evaluation finds.

The evaluation shares no code with the repository's query: identifiers are compared in the
Digital Link form GS1's reference generator gives them."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from epcis_event_hash_generator.dl_normaliser import normaliser

from corridor.exceptions import QueryParameterInvalid, QueryTooLarge
from corridor.services import Context, event_query
from corridor.services.event_query import EventQuery
from tests.conftest import ORGS, walked_node
from tests.tracking.corpus import NOW, VALID, capture_example, needs_corpus, tied

pytestmark = needs_corpus
SHIPPER = ORGS["kz-ferroalloy"]
CBV = "https://ref.gs1.org/cbv/"
Event = dict[str, Any]


@pytest.fixture(scope="module")
def captured(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Context, str, list[Event]]]:
    """A node holding every valid example document, tied to the demo shipment, and every
    event of that shipment as the repository returns it."""
    with walked_node(tmp_path_factory.mktemp("corpus-query")) as (ctx, shipment):
        for n, (_, doc) in enumerate(VALID):
            capture_example(ctx, SHIPPER, tied(doc, shipment, n))
        yield ctx, shipment, ask(ctx, shipment, [])


def ask(
    ctx: Context, shipment: str, params: list[tuple[str, str]], per_page: int = 1000
) -> list[Event]:
    """Every page of a query's answer, followed token by token."""
    found: list[Event] = []
    token = None
    while True:
        page = event_query.events(
            ctx, SHIPPER,
            EventQuery(shipment=shipment, perPage=per_page, nextPageToken=token, more=params),
        )  # fmt: skip
        found += page.events
        token = page.next_page_token
        if token is None:
            return found


# The evaluation written from the standard's text.


def key(value: Any) -> str:
    text = str(value)
    return normaliser(text) or text


def word(value: Any, prefix: str) -> str:
    text = str(value)
    return text if ":" in text else prefix + text


def time_of(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


OPS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": lambda a, b: a == b, "GT": lambda a, b: a > b, "GE": lambda a, b: a >= b,
    "LT": lambda a, b: a < b, "LE": lambda a, b: a <= b,
}  # fmt: skip
INSTANCE_FIELDS = {
    "MATCH_epc": ["epcList", "childEPCs"],
    "MATCH_parentID": ["parentID"],
    "MATCH_inputEPC": ["inputEPCList"],
    "MATCH_outputEPC": ["outputEPCList"],
    "MATCH_anyEPC": ["epcList", "childEPCs", "inputEPCList", "outputEPCList", "parentID"],
}
CLASS_FIELDS = {
    "MATCH_epcClass": ["quantityList", "childQuantityList"],
    "MATCH_inputEPCClass": ["inputQuantityList"],
    "MATCH_outputEPCClass": ["outputQuantityList"],
    "MATCH_anyEPCClass": ["quantityList", "childQuantityList", "inputQuantityList",
                          "outputQuantityList"],
}  # fmt: skip


def items(event: Event, fields: list[str]) -> list[Any]:
    out: list[Any] = []
    for f in fields:
        v = event.get(f)
        out += v if isinstance(v, list) else ([] if v is None else [v])
    return out


def reports(event: Event) -> list[dict[str, Any]]:
    return [r for el in event.get("sensorElementList", []) for r in el.get("sensorReport", [])]


def metadata(event: Event) -> list[dict[str, Any]]:
    return [
        el["sensorMetadata"]
        for el in event.get("sensorElementList", [])
        if el.get("sensorMetadata")
    ]


def prefixes_of(event: Event) -> dict[str, str]:
    found: dict[str, str] = {}
    for c in event.get("@context", []) or []:
        if isinstance(c, dict):
            found |= {k: v for k, v in c.items() if isinstance(v, str)}
    return found


def extension_values(node: Any, iri: str, names: dict[str, str], inside: bool) -> list[Any]:
    out: list[Any] = []
    if isinstance(node, list):
        for n in node:
            out += extension_values(n, iri, names, inside)
    elif isinstance(node, dict):
        for k, v in node.items():
            p, _, local = k.partition(":")
            if local and p in names and names[p] + local == iri:
                out += v if isinstance(v, list) else [v]
            if inside and isinstance(v, (dict, list)):
                out += extension_values(v, iri, names, True)
    return out


def scope_parts(event: Event, scope: str) -> list[Any]:
    part = scope.removeprefix("INNER_")
    if part == "":
        parts: list[Any] = [event]
    elif part == "ILMD_":
        parts = [event.get("ilmd", {})]
    elif part == "ERROR_DECLARATION_":
        parts = [event.get("errorDeclaration", {})]
    elif part == "SENSORELEMENT_":
        parts = list(event.get("sensorElementList", []))
    elif part == "SENSORMETADATA_":
        parts = metadata(event)
    elif part == "SENSORREPORT_":
        parts = reports(event)
    else:
        parts = [event.get(part.rstrip("_"), {})]
    if scope.startswith("INNER_"):
        parts = [v for p in parts for k, v in p.items() if ":" in k and not k.startswith("@")]
    return parts


def expected(events: list[Event], name: str, values: list[str]) -> list[Event]:
    """The events a query of one parameter selects, by the standard's text."""

    def keep(test: Callable[[Event], bool]) -> list[Event]:
        return [e for e in events if test(e)]

    if name == "eventType":
        return keep(lambda e: e["type"] in values)
    if name in ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime"):
        bound = time_of(values[0])
        return keep(lambda e: OPS[name[:2]](time_of(e[name[3:]]), bound))
    if name in ("GE_errorDeclarationTime", "LT_errorDeclarationTime"):
        bound = time_of(values[0])
        return keep(lambda e: "errorDeclaration" in e and OPS[name[:2]](
            time_of(e["errorDeclaration"]["declarationTime"]), bound))  # fmt: skip
    if name == "EQ_action":
        return keep(lambda e: e.get("action") in values)
    vocab = {"EQ_bizStep": ("bizStep", "BizStep-"), "EQ_disposition": ("disposition", "Disp-")}
    if name in vocab:
        f, p = vocab[name]
        return keep(lambda e: f in e and word(e[f], CBV + p) in {word(v, CBV + p) for v in values})
    if name.startswith("EQ_persistentDisposition_"):
        part = name.rsplit("_", 1)[1]
        wanted = {word(v, CBV + "Disp-") for v in values}
        return keep(lambda e: any(word(d, CBV + "Disp-") in wanted
                                  for d in e.get("persistentDisposition", {}).get(part, [])))  # fmt: skip
    if name in ("EQ_readPoint", "WD_readPoint", "EQ_bizLocation", "WD_bizLocation"):
        f = name[3:]
        return keep(lambda e: f in e and key(e[f]["id"]) in {key(v) for v in values})
    if name == "EQ_transformationID":
        return keep(lambda e: e.get("transformationID") in values)
    if name in INSTANCE_FIELDS:

        def hit(v: Any) -> bool:
            for w in values:
                if w.startswith("urn:epc:idpat:"):
                    base = key(w)
                    if key(v).startswith(base + "/"):
                        return True
                elif key(v) == key(w):
                    return True
            return False

        return keep(lambda e: any(hit(v) for v in items(e, INSTANCE_FIELDS[name])))
    if name in CLASS_FIELDS:
        return keep(lambda e: any(key(q.get("epcClass")) in {key(v) for v in values}
                                  for q in items(e, CLASS_FIELDS[name])))  # fmt: skip
    if "_quantity" in name:
        op, _, uom = name.partition("_quantity")
        uom = uom.lstrip("_") or None
        bound = float(values[0])
        lists = CLASS_FIELDS["MATCH_anyEPCClass"]
        return keep(lambda e: any(q.get("uom") == uom and number(q.get("quantity")) is not None
                                  and OPS[op](number(q["quantity"]), bound) for q in items(e, lists)))  # fmt: skip
    if name == "EQ_eventID":
        return keep(lambda e: e["eventID"] in values)
    if name == "EXISTS_errorDeclaration":
        return keep(lambda e: "errorDeclaration" in e)
    if name == "EQ_errorReason":
        wanted = {word(v, CBV + "ER-") for v in values}
        return keep(
            lambda e: word(e.get("errorDeclaration", {}).get("reason", ""), CBV + "ER-") in wanted
        )
    if name == "EQ_correctiveEventID":
        return keep(
            lambda e: bool(
                set(values) & set(e.get("errorDeclaration", {}).get("correctiveEventIDs", []))
            )
        )
    for kind, p in (("bizTransaction", "BTT-"), ("source", "SDT-"), ("destination", "SDT-")):
        if name.startswith(f"EQ_{kind}_"):
            t = CBV + p + name.removeprefix(f"EQ_{kind}_")
            return keep(lambda e, kind=kind, t=t, p=p: any(
                word(i.get("type", ""), CBV + p) == t and key(i[kind]) in {key(v) for v in values}
                for i in e.get(kind + "List", [])))  # fmt: skip
    if name == "EXISTS_sensorElementList":
        return keep(lambda e: bool(e.get("sensorElementList")))
    sensor_text = {"EQ_type": (reports, "type", "https://gs1.org/voc/"),
                   "EQ_deviceID": (lambda e: metadata(e) + reports(e), "deviceID", ""),
                   "EQ_dataProcessingMethod": (lambda e: metadata(e) + reports(e), "dataProcessingMethod", ""),
                   "EQ_microorganism": (reports, "microorganism", ""),
                   "EQ_chemicalSubstance": (reports, "chemicalSubstance", ""),
                   "EQ_bizRules": (metadata, "bizRules", ""),
                   "EQ_stringValue": (reports, "stringValue", ""),
                   "EQ_hexBinaryValue": (reports, "hexBinaryValue", ""),
                   "EQ_uriValue": (reports, "uriValue", "")}  # fmt: skip
    if name in sensor_text:
        parts, f, p = sensor_text[name]
        wanted = {word(v, p) if p else v for v in values}
        return keep(
            lambda e: any(f in r and (word(r[f], p) if p else r[f]) in wanted for r in parts(e))
        )
    if name == "EQ_booleanValue":
        return keep(
            lambda e: any(r.get("booleanValue") is (values[0] == "true") for r in reports(e))
        )
    if name in ("GE_time", "LT_time", "GE_startTime", "LT_startTime", "GE_endTime", "LT_endTime"):
        f = name[3:]
        bound = time_of(values[0])
        return keep(lambda e: any(f in r and OPS[name[:2]](time_of(r[f]), bound)
                                  for r in metadata(e) + (reports(e) if f == "time" else [])))  # fmt: skip
    if name.endswith("_percRank"):
        return keep(lambda e: any(number(r.get("percRank")) is not None
                                  and OPS[name[:2]](number(r["percRank"]), float(values[0])) for r in reports(e)))  # fmt: skip
    for f in ("value", "minValue", "maxValue", "meanValue", "sDev", "percValue"):
        if name[3:].startswith(f + "_"):
            uom = name[3 + len(f) + 1 :]
            return keep(lambda e, f=f, uom=uom: any(
                r.get("uom") == uom and number(r.get(f)) is not None
                and OPS[name[:2]](number(r[f]), float(values[0])) for r in reports(e)))  # fmt: skip
    if name.startswith(("HASATTR_", "EQ_ATTR_")):
        return []
    op, _, rest = name.partition("_")
    scope = next(s for s in SCOPES if rest.startswith(s) and ":" in rest[len(s) :])
    prefix, local = rest[len(scope) :].split(":", 1)

    def extension(e: Event) -> bool:
        names = prefixes_of(e)
        if prefix not in names:
            return False
        found = [v for part in scope_parts(e, scope)
                 for v in extension_values(part, names[prefix] + local, names, scope.startswith("INNER_"))]  # fmt: skip
        if op == "EXISTS":
            return bool(found)
        if op == "EQ":
            return any(str(v) in values or (number(v) is not None and number(v) in
                       {number(w) for w in values}) for v in found)  # fmt: skip
        return any(number(v) is not None and OPS[op](number(v), float(values[0])) for v in found)

    return keep(extension)


SCOPES = ["INNER_ERROR_DECLARATION_", "ERROR_DECLARATION_", "INNER_SENSORELEMENT_",
          "INNER_SENSORMETADATA_", "INNER_SENSORREPORT_", "SENSORELEMENT_", "SENSORMETADATA_",
          "SENSORREPORT_", "INNER_ILMD_", "ILMD_", "INNER_readPoint_", "readPoint_",
          "INNER_bizLocation_", "bizLocation_", "INNER_", ""]  # fmt: skip


def queries(events: list[Event]) -> Iterator[tuple[str, list[str]]]:
    """For each parameter, queries made of the values the events hold."""

    def seen(values: Any, limit: int = 6) -> list[str]:
        return sorted({str(v) for v in values if v is not None})[:limit]

    for t in seen(e["type"] for e in events):
        yield "eventType", [t]
    yield "eventType", ["AssociationEvent", "TransformationEvent"]
    times = sorted(time_of(e["eventTime"]) for e in events)
    for at in (times[len(times) // 4], times[len(times) // 2], times[-1]):
        for name in ("GE_eventTime", "LT_eventTime"):
            yield name, [at.isoformat()]
    for name in ("GE_recordTime", "LT_recordTime"):
        yield name, [(NOW - timedelta(minutes=1)).isoformat()]
        yield name, [(NOW + timedelta(minutes=1)).isoformat()]
    for a in ("ADD", "OBSERVE", "DELETE"):
        yield "EQ_action", [a]
    for v in seen((e.get("bizStep") for e in events), 20):
        yield "EQ_bizStep", [v.removeprefix(CBV + "BizStep-")]
    yield "EQ_bizStep", ["receiving|shipping"]
    for v in seen((e.get("disposition") for e in events), 20):
        yield "EQ_disposition", [v]
    for part in ("set", "unset"):
        for v in seen(d for e in events for d in e.get("persistentDisposition", {}).get(part, [])):
            yield f"EQ_persistentDisposition_{part}", [v]
    for f in ("readPoint", "bizLocation"):
        for v in seen((e[f]["id"] for e in events if f in e), 12):
            yield f"EQ_{f}", [v]
            yield f"WD_{f}", [v]
    for v in seen(e.get("transformationID") for e in events):
        yield "EQ_transformationID", [v]
    for name, fields in INSTANCE_FIELDS.items():
        for v in seen((i for e in events for i in items(e, fields)), 8):
            yield name, [v]
    sgtins = seen(
        (
            i
            for e in events
            for i in items(e, ["epcList"])
            if str(i).startswith("urn:epc:id:sgtin:")
        ),
        3,
    )
    for s in sgtins:
        yield "MATCH_epc", [s.rsplit(".", 1)[0].replace(":id:", ":idpat:") + ".*"]
    for name, fields in CLASS_FIELDS.items():
        for v in seen((q.get("epcClass") for e in events for q in items(e, fields)), 8):
            yield name, [v]
    quantities = [
        (q.get("uom"), q.get("quantity"))
        for e in events
        for q in items(e, CLASS_FIELDS["MATCH_anyEPCClass"])
    ]
    for uom, amount in sorted({(u, a) for u, a in quantities if a is not None}, key=str)[:6]:
        for op in ("EQ", "GT", "GE", "LT", "LE"):
            yield f"{op}_quantity" + (f"_{uom}" if uom else ""), [str(amount)]
    for e in events[:: max(1, len(events) // 5)]:
        yield "EQ_eventID", [e["eventID"]]
    yield "EXISTS_errorDeclaration", [""]
    declared = [e["errorDeclaration"] for e in events if "errorDeclaration" in e]
    for d in declared:
        yield "GE_errorDeclarationTime", [d["declarationTime"]]
        yield "LT_errorDeclarationTime", [d["declarationTime"]]
        if "reason" in d:
            yield "EQ_errorReason", [d["reason"]]
        for c in d.get("correctiveEventIDs", []):
            yield "EQ_correctiveEventID", [c]
    for kind, p in (("bizTransaction", "BTT-"), ("source", "SDT-"), ("destination", "SDT-")):
        for i in (i for e in events for i in e.get(kind + "List", []) if "type" in i):
            t = word(i["type"], CBV + p)
            if t.startswith(CBV + p):
                yield f"EQ_{kind}_{t.removeprefix(CBV + p)}", [i[kind]]
    yield "EXISTS_sensorElementList", [""]
    for f, name in (("type", "EQ_type"), ("deviceID", "EQ_deviceID"), ("dataProcessingMethod", "EQ_dataProcessingMethod"),
                    ("microorganism", "EQ_microorganism"), ("chemicalSubstance", "EQ_chemicalSubstance"),
                    ("stringValue", "EQ_stringValue"), ("hexBinaryValue", "EQ_hexBinaryValue"),
                    ("uriValue", "EQ_uriValue")):  # fmt: skip
        for v in seen(r.get(f) for e in events for r in reports(e)):
            yield name, [v]
    for v in seen(m.get("bizRules") for e in events for m in metadata(e)):
        yield "EQ_bizRules", [v]
    for flag in ("true", "false"):
        yield "EQ_booleanValue", [flag]
    for f in ("time", "startTime", "endTime"):
        for v in seen((m.get(f) for e in events for m in metadata(e)), 3):
            yield f"GE_{f}", [v]
            yield f"LT_{f}", [v]
    for f in ("value", "minValue", "maxValue", "meanValue", "sDev", "percValue"):
        for uom, v in sorted(
            {(r["uom"], r[f]) for e in events for r in reports(e) if f in r and "uom" in r}, key=str
        )[:4]:
            for op in ("EQ", "GT", "GE", "LT", "LE"):
                yield f"{op}_{f}_{uom}", [str(v)]
    for v in seen(r.get("percRank") for e in events for r in reports(e)):
        for op in ("GE", "LT"):
            yield f"{op}_percRank", [v]
    yield "HASATTR_ext1:colour", ["red"]
    yield "EQ_ATTR_readPoint_name", ["Aktau"]
    for scope, name, value in sorted(set(extension_fields(events)), key=str)[:80]:
        yield f"EXISTS_{scope}{name}", [""]
        yield f"EQ_{scope}{name}", [value]
        if number(value) is not None:
            for op in ("GT", "GE", "LT", "LE"):
                yield f"{op}_{scope}{name}", [value]


def extension_fields(events: list[Event]) -> Iterator[tuple[str, str, str]]:
    """(scope, prefixed name, a scalar value) of every user extension field."""
    for e in events:
        for scope in SCOPES:
            for part in scope_parts(e, scope):
                if not isinstance(part, dict):
                    continue
                for k, v in part.items():
                    if ":" in k and not k.startswith("@") and not isinstance(v, (dict, list)):
                        yield scope, k, str(v)


def test_every_query_answers_what_the_standard_says(
    captured: tuple[Context, str, list[Event]],
) -> None:
    ctx, shipment, events = captured
    asked: set[str] = set()
    for name, values in queries(events):
        params = [(name, v) for v in values]
        answer = ask(ctx, shipment, params)
        split = [w for v in values for w in v.split("|")]
        want = expected(events, name, split)
        assert sorted(e["eventID"] for e in answer) == sorted(e["eventID"] for e in want), (
            name,
            values,
        )
        asked.add(name.split("_")[0] if ":" in name else name)
    # What was asked: every standard parameter, extension fields included.
    for must in ("eventType", "GE_eventTime", "LT_recordTime", "EQ_action", "EQ_bizStep",
                 "EQ_disposition", "EQ_persistentDisposition_set", "WD_readPoint", "EQ_bizLocation",
                 "EQ_transformationID", "MATCH_epc", "MATCH_parentID", "MATCH_inputEPC",
                 "MATCH_outputEPC", "MATCH_anyEPC", "MATCH_epcClass", "MATCH_inputEPCClass",
                 "MATCH_outputEPCClass", "MATCH_anyEPCClass", "EQ_eventID", "EXISTS_errorDeclaration",
                 "GE_errorDeclarationTime", "EQ_errorReason", "EQ_correctiveEventID",
                 "EXISTS_sensorElementList", "EQ_type", "EQ_deviceID", "EQ_bizRules", "EQ_booleanValue",
                 "GE_time", "GE_startTime", "LT_endTime", "GE_percRank", "EXISTS", "EQ", "GT"):  # fmt: skip
        assert must in asked, must
    assert any(n.startswith("EQ_bizTransaction_") for n in asked)
    assert any(n.startswith("EQ_source_") for n in asked)
    assert any(n.startswith("GE_value_") for n in asked)
    assert any("quantity" in n for n in asked)


def test_every_answer_has_some_events_and_some_not(
    captured: tuple[Context, str, list[Event]],
) -> None:
    """The comparison is worth something: most queries select some events and leave some."""
    _, _, events = captured
    sizes = [
        len(expected(events, n, [w for v in vs for w in v.split("|")])) for n, vs in queries(events)
    ]
    assert len(sizes) > 300
    assert sum(0 < s < len(events) for s in sizes) > 0.7 * len(sizes)


def test_order_direction_and_limits(captured: tuple[Context, str, list[Event]]) -> None:
    ctx, shipment, events = captured
    by_time = sorted(events, key=lambda e: (time_of(e["eventTime"]), e["eventID"]))
    newest_first = ask(ctx, shipment, [("orderDirection", "DESC")], per_page=7)
    assert [time_of(e["eventTime"]) for e in newest_first] == sorted(
        (time_of(e["eventTime"]) for e in by_time), reverse=True
    )
    assert len(newest_first) == len(events)
    by_record = ask(
        ctx, shipment, [("orderBy", "recordTime"), ("orderDirection", "ASC")], per_page=9
    )
    assert [time_of(e["recordTime"]) for e in by_record] == sorted(
        time_of(e["recordTime"]) for e in events
    )
    limited = ask(ctx, shipment, [("eventCountLimit", "11")], per_page=4)
    assert [e["eventID"] for e in limited] == [e["eventID"] for e in ask(ctx, shipment, [])][:11]
    assert ask(ctx, shipment, [("maxEventCount", str(len(events)))])
    with pytest.raises(QueryTooLarge):
        ask(ctx, shipment, [("maxEventCount", str(len(events) - 1))])


@pytest.mark.parametrize(
    "params",
    [
        [("EQ_colour", "red")],
        [("eventType", "ShipmentEvent")],
        [("GE_eventTime", "yesterday")],
        [("GE_eventTime", "2026-03-02T10:00:00")],
        [("EQ_action", "MOVE")],
        [("orderBy", "bizStep")],
        [("orderDirection", "UP")],
        [("eventCountLimit", "0")],
        [("eventCountLimit", "3"), ("maxEventCount", "3")],
        [("GE_quantity_KGM", "heavy")],
        [("EQ_booleanValue", "yes")],
        [("MATCH_epc", "")],
    ],
)
def test_an_unknown_or_malformed_parameter_is_refused(
    captured: tuple[Context, str, list[Event]], params: list[tuple[str, str]]
) -> None:
    ctx, shipment, _ = captured
    with pytest.raises(QueryParameterInvalid):
        ask(ctx, shipment, params)


def test_conditions_combine_as_and_and_lists_as_or(
    captured: tuple[Context, str, list[Event]],
) -> None:
    ctx, shipment, events = captured
    steps = sorted({e["bizStep"] for e in events if "bizStep" in e})[:3]
    for a, b in itertools.combinations(steps, 2):
        either = ask(ctx, shipment, [("EQ_bizStep", f"{a}|{b}")])
        assert {e["eventID"] for e in either} == {
            e["eventID"] for e in events if e.get("bizStep") in (a, b)
        }
        both = ask(ctx, shipment, [("EQ_bizStep", a), ("EQ_action", "OBSERVE")])
        assert {e["eventID"] for e in both} == {
            e["eventID"] for e in events if e.get("bizStep") == a and e.get("action") == "OBSERVE"
        }
