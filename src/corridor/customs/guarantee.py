"""A transit guarantee as its holder attaches it, checked against the guarantee the shipment's
transit declaration claims: the same reference (a GRN with a right check character), the
same currency, at least the amount to be covered, valid until the goods can have arrived.

What this cannot see is the office of guarantee's own record (its Guarantee Management
System): the office of departure checks that when the declaration is lodged, and a guarantee
it does not know is refused there ("guarantee not valid", IE055) [transit-regimes §3.2].
Before departure, the corridor checks that the guarantee attached is the one declared and
covers what the declaration says it must.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from corridor.customs.references import check_grn
from corridor.exceptions import InvalidInput

__all__ = ["Guarantee", "problem", "read"]


class Guarantee(BaseModel):
    """The guarantee's own terms, as its holder states them on the attached file."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    grn: str = Field(description="Guarantee reference number (GRN)")
    amount: Decimal = Field(gt=0, description="The amount the guarantee covers")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    valid_until: date = Field(description="The last day the guarantee may be used")
    guarantor: str = Field(min_length=1, max_length=200)

    @field_validator("grn")
    @classmethod
    def _grn(cls, value: str) -> str:
        try:
            return check_grn(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from exc


def read(content: bytes) -> Guarantee | str:
    """The guarantee a file states, or what is wrong with it (in words)."""
    try:
        return Guarantee.model_validate(json.loads(content))
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the file"
            return f"{where}: {first['msg']}"
        return (
            "not a guarantee's terms (a JSON object with grn, amount, currency, valid_until "
            "and guarantor)"
        )


def problem(
    guarantee: Guarantee, declared: dict[str, Any], needed_until: date
) -> tuple[str, dict[str, str]] | None:
    """Why `guarantee` is not the one the transit declaration's fields `declared` claim, or
    does not last until `needed_until`, as a message code and its parameters
    (`corridor.messages`); None when it is."""
    reference = declared.get("guarantee_reference")
    if reference != guarantee.grn:
        return "guarantee_other_grn", {"grn": guarantee.grn, "declared": str(reference)}
    currency = declared.get("guarantee_currency")
    if currency != guarantee.currency:
        return "guarantee_other_currency", {
            "currency": guarantee.currency,
            "declared": str(currency),
        }
    needed = Decimal(str(declared.get("amount_to_be_covered", "0")))
    if guarantee.amount < needed:
        return "guarantee_short", {
            "amount": str(guarantee.amount),
            "currency": guarantee.currency,
            "needed": str(needed),
        }
    if guarantee.valid_until < needed_until:
        return "guarantee_expires", {
            "until": guarantee.valid_until.isoformat(),
            "arrives": needed_until.isoformat(),
        }
    return None
