"""Drafting a signed document for a shipment: which kinds the caller may issue, each kind's
schema (for forms generated from it), and its fields filled in from the shipment, for the
issuer to check and complete before signing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic.json_schema import models_json_schema

from corridor.documents.kinds import COMPUTED, KINDS, SCHEMAS
from corridor.model import DocumentKind, Organisation
from corridor.services import access, organisations
from corridor.services.context import Context
from corridor.services.shipments import get as get_shipment

# What each kind is called (the doors translate these names), from the registry.
KIND_NAMES: dict[str, str] = {k.value: spec.name for k, spec in KINDS.items()}
# Which party of the shipment each party field of a document names.
_CONSIGNOR_SIDE = ("seller", "consignor", "exporter", "shipper", "declarant", "holder")
_CONSIGNEE_SIDE = ("buyer", "consignee")


def issuable(who: Organisation) -> list[DocumentKind]:
    """The signed kinds the caller's role may issue from a form (computed kinds, such as the
    emissions statement, are issued by their own service)."""
    return [k for k in SCHEMAS if access.may_sign(who, k) and k not in COMPUTED]


def published_schemas(
    ref_template: str,
) -> tuple[dict[DocumentKind, dict[str, Any]], dict[str, Any]]:
    """Every signed kind's JSON Schema for a published document: a reference per kind
    (built with `ref_template`, which holds ``{model}``) and the definitions they refer to."""
    models = sorted(set(SCHEMAS.values()), key=lambda m: m.__name__)
    refs, defs = models_json_schema([(m, "validation") for m in models], ref_template=ref_template)
    return (
        {kind: refs[(model, "validation")] for kind, model in SCHEMAS.items()},
        dict(defs.get("$defs", {})),
    )


def schema(kind: DocumentKind) -> dict[str, Any]:
    """The kind's JSON Schema, with its definitions inlined (forms walk it directly)."""
    found = SCHEMAS.get(kind)
    if found is None:
        return {}
    raw = found.model_json_schema()
    defs = raw.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[1]])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    resolved: dict[str, Any] = inline(raw)
    return resolved


def _party(org: Organisation | None) -> dict[str, Any]:
    if org is None:
        return {"name": "", "country": ""}
    return {"name": org.name, "country": org.country, "tax_id": org.tax_id}


def prefill(
    ctx: Context, who: Organisation, shipment_id: str, kind: DocumentKind, today: date
) -> dict[str, Any]:
    """The kind's fields as far as the shipment tells them: parties, goods lines and
    equipment; what it cannot tell (a vessel's name, an office code) is left empty."""
    shipment = get_shipment(ctx, who, shipment_id)
    draft = shipment.draft
    names = {n.id: n.name for n in ctx.network.nodes.values()}

    def org(org_id: str | None) -> Organisation | None:
        return organisations.get(ctx, org_id) if org_id else None

    consignor, consignee = org(draft.consignor), org(draft.consignee)
    carrier = (
        who if who.id in draft.carriers else org(draft.carriers[0] if draft.carriers else None)
    )
    goods = [
        {
            "sequence": i + 1,
            "hs_code": g.hs_code,
            "description": g.description,
            "packages": g.packages,
            "gross_kg": g.gross_kg,
            "net_kg": g.net_kg,
            "value": g.value.amount,
            "currency": g.value.currency,
            "origin_country": g.origin_country,
        }
        for i, g in enumerate(draft.goods)
    ]
    ports = [leg for leg in shipment.route.legs if leg.mode.value in ("ferry", "sea")]
    code = KINDS[kind].abbreviation or kind.value.upper()[:4]
    values: dict[str, Any] = {
        "document_number": f"{draft.reference}-{code}",
        "issue_date": today,
        "goods": goods,
        "equipment": [{"number": c.number, "seal": c.seal} for c in draft.containers],
        "carrier": _party(carrier),
        "invoice_currency": draft.goods[0].value.currency,
        "total_amount": sum((g.value.amount for g in draft.goods), Decimal(0)),
        "delivery_terms": f"FCA {names.get(draft.route.origin, draft.route.origin)}",
        "departure_station": names.get(shipment.route.origin, shipment.route.origin),
        "destination_station": names.get(shipment.route.destination, ""),
        "port_of_loading": names.get(ports[0].origin, "") if ports else "",
        "port_of_discharge": names.get(ports[0].destination, "") if ports else "",
        "countries_of_routing": list(dict.fromkeys(names_of_countries(ctx, shipment.route.nodes))),
        "country_of_origin": draft.goods[0].origin_country,
    }
    for side in _CONSIGNOR_SIDE:
        values[side] = _party(consignor)
    for side in _CONSIGNEE_SIDE:
        values[side] = _party(consignee)
    wanted = SCHEMAS[kind].model_fields if kind in SCHEMAS else {}
    return {k: v for k, v in values.items() if k in wanted}


def names_of_countries(ctx: Context, nodes: list[str]) -> list[str]:
    """The countries a list of network nodes lie in, in order."""
    return [ctx.network.nodes[n].country for n in nodes if n in ctx.network.nodes]
