"""The corridor network file and route finding."""

from __future__ import annotations

import itertools

import pytest

from corridor.exceptions import InvalidInput, NoRoute, UnknownNode
from corridor.model import RoutePreference
from corridor.network import Network, corridor
from corridor.network.graph import NetworkFile
from tests.network.samples import ISLAND

NET = corridor()
REQUIRED = [
    "lianyungang",
    "khorgos",
    "altynkol",
    "dostyk",
    "aktau",
    "kuryk",
    "baku-alat",
    "gardabani",
    "tbilisi",
    "poti",
    "batumi",
    "kars",
    "constanta",
    "turkmenbashi",
    "tashkent",
    "bishkek",
    "dushanbe",
]


def test_the_shipped_network_has_the_corridor_nodes() -> None:
    assert set(REQUIRED) <= set(NET.nodes)


def test_every_node_is_reachable_from_dostyk() -> None:
    for node in NET.nodes:
        if node != "dostyk":
            NET.route("dostyk", node)


def test_every_figure_says_where_it_comes_from() -> None:
    for leg in NET.data.legs:
        if "source" in (leg.distance_basis, leg.hours_basis):
            assert leg.source in NET.data.sources, leg
    for node in NET.nodes.values():
        if node.dwell_basis == "source":
            assert node.dwell_source in NET.data.sources, node.id
        if node.dwell_basis != "source":
            assert node.dwell_note, f"{node.id}: an assumed dwell needs a note saying why"


def test_dostyk_to_constanta_crosses_kz_az_ge_ro() -> None:
    route = NET.route("dostyk", "constanta", via=["aktau"])
    assert route.countries == ["KZ", "AZ", "GE", "RO"]
    assert [(b.exit_node, b.entry_node) for b in route.borders] == [
        ("aktau", "baku-alat"),
        ("boyuk-kesik", "gardabani"),
        ("poti", "constanta"),
    ]
    assert route.nodes[0] == "dostyk"
    assert route.nodes[-1] == "constanta"
    assert route.total_hours == pytest.approx(route.moving_hours + route.dwell_hours, abs=0.1)


def test_baku_tbilisi_kars_enters_turkiye() -> None:
    route = NET.route("baku-alat", "kars")
    assert "akhalkalaki" in route.nodes
    assert route.countries == ["AZ", "GE", "TR"]


def test_feeders_reach_the_caspian() -> None:
    assert NET.route("dushanbe", "baku-alat").countries[:3] == ["TJ", "UZ", "KZ"]
    assert NET.route("turkmenbashi", "baku-alat").legs[0].mode == "ferry"


def test_fastest_and_shortest_each_win_on_their_own_measure() -> None:
    ids = sorted(NET.nodes)
    for a, b in itertools.combinations(ids, 2):
        fast = NET.route(a, b, RoutePreference.FASTEST)
        short = NET.route(a, b, RoutePreference.SHORTEST)
        assert fast.total_hours <= short.total_hours + 1e-6, (a, b)
        assert short.distance_km <= fast.distance_km + 1e-6, (a, b)


def test_fastest_avoids_a_slow_border_when_a_faster_line_exists() -> None:
    # Khorgos/Altynkol and Alashankou/Dostyk are both open from Xi'an; the route must
    # count dwell, not only moving hours.
    route = NET.route("xian", "almaty")
    alt = [n for n in ("khorgos", "alashankou") if n in route.nodes]
    assert len(alt) == 1
    other = "alashankou" if alt[0] == "khorgos" else "khorgos"
    forced = NET.route("xian", "almaty", via=[other])
    assert route.total_hours <= forced.total_hours


def test_via_forces_the_waypoint() -> None:
    assert "aktau" in NET.route("dostyk", "constanta", via=["aktau"]).nodes
    assert "kuryk" in NET.route("dostyk", "constanta", via=["kuryk"]).nodes


def test_unknown_node_suggests_close_ids() -> None:
    with pytest.raises(UnknownNode, match="Did you mean 'constanta'"):
        NET.route("dostyk", "constanza")


def test_same_origin_and_destination_is_refused() -> None:
    with pytest.raises(InvalidInput, match="two different nodes"):
        NET.route("poti", "poti")


def test_disconnected_nodes_have_no_route() -> None:
    net = Network.from_yaml(ISLAND)
    assert net.route("a", "b").nodes == ["a", "b"]
    with pytest.raises(NoRoute, match="No route from 'a'"):
        net.route("a", "c")


def test_network_file_with_a_leg_to_nowhere_is_refused() -> None:
    bad = ISLAND.replace("to: b", "to: zz")
    with pytest.raises(ValueError, match="unknown node 'zz'"):
        Network.from_yaml(bad)


def test_network_file_citing_a_missing_source_is_refused() -> None:
    bad = ISLAND.replace("hours_basis: assumption}", "hours_basis: source, source: S99}")
    with pytest.raises(ValueError, match="S99"):
        Network.from_yaml(bad)


def test_network_file_that_is_not_yaml_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not valid YAML"):
        Network.from_yaml("nodes: [unclosed")


def test_shipped_file_validates_as_a_whole() -> None:
    assert NetworkFile.model_validate(NET.data.model_dump(by_alias=True)) == NET.data
