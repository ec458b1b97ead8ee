"""Documents asked from a country's issuing body: the shipper's request and where it stands
(on the shipment's node), and the authority's officers' list of requests with the form that
issues or refuses each (on the node that signs for the body)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from corridor.exceptions import InvalidInput
from corridor.model import DocumentKind
from corridor.services import access, drafting, issuance
from corridor.web import forms
from corridor.web.view import View, view

router = APIRouter()
V = Annotated[View, Depends(view)]


@router.post("/shipments/{shipment_id}/request/{kind}")
async def ask(v: V, shipment_id: str, kind: DocumentKind) -> Response:
    who = v.need(*access.PARTY_ROLES)
    await v.form()
    await run_in_threadpool(issuance.ask, v.ctx, who, shipment_id, kind, v.ctx.clock())
    return v.redirect(f"/shipments/{shipment_id}?done=requested#requests")


@router.get("/shipments/{shipment_id}/requests")
def requests(v: V, shipment_id: str) -> Response:
    """Where the shipment's requests stand; once the last one waiting is answered, the page
    reloads itself so that the readiness report counts the answer."""
    who = v.need(*access.PARTY_ROLES)
    found = issuance.requests(v.ctx, who, shipment_id)
    response = v.page("_requests.html", requests=found, shipment_id=shipment_id)
    still = any(r.state in issuance.WAITING for r in found)
    if v.request.headers.get("HX-Request") and not still:
        response.headers["HX-Refresh"] = "true"
    return response


def _form(
    v: View,
    asked: issuance.Asked,
    values: dict[str, object],
    errors: dict[str, str],
    status: int = 200,
    refusal: str | None = None,
) -> Response:
    schema = drafting.schema(asked.kind)
    return v.page(
        "request_form.html",
        status=status,
        asked=asked,
        controls=forms.build(schema, values),
        errors=errors,
        refusal=refusal,
    )


@router.get("/issuing")
def waiting(v: V) -> Response:
    officer = v.need_officer()
    return v.page("requests.html", items=issuance.waiting(v.ctx, officer))


@router.get("/issuing/{envelope_id}")
def request_form(v: V, envelope_id: str) -> Response:
    officer = v.need_officer()
    asked = issuance.asked(v.ctx, officer, envelope_id)
    return _form(v, asked, asked.fields, {})


@router.post("/issuing/{envelope_id}")
async def answer(v: V, envelope_id: str) -> Response:
    officer = v.need_officer()
    form = await v.form()
    asked = issuance.asked(v.ctx, officer, envelope_id)
    now = v.ctx.clock()
    if str(form.get("answer") or "") == "refuse":
        reason = str(form.get("reason") or "").strip()
        if not reason:
            error = v._("Give the reason for refusing; the shipper reads it.")
            return _form(v, asked, asked.fields, {}, 422, error)
        await run_in_threadpool(issuance.answer, v.ctx, officer, envelope_id, now, None, reason)
        return v.redirect("/issuing?done=refused")
    fields = forms.collect(drafting.schema(asked.kind), form)
    try:
        await run_in_threadpool(issuance.answer, v.ctx, officer, envelope_id, now, fields)
    except InvalidInput as e:
        errors = {x.field: v.words(x.said, x.message) for x in e.errors} or {"document": e.detail}
        return _form(v, asked, fields, errors, 422)
    return v.redirect("/issuing?done=issued")
