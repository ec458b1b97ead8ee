"""Fixtures for signed documents: a store with the demo organisations and their keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from corridor import demo, registry
from corridor.documents import Keys, issue
from corridor.model import DocumentKind, Organisation
from corridor.store.db import Database

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

INVOICE: dict[str, Any] = {
    "document_number": "INV-1",
    "issue_date": "2026-03-01",
    "seller": {"name": "Ақтөбе Ферроқорытпа Экспорт ЖШС", "country": "KZ"},
    "buyer": {"name": "Oțelăria Dunării SRL", "country": "RO", "tax_id": "RO18547290"},
    "delivery_terms": "FCA Dostyk",
    "invoice_currency": "USD",
    "total_amount": "85000.00",
    "goods": [
        {
            "sequence": 1,
            "hs_code": "720241",
            "description": "Ferro-chromium",
            "net_kg": "40000",
            "value": "58000",
            "currency": "USD",
        },
        {
            "sequence": 2,
            "hs_code": "720221",
            "description": "Ferro-silicon",
            "net_kg": "20000",
            "value": "27000",
            "currency": "USD",
        },
        {
            "sequence": 3,
            "hs_code": "261210",
            "description": "Uranium ores and concentrates",
            "net_kg": "1000",
            "value": "9000",
            "currency": "USD",
        },
    ],
}
RELEASE: dict[str, Any] = {
    "document_number": "REL-1",
    "issue_date": "2026-03-05",
    "office": "Baku port customs",
    "decision": "release",
    "procedure": "transit",
}


@pytest.fixture
def signing(tmp_path: Path) -> Iterator[tuple[Keys, dict[str, Organisation]]]:
    """Keys for every demo organisation, and the organisations by id."""
    db = Database.open(f"sqlite:///{tmp_path / 'c.db'}")
    demo.seed(db, tmp_path, NOW)
    orgs = {o.id: o for o in registry.list_organisations(db)}
    yield Keys(db, tmp_path), orgs
    db.close()


def invoice_token(keys: Keys, orgs: dict[str, Organisation], now: datetime = NOW) -> str:
    return issue(
        keys, orgs["kz-ferroalloy"], DocumentKind.COMMERCIAL_INVOICE, INVOICE, now, "shipment-1"
    )
