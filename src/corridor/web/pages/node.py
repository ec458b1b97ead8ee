"""The node's own page, for its operator: the store and the exchange's health, the dead
letters (listed without taking them, replayed on request) and the envelopes held until a
sender's clock and this node's agree."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from corridor.model import Role
from corridor.services import backlog, node_health
from corridor.web.view import View, view

router = APIRouter()
V = Annotated[View, Depends(view)]


@router.get("/node")
async def page(v: V) -> Response:
    who = v.need(Role.OPERATOR)
    report = await run_in_threadpool(node_health.check, v.ctx)
    running = v.ctx.exchange is not None
    return v.page(
        "node.html",
        report=report,
        letters=await backlog.dead_letters(v.ctx, who) if running else [],
        held=await backlog.held(v.ctx, who) if running else [],
        replayed=v.request.query_params.get("replayed"),
    )


@router.post("/node/dead-letters/replay")
async def replay(v: V) -> Response:
    who = v.need(Role.OPERATOR)
    await v.form()
    outcomes = await backlog.replay_dead_letters(v.ctx, who)
    told = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "0"
    return v.redirect(f"/node?replayed={told}")
