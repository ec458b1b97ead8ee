"""GS1's and OpenEPCIS's example documents captured and read back: every event of every
document the GS1 schema accepts, of all five types, is stored, returned whole (its fields as
captured, its namespaces with it) and found by its id; every document the schema refuses is
refused whole, storing nothing.

Each event is tied to a test shipment (the corridor keeps events per shipment), and its time
moved into the shipment's life (an event from 2005 is refused as out of time); the ids are
then this repository's hash of the event as captured, which `test_corpus_hash` holds
against GS1's reference generator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corridor.exceptions import InvalidInput
from corridor.services import Context, event_query, tracking
from corridor.services.event_query import EventQuery
from corridor.tracking import epcis, jsonld
from tests.conftest import ORGS, walked_node
from tests.tracking.corpus import INVALID, NOW, VALID, capture_example, needs_corpus, tied

pytestmark = needs_corpus
SHIPPER = ORGS["kz-ferroalloy"]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Context, str]]:
    """A node with the demo shipment, to which the corpus events are tied."""
    with walked_node(tmp_path_factory.mktemp("corpus")) as walked:
        yield walked


def _same_meaning(
    given: dict[str, Any], returned: dict[str, Any], prefixes: dict[str, str]
) -> None:
    """Every field the event was captured with comes back as it was written (compact IRIs
    of the vocabulary fields written out), and its namespaces come with it."""
    expected = jsonld.expanded(given, prefixes)
    for key, value in expected.items():
        if key in ("@context", "eventID", "recordTime"):
            continue
        assert returned[key] == value, key
    used = {k.partition(":")[0] for k in given if ":" in k and not k.startswith("@")}
    carried = jsonld.prefixes(returned.get("@context"))
    assert used & prefixes.keys() <= carried.keys()


@pytest.mark.parametrize(("name", "doc"), VALID, ids=[n for n, _ in VALID])
def test_each_document_is_captured_and_returned_whole(
    node: tuple[Context, str], name: str, doc: dict[str, Any]
) -> None:
    ctx, shipment = node
    doc = tied(doc, shipment, VALID.index((name, doc)))
    prefixes = jsonld.prefixes(doc.get("@context"))
    events = doc["epcisBody"]["eventList"]
    declared = [e for e in events if "errorDeclaration" in e]
    job = capture_example(ctx, SHIPPER, doc)
    assert len(job.eventIDs) == len(events)
    assert job.stored + job.duplicates + job.declarations >= len(events) - len(declared)
    for event, eid in zip(events, job.eventIDs, strict=True):
        assert eid == epcis.event_id(jsonld.expanded(event, prefixes), prefixes)
        page = event_query.events(ctx, SHIPPER, EventQuery(EQ_eventID=[eid]))
        [returned] = page.events
        assert returned["eventID"] == eid
        assert returned["type"] == event["type"]
        _same_meaning(event, returned, prefixes)
        assert ("errorDeclaration" in returned) == ("errorDeclaration" in event)
        # What is read back hashes to the id it was stored under.
        assert epcis.event_id(returned) == eid


@pytest.mark.parametrize(("name", "doc"), INVALID, ids=[n for n, _ in INVALID])
def test_each_invalid_document_is_refused_whole(
    node: tuple[Context, str], name: str, doc: dict[str, Any]
) -> None:
    ctx, shipment = node
    if isinstance(doc.get("epcisBody", {}).get("eventList"), list):
        doc = tied(doc, shipment, None)
    before = event_query.events(ctx, SHIPPER, EventQuery(shipment=shipment, perPage=1000))
    with pytest.raises(InvalidInput) as refused:
        tracking.capture(ctx, SHIPPER, doc, NOW)
    assert refused.value.errors, "a refusal names the field"
    after = event_query.events(ctx, SHIPPER, EventQuery(shipment=shipment, perPage=1000))
    assert after.events == before.events


def test_the_corpora_hold_every_event_type() -> None:
    assert len(VALID) >= 80
    assert len(INVALID) >= 10
    kinds = {e["type"] for _, d in VALID for e in d["epcisBody"]["eventList"]}
    assert kinds == set(event_query.EVENT_TYPES)
