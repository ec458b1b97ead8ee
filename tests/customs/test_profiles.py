"""Targeting profile sets: validation with file:line, the shipped sets, and the index."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from corridor.customs.declarations import synthetic, synthetic_profiles
from corridor.customs.profiles import (
    Compiled,
    Lane,
    LaneRates,
    Office,
    ProfileIndex,
    _tests,
    load_profiles,
    parse_profiles,
)
from corridor.customs.selectivity import calibrate
from corridor.exceptions import ProfileError

GOOD = """\
authority: kz-customs
country: KZ
version: 1
office:
  reference: KZAKT001
  name: Aktau port customs
  rates: {red: 1, yellow: 20, blue: 0.5}
profiles:
  - id: P1
    lane: red
    percent: 100
    valid_from: 2026-01-01
    reason: "Arms and munitions: examine"
    when: {hs: ["9306"]}
"""


def test_a_good_set_parses() -> None:
    ps = parse_profiles(GOOD, "kz.yaml")
    assert ps.office.reference == "KZAKT001"
    assert ps.profiles[0].lane == "red"


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("lane: red", "lane: purple"), 10, "lane"),
        (('hs: ["9306"]', 'hs: ["93x6"]'), 14, "not 2-10 digits"),
        (("percent: 100", "percent: 0"), 11, "greater than 0"),
        (("    when:", "    colour: blue\n    when:"), 14, "unknown field"),
        (
            ("rates: {red: 1, yellow: 20, blue: 0.5}", "rates: {red: 60, yellow: 50}"),
            7,
            "more than 100",
        ),
        (("reference: KZAKT001", "reference: Aktau"), 5, "reference"),
    ],
)
def test_each_problem_is_reported_with_its_file_and_line(
    change: tuple[str, str], line: int, message: str
) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profiles(GOOD.replace(*change), "kz.yaml")
    assert any(
        e.field == f"kz.yaml:{line}" and message in e.message for e in caught.value.errors
    ), [(e.field, e.message) for e in caught.value.errors]


def test_dates_in_the_wrong_order_and_duplicate_ids_are_refused() -> None:
    with pytest.raises(ProfileError, match="valid_to is before valid_from"):
        parse_profiles(GOOD.replace("    when:", "    valid_to: 2025-01-01\n    when:"), "kz.yaml")
    second = GOOD + GOOD[GOOD.index("  - id: P1") :]
    with pytest.raises(ProfileError, match="appears twice"):
        parse_profiles(second, "kz.yaml")


def test_aliases_are_refused_before_they_expand() -> None:
    with pytest.raises(ProfileError, match="anchors and aliases"):
        parse_profiles(
            GOOD.replace("when: {hs", "when: &w {hs") + "  - {id: P2, when: *w}\n", "x.yaml"
        )


def test_every_shipped_profile_set_is_valid_and_names_its_sources() -> None:
    folder = Path(str(resources.files("corridor.customs").joinpath("targeting")))
    files = sorted(folder.glob("*.yaml"))
    assert len(files) >= 4
    for path in files:
        ps = load_profiles(path)
        assert ps.authority == path.stem
        # Whatever is not a published fact says so.
        assert ps.unconfirmed, path.name
        # The profiles alone stay within the office's expected rates, so the random draw
        # can bring every lane to its rate.
        index = ProfileIndex(ps.profiles, date(2026, 3, 1))
        sample = synthetic(5000, seed=1, procedure=ps.office.procedures)
        assert calibrate(sample, index, ps.office, b"k" * 32).reachable, path.name


def test_the_index_finds_exactly_what_checking_every_profile_finds() -> None:
    office = Office(reference="KZAKT001", name="x", rates=LaneRates(red=1, yellow=10))
    ps = synthetic_profiles(500, office, seed=3)
    index = ProfileIndex(ps.profiles, date(2026, 1, 1))
    everyone = ProfileIndex([], date(2026, 1, 1))
    compiled = [Compiled(p, Lane[p.lane.upper()], tuple(_tests(p.when))) for p in ps.profiles]
    checked = 0
    for d in synthetic(3000, seed=4):
        fast = {c.profile.id for c in index.hits(d)}
        slow = {c.profile.id for c in compiled if c.matches(d)}
        assert fast == slow, d.key
        checked += len(index.candidates(d))
    assert everyone.size == 0
    # The index spares most of the work: far fewer candidates than profiles per declaration.
    assert checked / 3000 < 500 / 5


def test_profiles_out_of_their_dates_are_not_in_force() -> None:
    ps = parse_profiles(GOOD.replace("    when:", "    valid_to: 2026-06-30\n    when:"), "kz.yaml")
    assert ProfileIndex(ps.profiles, date(2026, 6, 30)).size == 1
    assert ProfileIndex(ps.profiles, date(2026, 7, 1)).size == 0
    assert ProfileIndex(ps.profiles, date(2025, 12, 31)).size == 0
