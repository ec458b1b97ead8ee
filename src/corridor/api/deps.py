"""Request dependencies: the node's services and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from corridor import registry
from corridor.config import Settings
from corridor.documents import Keys
from corridor.exceptions import AuthenticationFailed
from corridor.exchange.runtime import Exchange
from corridor.model import Organisation
from corridor.network import Network
from corridor.rules import Engine
from corridor.store.db import Database


@dataclass
class Node:
    """Everything a request handler needs from the running node."""

    db: Database
    network: Network
    engine: Engine
    keys: Keys
    exchange: Exchange | None
    settings: Settings
    clock: Callable[[], datetime]


def node(request: Request) -> Node:
    """The node the app was built for."""
    found: Node = request.app.state.node
    return found


_bearer = HTTPBearer(auto_error=False, description="An API key issued by the node operator")


def caller(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Organisation:
    """The organisation whose API key signed this request."""
    if creds is None:
        raise AuthenticationFailed(
            "this endpoint needs an API key: send 'Authorization: Bearer cor_<id>.<secret>'"
        )
    return registry.authenticate(node(request).db, creds.credentials)


NodeDep = Annotated[Node, Depends(node)]
Caller = Annotated[Organisation, Depends(caller)]
