"""Organisations registered on a node (its members): registration, the directory,
suspension.

The node operator registers a member and hands it a one-time enrolment code out of band; from
then on only the member mints its own API keys (`corridor.services.credentials`). The operator
can suspend or reinstate a member and revoke its keys, but never act as it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.exceptions import Conflict, FieldError, NotFound, PermissionDenied, UnknownNode
from corridor.model import Organisation, Role
from corridor.services.context import Caller, Context
from corridor.store.tables import OrganisationRow


def from_row(row: OrganisationRow) -> Organisation:
    """The organisation a stored row describes."""
    return Organisation.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "country": row.country,
            "role": row.role,
            "tax_id": row.tax_id,
            "works_at": tuple(p for p in (row.works_at or "").split(",") if p),
        }
    )


def operator_only(who: Caller, what: str) -> None:
    """Refuse anyone but the node operator (or the administrator at the node's shell)."""
    if isinstance(who, Organisation) and who.role is not Role.OPERATOR:
        raise PermissionDenied(f"only the node operator {what}")


def register(ctx: Context, who: Caller, org: Organisation, now: datetime) -> Organisation:
    """Register an organisation known to the corridor (its id must be new) without an
    enrolment: the directory entry of an organisation hosted elsewhere. A member of this
    node is registered with `credentials.register_member`."""
    operator_only(who, "registers organisations")
    check_places(ctx, org)
    with ctx.db.transaction() as s:
        insert(s, org, now)
    return org


def check_places(ctx: Context, org: Organisation) -> None:
    """The nodes an organisation works at are nodes of this corridor's network."""
    for i, node_id in enumerate(org.works_at):
        try:
            ctx.network.node(node_id)
        except UnknownNode as exc:
            raise UnknownNode(exc.detail, [FieldError(f"works_at.{i}", exc.detail)]) from None


def insert(s: Session, org: Organisation, now: datetime) -> None:
    """Add an organisation inside the caller's transaction; its id must be new."""
    if s.get(OrganisationRow, org.id) is not None:
        raise Conflict(f"organisation {org.id!r} already exists; choose another id")
    s.add(
        OrganisationRow(
            id=org.id,
            name=org.name,
            country=org.country,
            role=org.role.value,
            tax_id=org.tax_id,
            works_at=",".join(org.works_at) or None,
            created_at=now,
            suspended_at=None,
        )
    )


def load(s: Session, org_id: str) -> Organisation | None:
    """An organisation by id, inside an open session."""
    row = s.get(OrganisationRow, org_id)
    return from_row(row) if row else None


def get(ctx: Context, org_id: str) -> Organisation:
    """An organisation by id, or NotFound (the directory is public to members)."""
    with ctx.db.transaction() as s:
        org = load(s, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id!r}", hint="list_organisations")
    return org


def list_all(ctx: Context) -> list[Organisation]:
    """Every organisation, ordered by id."""
    with ctx.db.transaction() as s:
        return [
            from_row(r) for r in s.scalars(select(OrganisationRow).order_by(OrganisationRow.id))
        ]
