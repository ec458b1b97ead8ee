"""The equipment goods travel in: container sizes and masses by ISO 6346 size-type code, the
rail wagon that carries them, and whether the goods fit in the boxes a shipment names.

The figures live in `equipment.yaml`, each with its source or the assumption behind it; a
box's own markings (its tare, the maximum gross mass on its CSC plate) take precedence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

_DATA = ConfigDict(extra="forbid", frozen=True)


class Figure(BaseModel):
    """A number with its source or the reason it was assumed."""

    model_config = _DATA

    v: Decimal
    src: str | None = None
    assume: str | None = None
    unconfirmed: bool = False

    @model_validator(mode="after")
    def _grounded(self) -> Figure:
        if (self.src is None) == (self.assume is None):
            raise ValueError("give exactly one of 'src' (a source) or 'assume' (a reason)")
        return self


class Size(BaseModel):
    """A container length: its name, TEU, typical tare and ISO maximum gross mass."""

    model_config = _DATA

    name: str
    teu: Figure
    tare_kg: Figure
    max_gross_kg: Figure


class Wagon(BaseModel):
    model_config = _DATA

    tare_kg: Figure
    teu: Figure


class Equipment(BaseModel):
    model_config = _DATA

    containers: dict[str, Size]
    rail_wagon: Wagon


class Box(Protocol):
    """What the load check needs of a container."""

    size_type: str
    tare_kg: Decimal | None
    max_gross_kg: Decimal | None


@cache
def equipment() -> Equipment:
    """The equipment data, read once."""
    text = resources.files("corridor.model").joinpath("equipment.yaml").read_text("utf-8")
    return Equipment.model_validate(yaml.safe_load(text))


def size_of(size_type: str) -> Size:
    """The size of a box by its ISO 6346 size-type code (a code of an unknown length is
    taken as 40 ft, the corridor's usual box)."""
    sizes = equipment().containers
    return sizes.get(size_type[:1], sizes["4"])


def teu_of(size_types: Sequence[str]) -> Decimal:
    """Twenty-foot equivalent units of the boxes."""
    return sum((size_of(c).teu.v for c in size_types), Decimal(0))


def tare_kg(size_types: Sequence[str]) -> Decimal:
    """The boxes' typical tare."""
    return sum((size_of(c).tare_kg.v for c in size_types), Decimal(0))


def wagons_for(size_types: Sequence[str]) -> int:
    """Container flat wagons that carry the boxes (at least one)."""
    per_wagon = equipment().rail_wagon.teu.v
    return max(1, math.ceil(teu_of(size_types) / per_wagon))


def overload(goods_gross_kg: Decimal, boxes: Sequence[Box]) -> dict[str, str] | None:
    """Why the goods cannot travel in these boxes (the parameters of the `goods_overweight`
    message), or None when they can: the goods and the boxes' tare together above what the
    boxes may gross."""
    if not boxes:
        return None
    tare = sum((b.tare_kg or size_of(b.size_type).tare_kg.v for b in boxes), Decimal(0))
    limit = sum((b.max_gross_kg or size_of(b.size_type).max_gross_kg.v for b in boxes), Decimal(0))
    if goods_gross_kg + tare <= limit:
        return None
    return {
        "goods": f"{goods_gross_kg:,.0f}",
        "tare": f"{tare:,.0f}",
        "total": f"{goods_gross_kg + tare:,.0f}",
        "over": f"{goods_gross_kg + tare - limit:,.0f}",
        "boxes": str(len(boxes)),
        "limit": f"{limit:,.0f}",
    }
