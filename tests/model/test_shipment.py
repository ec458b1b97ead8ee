"""Shipment drafts: cross-field rules name the field and say how to fix it."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from corridor.model import Organisation, ShipmentDraft
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
    assert "cannot exceed gross_kg" in err["msg"]


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
