"""The harmonisation matrix shows real differences and agreements."""

from __future__ import annotations

from datetime import date

from corridor.rules import matrix, route_jurisdictions, shipped_packs


def test_route_jurisdictions_follow_route_order() -> None:
    assert route_jurisdictions(shipped_packs(), ["KZ", "AZ", "GE", "RO"]) == [
        "KZ",
        "AZ",
        "GE",
        "EU",
    ]


def test_matrix_marks_road_pre_arrival_as_differing() -> None:
    m = matrix(shipped_packs(), ["KZ", "AZ", "EU"], date(2026, 3, 1))
    row = next(r for r in m.rows if r.topic == "pre_arrival.road")
    assert row.cells["KZ"] is not None
    assert row.cells["KZ"].startswith("2 h")
    assert row.cells["EU"] is not None
    assert row.cells["EU"].startswith("1 h")
    assert not row.agree
    assert row.state == "differs"
    assert m.differing == sum(r.state == "differs" for r in m.rows)
    assert m.partial == sum(r.state == "some" for r in m.rows)
    assert m.differing + m.partial == sum(not r.agree for r in m.rows)


def test_a_topic_only_some_ask_for_is_not_a_difference_between_them() -> None:
    """A requirement two jurisdictions state alike and a third does not state at all is
    asked by some only; it differs only where those that ask, ask differently."""
    m = matrix(shipped_packs(), ["KZ", "GE", "TR"], date(2026, 3, 1))
    row = next(r for r in m.rows if r.topic == "certificate.phytosanitary")
    asked = {j for j, cell in row.cells.items() if cell}
    assert len({row.cells[j] for j in asked}) == 1
    assert row.state == ("same" if asked == set(row.cells) else "some")
    assert not row.agree or row.state == "same"
    for r in m.rows:
        distinct = {c for c in r.cells.values() if c}
        assert (r.state == "differs") == (len(distinct) > 1), r.topic
        if r.topic not in ("languages", "transit_systems"):  # a pack's facts, not rules
            assert set(r.detail) == {j for j, c in r.cells.items() if c}, r.topic


def test_identical_requirements_agree() -> None:
    # KZ and GE ask for the same phytosanitary certificate for the same chapters.
    m = matrix(shipped_packs(), ["KZ", "GE"], date(2026, 3, 1))
    row = next(r for r in m.rows if r.topic == "certificate.phytosanitary")
    assert row.agree


def test_rules_not_yet_in_force_are_left_out() -> None:
    early = matrix(shipped_packs(), ["GE"], date(2025, 3, 1))
    later = matrix(shipped_packs(), ["GE"], date(2025, 8, 1))
    topics = lambda m: {r.topic for r in m.rows}  # noqa: E731
    assert "documents.transit_declaration" not in topics(early)
    assert "documents.transit_declaration" in topics(later)
