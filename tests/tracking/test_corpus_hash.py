"""Event ids of GS1's and OpenEPCIS's example documents: every event of every document the GS1
schema accepts, of all five types, with quantities, sources and destinations, persistent
dispositions, certification, ILMD, sensor data and user extensions, has the id GS1's
reference generator gives it; where the generator departs from CBV 2.0 §8.9 as written, the
test says how and follows the standard."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from corridor.tracking import digital_link, epcis, eventhash, jsonld, prehash
from tests.tracking.corpus import STANDARDS, VALID, needs_corpus, reference_prehashes

pytestmark = needs_corpus


CORPUS = VALID


def _untyped(event: dict[str, Any]) -> list[str]:
    return [t["bizTransaction"] for t in event.get("bizTransactionList", ()) if "type" not in t]


def _for_the_reference(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as the reference generator can read it, with the same meaning:
    - a context entry that is a term definition (`{"@type": "@id"}`) rather than a prefix
      makes the generator fail (it concatenates it as a namespace): only prefixes are kept,
      which is all the hash reads of a context;
    - an event's own `@context` is syntax, not data (CBV 2.0 §8.9 hashes an event's
      content; its namespaces apply to its keys); the generator hashes it as a field and
      leaves the event's own prefixes unexpanded, so its prefixes move to the document;
    - a business transaction without a type makes the generator fail (IndexError): it is
      left out here and checked on its own."""
    doc = copy.deepcopy(doc)
    context = doc.get("@context")
    events = doc["epcisBody"]["eventList"]
    declared = (
        [item for item in context if isinstance(item, str)]
        if isinstance(context, list)
        else [context]
    )
    prefixes = jsonld.prefixes(context)
    for event in events:
        prefixes |= jsonld.prefixes(event.pop("@context", None))
        if "bizTransactionList" in event:
            kept = [t for t in event["bizTransactionList"] if "type" in t]
            if kept:
                event["bizTransactionList"] = kept
            else:
                del event["bizTransactionList"]
    doc["@context"] = [*declared, *({k: v} for k, v in prefixes.items())]
    return doc


def _protected(doc: dict[str, Any]) -> set[str]:
    """Prefixes a document declares anew that the EPCIS context protects (the generator's
    JSON-LD processor refuses such a document; the GS1 schema accepts it, and the hash
    reads the document's own declaration)."""
    import json

    assert STANDARDS is not None
    context = json.loads((STANDARDS / "epcis-2.0/epcis-context.jsonld").read_text())["@context"]
    return {p for p in jsonld.prefixes(doc.get("@context")) if isinstance(context.get(p), str)}


@pytest.mark.parametrize(("name", "doc"), CORPUS, ids=[name for name, _ in CORPUS])
def test_every_event_has_the_reference_generators_id(name: str, doc: dict[str, Any]) -> None:
    prefixes = jsonld.prefixes(doc.get("@context"))
    readable = _for_the_reference(doc)
    protected = _protected(doc)
    if protected:
        import tests.tracking.corpus as corpus

        context = dict(corpus._context()["@context"])
        for prefix in protected:
            context.pop(prefix)
        original = corpus._context
        corpus._context = lambda: {"@context": context}  # type: ignore[assignment]
        try:
            reference = reference_prehashes(readable)
        finally:
            corpus._context = original  # type: ignore[assignment]
    else:
        reference = reference_prehashes(readable)
    for n, event in enumerate(doc["epcisBody"]["eventList"]):
        ours = prehash.prehash(event, digital_link.normalise, prefixes)
        untyped = _untyped(event)
        if untyped:
            # The standard writes a business transaction without a type as its value alone.
            for value in untyped:
                assert f"bizTransaction={digital_link.normalise(value)}" in ours
            bare = {
                **event,
                "bizTransactionList": [t for t in event["bizTransactionList"] if "type" in t],
            }
            if not bare["bizTransactionList"]:
                del bare["bizTransactionList"]
            ours = prehash.prehash(bare, digital_link.normalise, prefixes)
        assert ours == reference[n], f"{name} event {n}"
        assert epcis.event_id(event, prefixes) == eventhash.hashed(
            prehash.prehash(event, digital_link.normalise, prefixes)
        )


def test_the_corpus_covers_every_event_type_and_field() -> None:
    """The comparison above is only as good as what it covers."""
    events = [e for _, doc in CORPUS for e in doc["epcisBody"]["eventList"]]
    assert len(CORPUS) >= 80
    assert len(events) >= 100
    kinds = {e["type"] for e in events}
    assert kinds == set(epcis_types := {
        "ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
        "AssociationEvent"}), kinds  # fmt: skip
    assert epcis_types
    fields = {k for e in events for k in e}
    for field in ("quantityList", "sourceList", "destinationList", "persistentDisposition",
                  "ilmd", "certificationInfo", "sensorElementList", "inputQuantityList",
                  "outputEPCList", "transformationID", "errorDeclaration"):  # fmt: skip
        assert field in fields, field
    assert any(":" in k and not k.startswith("@") for k in fields), "no user extension"


def test_an_event_context_is_not_hashed_and_its_prefixes_apply() -> None:
    """The same extension written under a prefix the event declares and under one the
    document declares is the same event."""
    [(_, doc)] = [(n, d) for n, d in CORPUS if n.endswith("Namespaces_at_different_level.json")]
    event = doc["epcisBody"]["eventList"][0]
    assert "@context" in event
    moved = {k: v for k, v in event.items() if k != "@context"}
    here = jsonld.prefixes(doc["@context"]) | jsonld.prefixes(event["@context"])
    assert epcis.event_id(event, jsonld.prefixes(doc["@context"])) == epcis.event_id(moved, here)
