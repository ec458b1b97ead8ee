"""How a holder's messages reach a national NCTS, and its answers come back: one interface.

corridor is trader software towards the NCTS of a convention party (Georgia, Türkiye,
Romania): it sends what a trader sends (IE015, IE013, IE014, IE007, …) and takes in what the
national NCTS answers a trader (IE928, IE028, IE029, IE051, IE055, IE056, IE060, IE019,
IE025, IE043, IE045). Office-to-office messages (IE001, IE050, IE118, IE006, IE018, …) pass
between national systems over CCN/CSI and never through here [transit-regimes §3.4].

Two implementations: `Folder` (files out and in, for a national portal's upload and
download or an operator's relay) and `ConformanceDouble`, a stand-in national NCTS for the
tests and the demo that follows the published message flow of a trader's movement (HMRC CTC
Traders Phase 5 process flows: declaration → acknowledgement and MRN, or guarantee not
valid; control; release or no release; arrival → goods release → write-off). No real
national NCTS is reached from here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from lxml import etree

from corridor.customs import messages, ncts
from corridor.customs.references import new_mrn
from corridor.exceptions import Conflict, InvalidInput, NotFound

# What a trader sends, and what the national NCTS answers a trader.
TRADER_SENDS = frozenset({"CC015C", "CC013C", "CC014C", "CC007C", "CC044C", "CC170C"})
NCTS_ANSWERS = frozenset(
    {
        "CC928C", "CC028C", "CC029C", "CC051C", "CC055C", "CC056C", "CC060C",
        "CC019C", "CC025C", "CC043C", "CC045C",
    }
)  # fmt: skip


class NationalNcts(Protocol):
    """A national NCTS's trader interface, for one country."""

    country: str

    def send(self, xml: bytes) -> None:
        """Hand over one message a trader sends (refused at once if it does not validate)."""

    def receive(self) -> list[bytes]:
        """The answers waiting for the trader, oldest first (each taken once)."""


def message_type(xml: bytes) -> str:
    """The message type of an NCTS message (its `messageType`), checked against the
    schemas this product holds."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        doc = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"not an NCTS message: {exc}") from None
    kind = (doc.findtext("messageType") or "").strip()
    if kind not in TRADER_SENDS | NCTS_ANSWERS:
        raise InvalidInput(f"{kind or 'a message without a type'} is not a trader's NCTS message")
    ncts.validate(kind, xml)
    return kind


def field_of(xml: bytes, path: str) -> str | None:
    """One element's text of a message, by its path under the root."""
    doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    value = doc.findtext(path)
    return value.strip() if value else None


@dataclass
class Folder:
    """Files out (`out/`, for the national portal or a relay) and in (`in/`, answers
    dropped there); an answer taken in moves to `in/taken/`."""

    country: str
    root: Path

    def send(self, xml: bytes) -> None:
        kind = message_type(xml)
        out = self.root / self.country / "out"
        out.mkdir(parents=True, exist_ok=True)
        stamp = field_of(xml, "preparationDateAndTime") or "0"
        name = f"{re.sub(r'[^0-9T]', '', stamp)}-{kind}-{len(os.listdir(out)) + 1:05d}.xml"
        fd = os.open(out / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(xml)

    def receive(self) -> list[bytes]:
        inbox = self.root / self.country / "in"
        if not inbox.is_dir():
            return []
        taken = inbox / "taken"
        taken.mkdir(exist_ok=True)
        out = []
        for path in sorted(p for p in inbox.iterdir() if p.suffix == ".xml"):
            out.append(path.read_bytes())
            os.replace(path, taken / path.name)
        return out


@dataclass
class _Lodged:
    movement: ncts.Movement
    holder: str
    state: str = "accepted"


@dataclass
class ConformanceDouble:
    """A stand-in national NCTS of one convention party: validates what it is sent, and
    answers as the published flow says. Its office's decisions (control, release, no
    release) are taken by calling it, as the real office's officers would in their system;
    its guarantees are those registered with it."""

    country: str
    secret: bytes = b"conformance-double"
    guarantees: dict[str, tuple[Decimal, str]] = field(default_factory=dict)
    sent: list[bytes] = field(default_factory=list)
    _answers: list[bytes] = field(default_factory=list)
    _movements: dict[str, _Lodged] = field(default_factory=dict)

    def send(self, xml: bytes) -> None:
        kind = message_type(xml)
        self.sent.append(xml)
        at = datetime.fromisoformat(field_of(xml, "preparationDateAndTime") or "")
        at = at.replace(tzinfo=UTC)
        sender = field_of(xml, "messageSender") or "TRADER"
        if kind == "CC015C":
            self._declaration(xml, at, sender)
        elif kind == "CC007C":
            self._arrival(xml, at)
        else:
            raise InvalidInput(f"this national interface does not take {kind} yet")

    def receive(self) -> list[bytes]:
        out, self._answers = self._answers, []
        return out

    def _declaration(self, xml: bytes, at: datetime, sender: str) -> None:
        m = read_declaration(xml)
        departure = m.departure[:2]
        if departure != self.country:
            raise InvalidInput(
                f"the office of departure {m.departure} is not one of {self.country}'s NCTS"
            )
        count = len(self._movements)
        mrn = new_mrn(at.year, departure, self.secret, f"{count}:{m.lrn}")
        lodged = _Lodged(movement=_with_mrn(m, mrn), holder=sender)
        self._movements[mrn] = lodged
        answer = at + timedelta(minutes=1)
        self._answers.append(messages.cc928c(lodged.movement, answer, sender))
        self._answers.append(messages.cc028c(lodged.movement, answer, sender))
        problem = self._guarantee_problem(lodged.movement)
        if problem:
            lodged.state = "guarantee_rejected"
            self._answers.append(messages.cc055c(lodged.movement, answer, sender, problem))

    def _guarantee_problem(self, m: ncts.Movement) -> str | None:
        held = self.guarantees.get(m.grn or "")
        if held is None:
            return f"guarantee {m.grn} is not registered with the office of guarantee"
        amount, currency = held
        if currency != m.currency:
            return f"guarantee {m.grn} is in {currency}; {m.amount} {m.currency} must be covered"
        if amount < m.amount:
            return f"guarantee {m.grn} covers {amount} {currency}; {m.amount} must be covered"
        return None

    def _find(self, mrn: str) -> _Lodged:
        found = self._movements.get(mrn)
        if found is None:
            raise NotFound(f"no movement {mrn} in {self.country}'s NCTS")
        return found

    def control(self, mrn: str, at: datetime, intention: bool = False) -> None:
        """The office of departure decides to control (IE060)."""
        lodged = self._find(mrn)
        self._answers.append(messages.cc060c(lodged.movement, at, lodged.holder, intention))
        lodged.state = "under_control"

    def release(self, mrn: str, at: datetime) -> None:
        """The office of departure releases the goods for transit (IE029)."""
        lodged = self._find(mrn)
        if lodged.state == "guarantee_rejected":
            raise Conflict(f"{mrn}: the guarantee was not valid; no release")
        controlled = lodged.state == "under_control"
        self._answers.append(messages.cc029c(lodged.movement, at, lodged.holder, controlled))
        lodged.state = "released"

    def refuse(self, mrn: str, at: datetime, reason: str) -> None:
        """The office of departure does not release (IE051)."""
        lodged = self._find(mrn)
        self._answers.append(messages.cc051c(lodged.movement, at, lodged.holder, reason))
        lodged.state = "not_released"

    def _arrival(self, xml: bytes, at: datetime) -> None:
        mrn = field_of(xml, "TransitOperation/MRN") or ""
        lodged = self._find(mrn)
        if lodged.state != "released":
            raise Conflict(f"{mrn} was not released for transit; it cannot arrive")
        trader = ncts.Trader(field_of(xml, "TraderAtDestination/identificationNumber"), None)
        # The normal procedure: the office of destination releases the goods (IE025) and,
        # once its control results reached the office of departure (IE006/IE018 between
        # the offices, not seen here), the movement is written off (IE045).
        self._answers.append(messages.cc025c(lodged.movement, at + timedelta(hours=1), trader))
        self._answers.append(
            messages.cc045c(lodged.movement, at + timedelta(hours=2), lodged.holder)
        )
        lodged.state = "written_off"


def _with_mrn(m: ncts.Movement, mrn: str) -> ncts.Movement:
    return replace(m, mrn=mrn)


def read_declaration(xml: bytes) -> ncts.Movement:
    """The movement an IE015 declares, as far as the answers need it."""
    doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))

    def text(path: str, default: str = "") -> str:
        value = doc.findtext(path)
        return value.strip() if value else default

    items = [
        ncts.Item(
            description=text_of(item, "Commodity/descriptionOfGoods"),
            hs_code=text_of(item, "Commodity/CommodityCode/harmonizedSystemSubHeadingCode"),
            gross_kg=Decimal(text_of(item, "Commodity/GoodsMeasure/grossMass") or "0"),
        )
        for item in doc.iterfind("Consignment/HouseConsignment/ConsignmentItem")
    ]
    containers = [
        (text_of(e, "containerIdentificationNumber"), text_of(e, "Seal/identifier") or None)
        for e in doc.iterfind("Consignment/TransportEquipment")
    ]
    amount = text("Guarantee/GuaranteeReference/amountToBeCovered", "0")
    return ncts.Movement(
        lrn=text("TransitOperation/LRN"),
        declared_at=datetime.fromisoformat(text("preparationDateAndTime")).replace(tzinfo=UTC),
        departure=text("CustomsOfficeOfDeparture/referenceNumber"),
        destination=text("CustomsOfficeOfDestinationDeclared/referenceNumber"),
        holder=ncts.Trader(
            text("HolderOfTheTransitProcedure/identificationNumber") or None,
            text("HolderOfTheTransitProcedure/name") or None,
        ),
        grn=text("Guarantee/GuaranteeReference/GRN") or None,
        amount=Decimal(amount),
        currency=text("Guarantee/GuaranteeReference/currency", "EUR"),
        items=items,
        containers=containers,
    )


def text_of(element: etree._Element, path: str) -> str:
    value = element.findtext(path)
    return value.strip() if value else ""
