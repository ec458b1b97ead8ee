"""Declarations as an authority sees them: built from the pre-arrival data it received (each
document cut down to what it is entitled to), and synthetic ones for calibration, the
simulator and benchmarks."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from corridor.customs.profiles import (
    AeoRegister,
    Conditions,
    Declaration,
    Office,
    Profile,
    ProfileSet,
)

# Where each fact is read from, first document that has it wins.
_GOODS_FROM = ("transit_declaration", "commercial_invoice", "packing_list", "rail_consignment_note")
_CONSIGNOR_FROM = (
    ("packing_list", "consignor"),
    ("rail_consignment_note", "consignor"),
    ("commercial_invoice", "seller"),
    ("certificate_of_origin", "exporter"),
)
_DECLARANT_FROM = (("transit_declaration", "declarant"),)


def _party_keys(party: Any) -> frozenset[str]:
    if not isinstance(party, dict):
        return frozenset()
    keys = {str(party[k]).casefold() for k in ("name", "tax_id") if party.get(k)}
    return frozenset(keys)


def _parties(content: Mapping[str, Any], where: tuple[tuple[str, str], ...]) -> frozenset[str]:
    keys: set[str] = set()
    for kind, field in where:
        doc = content.get(kind)
        if doc:
            keys |= _party_keys(doc.get(field))
    return frozenset(keys)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def at_a_glance(content: Mapping[str, Any]) -> dict[str, Any]:
    """What an officer's queue shows of a declaration: the trader as the documents name it
    (the declarant, else the consignor, where this authority receives them) and the
    containers, in the order the documents list them."""
    trader = None
    for kind, field in (*_DECLARANT_FROM, *_CONSIGNOR_FROM):
        party = content.get(kind, {}).get(field)
        if isinstance(party, dict) and party.get("name"):
            trader = str(party["name"])
            break
    containers: dict[str, None] = {}
    for fields in content.values():
        equipment = fields.get("equipment") if isinstance(fields, dict) else None
        for item in equipment if isinstance(equipment, list) else ():
            if isinstance(item, dict) and item.get("number"):
                containers[str(item["number"])] = None
    return {"trader": trader, "containers": list(containers)}


def party_of(content: Mapping[str, Any]) -> str | None:
    """The declarant's identity (tax id, else name), for its history on this node."""
    for kind, field in (*_DECLARANT_FROM, *_CONSIGNOR_FROM):
        party = content.get(kind, {}).get(field)
        if isinstance(party, dict):
            value = party.get("tax_id") or party.get("name")
            if value:
                return str(value).casefold()
    return None


def from_content(
    key: str,
    procedure: str,
    content: Mapping[str, Mapping[str, Any]],
    aeo: frozenset[str],
    discrepancies: int,
    chain_countries: Sequence[str] = (),
) -> Declaration:
    """The declaration an authority received as `content` (kind -> disclosed fields), on a
    shipment whose chain of legs crosses `chain_countries` (when its node sent the chain)."""
    goods: list[Any] = []
    for kind in _GOODS_FROM:
        lines = content.get(kind, {}).get("goods")
        if isinstance(lines, list) and lines:
            goods = [g for g in lines if isinstance(g, dict)]
            break
    hs: list[str] = []
    origins: set[str] = set()
    value: float | None = 0.0
    gross = 0.0
    for g in goods:
        if g.get("hs_code"):
            hs.append(str(g["hs_code"]))
        if g.get("origin_country"):
            origins.add(str(g["origin_country"]))
        gross += _number(g.get("gross_kg"))
        # A value withheld from any line (a transit authority's data) means no total.
        v = g.get("value")
        value = value + _number(v) if value is not None and v else None
    if not goods:
        value = None
    coo = content.get("certificate_of_origin", {}).get("country_of_origin")
    if coo:
        origins.add(str(coo))
    consignors = _parties(content, _CONSIGNOR_FROM)
    declarants = _parties(content, _DECLARANT_FROM)
    # The countries the goods pass: the whole chain of legs where the shipment's node sent
    # it, else the transit declaration's routing (which covers only its own movement).
    route = list(chain_countries or ()) or (
        content.get("transit_declaration", {}).get("countries_of_routing") or []
    )
    return Declaration(
        key=key,
        procedure=procedure,
        hs_codes=tuple(hs),
        origins=frozenset(origins),
        route=frozenset(str(c) for c in route),
        consignors=consignors,
        declarants=declarants,
        gross_kg=gross,
        value=value,
        documents=frozenset(content),
        aeo=not aeo.isdisjoint(declarants | consignors),
        discrepancies=discrepancies,
    )


# A plausible mix of the corridor's cargo: HS chapter, share, value per kg (USD, median).
_CARGO = (
    ("7202", 0.14, 1.6),  # ferro-alloys
    ("2601", 0.06, 0.12),  # iron ores
    ("7403", 0.05, 8.5),  # refined copper
    ("8471", 0.08, 60.0),  # computers
    ("8517", 0.07, 90.0),  # telephones
    ("8708", 0.06, 9.0),  # vehicle parts
    ("8703", 0.04, 12.0),  # cars
    ("3901", 0.07, 1.3),  # polyethylene
    ("6110", 0.06, 18.0),  # knitwear
    ("6204", 0.05, 22.0),  # garments
    ("1001", 0.08, 0.25),  # wheat
    ("3102", 0.06, 0.35),  # nitrogen fertilisers
    ("2710", 0.05, 0.8),  # petroleum oils
    ("9403", 0.05, 4.0),  # furniture
    ("2933", 0.04, 40.0),  # heterocyclic compounds
    ("8802", 0.01, 900.0),  # aircraft (rare, high value)
    ("9306", 0.003, 55.0),  # munitions parts (controlled, rare)
)
_ORIGINS = (
    ("CN", 0.5),
    ("KZ", 0.2),
    ("UZ", 0.1),
    ("TR", 0.08),
    ("KG", 0.05),
    ("IN", 0.04),
    ("AF", 0.03),
)
_DOCS = (
    "transit_declaration",
    "commercial_invoice",
    "packing_list",
    "rail_consignment_note",
    "certificate_of_origin",
)


def synthetic(
    n: int, seed: int = 1, procedure: str | Sequence[str] = "transit"
) -> Iterator[Declaration]:
    """`n` declarations drawn from a fixed, plausible mix of the corridor's trade, under one
    procedure or cycling through several."""
    procedures = [procedure] if isinstance(procedure, str) else list(procedure)
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    chapters = [c for c, _, _ in _CARGO]
    weights = [w for _, w, _ in _CARGO]
    vpk = {c: v for c, _, v in _CARGO}
    origins = [c for c, _ in _ORIGINS]
    oweights = [w for _, w in _ORIGINS]
    declarants = [f"DECL{i:04d}" for i in range(400)]
    aeo = set(declarants[:40])
    for i in range(n):
        lines = 1 + min(int(rng.expovariate(0.8)), 20)
        hs = tuple(
            rng.choices(chapters, weights)[0] + f"{rng.randrange(100):02d}" for _ in range(lines)
        )
        gross = sum(rng.lognormvariate(9.5, 0.8) for _ in range(lines))
        value = gross * vpk[hs[0][:4]] * rng.lognormvariate(0, 0.6)
        docs = set(_DOCS) if rng.random() > 0.06 else set(_DOCS) - {"certificate_of_origin"}
        who = rng.choice(declarants)
        proc = procedures[i % len(procedures)]
        yield Declaration(
            key=f"synthetic-{seed}-{i}",
            procedure=proc,
            hs_codes=tuple(hs),
            origins=frozenset({rng.choices(origins, oweights)[0]}),
            route=frozenset({"KZ", "AZ", "GE", rng.choice(("RO", "TR", "BG"))}),
            consignors=frozenset({f"cons{rng.randrange(600)}"}),
            declarants=frozenset({who.casefold()}),
            gross_kg=gross,
            value=value if proc != "transit" else None,
            documents=frozenset(docs),
            aeo=who in aeo,
            discrepancies=int(rng.expovariate(3.0)),
        )


def synthetic_profiles(
    n: int, office: Office, seed: int = 1, day: date = date(2026, 1, 1)
) -> ProfileSet:
    """`n` profiles in the shape of a real targeting set (HS and origin led), for
    benchmarks and calibration tests."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    chapters = [c for c, _, _ in _CARGO]
    origins = [c for c, _ in _ORIGINS]
    profiles = []
    for i in range(n):
        kind = rng.random()
        when: dict[str, Any] = {}
        if kind < 0.9:
            # Most targeting is a commodity from an origin.
            when["hs"] = [rng.choice(chapters) + f"{rng.randrange(100):02d}"]
            when["origin"] = [rng.choice(origins)]
        elif kind < 0.95:
            when["origin"] = [rng.choice(origins)]
            when["aeo"] = False
            when["gross_kg_above"] = rng.choice((60_000, 80_000, 100_000))
        else:
            lo = rng.randrange(1, 97)
            when["hs_range"] = (f"{lo:02d}0000", f"{min(lo + rng.randrange(3), 97):02d}9999")
            when["discrepancies_at_least"] = rng.choice((1, 2))
        profiles.append(
            Profile(
                id=f"SYN-{i:05d}",
                lane=rng.choice(("red", "yellow", "yellow", "blue")),
                percent=rng.choice((1.0, 2.0, 5.0, 10.0, 25.0)),
                valid_from=day - timedelta(days=30),
                valid_to=None,
                reason=f"Synthetic profile {i} for calibration and benchmarks",
                when=Conditions.model_validate(when),
            )
        )
    return ProfileSet(
        authority="synthetic",
        country=office.reference[:2],
        version=1,
        office=office,
        aeo=AeoRegister(),
        profiles=profiles,
    )
