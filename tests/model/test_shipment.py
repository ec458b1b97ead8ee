"""Shipment drafts: cross-field rules name the field and say how to fix it."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from corridor.model import Organisation, ShipmentDraft, equipment
from tests.factories import draft


def base() -> dict[str, Any]:
    return draft("T-1").model_dump(mode="json")


def errors(payload: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        ShipmentDraft.model_validate(payload)
    return list(info.value.errors())


def test_demo_draft_is_valid_and_round_trips() -> None:
    d = draft("T-1")
    assert ShipmentDraft.model_validate(d.model_dump(mode="json")) == d
    assert d.party_ids() == {
        "kz-ferroalloy",
        "ro-consignee",
        "kz-forwarder",
        "kz-rail",
        "aktau-port",
        "caspian-ferry",
    }


def test_net_mass_above_gross_is_refused() -> None:
    p = base()
    p["goods"][0]["net_kg"] = "50000"
    err = errors(p)[0]
    assert err["loc"] == ("goods", 0)
    assert "cannot exceed the gross mass" in err["msg"]


def test_bad_fields_are_reported_with_their_paths() -> None:
    p = base()
    p["goods"][1]["hs_code"] = "12"
    p["goods"][0]["value"]["currency"] = "ABC"
    p["containers"][1]["number"] = "MSCU1234567"
    locs = {e["loc"] for e in errors(p)}
    assert ("goods", 1, "hs_code") in locs
    assert ("goods", 0, "value", "currency") in locs
    assert ("containers", 1, "number") in locs


def test_a_shipment_needs_equipment() -> None:
    p = base()
    p["containers"] = []
    assert "at least one container" in errors(p)[0]["msg"]


def test_equipment_may_not_repeat() -> None:
    p = base()
    p["containers"].append(copy.deepcopy(p["containers"][0]))
    assert "listed twice: CSQU3054383" in errors(p)[0]["msg"]


def test_unknown_fields_are_refused() -> None:
    p = base()
    p["colour"] = "red"
    assert errors(p)[0]["type"] == "extra_forbidden"


def test_negative_or_zero_values_are_refused() -> None:
    p = base()
    p["goods"][0]["value"]["amount"] = "0"
    p["goods"][0]["packages"] = 0
    locs = {e["loc"] for e in errors(p)}
    assert ("goods", 0, "value", "amount") in locs
    assert ("goods", 0, "packages") in locs


def test_organisation_id_shape_is_explained() -> None:
    with pytest.raises(ValidationError, match="lower-case letters"):
        Organisation(id="KZ Customs", name="x", country="KZ", role="customs")  # type: ignore[arg-type]


def test_goods_heavier_than_their_containers_may_gross_are_refused() -> None:
    """Two 20 ft boxes may gross 2 x 30,480 kg with their tare (2 x 2,200 kg typical): the
    goods may weigh 56,560 kg and not a kilogram more."""
    p = base()
    assert [c["size_type"] for c in p["containers"]] == ["22G1", "22G1"]
    p["goods"][0]["gross_kg"] = "36360"  # with the other line's 20,200: 56,560
    ShipmentDraft.model_validate(p)
    p["goods"][0]["gross_kg"] = "36361"
    msg = errors(p)[0]["msg"]
    assert "56,561 kg gross" in msg
    assert "1 kg more than the 2 container(s) may gross" in msg
    assert "add a container" in msg
    assert "max_gross_kg" in msg
    # A 40 ft box's typical tare is heavier: the same goods in two of them are 3,100 kg over.
    for c in p["containers"]:
        c["size_type"] = "42G1"
    assert "3,101 kg more" in errors(p)[0]["msg"]


def test_a_boxs_own_markings_take_the_place_of_the_typical_figures() -> None:
    p = base()
    p["goods"][0]["gross_kg"] = "40400"  # 60,600 kg in all: too heavy for two typical boxes
    assert "more than the 2 container(s) may gross" in errors(p)[0]["msg"]
    for c in p["containers"]:
        c |= {"tare_kg": "2100", "max_gross_kg": "34000"}  # as on their doors and CSC plates
    d = ShipmentDraft.model_validate(p)
    assert d.containers[0].max_gross_kg == Decimal("34000")
    p["containers"][1]["max_gross_kg"] = "30000"
    assert "800 kg more" in errors(p)[0]["msg"]


def test_goods_that_may_travel_in_wagons_are_not_held_to_the_boxes() -> None:
    p = base()
    p["goods"][0]["gross_kg"] = "90000"
    p["wagons"] = [{"number": "52345675"}]
    ShipmentDraft.model_validate(p)


def test_the_equipment_figures_say_where_they_come_from() -> None:
    data = equipment.equipment()
    for size in data.containers.values():
        for figure in (size.teu, size.tare_kg, size.max_gross_kg):
            assert (figure.src is None) != (figure.assume is None)
        assert size.max_gross_kg.unconfirmed, "ISO 668 was not read at source"
    assert equipment.teu_of(["22G1", "42G1", "L5G1"]) == Decimal("5.25")
    assert equipment.wagons_for(["22G1", "22G1"]) == 1
    assert equipment.wagons_for(["22G1", "42G1"]) == 2
