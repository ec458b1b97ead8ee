"""GS1's and OpenEPCIS's EPCIS 2.0 example documents, read where the project's standards
material keeps them (`shared/standards/epcis-2.0/examples/`, with their licences), never
copied into the project; and GS1's reference event-hash generator set to read the EPCIS
context from that material rather than from the network."""

from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from corridor.exceptions import InvalidInput
from corridor.model import Organisation
from corridor.services import Context, tracking
from corridor.services.tracking import CaptureJob
from corridor.tracking import epcis, validation
from tests.conftest import T0

ROOT = Path(__file__).parents[2]


def _standards() -> Path | None:
    """`CORRIDOR_STANDARDS`, else `shared/standards` beside the project or beside the
    repository this one was cloned from."""
    if os.environ.get("CORRIDOR_STANDARDS"):
        return Path(os.environ["CORRIDOR_STANDARDS"])
    places = [ROOT, *ROOT.parents]
    try:
        origin = subprocess.run(
            ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        origin = ""
    if origin and Path(origin).is_dir():
        places += [Path(origin).resolve(), *Path(origin).resolve().parents]
    for place in places:
        if (place / "shared/standards/epcis-2.0/examples").is_dir():
            return place / "shared/standards"
    return None


STANDARDS = _standards()
EXAMPLES = STANDARDS / "epcis-2.0/examples" if STANDARDS else None
needs_corpus = pytest.mark.skipif(
    EXAMPLES is None,
    reason="the EPCIS example corpora (shared/standards/epcis-2.0/examples) are not beside "
    "this checkout; set CORRIDOR_STANDARDS to the standards folder",
)


def documents() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every EPCIS document of the corpora (capture documents, not query results), by its
    path under the examples folder."""
    if EXAMPLES is None:
        return
    for path in sorted(EXAMPLES.rglob("*.json*")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("type") == "EPCISDocument":
            yield str(path.relative_to(EXAMPLES)), doc


@cache
def _context() -> dict[str, Any]:
    assert STANDARDS is not None
    found: dict[str, Any] = json.loads(
        (STANDARDS / "epcis-2.0/epcis-context.jsonld").read_text(encoding="utf-8")
    )
    return found


def reference_prehashes(doc: dict[str, Any]) -> list[str]:
    """The reference generator's pre-hash strings of a document's events."""
    from epcis_event_hash_generator import json_to_py
    from epcis_event_hash_generator.hash_generator import derive_prehashes_from_events
    from pyld import jsonld

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        if not url.endswith("epcis-context.jsonld"):
            raise RuntimeError(f"the test reads no context from {url}")
        return {"contentType": "application/ld+json", "contextUrl": None,
                "documentUrl": url, "document": _context()}  # fmt: skip

    jsonld.set_document_loader(loader)
    json_to_py._namespaces.clear()  # the generator keeps them between documents
    logging.disable(logging.CRITICAL)
    try:
        events = json_to_py.event_list_from_epcis_document_json(copy.deepcopy(doc))
        found: list[str] = derive_prehashes_from_events(events)
    finally:
        logging.disable(logging.NOTSET)
    return found


# Where a test shipment's life lets the examples' events be captured: they are moved to two
# hours after T0 and recorded at NOW.
NOW = T0 + timedelta(days=60)


def _valid(doc: dict[str, Any]) -> bool:
    try:
        validation.validate(doc)
    except InvalidInput:
        return False
    return True


DOCUMENTS = list(documents())
VALID = [(n, d) for n, d in DOCUMENTS if _valid(d)]
INVALID = [(n, d) for n, d in DOCUMENTS if not _valid(d)]


def tied(doc: dict[str, Any], shipment: str, n: int | None) -> dict[str, Any]:
    """The document with each event tied to the shipment and moved into its life (and its
    own eventID, which names the event as it was, left out); `n` None keeps the times."""
    doc = copy.deepcopy(doc)
    for i, event in enumerate(doc["epcisBody"]["eventList"]):
        if not isinstance(event, dict):
            continue
        event.pop("eventID", None)
        if n is not None:
            event["eventTime"] = epcis.stamp(T0 + timedelta(hours=2, minutes=n, seconds=i))
        event["bizTransactionList"] = [
            *event.get("bizTransactionList", []),
            {"type": epcis.SHIPMENT_TYPE, "bizTransaction": epcis.shipment_uri(shipment)},
        ]
    return doc


def capture_example(ctx: Context, who: Organisation, doc: dict[str, Any]) -> CaptureJob:
    """Capture an example document tied to a shipment: an error declaration names an event
    already stored, so the events it declares wrong are captured first as they were."""
    declared = [e for e in doc["epcisBody"]["eventList"] if "errorDeclaration" in e]
    if declared:
        plain = copy.deepcopy(doc)
        plain["epcisBody"]["eventList"] = [
            {k: v for k, v in e.items() if k != "errorDeclaration"} for e in declared
        ]
        tracking.capture(ctx, who, plain, NOW)
    return tracking.capture(ctx, who, doc, NOW)
