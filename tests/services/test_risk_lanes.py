"""The digital regime's lanes come from the risk engine, not from assumptions."""

from __future__ import annotations

import pytest

from corridor.customs.profiles import parse_profiles
from corridor.services import risk_lanes, targeting
from corridor.sim.params import shipped


def test_each_offices_lanes_come_out_at_its_configured_rates() -> None:
    lanes = risk_lanes.risk_engine_lanes()
    assert [x.authority for x in lanes] == list(risk_lanes.ROUTE_AUTHORITIES)
    for x in lanes:
        office = parse_profiles(targeting.shipped_profiles(x.authority) or "", "x").office
        assert x.declarations == 10_000
        assert 100 * x.red == pytest.approx(office.rates.red, abs=1.0)
        assert 100 * x.yellow == pytest.approx(office.rates.yellow, abs=1.0)
        assert 100 * x.blue == pytest.approx(office.rates.blue, abs=1.0)


def test_the_digital_regime_takes_its_inspections_and_decision_time_from_them() -> None:
    params = shipped()
    regime = risk_lanes.with_risk_engine(params).regime("digital")
    lanes = risk_lanes.risk_engine_lanes()
    red = sum(x.red for x in lanes) / len(lanes)
    assert regime["inspect_prob"] == pytest.approx(red, abs=1e-4)
    assert "risk engine" in (regime.values["inspect_prob"].src or "")
    assert regime.values["inspect_prob"].assume is None
    # The decision time is the lanes' mix of cleared-on-data and documentary checks.
    assert risk_lanes.CLEARED_H < regime["customs_h"] < risk_lanes.DOCUMENTARY_H
    # The other regimes are untouched.
    assert risk_lanes.with_risk_engine(params).regime("paper") == params.regime("paper")
