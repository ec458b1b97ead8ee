"""Documents: attach, list and download; issue signed documents; paper copies; verify;
the trust list."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import File, Form, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from corridor.api.deps import Caller, Ctx, IdempotencyKey
from corridor.api.routes._base import routers
from corridor.api.schemas import SignRequest
from corridor.model import DocumentKind
from corridor.services import keys, papers
from corridor.services.papers import MEDIA_TYPE, DocumentInfo, SignedDocument, Verdict

public, private = routers()


@private.post("/shipments/{shipment_id}/documents", status_code=201, tags=["documents"])
async def attach_document(
    shipment_id: str,
    who: Caller,
    ctx: Ctx,
    kind: Annotated[DocumentKind, Form()],
    file: Annotated[UploadFile, File(description="The document file")],
) -> DocumentInfo:
    """Attach a document file (multipart/form-data) to a shipment you are party to."""
    content = await file.read(ctx.settings.max_document_bytes + 1)
    return await run_in_threadpool(
        papers.attach,
        ctx,
        who,
        shipment_id,
        kind,
        file.filename or "document",
        file.content_type or "application/octet-stream",
        content,
        ctx.clock(),
    )


@private.get("/shipments/{shipment_id}/documents", tags=["documents"])
def list_documents(shipment_id: str, who: Caller, ctx: Ctx) -> list[DocumentInfo]:
    """Documents attached to a shipment you are party to."""
    return papers.documents(ctx, who, shipment_id)


@private.get(
    "/shipments/{shipment_id}/documents/{document_id:uuid}",
    tags=["documents"],
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The document's bytes"}
    },
)
def get_document(shipment_id: str, document_id: UUID, who: Caller, ctx: Ctx) -> Response:
    """Download a document's bytes."""
    info, content = papers.content(ctx, who, shipment_id, str(document_id))
    # A raw upload goes back as bytes to save, never as the type its uploader claimed (an
    # HTML or SVG file must not run in the reader's browser).
    return Response(
        content,
        media_type=info.media_type if info.media_type == MEDIA_TYPE else "application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{info.id}"',
            "Digest": f"sha-256={info.sha256}",
        },
    )


@private.post("/shipments/{shipment_id}/documents/signed", status_code=201, tags=["documents"])
def issue_document(
    shipment_id: str, req: SignRequest, who: Caller, ctx: Ctx, key: IdempotencyKey = None
) -> SignedDocument:
    """Issue a typed document for a shipment you are party to, signed with your key;
    it is stored with the shipment."""
    return papers.issue_signed(ctx, who, shipment_id, req.kind, req.fields, ctx.clock(), key)


@private.get(
    "/shipments/{shipment_id}/documents/{document_id:uuid}/pdf",
    tags=["documents"],
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {}},
            "description": "The printable document with its QR code",
        }
    },
)
def document_pdf(shipment_id: str, document_id: UUID, who: Caller, ctx: Ctx) -> Response:
    """The paper copy of a signed document: readable PDF with a verification QR code."""
    info, pdf = papers.paper_copy(ctx, who, shipment_id, str(document_id), ctx.clock())
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{papers.pdf_filename(info)}"'},
    )


@public.post(
    "/verify",
    tags=["documents"],
    openapi_extra={
        "requestBody": {
            "content": {
                "application/vnd.corridor.doc+sd-jwt": {},
                "text/plain": {},
                "application/pdf": {},
            }
        }
    },
)
async def verify_document(request: Request, ctx: Ctx) -> Verdict:
    """Verify a signed document: the SD-JWT, the text of its QR code, or its PDF, as the
    request body. Always 200: VALID with issuer and disclosed fields, or INVALID with
    one reason code."""
    body = await request.body()
    # Reading the trust list and parsing a PDF are blocking work: off the event loop.
    return await run_in_threadpool(papers.verdict, ctx, body)


@public.get("/trust-list", tags=["documents"])
def trust_list(ctx: Ctx) -> Response:
    """The corridor trust list (keys, organisations, countries, roles, validity)."""
    return Response(keys.trust_list(ctx).to_json(), media_type="application/json")
