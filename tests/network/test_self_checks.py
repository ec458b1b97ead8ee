"""The shipped network checks itself: no leg shorter than the straight line between its
ends, no implausible speed for its mode, no border crossing counted twice, no detour
longer than the line it stands for."""

from __future__ import annotations

import math

import pytest

from corridor.network import Leg, Mode, Network, corridor

NET = corridor()
EARTH_KM = 6371.0088
# Average speeds a leg's figures may imply, km/h, stops on the way included: a block train
# runs 10-80 km/h end to end; a Caspian ferry or Black Sea ship 5-40 km/h over the ground
# (the planned 5-day feeder call pattern is the slowest); a truck 15-90 km/h.
SPEED = {Mode.RAIL: (10, 80), Mode.FERRY: (5, 40), Mode.SEA: (5, 40), Mode.ROAD: (15, 90)}


def great_circle_km(net: Network, a: str, b: str) -> float:
    p, q = net.nodes[a], net.nodes[b]
    φ1, φ2 = math.radians(p.lat), math.radians(q.lat)
    dφ, dλ = φ2 - φ1, math.radians(q.lon - p.lon)
    h = math.sin(dφ / 2) ** 2 + math.cos(φ1) * math.cos(φ2) * math.sin(dλ / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def name(leg: Leg) -> str:
    return f"{leg.origin}-{leg.destination}"


def test_no_leg_is_shorter_than_the_straight_line_between_its_ends() -> None:
    short = [
        (name(leg), leg.distance_km, round(great_circle_km(NET, leg.origin, leg.destination)))
        for leg in NET.data.legs
        if leg.distance_km < great_circle_km(NET, leg.origin, leg.destination)
    ]
    assert short == []


def test_every_leg_implies_a_plausible_speed_for_its_mode() -> None:
    odd = [
        (name(leg), leg.mode.value, round(leg.distance_km / leg.hours, 1))
        for leg in NET.data.legs
        if not SPEED[leg.mode][0] <= leg.distance_km / leg.hours <= SPEED[leg.mode][1]
    ]
    assert odd == []


def test_no_border_crossing_is_counted_twice() -> None:
    """Where one post's dwell is the whole crossing's observed time, its partner across the
    border adds nothing; and an 'included' post has a partner that holds the figure."""
    for leg in NET.data.legs:
        a, b = NET.nodes[leg.origin], NET.nodes[leg.destination]
        if a.country == b.country:
            continue
        scopes = {a.dwell_scope, b.dwell_scope}
        assert scopes != {"crossing"}, f"{name(leg)}: both posts carry a whole-crossing figure"
        if "crossing" in scopes:
            partner = b if a.dwell_scope == "crossing" else a
            assert partner.dwell_scope == "included", name(leg)
            assert partner.dwell_h == 0, name(leg)
    for node in NET.nodes.values():
        if node.dwell_scope == "included":
            partners = [
                NET.nodes[leg.destination] for leg in NET.legs(node.id)
            ]  # each crossing partner
            assert any(p.dwell_scope == "crossing" for p in partners), node.id


def test_no_route_through_a_node_is_shorter_than_the_direct_leg_it_bypasses() -> None:
    """A direct leg A-C stands for the line; going A-B-C through a node on that line
    cannot be shorter (otherwise the direct leg's length is wrong)."""
    direct = {(leg.origin, leg.destination): leg.distance_km for leg in NET.data.legs}
    direct |= {(d, o): km for (o, d), km in direct.items()}
    shorter = []
    for (a, c), km in direct.items():
        for b in NET.nodes:
            if (a, b) in direct and (b, c) in direct and b not in (a, c):
                via = direct[a, b] + direct[b, c]
                if via < km:
                    shorter.append((a, b, c, via, km))
    assert shorter == []


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [("dostyk", "almaty", 830), ("zhezkazgan", "beineu", 1140), ("baku-alat", "boyuk-kesik", 430)],
)
def test_the_reviews_distances_are_in_the_file(a: str, b: str, km: float) -> None:
    leg = next(x for x in NET.legs(a) if x.destination == b)
    assert leg.distance_km == km
    assert leg.source == "R1"


def test_moyynty_zhezkazgan_is_not_an_operating_line() -> None:
    assert "zhezkazgan" not in {leg.destination for leg in NET.legs("moyynty")}
    # The Dostyk -> Aktau route runs over existing lines.
    route = NET.route("dostyk", "aktau")
    assert [leg.destination for leg in route.legs] == ["almaty", "arys", "beineu", "aktau"]


def test_a_self_check_catches_a_leg_shorter_than_its_straight_line() -> None:
    """The first check is not vacuous: the file's old Zhezkazgan-Beineu length (988 km,
    the new-build figure) is shorter than its ends' straight line (994 km)."""
    assert 988 < great_circle_km(NET, "zhezkazgan", "beineu") < 1140
