"""CBV 2.0 hash-based ids against the reference generator (PyPI epcis-event-hash-generator)."""

from __future__ import annotations

import copy
import itertools
import math
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from epcis_event_hash_generator import json_to_py
from epcis_event_hash_generator.hash_generator import (
    calculate_hashes_from_pre_hashes,
    derive_prehashes_from_events,
)
from hypothesis import given
from hypothesis import strategies as st

from corridor.tracking import captured, epcis, eventhash
from corridor.tracking.epcis import Step

CONTAINERS = [
    "urn:epc:id:bic:CSQU3054383",
    "urn:epc:id:bic:MSKU9070323",
    "urn:epc:id:bic:TGHU1234560",
]
WAGON = "urn:epc:id:giai:4012345.W52736481"
VESSEL = "urn:epc:id:imovn:9176187"


def reference_ids(events: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    doc = epcis.document(copy.deepcopy(events), datetime(2026, 12, 1, tzinfo=UTC))
    pre = derive_prehashes_from_events(json_to_py.event_list_from_epcis_document_json(doc))
    return pre, calculate_hashes_from_pre_hashes(pre)


def variants() -> list[dict[str, Any]]:
    rng = random.Random(14)
    zones = [UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-3, minutes=-30))]
    found = []
    for step, n in itertools.product(Step, range(4)):
        at = datetime(2026, 3, 1, 8, tzinfo=zones[n % 3]) + timedelta(
            seconds=rng.randrange(10**7), microseconds=rng.choice([0, 500, 123456, 999_400])
        )
        containers = (
            CONTAINERS[: 1 + n % 3]
            if step not in (Step.STUFFING, Step.UNSTUFFING)
            else CONTAINERS[:1]
        )
        found.append(
            epcis.build(
                step,
                at,
                f"shp-{n}",
                rng.choice(["dostyk", "aktau", "alat", "poti"]),
                containers,
                vehicle=[WAGON, VESSEL][n % 2],
                items=[f"urn:corridor:item:shp-{n}.{i}" for i in range(1 + n)],
                sensors={
                    "Temperature": (rng.choice([21.5, 18.0, -4.25, 3]), "CEL"),
                    "RelativeHumidity": (rng.choice([55, 60.5]), "P1"),
                }
                if n % 2
                else None,
            )
        )
    return found


@pytest.mark.parametrize("event", variants(), ids=lambda e: e["bizStep"].rsplit(":", 1)[-1])
def test_hash_ids_match_the_reference_generator(event: dict[str, Any]) -> None:
    pre, ids = reference_ids([event])
    assert eventhash.prehash(event, epcis.normalise) == pre[0]
    assert event["eventID"] == ids[0]


@pytest.mark.parametrize("event", variants(), ids=lambda e: e["bizStep"].rsplit(":", 1)[-1])
def test_the_short_path_writes_what_the_whole_algorithm_writes(event: dict[str, Any]) -> None:
    """The corridor's own events take the short path; the whole algorithm, which every other
    event takes, writes the same pre-hash string for them, and one field beyond the short
    path's sends an event to the whole algorithm."""
    from corridor.tracking import prehash

    assert eventhash.covers(event)
    whole = prehash.prehash(event, epcis.normalise, {})
    assert eventhash.prehash(event, epcis.normalise) == whole
    extended = {**event, "certificationInfo": "https://example.org/certificate/1"}
    assert not eventhash.covers(extended)
    assert epcis.event_id(extended) != epcis.event_id(event)
    assert "certificationInfo=https://example.org/certificate/1" in prehash.prehash(
        extended, epcis.normalise, {}
    )


def test_a_declared_error_keeps_the_id_and_changed_content_changes_it() -> None:
    event = variants()[5]
    declared = {
        **event,
        "errorDeclaration": {"declarationTime": "2026-12-02T10:00:00Z", "reason": "incorrect_data"},
    }
    moved = {**event, "readPoint": {"id": "urn:corridor:node:baku"}}
    assert epcis.event_id(declared) == event["eventID"]
    assert epcis.event_id(moved) != event["eventID"]
    assert epcis.event_id(moved) == reference_ids([moved])[1][0]


def test_two_business_transactions_keep_their_order_as_the_reference_does() -> None:
    event = {k: v for k, v in variants()[9].items() if k != "eventID"}
    event["bizTransactionList"] = [
        {"type": "inv", "bizTransaction": "urn:corridor:shipment:zzz"},
        *event["bizTransactionList"],
    ]
    assert epcis.event_id(event) == reference_ids([event])[1][0]


def test_a_departure_pre_hash_string_spelled_out() -> None:
    # Time to UTC at milliseconds, the bare bizStep as its CBV Web URI, fields in CBV order.
    event = {
        "type": "ObjectEvent",
        "eventTime": "2020-03-04T11:00:30.000+01:00",
        "eventTimeZoneOffset": "+01:00",
        "epcList": ["urn:epc:id:bic:CSQU3054383"],
        "action": "OBSERVE",
        "bizStep": "departing",
        "readPoint": {"id": "urn:corridor:node:aktau"},
    }
    assert eventhash.prehash(event) == (
        "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00"
        "epcListepc=urn:epc:id:bic:CSQU3054383action=OBSERVE"
        "bizStep=https://ref.gs1.org/cbv/BizStep-departingreadPointid=urn:corridor:node:aktau"
    )
    assert epcis.event_id(event) == reference_ids([event])[1][0]


def _value_by_float(value: str) -> str:
    """canonical_value without its shortcut: every text tried as a number."""
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return str(int(number)) if int(number) == number else str(number)


@given(
    st.one_of(
        st.text(max_size=12), st.from_regex(r"\s*[+-]?[0-9\u0660-\u0669]*\.?[0-9]*(e[+-]?[0-9]+)?")
    )
)
def test_values_kept_as_text_without_trying_them_as_numbers_are_not_numbers(value: str) -> None:
    assert eventhash.canonical_value(value) == _value_by_float(value)


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=5))])))
def test_a_time_already_canonical_is_kept_and_any_other_is_rewritten_to_it(at: datetime) -> None:
    at = at.replace(microsecond=at.microsecond // 1000 * 1000)
    written = at.isoformat(timespec="milliseconds")  # with "+00:00" or "+05:00": rewritten
    assert eventhash.canonical_time(written) == epcis.stamp(at)
    assert eventhash.canonical_time(epcis.stamp(at)) == epcis.stamp(at)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


_SERIAL = st.text("0123456789ABCXYZabcxyz!()*+,:-_'", min_size=1, max_size=16)


@st.composite
def _epc_uri(draw: st.DrawFn) -> str:
    """An EPC URI of a GS1 key, in each scheme the normaliser covers."""
    scheme = draw(st.sampled_from(["sgtin", "sscc", "sgln", "grai", "gsrn", "gsrnp", "gdti"]))
    prefix_len = draw(st.integers(6, 12))
    prefix = draw(_digits(prefix_len))
    if scheme == "sgtin":
        return f"urn:epc:id:sgtin:{prefix}.{draw(_digits(13 - prefix_len))}.{draw(_SERIAL)}"
    if scheme in ("sscc", "gsrn", "gsrnp"):
        return f"urn:epc:id:{scheme}:{prefix}.{draw(_digits(17 - prefix_len))}"
    if scheme == "sgln":
        extension = draw(st.one_of(st.just("0"), _SERIAL))
        return f"urn:epc:id:sgln:{prefix}.{draw(_digits(12 - prefix_len))}.{extension}"
    return f"urn:epc:id:{scheme}:{prefix}.{draw(_digits(12 - prefix_len))}.{draw(_SERIAL)}"


@given(_epc_uri())
def test_every_gs1_key_takes_the_digital_link_form_the_reference_gives(uri: str) -> None:
    """Equal to the reference generator's form, except where it departs from GS1 TDS 2.0: a
    GRAI or GDTI under a 12-digit company prefix has an empty asset or document type
    (`urn:epc:id:grai:<12 digits>..<serial>`), which the reference's patterns miss (they want
    a third dot) and leave unconverted; here it takes its Digital Link form."""
    from epcis_event_hash_generator.dl_normaliser import normaliser
    from stdnum import ean

    from corridor.tracking import digital_link

    scheme, _, rest = uri.removeprefix("urn:epc:id:").partition(":")
    prefix, ref, serial = [*rest.split(".", 2), ""][:3]
    if scheme in ("grai", "gdti") and len(prefix) == 12:
        assert ref == ""
        key = ("0" if scheme == "grai" else "") + prefix
        ai = "8003" if scheme == "grai" else "253"
        escaped = "".join({"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C",
                           ":": "%3A"}.get(c, c) for c in serial)  # fmt: skip
        expected = f"https://id.gs1.org/{ai}/{key}{ean.calc_check_digit(key)}{escaped}"
        assert digital_link.normalise(uri) == expected
        return
    assert digital_link.normalise(uri) == normaliser(uri)


def test_a_business_transaction_hashes_alike_as_epc_uri_and_digital_link() -> None:
    """The same GDTI and GSRN written as EPC URIs and as Digital Link: one event id, the
    reference generator's."""
    base = epcis.build(
        Step.DEPARTING, datetime(2026, 3, 1, 8, tzinfo=UTC), "s", "aktau", [CONTAINERS[0]]
    )
    as_urn = copy.deepcopy(base)
    as_urn["bizTransactionList"] += [
        {"type": "bol", "bizTransaction": "urn:epc:id:gdti:0614141.00001.1618034"},
        {"type": "inv", "bizTransaction": "urn:epc:id:gsrn:0614141.1234567890"},
    ]
    as_link = copy.deepcopy(base)
    as_link["bizTransactionList"] += [
        {"type": "bol", "bizTransaction": "https://id.gs1.org/253/06141410000121618034"},
        {"type": "inv", "bizTransaction": "https://id.gs1.org/8018/061414112345678902"},
    ]
    ours = [eventhash.digest_of_id(epcis.event_id(e)) for e in (as_urn, as_link)]
    _, reference = reference_ids([as_urn, as_link])
    assert ours[0] == ours[1]
    assert [r.split(";", 1)[1].split("?")[0] for r in reference] == ours


def test_a_compact_iri_is_hashed_and_stored_as_the_iri_it_stands_for() -> None:
    """`ex:weighing` under a prefix the document declares: the id is the reference
    generator's (which expands it as JSON-LD does) and the stored event carries the IRI."""
    event = epcis.build(
        Step.DEPARTING, datetime(2026, 3, 1, 8, tzinfo=UTC), "s", "aktau", [CONTAINERS[0]]
    )
    event.pop("eventID", None)
    event["bizStep"] = "ex:weighing"
    doc = epcis.document([event], datetime(2026, 12, 1, tzinfo=UTC))
    doc["@context"] = [*doc["@context"], {"ex": "https://example.org/voc/"}]
    (read,) = captured.read(doc)
    assert read.event["bizStep"] == "https://example.org/voc/weighing"
    pre = derive_prehashes_from_events(json_to_py.event_list_from_epcis_document_json(doc))
    (reference,) = calculate_hashes_from_pre_hashes(pre)
    assert read.id == reference
