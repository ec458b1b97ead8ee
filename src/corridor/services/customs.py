"""Customs on an authority's own node: its targeting profiles, the assessment of the
pre-arrival data it receives, and the officers' queue.

Everything here is the authority's own: profiles, hit lists and draws never leave the
node, and only the authority's officers (each with their own API key) may call these.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
import secrets
import uuid
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.customs.declarations import from_content, party_of, synthetic
from corridor.customs.profiles import ProfileIndex, ProfileSet, parse_profiles
from corridor.customs.selectivity import RandomRates, assess, calibrate
from corridor.exceptions import NotFound, NotReady, PermissionDenied
from corridor.model import Officer, OfficerRole, Organisation, Role
from corridor.services.context import Administrator, Caller, Context
from corridor.store.tables import (
    DecisionRow,
    DeclarationRow,
    InboxRow,
    ProfileSetRow,
)

log = logging.getLogger("corridor.customs")
# Decisions that count against a trader on this node the next time it declares.
ADVERSE = frozenset({"documentary_failed", "inspection_findings", "not_released"})
# Lanes from strongest: the queue shows red first among declarations due at the same time.
SEVERITY = {"red": 3, "yellow": 2, "blue": 1, "green": 0}
CALIBRATION_SAMPLE = 10_000


class QueueItem(BaseModel):
    """One declaration in an officer's queue."""

    id: str
    shipment_id: str
    procedure: str
    crossing: str | None
    eta: datetime | None
    lodge_by: datetime | None
    channel: str
    hits: list[dict[str, Any]]
    documents: list[str]
    status: str
    mrn: str | None


class DeclarationView(QueueItem):
    """A declaration with what the authority received and what it decided."""

    content: dict[str, Any]
    assessment: dict[str, Any]
    profile_version: int
    decisions: list[dict[str, Any]]


class InstalledProfiles(BaseModel):
    """A profile set version now in force."""

    version: int
    sha256: str
    profiles: int
    calibration: dict[str, Any]
    reachable: bool


def authority_of(ctx: Context, who: Officer | Caller) -> Organisation:
    """The customs authority an officer acts for on this node, or PermissionDenied."""
    if not isinstance(who, Officer):
        raise PermissionDenied("customs work is done by an authority's officers, each with own key")
    org = who.organisation
    if org.role is not Role.CUSTOMS:
        raise PermissionDenied(f"{org.id!r} is not a customs authority")
    if ctx.exchange is not None and ctx.exchange.node.organisation.id != org.id:
        raise PermissionDenied(
            f"this node is run by {ctx.exchange.node.organisation.id!r}; {org.id!r} works on "
            "its own node"
        )
    return org


def _authority_id(ctx: Context, who: Officer | Caller) -> str:
    if isinstance(who, Administrator):
        if ctx.exchange is None:
            raise PermissionDenied("only an authority's national node holds its targeting")
        return ctx.exchange.node.organisation.id
    return authority_of(ctx, who).id


def selectivity_secret(ctx: Context) -> bytes:
    """The node's secret for random draws (made once, owner-only). An auditor given this
    file reproduces every draw; a trader without it cannot predict one."""
    path = ctx.settings.data_dir / "keys" / "customs-selectivity.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        # The first writer wins; another process that raced here reads the winner's secret.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


def shipped_profiles(authority: str) -> str | None:
    """The profile set shipped for a demo authority, as text."""
    folder = Path(str(resources.files("corridor.customs").joinpath("targeting")))
    path = folder / f"{authority}.yaml"
    return path.read_text("utf-8") if path.exists() else None


@lru_cache(maxsize=16)
def _compiled(sha256: str, text: str, day: date) -> tuple[ProfileSet, ProfileIndex]:
    ps = parse_profiles(text, f"profiles v{sha256[:8]}")
    return ps, ProfileIndex(ps.profiles, day)


def _in_force(s: Session) -> ProfileSetRow | None:
    return s.scalar(select(ProfileSetRow).order_by(ProfileSetRow.version.desc()).limit(1))


def lint(text: str, filename: str = "profiles.yaml") -> ProfileSet:
    """A profile set checked for every problem (file:line), without installing it."""
    return parse_profiles(text, filename)


def install_profiles(
    ctx: Context, who: Officer | Administrator, text: str, now: datetime
) -> InstalledProfiles:
    """Put a new version of the authority's targeting in force: validated, calibrated so
    the lanes come out at the office's rates over synthetic declarations, stored whole,
    and written to the authority's ledger (who, when, digest, validity) in one transaction.
    An examiner may not change targeting; a chief or the administrator may."""
    authority = _authority_id(ctx, who)
    if isinstance(who, Officer) and who.role is not OfficerRole.CHIEF:
        raise PermissionDenied("only a chief officer changes the targeting profiles")
    ps = parse_profiles(text, "profiles.yaml")
    if ps.authority != authority:
        raise PermissionDenied(f"this profile set is {ps.authority!r}'s, not {authority!r}'s")
    digest = hashlib.sha256(text.encode()).hexdigest()
    index = ProfileIndex(ps.profiles, now.date())
    secret = selectivity_secret(ctx)
    cal = calibrate(synthetic(CALIBRATION_SAMPLE, seed=ps.version), index, ps.office, secret)
    rates = {"red": cal.rates.red, "yellow": cal.rates.yellow, "blue": cal.rates.blue}
    calibration = {
        "rates": rates,
        "sample": cal.sample,
        "profile_shares": cal.profile_shares,
        "reachable": cal.reachable,
    }
    with ctx.db.transaction() as s:
        current = _in_force(s)
        if current is not None and ps.version <= current.version:
            raise PermissionDenied(
                f"version {ps.version} is not newer than version {current.version} in force; "
                "raise 'version'"
            )
        signer = ctx.keys.ensure(s, authority, now)
        s.add(
            ProfileSetRow(
                version=ps.version,
                authority=authority,
                text=text,
                sha256=digest,
                officer_id=who.id,
                installed_at=now,
                calibration=calibration,
            )
        )
        ledger.append(
            s,
            signer,
            authority,
            profiles_ledger_id(authority),
            "profiles_installed",
            {
                "officer": who.id,
                "version": ps.version,
                "sha256": digest,
                "profiles": len(ps.profiles),
                "validity": [
                    [p.id, p.valid_from.isoformat(), p.valid_to.isoformat() if p.valid_to else None]
                    for p in ps.profiles
                ],
            },
            now,
        )
    assess_received(ctx, now)
    return InstalledProfiles(
        version=ps.version,
        sha256=digest,
        profiles=len(ps.profiles),
        calibration=calibration,
        reachable=cal.reachable,
    )


def profiles_ledger_id(authority: str) -> str:
    """The ledger chain that records an authority's profile changes."""
    return f"profiles:{authority}"[:36]


def diff(old: str, new: str) -> str:
    """A unified diff of two profile sets, both validated first."""
    parse_profiles(old, "old.yaml")
    parse_profiles(new, "new.yaml")
    return "".join(
        difflib.unified_diff(old.splitlines(True), new.splitlines(True), "old.yaml", "new.yaml")
    )


def _ensure_profiles(s: Session, authority: str) -> ProfileSetRow:
    row = _in_force(s)
    if row is not None:
        return row
    raise NotReady(
        f"no targeting profiles are installed for {authority!r}; a chief officer installs them"
    )


def _rates(row: ProfileSetRow) -> RandomRates:
    r = row.calibration["rates"]
    return RandomRates(float(r["red"]), float(r["yellow"]), float(r["blue"]))


def _merged(rows: list[InboxRow]) -> dict[str, Any]:
    # Later data for a document kind replaces earlier (an amendment).
    content: dict[str, Any] = {}
    for r in rows:
        content.update(r.content)
    return content


def _discrepancies(s: Session, declarant: str | None) -> int:
    if declarant is None:
        return 0
    return int(
        s.scalar(
            select(func.count())
            .select_from(DecisionRow)
            .join(DeclarationRow, DecisionRow.declaration_id == DeclarationRow.id)
            .where(DeclarationRow.declarant == declarant, DecisionRow.action.in_(ADVERSE))
        )
        or 0
    )


def assess_received(ctx: Context, now: datetime) -> int:
    """Assess every declaration whose pre-arrival data is new or amended since it was last
    assessed; returns how many were (re)assessed. Runs on receipt; safe to run again."""
    if ctx.exchange is None:
        return 0
    authority = ctx.exchange.node.organisation.id
    with ctx.db.transaction() as s:
        counts = s.execute(
            select(InboxRow.shipment_id, InboxRow.procedure, func.count()).group_by(
                InboxRow.shipment_id, InboxRow.procedure
            )
        ).all()
        known = {(d.shipment_id, d.procedure): d for d in s.scalars(select(DeclarationRow))}
        stale = [
            (sid, proc, n)
            for sid, proc, n in counts
            if (k := known.get((sid, proc))) is None or k.envelopes != n
        ]
        if not stale:
            return 0
        row = _in_force(s)
        if row is None:
            # Assessed once a chief installs the targeting (installing assesses what waits).
            log.warning("pre-arrival data waits for %s's targeting profiles", authority)
            return 0
        ps, index = _compiled(row.sha256, row.text, now.date())
        secret = selectivity_secret(ctx)
        aeo = ps.aeo.recognised(ps.country)
        for shipment_id, procedure, n in stale:
            rows = list(
                s.scalars(
                    select(InboxRow)
                    .where(InboxRow.shipment_id == shipment_id, InboxRow.procedure == procedure)
                    .order_by(InboxRow.received_at, InboxRow.envelope_id)
                )
            )
            content = _merged(rows)
            declarant = party_of(content)
            facts = from_content(
                f"{shipment_id}:{procedure}",
                procedure,
                content,
                aeo,
                _discrepancies(s, declarant),
            )
            result = assess(facts, index, ps.office, _rates(row), secret)
            assessment = {
                "channel": result.channel,
                "by_profiles": result.by_profiles,
                "random_lane": result.random_lane,
                "draw": result.draw,
                "hits": [h.__dict__ for h in result.hits],
                "profiles_checked": result.profiles_checked,
                "office": ps.office.reference,
            }
            latest = rows[-1]
            existing = known.get((shipment_id, procedure))
            if existing is None:
                s.add(
                    DeclarationRow(
                        id=str(uuid.uuid4()),
                        shipment_id=shipment_id,
                        procedure=procedure,
                        crossing=latest.crossing,
                        eta=latest.eta,
                        lodge_by=latest.lodge_by,
                        declarant=declarant[:200] if declarant else None,
                        envelopes=n,
                        channel=result.channel,
                        assessment=assessment,
                        profile_version=row.version,
                        status="open",
                        mrn=None,
                        assessed_at=now,
                        updated_at=now,
                    )
                )
            else:
                existing.crossing, existing.eta = latest.crossing, latest.eta
                existing.lodge_by, existing.envelopes = latest.lodge_by, n
                existing.channel, existing.assessment = result.channel, assessment
                existing.profile_version, existing.updated_at = row.version, now
                existing.declarant = declarant[:200] if declarant else None
        return len(stale)


def _item(d: DeclarationRow, documents: list[str]) -> dict[str, Any]:
    return {
        "id": d.id,
        "shipment_id": d.shipment_id,
        "procedure": d.procedure,
        "crossing": d.crossing,
        "eta": d.eta,
        "lodge_by": d.lodge_by,
        "channel": d.channel,
        "hits": d.assessment.get("hits", []),
        "documents": documents,
        "status": d.status,
        "mrn": d.mrn,
    }


OPEN = ("open", "held", "awaiting_endorsement", "checked", "inspected", "information_requested")


def queue(ctx: Context, who: Officer, now: datetime, limit: int = 200) -> list[QueueItem]:
    """Declarations awaiting a decision, soonest expected arrival first, the riskiest first
    among those due together."""
    authority = authority_of(ctx, who)
    assess_received(ctx, now)
    with ctx.db.transaction() as s:
        _ensure_profiles(s, authority.id)
        rows = list(s.scalars(select(DeclarationRow).where(DeclarationRow.status.in_(OPEN))))
        rows.sort(key=lambda d: (d.eta is None, d.eta or now, -SEVERITY.get(d.channel, 0), d.id))
        kinds = _kinds(s, [d.shipment_id for d in rows[:limit]])
        return [
            QueueItem(**_item(d, kinds.get((d.shipment_id, d.procedure), []))) for d in rows[:limit]
        ]


def _kinds(s: Session, shipments: list[str]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    if not shipments:
        return {}
    for r in s.scalars(select(InboxRow).where(InboxRow.shipment_id.in_(shipments))):
        out.setdefault((r.shipment_id, r.procedure), set()).update(r.content)
    return {k: sorted(v) for k, v in out.items()}


def load(s: Session, declaration_id: str) -> DeclarationRow:
    """A declaration by id or by its movement's MRN, or NotFound."""
    row = s.get(DeclarationRow, declaration_id) if len(declaration_id) <= 36 else None
    if row is None and len(declaration_id) == 18:
        row = s.scalar(select(DeclarationRow).where(DeclarationRow.mrn == declaration_id.upper()))
    if row is None:
        raise NotFound(f"no declaration {declaration_id!r} on this node")
    return row


def received(s: Session, d: DeclarationRow) -> dict[str, Any]:
    """What the authority received for a declaration, merged over amendments."""
    return _merged(
        list(
            s.scalars(
                select(InboxRow)
                .where(InboxRow.shipment_id == d.shipment_id, InboxRow.procedure == d.procedure)
                .order_by(InboxRow.received_at, InboxRow.envelope_id)
            )
        )
    )


def show(ctx: Context, who: Officer, declaration_id: str, now: datetime) -> DeclarationView:
    """One declaration: the data received, the assessment and every decision on it."""
    authority_of(ctx, who)
    assess_received(ctx, now)
    with ctx.db.transaction() as s:
        d = load(s, declaration_id)
        content = received(s, d)
        decisions = [
            {
                "id": r.id,
                "action": r.action,
                "officer": r.officer_id,
                "endorsed_by": r.endorsed_by,
                "reason": r.reason,
                "findings": r.findings,
                "status": r.status,
                "at": r.at,
                "document": r.document is not None,
            }
            for r in s.scalars(
                select(DecisionRow)
                .where(DecisionRow.declaration_id == d.id)
                .order_by(DecisionRow.at, DecisionRow.id)
            )
        ]
        return DeclarationView(
            **_item(d, sorted(content)),
            content=content,
            assessment=d.assessment,
            profile_version=d.profile_version,
            decisions=decisions,
        )


def profiles_in_force(ctx: Context) -> int | None:
    """The version of the targeting in force on this node, if any."""
    with ctx.db.transaction() as s:
        row = _in_force(s)
        return row.version if row else None


def current_profiles(ctx: Context, who: Officer) -> InstalledProfiles:
    """The targeting version in force (officers of the authority only)."""
    authority = authority_of(ctx, who)
    with ctx.db.transaction() as s:
        row = _ensure_profiles(s, authority.id)
        ps = parse_profiles(row.text, f"v{row.version}")
        return InstalledProfiles(
            version=row.version,
            sha256=row.sha256,
            profiles=len(ps.profiles),
            calibration=row.calibration,
            reachable=bool(row.calibration.get("reachable", True)),
        )
