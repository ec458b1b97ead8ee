"""The harmonised rules: check a draft, the packs, the harmonisation matrix, lint a pack."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import routers
from corridor.api.schemas import CheckRequest, LintResult
from corridor.model import PlanningDate
from corridor.model.codes import NODE_ID
from corridor.services import rules
from corridor.services.rules import Matrix, PackInfo, ReadinessReport

public, private = routers()


@private.post("/rules/check", tags=["rules"])
def check(req: CheckRequest, who: Caller, ctx: Ctx) -> ReadinessReport:
    """Check a draft shipment before submitting it: every border's rules, with what is
    passed, missing or blocking and what to provide."""
    return rules.check_draft(ctx.engine, req.shipment, req.documents, req.departure, ctx.clock())


@public.get("/rules/packs", tags=["rules"])
def packs(ctx: Ctx) -> list[PackInfo]:
    """The rule packs loaded on this node."""
    return rules.packs(ctx.engine, ctx.clock().date())


@public.get("/rules/diff", tags=["rules"])
def diff(
    ctx: Ctx,
    origin: Annotated[str | None, Query(max_length=64, json_schema_extra=NODE_ID)] = None,
    destination: Annotated[str | None, Query(max_length=64, json_schema_extra=NODE_ID)] = None,
    on: Annotated[
        PlanningDate | None, Query(description="Date the packs are in force (2000-2099)")
    ] = None,
) -> Matrix:
    """The requirement matrix across the jurisdictions of a route (or all of them)."""
    return rules.harmonisation(ctx.engine, origin, destination, on or ctx.clock().date())


@public.post(
    "/rules/lint",
    tags=["rules"],
    openapi_extra={"requestBody": {"content": {"application/yaml": {}}}},
)
def lint(text: Annotated[str, Body(media_type="application/yaml")], ctx: Ctx) -> LintResult:
    """Check a rule pack (YAML body); errors come back with line numbers, and the rules to
    check against their sources again (unconfirmed, or not reviewed within a year) as
    warnings."""
    pack = rules.lint(text, "pack.yaml", ctx.clock().date())
    return LintResult(
        valid=True,
        jurisdiction=pack.jurisdiction,
        version=pack.version,
        rules=pack.rules,
        warnings=pack.warnings,
    )
