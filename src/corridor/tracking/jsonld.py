"""What a captured document's JSON-LD context declares, as far as the event's meaning
depends on it: its prefixes, and the compact IRIs (CURIEs) of the vocabulary fields written
out under them, so that `ex:weighing` is hashed, stored and queried as the IRI it stands
for, as a JSON-LD processor reads it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["expanded", "prefixes"]


def prefixes(context: Any) -> dict[str, str]:
    """The prefixes a JSON-LD context declares (`{"ex": "https://example.org/voc/"}`)."""
    found: dict[str, str] = {}
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, dict):
            for name, iri in item.items():
                if isinstance(iri, str) and not name.startswith("@") and ":" in iri:
                    found[name] = iri
    return found


def _curie(value: Any, prefixes: Mapping[str, str]) -> Any:
    if isinstance(value, str) and ":" in value:
        prefix, rest = value.split(":", 1)
        if prefix in prefixes and not rest.startswith("//"):
            return prefixes[prefix] + rest
    return value


def expanded(event: dict[str, Any], declared: Mapping[str, str]) -> dict[str, Any]:
    """The event with the compact IRIs (CURIEs) of its vocabulary fields written out under
    the prefixes the document and the event declare, as the hash and the query read them:
    `ex:weighing` is stored and hashed as the IRI it stands for."""
    own = {**declared, **prefixes(event.get("@context"))}
    if not own:
        return event
    out = dict(event)
    for field in ("bizStep", "disposition"):
        if field in out:
            out[field] = _curie(out[field], own)
    if isinstance(out.get("bizTransactionList"), list):
        out["bizTransactionList"] = [
            {**t, "type": _curie(t["type"], own)} if isinstance(t, dict) and "type" in t else t
            for t in out["bizTransactionList"]
        ]
    return out
