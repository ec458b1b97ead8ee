"""The transit operation as a state machine, in the NCTS Phase 5 shape.

Each step is named by the NCTS message that carries it (IE015 declaration … IE045
write-off); eTIR's start / terminate / discharge of each country's leg maps onto the same
steps (start = released for transit at that office, terminate = arrival, discharge =
write-off). A step that the current state does not allow is refused with the state named.

Office-to-office messages (IE001, IE050, IE118, IE006, IE018, …) travel between national NCTS
systems over CCN/CSI: they are not steps here, and the product never produces them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from corridor.exceptions import InvalidTransition


class State(StrEnum):
    """Where a movement is."""

    SUBMITTED = "submitted"
    MRN_ALLOCATED = "mrn_allocated"
    GUARANTEE_REJECTED = "guarantee_rejected"
    UNDER_CONTROL = "under_control"
    RELEASED = "released"
    NOT_RELEASED = "not_released"
    INCIDENT = "incident"
    ARRIVED = "arrived"
    UNLOADING = "unloading"
    UNLOADED = "unloaded"
    GOODS_RELEASED = "goods_released"
    RECOVERY = "recovery"
    WRITTEN_OFF = "written_off"


# What a trader's portal shows (the NCTS portals' wording where they have one).
TRADER_STATUS = {
    State.SUBMITTED: "Declaration submitted",
    State.MRN_ALLOCATED: "MRN allocated",
    State.GUARANTEE_REJECTED: "Guarantee rejected",
    State.UNDER_CONTROL: "Goods under control",
    State.RELEASED: "Released for transit",
    State.NOT_RELEASED: "Not released for transit",
    State.INCIDENT: "Incident during transit",
    State.ARRIVED: "Arrival notified",
    State.UNLOADING: "Unloading permitted",
    State.UNLOADED: "Unloading remarks sent",
    State.GOODS_RELEASED: "Goods released",
    State.RECOVERY: "Goods being recovered",
    State.WRITTEN_OFF: "Movement ended",
}

ENDED = frozenset({State.NOT_RELEASED, State.WRITTEN_OFF})


@dataclass(frozen=True)
class Step:
    """One step: its NCTS message, who sends it, and where it may go from."""

    message: str
    title: str
    sender: str  # "trader" or "customs"
    sources: frozenset[State]
    target: State | None  # None: the movement stays where it is


def _step(message: str, title: str, sender: str, sources: set[State], target: State | None) -> Step:
    return Step(message, title, sender, frozenset(sources), target)


_S = State
STEPS: dict[str, Step] = {
    s.message: s
    for s in (
        _step("IE015", "Declaration data", "trader", set(), _S.SUBMITTED),
        _step("IE028", "MRN allocated", "customs", {_S.SUBMITTED}, _S.MRN_ALLOCATED),
        _step("IE055", "Guarantee not valid", "customs", {_S.MRN_ALLOCATED}, _S.GUARANTEE_REJECTED),
        _step(
            "IE013", "Declaration amendment", "trader", {_S.GUARANTEE_REJECTED}, _S.MRN_ALLOCATED
        ),
        _step(
            "IE060",
            "Control decision notification",
            "customs",
            {_S.MRN_ALLOCATED},
            _S.UNDER_CONTROL,
        ),
        _step(
            "IE029",
            "Release for transit",
            "customs",
            {_S.MRN_ALLOCATED, _S.UNDER_CONTROL},
            _S.RELEASED,
        ),
        _step(
            "IE051",
            "No release for transit",
            "customs",
            {_S.MRN_ALLOCATED, _S.UNDER_CONTROL, _S.GUARANTEE_REJECTED},
            _S.NOT_RELEASED,
        ),
        _step("IE180", "Incident notification", "customs", {_S.RELEASED}, _S.INCIDENT),
        _step("IE181", "Incident cleared", "customs", {_S.INCIDENT}, _S.RELEASED),
        _step("IE007", "Arrival notification", "trader", {_S.RELEASED, _S.INCIDENT}, _S.ARRIVED),
        _step("IE043", "Unloading permission", "customs", {_S.ARRIVED}, _S.UNLOADING),
        _step("IE044", "Unloading remarks", "trader", {_S.UNLOADING}, _S.UNLOADED),
        _step(
            "IE025",
            "Goods release notification",
            "customs",
            {_S.ARRIVED, _S.UNLOADED},
            _S.GOODS_RELEASED,
        ),
        _step(
            "IE019",
            "Discrepancies",
            "customs",
            {_S.ARRIVED, _S.UNLOADED, _S.GOODS_RELEASED, _S.INCIDENT},
            _S.RECOVERY,
        ),
        _step(
            "IE045",
            "Write-off notification",
            "customs",
            {_S.GOODS_RELEASED, _S.RECOVERY},
            _S.WRITTEN_OFF,
        ),
    )
}


def advance(state: State | None, message: str) -> State:
    """The state after `message`, or InvalidTransition naming the current state."""
    step = STEPS.get(message)
    if step is None:
        raise InvalidTransition(
            f"{message!r} is not a transit step; steps are {', '.join(sorted(STEPS))}"
        )
    if state is None:
        if step.sources:
            raise InvalidTransition(f"a movement starts with IE015, not {message}")
        assert step.target is not None
        return step.target
    if state not in step.sources:
        allowed = sorted(m for m, s in STEPS.items() if state in s.sources)
        raise InvalidTransition(
            f"the movement is {TRADER_STATUS[state]!r} ({state.value}); {message} "
            f"({step.title}) is not possible now"
            + (f"; possible next: {', '.join(allowed)}" if allowed else "; it has ended")
        )
    return step.target or state


def next_steps(state: State) -> list[str]:
    """The messages that may follow `state`."""
    return sorted(m for m, s in STEPS.items() if state in s.sources)
