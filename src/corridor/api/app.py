"""The node's HTTP API (FastAPI). OpenAPI at /openapi.json, interactive docs at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, File, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from corridor import __version__, ledger, registry, shipments
from corridor.api.deps import Caller, Node, NodeDep
from corridor.api.limits import BodyLimit
from corridor.api.problems import Problem, install
from corridor.config import Settings
from corridor.documents import MEDIA_TYPE, Keys, Verdict, issue, verify_input
from corridor.documents import verify as verify_doc
from corridor.documents.paper import render
from corridor.exceptions import InvalidInput, PermissionDenied
from corridor.exchange.policy import shipped as shipped_policy
from corridor.exchange.runtime import Exchange
from corridor.exchange.service import Node as ExchangeNode
from corridor.exchange.service import disclose
from corridor.model import DocumentKind, Organisation, Role, RoutePreference, ShipmentDraft
from corridor.network import Network, Route, corridor
from corridor.network import Node as NetworkNode
from corridor.rules import (
    Engine,
    Matrix,
    ReadinessReport,
    matrix,
    parse_pack,
    route_jurisdictions,
    shipped,
)
from corridor.rules.schema import Pack
from corridor.store.db import Database
from corridor.store.tables import InboxRow

_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON", **_PROBLEM},
    413: {"description": "Body over the size limit", **_PROBLEM},
    422: {"description": "Invalid input; `errors` names each field", **_PROBLEM},
    500: {"description": "Internal error; nothing was changed", **_PROBLEM},
    503: {"description": "Store unavailable", **_PROBLEM},
}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or revoked API key", **_PROBLEM},
    403: {"description": "Your organisation may not do this", **_PROBLEM},
    404: {"description": "Not found, or not yours to see", **_PROBLEM},
    409: {"description": "Conflicts with stored data", **_PROBLEM},
}


class Health(BaseModel):
    """Liveness of the node and its store."""

    status: str
    version: str
    nodes: int


class NewKey(BaseModel):
    """A request for a new API key."""

    label: str = "default"


class CheckRequest(BaseModel):
    """A shipment to check before it is submitted."""

    model_config = ConfigDict(extra="forbid")

    shipment: ShipmentDraft
    documents: list[DocumentKind] = Field(default_factory=list)
    departure: date | None = None


class PackInfo(BaseModel):
    """A loaded rule pack."""

    jurisdiction: str
    name: str
    version: str
    countries: list[str]
    effective_from: date
    effective_to: date | None
    rules: int


class SignRequest(BaseModel):
    """A document to issue, signed with your organisation's key."""

    model_config = ConfigDict(extra="forbid")

    kind: DocumentKind
    fields: dict[str, Any]


class SignedDocument(BaseModel):
    """An issued document: its stored record and the SD-JWT itself."""

    document: shipments.DocumentInfo
    token: str


class LedgerView(BaseModel):
    """A verified ledger."""

    verified: int
    head: str
    entries: list[ledger.Entry]


class Disclosed(BaseModel):
    """Envelopes queued for the authorities on a shipment's route."""

    envelopes: list[str]


class InboxItem(BaseModel):
    """Pre-arrival data this node's authority received."""

    envelope_id: str
    from_node: str
    sender: str
    shipment_id: str
    procedure: str
    content: dict[str, Any]
    received_at: datetime


class DirectoryEntry(BaseModel):
    """A node in the corridor directory."""

    node: str
    country: str
    organisation_id: str
    box_public: str


class LintResult(BaseModel):
    """A rule pack that passed the checks."""

    valid: bool
    jurisdiction: str
    version: str
    rules: int


def _pack_info(p: Pack) -> PackInfo:
    return PackInfo(
        jurisdiction=p.jurisdiction,
        name=p.name,
        version=p.version,
        countries=list(p.countries),
        effective_from=p.effective_from,
        effective_to=p.effective_to,
        rules=len(p.rules),
    )


def _operator_or_self(who: Organisation, org_id: str) -> None:
    if who.role is not Role.OPERATOR and who.id != org_id:
        raise PermissionDenied(
            "only the node operator or the organisation itself manages its API keys"
        )


def _routes() -> list[APIRouter]:
    public = APIRouter(responses=COMMON_ERRORS)
    private = APIRouter(responses={**COMMON_ERRORS, **AUTH_ERRORS})

    @public.get("/health", tags=["node"])
    def health(n: NodeDep) -> Health:
        """Whether the node and its store answer."""
        with n.db.transaction() as s:
            s.connection()
        return Health(status="ok", version=__version__, nodes=len(n.network.nodes))

    @public.get("/network/nodes", tags=["network"])
    def network_nodes(n: NodeDep) -> list[NetworkNode]:
        """Every node of the corridor network with its country, kind and typical dwell."""
        return list(n.network.nodes.values())

    @public.get("/network/route", tags=["network"])
    def network_route(
        n: NodeDep,
        origin: Annotated[str, Query(max_length=64, examples=["dostyk"])],
        destination: Annotated[str, Query(max_length=64, examples=["constanta"])],
        prefer: RoutePreference = RoutePreference.FASTEST,
    ) -> Route:
        """The fastest or shortest route between two nodes, with its border crossings."""
        return n.network.route(origin, destination, prefer)

    @private.get("/me", tags=["organisations"])
    def me(who: Caller) -> Organisation:
        """The organisation your API key belongs to."""
        return who

    @private.post("/organisations", status_code=201, tags=["organisations"])
    def create_organisation(org: Organisation, who: Caller, n: NodeDep) -> Organisation:
        """Register an organisation (node operator only)."""
        if who.role is not Role.OPERATOR:
            raise PermissionDenied("only the node operator registers organisations")
        return registry.create_organisation(n.db, org, n.clock())

    @private.get("/organisations", tags=["organisations"])
    def list_organisations(who: Caller, n: NodeDep) -> list[Organisation]:
        """The directory of registered organisations."""
        return registry.list_organisations(n.db)

    @private.get("/organisations/{org_id}", tags=["organisations"])
    def get_organisation(org_id: str, who: Caller, n: NodeDep) -> Organisation:
        """One registered organisation."""
        return registry.get_organisation(n.db, org_id)

    @private.post("/organisations/{org_id}/api-keys", status_code=201, tags=["organisations"])
    def issue_key(
        org_id: str, who: Caller, n: NodeDep, body: NewKey | None = None
    ) -> registry.IssuedKey:
        """Issue an API key; the secret is shown only in this response."""
        _operator_or_self(who, org_id)
        return registry.issue_key(n.db, org_id, (body or NewKey()).label[:100], n.clock())

    @private.get("/organisations/{org_id}/api-keys", tags=["organisations"])
    def list_keys(org_id: str, who: Caller, n: NodeDep) -> list[registry.ApiKeyInfo]:
        """An organisation's API keys, without secrets."""
        _operator_or_self(who, org_id)
        return registry.list_keys(n.db, org_id)

    @private.delete("/organisations/{org_id}/api-keys/{key_id}", tags=["organisations"])
    def revoke_key(org_id: str, key_id: str, who: Caller, n: NodeDep) -> registry.ApiKeyInfo:
        """Revoke an API key; it stops working at once."""
        _operator_or_self(who, org_id)
        return registry.revoke_key(n.db, org_id, key_id, n.clock())

    @private.post("/shipments", status_code=201, tags=["shipments"])
    def submit_shipment(
        draft: ShipmentDraft, who: Caller, n: NodeDep, response: Response
    ) -> shipments.Shipment:
        """Submit a shipment; its route is planned and its parties checked."""
        created = shipments.submit(n.db, n.network, draft, who, n.clock(), n.engine, n.keys)
        response.headers["Location"] = f"/shipments/{created.id}"
        return created

    @private.get("/shipments", tags=["shipments"])
    def list_shipments(
        who: Caller,
        n: NodeDep,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[shipments.Shipment]:
        """Shipments you are party to, newest first."""
        return shipments.list_for(n.db, who, limit, offset)

    @private.get("/shipments/{shipment_id}", tags=["shipments"])
    def get_shipment(shipment_id: str, who: Caller, n: NodeDep) -> shipments.Shipment:
        """A shipment you are party to."""
        return shipments.get(n.db, who, shipment_id)

    @private.get("/shipments/{shipment_id}/route", tags=["shipments"])
    def shipment_route(shipment_id: str, who: Caller, n: NodeDep) -> Route:
        """The shipment's planned route with the border crossings on the way."""
        return shipments.get(n.db, who, shipment_id).route

    @private.get("/shipments/{shipment_id}/events", tags=["shipments"])
    def shipment_events(shipment_id: str, who: Caller, n: NodeDep) -> list[shipments.Event]:
        """The shipment's timeline."""
        return shipments.timeline(n.db, who, shipment_id)

    @private.post("/shipments/{shipment_id}/documents", status_code=201, tags=["documents"])
    async def attach_document(
        shipment_id: str,
        who: Caller,
        n: NodeDep,
        kind: Annotated[DocumentKind, Form()],
        file: Annotated[UploadFile, File(description="The document file")],
    ) -> shipments.DocumentInfo:
        """Attach a document file (multipart/form-data) to a shipment you are party to."""
        content = await file.read(n.settings.max_document_bytes + 1)
        return shipments.attach_document(
            n.db,
            who,
            shipment_id,
            kind,
            file.filename or "document",
            file.content_type or "application/octet-stream",
            content,
            n.clock(),
            n.settings.max_document_bytes,
            n.keys,
        )

    @private.get("/shipments/{shipment_id}/documents", tags=["documents"])
    def list_documents(shipment_id: str, who: Caller, n: NodeDep) -> list[shipments.DocumentInfo]:
        """Documents attached to a shipment you are party to."""
        return shipments.documents(n.db, who, shipment_id)

    @private.get(
        "/shipments/{shipment_id}/documents/{document_id}",
        tags=["documents"],
        response_class=Response,
        responses={
            200: {
                "content": {"application/octet-stream": {}},
                "description": "The document's bytes",
            }
        },
    )
    def get_document(shipment_id: str, document_id: str, who: Caller, n: NodeDep) -> Response:
        """Download a document's bytes."""
        info, content = shipments.document_content(n.db, who, shipment_id, document_id)
        return Response(
            content,
            media_type=info.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{info.id}"',
                "Digest": f"sha-256={info.sha256}",
            },
        )

    @private.get("/shipments/{shipment_id}/readiness", tags=["rules"])
    def shipment_readiness(shipment_id: str, who: Caller, n: NodeDep) -> ReadinessReport:
        """Re-check the shipment against every jurisdiction on its route, with the
        documents attached now; the report is stored with the shipment."""
        return shipments.recheck(n.db, n.engine, who, shipment_id, n.clock())

    @private.post("/rules/check", tags=["rules"])
    def check(req: CheckRequest, who: Caller, n: NodeDep) -> ReadinessReport:
        """Check a draft shipment before submitting it: every border's rules, with what is
        passed, missing or blocking and what to provide."""
        route = shipments.plan_route(n.network, req.shipment)
        return n.engine.check(
            req.shipment, route, req.documents, req.departure or req.shipment.departure or n.clock()
        )

    @public.get("/rules/packs", tags=["rules"])
    def packs(n: NodeDep) -> list[PackInfo]:
        """The rule packs loaded on this node."""
        return [_pack_info(p) for p in n.engine.packs.packs]

    @public.get("/rules/diff", tags=["rules"])
    def diff(
        n: NodeDep,
        origin: Annotated[str | None, Query(max_length=64)] = None,
        destination: Annotated[str | None, Query(max_length=64)] = None,
        on: Annotated[date | None, Query(description="Date the packs are in force")] = None,
    ) -> Matrix:
        """The requirement matrix across the jurisdictions of a route (or all of them)."""
        packs = n.engine.packs
        if origin and destination:
            countries = n.network.route(origin, destination).countries
            jurisdictions = route_jurisdictions(packs, countries)
        elif origin or destination:
            raise InvalidInput("give both origin and destination, or neither for every pack")
        else:
            jurisdictions = packs.jurisdictions
        return matrix(packs, jurisdictions, on or n.clock().date())

    @public.post(
        "/rules/lint",
        tags=["rules"],
        openapi_extra={"requestBody": {"content": {"application/yaml": {}}}},
    )
    def lint(text: Annotated[str, Body(media_type="application/yaml")]) -> LintResult:
        """Check a rule pack (YAML body); errors come back with line numbers."""
        pack = parse_pack(text, "pack.yaml")
        return LintResult(
            valid=True, jurisdiction=pack.jurisdiction, version=pack.version, rules=len(pack.rules)
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
    async def verify_document(request: Request, n: NodeDep) -> Verdict:
        """Verify a signed document: the SD-JWT, the text of its QR code, or its PDF, as the
        request body. Always 200: VALID with issuer and disclosed fields, or INVALID with
        one reason code."""
        return verify_input(await request.body(), n.keys.trust_list(), n.clock())

    @public.get("/trust-list", tags=["documents"])
    def trust_list(n: NodeDep) -> Response:
        """The corridor trust list (keys, organisations, countries, roles, validity)."""
        return Response(n.keys.trust_list().to_json(), media_type="application/json")

    @private.post("/shipments/{shipment_id}/documents/signed", status_code=201, tags=["documents"])
    def issue_document(
        shipment_id: str, req: SignRequest, who: Caller, n: NodeDep
    ) -> SignedDocument:
        """Issue a typed document for a shipment you are party to, signed with your key;
        it is stored with the shipment."""
        shipments.get(n.db, who, shipment_id)
        now = n.clock()
        n.keys.ensure(who.id, now)
        token = issue(n.keys, who, req.kind, req.fields, now, shipment_id)
        info = shipments.attach_document(
            n.db,
            who,
            shipment_id,
            req.kind,
            f"{req.kind.value}.sd-jwt",
            MEDIA_TYPE,
            token.encode("ascii"),
            now,
            n.settings.max_document_bytes,
            n.keys,
        )
        return SignedDocument(document=info, token=token)

    @private.get(
        "/shipments/{shipment_id}/documents/{document_id}/pdf",
        tags=["documents"],
        response_class=Response,
        responses={
            200: {
                "content": {"application/pdf": {}},
                "description": "The printable document with its QR code",
            }
        },
    )
    def document_pdf(shipment_id: str, document_id: str, who: Caller, n: NodeDep) -> Response:
        """The paper copy of a signed document: readable PDF with a verification QR code."""
        info, content = shipments.document_content(n.db, who, shipment_id, document_id)
        if info.media_type != MEDIA_TYPE:
            raise InvalidInput(
                f"only signed documents have a paper copy; this one is a raw {info.media_type} file"
            )
        token = content.decode("ascii")
        pdf = render(token, verify_doc(token, n.keys.trust_list(), n.clock()))
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{info.id}.pdf"'},
        )

    @private.get("/shipments/{shipment_id}/ledger", tags=["ledger"])
    def shipment_ledger(shipment_id: str, who: Caller, n: NodeDep) -> LedgerView:
        """The shipment's hash-chained, signed ledger, verified now; 409 names the first bad
        entry."""
        chain = shipments.ledger_entries(n.db, who, shipment_id)
        verified = ledger.verify_chain(chain, n.keys.trust_list())
        return LedgerView(
            verified=verified,
            head=chain[-1].hash if chain else ledger.GENESIS,
            entries=chain,
        )

    @private.post("/shipments/{shipment_id}/disclose", tags=["exchange"])
    def disclose_shipment(shipment_id: str, who: Caller, n: NodeDep) -> Disclosed:
        """Queue each route authority's entitled pre-arrival data, sealed to its node; the
        node's exchange loop sends it."""
        ex = _exchange(n)
        shipments.get(n.db, who, shipment_id)
        now = n.clock()
        n.keys.ensure(who.id, now)
        sender = ExchangeNode(ex.node.node, who, n.db, n.keys, ex.node.box)
        others = [a for a in ex.directory().authorities() if a.node != ex.node.node]
        ids = disclose(sender, n.network, shipment_id, others, shipped_policy(), now)
        return Disclosed(envelopes=ids)

    @private.get("/exchange/inbox", tags=["exchange"])
    def inbox(who: Caller, n: NodeDep) -> list[InboxItem]:
        """Pre-arrival data received by this node (only its own authority may read it)."""
        ex = _exchange(n)
        if who.id != ex.node.organisation.id:
            raise PermissionDenied("only the authority that runs this node reads its inbox")
        with n.db.transaction() as s:
            rows = s.scalars(select(InboxRow).order_by(InboxRow.received_at))
            return [InboxItem.model_validate(r, from_attributes=True) for r in rows]

    @public.get("/exchange/directory", tags=["exchange"])
    def directory(n: NodeDep) -> list[DirectoryEntry]:
        """The corridor's nodes and their public encryption keys."""
        return [DirectoryEntry(**asdict(a)) for a in _exchange(n).directory().authorities()]

    return [public, private]


def _exchange(n: Node) -> Exchange:
    if n.exchange is None:
        raise InvalidInput(
            "this node runs without an exchange; start it with "
            "'corridor serve --node NODE --org ORGANISATION'"
        )
    return n.exchange


def create_app(
    db: Database,
    network: Network | None = None,
    settings: Settings | None = None,
    clock: Callable[[], datetime] | None = None,
    engine: Engine | None = None,
    exchange: Exchange | None = None,
) -> FastAPI:
    """The API of one node over its store (with its exchange loop, when given one)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if exchange is not None:
            exchange.start()
        yield
        if exchange is not None:
            await exchange.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="corridor node",
        version=__version__,
        description="Electronic, harmonised and sovereign document flow of the Middle "
        "Corridor. Errors are RFC 9457 problem documents. Authenticate with "
        "'Authorization: Bearer <API key>'.",
    )
    app.state.node = Node(
        db=db,
        network=network or corridor(),
        engine=engine or Engine(shipped(), network or corridor()),
        keys=Keys(db, settings.data_dir),
        exchange=exchange,
        settings=settings,
        clock=clock or (lambda: datetime.now(UTC)),
    )
    install(app)
    for router in _routes():
        app.include_router(router)

    def limit_for(path: str) -> int:
        if path.endswith("/documents") or path == "/verify":
            return settings.max_document_bytes + 64 * 1024
        return settings.max_json_bytes

    app.add_middleware(BodyLimit, limit_for=limit_for)
    return app
