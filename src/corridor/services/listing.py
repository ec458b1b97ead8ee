"""A party's shipments, a page at a time, as summaries.

The listing reads the party index (organisation, created_at, shipment) backwards: the
newest shipments first, and each next page from where the last one ended (a keyset
cursor), so the first page and the ten-thousandth cost the same at any store size. The
parties of a whole page come in one query, and no stored draft is read.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, tuple_

from corridor.exceptions import FieldError, InvalidInput
from corridor.model import Organisation
from corridor.services.context import Context
from corridor.services.shipments import PartyRole, ShipmentParty, party_rows
from corridor.store.tables import ShipmentPartyRow, ShipmentRow

# Offsets are for the first few pages a person clicks through; deeper reads use the cursor.
MAX_OFFSET = 1000


class ShipmentSummary(BaseModel):
    """What a list of shipments shows of each: the draft, route and documents are on the
    shipment itself."""

    id: str
    reference: str
    status: str
    submitted_by: str
    created_at: datetime
    origin: str
    destination: str
    ready: bool | None
    parties: list[ShipmentParty]


class ShipmentPage(BaseModel):
    """One page of a party's shipments, newest first; `next` continues after its last."""

    items: list[ShipmentSummary]
    next: str | None = None


def page(
    ctx: Context,
    who: Organisation,
    limit: int = 100,
    after: str | None = None,
    offset: int = 0,
) -> ShipmentPage:
    """Shipments the caller is party to, newest first: `limit` of them after the cursor
    `after` (from the previous page's `next`), or after skipping `offset` (small only)."""
    rows, parties, after_last = _read(ctx, who, limit, after, offset)
    # Stored values, validated when they were written: no second validation.
    items = [
        ShipmentSummary.model_construct(
            **r._asdict(),
            parties=[
                ShipmentParty.model_construct(organisation_id=o, role=PartyRole(role))
                for o, role in parties[r.id]
            ],
        )
        for r in rows
    ]
    return ShipmentPage(items=items, next=after_last)


def page_json(
    ctx: Context,
    who: Organisation,
    limit: int = 100,
    after: str | None = None,
    offset: int = 0,
) -> dict[str, Any]:
    """`page` as the JSON a client is sent (the shape of ShipmentPage), built from the
    stored values without a model per shipment and party: a hundred shipments a page."""
    rows, parties, after_last = _read(ctx, who, limit, after, offset)
    items = [
        {
            **r._asdict(),
            "parties": [{"organisation_id": o, "role": role} for o, role in parties[r.id]],
        }
        for r in rows
    ]
    return {"items": items, "next": after_last}


def _read(
    ctx: Context, who: Organisation, limit: int, after: str | None, offset: int
) -> tuple[Sequence[Any], dict[str, list[tuple[str, str]]], str | None]:
    """The page's shipment rows, their parties as stored, and the cursor after it."""
    if offset > MAX_OFFSET:
        raise InvalidInput(
            f"offset {offset} is too deep; follow the 'next' cursor of the previous page "
            f"instead (offsets up to {MAX_OFFSET} are served)",
            [FieldError("offset", f"at most {MAX_OFFSET}; use 'after'")],
        )
    keys = select(ShipmentPartyRow.created_at, ShipmentPartyRow.shipment_id).where(
        ShipmentPartyRow.organisation_id == who.id
    )
    if after is not None:
        at, last = _decode(after)
        keys = keys.where(
            tuple_(ShipmentPartyRow.created_at, ShipmentPartyRow.shipment_id) < tuple_(at, last)
        )
    # One organisation may hold several roles in one shipment: one row each, made one here.
    keyed = (
        keys.distinct()
        .order_by(ShipmentPartyRow.created_at.desc(), ShipmentPartyRow.shipment_id.desc())
        .limit(limit + 1)
        .offset(offset)
        .subquery()
    )
    stmt = (
        select(
            ShipmentRow.id,
            ShipmentRow.reference,
            ShipmentRow.status,
            ShipmentRow.submitted_by,
            ShipmentRow.created_at,
            ShipmentRow.origin,
            ShipmentRow.destination,
            ShipmentRow.ready,
        )
        .join(keyed, keyed.c.shipment_id == ShipmentRow.id)
        .order_by(keyed.c.created_at.desc(), keyed.c.shipment_id.desc())
    )
    with ctx.db.reading() as conn:
        rows = conn.execute(stmt).all()
        more = len(rows) > limit
        rows = rows[:limit]
        parties = party_rows(conn, [r.id for r in rows])
    return rows, parties, cursor(rows[-1].created_at, rows[-1].id) if more else None


def cursor(at: datetime, shipment_id: str) -> str:
    """The cursor that continues a listing after the shipment created at `at`."""
    raw = f"{at.isoformat()}|{shipment_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        at, shipment_id = raw.split("|", 1)
        when = datetime.fromisoformat(at)
        if when.tzinfo is None or not shipment_id:
            raise ValueError(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(
            "the cursor 'after' is not one this node gave out; pass the 'next' value of the "
            "previous page unchanged, or leave it out for the first page",
            [FieldError("after", "not a cursor from this node")],
        ) from None
    return when, shipment_id
