"""The API's routes, one module per resource; `ROUTERS` is what `create_app` mounts."""

from __future__ import annotations

from fastapi import APIRouter

from corridor.api.routes import (
    customs,
    documents,
    epcis,
    epcis_resources,
    exchange,
    issuing,
    ledger,
    ncts,
    network,
    node,
    organisations,
    queries,
    rules,
    shipments,
)

ROUTERS: list[APIRouter] = [
    r
    for module in (
        node,
        network,
        organisations,
        shipments,
        documents,
        issuing,
        rules,
        ledger,
        exchange,
        customs,
        ncts,
        queries,
        epcis,
        epcis_resources,
    )
    for r in (module.public, module.private)
]
