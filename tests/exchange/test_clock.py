"""Whose clock is off: an outage's backlog never passes for a slow clock, and one peer off
is that peer's clock, not this node's."""

from __future__ import annotations

from typing import Any

from corridor.exchange.node import LocalNode


def _node() -> LocalNode:
    none: Any = None
    return LocalNode("kz", none, none, none, none, none)


def test_a_backlog_delivered_after_an_outage_is_not_a_clock_offset() -> None:
    node = _node()
    # Envelopes made during a 40-minute outage arrive together, then fresh ones.
    for age in range(2400, 0, -60):
        node.heard("az", -float(age))
    node.heard("az", -0.4)
    for age in range(1800, 0, -60):
        node.heard("ge", -float(age))
    node.heard("ge", -0.6)
    assert node.clock_warning() is None
    assert node.clock_offset() is not None
    assert abs(node.clock_offset() or 0) < 1


def test_one_peer_off_is_that_peers_clock_and_many_agreeing_is_ours() -> None:
    node = _node()
    node.heard("az", -0.5)
    node.heard("ge", -0.3)
    node.heard("tr", 600.0)  # Türkiye's node runs ten minutes fast
    warning = node.clock_warning()
    assert warning is not None
    assert "node tr's clock" in warning
    assert "this node's clock" not in warning
    ours = _node()
    for peer in ("az", "ge", "tr"):
        ours.heard(peer, 600.0)  # every peer is ten minutes ahead: this clock is slow
    warning = ours.clock_warning()
    assert warning is not None
    assert "this node's clock runs about 600 s behind" in warning
