"""The digital regime's inspections and decision times from the risk engine: each route
authority's shipped targeting, calibrated as a node installing it would, run over synthetic
declarations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache

from corridor.customs.declarations import synthetic
from corridor.customs.profiles import ProfileIndex, parse_profiles
from corridor.customs.selectivity import assess, calibrate
from corridor.services import targeting
from corridor.sim.params import Parameters, Value


@dataclass(frozen=True)
class LaneShares:
    """The lanes one authority's risk engine gave over synthetic declarations."""

    authority: str
    declarations: int
    red: float
    yellow: float
    blue: float
    green: float


# The authorities on the simulated route, and how long a decision takes by lane: green and
# blue are cleared on the pre-arrival data (TEZ Customs: 30 min), yellow is a documentary
# check (ASTANA-1: "up to 4 h"); red is the simulator's physical inspection.
ROUTE_AUTHORITIES = ("kz-customs", "az-customs", "ge-customs", "ro-customs")
CLEARED_H = 0.5
DOCUMENTARY_H = 4.0
SAMPLE = 10_000


@cache
def risk_engine_lanes(n: int = SAMPLE) -> list[LaneShares]:
    """Each route authority's lane shares: its shipped targeting, calibrated as a node
    installing it would, run over `n` synthetic declarations of its procedures."""
    out = []
    day = date(2026, 3, 1)
    for authority in ROUTE_AUTHORITIES:
        text = targeting.shipped_profiles(authority)
        if text is None:
            continue
        ps = parse_profiles(text, f"{authority}.yaml")
        index = ProfileIndex(ps.profiles, day)
        procedures = ps.office.procedures
        rates = calibrate(synthetic(n, 1, procedures), index, ps.office, b"calibration").rates
        lanes = Counter(
            assess(d, index, ps.office, rates, b"simulation").channel
            for d in synthetic(n, 2, procedures)
        )
        out.append(
            LaneShares(
                authority, n, *(lanes[lane] / n for lane in ("red", "yellow", "blue", "green"))
            )
        )
    return out


def with_risk_engine(params: Parameters) -> Parameters:
    """The parameters with the digital regime's inspection probability and decision time
    taken from the risk engine instead of assumed."""
    lanes = risk_engine_lanes()
    digital = params.regimes.get("digital")
    if digital is None or not lanes:
        return params
    red = sum(x.red for x in lanes) / len(lanes)
    yellow = sum(x.yellow for x in lanes) / len(lanes)
    hours = (1 - red - yellow) * CLEARED_H + yellow * DOCUMENTARY_H
    per = ", ".join(
        f"{x.authority[:2].upper()} {x.red:.1%} red / {x.yellow:.1%} yellow" for x in lanes
    )
    basis = f"risk engine over {lanes[0].declarations:,} synthetic declarations per office ({per})"
    values = {
        **digital.values,
        "inspect_prob": Value(v=round(red, 4), src=f"{basis}: mean red share"),
        "customs_h": Value(
            v=round(hours, 3),
            src=f"{basis}: green/blue cleared in {CLEARED_H} h (TEZ), yellow checked in "
            f"{DOCUMENTARY_H} h (ASTANA-1 'up to 4 h')",
        ),
    }
    regime = digital.model_copy(update={"values": values})
    return params.model_copy(update={"regimes": {**params.regimes, "digital": regime}})
