"""GS1 keys written as EPC URIs (GS1 EPC Tag Data Standard 2.0), turned into the canonical
GS1 Digital Link URI the CBV 2.0 event hash writes them as (GS1 CBV 2.0 §8.9.4; GS1 Digital
Link 1.2): the same key in either form hashes alike, so an event captured twice in the two
forms is stored once.

Covered: every GS1 key with an EPC scheme (SGTIN, SSCC, SGLN, GRAI, GIAI, GSRN, GSRN-P, GDTI,
SGCN, GINC, GSIN, ITIP, UPUI, PGLN, CPI), LGTIN classes, EPC patterns of a whole key, and
Digital Link URIs in any domain or with short names. Anything else is left as
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


def _gtin(prefix: str, ref: str) -> str | None:
    if len(prefix + ref) != 13:
        return None
    gtin = ref[0] + prefix + ref[1:]
    return gtin + _check(gtin)


def _digits(length: int, ai: str, lead: str = "") -> Callable[[str, str, str | None], str | None]:
    """A key of `length` digits before its check digit (a GLN, a GSIN, …), no serial."""

    def convert(prefix: str, ref: str, rest: str | None) -> str | None:
        if len(prefix + ref) != length or rest is not None:
            return None
        key = lead + prefix + ref
        return f"{DL}{ai}/{key}{_check(key)}"

    return convert


def _sgcn(prefix: str, ref: str, serial: str | None) -> str | None:
    if len(prefix + ref) != 12 or not serial or not serial.isdigit() or len(serial) > 12:
        return None
    key = prefix + ref
    return f"{DL}255/{key}{_check(key)}{serial}"


def _upui(prefix: str, ref: str, serial: str | None) -> str | None:
    gtin = _gtin(prefix, ref)
    if not gtin or not serial or len(serial) > 28:
        return None
    return f"{DL}01/{gtin}/235/{_escaped(serial)}"


def _itip(prefix: str, ref: str, rest: str | None) -> str | None:
    found = re.fullmatch(r"(\d{2})\.(\d{2})\.(.{1,20})", rest or "")
    gtin = _gtin(prefix, ref)
    if not gtin or not found:
        return None
    return f"{DL}8006/{gtin}{found[1]}{found[2]}/21/{_escaped(found[3])}"


_SCHEMES: dict[str, Callable[[str, str, str | None], str | None]] = {
    "sgtin": _sgtin,
    "sscc": _sscc,
    "sgln": _sgln,
    "grai": _grai,
    "gsrn": _service("8018"),
    "gsrnp": _service("8017"),
    "gdti": _gdti,
    "sgcn": _sgcn,
    "gsin": _digits(16, "402"),
    "pgln": _digits(12, "417"),
    "upui": _upui,
    "itip": _itip,
}
# A key whose reference is letters and digits as well: the key as written, escaped.
_ALPHANUMERIC = re.compile(r"^urn:epc:id:(giai|ginc):(\d{6,12})\.(.+)$")
_CPI = re.compile(r"^urn:epc:id(pat)?:cpi:(\d{6,12})\.([0-9A-Z%-]+)\.(\d{1,12}|\*)$")
# A class of trade items (a GTIN and its lot) and the patterns that stand for a whole key.
_LGTIN = re.compile(r"^urn:epc:class:lgtin:(\d{6,12})\.(\d+)\.(.{1,20})$")
_PATTERN = re.compile(r"^urn:epc:idpat:(sgtin|grai|gdti|sgcn|upui|itip):(\d{6,12})\.(\d+)\.(.*)\*$")


def _pattern(scheme: str, prefix: str, ref: str, middle: str) -> str | None:
    if scheme in ("sgtin", "upui") and not middle:
        gtin = _gtin(prefix, ref)
        return f"{DL}01/{gtin}" if gtin else None
    if scheme == "itip":
        found = re.fullmatch(r"(\d{2})\.(\d{2})\.", middle)
        gtin = _gtin(prefix, ref)
        return f"{DL}8006/{gtin}{found[1]}{found[2]}" if gtin and found else None
    if middle or len(prefix + ref) != 12:
        return None
    key = ("0" if scheme == "grai" else "") + prefix + ref
    ai = {"grai": "8003", "gdti": "253", "sgcn": "255"}[scheme]
    return f"{DL}{ai}/{key}{_check(key)}"


# GS1 Digital Link: the short names of keys and qualifiers, and the primary keys.
_SHORT_NAMES = {
    "gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417",
    "gsrnp": "8017", "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253",
    "ginc": "401", "gsin": "402", "grai": "8003", "giai": "8004", "cpv": "22", "lot": "10",
    "ser": "21",
}  # fmt: skip
_PRIMARY = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006",
            "8010", "8017", "8018")  # fmt: skip
_DL_URI = re.compile(
    r"^https?://[^/?#]+(?:/[^?#]*)?/(?:" + "|".join(_PRIMARY + tuple(_SHORT_NAMES)) + r")/\d{4}"
)
_X = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_CANONICAL = re.compile(
    "|".join(
        rf"(?:{p})"
        for p in (
            r"00/\d{18}",
            rf"01/\d{{14}}(?:/21/{_X}{{0,20}}|/10/{_X}{{0,20}}|/235/{_X}{{0,28}})?",
            rf"253/\d{{13}}{_X}{{0,17}}",
            r"255/\d{13}\d{0,12}",
            rf"401/{_X}{{0,30}}",
            r"402/\d{17}",
            rf"414/\d{{13}}(?:/254/{_X}{{0,20}})?",
            r"417/\d{13}",
            rf"8003/\d{{14}}{_X}{{0,16}}",
            rf"8004/{_X}{{0,30}}",
            rf"8006/\d{{18}}(?:/21/{_X}{{0,20}}|/10/{_X}{{0,20}})?",
            r"8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}(?:/8011/\d{0,12})?",
            r"8017/\d{18}",
            r"8018/\d{18}",
        )
    )
)


def _digital_link(uri: str) -> str:
    """A GS1 Digital Link URI in its canonical form: GS1's domain, numeric application
    identifiers, a GTIN of 14 digits, no query, no consumer product variant, and only the
    finest level of identification (a serial, not the lot it belongs to)."""
    path = uri.split("?", 1)[0].split("#", 1)[0]
    for name, ai in _SHORT_NAMES.items():
        path = path.replace(f"/{name}/", f"/{ai}/")
    starts = [i for i in (path.find(f"/{ai}/") for ai in _PRIMARY) if i >= 0]
    if not starts:
        return uri
    key = path[min(starts) + 1 :].rstrip("/")
    if key.startswith("01/"):
        gtin = key[3:].split("/", 1)[0]
        if gtin.isdigit() and len(gtin) in (8, 12, 13):
            key = "01/" + gtin.zfill(14) + key[3 + len(gtin) :]
    key = re.sub(r"^((?:01|8006)/\d+)/22/[^/]*", r"\1", key)
    key = re.sub(r"^((?:01|8006)/\d+)/10/[^/]*(/21/)", r"\1\2", key)
    return DL + key if _CANONICAL.fullmatch(key) else uri


@lru_cache(maxsize=1 << 16)
def normalise(uri: str) -> str:
    """A GS1 key as the event hash writes it: its canonical Digital Link URI, or the text
    as given when it is no GS1 key. EPC URIs, EPC class and pattern URIs and Digital Link
    URIs in any domain are covered. (The same containers, wagons and vessels come back
    event after event: each is worked out once.)"""
    if uri.startswith("http"):
        return _digital_link(uri) if _DL_URI.match(uri) else uri
    if uri.startswith("urn:epc:class:lgtin:"):
        found = _LGTIN.match(uri)
        gtin = _gtin(found[1], found[2]) if found and _PART.match(found[3]) else None
        return f"{DL}01/{gtin}/10/{_escaped(found[3])}" if found and gtin else uri
    if uri.startswith("urn:epc:idpat:"):
        cpi = _CPI.match(uri)
        if cpi:
            return f"{DL}8010/{_escaped(cpi[2] + cpi[3])}" if cpi[4] == "*" else uri
        found = _PATTERN.match(uri)
        converted = _pattern(found[1], found[2], found[3], found[4]) if found else None
        return converted or uri
    if not uri.startswith("urn:epc:id:"):
        return uri
    alphanumeric = _ALPHANUMERIC.match(uri)
    if alphanumeric:
        scheme, prefix, ref = alphanumeric.groups()
        ok = len(prefix + ref) <= 30 and _PART.match(ref)
        return f"{DL}{'8004' if scheme == 'giai' else '401'}/{prefix}{_escaped(ref)}" if ok else uri
    cpi = _CPI.match(uri)
    if cpi and not cpi[1]:
        return f"{DL}8010/{_escaped(cpi[2] + cpi[3])}/8011/{cpi[4]}"
    found = _KEY.match(uri)
    if not found or (found[4] is not None and not _PART.match(found[4])):
        return uri  # a container (bic), a vessel (imovn), …: no Digital Link form here
    convert = _SCHEMES.get(found[1])
    converted = convert(found[2], found[3], found[4]) if convert else None
    return converted or uri
