"""The two kinds of router: public (no key) and private (an API key, and its errors)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel
from pydantic_core import to_json

from corridor.api.deps import OneThreadRoute
from corridor.api.schemas import AUTH_ERRORS, COMMON_ERRORS


def routers() -> tuple[APIRouter, APIRouter]:
    """A public and a private router for one resource."""
    return (
        APIRouter(responses=COMMON_ERRORS),
        APIRouter(responses={**COMMON_ERRORS, **AUTH_ERRORS}, route_class=OneThreadRoute),
    )


def as_json(data: BaseModel | Any, status_code: int = 200) -> Response:
    """A response of data that is already valid: a model the services built, or JSON they
    validated when it was stored. The route declares the model for the OpenAPI document
    (`response_model`); FastAPI then neither validates it again nor takes a worker thread
    to do so."""
    body = data.model_dump_json(by_alias=True) if isinstance(data, BaseModel) else to_json(data)
    return Response(body, status_code=status_code, media_type="application/json")
