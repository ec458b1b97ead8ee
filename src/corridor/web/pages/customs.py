"""The customs officer's pages on the authority's node: the queue, one declaration with its
entitled data, checks and hit list, the decision form, and a chief's endorsements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from corridor.exceptions import InvalidInput
from corridor.services import customs, decisions, handover
from corridor.services import endorsements as overrides
from corridor.services.decisions import Action
from corridor.web.view import View, view

router = APIRouter(prefix="/customs")
V = Annotated[View, Depends(view)]


@router.get("")
def queue(v: V) -> Response:
    officer = v.need_officer()
    items = customs.queue(v.ctx, officer, v.ctx.clock())
    return v.page("queue.html", items=items)


@router.get("/declarations/{ref}")
def declaration(v: V, ref: str) -> Response:
    officer = v.need_officer()
    found = customs.show(v.ctx, officer, ref, v.ctx.clock())
    return v.page(
        "declaration.html",
        d=found,
        actions=list(Action),
        error=None,
        done=v.request.query_params.get("done"),
    )


@router.post("/declarations/{ref}/decisions")
async def decide(v: V, ref: str) -> Response:
    officer = v.need_officer()
    form = await v.form()
    try:
        action = Action(str(form.get("action") or ""))
    except ValueError as e:
        raise InvalidInput(v._("Choose a decision.")) from e
    reason = str(form.get("reason") or "").strip() or None
    findings = str(form.get("findings") or "").strip() or None
    if not reason:
        # Every decision goes on the record with its reason.
        found = customs.show(v.ctx, officer, ref, v.ctx.clock())
        return v.page(
            "declaration.html",
            status=422,
            d=found,
            actions=list(Action),
            error=v._("Give the reason for this decision; it goes on the record."),
            done=None,
        )
    made = await run_in_threadpool(
        decisions.decide, v.ctx, officer, ref, action, v.ctx.clock(), reason, findings
    )
    # What the officer needs to read next: the declaration's new status, or that the
    # override waits for a chief.
    done = made.status if made.status == "awaiting_endorsement" else made.declaration_status
    return v.redirect(f"/customs/declarations/{made.declaration_id}?done={done}")


@router.post("/declarations/{ref}/end")
async def end_leg(v: V, ref: str) -> Response:
    officer = v.need_officer()
    form = await v.form()
    broken = str(form.get("broken") or "") == "1"
    reservation = str(form.get("reservation") or "").strip() or None
    await run_in_threadpool(
        handover.end_leg, v.ctx, officer, ref, v.ctx.clock(), not broken, reservation
    )
    return v.redirect(f"/customs/declarations/{ref}?done=ended")


@router.get("/endorsements")
def endorsements(v: V) -> Response:
    officer = v.need_officer()
    pending = overrides.awaiting_endorsement(v.ctx, officer)
    return v.page("endorsements.html", pending=pending)


@router.post("/endorsements/{decision_id}")
async def endorse(v: V, decision_id: str) -> Response:
    officer = v.need_officer()
    form = await v.form()
    approve = str(form.get("answer")) == "approve"
    await run_in_threadpool(overrides.endorse, v.ctx, officer, decision_id, v.ctx.clock(), approve)
    return v.redirect("/customs/endorsements")
