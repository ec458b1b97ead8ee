"""Which files attached as evidence count toward a shipment's readiness, and how.

A kind with no signed form (a bank guarantee, a phytosanitary certificate, a mill
certificate) is a file the corridor cannot verify. It counts only when attached by a role
that provides that kind (the document registry says which); otherwise it counts for nothing
and the report says who attached it and who should. A transit guarantee is checked against
the guarantee the shipment's signed transit declaration claims (reference, currency,
amount, validity): when it is that guarantee it counts as verified; when it is not, the
report says why not. Every other kind of evidence is *unverified*: the report names it and
who attached it, and only a rule that says why unverified evidence is enough counts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import Connection, bindparam, select

from corridor.customs import guarantee
from corridor.documents.kinds import KINDS
from corridor.memo import Memo
from corridor.messages import MESSAGES, fill
from corridor.model import DocumentKind
from corridor.rules import REFUSED
from corridor.rules.evidence import Said
from corridor.store.tables import DocumentRow, OrganisationRow

__all__ = ["Attached", "Said", "assess"]

_ROLE = select(OrganisationRow.role).where(OrganisationRow.id == bindparam("org"))
_CONTENT = select(DocumentRow.content).where(
    DocumentRow.shipment_id == bindparam("shipment"),
    DocumentRow.sha256 == bindparam("digest"),
)
# Organisations' roles (fixed at registration) and guarantees read from their files.
_ROLES: Memo[str, str] = Memo(4096)
_GUARANTEES: Memo[str, guarantee.Guarantee | str] = Memo(4096)


@dataclass(frozen=True)
class Attached:
    """A file attached as evidence: its kind, SHA-256 and who attached it."""

    kind: DocumentKind
    digest: str
    by: str


def assess(
    conn: Connection,
    shipment_id: str,
    attached: Iterable[Attached],
    declared: dict[str, Any] | None,
    arrives: date,
) -> tuple[set[DocumentKind], dict[DocumentKind, str], dict[DocumentKind, Said]]:
    """The evidence kinds that count as verified, and a note on each other kind attached:
    unverified (what it is, who attached it) or refused (starting with `REFUSED`, and
    why), in English and as a message code with parameters. Of several files of one kind the
    best counts: verified, then unverified."""
    verified: set[DocumentKind] = set()
    notes: dict[DocumentKind, tuple[bool, Said]] = {}
    for item in attached:
        if item.kind in verified:
            continue
        said = {"kind": KINDS[item.kind].name, "by": item.by}
        role = _ROLES.get_or(item.by, partial(_role, conn, item.by))
        providers = KINDS[item.kind].providers
        if role not in providers:
            who = " or ".join(sorted(providers))
            wrong = {**said, "role": role, "providers": who}
            _note(notes, item.kind, True, ("evidence_not_provider", wrong))
            continue
        if item.kind is not DocumentKind.TRANSIT_GUARANTEE:
            _note(notes, item.kind, False, ("evidence_unverified", said))
            continue
        terms = _GUARANTEES.get_or(item.digest, partial(_terms, conn, shipment_id, item.digest))
        if isinstance(terms, str):
            _note(notes, item.kind, True, ("guarantee_unreadable", {**said, "why": terms}))
        elif declared is None:
            _note(notes, item.kind, False, ("guarantee_unchecked", {**said, "grn": terms.grn}))
        elif (wrong_terms := guarantee.problem(terms, declared, arrives)) is not None:
            code, params = wrong_terms
            _note(notes, item.kind, True, (code, {**said, **params}))
        else:
            verified.add(item.kind)
            notes.pop(item.kind, None)
    english = {
        kind: (f"{REFUSED} " if refused else "") + fill(MESSAGES[code], params)
        for kind, (refused, (code, params)) in notes.items()
    }
    return verified, english, {kind: said for kind, (_, said) in notes.items()}


def _role(conn: Connection, org_id: str) -> str:
    return conn.scalar(_ROLE, {"org": org_id}) or ""


def _terms(conn: Connection, shipment_id: str, digest: str) -> guarantee.Guarantee | str:
    content = conn.scalar(_CONTENT, {"shipment": shipment_id, "digest": digest})
    return guarantee.read(content or b"")


def _note(
    notes: dict[DocumentKind, tuple[bool, Said]], kind: DocumentKind, refused: bool, said: Said
) -> None:
    """Keep the better note of a kind: an unverified file over a refused one."""
    kept = notes.get(kind)
    if kept is None or (kept[0] and not refused):
        notes[kind] = (refused, said)
