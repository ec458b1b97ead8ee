"""SD-JWT strictness (RFC 9901 and our profile): digests once, digests as strings, expiry in
the signed payload with a bounded lifetime, our `typ`, and no nesting that exhausts the
verifier. Each case is re-signed with a trusted key, so only the rule under test can fail."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from corridor.documents import _hazmat as hz
from corridor.documents import issue, present, qr_payload, verify, verify_input
from corridor.documents.recipes import MAX_LIFETIME
from corridor.documents.sdjwt import TYP
from corridor.exceptions import InvalidInput, VerificationFailed
from corridor.model import DocumentKind
from corridor.services import papers
from tests.documents.conftest import INVOICE, NOW, invoice_token


def resign(ring: Any, token: str, change: Callable[[dict[str, Any], dict[str, Any]], None]) -> str:
    """Change the header and payload of a shipper's token and sign it again properly."""
    jws, *rest = token.split("~")
    head, body, _sig = jws.split(".")
    header, payload = json.loads(hz.b64d(head)), json.loads(hz.b64d(body))
    change(header, payload)
    signer = ring.signer("kz-ferroalloy")
    signing_input = f"{hz.b64e(hz.canonical(header))}.{hz.b64e(hz.canonical(payload))}"
    signature = hz.b64e(hz.sign(signer.key, signing_input.encode("ascii")))
    return "~".join([f"{signing_input}.{signature}", *rest])


def reason(token: str, ring: Any) -> str:
    with pytest.raises(VerificationFailed) as info:
        verify(token, ring.trust_list(), NOW)
    return info.value.reason


def test_resigning_without_a_change_still_verifies(signing: Any) -> None:
    ring, orgs = signing
    token = resign(ring, invoice_token(ring, orgs), lambda h, p: None)
    assert verify(token, ring.trust_list(), NOW).kind is DocumentKind.COMMERCIAL_INVOICE


def test_a_withheld_digest_repeated_in_sd_is_refused(signing: Any) -> None:
    ring, orgs = signing
    token = invoice_token(ring, orgs)
    shown = present(token, ["document_number"])  # the other digests stay, withheld

    def repeat(h: dict[str, Any], p: dict[str, Any]) -> None:
        p["_sd"].append(p["_sd"][-1])

    assert reason(resign(ring, shown, repeat), ring) == "tampered_disclosure"


@pytest.mark.parametrize("bad", [["a", "b"], {"x": 1}, 5], ids=["list", "object", "number"])
def test_digests_that_are_not_strings_are_malformed_not_a_crash(signing: Any, bad: Any) -> None:
    ring, orgs = signing
    token = invoice_token(ring, orgs)
    assert reason(resign(ring, token, lambda h, p: p["_sd"].append(bad)), ring) == "malformed"
    if not isinstance(bad, list):
        assert reason(resign(ring, token, lambda h, p: p.update(_sd=bad)), ring) == "malformed"


def test_an_array_element_digest_that_is_not_a_string_is_malformed(signing: Any) -> None:
    ring, orgs = signing
    token = invoice_token(ring, orgs)

    def nest(h: dict[str, Any], p: dict[str, Any]) -> None:
        p["extra"] = [{"...": ["x"]}, {"y": 1}]

    assert reason(resign(ring, token, nest), ring) == "malformed"


def test_expiry_must_be_in_the_signed_payload(signing: Any) -> None:
    ring, orgs = signing
    token = invoice_token(ring, orgs)
    assert reason(resign(ring, token, lambda h, p: p.pop("exp")), ring) == "malformed"
    iat = int(NOW.timestamp())
    assert reason(resign(ring, token, lambda h, p: p.update(exp=iat)), ring) == "malformed"


def test_a_lifetime_beyond_the_kinds_maximum_is_refused(signing: Any) -> None:
    ring, orgs = signing
    token = invoice_token(ring, orgs)
    far = int((NOW + MAX_LIFETIME[DocumentKind.COMMERCIAL_INVOICE]).timestamp()) + 60
    assert reason(resign(ring, token, lambda h, p: p.update(exp=far)), ring) == "malformed"
    # Issuing clamps a longer wish to the maximum.
    signer = ring.signer("kz-ferroalloy")
    long = issue(
        signer,
        orgs["kz-ferroalloy"],
        DocumentKind.COMMERCIAL_INVOICE,
        INVOICE,
        NOW,
        validity=timedelta(days=10_000),
    )
    doc = verify(long, ring.trust_list(), NOW)
    assert doc.expires_at - doc.issued_at == MAX_LIFETIME[DocumentKind.COMMERCIAL_INVOICE]


def test_only_corridor_documents_by_type(signing: Any) -> None:
    ring, orgs = signing
    token = invoice_token(ring, orgs)
    assert reason(resign(ring, token, lambda h, p: h.update(typ="JWT")), ring) == "malformed"
    assert reason(resign(ring, token, lambda h, p: h.pop("typ")), ring) == "malformed"
    assert TYP == "vnd.corridor.doc+sd-jwt"


def test_deep_nesting_is_malformed_not_a_crash(signing: Any) -> None:
    ring, _orgs = signing
    deep = hz.b64e(("[" * 5000 + "]" * 5000).encode())
    token = f"{deep}.{deep}.AAAA~"
    assert verify_input(token.encode(), ring.trust_list(), NOW).reason == "malformed"
    # The same as a printed QR code's text: a few hundred characters are enough to try.
    qr = qr_payload(token)
    assert len(qr) < 400
    verdict = verify_input(qr.encode(), ring.trust_list(), NOW)
    assert (verdict.status, verdict.reason) == ("INVALID", "malformed")


def test_a_deeply_nested_disclosure_is_malformed(signing: Any) -> None:
    ring, orgs = signing
    token = invoice_token(ring, orgs)
    nested = hz.b64e(json.dumps(["salt", "x", json.loads("[" * 50 + "]" * 50)]).encode())
    deep = hz.b64e(("[" * 5000 + "]" * 5000).encode())
    assert reason(token + nested + "~", ring) in ("tampered_disclosure", "malformed")
    assert reason(token + deep + "~", ring) == "malformed"


def test_issuing_before_the_keys_validity_is_refused(signing: Any) -> None:
    ring, orgs = signing
    with pytest.raises(InvalidInput, match="correct the clock"):
        papers.sign(
            ring.ctx,
            orgs["kz-ferroalloy"],
            DocumentKind.COMMERCIAL_INVOICE,
            INVOICE,
            NOW - timedelta(minutes=10),
        )
