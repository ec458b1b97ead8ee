"""A party's shipments a page at a time, on SQLite and PostgreSQL: newest first, each
shipment once, every page continuing where the last ended, summaries only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic_core import to_json

from corridor import exceptions as exc
from corridor.services import Context, listing, shipments
from tests.conftest import ORGS, T0
from tests.factories import draft

SHIPPER = ORGS["kz-ferroalloy"]


def _submit(node: Context, n: int) -> list[str]:
    """`n` shipments, two at each instant (so the cursor must break ties), oldest first."""
    return [
        shipments.submit(node, SHIPPER, draft(f"L-{i}"), T0 + timedelta(minutes=i // 2)).id
        for i in range(n)
    ]


def _newest_first(node: Context, ids: list[str]) -> list[str]:
    made = {i: shipments.get(node, SHIPPER, i).created_at for i in ids}
    return sorted(ids, key=lambda i: (made[i], i), reverse=True)


def test_cursor_pages_cover_every_shipment_once_newest_first(node: Context) -> None:
    ids = _submit(node, 7)
    expected = _newest_first(node, ids)
    for who in (SHIPPER, ORGS["caspian-ferry"], ORGS["ro-consignee"]):
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            got = listing.page(node, who, limit=3, after=after)
            seen += [s.id for s in got.items]
            pages += 1
            if got.next is None:
                break
            after = got.next
        # The shipper is submitter and consignor of each shipment: still listed once.
        assert seen == expected, who.id
        assert pages == 3


def test_a_summary_carries_the_list_columns_and_no_draft(node: Context) -> None:
    (sid,) = _submit(node, 1)
    (item,) = listing.page(node, ORGS["kz-rail"]).items
    whole = shipments.get(node, ORGS["kz-rail"], sid)
    assert (item.id, item.reference, item.origin, item.destination) == (
        sid,
        "L-0",
        whole.route.origin,
        whole.route.destination,
    )
    assert whole.readiness is not None
    assert item.ready is whole.readiness.ready
    assert item.parties == whole.parties
    assert "draft" not in item.model_dump()


def test_the_page_sent_as_json_is_the_page_of_summaries(node: Context) -> None:
    """The API sends a page built without a model per shipment: it must be, byte for byte,
    the page of summaries as its model writes it, on every page and for every party."""
    _submit(node, 5)
    for who in (SHIPPER, ORGS["caspian-ferry"], ORGS["ro-consignee"]):
        after = None
        while True:
            modelled = listing.page(node, who, limit=2, after=after)
            sent = listing.page_json(node, who, limit=2, after=after)
            assert to_json(sent) == modelled.model_dump_json(by_alias=True).encode()
            assert all(item["parties"] for item in sent["items"])
            if modelled.next is None:
                break
            after = modelled.next


def test_offset_serves_small_pages_and_points_deep_ones_to_the_cursor(node: Context) -> None:
    ids = _newest_first(node, _submit(node, 4))
    assert [s.id for s in listing.page(node, SHIPPER, limit=2, offset=1).items] == ids[1:3]
    with pytest.raises(exc.InvalidInput, match="cursor") as raised:
        listing.page(node, SHIPPER, offset=listing.MAX_OFFSET + 1)
    assert raised.value.errors[0].field == "offset"


@pytest.mark.parametrize("cursor", ["", "not base64!", "bm90IGEgY3Vyc29y", "MjAyNnxh"])
def test_a_cursor_not_from_this_node_is_refused_clearly(node: Context, cursor: str) -> None:
    with pytest.raises(exc.InvalidInput, match="'next' value of the previous page") as raised:
        listing.page(node, SHIPPER, after=cursor)
    assert raised.value.errors[0].field == "after"


def test_outsiders_list_nothing(node: Context) -> None:
    _submit(node, 2)
    for outsider in ("az-customs", "node-operator"):
        page = listing.page(node, ORGS[outsider])
        assert (page.items, page.next) == ([], None)
