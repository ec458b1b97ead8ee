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
from corridor.services.customs import DeclarationView
from corridor.services.decisions import Action
from corridor.web.view import View, view

router = APIRouter(prefix="/customs")
V = Annotated[View, Depends(view)]


@router.get("")
def queue(v: V) -> Response:
    officer = v.need_officer()
    items = customs.queue(v.ctx, officer, v.ctx.clock())
    return v.page("queue.html", items=items)


# The buttons of the decision form: an inspection's result is a choice of its own, never
# read from whether the findings box has text in it.
BUTTONS = (
    "release",
    "documentary_passed",
    "documentary_failed",
    "inspection_clear",
    "inspection_findings",
    "hold",
    "request_information",
    "not_released",
)


def _page(v: View, found: DeclarationView, error: str | None = None, status: int = 200) -> Response:
    """The declaration page: the decision form only while the declaration takes one."""
    open_ = found.status not in decisions.FINAL and found.status != "awaiting_endorsement"
    return v.page(
        "declaration.html",
        status=status,
        d=found,
        actions=BUTTONS if open_ else (),
        error=error,
        done=v.request.query_params.get("done"),
    )


@router.get("/declarations/{ref}")
def declaration(v: V, ref: str) -> Response:
    officer = v.need_officer()
    return _page(v, customs.show(v.ctx, officer, ref, v.ctx.clock()))


@router.post("/declarations/{ref}/decisions")
async def decide(v: V, ref: str) -> Response:
    officer = v.need_officer()
    form = await v.form()
    button = str(form.get("action") or "")
    if button not in BUTTONS:
        raise InvalidInput(v._("Choose a decision."))
    action = Action.INSPECTION if button.startswith("inspection_") else Action(button)
    reason = str(form.get("reason") or "").strip() or None
    written = str(form.get("findings") or "").strip() or None
    # Findings count only when the officer chose "findings"; the box alone decides nothing.
    findings = written if button == "inspection_findings" else None
    missing = None
    if not reason:
        # Every decision goes on the record with its reason.
        missing = v._("Give the reason for this decision; it goes on the record.")
    elif button == "inspection_findings" and not findings:
        missing = v._("Describe the findings of the inspection; they go on the record.")
    if missing:
        return _page(v, customs.show(v.ctx, officer, ref, v.ctx.clock()), missing, 422)
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
    return v.page("endorsements.html", pending=pending, error=None)


@router.post("/endorsements/{decision_id}")
async def endorse(v: V, decision_id: str) -> Response:
    officer = v.need_officer()
    form = await v.form()
    approve = str(form.get("answer")) == "approve"
    reason = str(form.get("reason") or "").strip()
    if not reason:
        pending = overrides.awaiting_endorsement(v.ctx, officer)
        error = v._("Give your reason for endorsing or refusing; it goes on the record.")
        return v.page("endorsements.html", status=422, pending=pending, error=error)
    await run_in_threadpool(
        overrides.endorse, v.ctx, officer, decision_id, v.ctx.clock(), reason, approve
    )
    return v.redirect("/customs/endorsements")
