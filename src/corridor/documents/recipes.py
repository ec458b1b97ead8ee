"""The safe API: issue a typed document, verify anything a person hands over.

`verify_input` accepts a compact SD-JWT, the text of a printed QR code (``CRD1:`` + Base45
of the zlib-compressed token) or the bytes of a corridor PDF (which carries the token as an
embedded file), and always answers VALID or INVALID with one reason: never an exception
trace.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import base45
from pydantic import BaseModel, ValidationError

from corridor.documents import _hazmat as hz
from corridor.documents import sdjwt
from corridor.documents.kinds import ISSUER_ROLES, SCHEMAS, SOVEREIGN
from corridor.documents.trust import TrustList, utc
from corridor.exceptions import FieldError, InvalidInput, PermissionDenied, VerificationFailed
from corridor.model import DocumentKind, Organisation

QR_PREFIX = "CRD1:"
PDF_ATTACHMENT = "corridor-document.sd-jwt"
MEDIA_TYPE = "application/vnd.corridor.doc+sd-jwt"
MAX_INPUT_BYTES = 8 << 20
DEFAULT_VALIDITY = timedelta(days=365)
# The longest a document of each kind may be valid: its signer cannot choose a forgery that
# never expires. Decisions of an authority are short-lived; a certificate of origin lasts a
# year; commercial papers a little more (to cover a slow journey and its audit).
MAX_LIFETIME: dict[DocumentKind, timedelta] = {
    **dict.fromkeys(DocumentKind, timedelta(days=400)),
    DocumentKind.CERTIFICATE_OF_ORIGIN: timedelta(days=365),
    DocumentKind.TRANSIT_DECLARATION: timedelta(days=90),
    DocumentKind.CUSTOMS_RELEASE: timedelta(days=30),
    DocumentKind.INSPECTION_ACT: timedelta(days=365),
    DocumentKind.LICENCE: timedelta(days=730),
    DocumentKind.NUCLEAR_LICENCE: timedelta(days=730),
    DocumentKind.DUAL_USE_PERMIT: timedelta(days=730),
}
_FIELDS = {kind: tuple(schema.model_fields) for kind, schema in SCHEMAS.items()}
_ROLES = {kind: frozenset(r.value for r in roles) for kind, roles in ISSUER_ROLES.items()}


class Issuer(BaseModel):
    """Who signed a document, as the trust list knows them."""

    id: str
    name: str
    country: str
    role: str


class VerifiedDocument(BaseModel):
    """A valid document: issuer, kind and the fields its holder disclosed."""

    kind: DocumentKind
    issuer: Issuer
    kid: str
    shipment: str | None
    issued_at: datetime
    expires_at: datetime | None
    disclosed: dict[str, Any]
    withheld_fields: bool


class Verdict(BaseModel):
    """VALID with the document, or INVALID with one reason code and a sentence."""

    status: Literal["VALID", "INVALID"]
    reason: str | None = None
    message: str
    document: VerifiedDocument | None = None


def issue(
    signer: sdjwt.Signer,
    issuer: Organisation,
    kind: DocumentKind,
    fields: dict[str, Any],
    now: datetime,
    shipment_id: str | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
) -> str:
    """Validate `fields` against the kind's schema and sign them as an SD-JWT with the
    issuer's key."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise InvalidInput(
            f"{kind.value!r} has no document schema; issue one of "
            f"{', '.join(k.value for k in SCHEMAS)}"
        )
    if issuer.role not in ISSUER_ROLES[kind]:
        allowed = " or ".join(sorted(r.value for r in ISSUER_ROLES[kind]))
        raise PermissionDenied(
            f"a {issuer.role.value} cannot issue a {kind.value}; it is issued by a {allowed}"
        )
    try:
        doc = schema.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(
            f"the {kind.value} has invalid fields",
            [FieldError(".".join(str(p) for p in e["loc"]), str(e["msg"])) for e in exc.errors()],
        ) from None
    if validity <= timedelta(0):
        raise InvalidInput("a document must be valid for some time after it is issued")
    lifetime = min(validity, MAX_LIFETIME[kind])
    visible: dict[str, Any] = {
        "iss": issuer.id,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "kind": kind.value,
        "country": issuer.country,
    }
    if shipment_id:
        visible["shipment"] = shipment_id
    disclosable = doc.model_dump(mode="json", exclude_none=True)
    return sdjwt.issue(signer, visible, disclosable)


def jws_digest(token: str) -> str:
    """SHA-256 (hex) of a document's signed part, which every presentation of it shares:
    the identity a witness records."""
    return hz.digest(token.split("~", 1)[0].encode("ascii")).hex()


def verify(
    token: str,
    trust: TrustList,
    now: datetime | None = None,
    witnessed: Callable[[str], datetime | None] | None = None,
) -> VerifiedDocument:
    """Verify a token and the issuer's right to sign its kind; raises VerificationFailed.

    `witnessed(jws_digest)` gives when a node first saw the document. With it, a document
    signed by a key since superseded counts only if it was witnessed before the key was
    superseded: its own issuance time is the signer's word, which a thief of the key could
    set to any time before."""
    at = (now or datetime.now(UTC)).timestamp()
    checked = sdjwt.verify(token, trust.resolve, at)
    entry = trust.entries[checked.key.kid]
    if witnessed is not None and entry.revoked_at is not None:
        seen = witnessed(jws_digest(token))
        if seen is None or seen >= entry.revoked_at:
            when = "never witnessed" if seen is None else f"first witnessed {seen:%Y-%m-%d %H:%M}"
            raise VerificationFailed(
                "revoked_key",
                f"key {entry.kid!r} was superseded at {entry.revoked_at:%Y-%m-%d %H:%M} UTC "
                f"and this document was {when}: its issuance time cannot be trusted",
            )
    claims = checked.claims
    try:
        kind = DocumentKind(str(claims.get("kind")))
    except ValueError:
        raise VerificationFailed(
            "malformed", f"unknown document kind {claims.get('kind')!r}"
        ) from None
    if claims["exp"] - claims["iat"] > MAX_LIFETIME[kind].total_seconds():
        raise VerificationFailed(
            "malformed",
            f"a {kind.value} may be valid for at most {MAX_LIFETIME[kind].days} days",
        )
    if entry.role not in _ROLES.get(kind, ()):
        raise VerificationFailed(
            "wrong_role",
            f"{entry.name} is a {entry.role}; a {kind.value} "
            "counts only when its issuer has the right role",
        )
    if kind in SOVEREIGN and claims.get("country") != entry.country:
        raise VerificationFailed(
            "wrong_role",
            f"a {kind.value} for {claims.get('country')} "
            f"counts only when signed by that country's "
            f"authority, not by one of {entry.country}",
        )
    skip = {"iss", "iat", "exp", "kind", "shipment", "country"}
    order = _FIELDS.get(kind, ())
    rest = sorted(k for k in claims if k not in skip and k not in order)
    disclosed = {k: claims[k] for k in (*order, *rest) if k in claims}
    withheld = any(f not in disclosed for f in order)
    # Every value below was checked by the verifier or comes from the trust list.
    return VerifiedDocument.model_construct(
        kind=kind,
        issuer=Issuer.model_construct(
            id=entry.organisation_id, name=entry.name, country=entry.country, role=entry.role
        ),
        kid=entry.kid,
        shipment=claims.get("shipment"),
        issued_at=utc(claims["iat"]),
        expires_at=utc(claims["exp"]),
        disclosed=disclosed,
        withheld_fields=withheld,
    )


def qr_payload(token: str) -> str:
    """The text a printed QR code carries: CRD1: + Base45(zlib(token))."""
    packed = base45.b45encode(zlib.compress(token.encode("ascii"), 9))
    return QR_PREFIX + str(packed.decode("ascii"))


def _from_qr(text: str) -> str:
    try:
        packed = base45.b45decode(text[len(QR_PREFIX) :].strip())
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, sdjwt.MAX_TOKEN_CHARS + 1)
    except (ValueError, zlib.error) as exc:
        raise VerificationFailed("malformed", f"the QR payload does not decode ({exc})") from None
    if len(raw) > sdjwt.MAX_TOKEN_CHARS or inflater.unconsumed_tail:
        raise VerificationFailed("malformed", "the QR payload inflates past the size limit")
    try:
        return raw.decode("ascii")
    except UnicodeDecodeError:
        raise VerificationFailed("malformed", "the QR payload is not an SD-JWT") from None


def _from_pdf(data: bytes) -> str:
    # Every stream pypdf decodes is bounded (see _PDF_LIMITS); only the one embedded file
    # named for a corridor document is decoded, whatever else the file holds; and any
    # failure of a hostile or broken PDF is a verdict, never an error.
    from pypdf import PdfReader, apply_configuration

    try:
        with apply_configuration(None, **_PDF_LIMITS):
            raw = _embedded(PdfReader(io.BytesIO(data)))
    except RecursionError:
        raise VerificationFailed("malformed", "the PDF is nested too deeply") from None
    except Exception as exc:  # a hostile PDF can fail anywhere in the parser
        raise VerificationFailed(
            "malformed", f"the PDF cannot be read ({type(exc).__name__})"
        ) from None
    if raw is None:
        raise VerificationFailed(
            "malformed",
            "the PDF carries no corridor document; verify the QR code printed on it instead",
        )
    if len(raw) > sdjwt.MAX_TOKEN_CHARS:
        raise VerificationFailed("malformed", "the PDF's document is over the size limit")
    try:
        return bytes(raw).decode("ascii")
    except UnicodeDecodeError:
        raise VerificationFailed("malformed", "the PDF's document is not an SD-JWT") from None


def _embedded(reader: Any) -> bytes | None:
    """The bytes of the first embedded file named for a corridor document, or None."""
    try:
        names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError):
        return None
    for i in range(0, min(len(names), 2 * _PDF_MAX_ATTACHMENTS), 2):
        if str(names[i]) == PDF_ATTACHMENT:
            data: bytes = names[i + 1].get_object()["/EF"]["/F"].get_object().get_data()
            return data
    return None


# Bounds on what decoding one PDF may cost: a corridor PDF embeds one token of at most
# 256 KiB; nothing legitimate needs more than a few MiB per stream or much work.
_PDF_LIMITS: dict[str, int] = {
    "maximum_declared_stream_length": 16 << 20,
    "array_based_stream_maximum_output_length": 4 << 20,
    "array_maximum_element_count": 10_000,
    "dictionary_maximum_element_count": 10_000,
    "zlib_maximum_output_length": 4 << 20,
    "zlib_maximum_recovery_input_length": 1 << 20,
    "lzw_maximum_output_length": 4 << 20,
    "run_length_maximum_output_length": 4 << 20,
    "jbig2_maximum_output_length": 1 << 20,
    "brotli_maximum_output_length": 4 << 20,
    "flate_maximum_columns": 1 << 12,
    "flate_maximum_row_length": 1 << 16,
    "image_maximum_buffer_size": 4 << 20,
    "stream_filters_maximum_length": 4,
    "stream_decoding_work_maximum_length": 16 << 20,
}
_PDF_MAX_ATTACHMENTS = 64


def token_from_input(data: bytes) -> str:
    """The SD-JWT inside whatever was handed over: a token, a QR payload or a PDF."""
    if len(data) > MAX_INPUT_BYTES:
        raise VerificationFailed("malformed", f"input is over {MAX_INPUT_BYTES} bytes")
    if data.startswith(b"%PDF-"):
        return _from_pdf(data)
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise VerificationFailed("malformed", "input is neither text nor a PDF") from None
    if text.startswith(QR_PREFIX):
        return _from_qr(text)
    return text


def verify_input(
    data: bytes,
    trust: TrustList,
    now: datetime | None = None,
    witnessed: Callable[[str], datetime | None] | None = None,
) -> Verdict:
    """VALID or INVALID for anything handed over; never raises for bad input."""
    try:
        doc = verify(token_from_input(data), trust, now, witnessed)
    except VerificationFailed as exc:
        return Verdict(status="INVALID", reason=exc.reason, message=exc.detail)
    return Verdict(
        status="VALID",
        message=f"{doc.kind.value.replace('_', ' ')} issued by "
        f"{doc.issuer.name} ({doc.issuer.country}, "
        f"{doc.issuer.role}) on {doc.issued_at:%Y-%m-%d}",
        document=doc,
    )
