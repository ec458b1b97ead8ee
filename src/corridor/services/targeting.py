"""An authority's targeting on its own node: who may act for it, the node's secret for
random draws, and the versions of its profile set (validated, calibrated, ledgered)."""

from __future__ import annotations

import difflib
import hashlib
import os
import secrets
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.customs.declarations import synthetic
from corridor.customs.profiles import ProfileIndex, ProfileSet, parse_profiles
from corridor.customs.selectivity import Calibration, RandomRates, calibrate
from corridor.exceptions import NotReady, PermissionDenied
from corridor.model import Officer, OfficerRole, Organisation, Role
from corridor.services.context import Administrator, Caller, Context
from corridor.store.tables import ProfileSetRow

CALIBRATION_SAMPLE = 10_000


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


class InstalledProfiles(BaseModel):
    """A profile set version now in force."""

    version: int
    sha256: str
    profiles: int
    calibration: dict[str, Any]
    reachable: bool


def shipped_profiles(authority: str) -> str | None:
    """The profile set shipped for a demo authority, as text."""
    folder = Path(str(resources.files("corridor.customs").joinpath("targeting")))
    path = folder / f"{authority}.yaml"
    return path.read_text("utf-8") if path.exists() else None


@lru_cache(maxsize=16)
def compiled(sha256: str, text: str, day: date) -> tuple[ProfileSet, ProfileIndex]:
    ps = parse_profiles(text, f"profiles v{sha256[:8]}")
    return ps, ProfileIndex(ps.profiles, day)


def in_force(s: Session) -> ProfileSetRow | None:
    return s.scalar(select(ProfileSetRow).order_by(ProfileSetRow.version.desc()).limit(1))


def lint(text: str, filename: str = "profiles.yaml") -> ProfileSet:
    """A profile set checked for every problem (file:line), without installing it."""
    return parse_profiles(text, filename)


def install(
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
    cal = _calibration(digest, text, now.date())
    rates = {"red": cal.rates.red, "yellow": cal.rates.yellow, "blue": cal.rates.blue}
    calibration = {
        "rates": rates,
        "sample": cal.sample,
        "profile_shares": cal.profile_shares,
        "reachable": cal.reachable,
    }
    with ctx.db.transaction() as s:
        current = in_force(s)
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
    return InstalledProfiles(
        version=ps.version,
        sha256=digest,
        profiles=len(ps.profiles),
        calibration=calibration,
        reachable=cal.reachable,
    )


@lru_cache(maxsize=16)
def _calibration(digest: str, text: str, day: date) -> Calibration:
    # The shares the profiles select do not depend on which secret keys the draws (they are
    # independent uniform draws either way), so calibration uses a fixed key and is the
    # same for every node that installs the same text on the same day.
    ps = parse_profiles(text, f"profiles v{digest[:8]}")
    sample = synthetic(CALIBRATION_SAMPLE, seed=ps.version, procedure=ps.office.procedures)
    return calibrate(sample, ProfileIndex(ps.profiles, day), ps.office, b"calibration")


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


def ensure_profiles(s: Session, authority: str) -> ProfileSetRow:
    row = in_force(s)
    if row is not None:
        return row
    raise NotReady(
        f"no targeting profiles are installed for {authority!r}; a chief officer installs them"
    )


def rates(row: ProfileSetRow) -> RandomRates:
    r = row.calibration["rates"]
    return RandomRates(float(r["red"]), float(r["yellow"]), float(r["blue"]))


def profiles_in_force(ctx: Context) -> int | None:
    """The version of the targeting in force on this node, if any."""
    with ctx.db.transaction() as s:
        row = in_force(s)
        return row.version if row else None


def current_profiles(ctx: Context, who: Officer) -> InstalledProfiles:
    """The targeting version in force (officers of the authority only)."""
    authority = authority_of(ctx, who)
    with ctx.db.transaction() as s:
        row = ensure_profiles(s, authority.id)
        ps = parse_profiles(row.text, f"v{row.version}")
        return InstalledProfiles(
            version=row.version,
            sha256=row.sha256,
            profiles=len(ps.profiles),
            calibration=row.calibration,
            reachable=bool(row.calibration.get("reachable", True)),
        )
