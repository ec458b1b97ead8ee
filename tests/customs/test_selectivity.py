"""Selectivity: the lanes' shares come out at the office's rates, the same declaration
always gets the same lane, and only the holder of the node's secret can compute a draw."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from corridor.customs.declarations import synthetic, synthetic_profiles
from corridor.customs.profiles import Conditions, LaneRates, Office, Profile, ProfileIndex
from corridor.customs.selectivity import assess, calibrate, draw, uncalibrated

SECRET = bytes(range(32))
DAY = date(2026, 1, 1)
OFFICE = Office(
    reference="KZAKT001",
    name="Aktau port customs",
    rates=LaneRates(red=1.0, yellow=20.1, blue=0.4),
    min_random=LaneRates(red=0.2, yellow=2.0, blue=0.1),
    max_hits=3,
)


@pytest.fixture(scope="module")
def index() -> ProfileIndex:
    return ProfileIndex(synthetic_profiles(500, OFFICE, seed=11).profiles, DAY)


def test_lane_shares_over_10000_declarations_are_the_office_rates(index: ProfileIndex) -> None:
    # Calibrated on one sample under a fixed key (as a node installing profiles does),
    # measured on another sample under the node's own secret.
    cal = calibrate(synthetic(10_000, seed=1), index, OFFICE, b"calibration")
    assert cal.reachable
    lanes = Counter(
        assess(d, index, OFFICE, cal.rates, SECRET).channel for d in synthetic(10_000, seed=2)
    )
    shares = {lane: 100 * lanes[lane] / 10_000 for lane in ("red", "yellow", "blue")}
    assert shares["red"] == pytest.approx(1.0, abs=1.0)
    assert shares["yellow"] == pytest.approx(20.1, abs=1.0)
    assert shares["blue"] == pytest.approx(0.4, abs=1.0)
    # The profiles do part of the selecting; without calibration the draw alone would
    # overshoot the expected rates by what the profiles add.
    raw = Counter(
        assess(d, index, OFFICE, uncalibrated(OFFICE), SECRET).channel
        for d in synthetic(10_000, seed=2)
    )
    assert 100 * raw["yellow"] / 10_000 > shares["yellow"] + 1


def test_the_same_declaration_always_gets_the_same_lane_and_hits(index: ProfileIndex) -> None:
    cal = calibrate(synthetic(2000, seed=1), index, OFFICE, SECRET)
    for d in synthetic(300, seed=5):
        first = assess(d, index, OFFICE, cal.rates, SECRET)
        again = assess(replace(d), index, OFFICE, cal.rates, SECRET)
        assert first == again


def test_an_auditor_with_the_secret_reproduces_every_draw(index: ProfileIndex) -> None:
    cal = calibrate(synthetic(2000, seed=1), index, OFFICE, SECRET)
    for d in synthetic(300, seed=6):
        a = assess(d, index, OFFICE, cal.rates, SECRET)
        assert a.draw == draw(SECRET, "random", d.key)
        assert a.random_lane == cal.rates.lane(a.draw).label
        for hit in a.hits:
            chosen = index.candidates(d)
            percent = next(c.profile.percent for c in chosen if c.profile.id == hit.profile)
            assert hit.selected == (draw(SECRET, "hit", d.key, hit.profile) * 100 < percent)


def test_without_the_secret_the_draws_are_other_numbers() -> None:
    keys = [f"shipment-{i}:transit" for i in range(1000)]
    ours = [draw(SECRET, "random", k) for k in keys]
    theirs = [draw(b"guess" * 7, "random", k) for k in keys]
    assert sum(a == b for a, b in zip(ours, theirs, strict=True)) == 0
    # And the draws are spread evenly (a trader learns nothing from the distribution).
    assert 0.45 < sum(ours) / len(ours) < 0.55
    assert min(ours) < 0.01
    assert max(ours) > 0.99


def test_a_profile_hit_shows_its_reason_and_max_hits_select_for_a_document_check() -> None:
    office = OFFICE.model_copy(
        update={"max_hits": 2, "min_random": LaneRates(), "rates": LaneRates()}
    )
    profiles = [
        Profile(
            id=f"P{i}",
            lane="red",
            percent=0.0001,
            valid_from=DAY,
            reason=f"Reason number {i} for the officer",
            when=Conditions(hs=["7202"]),
        )
        for i in range(2)
    ]
    d = next(d for d in synthetic(5000, seed=9) if any(h.startswith("7202") for h in d.hs_codes))
    a = assess(d, ProfileIndex(profiles, DAY), office, uncalibrated(office), SECRET)
    assert [h.reason for h in a.hits] == [
        "Reason number 0 for the officer",
        "Reason number 1 for the officer",
    ]
    assert not any(h.selected for h in a.hits)
    assert a.by_profiles == "yellow"
    assert a.channel == "yellow"
