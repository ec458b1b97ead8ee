"""Evidence attached as a file: counted only from the party that provides it; a transit
guarantee checked against the guarantee its transit declaration claims; every other kind
unverified, counted only by a rule that says why that is enough, and said so in place."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from corridor.customs.references import new_grn
from corridor.model import DocumentKind
from corridor.services import Context, papers, readiness, shipments
from tests.conftest import ORGS, T0
from tests.factories import STORY

SHIPPER = ORGS["kz-ferroalloy"]
# Another guarantee's reference, well formed.
OTHER_GRN = new_grn(2026, "KZ", b"another guarantee", "1")


def _messages(ctx: Context, sid: str, rule: str) -> list[tuple[str, str]]:
    report = readiness.check(ctx, SHIPPER, sid, T0)
    return [
        (r.outcome.value, r.message)
        for c in report.crossings
        for r in c.results
        if r.rule_id == rule
    ]


@pytest.fixture
def declared(ctx: Context, api_keys: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A shipment whose holder signed its transit declaration; the declaration's fields."""
    s = shipments.submit(ctx, SHIPPER, STORY.draft("EV-1"), T0)
    fields = STORY.papers(s)[DocumentKind.TRANSIT_DECLARATION]
    papers.issue_signed(ctx, SHIPPER, s.id, DocumentKind.TRANSIT_DECLARATION, fields, T0)
    return s.id, fields


def _attach(ctx: Context, sid: str, kind: DocumentKind, body: Any, by: str = SHIPPER.id) -> None:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    papers.attach(ctx, ORGS[by], sid, kind, "f.json", "application/json", content, T0)


def _guarantee(fields: dict[str, Any], **change: str) -> dict[str, str]:
    return {
        "grn": fields["guarantee_reference"],
        "amount": "25000.00",
        "currency": fields["guarantee_currency"],
        "valid_until": (T0 + timedelta(days=365)).date().isoformat(),
        "guarantor": "A bank",
        **change,
    }


def test_the_declared_guarantee_counts(ctx: Context, declared: tuple[str, dict[str, Any]]) -> None:
    sid, fields = declared
    assert {o for o, _ in _messages(ctx, sid, "GE-CTC-GUARANTEE")} == {"missing"}
    _attach(ctx, sid, DocumentKind.TRANSIT_GUARANTEE, _guarantee(fields))
    ((outcome, message),) = _messages(ctx, sid, "GE-CTC-GUARANTEE")
    assert outcome == "passed", message
    assert "unverified" not in message.lower()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"grn": OTHER_GRN}, f"is not the declared one: it is {OTHER_GRN}; the transit"),
        ({"amount": "100.00"}, "it covers 100.00 USD; the transit declaration needs 17000.00"),
        ({"currency": "EUR"}, "it is in EUR; the transit declaration covers in USD"),
        ({"valid_until": "2026-03-03"}, "it is valid until 2026-03-03; the goods arrive after"),
        ({"grn": "not a grn"}, "grn:"),
    ],
)
def test_a_guarantee_that_is_not_the_declared_one_says_why_not(
    ctx: Context, declared: tuple[str, dict[str, Any]], change: dict[str, str], why: str
) -> None:
    sid, fields = declared
    _attach(ctx, sid, DocumentKind.TRANSIT_GUARANTEE, _guarantee(fields, **change))
    ((outcome, message),) = _messages(ctx, sid, "GE-CTC-GUARANTEE")
    assert outcome == "missing"
    assert "Attached but not counted: refused: transit guarantee attached by kz-ferroalloy" in (
        message
    )
    assert why in message


def test_a_file_of_a_few_bytes_is_no_guarantee(
    ctx: Context, declared: tuple[str, dict[str, Any]]
) -> None:
    """The review's 34-byte file attached as the transit guarantee."""
    sid, _ = declared
    _attach(ctx, sid, DocumentKind.TRANSIT_GUARANTEE, b'{"this": "is a guarantee, trust me"}')
    ((outcome, message),) = _messages(ctx, sid, "GE-CTC-GUARANTEE")
    assert outcome == "missing"
    assert "grn: Field required" in message


def test_a_guarantee_before_its_declaration_is_not_checked_yet(
    ctx: Context, api_keys: dict[str, str]
) -> None:
    s = shipments.submit(ctx, SHIPPER, STORY.draft("EV-2"), T0)
    fields = STORY.papers(s)[DocumentKind.TRANSIT_DECLARATION]
    _attach(ctx, s.id, DocumentKind.TRANSIT_GUARANTEE, _guarantee(fields))
    ((outcome, message),) = _messages(ctx, s.id, "GE-CTC-GUARANTEE")
    assert outcome == "missing"
    assert "not checked: no signed transit declaration names its guarantee yet" in message


def test_evidence_from_a_party_that_does_not_provide_it_counts_nowhere(
    ctx: Context, declared: tuple[str, dict[str, Any]]
) -> None:
    """The carrier's guarantee and mill certificate count for nothing, even where the rule
    accepts unverified evidence; the shipper's mill certificate counts there, marked."""
    sid, fields = declared
    _attach(ctx, sid, DocumentKind.TRANSIT_GUARANTEE, _guarantee(fields), by="kz-rail")
    _attach(ctx, sid, DocumentKind.STEEL_INPUT_ORIGIN, {"melted": "KZ"}, by="kz-rail")
    ((outcome, message),) = _messages(ctx, sid, "GE-CTC-GUARANTEE")
    assert outcome == "missing"
    assert "attached by kz-rail (carrier); the forwarder or shipper provides it" in message
    ((outcome, message),) = _messages(ctx, sid, "EU-STEEL-ORIGIN-3G")
    assert outcome == "blocking"
    assert "attached by kz-rail (carrier); the shipper provides it" in message

    _attach(ctx, sid, DocumentKind.STEEL_INPUT_ORIGIN, {"melted": "KZ"})
    ((outcome, message),) = _messages(ctx, sid, "EU-STEEL-ORIGIN-3G")
    assert outcome == "passed"
    assert "On unverified evidence (origin of iron and steel inputs (mill certificate) " in message
    assert "attached by kz-ferroalloy, not verified here" in message
    assert "Customs examines the mill certificate at import" in message
