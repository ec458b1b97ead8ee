"""How a document kind is registered: one entry per kind holds everything the corridor knows
about it (its name, schema, who may sign it, whether only a state may, what each customs
authority receives of it, the code of its document numbers). The entries themselves are in
`kinds`, each beside its schema; `complete` refuses a registry that leaves a kind out or
gives one half a definition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from corridor.documents.schemas import _Doc
from corridor.messages import N_
from corridor.model import DocumentKind, Role

Disclosure = Literal["all"] | tuple[str, ...]
PROCEDURES = ("export", "transit", "import")
D = TypeVar("D", bound=type[_Doc])

__all__ = ["KINDS", "N_", "PROCEDURES", "Disclosure", "Kind", "complete", "evidence", "signed"]


@dataclass(frozen=True)
class Kind:
    """Everything the corridor knows about one document kind, in one place: its name (the
    web UI's label, translated in the catalogues, and the paper copy's title), its schema
    (None: a file attached as evidence, never signed here), who may sign it, whether only a
    state's own authority may, whether the corridor computes it, the short code of the
    document numbers a form prefills, and what each customs procedure's authority receives
    of it (every procedure named; () = nothing). A kind attached as evidence names the roles
    that may provide it: attached by anyone else it counts for nothing."""

    name: str
    issuers: frozenset[Role]
    disclosed: Mapping[str, Disclosure]
    schema: type[_Doc] | None = None
    sovereign: bool = False
    computed: bool = False
    abbreviation: str = ""
    providers: frozenset[Role] = frozenset()


KINDS: dict[DocumentKind, Kind] = {}


def _add(kind: DocumentKind, entry: Kind) -> None:
    if kind in KINDS:
        raise RuntimeError(f"{kind.value}: registered twice")
    KINDS[kind] = entry


def signed(
    kind: DocumentKind,
    name: str,
    issuers: set[Role],
    export: Disclosure = (),
    transit: Disclosure = (),
    import_: Disclosure = (),
    **more: Any,
) -> Callable[[D], D]:
    """Register the schema class it decorates as a signed kind (one class may serve several
    kinds: a decorator each)."""

    def register(schema: D) -> D:
        disclosed = {"export": export, "transit": transit, "import": import_}
        _add(kind, Kind(name, frozenset(issuers), disclosed, schema=schema, **more))
        return schema

    return register


def evidence(kind: DocumentKind, name: str, providers: set[Role]) -> None:
    """Register a kind attached as a file, never signed here nor sent to an authority, and
    the roles that may provide it."""
    _add(
        kind,
        Kind(name, frozenset(), dict.fromkeys(PROCEDURES, ()), providers=frozenset(providers)),
    )


def complete(kinds: Mapping[DocumentKind, Kind]) -> None:
    """Refuse, at import, a registry that leaves a kind out or gives one half a definition."""
    missing = [k.value for k in DocumentKind if k not in kinds]
    if missing:
        raise RuntimeError(f"document kinds without a registry entry: {', '.join(missing)}")
    for kind, spec in kinds.items():
        fields = set(spec.schema.model_fields) if spec.schema else set()
        if spec.schema is not None and not spec.issuers:
            raise RuntimeError(f"{kind.value}: a signed kind names who may sign it")
        if spec.schema is None and not spec.providers:
            raise RuntimeError(f"{kind.value}: evidence names the roles that may provide it")
        if set(spec.disclosed) != set(PROCEDURES):
            raise RuntimeError(f"{kind.value}: disclosure must name every procedure")
        for procedure, wanted in spec.disclosed.items():
            unknown = set() if wanted == "all" else set(wanted) - fields
            if (wanted == "all" and spec.schema is None) or unknown:
                raise RuntimeError(f"{kind.value}: {procedure} discloses fields it does not have")
