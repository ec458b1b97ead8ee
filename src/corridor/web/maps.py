"""The corridor network drawn as SVG from its nodes' coordinates (no tile server): legs by
mode, border crossings marked, a found route on top; every node is a link that picks it as
the route's origin, then its destination."""

from __future__ import annotations

import math
from collections.abc import Callable
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from corridor.messages import N_
from corridor.model import RoutePreference
from corridor.services.network import Network, Route
from corridor.web.labels import LABELS

WIDTH = 1000.0
MARGIN = 30.0


def _projection(network: Network) -> tuple[float, float, object]:
    nodes = list(network.nodes.values())
    lat0 = math.radians(sum(n.lat for n in nodes) / len(nodes))
    west, east = min(n.lon for n in nodes), max(n.lon for n in nodes)
    south, north = min(n.lat for n in nodes), max(n.lat for n in nodes)
    scale = (WIDTH - 2 * MARGIN) / ((east - west) * math.cos(lat0))
    height = (north - south) * scale + 2 * MARGIN + 20

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (
            MARGIN + (lon - west) * math.cos(lat0) * scale,
            MARGIN + (north - lat) * scale,
        )

    return WIDTH, height, xy


def draw(
    network: Network,
    route: Route | None,
    origin: str | None,
    destination: str | None,
    prefer: RoutePreference,
    link: str,
    say: Callable[[str], str] = lambda text: text,
) -> str:
    """The map as an inline SVG element, its words said by `say` (a catalogue lookup)."""
    width, height, xy = _projection(network)
    at = {n.id: xy(n.lat, n.lon) for n in network.nodes.values()}  # type: ignore[operator]
    on_route = {(leg.origin, leg.destination) for leg in route.legs} if route else set()
    on_route |= {(b, a) for a, b in on_route}
    parts = [
        f'<svg class="map" viewBox="0 0 {width:.0f} {height:.0f}" role="group" '
        'aria-labelledby="map-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="map-title">' + escape(say(N_("Corridor network"))) + "</title>",
    ]
    for leg in network.data.legs:
        (x1, y1), (x2, y2) = at[leg.origin], at[leg.destination]
        a, b = network.nodes[leg.origin], network.nodes[leg.destination]
        cls = f"leg {leg.mode.value}" + (
            " on-route" if (leg.origin, leg.destination) in on_route else ""
        )
        mode = escape(say(LABELS[f"mode:{leg.mode.value}"]))
        parts.append(
            f'<line class="{cls}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}">'
            f"<title>{escape(a.name)} - {escape(b.name)}: {mode}, "
            f"{leg.distance_km:.0f} km, {leg.hours:g} h</title></line>"
        )
        if a.country != b.country:
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            parts.append(
                f'<rect class="border" x="{mx - 3:.1f}" y="{my - 3:.1f}" width="6" height="6">'
                f"<title>{a.country} → {b.country}</title></rect>"
            )
    labelled = _labelled(network, at, {origin, destination})
    for node in network.nodes.values():
        x, y = at[node.id]
        query: dict[str, str] = {"prefer": prefer.value}
        if origin and not destination and node.id != origin:
            query |= {"origin": origin, "destination": node.id}
        else:
            query |= {"origin": node.id}
        picked = node.id in (origin, destination)
        label = (
            f'<text x="{x + 6:.1f}" y="{y - 5:.1f}">{escape(node.name)}</text>'
            if node.id in labelled
            else ""
        )
        parts.append(
            f"<a href={quoteattr(link + '?' + urlencode(query))} "
            f"aria-label={quoteattr(f'{node.name} ({node.country})')}>"
            f"<title>{escape(node.name)} ({node.country})</title>"
            f'<circle class="node {node.kind.value}{" picked" if picked else ""}" '
            f'cx="{x:.1f}" cy="{y:.1f}" r="{6 if picked else 4}"/>{label}</a>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


# Which places keep their name on a crowded map: the ends of the route first, then ports and
# terminals, then the rest, each only where no name is drawn close by.
_PRIORITY = {"seaport": 0, "terminal": 1, "border_station": 2, "gauge_change": 3, "junction": 4}
_MIN_GAP = 34.0


def _labelled(
    network: Network, at: dict[str, tuple[float, float]], picked: set[str | None]
) -> set[str]:
    order = sorted(
        network.nodes.values(),
        key=lambda n: (n.id not in picked, _PRIORITY.get(n.kind.value, 9), n.name),
    )
    kept: list[tuple[float, float]] = []
    out: set[str] = set()
    for node in order:
        x, y = at[node.id]
        if node.id in picked or all(math.hypot(x - a, y - b) >= _MIN_GAP for a, b in kept):
            kept.append((x, y))
            out.add(node.id)
    return out
