"""A client generated from the node's `/openapi.json` by a generator nobody here wrote
(openapi-python-client, as a third party would use it, with its default settings), walking
a shipper's journey and a carrier's capture: every response, errors included, parsed into
the model the document promises."""

from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from corridor.asgi import create_app
from corridor.services import Context
from corridor.tracking import epcis
from corridor.tracking.epcis import Step
from tests.conftest import T0
from tests.documents.conftest import INVOICE
from tests.factories import STORY

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "corridor_node_client"
BOX = epcis.container_epc("CSQU3054383")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client, generated from the OpenAPI document of a node."""
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR} is missing: `make test` installs it with the dev extras")
    folder = tmp_path_factory.mktemp("client")
    from corridor.store.db import Database
    from tests.conftest import Clock, node_context

    db = Database.open(f"sqlite:///{folder / 'spec.db'}")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(create_app(node_context(db, folder, Clock())).openapi()))
    db.close()
    out = folder / PACKAGE
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(spec), "--meta", "none",
         "--output-path", str(out)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    skipped = [line for line in done.stdout.splitlines() if "will not be generated" in line]
    assert not skipped, skipped
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]
        shutil.rmtree(out, ignore_errors=True)


class _Api:
    """The generated operations of one tag, each imported when it is first named."""

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def __getattr__(self, operation: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{self.tag}.{operation}")


def _api(tag: str) -> Any:
    return _Api(tag)


def _models() -> Any:
    return importlib.import_module(f"{PACKAGE}.models")


def _client(generated: ModuleType, http: TestClient, key: str | None) -> Any:
    client = (
        generated.AuthenticatedClient(base_url="http://testserver", token=key)
        if key
        else generated.Client(base_url="http://testserver")
    )
    http.headers.update({"Authorization": f"Bearer {key}"} if key else {})
    client.set_httpx_client(http)
    return client


def test_a_shipper_and_a_carrier_with_a_generated_client(
    generated: ModuleType, ctx: Context, api_keys: dict[str, str]
) -> None:
    models = _models()
    app = create_app(ctx)
    with (
        TestClient(app) as shipper_http,
        TestClient(app) as carrier_http,
        TestClient(app) as anyone,
    ):
        shipper = _client(generated, shipper_http, api_keys["kz-ferroalloy"])
        carrier = _client(generated, carrier_http, api_keys["kz-rail"])
        public = _client(generated, anyone, None)
        steps = 0

        def step(result: Any, model: Any) -> Any:
            nonlocal steps
            assert isinstance(result, model), (type(result), model, result)
            steps += 1
            return result

        orgs = _api("organisations")
        me = step(orgs.me.sync(client=shipper), models.Organisation)
        assert me.id == "kz-ferroalloy"
        network = _api("network")
        step(network.network_nodes.sync(client=public), list)
        shipments = _api("shipments")
        draft = STORY.draft("GEN-CLIENT").model_dump(mode="json")
        made = step(
            shipments.submit_shipment.sync(client=shipper, body=models.ShipmentDraft.from_dict(draft)),
            models.Shipment,
        )  # fmt: skip
        assert made.reference == "GEN-CLIENT"
        got = step(shipments.get_shipment.sync(made.id, client=shipper), models.Shipment)
        assert got.id == made.id
        listed = step(shipments.list_shipments.sync(client=shipper), models.ShipmentPage)
        assert made.id in [s.id for s in listed.items]
        rules = _api("rules")
        report = step(
            rules.shipment_readiness.sync(made.id, client=shipper), models.ReadinessReport
        )
        assert report.reference == "GEN-CLIENT"
        step(rules.shipment_chain.sync(made.id, client=shipper), models.ChainView)
        documents = _api("documents")
        signed = step(
            documents.issue_document.sync(
                made.id, client=shipper,
                body=models.SignCommercialInvoice.from_dict({"kind": "commercial_invoice", "fields": INVOICE}),
            ),
            models.SignedDocument,
        )  # fmt: skip
        verdict = step(
            documents.verify_document.sync(
                client=public, body=generated.types.File(payload=io.BytesIO(signed.token.encode()))
            ),
            models.Verdict,
        )  # fmt: skip
        assert verdict.status == "VALID"
        step(documents.list_documents.sync(made.id, client=shipper), list)
        step(documents.trust_list.sync(client=public), models.TrustListResponse200)
        # Errors come back as problems, parsed, with the fields they name.
        bad = {**draft, "goods": []}
        refused = step(
            shipments.submit_shipment.sync(client=shipper, body=models.ShipmentDraft.from_dict(
                {**bad, "goods": draft["goods"][:1]} | {"reference": ""})),
            models.Problem,
        )  # fmt: skip
        assert refused.status == 422
        assert refused.errors
        missing = step(
            shipments.get_shipment.sync("no-such-shipment", client=shipper), models.Problem
        )
        assert missing.status == 404
        # The carrier records hand-overs and reads them back.
        events = [
            epcis.build(Step.DEPARTING, T0 - timedelta(hours=3), made.id, "dostyk", [BOX]),
            epcis.build(Step.ARRIVING, T0 - timedelta(hours=1), made.id, "almaty", [BOX]),
        ]
        tracking = _api("epcis")
        job = step(
            tracking.capture.sync(client=carrier, body=models.CaptureBody.from_dict(epcis.document(events, T0))),
            models.CaptureJob,
        )  # fmt: skip
        assert job.stored == 2
        again = step(tracking.capture_job.sync(job.capture_id, client=carrier), models.CaptureJob)
        assert again.capture_id == job.capture_id
        answer = step(
            tracking.events.sync(client=shipper, match_epc=[BOX], shipment=made.id),
            models.EventsResponse200,
        )  # fmt: skip
        found = answer.to_dict()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert [e["eventID"] for e in found] == [e["eventID"] for e in events]
        unknown = step(
            tracking.events.sync(client=shipper, shipment=made.id, event_type=["CarEvent"]),
            models.Problem,
        )  # fmt: skip
        assert unknown.type_ == "epcisException:QueryParameterException"
        step(shipments.shipment_route.sync(made.id, client=shipper), models.Route)
        step(shipments.shipment_events.sync(made.id, client=shipper), list)
        one = step(
            tracking.event.sync(events[0]["eventID"], client=shipper), models.EventResponse200
        )
        assert one.to_dict()["eventID"] == events[0]["eventID"]
        step(tracking.event_types.sync(client=public), models.EventTypesResponse200)
        step(rules.packs.sync(client=public), list)
        step(_api("node").health.sync(client=public), models.Health)
        pdf = documents.document_pdf.sync_detailed(made.id, signed.document.id, client=shipper)
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF")
        ledger = _api("ledger")
        step(ledger.shipment_ledger.sync(made.id, client=shipper), models.LedgerView)
    assert steps >= 20
