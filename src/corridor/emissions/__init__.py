"""ISO 14083 / GLEC transport chain emissions: each leg by mode and each hub, well-to-wheel
and tank-to-wheel, from the factors in `glec.yaml` (with their version, table and page).

A transport chain element starts at every change of vehicle or hub (ISO 14083): each leg of
a route is one element, and each node where the cargo changes mode is a hub element.
Emissions are exact decimals in grams, so a statement adds up to the gram.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from corridor.model import equipment
from corridor.network import Leg, Mode, Network, NodeKind

__all__ = [
    "G_PER_KG",
    "Element",
    "Statement",
    "factors",
    "hub_element",
    "leg_element",
    "reallocated",
    "statement",
]

G_PER_KG = Decimal(1000)


@cache
def factors() -> dict[str, Any]:
    """The factor file, parsed once."""
    text = resources.files("corridor.emissions").joinpath("glec.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@dataclass(frozen=True)
class Element:
    """One transport chain element and what it emitted (grams CO2e)."""

    kind: str  # "leg" or "hub"
    place: str
    mode: str
    activity: Decimal
    activity_unit: str
    wtw_g: Decimal
    ttw_g: Decimal | None
    factor: str
    source: str
    assumptions: tuple[str, ...] = ()


@dataclass
class Statement:
    """A shipment's transport chain emissions."""

    framework: str
    standard: str
    cargo_t: Decimal
    teu: Decimal
    basis: str
    elements: list[Element] = field(default_factory=list)

    @property
    def wtw_g(self) -> Decimal:
        """Well-to-wheel total, grams."""
        return sum((e.wtw_g for e in self.elements), Decimal(0))

    @property
    def ttw_g(self) -> Decimal:
        """Tank-to-wheel total, grams, of the elements whose factors state it (hubs and
        the container ship's factor give well-to-wheel only)."""
        return sum((e.ttw_g for e in self.elements if e.ttw_g is not None), Decimal(0))

    @property
    def ttw_unstated(self) -> list[str]:
        """Elements without a tank-to-wheel figure."""
        return [e.place for e in self.elements if e.ttw_g is None]


def _source(spec: dict[str, Any], version: str) -> str:
    page = f", p. {spec['page']}" if spec.get("page") else ", page unconfirmed"
    return f"{version}, {spec['table']}{page}"


def reallocated(gross_intensity: Decimal, cargo_t: Decimal, vehicle_t: Decimal) -> Decimal:
    """A per-gross-tonne-km intensity as per tonne-km of the cargo alone (GLEC §4.5)."""
    return gross_intensity * (cargo_t + vehicle_t) / cargo_t


def _tare(size_types: Sequence[str]) -> tuple[Decimal, tuple[str, ...]]:
    """Tonnes of boxes and of the flat wagons that carry them aboard a rail ferry."""
    kg = Decimal(1000)
    containers = equipment.tare_kg(size_types) / kg
    wagons = equipment.wagons_for(size_types)
    wagon_t = equipment.equipment().rail_wagon.tare_kg.v / kg * wagons
    return containers + wagon_t, (
        f"tare {containers} t of containers and {wagon_t} t of {wagons} wagon(s) (typical values)",
    )


def leg_element(
    leg: Leg, cargo_t: Decimal, size_types: Sequence[str], country: str | None = None
) -> Element:
    """One leg's emissions for this cargo; `country` when the leg runs inside one, so a
    railway's published traction applies."""
    data = factors()
    use = data["corridor"][leg.mode.value]
    if leg.mode is Mode.RAIL and country in data.get("traction", {}):
        use = data["traction"][country]
    name = use["factor"]
    spec = data["modes"][name]
    notes: list[str] = [use["note"]] if use.get("assumption") or use.get("src") else []
    if spec.get("assumption"):
        notes.append(spec["note"])
    wtw, ttw = _d(spec["wtw"]), _d(spec.get("ttw"))
    km = Decimal(str(leg.distance_km))
    if spec["unit"] == "g/TEU-km":
        teu = equipment.teu_of(size_types) or cargo_t / data["tonnes_per_teu"]
        activity, unit = teu * km, "TEU-km"
    else:
        activity, unit = cargo_t * km, "tkm"
    if spec.get("basis") == "gross":
        vehicle_t, why = _tare(size_types)
        wtw = reallocated(wtw, cargo_t, vehicle_t)  # type: ignore[arg-type]
        ttw = reallocated(ttw, cargo_t, vehicle_t) if ttw is not None else None
        notes.extend(why)
    if use.get("uplift"):
        up = Decimal(str(data["uplifts"][use["uplift"]]["factor"]))
        wtw, ttw = wtw * up, (ttw * up if ttw is not None else None)  # type: ignore[operator]
    return Element(
        kind="leg",
        place=f"{leg.origin}->{leg.destination}",
        mode=leg.mode.value,
        activity=activity,
        activity_unit=unit,
        wtw_g=wtw * activity,  # type: ignore[operator]
        ttw_g=ttw * activity if ttw is not None else None,
        factor=name,
        source=_source(spec, data["version"]),
        assumptions=tuple(notes),
    )


def hub_element(node: str, seaport: bool, cargo_t: Decimal, containers: int) -> Element:
    """A transshipment where the cargo changes mode: per container at a maritime container
    terminal, per tonne elsewhere."""
    data = factors()
    name = "container_terminal" if seaport and containers else "transshipment"
    spec = data["hubs"][name]
    activity = Decimal(containers) if name == "container_terminal" else cargo_t
    wtw = Decimal(str(spec["wtw"])) * G_PER_KG * activity
    return Element(
        kind="hub",
        place=node,
        mode=name,
        activity=activity,
        activity_unit="containers" if name == "container_terminal" else "t",
        wtw_g=wtw,
        ttw_g=None,
        factor=name,
        source=_source(spec, data["version"]),
    )


def _gauge_changes(network: Network, leg: Leg) -> bool:
    """Whether a rail leg runs from one track gauge to another (or ends at a gauge change)."""
    gauges = factors()["gauge_mm"]
    a, b = network.nodes[leg.origin], network.nodes[leg.destination]
    if b.kind is NodeKind.GAUGE_CHANGE:
        return True
    ga, gb = gauges.get(a.country, {}).get("value"), gauges.get(b.country, {}).get("value")
    return leg.mode is Mode.RAIL and ga is not None and gb is not None and ga != gb


def statement(
    network: Network,
    legs: Sequence[Leg],
    cargo_kg: Decimal,
    size_types: Sequence[str],
    basis: str,
) -> Statement:
    """The transport chain statement of legs travelled (or planned) with this cargo."""
    data = factors()
    cargo_t = cargo_kg / 1000
    made = Statement(
        framework=data["version"],
        standard=data["standard"],
        cargo_t=cargo_t,
        teu=equipment.teu_of(size_types),
        basis=basis,
    )
    for i, leg in enumerate(legs):
        node = network.nodes[leg.origin]
        if i and legs[i - 1].mode is not leg.mode:
            seaport = Mode.SEA in (leg.mode, legs[i - 1].mode)
            made.elements.append(hub_element(node.id, seaport, cargo_t, len(size_types)))
        elif i and leg.mode is Mode.RAIL and _gauge_changes(network, legs[i - 1]):
            # Boxes lifted from one gauge's train to the other's where the previous leg ended.
            made.elements.append(hub_element(node.id, False, cargo_t, len(size_types)))
        a, b = node.country, network.nodes[leg.destination].country
        made.elements.append(leg_element(leg, cargo_t, size_types, a if a == b else None))
    if legs and _gauge_changes(network, legs[-1]):
        # The route ends where the boxes change gauge (Małaszewicze): the lift counts.
        made.elements.append(hub_element(legs[-1].destination, False, cargo_t, len(size_types)))
    if legs and legs[-1].mode is Mode.SEA:
        # Discharge at the destination's container terminal.
        made.elements.append(hub_element(legs[-1].destination, True, cargo_t, len(size_types)))
    return made
