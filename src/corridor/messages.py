"""Messages a person reads when an input is refused, by code: each code's English sentence
with named parameters (`{name}`). The API sends the English sentence with its code and
parameters; a page shows the sentence in the reader's language (the catalogue translates
the English, then the parameters are filled in). Babel extracts the sentences from here."""

# ruff: noqa: E501 (each message on one line, as the catalogues hold it)
from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError

from corridor.exceptions import FieldError, InvalidInput


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
    "event_ahead": N_("the hand-over's time {at} is after the time it is recorded ({now}); record a hand-over when it has happened"),
    "event_before_shipment": N_("the hand-over's time {at} is more than {days} days before the shipment was entered ({created}); check the date"),
    "events_out_of_time": N_("{count} hand-overs are out of time; nothing was recorded: {first}"),
    "vessel_inland": N_("a vessel ({vessel}) is loaded or unloaded at a seaport, and {place} is not one: name the wagon (a GIAI) instead, or the port where the vessel is"),
    "carrier_off_route": N_("{org} works at {places}, which the route does not pass: route the shipment through one of them, or choose another carrier"),
    "event_out_of_order": N_("the hand-over at {place} at {at} is out of order along the route: the goods were at {other} at {other_at}; check the place and the time"),
    "events_out_of_order": N_("{count} hand-overs are out of order along the route; nothing was recorded: {first}"),
    "evidence_not_provider": N_("{kind} attached by {by} ({role}); the {providers} provides it"),
    "evidence_unverified": N_("{kind} attached by {by}, not verified here"),
    "guarantee_unreadable": N_("{kind} attached by {by}: {why}"),
    "guarantee_unchecked": N_("{kind} {grn} attached by {by}, not checked: no signed transit declaration names its guarantee yet"),
    "guarantee_other_grn": N_("{kind} attached by {by} is not the declared one: it is {grn}; the transit declaration names {declared}"),
    "guarantee_other_currency": N_("{kind} attached by {by} is not the declared one: it is in {currency}; the transit declaration covers in {declared}"),
    "guarantee_short": N_("{kind} attached by {by} is not the declared one: it covers {amount} {currency}; the transit declaration needs {needed} covered"),
    "guarantee_expires": N_("{kind} attached by {by} is not the declared one: it is valid until {until}; the goods arrive after that ({arrives})"),
}  # fmt: skip


def field_error(field: str, code: str, **params: Any) -> FieldError:
    """A field's problem in English, with its code and parameters."""
    said = {k: str(v) for k, v in params.items()}
    return FieldError(field, fill(MESSAGES[code], said), (code, said))


def refused(code: str, errors: list[FieldError] | None = None, **params: Any) -> InvalidInput:
    """An input refused with the message of `code` (raise it)."""
    said = {k: str(v) for k, v in params.items()}
    return InvalidInput(fill(MESSAGES[code], said), errors, said=(code, said))


def refusal(code: str, **params: Any) -> PydanticCustomError:
    """The validation error of `code` with its parameters (raise it in a validator)."""
    return PydanticCustomError(code, MESSAGES[code], params)


def fill(template: str, params: dict[str, Any]) -> str:
    """A message with its parameters in place of their `{name}`s (as pydantic fills them)."""
    for name, value in params.items():
        template = template.replace("{" + name + "}", str(value))
    return template
