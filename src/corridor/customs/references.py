"""Movement and guarantee reference numbers in the NCTS Phase 5 shapes.

Shapes from the official schema (`stypes.xsd`, `MRNType` and `GRNType`):

- MRN, an18: two-digit year, ISO country of the office of departure, 12 alphanumerics, a
  procedure letter J-M, and a check character;
- GRN, an..24: two-digit year, country, 12 alphanumerics, a check character, and an optional
  letter + 6 digits.

The check character follows the Commission's "check character algorithm for the MRN and
GRN" (DG XXI/0879/99 Rev.1, 1999), which is the ISO 6346 algorithm over the characters
before it: each character's ISO 6346 value times 2**position, summed, modulo 11, and a
remainder of 10 written as 0. python-stdnum's ISO 6346 module computes exactly that.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import string

from stdnum import iso6346

from corridor.exceptions import InvalidInput

# What the letter before the check character says (DDNTA for NCTS-P5). A declaration here is
# a transit declaration alone; the combined ones are listed for reading foreign MRNs.
PROCEDURE_LETTERS = {
    "J": "transit declaration only",
    "K": "transit declaration with exit summary declaration",
    "L": "transit declaration with entry summary declaration",
    "M": "transit declaration with exit and entry summary declarations",
}
_MRN = re.compile(r"^([2][4-9]|[3-9][0-9])[A-Z]{2}[A-Z0-9]{12}[J-M][0-9]$")
_GRN = re.compile(r"^[0-9]{2}[A-Z]{2}[A-Z0-9]{12}[0-9]([A-Z][0-9]{6})?$")
_BASE36 = string.digits + string.ascii_uppercase


def check_character(body: str) -> str:
    """The MRN/GRN check character of the characters before it."""
    return str(iso6346.calc_check_digit(body))


def _serial(secret: bytes, counter: str) -> str:
    # Twelve characters that a trader cannot predict from the previous MRN (the serial is a
    # keyed hash of the node's counter), yet unique per counter for the node.
    n = int.from_bytes(hmac.new(secret, counter.encode(), hashlib.sha256).digest()[:10], "big")
    out = []
    for _ in range(12):
        n, r = divmod(n, 36)
        out.append(_BASE36[r])
    return "".join(out)


def new_mrn(year: int, country: str, secret: bytes, counter: str, letter: str = "J") -> str:
    """A Phase 5 MRN for a movement of `year` declared in `country`."""
    if letter not in PROCEDURE_LETTERS:
        raise InvalidInput(f"procedure letter {letter!r} is not one of J, K, L, M")
    body = f"{year % 100:02d}{country.upper()}{_serial(secret, counter)}{letter}"
    return body + check_character(body)


def new_grn(year: int, country: str, secret: bytes, counter: str) -> str:
    """A guarantee reference number registered in `country`."""
    body = f"{year % 100:02d}{country.upper()}{_serial(secret, 'grn:' + counter)}"
    return body + check_character(body)


def check_mrn(mrn: str) -> str:
    """The MRN, upper-cased, or InvalidInput saying what is wrong with it."""
    value = mrn.strip().upper()
    if not _MRN.match(value):
        raise InvalidInput(
            f"{mrn!r} is not an NCTS Phase 5 MRN: 18 characters, year (24-99), country, "
            "12 letters or digits, a procedure letter J-M and a check digit"
        )
    if check_character(value[:-1]) != value[-1]:
        raise InvalidInput(
            f"the check digit of MRN {value} is wrong (expected {check_character(value[:-1])}); "
            "the number was mistyped"
        )
    return value


def check_grn(grn: str) -> str:
    """The GRN, upper-cased, or InvalidInput saying what is wrong with it."""
    value = grn.strip().upper()
    if not _GRN.match(value):
        raise InvalidInput(
            f"{grn!r} is not a guarantee reference number: year, country, 12 letters or "
            "digits, a check digit, and optionally a letter and 6 digits"
        )
    if check_character(value[:16]) != value[16]:
        raise InvalidInput(
            f"the check digit of GRN {value} is wrong (expected {check_character(value[:16])}); "
            "the number was mistyped"
        )
    return value
