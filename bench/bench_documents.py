"""Signed-document speed on one core, as ratios to raw Ed25519 in the same run.

- Verification throughput (parse, trust-list lookup, signature, every disclosure digest,
  issuer role) against raw Ed25519 verification of the same signing input.
  Target >= 0.6x.
- Issuing throughput (schema-free claims, salts, RFC 8785 canonical JSON, digests,
  signature) against raw Ed25519 signing of the same bytes. Target >= 0.45x.
The document is the demo invoice with three goods lines (13 disclosures).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from _timing import paired

from corridor import demo
from corridor.config import Settings
from corridor.documents import _hazmat as hz
from corridor.documents import issue, sdjwt, verify
from corridor.model import DocumentKind
from corridor.services import Context, keys, organisations, papers

INVOICE = {
    "document_number": "INV-1",
    "issue_date": "2026-03-01",
    "seller": {"name": "Ақтөбе Ферроқорытпа Экспорт ЖШС", "country": "KZ"},
    "buyer": {"name": "Oțelăria Dunării SRL", "country": "RO", "tax_id": "RO18547290"},
    "delivery_terms": "FCA Dostyk",
    "invoice_currency": "USD",
    "total_amount": "94000.00",
    "goods": [
        {
            "sequence": i + 1,
            "hs_code": hs,
            "description": text,
            "net_kg": kg,
            "value": value,
            "currency": "USD",
        }
        for i, (hs, text, kg, value) in enumerate(
            [
                ("720241", "Ferro-chromium", "40000", "58000"),
                ("720221", "Ferro-silicon", "20000", "27000"),
                ("261210", "Uranium ores and concentrates", "1000", "9000"),
            ]
        )
    ],
}


def main() -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        ctx = Context.open(Settings(data_dir=Path(folder), database_url=f"sqlite:///{folder}/b.db"))
        demo.seed(ctx, now)
        shipper = organisations.get(ctx, "kz-ferroalloy")
        token = papers.sign(ctx, shipper, DocumentKind.COMMERCIAL_INVOICE, INVOICE, now, "s-1")
        trust = keys.trust_list(ctx)
        with ctx.db.transaction() as s:
            signer = ctx.keys.signer(s, shipper.id)
        jws = token.split("~")[0]
        signing_input, signature = jws.rsplit(".", 1)
        data = signing_input.encode("ascii")
        sig = hz.b64d(signature)
        public = trust.resolve(signer.kid)
        assert public is not None
        visible = {
            "iss": shipper.id,
            "iat": int(now.timestamp()),
            "kind": "commercial_invoice",
            "country": "KZ",
            "shipment": "s-1",
        }

        ours_verify, raw_verify, r_verify = paired(
            lambda: verify(token, trust, now), lambda: hz.verify(public.public_key, sig, data)
        )
        ours_sdjwt, raw_sign, r_issue = paired(
            lambda: sdjwt.issue(signer, visible, INVOICE), lambda: hz.sign(signer.key, data)
        )
        ours_issue, _, r_full = paired(
            lambda: issue(signer, shipper, DocumentKind.COMMERCIAL_INVOICE, INVOICE, now, "s-1"),
            lambda: hz.sign(signer.key, data),
            rounds=11,
            batch=10,
        )
        ctx.close()
    n = token.count("~") - 1
    print(f"document: invoice, {len(token)} chars, {n} disclosures")
    print(f"raw Ed25519 verify      {raw_verify:9,.0f}/s")
    print(f"verify document         {ours_verify:9,.0f}/s  ratio {r_verify:.2f} (target >= 0.6)")
    print(f"raw Ed25519 sign        {raw_sign:9,.0f}/s")
    print(f"issue SD-JWT            {ours_sdjwt:9,.0f}/s  ratio {r_issue:.2f} (target >= 0.45)")
    print(
        f"issue with schema check {ours_issue:9,.0f}/s  ratio {r_full:.2f}"
        " (includes pydantic validation of the fields)"
    )


if __name__ == "__main__":
    main()
