"""CBV 2.0 hash-based event ids (GS1 CBV 2.0 §8.9): a SHA-256 over the event's pre-hash
string, in which every field appears in a fixed order, lists are sorted, times are UTC at
millisecond precision and bare vocabulary words are written as their Web URIs.

This is the short path for the fields the corridor's own events use (see `FIELDS` and
`covers`): most events captured here are these, and they are hashed without building a tree.
Any other event takes the whole algorithm in `corridor.tracking.prehash`; tests hold both
against the reference generator (PyPI `epcis-event-hash-generator`) and against each other.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"
# The fields an event may carry here, in the order CBV 2.0 concatenates them.
ORDER = (
    "eventTime",
    "eventTimeZoneOffset",
    "parentID",
    "epcList",
    "childEPCs",
    "action",
    "bizStep",
    "disposition",
    "readPoint",
    "bizLocation",
    "sensorElementList",
)
# Written after the ordered fields, its items sorted: the reference generator's reading of
# CBV 2.0 §8.9.4 (an element the order cannot place goes last), which repositories follow.
LAST = "bizTransactionList"
# Not part of the hash: the id itself, when it was recorded, its type (written first) and a
# later error declaration (which keeps the id of the event it declares wrong).
IGNORED = frozenset({"type", "eventID", "recordTime", "errorDeclaration", "@context"})
FIELDS = frozenset(ORDER) | {LAST} | IGNORED
_SENSOR_REPORT = ("type", "value", "uom")
_SENSOR_METADATA = ("time", "startTime", "endTime")
_SENSOR_ELEMENT = frozenset({"sensorMetadata", "sensorReport"})
_SENSOR_METADATA_SET = frozenset(_SENSOR_METADATA)
_SENSOR_REPORT_SET = frozenset(_SENSOR_REPORT)


# A time already written as the pre-hash writes it (as `epcis.stamp` does): kept as it is.
_CANONICAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
# What `float` can read starts (after spaces) with one of these or another decimal digit;
# "inf" and "nan" are not finite, so any other text is kept as it is without trying.
_NUMBER_STARTS = frozenset("0123456789+-.")


def canonical_time(value: str) -> str:
    """UTC at millisecond precision with a `Z`, as the pre-hash writes every time."""
    if _CANONICAL_TIME.fullmatch(value):
        return value
    moment = datetime.fromisoformat(value).astimezone(UTC)
    micro = round(moment.microsecond, -3)
    moment = moment.replace(microsecond=0) + timedelta(microseconds=micro)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical_value(value: Any) -> str:
    """A value as text, numbers without trailing zeros or a leading '+'."""
    text = str(value).strip()
    if text[:1] not in _NUMBER_STARTS and not text[:1].isdecimal():
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return str(int(number)) if int(number) == number else str(number)


def _vocab(prefix: str) -> Callable[[Any], str]:
    def expand(value: Any) -> str:
        text = str(value)
        return text if ":" in text else prefix + text

    return expand


_EXPAND: Mapping[str, Callable[[Any], str]] = {
    "bizStep": _vocab(CBV + "BizStep-"),
    "disposition": _vocab(CBV + "Disp-"),
}
_BTT = _vocab(CBV + "BTT-")
_MEASUREMENT = _vocab(GS1_VOC)


def _pair(key: str, value: str) -> str:
    return f"{key}={value}" if value else ""


def _ids(name: str, ids: Sequence[str], normalise: Callable[[str], str]) -> str:
    inner = "".join(sorted(_pair("epc", normalise(i)) for i in ids))
    return name + inner if inner else ""


def _sensor_element(element: Mapping[str, Any]) -> str:
    meta = element.get("sensorMetadata") or {}
    meta_text = "".join(_pair(k, canonical_time(meta[k])) for k in _SENSOR_METADATA if k in meta)
    reports = []
    for report in element.get("sensorReport", []):
        fields = {
            "type": _MEASUREMENT(report["type"]) if "type" in report else "",
            "value": canonical_value(report["value"]) if "value" in report else "",
            "uom": canonical_value(report["uom"]) if "uom" in report else "",
        }
        text = "".join(_pair(k, fields[k]) for k in _SENSOR_REPORT)
        if text:
            reports.append("sensorReport" + text)
    body = ("sensorMetadata" + meta_text if meta_text else "") + "".join(sorted(reports))
    return "sensorElement" + body if body else ""


def prehash(event: Mapping[str, Any], normalise: Callable[[str], str] = str) -> str:
    """The CBV 2.0 pre-hash string of an event. `normalise` turns an identifier into the
    form the hash takes (GS1 Digital Link for GS1 keys)."""
    parts = [f"eventType={event['type']}"]
    for field in ORDER:
        if field not in event:
            continue
        value = event[field]
        if field == "eventTime":
            parts.append(_pair(field, canonical_time(value)))
        elif field in ("epcList", "childEPCs"):
            parts.append(_ids(field, value, normalise))
        elif field == "parentID":
            parts.append(_pair(field, normalise(value)))
        elif field in ("readPoint", "bizLocation"):
            parts.append(field + _pair("id", normalise(value["id"])) if value.get("id") else "")
        elif field == "sensorElementList":
            elements = "".join(sorted(filter(None, map(_sensor_element, value))))
            parts.append(field + elements if elements else "")
        else:
            parts.append(_pair(field, _EXPAND.get(field, canonical_value)(value)))
    items = sorted(
        _pair("type", _BTT(t["type"]) if "type" in t else "")
        + _pair("bizTransaction", normalise(canonical_value(t["bizTransaction"])))
        for t in event.get(LAST, [])
    )
    if "".join(items):
        parts.append(LAST + "".join(items))
    return "".join(parts)


def covers(event: Mapping[str, Any]) -> bool:
    """Whether the event has only the fields this short path writes (the corridor's own
    events); any other takes the whole algorithm, `corridor.tracking.prehash`, which gives
    the same string for these."""
    if not FIELDS.issuperset(event):
        return False
    for place in ("readPoint", "bizLocation"):
        if place in event and len(event[place]) != 1:  # its id alone (the schema wants one)
            return False
    for t in event.get(LAST, ()):
        if len(t) != 2 or next(iter(t)) != "type":  # type, then bizTransaction
            return False
    for element in event.get("sensorElementList", ()):
        if not _SENSOR_ELEMENT.issuperset(element):
            return False
        if not _SENSOR_METADATA_SET.issuperset(element.get("sensorMetadata") or ()):
            return False
        if not all(_SENSOR_REPORT_SET.issuperset(r) for r in element.get("sensorReport", ())):
            return False
    return True


def hashed(text: str) -> str:
    """A pre-hash string's id: `ni:///sha-256;<hex>?ver=CBV2.0`."""
    return f"ni:///sha-256;{hashlib.sha256(text.encode()).hexdigest()}?ver=CBV2.0"


def event_id(event: Mapping[str, Any], normalise: Callable[[str], str] = str) -> str:
    """The event's hash-based id: `ni:///sha-256;<hex>?ver=CBV2.0`."""
    return hashed(prehash(event, normalise))


def digest_of_id(eid: str) -> str:
    """The hex digest inside a hash-based id."""
    return eid.split(";", 1)[1].split("?", 1)[0]
