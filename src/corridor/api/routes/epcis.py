"""The EPCIS 2.0 REST binding, where it applies: capture of EPCIS documents with their
capture jobs, and the simple events query, under /epcis."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic_core import from_json

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import as_json, routers
from corridor.api.schemas import PROBLEM
from corridor.exceptions import MalformedJson, NotAcceptable, NotFound, QueryParameterInvalid
from corridor.services import event_query, tracking
from corridor.services.event_query import EventQuery
from corridor.services.tracking import CaptureJob

public, private = routers()
HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
_LIST = Query(default_factory=list, max_length=50)


class LdJson(JSONResponse):
    """JSON-LD, as the EPCIS 2.0 binding answers queries."""

    media_type = "application/ld+json"


def media_of(request: Request) -> type[JSONResponse]:
    """The response type the client accepts: JSON-LD (the binding's default) or plain JSON;
    anything else is 406, saying what is offered."""
    accept = request.headers.get("accept", "")
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    for kind in kinds or ["*/*"]:
        if kind in ("application/ld+json", "application/*", "*/*"):
            return LdJson
        if kind == "application/json":
            return JSONResponse
    raise NotAcceptable(
        f"this resource is given as application/ld+json or application/json, not {accept!r}"
    )


def _document(body: bytes) -> Any:
    try:
        return from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        raise MalformedJson(
            f"the body is not JSON ({exc}); send an EPCIS 2.0 document as application/ld+json"
        ) from None


@private.post(
    "/epcis/capture",
    status_code=202,
    tags=["epcis"],
    response_model=CaptureJob,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
        }
    },
)
async def capture(
    request: Request,
    who: Caller,
    ctx: Ctx,
    behaviour: Annotated[
        Literal["rollback", "proceed"], Header(alias="GS1-Capture-Error-Behaviour")
    ] = "rollback",
) -> Response:
    """Capture an EPCIS 2.0 document. With `GS1-Capture-Error-Behaviour: rollback` (the
    default) every event is stored, or none; with `proceed` each event that passes is stored
    and the capture job lists every event refused and why. Events already stored are
    counted, not stored twice; an event with an `errorDeclaration` marks the stored event it
    declares wrong."""
    doc = _document(await request.body())
    job = await run_in_threadpool(tracking.capture, ctx, who, doc, ctx.clock(), behaviour)
    response = as_json(job, status_code=202)
    response.headers["Location"] = f"/epcis/capture/{job.captureID}"
    response.headers.update(HEADERS)
    return response


@private.get("/epcis/capture/{capture_id}", tags=["epcis"], response_model=CaptureJob)
def capture_job(capture_id: str, who: Caller, ctx: Ctx) -> Response:
    """A capture job you started."""
    return as_json(tracking.capture_job(ctx, who, capture_id))


_TEXT = Query(max_length=400)


@private.get(
    "/epcis/events",
    tags=["epcis"],
    response_class=LdJson,
    responses={
        400: {"description": "An unknown query parameter or value", **PROBLEM},
        406: {"description": "Neither JSON-LD nor JSON is acceptable", **PROBLEM},
        413: {"description": "More events match than maxEventCount", **PROBLEM},
    },
)
def events(
    request: Request,
    who: Caller,
    ctx: Ctx,
    *,
    eventType: Annotated[list[str], _LIST],
    GE_eventTime: Annotated[str | None, _TEXT] = None,
    LT_eventTime: Annotated[str | None, _TEXT] = None,
    GE_recordTime: Annotated[str | None, _TEXT] = None,
    LT_recordTime: Annotated[str | None, _TEXT] = None,
    EQ_action: Annotated[list[str], _LIST],
    EQ_bizStep: Annotated[list[str], _LIST],
    EQ_disposition: Annotated[list[str], _LIST],
    EQ_persistentDisposition_set: Annotated[list[str], _LIST],
    EQ_persistentDisposition_unset: Annotated[list[str], _LIST],
    EQ_readPoint: Annotated[list[str], _LIST],
    WD_readPoint: Annotated[list[str], _LIST],
    EQ_bizLocation: Annotated[list[str], _LIST],
    WD_bizLocation: Annotated[list[str], _LIST],
    EQ_transformationID: Annotated[list[str], _LIST],
    MATCH_epc: Annotated[list[str], _LIST],
    MATCH_parentID: Annotated[list[str], _LIST],
    MATCH_inputEPC: Annotated[list[str], _LIST],
    MATCH_outputEPC: Annotated[list[str], _LIST],
    MATCH_anyEPC: Annotated[list[str], _LIST],
    MATCH_epcClass: Annotated[list[str], _LIST],
    MATCH_inputEPCClass: Annotated[list[str], _LIST],
    MATCH_outputEPCClass: Annotated[list[str], _LIST],
    MATCH_anyEPCClass: Annotated[list[str], _LIST],
    EQ_eventID: Annotated[list[str], _LIST],
    EXISTS_errorDeclaration: Annotated[str | None, _TEXT] = None,
    GE_errorDeclarationTime: Annotated[str | None, _TEXT] = None,
    LT_errorDeclarationTime: Annotated[str | None, _TEXT] = None,
    EQ_errorReason: Annotated[list[str], _LIST],
    EQ_correctiveEventID: Annotated[list[str], _LIST],
    EXISTS_sensorElementList: Annotated[str | None, _TEXT] = None,
    EQ_type: Annotated[list[str], _LIST],
    EQ_deviceID: Annotated[list[str], _LIST],
    orderBy: Annotated[str | None, _TEXT] = None,
    orderDirection: Annotated[str | None, _TEXT] = None,
    eventCountLimit: Annotated[str | None, _TEXT] = None,
    maxEventCount: Annotated[str | None, _TEXT] = None,
    shipment: Annotated[str | None, Query(max_length=64)] = None,
    perPage: Annotated[int, Query(ge=1, le=event_query.MAX_PAGE)] = 30,
    nextPageToken: Annotated[str | None, Query(max_length=400)] = None,
    gs1_extensions: Annotated[str | None, Header(alias="GS1-Extensions", max_length=2000)] = None,
) -> Response:
    """Events you may see (your shipments', or on your territory for a customs authority)
    as an EPCIS query document, in event-time order unless `orderBy`/`orderDirection` say
    otherwise; a `Link: <…>; rel="next"` header leads to the next page.

    Every parameter of the EPCIS 2.0 simple event query is understood, including those
    whose name carries a type, unit or extension field (`EQ_bizTransaction_po`,
    `GE_value_CEL`, `EQ_quantity_KGM`, `EQ_ILMD_ext:batch`, `EXISTS_INNER_ext:note`);
    a list takes repeated values or values separated by `|` (`EQ_bizStep=departing|arriving`).
    Prefixes of extension fields are declared in the `GS1-Extensions` header
    (`ext=https://example.org/ext/`), else read as the stored event declares them. An
    unknown parameter or a malformed value is refused (400,
    `epcisException:QueryParameterException`) rather than ignored; more events than
    `maxEventCount` is 413 (`epcisException:QueryTooLargeException`). Master data is not
    held here: `HASATTR_` and `EQ_ATTR_` match no event, `WD_` is `EQ_`."""
    more = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("shipment", "perPage", "nextPageToken")
    ]
    query = EventQuery(
        shipment=shipment,
        perPage=perPage,
        nextPageToken=nextPageToken,
        more=more,
        namespaces=_extensions(gs1_extensions),
    )
    answer_as = media_of(request)
    page = event_query.events(ctx, who, query)
    response = answer_as(event_query.query_document(page, ctx.clock()), headers=HEADERS)
    if page.next_page_token:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        params.append(("nextPageToken", page.next_page_token))
        response.headers["Link"] = f'</epcis/events?{urlencode(params)}>; rel="next"'
    return response


def _extensions(header: str | None) -> dict[str, str]:
    """The prefixes a `GS1-Extensions` header declares (`ext=https://example.org/ext/`,
    several separated by commas)."""
    found: dict[str, str] = {}
    for part in (header or "").split(","):
        prefix, sep, iri = part.strip().partition("=")
        if not part.strip():
            continue
        if not sep or not prefix.isidentifier() or ":" not in iri:
            raise QueryParameterInvalid(
                f"GS1-Extensions declares prefix=IRI pairs separated by commas "
                f"(ext=https://example.org/ext/), not {part.strip()!r}"
            )
        found[prefix] = iri.strip()
    return found


@private.get(
    "/epcis/events/{event_id:path}",
    tags=["epcis"],
    response_class=LdJson,
    responses={
        404: {"description": "No such event that you may see", **PROBLEM},
        406: {"description": "Neither JSON-LD nor JSON is acceptable", **PROBLEM},
    },
)
def event(event_id: str, request: Request, who: Caller, ctx: Ctx) -> Response:
    """One event you may see, by its eventID (the CBV 2.0 hash-based id, `ni:///sha-256;…`),
    as the binding's resource."""
    answer_as = media_of(request)
    return answer_as(event_query.one(ctx, who, event_id), headers=HEADERS)


EventType = StrEnum(  # type: ignore[misc]
    "EventType", {name: name for name in sorted(event_query.EVENT_TYPES)}
)
_TOP_LEVEL = ["capture", "events", "eventTypes", "epcs", "bizSteps", "bizLocations",
              "readPoints", "dispositions", "queries"]  # fmt: skip
_DISCOVERY = {
    **HEADERS,
    "GS1-EPCIS-Min": "2.0.0",
    "GS1-EPCIS-Max": "2.0.0",
    "GS1-CBV-Min": "2.0.0",
    "GS1-CBV-Max": "2.0.0",
    "GS1-Vendor-Version": "corridor",
}


@private.get("/epcis", tags=["epcis"], response_class=LdJson)
def top_level(request: Request, who: Caller) -> Response:
    """The binding's top-level resources."""
    return media_of(request)(event_query.collection(_TOP_LEVEL), headers=HEADERS)


@public.options("/epcis/{rest:path}", include_in_schema=False)
def discovery(rest: str) -> Response:
    """What the binding's discovery asks of every resource: the EPCIS and CBV versions
    served (2.0.0) and the methods allowed."""
    if rest.split("/", 1)[0] not in _TOP_LEVEL:
        raise NotFound(
            f"no EPCIS resource /epcis/{rest}; the resources are {', '.join(_TOP_LEVEL)}"
        )
    allow = "GET, OPTIONS"
    if rest in ("capture", "queries"):
        allow = "POST, GET, OPTIONS"
    elif rest.startswith("queries/") and rest.count("/") == 1:
        allow = "GET, DELETE, OPTIONS"
    return Response(status_code=204, headers={**_DISCOVERY, "Allow": allow})


@public.get(
    "/epcis/eventTypes",
    tags=["epcis"],
    response_class=LdJson,
    responses={406: {"description": "Neither JSON-LD nor JSON is acceptable", **PROBLEM}},
)
def event_types(request: Request) -> Response:
    """The event types this repository answers queries for (the binding's resource)."""
    return media_of(request)(event_query.event_types(), headers=HEADERS)


def only_paging(request: Request) -> None:
    """A listing takes its page's parameters and nothing else."""
    unknown = sorted(set(request.query_params) - {"perPage", "nextPageToken"})
    if unknown:
        raise QueryParameterInvalid(
            f"unknown query parameter {', '.join(map(repr, unknown))}; this resource takes "
            "perPage and nextPageToken"
        )


def _resource_events(
    request: Request, who: Caller, ctx: Ctx, resource: str, value: str
) -> Response:
    """A member's events: the events query with the member as its parameter, and any
    further parameters of the query."""
    more = [(event_query.RESOURCES[resource], value)] + [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in ("perPage", "nextPageToken", "shipment")
    ]
    per_page = request.query_params.get("perPage", "30")
    if not per_page.isdigit() or not 1 <= int(per_page) <= event_query.MAX_PAGE:
        raise QueryParameterInvalid(f"perPage is 1 to {event_query.MAX_PAGE}, not {per_page!r}")
    query = EventQuery(
        perPage=int(per_page),
        nextPageToken=request.query_params.get("nextPageToken"),
        more=more,
        namespaces=_extensions(request.headers.get("GS1-Extensions")),
    )
    answer_as = media_of(request)
    page = event_query.events(ctx, who, query)
    response = answer_as(event_query.query_document(page, ctx.clock()), headers=HEADERS)
    if page.next_page_token:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        params.append(("nextPageToken", page.next_page_token))
        response.headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return response


def _resource_routes(resource: str, what: str) -> None:
    """The binding's three routes of a top-level resource: its members, a member's
    sub-resources, and a member's events."""
    if resource != "eventTypes":

        def listing(
            request: Request,
            who: Caller,
            ctx: Ctx,
            perPage: Annotated[int, Query(ge=1, le=event_query.MAX_PAGE)] = 30,
            nextPageToken: Annotated[str | None, Query(max_length=400)] = None,
        ) -> Response:
            only_paging(request)
            found, following = event_query.members(ctx, who, resource, perPage, nextPageToken)
            response = media_of(request)(event_query.collection(found), headers=HEADERS)
            if following:
                link = urlencode({"perPage": perPage, "nextPageToken": following})
                response.headers["Link"] = f'</epcis/{resource}?{link}>; rel="next"'
            return response

        listing.__doc__ = f"The {what} of the events you may see, in order, a page at a time."
        private.get(
            f"/epcis/{resource}", tags=["epcis"], response_class=LdJson, name=f"list_{resource}"
        )(listing)

    def member_events(value: str, request: Request, who: Caller, ctx: Ctx) -> Response:
        return _resource_events(request, who, ctx, resource, value)

    def type_events(value: EventType, request: Request, who: Caller, ctx: Ctx) -> Response:
        return _resource_events(request, who, ctx, resource, value.value)

    if resource == "eventTypes":
        member_events = type_events  # type: ignore[assignment]

    member_events.__doc__ = (
        f"The events you may see with this {what[:-1] if what.endswith('s') else what}, as "
        "the events query answers them (its parameters may be added)."
    )
    private.get(
        f"/epcis/{resource}/{{value:path}}/events",
        tags=["epcis"],
        response_class=LdJson,
        name=f"{resource}_events",
    )(member_events)

    def sub_resources(value: str, request: Request, who: Caller) -> Response:
        return media_of(request)(event_query.collection(["events"]), headers=HEADERS)

    sub_resources.__doc__ = "A member's sub-resources (the binding's discovery): its events."
    private.get(
        f"/epcis/{resource}/{{value:path}}",
        tags=["epcis"],
        response_class=LdJson,
        name=f"{resource}_member",
    )(sub_resources)


for _resource, _what in (
    ("eventTypes", "event types"),
    ("epcs", "identifiers"),
    ("bizSteps", "business steps"),
    ("bizLocations", "business locations"),
    ("readPoints", "read points"),
    ("dispositions", "dispositions"),
):
    _resource_routes(_resource, _what)
