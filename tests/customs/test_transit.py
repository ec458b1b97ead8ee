"""The transit state machine: NCTS P5 steps, and refusals that name the current state."""

from __future__ import annotations

import pytest

from corridor.customs.transit import TRADER_STATUS, State, advance, next_steps
from corridor.exceptions import InvalidTransition


def test_a_movement_from_declaration_to_write_off() -> None:
    state = None
    path = [
        "IE015",
        "IE028",
        "IE060",
        "IE029",
        "IE007",
        "IE043",
        "IE044",
        "IE025",
        "IE045",
    ]
    seen = []
    for message in path:
        state = advance(state, message)
        seen.append(TRADER_STATUS[state])
    assert seen[1] == "MRN allocated"
    assert seen[2] == "Goods under control"
    assert seen[3] == "Released for transit"
    assert seen[-1] == "Movement ended"
    assert next_steps(State.WRITTEN_OFF) == []


def test_office_to_office_messages_are_not_steps() -> None:
    # IE001, IE050, IE118, IE006, IE018 pass between national NCTS offices, not through us.
    for message in ("IE001", "IE050", "IE118", "IE006", "IE018"):
        with pytest.raises(InvalidTransition, match="not a transit step"):
            advance(State.RELEASED, message)


def test_a_bad_guarantee_then_an_amendment_or_no_release() -> None:
    assert advance(State.MRN_ALLOCATED, "IE055") is State.GUARANTEE_REJECTED
    assert advance(State.GUARANTEE_REJECTED, "IE013") is State.MRN_ALLOCATED
    assert advance(State.GUARANTEE_REJECTED, "IE051") is State.NOT_RELEASED


def test_an_invalid_step_is_refused_naming_the_state_and_what_may_follow() -> None:
    with pytest.raises(InvalidTransition) as caught:
        advance(State.GUARANTEE_REJECTED, "IE029")
    assert "Guarantee rejected" in caught.value.detail
    assert "IE013" in caught.value.detail
    assert "IE051" in caught.value.detail
    with pytest.raises(InvalidTransition, match="it has ended"):
        advance(State.WRITTEN_OFF, "IE025")
    with pytest.raises(InvalidTransition, match="starts with IE015"):
        advance(None, "IE029")
    with pytest.raises(InvalidTransition, match="not a transit step"):
        advance(State.RELEASED, "IE999")


def test_discrepancies_lead_to_recovery_and_then_write_off() -> None:
    assert advance(State.GOODS_RELEASED, "IE019") is State.RECOVERY
    assert TRADER_STATUS[State.RECOVERY] == "Goods being recovered"
    assert advance(State.RECOVERY, "IE045") is State.WRITTEN_OFF
