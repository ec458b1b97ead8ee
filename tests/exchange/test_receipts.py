"""Receipts and witnessed ledgers: every envelope is answered; a sender whose clock is off
sees its envelopes come back refused with the reason and gets them through once the clock
is right; a ledger cut short, rewritten or re-dated, or whose documents were swapped, is
reported at the first bad entry."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from corridor import ledger
from corridor.cli import app
from corridor.documents import MEDIA_TYPE, Signer, issue, jws_digest, signing
from corridor.documents._hazmat import generate_key
from corridor.exceptions import LedgerBroken
from corridor.exchange import delivery, hold, receipts
from corridor.exchange.envelope import Opened, seal
from corridor.exchange.intake import release
from corridor.model import DocumentKind
from corridor.services import (
    NODE_ADMIN,
    Context,
    disclosure,
    inbound,
    keys,
    ledgers,
    papers,
    shipments,
)
from corridor.store.exchange_tables import (
    OutboxRow,
    ReceiptRow,
    RejectionRow,
    WitnessRow,
)
from corridor.store.tables import DocumentRow, LedgerEntryRow
from tests.conftest import ORGS, T0
from tests.exchange.conftest import AUTHORITIES, Corridor
from tests.factories import STORY

SHIPPER = ORGS["kz-ferroalloy"]


def _round(c: Corridor, at: object = None, shipper_at: object = None) -> None:
    """The shipper sends; every authority takes in and answers; the shipper takes receipts.
    `at` sets every node's clock, `shipper_at` the shipper's apart from the others'."""

    async def go() -> None:
        nodes = [c.shipper, *c.authorities.values()]
        for node in nodes:
            assert node.exchange is not None
            clock = shipper_at if node is c.shipper and shipper_at is not None else at
            if clock is not None:
                node.exchange.clock = clock  # type: ignore[assignment]
        for _ in range(3):  # send; take in and answer; take the answers in
            for node in nodes:
                assert node.exchange is not None
                await inbound.turn(node)

    asyncio.run(go())


def _outbox(node: Context) -> list[tuple[str, str | None, str | None]]:
    with node.db.transaction() as s:
        return [
            (r.to_node, r.receipt_status, r.receipt_reason)
            for r in s.scalars(sa.select(OutboxRow).order_by(OutboxRow.to_node))
        ]


def _broken(c: Corridor) -> LedgerBroken:
    with pytest.raises(LedgerBroken) as info:
        ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)
    return info.value


def test_every_disclosure_is_answered_and_witnessed(corridor_nodes: Corridor) -> None:
    c = corridor_nodes
    ids = disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, T0)
    _round(c, lambda: T0 + timedelta(minutes=5))
    assert [(to, status) for to, status, _ in _outbox(c.shipper)] == [
        ("az", "stored"),
        ("eu", "stored"),
        ("ge", "stored"),
        ("kz", "stored"),
    ]
    view = ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)
    witnessed = [e for e in view.entries if e.kind == "witnessed"]
    assert sorted(e.body["envelope"] for e in witnessed) == sorted(ids)
    # Each receipt witnessed exactly the 'disclosed' entry of its own envelope.
    disclosed = {e.body["envelope"]: e for e in view.entries if e.kind == "disclosed"}
    for e in witnessed:
        assert e.body["head"] == {
            "seq": disclosed[e.body["envelope"]].seq,
            "hash": disclosed[e.body["envelope"]].hash,
        }


def test_a_fast_sender_clock_is_held_and_goes_through_once_the_clocks_agree(
    corridor_nodes: Corridor,
) -> None:
    """Envelopes made ten minutes ahead of the receivers' clocks are neither stored early
    nor refused and lost: each receiver holds its envelope, answers "held" with the reason,
    and takes it in once its own clock reaches the envelope's time."""
    c = corridor_nodes
    receivers_now = T0 + timedelta(hours=1)
    fast = receivers_now + timedelta(minutes=10)
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, fast)
    _round(c, lambda: receivers_now)
    answers = _outbox(c.shipper)
    assert {status for _, status, _ in answers} == {"held"}
    assert all(reason and "600 s ahead of node" in reason for _, _, reason in answers)
    told = disclosure.answers(c.shipper, SHIPPER, c.shipment_id)
    assert all(answer.startswith("held: made 600 s ahead") for answer in told.values())
    # The receivers' health says a peer's clock is off, by how much, and what they hold.
    az = c.authorities["az"].exchange
    assert az is not None
    health = az.health()
    assert health["clock_ok"] is False
    assert health["peer_clock_offset_s"] == 600
    assert health["held"] == 1
    assert disclosure.inbox(c.authorities["az"], ORGS["az-customs"]) == []
    # Four minutes later the envelopes are still five minutes ahead (the most allowed):
    # still held. Six minutes later they are taken in, once each, and answered "stored".
    _round(c, lambda: receivers_now + timedelta(minutes=4))
    assert {status for _, status, _ in _outbox(c.shipper)} == {"held"}
    _round(c, lambda: receivers_now + timedelta(minutes=6))
    assert {status for _, status, _ in _outbox(c.shipper)} == {"stored"}
    for name, ctx in c.authorities.items():
        assert ctx.exchange is not None
        assert ctx.exchange.health()["held"] == 0
        if name != "tr":  # not on this route
            assert len(disclosure.inbox(ctx, ORGS[AUTHORITIES[name]])) == 1
    ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)  # intact, each disclosure witnessed


def test_a_clock_more_than_an_hour_ahead_is_refused_with_the_reason(
    corridor_nodes: Corridor,
) -> None:
    """Holding is bounded: an envelope dated more than an hour ahead is refused, so a
    node cannot fill another's store with envelopes from the far future."""
    c = corridor_nodes
    receivers_now = T0 + timedelta(hours=1)
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, receivers_now + timedelta(hours=2))
    _round(c, lambda: receivers_now)
    answers = _outbox(c.shipper)
    assert {status for _, status, _ in answers} == {"refused"}
    assert all(reason and reason.startswith("clock_skew") for _, _, reason in answers)
    # Nothing was stored, nothing lost: with the clock right, the data goes through.
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, receivers_now)
    _round(c, lambda: receivers_now + timedelta(minutes=1))
    statuses = [status for _, status, _ in _outbox(c.shipper)]
    assert statuses.count("stored") == 4
    assert statuses.count("refused") == 4
    ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)  # intact


def test_a_slow_sender_holds_its_receipts_and_says_why_until_its_clock_catches_up(
    corridor_nodes: Corridor,
) -> None:
    """A shipper's node ten minutes slow: the authorities store its envelopes (made in
    their past), and their receipts, made on their clocks, arrive from its future. It holds
    them, its outbox says the answer waits here and to check its own clock, and once its
    clock is right every receipt is taken and witnesses the ledger."""
    c = corridor_nodes
    real = T0 + timedelta(hours=1)
    slow = real - timedelta(minutes=10)
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, slow)

    _round(c, lambda: real, shipper_at=lambda: slow)
    answers = _outbox(c.shipper)
    assert {status for _, status, _ in answers} == {"held"}
    assert all(
        reason and "held here" in reason and "this node's clock" in reason
        for _, _, reason in answers
    )
    assert c.shipper.exchange is not None
    assert c.shipper.exchange.health()["held"] == 4
    # The clock put right: the held receipts are taken in, each witnessing its envelope.
    _round(c, lambda: real + timedelta(minutes=1), shipper_at=lambda: real + timedelta(minutes=1))
    assert {status for _, status, _ in _outbox(c.shipper)} == {"stored"}
    assert c.shipper.exchange.health()["held"] == 0
    view = ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)
    sent = {e.body["envelope"] for e in view.entries if e.kind == "disclosed"}
    assert len(sent) == 4
    assert sent <= {e.body["envelope"] for e in view.entries if e.kind == "witnessed"}


def test_a_sender_whose_clock_is_fast_is_told_before_it_sends_again(
    corridor_nodes: Corridor,
) -> None:
    """The answers a fast sender gets back were made on its peers' clocks: its own health
    turns not-ok and says by how much, and the next disclosure carries the warning; once the
    clock is right and fresh answers come in, the warning goes."""
    c = corridor_nodes
    receivers_now = T0 + timedelta(hours=1)
    fast = receivers_now + timedelta(minutes=10)
    assert disclosure.clock_warning(c.shipper) is None
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, fast)

    _round(c, lambda: receivers_now, shipper_at=lambda: fast)
    assert c.shipper.exchange is not None
    health = c.shipper.exchange.health()
    assert health["clock_ok"] is False
    assert health["peer_clock_offset_s"] == -600
    warning = disclosure.clock_warning(c.shipper)
    assert warning is not None
    assert "600 s ahead of its peers'" in warning
    # The clock put right and the node restarted (the offsets are kept in memory only):
    # fresh answers bring the median back and the warning goes.
    c.shipper.exchange.node.offsets.clear()
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, receivers_now)
    _round(c, lambda: receivers_now, shipper_at=lambda: receivers_now)
    assert disclosure.clock_warning(c.shipper) is None
    assert c.shipper.exchange.health()["clock_ok"] is True


def test_a_superseded_key_cannot_backdate_what_no_node_witnessed(
    corridor_nodes: Corridor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Receipts name the documents each authority took in; once the shipper's key is
    superseded, those still verify, while a document signed afterwards and dated before
    the revocation, which no node ever saw, is refused with revoked_key. Without the
    witnesses (an offline check), its own date would have let it pass."""
    c = corridor_nodes
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, T0)
    _round(c, lambda: T0 + timedelta(minutes=5))
    with c.shipper.db.transaction() as s:
        sent = s.scalars(
            sa.select(DocumentRow).where(
                DocumentRow.shipment_id == c.shipment_id, DocumentRow.kind == "commercial_invoice"
            )
        ).one()
        signer = c.shipper.keys.signer(s, SHIPPER.id)
    invoice = sent.content.decode("ascii")
    fields = STORY.papers(shipments.get(c.shipper, SHIPPER, c.shipment_id))
    backdated = issue(
        signer,
        SHIPPER,
        DocumentKind.COMMERCIAL_INVOICE,
        fields[DocumentKind.COMMERCIAL_INVOICE],
        T0 + timedelta(minutes=10),
        c.shipment_id,
    )
    with c.shipper.db.transaction() as s:
        c.shipper.keys.revoke(s, signer.kid, T0 + timedelta(minutes=20), "superseded")
    _round(c, lambda: T0 + timedelta(minutes=25))  # the revocation goes out to the directory
    trust, later = keys.trust_list(c.shipper), T0 + timedelta(minutes=30)
    assert trust.entries[signer.kid].revocation_reason == "superseded"
    seen = papers.witnesses(c.shipper)
    assert papers.check(invoice.encode(), trust, later, seen).status == "VALID"
    refused = papers.check(backdated.encode(), trust, later, seen)
    assert (refused.status, refused.reason) == ("INVALID", "revoked_key")
    assert "never witnessed" in (refused.message or "")
    assert papers.check(backdated.encode(), trust, later).status == "VALID"
    # Every door of the node gives the same verdict: the API, the page and the command line
    # (which once used the node's trust list without its witnesses).
    c.shipper.clock = lambda: later
    assert (papers.verdict(c.shipper, backdated.encode()).reason) == "revoked_key"
    assert papers.verdict(c.shipper, invoice.encode()).status == "VALID"
    folder = c.shipper.settings.data_dir
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(folder))
    monkeypatch.setenv("CORRIDOR_DATABASE_URL", c.shipper.db.safe_url())
    cli = CliRunner().invoke(app, ["verify", "-"], input=backdated)
    assert cli.exit_code == 3, cli.output
    assert "revoked_key" in cli.output
    assert CliRunner().invoke(app, ["verify", "-"], input=invoice).exit_code == 0
    # Attaching it now is a sighting after the revocation: still refused, and says when.
    papers.attach(
        c.shipper,
        SHIPPER,
        c.shipment_id,
        DocumentKind.COMMERCIAL_INVOICE,
        "late.sd-jwt",
        MEDIA_TYPE,
        backdated.encode(),
        later,
    )
    seen_late = papers.check(backdated.encode(), trust, later, seen)
    assert seen_late.reason == "revoked_key"
    assert "first witnessed" in (seen_late.message or "")
    # The shipper's node saw it when it was issued; the receipts of the authorities that
    # received it (export and import; transit gets no invoice) named it: all before the
    # revocation.
    with c.shipper.db.transaction() as s:
        witnesses = s.execute(
            sa.select(WitnessRow.node, WitnessRow.witnessed_at).where(
                WitnessRow.jws_sha256 == jws_digest(invoice)
            )
        ).all()
    assert sorted(n for n, _ in witnesses) == ["eu", "kz", "shipper"]
    assert all(at < T0 + timedelta(minutes=20) for _, at in witnesses)


@pytest.fixture
def witnessed(corridor_nodes: Corridor) -> Corridor:
    disclosure.disclose(corridor_nodes.shipper, SHIPPER, corridor_nodes.shipment_id, T0)
    _round(corridor_nodes, lambda: T0 + timedelta(minutes=5))
    ledgers.shipment(corridor_nodes.shipper, SHIPPER, corridor_nodes.shipment_id)
    return corridor_nodes


def _delete_from(c: Corridor, seq: int) -> None:
    with c.shipper.db.transaction() as s:
        s.execute(
            sa.delete(LedgerEntryRow).where(
                LedgerEntryRow.shipment_id == c.shipment_id, LedgerEntryRow.seq >= seq
            )
        )


def _chain(c: Corridor) -> list[ledger.Entry]:
    with c.shipper.db.transaction() as s:
        return ledger.entries(s, c.shipment_id)


def test_deleting_the_last_entry_is_found(witnessed: Corridor) -> None:
    _delete_from(witnessed, len(_chain(witnessed)) - 1)
    assert _broken(witnessed).reason == "truncated"


def test_deleting_most_of_the_chain_is_found(witnessed: Corridor) -> None:
    n = len(_chain(witnessed))
    assert n > 10
    _delete_from(witnessed, 2)
    err = _broken(witnessed)
    assert (err.reason, err.seq) == ("truncated", 2)


def test_a_consistent_rewrite_by_a_node_holding_every_key_is_found(witnessed: Corridor) -> None:
    """Every entry re-hashed and re-signed with its actor's own key: the chain checks out in
    itself, but no longer matches what the authorities' nodes witnessed."""
    c = witnessed
    chain = _chain(c)
    with c.shipper.db.transaction() as s:
        signers = {e.actor_id: c.shipper.keys.signer(s, e.actor_id) for e in chain}
        s.execute(sa.delete(LedgerEntryRow).where(LedgerEntryRow.shipment_id == c.shipment_id))
        for e in chain:
            body = {**e.body, "rewritten": True} if e.seq == 1 else e.body
            ledger.append(
                s, signers[e.actor_id], e.actor_id, c.shipment_id, e.kind, body, ledgers.utc(e.at)
            )
    err = _broken(c)
    assert err.reason == "rewritten"


def test_an_entry_dated_before_its_predecessor_is_found(witnessed: Corridor) -> None:
    """A writer that holds the key but not our append (which never dates backwards)."""
    c = witnessed
    last = _chain(c)[-1]
    with c.shipper.db.transaction() as s:
        signer = c.shipper.keys.signer(s, SHIPPER.id)
        draft = ledger.Entry(
            c.shipment_id,
            last.seq + 1,
            last.hash,
            "note",
            SHIPPER.id,
            signer.kid,
            last.at - 60,
            {},
            "",
            "",
        )
        digest = ledger.content_hash(draft.content())
        entry = replace(draft, hash=digest, signature=signing.sign(signer, bytes.fromhex(digest)))
        s.add(LedgerEntryRow(**entry.__dict__))
    err = _broken(c)
    assert (err.reason, err.seq) == ("time_order", last.seq + 1)


def test_a_replaced_document_is_found(witnessed: Corridor) -> None:
    c = witnessed
    with c.shipper.db.transaction() as s:
        doc = s.scalars(
            sa.select(DocumentRow).where(DocumentRow.shipment_id == c.shipment_id)
        ).first()
        assert doc is not None
        doc.content = doc.content.replace(b"a", b"b", 1)
    # Everyday reads trust the digest verified on storing; an audit hashes the bytes again.
    ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)
    with pytest.raises(LedgerBroken) as info:
        ledgers.shipment(c.shipper, SHIPPER, c.shipment_id, audit=True)
    assert info.value.reason == "document_changed"


def test_a_replaced_document_with_its_digest_rewritten_is_found_on_every_read(
    witnessed: Corridor,
) -> None:
    c = witnessed
    with c.shipper.db.transaction() as s:
        doc = s.scalars(
            sa.select(DocumentRow).where(DocumentRow.shipment_id == c.shipment_id)
        ).first()
        assert doc is not None
        doc.content = doc.content.replace(b"a", b"b", 1)
        doc.sha256 = hashlib.sha256(doc.content).hexdigest()
    # The attachment's ledger entry still names the digest of the bytes first stored.
    assert _broken(c).reason == "document_changed"


def test_an_entry_signed_outside_its_keys_validity_is_found(witnessed: Corridor) -> None:
    c = witnessed
    chain = _chain(c)
    with c.shipper.db.transaction() as s:
        signer = c.shipper.keys.signer(s, SHIPPER.id)
        # A later entry claiming a time before the key existed (dated after the previous
        # entry, so only the key's validity can catch it).
        s.execute(sa.delete(LedgerEntryRow).where(LedgerEntryRow.shipment_id == c.shipment_id))
        first = replace(chain[0])
        ledger.append(
            s, signer, first.actor_id, c.shipment_id, first.kind, first.body, T0 - timedelta(days=1)
        )
    assert _broken(c).reason in ("invalid_key", "rewritten")


def test_a_forged_receipt_witnesses_nothing(witnessed: Corridor) -> None:
    c = witnessed
    with c.shipper.db.transaction() as s:
        row = s.scalars(sa.select(ReceiptRow)).first()
        assert row is not None
        statement = dict(row.statement)
        statement["body"] = {**statement["body"], "head": {"seq": 999, "hash": "0" * 64}}
        row.statement = statement
        row.head_seq = 999
    ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)  # the forged witness is ignored


def _forged_receipt(c: Corridor, name: str, **changes: object) -> None:
    """A receipt the receiving node `name` signs itself (a hostile receiver can), for an
    envelope the shipper sent it, with `changes` to its statement; taken by the shipper."""
    shipper = c.node("shipper")
    receiver = c.node(name)
    with c.shipper.db.transaction() as s:
        sent = s.scalars(
            sa.select(OutboxRow).where(
                OutboxRow.to_node == name, OutboxRow.shipment_id == c.shipment_id
            )
        ).first()
        assert sent is not None
        body = {
            "type": "receipt",
            "envelope": sent.id,
            "shipment": c.shipment_id,
            "node": name,
            "status": "stored",
            "reason": None,
            "head": {"seq": sent.head_seq, "hash": sent.head_hash},
            "at": int((T0 + timedelta(minutes=6)).timestamp()),
            "documents": [],
            **changes,
        }
    raw = {
        "body": body,
        "kid": receiver.signer.kid,
        "sig": signing.sign(receiver.signer, signing.canonical(body)),
    }
    env = Opened(
        "forged-" + name,
        name,
        receiver.organisation.id,
        receiver.signer.kid,
        "receipt",
        0,
        {"receipt": raw},
    )
    with c.shipper.db.connection() as conn:
        receipts.take(shipper, conn, env, c.trust(), T0 + timedelta(minutes=7))


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"shipment": "another-shipment"}, "names shipment 'another-shipment'"),
        ({"head": {"seq": 0, "hash": "0" * 64}}, "head envelope"),
        ({"status": "lost"}, "stored, refused or held"),
    ],
)
def test_a_receiver_cannot_bind_its_receipt_to_anything_but_the_envelope(
    witnessed: Corridor, changes: dict[str, object], why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        _forged_receipt(witnessed, "az", **changes)
    # The shipment's ledger still verifies, and no other shipment's is touched.
    ledgers.shipment(witnessed.shipper, SHIPPER, witnessed.shipment_id)


def test_a_witness_time_stays_within_the_envelopes_life(witnessed: Corridor) -> None:
    c = witnessed
    token = _signed_token(c)
    digest = jws_digest(token)
    with c.shipper.db.transaction() as s:
        s.execute(sa.delete(ReceiptRow).where(ReceiptRow.node == "kz"))
        created = s.scalar(
            sa.select(OutboxRow.created_at).where(
                OutboxRow.to_node == "kz", OutboxRow.shipment_id == c.shipment_id
            )
        )
    # The receiver claims to have seen the document in 2001.
    _forged_receipt(
        c, "kz", at=int(datetime(2001, 1, 1, tzinfo=UTC).timestamp()), documents=[digest]
    )
    with c.shipper.db.transaction() as s:
        seen = s.scalars(
            sa.select(WitnessRow.witnessed_at).where(
                WitnessRow.jws_sha256 == digest, WitnessRow.node == "kz"
            )
        ).all()
    assert seen
    assert min(seen) >= created


def _signed_token(c: Corridor) -> str:
    with c.shipper.db.transaction() as s:
        content = s.scalar(
            sa.select(DocumentRow.content).where(
                DocumentRow.shipment_id == c.shipment_id, DocumentRow.media_type == MEDIA_TYPE
            )
        )
    assert content is not None
    return content.decode("ascii")


def test_a_retried_disclosure_with_its_idempotency_key_sends_once(
    corridor_nodes: Corridor,
) -> None:
    c = corridor_nodes
    first = disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, T0, idempotency_key="d-1")
    again = disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, T0, idempotency_key="d-1")
    assert again == first
    assert len(_outbox(c.shipper)) == len(first)
    # Without a key, a second disclosure is a new one.
    assert disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, T0) != first


def test_an_answer_to_an_envelope_never_sent_is_logged_as_unsolicited(
    corridor_nodes: Corridor,
) -> None:
    """A refusal for an envelope someone else sent in the shipper node's name comes back to
    it: it is refused as unsolicited (the sign that its name is used), not as malformed, and
    is not answered (no bounce)."""
    c = corridor_nodes
    az = c.authorities["az"].exchange
    assert az is not None
    shipper = c.node("shipper")
    to = az.replier().address_of("shipper")
    assert to is not None
    never = Opened(
        "never-sent", "shipper", SHIPPER.id, "k", "pre_arrival", 0, {"shipment": c.shipment_id}
    )
    body = receipts.statement(
        az.node.signer, "az", never, "refused", "forged: a document failed", T0
    )
    _, sealed = seal(
        {"receipt": body}, to, "az", az.node.organisation.id, az.node.signer, receipts.KIND, T0
    )
    outcome = delivery.receive(shipper, sealed, c.trust(), T0, replier=None)
    assert outcome == "unsolicited"
    with c.shipper.db.transaction() as s:
        (row,) = s.scalars(sa.select(RejectionRow))
        assert row.reason == "unsolicited"
        assert "never-sent" in row.detail
        assert s.scalar(sa.select(sa.func.count()).select_from(OutboxRow)) == 0


def test_a_document_signed_with_a_key_still_on_its_way_is_held_then_taken(
    corridor_nodes: Corridor,
) -> None:
    """A receiver whose directory does not carry a key yet (made a moment ago on the
    sending node) holds the envelope and tells the sender, takes it in once the key has
    arrived, and refuses it only after waiting ten minutes for it."""
    c = corridor_nodes
    az = c.authorities["az"].exchange
    assert az is not None
    before = az.trust()  # the directory as the receiver holds it now
    # The holder signs its declaration again, with a new key made now.
    now = T0 + timedelta(minutes=1)
    keys.rotate(c.shipper, NODE_ADMIN, "kz-forwarder", now)
    fields = STORY.papers(shipments.get(c.shipper, SHIPPER, c.shipment_id))
    papers.issue_signed(
        c.shipper,
        ORGS["kz-forwarder"],
        c.shipment_id,
        DocumentKind.TRANSIT_DECLARATION,
        fields[DocumentKind.TRANSIT_DECLARATION],
        now,
    )
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, now)
    asyncio.run(inbound.turn(c.shipper))  # publishes the key, then sends
    bus = c.shipper.exchange.bus if c.shipper.exchange else None
    raw = next(iter(bus.queues["az"]))  # type: ignore[union-attr]
    node, hosts, replier = az.node, az.directory.host_of, az.replier()
    # The envelope reached the receiver before its directory carried the new key.
    assert delivery.receive(node, raw, before, now, hosts, replier) == "held"
    assert az.health()["held"] == 1
    # Still missing after a minute: still held. Refused only once ten minutes have passed.
    later = now + timedelta(minutes=1)
    assert release(node, before, later, hosts, replier) == {"held": 1}
    assert release(node, before, now + timedelta(minutes=11), hosts, replier) == {"forged": 1}
    assert az.health()["held"] == 0
    # Delivered again: held again, and taken in once the key has come with the directory.
    assert delivery.receive(node, raw, before, later, hosts, replier) == "held"
    asyncio.run(az.refresh())
    taken = release(node, az.trust(), later + timedelta(seconds=6), hosts, replier)
    assert taken == {"stored": 1}


def test_envelopes_whose_signing_key_is_unknown_are_held_only_a_few_per_node(
    corridor_nodes: Corridor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone sends envelopes in a known node's name, signed with keys nobody published: a
    few are held for the key to arrive, the rest refused at once, so the store is not filled
    in that node's name."""
    monkeypatch.setattr(hold, "UNCHECKED_PER_NODE", 3)
    c = corridor_nodes
    az = c.authorities["az"].exchange
    assert az is not None
    to = az.replier().address_of("az")
    assert to is not None
    forger = Signer(generate_key(), "unpublished-kid")  # a key no directory carries
    outcomes = []
    for n in range(5):
        _, raw = seal({"n": n}, to, "shipper", SHIPPER.id, forger, "pre_arrival", T0)
        outcomes.append(
            delivery.receive(az.node, raw, az.trust(), T0, az.directory.host_of, az.replier())
        )
    assert outcomes == ["held"] * 3 + ["forged"] * 2
