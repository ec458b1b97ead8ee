"""Messages a person reads when an input is refused, by code: each code's English sentence
with named parameters (`{name}`). The API sends the English sentence with its code and
parameters; a page shows the sentence in the reader's language (the catalogue translates
the English, then the parameters are filled in). Babel extracts the sentences from here."""

# ruff: noqa: E501 (each message on one line, as the catalogues hold it)
from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


MESSAGES: dict[str, str] = {
    "hs_code": N_("HS code must be 6 digits (a subheading), e.g. '720241' for ferro-chromium; got {value}"),
    "hs_chapter": N_("HS chapter {chapter} does not exist; chapters run 01-97 (77 is reserved), e.g. '720241'"),
    "country": N_("{value} is not an ISO 3166-1 alpha-2 country code; use two letters such as 'KZ', 'AZ', 'GE', 'TR' or 'RO'"),
    "currency": N_("{value} is not an ISO 4217 currency code; use three letters such as 'USD', 'EUR', 'KZT' or 'CNY'"),
    "container_number": N_("{value} is not a valid ISO 6346 container number; it is 4 letters (owner code + U, J or Z), 6 digits and a check digit, e.g. 'CSQU3054383'"),
    "container_check_digit": N_("{value} is not a valid ISO 6346 container number (its check digit should be {digit}); it is 4 letters (owner code + U, J or Z), 6 digits and a check digit, e.g. 'CSQU3054383'"),
    "wagon_number": N_("{value} is not a valid wagon number; use the 8-digit 1520 mm number or the 12-digit UIC number, ending in its check digit, e.g. '52345675' or '318052345671'"),
    "tax_id_shape": N_("tax id {value} must be 5-20 letters, digits or dashes"),
    "tax_id": N_("{value} is not a valid tax id for {country} ({reason})"),
    "planning_date": N_("{value} is outside the dates the corridor plans with ({earliest} to {latest}); give the real date, e.g. '2026-03-02'"),
    "net_above_gross": N_("the net mass ({net} kg) cannot exceed the gross mass ({gross} kg); net mass is the goods without packaging"),
    "no_equipment": N_("a shipment needs at least one container (its ISO 6346 number, e.g. 'CSQU3054383') or rail wagon"),
    "equipment_twice": N_("equipment listed twice: {numbers}"),
    "same_parties": N_("consignor and consignee must be different organisations"),
    "goods_overweight": N_("the goods ({goods} kg gross) and the containers' tare ({tare} kg) come to {total} kg, {over} kg more than the {boxes} container(s) may gross ({limit} kg; ISO 668 unless a box's CSC plate is given as its max_gross_kg): add a container, split the shipment, or give each box's tare_kg and max_gross_kg from its markings"),
}  # fmt: skip


def refusal(code: str, **params: Any) -> PydanticCustomError:
    """The validation error of `code` with its parameters (raise it in a validator)."""
    return PydanticCustomError(code, MESSAGES[code], params)


def fill(template: str, params: dict[str, Any]) -> str:
    """A message with its parameters in place of their `{name}`s (as pydantic fills them)."""
    for name, value in params.items():
        template = template.replace("{" + name + "}", str(value))
    return template
