"""The EPCIS 2.0 REST binding, where it applies: capture of EPCIS documents with their
capture jobs, and the simple events query, under /epcis."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic_core import from_json

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import as_json, routers
from corridor.api.schemas import PROBLEM
from corridor.exceptions import MalformedJson, NotAcceptable, QueryParameterInvalid
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


@private.post(
    "/epcis/events",
    status_code=201,
    tags=["epcis"],
    response_class=LdJson,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/ld+json": {"schema": {"type": "object"}}},
        }
    },
)
async def capture_event(request: Request, who: Caller, ctx: Ctx) -> Response:
    """Capture one event (the binding's synchronous single-event capture): stored as a
    document of that event would be, and answered with the event as stored (its id, its
    record time) and its address in `Location`."""
    event = _document(await request.body())
    event_id, stored = await run_in_threadpool(tracking.capture_event, ctx, who, event, ctx.clock())
    response = LdJson(stored, status_code=201, headers=HEADERS)
    response.headers["Location"] = f"/epcis/events/{quote(event_id, safe='')}"
    return response


@private.get("/epcis/capture/{capture_id}", tags=["epcis"], response_model=CaptureJob)
def capture_job(capture_id: str, who: Caller, ctx: Ctx) -> Response:
    """A capture job you started."""
    return as_json(tracking.capture_job(ctx, who, capture_id))


_TEXT = Query(max_length=400)
# The binding's paging, the same on every collection of events or members.
PerPage = Annotated[int, Query(ge=1, le=event_query.MAX_PAGE)]
PageToken = Annotated[str | None, _TEXT]


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
    perPage: PerPage = 30,
    nextPageToken: PageToken = None,
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
        namespaces=extensions_declared(gs1_extensions),
    )
    answer_as = media_of(request)
    return answer(request, ctx, event_query.events(ctx, who, query), answer_as)


def answer(
    request: Request, ctx: Ctx, page: event_query.EventPage, answer_as: type[JSONResponse]
) -> Response:
    """A page of events as the binding answers a query: a query document, and the next
    page's address (the same parameters, the next token) in `Link`."""
    response = answer_as(event_query.query_document(page, ctx.clock()), headers=HEADERS)
    if page.next_page_token:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        params.append(("nextPageToken", page.next_page_token))
        response.headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return response


def extensions_declared(header: str | None) -> dict[str, str]:
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


@public.get(
    "/epcis/eventTypes",
    tags=["epcis"],
    response_class=LdJson,
    responses={406: {"description": "Neither JSON-LD nor JSON is acceptable", **PROBLEM}},
)
def event_types(request: Request) -> Response:
    """The event types this repository answers queries for (the binding's resource)."""
    return media_of(request)(event_query.event_types(), headers=HEADERS)
