"""GS1 keys written as EPC URIs (GS1 EPC Tag Data Standard 2.0), turned into the canonical
GS1 Digital Link URI the CBV 2.0 event hash writes them as (GS1 CBV 2.0 §8.9.4; GS1 Digital
Link 1.2): the same key in either form hashes alike, so an event captured twice in the two
forms is stored once.

Covered: SGTIN, SSCC, SGLN, GRAI, GIAI, GSRN, GSRN-P and GDTI. Anything else is left as
written. Tests hold every scheme against GS1's reference hash generator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from stdnum import ean

__all__ = ["normalise"]

DL = "https://id.gs1.org/"
# A GS1 company prefix and the reference after it (digits), then an optional part.
_KEY = re.compile(r"^urn:epc:id:([a-z]+):(\d{6,12})\.(\d*)(?:\.(.+))?$")
# A serial or extension: percent-escapes or the characters GS1 AI 82 allows.
_PART = re.compile(r"^(?:%[0-9A-Fa-f]{2}|[!'()*+,.0-9:;=A-Za-z_-])+$")
# What the Digital Link writes percent-encoded in a path segment (GS1 DL 1.2 Table 7-1; the
# rest is already escaped in an EPC URI).
_ESCAPES = str.maketrans(
    {"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"}
)


def _check(digits: str) -> str:
    return ean.calc_check_digit(digits)


def _escaped(part: str) -> str:
    return part.translate(_ESCAPES)


def _sgtin(prefix: str, ref: str, serial: str | None) -> str | None:
    if len(prefix + ref) != 13 or not serial or len(serial) > 20:
        return None
    gtin = ref[0] + prefix + ref[1:]
    return f"{DL}01/{gtin}{_check(gtin)}/21/{_escaped(serial)}"


def _sscc(prefix: str, ref: str, rest: str | None) -> str | None:
    if len(prefix + ref) != 17 or rest is not None:
        return None
    sscc = ref[0] + prefix + ref[1:]
    return f"{DL}00/{sscc}{_check(sscc)}"


def _sgln(prefix: str, ref: str, extension: str | None) -> str | None:
    if len(prefix + ref) != 12 or not extension or len(extension) > 20:
        return None
    gln = prefix + ref
    tail = "" if extension == "0" else f"/254/{_escaped(extension)}"
    return f"{DL}414/{gln}{_check(gln)}{tail}"


def _grai(prefix: str, ref: str, serial: str | None) -> str | None:
    if len(prefix + ref) != 12 or not serial or len(serial) > 16:
        return None
    grai = "0" + prefix + ref
    return f"{DL}8003/{grai}{_check(grai)}{_escaped(serial)}"


def _service(ai: str) -> Callable[[str, str, str | None], str | None]:
    def convert(prefix: str, ref: str, rest: str | None) -> str | None:
        if len(prefix + ref) != 17 or rest is not None:
            return None
        return f"{DL}{ai}/{prefix}{ref}{_check(prefix + ref)}"

    return convert


def _gdti(prefix: str, ref: str, serial: str | None) -> str | None:
    if len(prefix + ref) != 12 or not serial or len(serial) > 17:
        return None
    gdti = prefix + ref
    return f"{DL}253/{gdti}{_check(gdti)}{_escaped(serial)}"


_SCHEMES: dict[str, Callable[[str, str, str | None], str | None]] = {
    "sgtin": _sgtin,
    "sscc": _sscc,
    "sgln": _sgln,
    "grai": _grai,
    "gsrn": _service("8018"),
    "gsrnp": _service("8017"),
    "gdti": _gdti,
}


@lru_cache(maxsize=1 << 16)
def normalise(uri: str) -> str:
    """A GS1 key as the event hash writes it: its canonical Digital Link URI, or the text
    as given when it is not an EPC URI of a GS1 key covered here. (The same containers,
    wagons and vessels come back event after event: each is worked out once.)"""
    if not uri.startswith("urn:epc:id:"):
        return uri
    scheme = uri[11 : uri.find(":", 11)]
    if scheme not in _SCHEMES and scheme != "giai":
        return uri  # a container (bic), a vessel (imovn), …: no Digital Link form here
    if scheme == "giai":
        found = re.match(r"^urn:epc:id:giai:(\d{6,12})\.(.+)$", uri)
        ok = found and len(found[1] + found[2]) <= 30 and _PART.match(found[2])
        return f"{DL}8004/{found[1]}{_escaped(found[2])}" if ok and found else uri
    found = _KEY.match(uri)
    if not found or (found[4] is not None and not _PART.match(found[4])):
        return uri
    convert = _SCHEMES.get(found[1])
    converted = convert(found[2], found[3], found[4]) if convert else None
    return converted or uri
