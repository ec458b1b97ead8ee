"""Verifiable documents: RFC 8785 canonical JSON, keys and the trust list, SD-JWT issue /
present / verify, PDF and QR rendering.

Use the recipes (`issue`, `present`, `verify`, `verify_input`); `_hazmat` holds the raw
operations they are built from.
"""

from corridor.documents.recipes import (
    MEDIA_TYPE,
    Verdict,
    VerifiedDocument,
    issue,
    qr_payload,
    token_from_input,
    verify,
    verify_input,
)
from corridor.documents.sdjwt import present
from corridor.documents.trust import Keys, TrustList

__all__ = [
    "MEDIA_TYPE",
    "Keys",
    "TrustList",
    "Verdict",
    "VerifiedDocument",
    "issue",
    "present",
    "qr_payload",
    "token_from_input",
    "verify",
    "verify_input",
]
