"""The EPCIS 2.0 binding's named queries under /epcis/queries: save a simple event query under
a name, run it, delete it, and follow it: a WebSocket on `/epcis/queries/{name}/events`
sends every new event the query selects, as an EPCIS query document, as it is recorded (the
binding's stream subscription). Webhook subscriptions are not offered: a national node does
not send its data to addresses a client names."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import Body, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from corridor.api.deps import Caller, Ctx, node_of
from corridor.api.routes._base import as_json, routers
from corridor.api.routes.epcis import LdJson, PageToken, PerPage, answer, media_of
from corridor.api.routes.epcis_resources import only_paging
from corridor.api.schemas import PROBLEM
from corridor.exceptions import AuthenticationFailed, CorridorError
from corridor.services import authentication, event_query, named_queries
from corridor.services.named_queries import NamedQuery

public, private = routers()
# How often a stream subscription looks for new events.
STREAM_POLL_S = 1.0


class QueryDefinition(BaseModel):
    """A named query as the binding posts it: its name and the events query's parameters
    (`{"EQ_bizStep": ["departing"], "GE_eventTime": "2026-01-01T00:00:00Z"}`)."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    query: dict[str, Any]


@private.post(
    "/epcis/queries",
    tags=["epcis"],
    status_code=201,
    response_model=NamedQuery,
    responses={
        400: {"description": "A parameter the query language does not know", **PROBLEM},
        409: {"description": "You have a query of that name", **PROBLEM},
    },
)
def create_query(definition: Annotated[QueryDefinition, Body()], who: Caller, ctx: Ctx) -> Response:
    """Save a simple event query under a name of yours; its parameters are checked now."""
    saved = named_queries.create(ctx, who, definition.name, definition.query, ctx.clock())
    response = as_json(saved, status_code=201)
    response.headers["Location"] = f"/epcis/queries/{saved.name}"
    return response


@private.get("/epcis/queries", tags=["epcis"])
def list_queries(who: Caller, ctx: Ctx) -> Response:
    """Your named queries."""
    return as_json(event_query.collection(named_queries.names(ctx, who)))


@private.get("/epcis/queries/{name}", tags=["epcis"], response_model=NamedQuery)
def get_query(name: str, who: Caller, ctx: Ctx) -> Response:
    """One of your named queries."""
    return as_json(named_queries.get(ctx, who, name))


@private.delete("/epcis/queries/{name}", tags=["epcis"], status_code=204)
def delete_query(name: str, who: Caller, ctx: Ctx) -> Response:
    """Delete one of your named queries."""
    named_queries.delete_query(ctx, who, name)
    return Response(status_code=204)


@private.get(
    "/epcis/queries/{name}/events",
    tags=["epcis"],
    response_class=LdJson,
    responses={406: {"description": "Neither JSON-LD nor JSON is acceptable", **PROBLEM}},
)
def query_events(
    name: str,
    request: Request,
    who: Caller,
    ctx: Ctx,
    perPage: PerPage = 30,
    nextPageToken: PageToken = None,
) -> Response:
    """The events your named query selects now, a page at a time (the next in `Link`).
    Opened as a WebSocket, the same address streams each new event as it is recorded."""
    only_paging(request)
    answer_as = media_of(request)
    return answer(
        request, ctx, named_queries.run(ctx, who, name, perPage, nextPageToken), answer_as
    )


@public.websocket("/epcis/queries/{name}/events")
async def stream(websocket: WebSocket, name: str) -> None:
    """A stream subscription: authenticated as a request is (`Authorization: Bearer`), then
    one EPCIS query document per batch of new events the query selects, as they are
    recorded, until the client closes, the key is revoked or the query deleted."""
    ctx = node_of(websocket)  # type: ignore[arg-type]
    scheme, _, key = websocket.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not key:
            raise AuthenticationFailed("a subscription needs 'Authorization: Bearer <API key>'")
        client = websocket.client.host if websocket.client else None
        who = await run_in_threadpool(authentication.authenticate, ctx, key, client)
        await run_in_threadpool(named_queries.get, ctx, who, name)
    except CorridorError as error:
        await websocket.close(code=1008, reason=error.detail[:120])
        return
    await websocket.accept()
    # From now on: what is already recorded is not new, whatever its clock says. The
    # position moves with each batch sent (the latest record time, and the events recorded
    # at that very time), so each look reads only what is newer.
    after = ctx.clock()
    already = await run_in_threadpool(named_queries.since, ctx, who, name, after, set())
    after, seen = _position(after, already, set())
    try:
        while True:
            # The key is checked again at every look: a key revoked, an organisation
            # suspended or the query deleted ends the stream.
            who = await run_in_threadpool(authentication.authenticate, ctx, key, client)
            fresh = await run_in_threadpool(named_queries.since, ctx, who, name, after, seen)
            if fresh:
                page = event_query.EventPage(events=fresh, next_page_token=None)
                await websocket.send_json(event_query.query_document(page, ctx.clock()))
                after, seen = _position(after, fresh, seen)
            await asyncio.sleep(STREAM_POLL_S)
    except WebSocketDisconnect:
        return
    except CorridorError as error:
        await websocket.close(code=1008, reason=error.detail[:120])


def _position(
    after: datetime, events: list[dict[str, Any]], seen: set[str]
) -> tuple[datetime, set[str]]:
    """Where a stream stands after `events`: the latest record time, and the events at it."""
    for event in events:
        at = datetime.fromisoformat(event["recordTime"].replace("Z", "+00:00"))
        if at > after:
            after, seen = at, set()
        if at == after:
            seen = {*seen, event["eventID"]}
    return after, seen
