"""The two kinds of router: public (no key) and private (an API key, and its errors)."""

from __future__ import annotations

from fastapi import APIRouter

from corridor.api.schemas import AUTH_ERRORS, COMMON_ERRORS


def routers() -> tuple[APIRouter, APIRouter]:
    """A public and a private router for one resource."""
    return APIRouter(responses=COMMON_ERRORS), APIRouter(responses={**COMMON_ERRORS, **AUTH_ERRORS})
