"""When a rule applies to a shipment beyond its goods and mode (its equipment, weight, value,
origins), and whether a field the rule asks for is filled in."""

from __future__ import annotations

from decimal import Decimal

from corridor.model import ShipmentDraft
from corridor.rules.schema import Rule

__all__ = ["conditions_hold", "field_present"]


def conditions_hold(rule: Rule, draft: ShipmentDraft) -> bool:
    w = rule.when
    if w.equipment == "container" and not draft.containers:
        return False
    if w.equipment == "wagon" and not draft.wagons:
        return False
    if w.gross_kg_over is not None and sum(g.gross_kg for g in draft.goods) <= Decimal(
        str(w.gross_kg_over)
    ):
        return False
    if w.value_over is not None:
        same = [g.value.amount for g in draft.goods if g.value.currency == w.value_over.currency]
        # Values in other currencies cannot be compared without a rate; the rule then
        # applies, so the shipper is asked rather than waved through.
        if len(same) == len(draft.goods) and sum(same) <= Decimal(str(w.value_over.amount)):
            return False
    return not (w.origin_not_in and all(g.origin_country in w.origin_not_in for g in draft.goods))


def field_present(draft: ShipmentDraft, path: str) -> bool:
    if path.endswith("[].seal"):
        items = draft.containers if path.startswith("containers") else draft.wagons
        return all(i.seal for i in items)
    if path.startswith("goods[]."):
        name = path.removeprefix("goods[].")
        return all(getattr(g, name) for g in draft.goods)
    return bool(getattr(draft, path))
