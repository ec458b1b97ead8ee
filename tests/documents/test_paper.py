"""The paper copy: readable in every corridor script, verifiable from the PDF or its QR."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from corridor.documents import issue, qr_payload, verify, verify_input
from corridor.documents.paper import qr_svg, render
from corridor.model import DocumentKind
from tests.documents.conftest import NOW, RELEASE, invoice_token

NAMES = {
    "kk": "Ақтөбе Ферроқорытпа Экспорт ЖШС",
    "ro": "Oțelăria Dunării SRL",
}


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_renders_kazakh_and_romanian_names_and_verifies(signing: Any) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    pdf = render(token, verify(token, keys.trust_list(), NOW))
    text = pdf_text(pdf)
    for name in NAMES.values():
        assert name in text
    assert "Commercial invoice" in text
    fonts = {
        str(f) for p in PdfReader(io.BytesIO(pdf)).pages for f in p["/Resources"]["/Font"].values()
    }
    assert fonts
    verdict = verify_input(pdf, keys.trust_list(), NOW)
    assert verdict.status == "VALID"
    assert verdict.document is not None
    assert verdict.document.disclosed["total_amount"] == "85000.00"


def test_georgian_azerbaijani_and_turkish_issuers_render(signing: Any) -> None:
    keys, orgs = signing
    for org in ("ge-customs", "az-customs", "tr-customs"):
        token = issue(keys.signer(org), orgs[org], DocumentKind.CUSTOMS_RELEASE, RELEASE, NOW, "s")
        text = pdf_text(render(token, verify(token, keys.trust_list(), NOW)))
        assert orgs[org].name in text


def test_the_qr_payload_carries_the_whole_document(signing: Any) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    payload = qr_payload(token)
    assert payload.startswith("CRD1:")
    assert len(payload) < len(token) * 1.5
    verdict = verify_input(payload.encode(), keys.trust_list(), NOW)
    assert verdict.status == "VALID"
    assert "<svg" in qr_svg(token)


def test_changing_the_qr_text_or_the_pdf_is_caught(signing: Any) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    payload = qr_payload(token)
    broken = payload[:-3] + ("AAA" if payload[-3:] != "AAA" else "BBB")
    assert verify_input(broken.encode(), keys.trust_list(), NOW).status == "INVALID"
    pdf = render(token, verify(token, keys.trust_list(), NOW))
    assert verify_input(pdf[: len(pdf) // 2], keys.trust_list(), NOW).reason == "malformed"
    assert verify_input(b"%PDF-1.4 nothing here", keys.trust_list(), NOW).reason == "malformed"


def test_zip_bombs_in_a_qr_payload_are_refused(signing: Any) -> None:
    import zlib

    import base45

    keys, _orgs = signing
    bomb = "CRD1:" + base45.b45encode(zlib.compress(b"A" * 5_000_000, 9)).decode()
    verdict = verify_input(bomb.encode(), keys.trust_list(), NOW)
    assert verdict.status == "INVALID"
    assert verdict.reason == "malformed"


def test_the_paper_copy_is_laid_out_like_the_paper_it_replaces(signing: Any) -> None:
    """Title and number at the top, the shipment by its reference, the parties as blocks, the
    goods as a table whose columns are the goods' fields and whose rows are the lines."""
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    doc = verify(token, keys.trust_list(), NOW)
    pdf = render(token, doc, reference="KZ-EXP-2026-0042")
    text = pdf_text(pdf)
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0].startswith("Commercial invoice")
    assert "Shipment KZ-EXP-2026-0042" in text
    assert "Number INV-1" in text
    # Parties as labelled blocks, not run-on dictionaries.
    assert "SELLER" in text
    assert "BUYER" in text
    assert "Tax id: RO18547290" in text
    assert "{'name'" not in text
    assert "name: " not in text
    # The goods table: its header once, then one row per line in order, cells in column order.
    header = next(i for i, line in enumerate(lines) if line.startswith("No. HS code"))
    assert lines[header] == "No. HS code Description Net kg Value Currency"
    assert lines[header + 1] == "1 720241 Ferro-chromium 40000 58000 USD"
    assert lines[header + 2] == "2 720221 Ferro-silicon 20000 27000 USD"
    assert text.count("HS code") == 1
    # Without a reference the shipment is named by its id.
    assert "Shipment shipment-1" in pdf_text(render(token, doc))
