"""The services decide who may do what, once, whichever door asks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from corridor import demo
from corridor.config import Settings
from corridor.exceptions import (
    ExchangeDisabled,
    InvalidInput,
    LedgerBroken,
    NotFound,
    PermissionDenied,
)
from corridor.model import DocumentKind, Organisation
from corridor.services import (
    NODE_ADMIN,
    Context,
    authentication,
    credentials,
    disclosure,
    ledgers,
    organisations,
    papers,
    rules,
    shipments,
)
from tests.conftest import ORGS, T0, auth
from tests.documents.conftest import INVOICE
from tests.factories import STORY, draft

NEW = Organisation(id="ge-rail", name="Georgian Railway", country="GE", role="carrier")  # type: ignore[arg-type]


def test_only_the_operator_registers_and_no_one_mints_another_organisations_keys(
    ctx: Context, api_keys: dict[str, str]
) -> None:
    with pytest.raises(PermissionDenied):
        organisations.register(ctx, ORGS["kz-ferroalloy"], NEW, T0)
    registered = credentials.register_member(ctx, ORGS["node-operator"], NEW, T0)
    with pytest.raises(PermissionDenied):
        credentials.issue_key(ctx, ORGS["node-operator"], "ge-rail", "ops", T0)
    issued = credentials.enrol(ctx, "ge-rail", registered.enrolment.code, "ops", T0)
    assert authentication.authenticate(ctx, issued.key).id == "ge-rail"
    with pytest.raises(PermissionDenied):
        credentials.list_keys(ctx, ORGS["kz-rail"], "ge-rail")
    # An organisation manages its own keys.
    own = authentication.authenticate(ctx, issued.key)
    assert [k.id for k in credentials.list_keys(ctx, own, "ge-rail")] == [issued.id]
    with pytest.raises(NotFound):
        credentials.list_keys(ctx, ORGS["node-operator"], "no-such-org")


def test_documents_are_issued_for_parties_and_signed_for_anyone(
    ctx: Context, api_keys: dict[str, str]
) -> None:
    s = shipments.submit(ctx, ORGS["kz-ferroalloy"], draft("S-1"), T0)
    with pytest.raises(NotFound):
        papers.issue_signed(
            ctx, ORGS["tr-customs"], s.id, DocumentKind.COMMERCIAL_INVOICE, INVOICE, T0
        )
    # An authority signs a certificate for the exporter without being party to the file.
    fields = {
        "document_number": "CO-1",
        "issue_date": "2026-03-01",
        "exporter": {"name": "X", "country": "KZ"},
        "consignee": {"name": "Y", "country": "RO"},
        "country_of_origin": "KZ",
        "goods": INVOICE["goods"],
    }
    token = papers.sign(ctx, ORGS["kz-customs"], DocumentKind.CERTIFICATE_OF_ORIGIN, fields, T0)
    verdict = papers.check(token.encode(), ctx.keys.trust_list(), T0)
    assert verdict.status == "VALID"
    assert verdict.document is not None
    assert verdict.document.issuer.id == "kz-customs"


def test_one_readiness_check_whichever_door_asks(
    ctx: Context, client: TestClient, api_keys: dict[str, str]
) -> None:
    shipment = draft("S-2")
    docs = [DocumentKind.COMMERCIAL_INVOICE, DocumentKind.PACKING_LIST]
    direct = rules.check_draft(rules.shipped_engine(), shipment, docs, date(2026, 3, 2), T0)
    over_api = client.post(
        "/rules/check",
        json={
            "shipment": shipment.model_dump(mode="json"),
            "documents": [d.value for d in docs],
            "departure": "2026-03-02",
        },
        headers=auth(api_keys, "kz-ferroalloy"),
    ).json()
    assert over_api == direct.model_dump(mode="json")
    assert not direct.ready


def test_the_matrix_needs_both_ends_of_a_route_or_neither(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="both origin and destination"):
        rules.harmonisation(ctx.engine, "dostyk", None, date(2026, 3, 1))
    route = rules.harmonisation(ctx.engine, "dostyk", "kars", date(2026, 3, 1))
    every = rules.harmonisation(ctx.engine, None, None, date(2026, 3, 1))
    assert route.jurisdictions == ["KZ", "AZ", "GE", "TR"]
    assert set(route.jurisdictions) < set(every.jurisdictions)


def test_disclosure_needs_an_exchange_and_says_so(ctx: Context, api_keys: dict[str, str]) -> None:
    s = shipments.submit(ctx, ORGS["kz-ferroalloy"], draft("S-3"), T0)
    with pytest.raises(ExchangeDisabled) as info:
        disclosure.disclose(ctx, ORGS["kz-ferroalloy"], s.id, T0)
    assert info.value.hint == "run_as_node"
    # The domain message names no route and no command; the doors add those.
    assert "/" not in info.value.detail
    assert "corridor " not in info.value.detail


def test_the_inbox_is_read_by_the_authority_running_the_node_only(ctx: Context) -> None:
    from corridor import demo

    node = demo.national_node(ctx.settings.data_dir / "az", "az", "az-customs", T0, story=STORY)
    try:
        assert disclosure.inbox(node, ORGS["az-customs"]) == []
        with pytest.raises(PermissionDenied):
            disclosure.inbox(node, ORGS["ge-customs"])
    finally:
        node.close()


def test_the_administrator_verifies_any_ledger_and_parties_only_theirs(
    ctx: Context, api_keys: dict[str, str]
) -> None:
    s = shipments.submit(ctx, ORGS["kz-ferroalloy"], draft("S-4"), T0)
    assert ledgers.shipment(ctx, NODE_ADMIN, s.id).verified == 1
    assert ledgers.shipment(ctx, ORGS["ro-consignee"], s.id).verified == 1
    with pytest.raises(NotFound):
        ledgers.shipment(ctx, ORGS["tr-customs"], s.id)
    with pytest.raises(InvalidInput, match="no ledger"):
        ledgers.shipment(ctx, NODE_ADMIN, "no-such-shipment")
    with ctx.db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE ledger_entries SET body = '{}' WHERE seq = 0")
    with pytest.raises(LedgerBroken):
        ledgers.shipment(ctx, NODE_ADMIN, s.id)


def test_the_operator_of_the_make_run_node_can_suspend_a_member(tmp_path: Path) -> None:
    """Incident response on the node `make run` serves (the shipper's node of the demo
    corridor): the operator suspends a member, signed in the member's key ledger."""
    ctx = Context.open(
        Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'n.db'}"),
        clock=lambda: T0,
    )
    demo.seed(ctx, T0, STORY)
    corridor = demo.live_corridor(ctx, T0, story=STORY)
    try:
        assert ctx.exchange is not None
        operator = organisations.get(ctx, "node-operator")
        credentials.suspend(ctx, operator, "kz-rail", T0)
        events = credentials.key_events(ctx, operator, "kz-rail")
        assert events.entries[-1].kind == "suspended"
        assert events.entries[-1].actor_id == "node-operator"
    finally:
        corridor.close()
        ctx.close()
