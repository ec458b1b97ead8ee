"""The two kinds of router: public (no key) and private (an API key, and its errors)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic_core import to_json

from corridor.api.schemas import AUTH_ERRORS, COMMON_ERRORS


def routers() -> tuple[APIRouter, APIRouter]:
    """A public and a private router for one resource."""
    return APIRouter(responses=COMMON_ERRORS), APIRouter(responses={**COMMON_ERRORS, **AUTH_ERRORS})


def stored_json(data: Any) -> Response:
    """JSON that was validated when it was stored (the route declares its model for the
    OpenAPI document), sent without a second pass through that model."""
    return Response(to_json(data), media_type="application/json")
