"""The values of an EPCIS query's parameters, and how an event's values compare with them:
a list (repeated, or separated by `|`), one value, a time with its zone, a number; a
vocabulary word bare or as its Web URI; a GS1 key in either form, or an EPC pattern."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from corridor.exceptions import QueryParameterInvalid
from corridor.tracking import digital_link

COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    "EQ": lambda a, b: a == b,
    "GT": lambda a, b: a > b,
    "GE": lambda a, b: a >= b,
    "LT": lambda a, b: a < b,
    "LE": lambda a, b: a <= b,
}


def values(name: str, raw: Sequence[str]) -> list[str]:
    """A list parameter's values: repeated, or separated by `|` as the binding writes them."""
    found = [v for text in raw for v in text.split("|") if v]
    if not found:
        raise QueryParameterInvalid(f"{name} has no value; give one or more, separated by '|'")
    return found


def one(name: str, raw: Sequence[str]) -> str:
    found = values(name, raw)
    if len(found) != 1:
        raise QueryParameterInvalid(f"{name} takes one value, not {len(found)}")
    return found[0]


def time(name: str, raw: Sequence[str]) -> datetime:
    text = one(name, raw)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise QueryParameterInvalid(
            f"{name} is a time with its zone, e.g. 2026-12-01T00:00:00Z, not {text!r}"
        )
    return moment


def number(name: str, raw: Sequence[str]) -> float:
    text = one(name, raw)
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise QueryParameterInvalid(f"{name} is a number, not {text!r}")
    return number


def integer(name: str, raw: Sequence[str]) -> int:
    text = one(name, raw)
    if not text.isdigit() or int(text) < 1:
        raise QueryParameterInvalid(f"{name} is a whole number of at least 1, not {text!r}")
    return int(text)


def as_time(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def word(value: Any, prefix: str) -> str:
    """A vocabulary value as its Web URI (a bare word under `prefix`)."""
    text = str(value)
    return prefix + text if prefix and ":" not in text else text


def key(value: Any) -> str:
    """An identifier as it compares: GS1 keys in their Digital Link form."""
    return digital_link.normalise(str(value))


_PATTERN_PART = re.compile(r"^urn:epc:idpat:([a-z]+):(.*)$")


def instance_test(wanted: list[str]) -> Callable[[str], bool]:
    """Whether an identifier is one of `wanted`: equal in either GS1 form, or within an EPC
    pattern (`urn:epc:idpat:sgtin:4012345.011111.*`)."""
    exact = {key(w) for w in wanted} | set(wanted)
    patterns = []
    for w in wanted:
        found = _PATTERN_PART.match(w)
        if found:
            fixed = [p for p in found[2].split(".") if p != "*"]
            patterns.append((f"urn:epc:id:{found[1]}:", fixed, key(w)))

    def test(value: str) -> bool:
        if value in exact or key(value) in exact:
            return True
        for scheme, fixed, as_link in patterns:
            if value.startswith(scheme) and value[len(scheme) :].split(".")[: len(fixed)] == fixed:
                return True
            if key(value).startswith(as_link + "/"):
                return True
        return False

    return test


def class_test(wanted: list[str]) -> Callable[[str], bool]:
    """Whether a class (a GTIN, a GTIN and lot) is one of `wanted`, or within one of the
    patterns: a pattern of a GTIN covers its lots."""
    exact = {key(w) for w in wanted} | set(wanted)
    prefixes = [key(w) + "/" for w in wanted if w.startswith("urn:epc:idpat:")]

    def test(value: str) -> bool:
        as_link = key(value)
        return value in exact or as_link in exact or any(as_link.startswith(p) for p in prefixes)

    return test


def same_number(value: Any, wanted: list[Any]) -> bool:
    number = as_number(value)
    return number is not None and any(as_number(w) == number for w in wanted)


def ordered(op: str, value: Any, bound: str) -> bool:
    """GT/GE/LT/LE on numbers, or on times when both are times."""
    a, b = as_number(value), as_number(bound)
    if a is not None and b is not None:
        return COMPARE[op](a, b)
    ta, tb = as_time(value), as_time(bound)
    return ta is not None and tb is not None and COMPARE[op](ta, tb)
