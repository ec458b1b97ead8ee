"""Workflows on SQLite and PostgreSQL: organisations and API keys, submission, visibility by
party, documents."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from corridor import exceptions as exc
from corridor.model import DocumentKind, Organisation, ShipmentDraft
from corridor.services import (
    NODE_ADMIN,
    Context,
    authentication,
    credentials,
    listing,
    organisations,
    papers,
    readiness,
    shipments,
    timeline,
)
from corridor.store.db import Database
from corridor.store.tables import Base, DocumentRow, EventRow, ShipmentPartyRow, ShipmentRow
from tests.conftest import ORGS, T0
from tests.factories import STORY, draft


def count(db: Database, table: type[Base]) -> int:
    with db.transaction() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def test_organisations_round_trip_and_ids_are_unique(node: Context, db: Database) -> None:
    assert organisations.get(node, "ro-consignee").tax_id == "RO18547290"
    with pytest.raises(exc.Conflict, match="already exists"):
        organisations.register(node, NODE_ADMIN, ORGS["kz-customs"], T0)


def test_api_keys_are_stored_hashed_and_revocable(node: Context, db: Database) -> None:
    issued = credentials.issue_key(node, NODE_ADMIN, "kz-rail", "ops", T0)
    with db.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT secret_sha256 FROM api_keys")).scalar_one()
    assert issued.key.split(".", 1)[1] not in stored
    assert authentication.authenticate(node, issued.key).id == "kz-rail"
    with pytest.raises(exc.AuthenticationFailed, match="not valid"):
        authentication.authenticate(node, issued.key[:-2] + "xx")
    credentials.revoke_key(node, NODE_ADMIN, "kz-rail", issued.id, T0)
    with pytest.raises(exc.AuthenticationFailed, match="revoked"):
        authentication.authenticate(node, issued.key)


def test_shipment_is_visible_to_its_parties_only(node: Context, db: Database) -> None:
    s = shipments.submit(node, ORGS["kz-ferroalloy"], draft("R-1"), T0)
    assert shipments.get(node, ORGS["ro-consignee"], s.id).draft == draft("R-1")
    assert [x.id for x in listing.page(node, ORGS["caspian-ferry"]).items] == [s.id]
    for outsider in ("az-customs", "node-operator", "tr-customs"):
        assert listing.page(node, ORGS[outsider]).items == []
        with pytest.raises(exc.NotFound):
            shipments.get(node, ORGS[outsider], s.id)
        with pytest.raises(exc.NotFound):
            papers.documents(node, ORGS[outsider], s.id)


def test_stored_times_come_back_in_utc(node: Context, db: Database) -> None:
    s = shipments.submit(node, ORGS["kz-ferroalloy"], draft("R-2"), T0)
    assert shipments.get(node, ORGS["kz-ferroalloy"], s.id).created_at == T0
    assert timeline.read(node, ORGS["kz-ferroalloy"], s.id)[0].at == T0


def test_a_rejected_submission_writes_nothing(node: Context, db: Database) -> None:
    bad = draft("R-3").model_copy(update={"carriers": ["kz-rail", "no-such-carrier"]})
    with pytest.raises(exc.InvalidInput) as info:
        shipments.submit(node, ORGS["kz-ferroalloy"], bad, T0)
    assert info.value.errors[0].field == "carriers.1"
    for table in (ShipmentRow, ShipmentPartyRow, EventRow, DocumentRow):
        assert count(db, table) == 0


def test_a_reference_is_used_once_per_submitter(node: Context, db: Database) -> None:
    shipments.submit(node, ORGS["kz-ferroalloy"], draft("R-4"), T0)
    with pytest.raises(exc.Conflict, match="already submitted"):
        shipments.submit(node, ORGS["kz-ferroalloy"], draft("R-4"), T0)
    assert count(db, ShipmentRow) == 1


def test_documents_keep_their_bytes_and_digest(node: Context, db: Database) -> None:
    s = shipments.submit(node, ORGS["kz-ferroalloy"], draft("R-6"), T0)
    blob = bytes(range(256)) * 10
    info = papers.attach(
        node,
        ORGS["kz-ferroalloy"],
        s.id,
        DocumentKind.LICENCE,
        "l.bin",
        "application/octet-stream",
        blob,
        T0,
    )
    got, content = papers.content(node, ORGS["ro-consignee"], s.id, info.id)
    assert content == blob
    assert got.sha256 == info.sha256


def test_submitting_parties_must_hold_the_right_roles(node: Context, db: Database) -> None:
    bad = draft("R-7").model_copy(update={"consignee": "az-customs"})
    with pytest.raises(exc.InvalidInput) as info:
        shipments.submit(node, ORGS["kz-ferroalloy"], bad, T0)
    assert "'az-customs' is a customs" in info.value.errors[0].message
    with pytest.raises(exc.InvalidInput, match="cannot submit"):
        shipments.submit(node, ORGS["kz-rail"], draft("R-8"), T0)


def test_a_shipper_cannot_submit_in_another_shippers_name(node: Context, db: Database) -> None:
    # The review's case: another organisation as consignor, the submitter as consignee.
    theirs = draft("R-9").model_copy(
        update={"consignor": "kz-ferroalloy", "consignee": "ro-consignee"}
    )
    other_shipper = organisations.register(
        node,
        NODE_ADMIN,
        ORGS["kz-ferroalloy"].model_copy(update={"id": "kz-other", "name": "Other LLP"}),
        T0,
    )
    with pytest.raises(exc.InvalidInput, match="consignor or forwarder"):
        shipments.submit(node, other_shipper, theirs, T0)
    as_consignee = theirs.model_copy(update={"consignee": "kz-other"})
    with pytest.raises(exc.InvalidInput, match="consignor or forwarder"):
        shipments.submit(node, other_shipper, as_consignee, T0)
    assert count(db, ShipmentRow) == 0


def test_status_follows_the_journey(node: Context, db: Database) -> None:
    s = shipments.submit(node, ORGS["kz-ferroalloy"], draft("R-10"), T0)
    rail, ferry = ORGS["kz-rail"], ORGS["caspian-ferry"]
    timeline.record(node, rail, s.id, "departed", T0, "Departed Dostyk", "dostyk")
    assert shipments.get(node, rail, s.id).status == "in_transit"
    timeline.record(node, ferry, s.id, "arrived", T0, "Arrived at Baku", "baku-alat")
    assert shipments.get(node, rail, s.id).status == "in_transit"
    timeline.record(node, ferry, s.id, "arrived", T0, "Arrived", s.route.destination)
    assert shipments.get(node, rail, s.id).status == "arrived"


def test_a_nul_character_is_the_clients_to_correct_never_an_outage(
    node: Context, db: Database
) -> None:
    named = ORGS["kz-rail"].model_copy(update={"id": "kz-nul", "name": "Bad\x00Name"})
    if db.engine.dialect.name == "postgresql":  # PostgreSQL cannot hold it: 422, not 503
        with pytest.raises(exc.InvalidInput, match="NUL"):
            organisations.register(node, NODE_ADMIN, named, T0)
    else:
        organisations.register(node, NODE_ADMIN, named, T0)
    with pytest.raises((exc.NotFound, exc.InvalidInput)):
        shipments.get(node, ORGS["kz-rail"], "\x00")


def _invoice_counts(report: shipments.ReadinessReport) -> bool:
    """Whether no rule of the report still lacks the commercial invoice."""
    return all(
        DocumentKind.COMMERCIAL_INVOICE not in r.lacking
        for c in report.crossings
        for r in c.results
    )


def test_readiness_counts_a_signed_document_only_while_it_verifies(
    node: Context, db: Database
) -> None:
    """A signed document counts while it verifies now, for this shipment: not after it
    expires, not when its bytes are another shipment's, not once its key is revoked (a new
    trust list); the report is stored when what it says changed, and re-reading it writes
    nothing."""
    from datetime import timedelta

    from corridor.documents import verify
    from corridor.services import keys

    shipper = ORGS["kz-ferroalloy"]
    s = shipments.submit(node, shipper, draft("R-9"), T0)
    assert not _invoice_counts(readiness.check(node, shipper, s.id, T0))
    fields = STORY.papers(s)[DocumentKind.COMMERCIAL_INVOICE]
    signed = papers.issue_signed(node, shipper, s.id, DocumentKind.COMMERCIAL_INVOICE, fields, T0)
    assert _invoice_counts(readiness.check(node, shipper, s.id, T0))
    assert _invoice_counts(shipments.get(node, shipper, s.id).readiness)  # type: ignore[arg-type]

    updates: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE SHIPMENTS"):
            updates.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert _invoice_counts(readiness.check(node, shipper, s.id, T0 + timedelta(hours=1)))
        assert updates == []
        # Past its expiry the verification made earlier no longer counts; the report changes.
        expires = verify(signed.token, keys.trust_list(node), T0).expires_at
        assert expires is not None
        after = expires + timedelta(seconds=1)
        assert not _invoice_counts(readiness.check(node, shipper, s.id, after))
        assert len(updates) == 1
        assert not _invoice_counts(shipments.get(node, shipper, s.id).readiness)  # type: ignore[arg-type]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)

    # Stored bytes swapped for another shipment's valid invoice count for nothing here.
    s2 = shipments.submit(node, shipper, draft("R-10"), T0)
    fields = STORY.papers(s2)[DocumentKind.COMMERCIAL_INVOICE]
    other = papers.issue_signed(node, shipper, s2.id, DocumentKind.COMMERCIAL_INVOICE, fields, T0)
    with db.transaction() as t:
        row = t.get(DocumentRow, other.document.id)
        assert row is not None
        row.content = signed.token.encode("ascii")
    assert not _invoice_counts(readiness.check(node, shipper, s2.id, T0))

    with db.transaction() as t:
        kid = node.keys.current_kid(t, shipper.id)
    assert kid is not None
    keys.revoke(node, NODE_ADMIN, kid, T0, reason="key_compromise")
    assert not _invoice_counts(readiness.check(node, shipper, s.id, T0))


def test_readiness_reads_documents_whatever_their_media_type(node: Context) -> None:
    """A raw upload's media type is the client's (parameters, spaces, odd bytes): it never
    breaks a readiness check, and only a signed document counts for a signed kind."""
    shipper = ORGS["kz-ferroalloy"]
    s = shipments.submit(node, shipper, draft("R-11"), T0)
    for i, media in enumerate(("text/plain; charset=utf-8", "a b\tc", "x\x1ey", "")):
        papers.attach(
            node,
            shipper,
            s.id,
            DocumentKind.PACKING_LIST,
            f"{i}.txt",
            media or "x/y",
            f"list {i}".encode(),
            T0,
        )
    report = readiness.check(node, shipper, s.id, T0)
    assert any(DocumentKind.PACKING_LIST in r.lacking for c in report.crossings for r in c.results)


def test_party_roles_are_remembered_but_an_unknown_party_is_not(
    node: Context, db: Database
) -> None:
    """Roles read once are not read again; a party refused as unregistered counts once it
    is registered (a miss is never remembered)."""
    late = ORGS["kz-rail"].model_copy(update={"id": "late-rail"})
    unknown = draft("R-M1").model_copy(update={"carriers": ["kz-rail", "late-rail"]})
    with pytest.raises(exc.InvalidInput) as refused:
        shipments.submit(node, ORGS["kz-ferroalloy"], unknown, T0)
    assert [e.field for e in refused.value.errors] == ["carriers.1"]
    assert node.roles.get("kz-rail") == ("carrier", "")
    assert node.roles.get("late-rail") is None
    organisations.register(node, NODE_ADMIN, late, T0)
    params: list[object] = []

    def seen(*a: object) -> None:
        if str(a[2]).startswith(
            "SELECT organisations.id, organisations.role, organisations.works_at"
        ):
            params.append(a[3])

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    shipments.submit(node, ORGS["kz-ferroalloy"], unknown.model_copy(), T0)
    sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert len(params) == 1
    assert "late-rail" in str(params[0])
    assert "kz-rail" not in str(params[0])
    assert "kz-ferroalloy" not in str(params[0])
    assert node.roles.get("late-rail") == ("carrier", "")


def test_memo_is_bounded_and_computes_once() -> None:
    from corridor.memo import Memo

    memo: Memo[int, str] = Memo(3)
    calls: list[int] = []
    for k in (1, 1, 2, 1):
        memo.get_or(k, lambda k=k: calls.append(k) or str(k))  # type: ignore[func-returns-value]
    assert calls == [1, 2]
    assert len(memo) == 2
    for k in (3, 4):
        memo.put(k, str(k))
    assert len(memo) == 1
    assert memo.get(4) == "4"
    assert memo.get(1) is None


SHIPPER = ORGS["kz-ferroalloy"]


def test_a_shipment_is_routed_through_the_port_and_ferry_line_it_names(
    node: Context, db: Database
) -> None:
    """The fastest way from Dostyk runs through Kuryk; a shipment that names Aktau's port and
    the Aktau-Alat ferry line is planned through Aktau, and one the shipper sends through
    Kuryk is refused with the carrier and its ports named, nothing stored."""
    fastest = node.network.route("dostyk", "constanta", "fastest", [])
    assert "kuryk" in fastest.nodes
    assert "aktau" not in fastest.nodes
    free = draft("PORT-1").model_dump(mode="json")
    free["route"]["via"] = []
    made = shipments.submit(node, SHIPPER, ShipmentDraft.model_validate(free), T0)
    assert "aktau" in made.route.nodes
    assert "kuryk" not in made.route.nodes
    assert made.readiness is not None
    assert shipments.get(node, SHIPPER, made.id).route.nodes == made.route.nodes
    before = count(db, ShipmentRow)
    forced = {**free, "reference": "PORT-2", "route": {**free["route"], "via": ["kuryk"]}}
    with pytest.raises(exc.InvalidInput) as refused:
        shipments.submit(node, SHIPPER, ShipmentDraft.model_validate(forced), T0)
    assert refused.value.said is not None
    assert refused.value.said[0] == "carrier_off_route"
    fields = {e.field: e for e in refused.value.errors}
    # The port; the ferry line works at Alat too, which the route through Kuryk passes.
    assert set(fields) == {"carriers.1"}
    assert "Aktau port" in fields["carriers.1"].message
    assert count(db, ShipmentRow) == before
    # Without the port and the ferry line, nothing constrains the route.
    plain = {**free, "reference": "PORT-3", "carriers": ["kz-rail"]}
    assert (
        "kuryk"
        in shipments.submit(node, SHIPPER, ShipmentDraft.model_validate(plain), T0).route.nodes
    )


def test_a_place_an_organisation_works_at_must_be_a_corridor_node(node: Context) -> None:
    stranger = Organisation(
        id="far-port", name="Far Port", country="KZ", role="port", works_at=("atlantis",)
    )
    with pytest.raises(exc.UnknownNode) as refused:
        organisations.register(node, NODE_ADMIN, stranger, T0)
    assert refused.value.errors[0].field == "works_at.0"
    placed = stranger.model_copy(update={"works_at": ("aktau",)})
    organisations.register(node, NODE_ADMIN, placed, T0)
    assert organisations.get(node, "far-port").works_at == ("aktau",)
