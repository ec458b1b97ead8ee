"""A transit movement read from the declaration an office of departure received (each
document cut down to what the office is entitled to), and stored as plain data."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from corridor.customs import ncts
from corridor.exceptions import InvalidInput

# Share of the goods' value a guarantee must cover here: it stands for the duties and taxes
# at stake in transit. UNCONFIRMED: an assumption, not a published rate.
GUARANTEE_SHARE = Decimal("0.20")


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def from_content(content: dict[str, Any], departure: str, lrn_fallback: str) -> ncts.Movement:
    """The movement a received declaration describes (transit declaration first)."""
    td = content.get("transit_declaration", {})
    if not td:
        raise InvalidInput(
            "the declaration carries no transit declaration; a transit movement needs one"
        )
    goods = td.get("goods") or content.get("commercial_invoice", {}).get("goods") or []
    packing = {g.get("sequence"): g for g in content.get("packing_list", {}).get("goods", [])}
    items = [
        ncts.Item(
            description=str(g.get("description", "goods"))[:512],
            hs_code=str(g.get("hs_code", "000000")),
            gross_kg=_decimal(
                g.get("gross_kg") or packing.get(g.get("sequence"), {}).get("gross_kg")
            ),
            packages=g.get("packages"),
            package_type=str(g.get("package_type") or "PK")[:2],
        )
        for g in goods
    ]
    value = sum((_decimal(g.get("value")) for g in goods), Decimal(0))
    currency = next((g.get("currency") for g in goods if g.get("currency")), None)
    currency = (
        td.get("guarantee_currency")
        or currency
        or content.get("commercial_invoice", {}).get("invoice_currency")
        or "EUR"
    )
    declarant = td.get("declarant") or {}
    routing = [str(c) for c in td.get("countries_of_routing", [])]
    transit_offices = [o for c in routing[1:-1] if (o := ncts.office_in(c))]
    return ncts.Movement(
        lrn=str(td.get("document_number") or lrn_fallback)[:22],
        declared_at=datetime.fromisoformat(f"{td.get('issue_date', '2000-01-01')}T00:00:00+00:00"),
        departure=departure,
        destination=ncts.office_reference(str(td.get("office_of_destination", ""))),
        holder=ncts.Trader(
            declarant.get("tax_id"), declarant.get("name"), declarant.get("country")
        ),
        grn=td.get("guarantee_reference"),
        amount=(
            _decimal(td["amount_to_be_covered"])
            if td.get("amount_to_be_covered")
            else (value * GUARANTEE_SHARE).quantize(Decimal("0.01"))
        ),
        currency=str(currency),
        items=items,
        transit_offices=transit_offices,
        containers=[
            (e["number"], e.get("seal")) for e in td.get("equipment", []) if e.get("number")
        ],
        routing=routing,
        dispatch_country=routing[0] if routing else None,
        destination_country=routing[-1] if routing else None,
    )


def to_data(m: ncts.Movement) -> dict[str, Any]:
    return {
        "lrn": m.lrn,
        "declared_at": m.declared_at.isoformat(),
        "departure": m.departure,
        "destination": m.destination,
        "holder": [m.holder.identification, m.holder.name, m.holder.country],
        "grn": m.grn,
        "amount": str(m.amount),
        "currency": m.currency,
        "items": [
            [i.description, i.hs_code, str(i.gross_kg), i.packages, i.package_type] for i in m.items
        ],
        "transit_offices": m.transit_offices,
        "containers": [list(c) for c in m.containers],
        "routing": m.routing,
        "mrn": m.mrn,
    }


def from_data(mrn: str, d: dict[str, Any]) -> ncts.Movement:
    """A stored movement back as the messages' input."""
    return ncts.Movement(
        lrn=d["lrn"],
        declared_at=datetime.fromisoformat(d["declared_at"]),
        departure=d["departure"],
        destination=d["destination"],
        holder=ncts.Trader(*d["holder"]),
        grn=d["grn"],
        amount=Decimal(d["amount"]),
        currency=d["currency"],
        items=[ncts.Item(a, b, Decimal(c), p, t) for a, b, c, p, t in d["items"]],
        transit_offices=d["transit_offices"],
        containers=[(c[0], c[1]) for c in d["containers"]],
        routing=d["routing"],
        dispatch_country=d["routing"][0] if d["routing"] else None,
        destination_country=d["routing"][-1] if d["routing"] else None,
        mrn=mrn,
    )
