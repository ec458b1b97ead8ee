"""The node itself: liveness, counters, and the pages its problem types resolve to."""

from __future__ import annotations

from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from corridor import __version__
from corridor.api import problems
from corridor.api.deps import Ctx
from corridor.api.routes._base import routers
from corridor.api.schemas import PROBLEM, Health
from corridor.exceptions import NotFound
from corridor.services import authentication, node_health

public, private = routers()


@public.get("/health", tags=["node"])
def health(ctx: Ctx) -> Health:
    """Whether the node answers, its store reads and takes a write (a full disk is
    reported within seconds), and how its exchange is doing when it runs one."""
    report = node_health.check(ctx)
    return Health(
        status=report.status,
        version=__version__,
        nodes=len(ctx.network.nodes),
        store=report.store,
        exchange=report.exchange,
    )


@public.get(
    "/metrics",
    tags=["node"],
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(ctx: Ctx) -> PlainTextResponse:
    """The node's counters in the Prometheus text format: failed authentications and those
    refused by throttling."""
    lines = [f"{name} {value}" for name, value in authentication.counters(ctx).items()]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


class ProblemType(BaseModel):
    """What a problem type means: the page its `type` resolves to."""

    type: str
    title: str
    status: int
    meaning: str


@public.get(
    "/problems/{code}",
    tags=["node"],
    response_model=ProblemType,
    responses={404: {"description": "No such problem type", **PROBLEM}},
)
def problem_type(code: str) -> ProblemType:
    """The page a problem's `type` resolves to: its title, HTTP status and what it means.
    (The EPCIS binding's own exceptions, `epcisException:…`, are GS1's.)"""
    known = problems.catalogue()
    if code not in known:
        raise NotFound(f"no problem type {code!r}; the node's types are {', '.join(sorted(known))}")
    status, title, meaning = known[code]
    return ProblemType(type=problems.TYPE_BASE + code, title=title, status=status, meaning=meaning)
