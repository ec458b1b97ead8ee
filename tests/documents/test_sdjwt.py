"""Issue, present and verify: every way a document can be wrong gets its reason code."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.documents import _hazmat as hz
from corridor.documents import issue, present, verify, verify_input
from corridor.documents.sdjwt import Signer
from corridor.documents.sdjwt import issue as raw_issue
from corridor.exceptions import PermissionDenied, VerificationFailed
from corridor.model import DocumentKind
from tests.documents.conftest import INVOICE, NOW, RELEASE, invoice_token


def reason(token: str, trust: Any, now: Any = NOW) -> str:
    with pytest.raises(VerificationFailed) as info:
        verify(token, trust, now)
    return info.value.reason


def reencode(token: str, part: int, change: Any) -> str:
    """Decode JWS part 0 (header) or 1 (payload), change it, re-encode, keep the signature."""
    jws, *rest = token.split("~")
    pieces = jws.split(".")
    value = json.loads(hz.b64d(pieces[part]))
    change(value)
    pieces[part] = hz.b64e(json.dumps(value).encode())
    return "~".join([".".join(pieces), *rest])


def test_issued_invoice_verifies_with_every_field(signing: Any) -> None:
    keys, orgs = signing
    doc = verify(invoice_token(keys, orgs), keys.trust_list(), NOW)
    assert doc.kind is DocumentKind.COMMERCIAL_INVOICE
    assert doc.issuer.id == "kz-ferroalloy"
    assert doc.issuer.role == "shipper"
    assert doc.shipment == "shipment-1"
    assert doc.disclosed["seller"]["name"] == "Ақтөбе Ферроқорытпа Экспорт ЖШС"
    assert [g["sequence"] for g in doc.disclosed["goods"]] == [1, 2, 3]
    assert not doc.withheld_fields


def test_holder_presents_only_what_it_chooses(signing: Any) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    shown = present(token, ["seller", "goods"], {"goods": [2]})
    doc = verify(shown, keys.trust_list(), NOW)
    assert set(doc.disclosed) == {"seller", "goods"}
    assert [g["description"] for g in doc.disclosed["goods"]] == ["Uranium ores and concentrates"]
    assert doc.withheld_fields
    # The hidden values are nowhere in the presentation.
    assert "Ferro-chromium" not in json.dumps([hz.b64d(p).decode() for p in shown.split("~")[1:-1]])
    assert "85000" not in shown


def test_each_issuance_uses_fresh_salts(signing: Any) -> None:
    keys, orgs = signing
    assert invoice_token(keys, orgs) != invoice_token(keys, orgs)


def test_issuer_must_hold_the_role_for_the_kind(signing: Any) -> None:
    keys, orgs = signing
    with pytest.raises(PermissionDenied, match="a shipper cannot issue a customs_release"):
        issue(
            keys.signer("kz-ferroalloy"),
            orgs["kz-ferroalloy"],
            DocumentKind.CUSTOMS_RELEASE,
            RELEASE,
            NOW,
        )


def test_changed_payload_is_a_bad_signature(signing: Any) -> None:
    keys, orgs = signing
    token = reencode(invoice_token(keys, orgs), 1, lambda p: p.update(shipment="other"))
    assert reason(token, keys.trust_list()) == "bad_signature"


def test_swapped_signature_is_a_bad_signature(signing: Any) -> None:
    keys, orgs = signing
    a, b = invoice_token(keys, orgs), invoice_token(keys, orgs)
    sig_b = b.split("~")[0].rsplit(".", 1)[1]
    jws_a, *rest = a.split("~")
    swapped = "~".join([jws_a.rsplit(".", 1)[0] + "." + sig_b, *rest])
    assert reason(swapped, keys.trust_list()) == "bad_signature"


@pytest.mark.parametrize("alg", ["none", "HS256", "ES256", None])
def test_algorithms_other_than_eddsa_are_refused(signing: Any, alg: Any) -> None:
    keys, orgs = signing
    token = reencode(invoice_token(keys, orgs), 0, lambda h: h.update(alg=alg))
    assert reason(token, keys.trust_list()) == "malformed"
    stripped = token.split("~")[0].rsplit(".", 1)[0] + ".~"
    assert verify_input(stripped.encode(), keys.trust_list()).status == "INVALID"


def test_unknown_key_is_an_unknown_issuer(signing: Any) -> None:
    keys, _orgs = signing
    stranger = Signer(hz.generate_key(), "stranger-kid")
    token = raw_issue(
        stranger,
        {
            "iss": "kz-ferroalloy",
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 3600,
            "kind": "commercial_invoice",
        },
        {"document_number": "X"},
    )
    assert reason(token, keys.trust_list()) == "unknown_issuer"


def test_a_key_speaking_for_another_organisation_is_refused(signing: Any) -> None:
    keys, _orgs = signing
    # kz-rail's key signs a document claiming to come from the shipper.
    token = raw_issue(
        keys.signer("kz-rail"),
        {
            "iss": "kz-ferroalloy",
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 3600,
            "kind": "commercial_invoice",
        },
        {"x": 1},
    )
    assert reason(token, keys.trust_list()) == "unknown_issuer"


def test_wrong_role_for_the_kind(signing: Any) -> None:
    keys, _orgs = signing
    token = raw_issue(
        keys.signer("kz-ferroalloy"),
        {
            "iss": "kz-ferroalloy",
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 3600,
            "kind": "customs_release",
            "country": "KZ",
        },
        RELEASE,
    )
    assert reason(token, keys.trust_list()) == "wrong_role"


def test_a_release_counts_only_from_that_countrys_customs(signing: Any) -> None:
    keys, orgs = signing
    own = issue(
        keys.signer("az-customs"),
        orgs["az-customs"],
        DocumentKind.CUSTOMS_RELEASE,
        RELEASE,
        NOW,
        "s",
    )
    assert verify(own, keys.trust_list(), NOW).issuer.country == "AZ"
    # Georgian customs signs a release that claims to be Azerbaijan's.
    forged = raw_issue(
        keys.signer("ge-customs"),
        {
            "iss": "ge-customs",
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 3600,
            "kind": "customs_release",
            "country": "AZ",
        },
        RELEASE,
    )
    assert reason(forged, keys.trust_list()) == "wrong_role"


def test_altered_disclosure_is_tampering(signing: Any) -> None:
    keys, orgs = signing
    jws, *disclosures, end = invoice_token(keys, orgs).split("~")
    for i, d in enumerate(disclosures):
        parts = json.loads(hz.b64d(d))
        if len(parts) == 3 and parts[1] == "total_amount":
            parts[2] = "1.00"
            disclosures[i] = hz.b64e(hz.canonical(parts))
    token = "~".join([jws, *disclosures, end])
    assert reason(token, keys.trust_list()) == "tampered_disclosure"


def test_duplicate_disclosure_is_tampering(signing: Any) -> None:
    keys, orgs = signing
    jws, *disclosures, end = invoice_token(keys, orgs).split("~")
    token = "~".join([jws, *disclosures, disclosures[0], end])
    assert reason(token, keys.trust_list()) == "tampered_disclosure"


def test_disclosure_from_another_document_is_tampering(signing: Any) -> None:
    keys, orgs = signing
    a, b = invoice_token(keys, orgs), invoice_token(keys, orgs)
    jws, *disclosures, end = a.split("~")
    token = "~".join([jws, *disclosures, b.split("~")[1], end])
    assert reason(token, keys.trust_list()) == "tampered_disclosure"


def test_expired_document(signing: Any) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    assert reason(token, keys.trust_list(), NOW + timedelta(days=366)) == "expired"


def test_document_from_the_future_is_malformed(signing: Any) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs, NOW + timedelta(days=2))
    assert reason(token, keys.trust_list(), NOW) == "malformed"


def test_key_binding_and_oversized_tokens_are_refused(signing: Any) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    assert reason(token + "eyJhbGciOiJFZERTQSJ9.e30.sig", keys.trust_list()) == "malformed"
    assert reason(token + "A" * 300_000, keys.trust_list()) == "malformed"


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_truncated_or_mutated_tokens_are_never_valid(signing: Any, data: st.DataObject) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    trust = keys.trust_list()
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(min_value=0, max_value=len(token) - 2))
        broken = token[:cut]
    else:
        i = data.draw(st.integers(min_value=0, max_value=len(token) - 2))
        c = data.draw(st.sampled_from("AZaz09-_~.="))
        if token[i] == c:
            return
        broken = token[:i] + c + token[i + 1 :]
    verdict = verify_input(broken.encode(), trust, NOW)
    if verdict.status == "VALID":
        # Only dropping whole trailing disclosures keeps a document valid (that is a
        # presentation), and then it shows less, never something else.
        assert verdict.document is not None
        full = verify(token, trust, NOW).disclosed
        for name, value in verdict.document.disclosed.items():
            assert name in full
            if name != "goods":
                assert full[name] == value
    else:
        assert verdict.reason in VerificationFailed.REASONS


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_arbitrary_input_is_invalid_with_a_reason(signing: Any, blob: bytes) -> None:
    keys, _orgs = signing
    verdict = verify_input(blob, keys.trust_list(), NOW)
    assert verdict.status == "INVALID"
    assert verdict.reason in VerificationFailed.REASONS
    assert verdict.message


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.text(
            alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=40
        ),
        min_size=1,
        max_size=5,
    )
)
def test_well_shaped_garbage_is_invalid(signing: Any, parts: list[str]) -> None:
    keys, _orgs = signing
    verdict = verify_input(("~".join([".".join(parts), *parts, ""])).encode(), keys.trust_list())
    assert verdict.status == "INVALID"


def test_untouched_fields_survive_a_round_trip(signing: Any) -> None:
    keys, orgs = signing
    doc = verify(invoice_token(keys, orgs), keys.trust_list(), NOW)
    assert doc.disclosed["buyer"] == INVOICE["buyer"]
    assert doc.disclosed["goods"][0]["hs_code"] == "720241"


def test_issuance_and_expiry_may_be_numbers_with_a_fraction(signing: Any) -> None:
    """RFC 7519's NumericDate is any JSON number: 1772438400.5 is a time; a string, a
    boolean or infinity is not."""
    keys, _orgs = signing
    start = NOW.timestamp()

    def token(iat: Any, exp: Any) -> str:
        claims = {"iss": "kz-ferroalloy", "iat": iat, "exp": exp, "kind": "commercial_invoice"}
        return raw_issue(keys.signer("kz-ferroalloy"), claims, {"document_number": "F-1"})

    ok = verify(token(start + 0.25, start + 3600.5), keys.trust_list(), NOW)
    assert ok.disclosed["document_number"] == "F-1"
    assert ok.issued_at.timestamp() == pytest.approx(start + 0.25)
    for iat, exp in ((str(int(start)), start + 60), (True, start + 60), (start, "never")):
        assert reason(token(iat, exp), keys.trust_list()) == "malformed"
