"""Fixtures for signed documents: a store with the demo organisations and their keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from corridor.model import DocumentKind, Organisation
from corridor.services import papers
from tests.conftest import Keyring

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


def invoice_token(ring: Keyring, orgs: dict[str, Organisation], now: datetime = NOW) -> str:
    return papers.sign(
        ring.ctx, orgs["kz-ferroalloy"], DocumentKind.COMMERCIAL_INVOICE, INVOICE, now, "shipment-1"
    )
