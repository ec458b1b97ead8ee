"""User extension fields of an event, found by the scope an EPCIS query names: at the top of
the event, inside another extension field (`INNER_`), in its ILMD, its error declaration, a
sensor element, its metadata or report, its read point or business location. A field is
named by a prefix; the prefix means what the client declares (`GS1-Extensions`), else what
the stored event declares."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from corridor.tracking import jsonld
from corridor.tracking.query_values import one, ordered, same_number, values

Event = Mapping[str, Any]
Test = Callable[[Event], bool]

# Where a user extension field is looked for, by the part of the parameter's name after
# its operator (`EQ_INNER_ILMD_ext:f` looks anywhere inside the event's ILMD).
SCOPES = ("INNER_ERROR_DECLARATION_", "ERROR_DECLARATION_", "INNER_SENSORELEMENT_",
           "INNER_SENSORMETADATA_", "INNER_SENSORREPORT_", "SENSORELEMENT_", "SENSORMETADATA_",
           "SENSORREPORT_", "INNER_ILMD_", "ILMD_", "INNER_readPoint_", "readPoint_",
           "INNER_bizLocation_", "bizLocation_", "INNER_", "")  # fmt: skip


FIELD = r"([A-Za-z][A-Za-z0-9]*):(\w+)"


def _namespaces(event: Event, declared: Mapping[str, str]) -> dict[str, str]:
    return {**jsonld.prefixes(event.get("@context")), **declared}


def _extension_values(node: Any, iri: str, names: Mapping[str, str], deep: bool) -> Iterator[Any]:
    """The values of the extension field `iri` directly in `node` (or anywhere below it)."""
    if isinstance(node, list):
        for item in node:
            yield from _extension_values(item, iri, names, deep)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        prefix, _, local = key.partition(":")
        if local and names.get(prefix, "\0") + local == iri:
            if isinstance(value, list):
                yield from value
            else:
                yield value
        if deep and isinstance(value, dict | list):
            yield from _extension_values(value, iri, names, True)


def _elements(event: Event) -> list[Any]:
    return [e for e in event.get("sensorElementList", []) if isinstance(e, dict)]


# The parts of an event each scope names (an empty scope: the event itself).
_PARTS: Mapping[str, Callable[[Event], list[Any]]] = {
    "": lambda e: [e],
    "ERROR_DECLARATION_": lambda e: [e.get("errorDeclaration") or {}],
    "ILMD_": lambda e: [e.get("ilmd") or {}],
    "SENSORELEMENT_": _elements,
    "SENSORMETADATA_": lambda e: [el.get("sensorMetadata") or {} for el in _elements(e)],
    "SENSORREPORT_": lambda e: [r for el in _elements(e) for r in el.get("sensorReport", [])],
    "readPoint_": lambda e: [e.get("readPoint") or {}],
    "bizLocation_": lambda e: [e.get("bizLocation") or {}],
}


def _scope(event: Event, scope: str) -> tuple[list[Any], bool]:
    """The parts of an event a user extension field is looked for in, and whether inside
    them (`INNER_`)."""
    deep = scope.startswith("INNER_")
    found = _PARTS[scope.removeprefix("INNER_")](event)
    if deep:
        # Inside the part's extension fields, not those fields themselves.
        found = [v for p in found for k, v in p.items() if ":" in k and not k.startswith("@")]
    return found, deep


def condition(op: str, scope: str, prefix: str, local: str, raw: Sequence[str],
               declared: Mapping[str, str], name: str) -> Test:  # fmt: skip
    """A condition on a user extension field."""
    if op == "EXISTS":
        wanted: list[Any] = []
    elif op == "EQ":
        wanted = values(name, raw)
    else:
        wanted = [one(name, raw)]

    def test(event: Event) -> bool:
        names = _namespaces(event, declared)
        if prefix not in names:
            return False
        iri = names[prefix] + local
        parts, deep = _scope(event, scope)
        found = [v for p in parts for v in _extension_values(p, iri, names, deep)]
        if op == "EXISTS":
            return bool(found)
        if op == "EQ":
            return any(str(v) in wanted or same_number(v, wanted) for v in found)
        return any(ordered(op, v, wanted[0]) for v in found)

    return test
