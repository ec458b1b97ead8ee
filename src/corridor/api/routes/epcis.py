"""The EPCIS 2.0 REST binding, where it applies: capture of EPCIS documents with their
capture jobs, and the simple events query, under /epcis."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic_core import from_json

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import as_json, routers
from corridor.api.schemas import PROBLEM
from corridor.exceptions import (
    InvalidInput,
    MalformedJson,
    NotAcceptable,
    QueryParameterInvalid,
)
from corridor.services import event_query, tracking
from corridor.services.event_query import EventQuery
from corridor.services.tracking import CaptureJob

public, private = routers()
_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
_LIST = Query(default_factory=list, max_length=50)


class LdJson(JSONResponse):
    """JSON-LD, as the EPCIS 2.0 binding answers queries."""

    media_type = "application/ld+json"


def _media(request: Request) -> type[JSONResponse]:
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
async def capture(request: Request, who: Caller, ctx: Ctx) -> Response:
    """Capture an EPCIS 2.0 document: every event is stored, or none (the binding's
    `rollback` behaviour). Events already stored are counted, not stored twice; an event
    with an `errorDeclaration` marks the stored event it declares wrong."""
    doc = _document(await request.body())
    job = await run_in_threadpool(tracking.capture, ctx, who, doc, ctx.clock())
    response = as_json(job, status_code=202)
    response.headers["Location"] = f"/epcis/capture/{job.captureID}"
    response.headers.update(_HEADERS)
    return response


@private.get("/epcis/capture/{capture_id}", tags=["epcis"], response_model=CaptureJob)
def capture_job(capture_id: str, who: Caller, ctx: Ctx) -> Response:
    """A capture job you started."""
    return as_json(tracking.capture_job(ctx, who, capture_id))


@private.get(
    "/epcis/events",
    tags=["epcis"],
    response_class=LdJson,
    responses={
        400: {"description": "An unknown query parameter or value", **PROBLEM},
        406: {"description": "Neither JSON-LD nor JSON is acceptable", **PROBLEM},
    },
)
def events(
    request: Request,
    who: Caller,
    ctx: Ctx,
    eventType: Annotated[list[str], _LIST],
    MATCH_epc: Annotated[list[str], _LIST],
    MATCH_parentID: Annotated[list[str], _LIST],
    MATCH_anyEPC: Annotated[list[str], _LIST],
    EQ_action: Annotated[list[str], _LIST],
    EQ_bizStep: Annotated[list[str], _LIST],
    EQ_disposition: Annotated[list[str], _LIST],
    EQ_readPoint: Annotated[list[str], _LIST],
    EQ_bizLocation: Annotated[list[str], _LIST],
    EQ_eventID: Annotated[list[str], _LIST],
    EXISTS_errorDeclaration: Annotated[str | None, Query(max_length=10)] = None,
    GE_eventTime: datetime | None = None,
    LT_eventTime: datetime | None = None,
    shipment: Annotated[str | None, Query(max_length=64)] = None,
    perPage: Annotated[int, Query(ge=1, le=event_query.MAX_PAGE)] = 30,
    nextPageToken: Annotated[str | None, Query(max_length=400)] = None,
) -> Response:
    """Events you may see (your shipments', or on your territory for a customs authority)
    as an EPCIS query document, in event-time order; a `Link: <…>; rel="next"` header
    leads to the next page. List parameters take repeated, comma- or pipe-separated values
    (`EQ_bizStep=departing|arriving`); a parameter this repository does not know is refused
    (400, `epcisException:QueryParameterException`) rather than ignored."""
    unknown = sorted(set(request.query_params) - event_query.PARAMETERS)
    if unknown:
        raise QueryParameterInvalid(
            f"unknown query parameter {', '.join(unknown)}; this repository answers "
            f"{', '.join(sorted(event_query.PARAMETERS))}"
        )

    def split(values: list[str]) -> list[str]:
        return [v for value in values for v in re.split(r"[|,]", value) if v]

    for name, when in (("GE_eventTime", GE_eventTime), ("LT_eventTime", LT_eventTime)):
        if when is not None and when.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone, e.g. 2026-12-01T00:00:00Z")
    query = EventQuery(
        eventType=split(eventType),
        MATCH_epc=split(MATCH_epc),
        MATCH_parentID=split(MATCH_parentID),
        MATCH_anyEPC=split(MATCH_anyEPC),
        EQ_action=split(EQ_action),
        EQ_bizStep=split(EQ_bizStep),
        EQ_disposition=split(EQ_disposition),
        EQ_readPoint=split(EQ_readPoint),
        EQ_bizLocation=split(EQ_bizLocation),
        EQ_eventID=split(EQ_eventID),
        EXISTS_errorDeclaration=EXISTS_errorDeclaration is not None,
        GE_eventTime=GE_eventTime,
        LT_eventTime=LT_eventTime,
        shipment=shipment,
        perPage=perPage,
        nextPageToken=nextPageToken,
    )
    answer_as = _media(request)
    page = event_query.events(ctx, who, query)
    response = answer_as(event_query.query_document(page, ctx.clock()), headers=_HEADERS)
    if page.next_page_token:
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "nextPageToken"]
        params.append(("nextPageToken", page.next_page_token))
        response.headers["Link"] = f'</epcis/events?{urlencode(params)}>; rel="next"'
    return response


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
    answer_as = _media(request)
    return answer_as(event_query.one(ctx, who, event_id), headers=_HEADERS)


@public.get(
    "/epcis/eventTypes",
    tags=["epcis"],
    response_class=LdJson,
    responses={406: {"description": "Neither JSON-LD nor JSON is acceptable", **PROBLEM}},
)
def event_types(request: Request) -> Response:
    """The event types this repository answers queries for (the binding's resource)."""
    return _media(request)(event_query.event_types(), headers=_HEADERS)
