"""The one interface to a national NCTS: what a trader may send and take, files in and out,
and the conformance double's published flow."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from corridor.customs import messages, ncts
from corridor.customs.references import new_mrn
from corridor.customs.trader_interface import (
    ConformanceDouble,
    Folder,
    field_of,
    message_type,
    read_declaration,
)
from corridor.exceptions import Conflict, InvalidInput

AT = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
MOVEMENT = ncts.Movement(
    lrn="26KZ00000000000042",
    declared_at=AT,
    departure="GEPOT001",
    destination="ROCT0001",
    holder=ncts.Trader("KZ071140004811", "Caspian Transit Forwarding"),
    grn="26KZF20H66CR9EEI8",
    amount=Decimal("17000.00"),
    currency="USD",
    items=[ncts.Item("Ferro-chromium", "720241", Decimal("40400"), 40)],
    containers=[("CSQU3054383", "KZ0012345")],
    routing=["GE", "RO"],
    dispatch_country="GE",
    destination_country="RO",
)
HOLDER = "KZ071140004811"


def test_only_a_traders_messages_go_out_and_only_answers_come_in() -> None:
    declared = messages.cc015c(MOVEMENT, AT, HOLDER)
    assert message_type(declared) == "CC015C"
    with pytest.raises(InvalidInput, match="not a trader's NCTS message"):
        message_type(declared.replace(b"<messageType>CC015C", b"<messageType>CC001C"))
    with pytest.raises(InvalidInput, match="not an NCTS message"):
        message_type(b"<not-closed")
    with pytest.raises(InvalidInput, match="does not validate"):
        message_type(re.sub(rb"<LRN>[^<]*</LRN>", b"", declared))


def test_the_declaration_reads_back_as_it_was_declared() -> None:
    back = read_declaration(messages.cc015c(MOVEMENT, AT, HOLDER))
    assert (back.lrn, back.departure, back.destination) == (
        MOVEMENT.lrn,
        "GEPOT001",
        "ROCT0001",
    )
    assert (back.grn, back.amount, back.currency) == (MOVEMENT.grn, Decimal("17000.00"), "USD")
    assert back.holder.identification == HOLDER
    assert back.containers == [("CSQU3054383", "KZ0012345")]


def test_files_go_out_and_answers_are_taken_once(tmp_path: Path) -> None:
    link = Folder("GE", tmp_path)
    link.send(messages.cc015c(MOVEMENT, AT, HOLDER))
    (sent,) = list((tmp_path / "GE" / "out").iterdir())
    assert "CC015C" in sent.name
    assert link.receive() == []
    inbox = tmp_path / "GE" / "in"
    inbox.mkdir()
    answer = messages.cc028c(replace(MOVEMENT, mrn=new_mrn(2026, "GE", b"k", "1")), AT, HOLDER)
    (inbox / "a.xml").write_bytes(answer)
    assert link.receive() == [answer]
    assert link.receive() == []


def test_the_double_follows_the_published_flow() -> None:
    double = ConformanceDouble("GE", guarantees={MOVEMENT.grn or "": (Decimal("25000"), "USD")})
    with pytest.raises(InvalidInput, match="not one of RO's NCTS"):
        ConformanceDouble("RO").send(messages.cc015c(MOVEMENT, AT, HOLDER))
    double.send(messages.cc015c(MOVEMENT, AT, HOLDER))
    answers = double.receive()
    assert [message_type(a) for a in answers] == ["CC928C", "CC028C"]
    mrn = ncts_mrn(answers[1])
    assert mrn[2:4] == "GE"
    moved = replace(MOVEMENT, mrn=mrn)
    arrival = messages.cc007c(moved, AT, ncts.Trader("RO18547290", None))
    with pytest.raises(Conflict, match="not released"):
        double.send(arrival)
    double.control(mrn, AT + timedelta(minutes=5))
    double.release(mrn, AT + timedelta(minutes=10))
    double.send(arrival)
    assert [message_type(a) for a in double.receive()] == ["CC060C", "CC029C", "CC025C", "CC045C"]


def ncts_mrn(xml: bytes) -> str:
    found = field_of(xml, "TransitOperation/MRN")
    assert found
    return found
