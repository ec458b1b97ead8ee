"""Who may see and do what on a shipment is stated once (`services.access`): the doors and
services ask it rather than keep their own lists of roles."""

from __future__ import annotations

import re
from pathlib import Path

from corridor.model import DocumentKind, Organisation, Role
from corridor.services import access

SRC = Path(__file__).parent.parent.parent / "src" / "corridor"


def _org(role: Role, country: str = "KZ") -> Organisation:
    return Organisation(id=f"x-{role.value}", name="X", country=country, role=role)


def test_who_may_act_on_a_shipment() -> None:
    assert Role.AUDITOR in access.PARTY_ROLES
    assert Role.AUDITOR not in access.RECORDERS
    assert not {Role.OPERATOR, Role.CUSTOMS} & set(access.PARTY_ROLES)
    assert access.may_sign(_org(Role.CARRIER), DocumentKind.RAIL_CONSIGNMENT_NOTE)
    assert not access.may_sign(_org(Role.SHIPPER), DocumentKind.CUSTOMS_RELEASE)
    assert not access.may_sign(_org(Role.SHIPPER), DocumentKind.TRANSIT_GUARANTEE)
    assert access.territory_of(_org(Role.CUSTOMS, "GE")) == "GE"
    assert access.territory_of(_org(Role.CARRIER, "GE")) is None


def test_no_door_keeps_its_own_list_of_roles() -> None:
    lists = re.compile(r"^[A-Z_]+ = \(?\s*(tuple\()?.*Role\.[A-Z]+.*Role\.[A-Z]+", re.M)
    found = [
        str(path.relative_to(SRC))
        for door in ("api", "cli", "web")
        for path in (SRC / door).rglob("*.py")
        if lists.search(path.read_text("utf-8"))
    ]
    assert found == []
