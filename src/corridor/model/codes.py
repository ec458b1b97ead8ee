"""Validated code types: HS codes, ISO 3166 countries, ISO 4217 currencies, ISO 6346
container numbers, railway wagon numbers and national tax ids.

Each error message names what is wrong and shows what a valid value looks like; pydantic
adds the field path.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from stdnum import iso6346, luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module

from corridor.messages import N_, refusal

_HS6 = re.compile(r"^\d{6}$")
# Chapter 77 is reserved in the Harmonized System; chapters run 01 to 97.
_HS_CHAPTERS = frozenset(range(1, 98)) - {77}


def _strip_upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def check_hs_code(value: str) -> str:
    """Accept a 6-digit HS subheading, with or without dots (7202.41 -> 720241)."""
    code = value.replace(".", "").replace(" ", "")
    if not _HS6.match(code):
        raise refusal("hs_code", value=repr(value))
    if int(code[:2]) not in _HS_CHAPTERS:
        raise refusal("hs_chapter", chapter=code[:2])
    return code


def check_country(value: str) -> str:
    """Accept an ISO 3166-1 alpha-2 country code."""
    if not (len(value) == 2 and pycountry.countries.get(alpha_2=value)):
        raise refusal("country", value=repr(value))
    return value


def check_currency(value: str) -> str:
    """Accept an ISO 4217 alphabetic currency code."""
    if not (len(value) == 3 and pycountry.currencies.get(alpha_3=value)):
        raise refusal("currency", value=repr(value))
    return value


def check_container(value: str) -> str:
    """Accept an ISO 6346 container number whose check digit is right."""
    compact = iso6346.compact(value)
    try:
        return str(iso6346.validate(compact))
    except StdnumError:
        if re.fullmatch(r"[A-Z]{3}[UJZR]\d{7}", compact):
            digit = iso6346.calc_check_digit(compact[:10])
            raise refusal("container_check_digit", value=repr(value), digit=digit) from None
        raise refusal("container_number", value=repr(value)) from None


def check_wagon(value: str) -> str:
    """Accept a railway wagon number: 8 digits (1520 mm network) or 12 digits (UIC),
    both ending in a Luhn check digit."""
    digits = re.sub(r"[\s-]", "", value)
    if not (re.fullmatch(r"\d{8}|\d{12}", digits) and luhn.is_valid(digits)):
        raise refusal("wagon_number", value=repr(value))
    return digits


def check_tax_id(country: str, value: str) -> str:
    """Validate a national tax id where python-stdnum knows the country's scheme."""
    module = get_cc_module(country.lower(), "vat")
    if module is None:
        if not re.fullmatch(r"[0-9A-Za-z-]{5,20}", value):
            raise refusal("tax_id_shape", value=repr(value))
        return value
    try:
        return str(module.validate(value))
    except StdnumError as exc:
        raise refusal("tax_id", value=repr(value), country=country, reason=str(exc)) from None


# Dates the corridor plans with: rule packs and the network describe this century, and a date
# outside it is a typo (or an attempt to overflow date arithmetic), never a real departure.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def check_planning_date(value: date) -> date:
    """Accept a date between 2000-01-01 and 2099-12-31."""
    if not EARLIEST <= value <= LATEST:
        raise refusal(
            "planning_date",
            value=value.isoformat(),
            earliest=EARLIEST.isoformat(),
            latest=LATEST.isoformat(),
        )
    return value


# What the published JSON Schema (OpenAPI) says of each code: as exact as a schema can be.
# Check digits cannot be written as a pattern: those types name a format
# (`iso6346`, `wagon-number`) beside the pattern, for clients that know it.
# An organisation id (its pattern), and the mark of a network node id: the node's OpenAPI
# document lists its network's node ids there.
ORG_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
ORG_ID: dict[str, Any] = {"pattern": ORG_ID_PATTERN}
NODE_ID: dict[str, Any] = {"x-corridor-node": True}
HS_CODE_PATTERN = r"^(0[1-9]|[1-6][0-9]|7[0-68-9]|8[0-9]|9[0-7])[0-9]{4}$"
COUNTRIES = sorted(c.alpha_2 for c in pycountry.countries)
CURRENCIES = sorted(c.alpha_3 for c in pycountry.currencies)
_DATE_SCHEMA = {
    "type": "string",
    "format": "date",
    "description": f"A date from {EARLIEST.isoformat()} to {LATEST.isoformat()}",
    "examples": ["2026-03-02"],
}


def _code(check: Any, *, upper: bool = True, **schema: Any) -> Any:
    """A string code type: normalised (stripped, upper case), checked by `check`, and
    published as a string with `schema` (pattern or enum, format, description, example)."""
    steps = [BeforeValidator(_strip_upper)] if upper else []
    return Annotated[
        str, *steps, AfterValidator(check), WithJsonSchema({"type": "string", **schema})
    ]


PlanningDate = Annotated[date, AfterValidator(check_planning_date), WithJsonSchema(_DATE_SCHEMA)]
HSCode = _code(
    check_hs_code,
    pattern=HS_CODE_PATTERN,
    description=N_("6-digit HS subheading (chapters 01-97, 77 reserved)"),
    examples=["720241"],
)
CountryCode = _code(check_country, enum=COUNTRIES, description="ISO 3166-1 alpha-2")
CurrencyCode = _code(check_currency, enum=CURRENCIES, description="ISO 4217 alphabetic")
ContainerNumber = _code(
    check_container,
    format="iso6346",
    pattern=r"^[A-Z]{3}[UJZ][0-9]{7}$",
    description=N_("ISO 6346 container number with its check digit"),
    examples=["CSQU3054383"],
)
WagonNumber = _code(
    check_wagon,
    upper=False,
    format="wagon-number",
    pattern=r"^([0-9]{8}|[0-9]{12})$",
    description=N_("1520 mm (8 digits) or UIC (12 digits) wagon number, Luhn check digit"),
    examples=["52345675"],
)
