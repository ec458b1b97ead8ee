"""Verifiable documents: RFC 8785 canonical JSON, keys and the trust list, SD-JWT issue /
present / verify, PDF and QR rendering.

Use the recipes (`issue`, `present`, `verify`, `verify_input`, and `signing` for the
ledger's and the exchange's detached signatures); `_hazmat` holds the raw operations they are
built from and is imported by nothing outside this package.
"""

from corridor.documents.recipes import (
    MEDIA_TYPE,
    Verdict,
    VerifiedDocument,
    issue,
    jws_digest,
    qr_payload,
    token_from_input,
    verify,
    verify_input,
)
from corridor.documents.sdjwt import Signer, present
from corridor.documents.trust import TrustEntry, TrustList

__all__ = [
    "MEDIA_TYPE",
    "Signer",
    "TrustEntry",
    "TrustList",
    "Verdict",
    "VerifiedDocument",
    "issue",
    "jws_digest",
    "present",
    "qr_payload",
    "token_from_input",
    "verify",
    "verify_input",
]
