"""The EPCIS 2.0 binding's resources beside the events query: the top level, and event
types, identifiers, business steps, business locations, read points and dispositions as
the caller's events hold them, each member's sub-resources and events; `OPTIONS` on each
says the versions served."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlencode

from fastapi import Request, Response

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import routers
from corridor.api.routes.epcis import (
    HEADERS,
    LdJson,
    PageToken,
    PerPage,
    answer,
    extensions_declared,
    media_of,
)
from corridor.exceptions import NotFound, QueryParameterInvalid
from corridor.services import event_query
from corridor.services.event_query import EventQuery

public, private = routers()


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
    if rest in ("capture", "queries", "events"):
        allow = "POST, GET, OPTIONS"
    elif rest.startswith("queries/") and rest.count("/") == 1:
        allow = "GET, DELETE, OPTIONS"
    return Response(status_code=204, headers={**_DISCOVERY, "Allow": allow})


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
        namespaces=extensions_declared(request.headers.get("GS1-Extensions")),
    )
    answer_as = media_of(request)
    return answer(request, ctx, event_query.events(ctx, who, query), answer_as)


def _resource_routes(resource: str, what: str) -> None:
    """The binding's three routes of a top-level resource: its members, a member's
    sub-resources, and a member's events."""
    if resource != "eventTypes":

        def listing(
            request: Request,
            who: Caller,
            ctx: Ctx,
            perPage: PerPage = 30,
            nextPageToken: PageToken = None,
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
