"""Interoperability with the IETF reference implementation (PyPI `sd-jwt`), both ways."""

from __future__ import annotations

from typing import Any

import pytest
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from corridor.documents import _hazmat as hz
from corridor.documents import present, verify
from corridor.documents.sdjwt import TYP
from corridor.documents.signing import kid_for
from corridor.documents.trust import TrustEntry, TrustList
from corridor.exceptions import VerificationFailed
from tests.documents.conftest import INVOICE, NOW, invoice_token


def public_jwk(raw: bytes) -> JWK:
    return JWK(kty="OKP", crv="Ed25519", x=hz.b64e(raw))


def test_reference_verifier_accepts_our_documents(signing: Any) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    entry = keys.trust_list().entries[keys.current_kid("kz-ferroalloy")]
    jwk = public_jwk(hz.b64d(entry.public_key))
    claims = SDJWTVerifier(token, lambda iss, header: jwk).get_verified_payload()
    assert claims["iss"] == "kz-ferroalloy"
    assert claims["seller"] == INVOICE["seller"]
    assert [g["sequence"] for g in claims["goods"]] == [1, 2, 3]
    # A presentation with one goods line verifies there too, showing only that line.
    shown = present(token, ["goods"], {"goods": [0]})
    partial = SDJWTVerifier(shown, lambda iss, header: jwk).get_verified_payload()
    assert [g["sequence"] for g in partial["goods"]] == [1]
    assert "seller" not in partial


def test_reference_documents_verify_here(signing: Any) -> None:
    """Documents of our profile (our `typ`, an `exp` in the signed payload) made by the
    reference issuer verify here."""
    _keys, orgs = signing
    private = JWK.generate(kty="OKP", crv="Ed25519")
    raw = hz.b64d(private.export_public(as_dict=True)["x"])
    kid = kid_for(raw)
    shipper = orgs["kz-ferroalloy"]
    entry = TrustEntry(
        kid=kid,
        organisation_id=shipper.id,
        name=shipper.name,
        country=shipper.country,
        role=shipper.role.value,
        public_key=hz.b64e(raw),
        valid_from=NOW,
        valid_to=None,
        revoked_at=None,
    )
    trust = TrustList([entry])
    user_claims = {
        "iss": shipper.id,
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 86400,
        "kind": "commercial_invoice",
        "country": "KZ",
        SDObj("document_number"): "INV-REF-1",
        SDObj("seller"): INVOICE["seller"],
        SDObj("goods"): [SDObj(g) for g in INVOICE["goods"]],
    }
    issuance = SDJWTIssuer(
        user_claims, private, sign_alg="EdDSA", extra_header_parameters={"kid": kid, "typ": TYP}
    ).sd_jwt_issuance
    doc = verify(issuance, trust, NOW)
    assert doc.disclosed["document_number"] == "INV-REF-1"
    assert doc.disclosed["seller"] == INVOICE["seller"]
    assert len(doc.disclosed["goods"]) == 3
    # And a tampered reference document fails here.
    jws, *disclosures, end = issuance.split("~")
    assert len(disclosures) > 1
    with pytest.raises(VerificationFailed) as info:
        verify("~".join([jws, *disclosures, disclosures[0], end]), trust, NOW)
    assert info.value.reason == "tampered_disclosure"
