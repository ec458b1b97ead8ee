"""Emissions statements (ISO 14083 / GLEC) for a shipment, from the legs its events show it
travelled or, before it moves, the legs planned; and route alternatives compared by days
and CO2e."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from corridor.documents.kinds import ISSUER_ROLES
from corridor.emissions import Statement, statement
from corridor.exceptions import NoRoute
from corridor.model import DocumentKind, Organisation, RoutePreference
from corridor.network import Leg, Route
from corridor.services import timeline
from corridor.services.context import Context
from corridor.services.papers import SignedDocument, issue_signed
from corridor.services.shipments import stored

__all__ = [
    "ALTERNATIVES",
    "REFERENCES",
    "SIGNERS",
    "Alternative",
    "Statement",
    "compare",
    "document_fields",
    "for_shipment",
    "issue",
]

# Who may sign a shipment's emissions statement.
SIGNERS = ISSUER_ROLES[DocumentKind.EMISSIONS_STATEMENT]

# The corridor's usual choices between Dostyk (or Khorgos) and the Black Sea.
ALTERNATIVES: dict[str, list[str]] = {
    "via Aktau and Poti": ["aktau", "poti"],
    "via Kuryk and Poti": ["kuryk", "poti"],
    "via Aktau and Batumi": ["aktau", "batumi"],
    "via Turkmenbashi and Poti": ["turkmenbashi", "poti"],
}
# The northern reference route ends at the EU's rail border, not at a corridor destination:
# it is set beside the alternatives, to the EU border it reaches (name: (destination, via)).
REFERENCES: dict[str, tuple[str, list[str]]] = {
    "reference: northern route via Russia and Belarus to Małaszewicze (EU)": (
        "malaszewicze",
        ["petropavl"],
    ),
}


# The movements a leg travelled is read from: a departure, then an arrival.
_LEGS = ("departed", "arrived")


def travelled(ctx: Context, shipment_id: str, route: Route) -> list[Leg]:
    """The legs a shipment's timeline shows travelled (a departure from one node, then an
    arrival at the next), each as the network knows it."""
    with ctx.db.reading() as conn:
        rows = [(kind, place) for kind, place, _ in timeline.moves(conn, shipment_id, _LEGS)]
    planned = {(leg.origin, leg.destination): leg for leg in route.legs}
    legs = []
    for (k1, a), (k2, b) in pairwise(rows):
        if k1 == "departed" and k2 == "arrived" and a and b and a != b:
            leg = planned.get((a, b)) or ctx.network.leg(a, b)
            if leg is not None:
                legs.append(leg)
    return legs


def for_shipment(ctx: Context, who: Organisation, shipment_id: str) -> Statement:
    """A shipment's statement: the legs travelled so far and then the rest of the plan."""
    found = stored(ctx, who, shipment_id)
    route = Route.model_validate(found["route"])
    payload = found["draft"]
    done = travelled(ctx, shipment_id, route)
    rest = route.legs[len(done) :] if done else route.legs
    cargo_kg = sum((Decimal(str(g["gross_kg"])) for g in payload["goods"]), Decimal(0))
    sizes = [c.get("size_type", "42G1") for c in payload.get("containers", [])]
    basis = "travelled" if done and not rest else "travelled and planned" if done else "planned"
    return statement(ctx.network, [*done, *rest], cargo_kg, sizes, basis)


@dataclass(frozen=True)
class Alternative:
    """One way between two nodes: its days (moving and typical dwell) and CO2e."""

    name: str
    nodes: list[str]
    days: float
    distance_km: float
    wtw_kg: Decimal
    statement: Statement


def compare(
    ctx: Context,
    origin: str,
    destination: str,
    cargo_kg: Decimal,
    sizes: list[str],
    alternatives: dict[str, list[str]] | None = None,
    references: bool = True,
) -> list[Alternative]:
    """Each alternative that the network can route, by days and well-to-wheel CO2e, and
    (`references`) the northern reference route from the same origin to the EU border."""
    found = []
    ways = [(name, destination, via) for name, via in (alternatives or ALTERNATIVES).items()]
    if references:
        ways += [(name, end, via) for name, (end, via) in REFERENCES.items()]
    for name, end, via in ways:
        try:
            route = ctx.network.route(origin, end, RoutePreference.FASTEST, via)
        except NoRoute:
            continue
        made = statement(ctx.network, route.legs, cargo_kg, sizes, "planned")
        found.append(
            Alternative(
                name=name,
                nodes=route.nodes,
                days=route.total_hours / 24,
                distance_km=route.distance_km,
                wtw_kg=made.wtw_g / 1000,
                statement=made,
            )
        )
    return sorted(found, key=lambda a: (a.wtw_kg, a.days))


def as_dict(made: Statement) -> dict[str, object]:
    """A statement as JSON: totals in kg (three decimals are grams), each element with its
    activity, factor source and assumptions."""

    def kg(grams: Decimal | None) -> float | None:
        return None if grams is None else float(round(grams / 1000, 3))

    return {
        "framework": made.framework,
        "standard": made.standard,
        "basis": made.basis,
        "cargo_t": float(made.cargo_t),
        "teu": float(made.teu),
        "wtw_kg": kg(made.wtw_g),
        "ttw_kg": kg(made.ttw_g),
        "ttw_not_stated_for": made.ttw_unstated,
        "elements": [
            {
                "kind": e.kind,
                "place": e.place,
                "mode": e.mode,
                "activity": float(e.activity),
                "activity_unit": e.activity_unit,
                "wtw_kg": kg(e.wtw_g),
                "ttw_kg": kg(e.ttw_g),
                "factor": e.factor,
                "source": e.source,
                "assumptions": list(e.assumptions),
            }
            for e in made.elements
        ],
    }


def _kg(grams: Decimal) -> Decimal:
    """Grams as kilograms with three decimals: the document states every gram."""
    return (grams / 1000).quantize(Decimal("0.001"))


def document_fields(made: Statement, number: str, on: datetime) -> dict[str, object]:
    """A statement as the fields of a signed emissions statement; the totals are the sums
    of the elements as stated (each to the gram)."""
    wtw = [_kg(e.wtw_g) for e in made.elements]
    ttw = [None if e.ttw_g is None else _kg(e.ttw_g) for e in made.elements]
    elements = [
        {
            "kind": e.kind,
            "place": e.place,
            "mode": e.mode,
            "activity": e.activity.quantize(Decimal("0.001")),
            "activity_unit": e.activity_unit,
            "wtw_kg": w,
            "ttw_kg": t,
            "factor": e.factor,
        }
        for e, w, t in zip(made.elements, wtw, ttw, strict=True)
    ]
    return {
        "document_number": number,
        "issue_date": on.date(),
        "standard": made.standard,
        "framework": made.framework,
        "basis": made.basis,
        "cargo_t": made.cargo_t,
        "teu": made.teu,
        "wtw_kg": sum(wtw, Decimal(0)),
        "ttw_kg": sum((t for t in ttw if t is not None), Decimal(0)),
        "elements": elements,
    }


def issue(ctx: Context, who: Organisation, shipment_id: str, now: datetime) -> SignedDocument:
    """Sign the shipment's emissions statement as it stands now (travelled legs, then the
    plan) and store it with the shipment's documents."""
    made = for_shipment(ctx, who, shipment_id)
    number = f"EMS-{shipment_id[:8]}-{now:%Y%m%d%H%M%S}"
    fields = document_fields(made, number, now)
    return issue_signed(ctx, who, shipment_id, DocumentKind.EMISSIONS_STATEMENT, fields, now)
