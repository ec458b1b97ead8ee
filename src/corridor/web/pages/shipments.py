"""The pages of a shipment's parties: the list, a new shipment, one shipment (readiness per
border, papers, disclosure, customs answers, timeline, ledger), issuing a document from its
schema, attaching a file, the printable PDF."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from corridor.exceptions import CorridorError, InvalidInput, LedgerBroken
from corridor.model import DocumentKind, Role, ShipmentDraft
from corridor.model.codes import ContainerNumber, HSCode
from corridor.services import (
    access,
    disclosure,
    drafting,
    handover,
    issuance,
    ledgers,
    listing,
    network,
    organisations,
    papers,
    readiness,
    shipments,
    timeline,
)
from corridor.web import forms
from corridor.web.view import View, view

router = APIRouter(prefix="/shipments")
V = Annotated[View, Depends(view)]
PAGE_SIZE = 50
# The container sizes the form offers, as ISO 6346 size-type codes (general purpose boxes).
SIZES = {"20": "22G1", "40": "42G1", "45": "L5G1"}
_HS = TypeAdapter(HSCode)
_CONTAINER = TypeAdapter(ContainerNumber)


# The form's fields by the draft's field names (a goods line's by its own).
_TOP = {"reference", "consignee", "forwarder", "carriers", "departure", "containers"}
_LINE = {"hs_code", "description", "packages", "package_type", "gross_kg", "net_kg"}


def _field(loc: tuple[Any, ...], lines: list[str]) -> str:
    """The id of the form field an error belongs to ('shipment' for the whole form)."""
    parts = [str(p) for p in loc]
    if not parts:
        return "shipment"
    head = parts[0]
    if head == "goods" and len(parts) > 1 and parts[1].isdigit() and lines:
        line = lines[min(int(parts[1]), len(lines) - 1)]
        rest = parts[2:] or ["net_kg"]  # a line's own check: its net mass against its gross
        name = rest[0] if rest[0] in _LINE | {"origin_country"} else "value"
        if rest[0] == "value" and rest[1:] == ["currency"]:
            name = "currency"
        return f"goods-{line}-{name}"
    if head == "route":
        return parts[1] if len(parts) > 1 and parts[1] in ("origin", "destination") else "via"
    return head if head in _TOP else "shipment"


def _errors(v: View, error: ValidationError, lines: list[str]) -> dict[str, str]:
    """Each error by the id of the field it belongs to, in the reader's words (no paths)."""
    out: dict[str, str] = {}
    for e in error.errors():
        field, said = _field(tuple(e["loc"]), lines), v.said(e)
        out[field] = f"{out[field]} {said}" if field in out else said
    return out


@router.get("")
def shipment_list(v: V) -> Response:
    who = v.need(*access.PARTY_ROLES)
    after = v.request.query_params.get("after")
    found = listing.page(v.ctx, who, PAGE_SIZE, after)
    return v.page("shipments.html", shipments=found.items, next=found.next, paged=bool(after))


def _form_context(v: View, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    orgs = organisations.list_all(v.ctx)
    return {
        "values": values,
        "errors": errors,
        "consignees": [o for o in orgs if o.role in (Role.CONSIGNEE, Role.SHIPPER)],
        "carriers": [o for o in orgs if o.role in (Role.CARRIER, Role.PORT)],
        "forwarders": [o for o in orgs if o.role is Role.FORWARDER],
        "nodes": sorted(network.nodes(v.ctx.network), key=lambda n: (n.country, n.name)),
        "lines": values.get("lines") or ["1"],
    }


@router.get("/new")
def new_form(v: V) -> Response:
    v.need(Role.SHIPPER, Role.FORWARDER)
    return v.page("shipment_new.html", **_form_context(v, {}, {}))


@router.get("/new/line")
def new_line(v: V) -> Response:
    """One more goods line for the form (htmx), under a fresh key."""
    v.need(Role.SHIPPER, Role.FORWARDER)
    return v.page("_goods_line.html", line=secrets.token_hex(3), values={}, errors={})


@router.get("/check")
def check_field(v: V) -> Response:
    """Check an HS code (any field named ...hs_code) or container numbers as they are
    typed, with the model's own messages (htmx)."""
    query = v.request.query_params
    hs_code = next((query[k] for k in query if k.endswith("hs_code")), None)
    containers = query.get("containers")
    problems: list[str] = []
    if hs_code is not None:
        try:
            _HS.validate_python(hs_code.strip())
        except ValidationError as e:
            problems += [v.said(x) for x in e.errors()]
    if containers is not None:
        for number in _lines(containers):
            try:
                _CONTAINER.validate_python(number)
            except ValidationError as e:
                problems += [v.said(x) for x in e.errors()]
    return v.page("_check.html", problems=problems, empty=not (hs_code or containers))


def _lines(text: str) -> list[str]:
    return [x.strip().upper() for x in text.replace(",", "\n").splitlines() if x.strip()]


def _draft_from(form: Any, who_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The draft the form describes, and the raw values to show again."""
    lines = [k.split("-")[1] for k in form if k.startswith("goods-") and k.endswith("-hs_code")]
    goods = []
    for n in lines:

        def get(field: str, n: str = n) -> str:
            return str(form.get(f"goods-{n}-{field}") or "").strip()

        goods.append(
            {
                "hs_code": get("hs_code"),
                "description": get("description"),
                "packages": get("packages") or None,
                "package_type": get("package_type") or "PK",
                "gross_kg": get("gross_kg") or None,
                "net_kg": get("net_kg") or None,
                "value": {"amount": get("value") or None, "currency": get("currency").upper()},
                "origin_country": get("origin_country").upper(),
            }
        )
    size = SIZES.get(str(form.get("size") or ""), SIZES["40"])
    via = str(form.get("via") or "")
    draft = {
        "reference": str(form.get("reference") or "").strip(),
        "consignor": who_id,
        "consignee": str(form.get("consignee") or ""),
        "forwarder": str(form.get("forwarder") or "") or None,
        "carriers": [str(c) for c in form.getlist("carriers")],
        "goods": goods,
        "containers": [
            {"number": c, "size_type": size} for c in _lines(str(form.get("containers") or ""))
        ],
        "route": {
            "origin": str(form.get("origin") or ""),
            "destination": str(form.get("destination") or ""),
            "prefer": str(form.get("prefer") or "fastest"),
            "via": [via] if via else [],
        },
        "departure": str(form.get("departure") or "") or None,
    }
    shown = {k: form.get(k) for k in form if not k.startswith("csrf")}
    shown["carriers"] = draft["carriers"]
    shown["lines"] = lines
    return draft, shown


@router.post("/new")
async def create(v: V) -> Response:
    who = v.need(Role.SHIPPER, Role.FORWARDER)
    form = await v.form()
    data, shown = _draft_from(form, who.id)
    try:
        draft = ShipmentDraft.model_validate(data)
        made = await run_in_threadpool(shipments.submit, v.ctx, who, draft, v.ctx.clock())
    except ValidationError as e:
        errors = _errors(v, e, shown["lines"])
    except CorridorError as e:
        lines = shown["lines"]
        errors = {
            _field(tuple(x.field.split(".")), lines): v.words(x.said, x.message) for x in e.errors
        } or {"shipment": v.words(e.said, e.detail)}
    else:
        return v.redirect(f"/shipments/{made.id}")
    # The form lists the directory's organisations: read off the event loop.
    again = await run_in_threadpool(_form_context, v, shown, errors)
    return v.page("shipment_new.html", status=422, **again)


def _ledger(v: View, who: Any, shipment_id: str) -> tuple[ledgers.LedgerView | None, str | None]:
    try:
        return ledgers.shipment(v.ctx, who, shipment_id), None
    except LedgerBroken as e:
        return None, e.detail


@router.get("/{shipment_id}")
def detail(v: V, shipment_id: str) -> Response:
    who = v.need(*access.PARTY_ROLES)
    now = v.ctx.clock()
    shipment = shipments.get(v.ctx, who, shipment_id)
    report = readiness.check(v.ctx, who, shipment_id, now)
    chain, broken = _ledger(v, who, shipment_id)
    nodes = {n.id: n for n in network.nodes(v.ctx.network)}
    asked = issuance.requests(v.ctx, who, shipment_id) if v.ctx.exchange is not None else []
    return v.page(
        "shipment.html",
        shipment=shipment,
        requestable={r.kind: r for r in issuance.requestable(v.ctx, who, shipment.draft)},
        requests=asked,
        pending={r.kind for r in asked if r.state in issuance.WAITING},
        report=report,
        documents=papers.documents(v.ctx, who, shipment_id),
        issuable=drafting.issuable(who),
        kinds=list(DocumentKind),
        timeline=timeline.read(v.ctx, who, shipment_id),
        ledger=chain,
        broken=broken,
        answers=disclosure.answers(v.ctx, who, shipment_id),
        clock_warning=disclosure.clock_warning(v.ctx),
        decisions=disclosure.customs_decisions(v.ctx, who, shipment_id),
        legs=handover.chain(v.ctx, who, shipment_id),
        nodes=nodes,
        route_nodes=[nodes[n] for n in shipment.route.nodes if n in nodes],
        notice=v.request.query_params.get("done"),
    )


@router.get("/{shipment_id}/issue/{kind}")
def issue_form(v: V, shipment_id: str, kind: DocumentKind) -> Response:
    who = v.need(*access.PARTY_ROLES)
    if kind not in drafting.issuable(who):
        raise InvalidInput(v._("Your organisation's role may not issue this kind of document."))
    values = drafting.prefill(v.ctx, who, shipment_id, kind, v.ctx.clock().date())
    schema = drafting.schema(kind)
    return v.page(
        "document_form.html",
        shipment_id=shipment_id,
        kind=kind,
        controls=forms.build(schema, values),
        errors={},
    )


@router.post("/{shipment_id}/issue/{kind}")
async def issue(v: V, shipment_id: str, kind: DocumentKind) -> Response:
    who = v.need(*access.PARTY_ROLES)
    form = await v.form()
    schema = drafting.schema(kind)
    fields = forms.collect(schema, form)
    try:
        await run_in_threadpool(
            papers.issue_signed, v.ctx, who, shipment_id, kind, fields, v.ctx.clock()
        )
    except InvalidInput as e:
        errors = {x.field: x.message for x in e.errors} or {"document": e.detail}
        return v.page(
            "document_form.html",
            status=422,
            shipment_id=shipment_id,
            kind=kind,
            controls=forms.build(schema, fields),
            errors=errors,
        )
    return v.redirect(f"/shipments/{shipment_id}?done=issued")


@router.post("/{shipment_id}/attach")
async def attach(v: V, shipment_id: str) -> Response:
    who = v.need(*access.PARTY_ROLES)
    form = await v.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput(v._("Choose a file to attach."))
    try:
        kind = DocumentKind(str(form.get("kind")))
    except ValueError:
        await form.close()
        raise InvalidInput(v._("Choose what kind of document the file is.")) from None
    content = await upload.read(v.ctx.settings.max_document_bytes + 1)
    name = upload.filename or "document"
    await form.close()
    # A signed document handed over as a file (e.g. a certificate of origin from the
    # authority) is stored as one, so readiness verifies it; anything else is a raw file.
    media = papers.MEDIA_TYPE if name.endswith(".sd-jwt") else upload.content_type
    await run_in_threadpool(
        papers.attach,
        v.ctx,
        who,
        shipment_id,
        kind,
        name,
        media or "application/octet-stream",
        content,
        v.ctx.clock(),
    )
    return v.redirect(f"/shipments/{shipment_id}?done=attached")


@router.post("/{shipment_id}/disclose")
async def disclose(v: V, shipment_id: str) -> Response:
    who = v.need(*access.PARTY_ROLES)
    form = await v.form()
    ready = (await run_in_threadpool(readiness.check, v.ctx, who, shipment_id, v.ctx.clock())).ready
    if not ready and str(form.get("anyway") or "") != "1":
        # Sending while not ready is a choice the shipper makes knowingly, never by accident.
        raise InvalidInput(
            v._("The papers are not complete: confirm that you send them as they are.")
        )
    await run_in_threadpool(disclosure.disclose, v.ctx, who, shipment_id, v.ctx.clock())
    return v.redirect(f"/shipments/{shipment_id}?done=disclosed")


@router.get("/{shipment_id}/answers")
def answers(v: V, shipment_id: str) -> Response:
    """Where each authority's envelope stands (the page asks again while one waits)."""
    who = v.need(*access.PARTY_ROLES)
    found = disclosure.answers(v.ctx, who, shipment_id)
    return v.page("_answers.html", answers=found, shipment_id=shipment_id)


@router.get("/{shipment_id}/documents/{document_id}/pdf")
def pdf(v: V, shipment_id: str, document_id: str) -> Response:
    who = v.need(*access.PARTY_ROLES)
    info, data = papers.paper_copy(v.ctx, who, shipment_id, document_id, v.ctx.clock())
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{papers.pdf_filename(info)}"'},
    )
