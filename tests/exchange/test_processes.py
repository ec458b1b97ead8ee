"""Four `corridor serve` processes, each a national node with its own store, keys and broker
user, over a NATS server of the test's own that authenticates them: the shipper's node (run by
the consignor itself) discloses a shipment over HTTP; the Kazakh (export), Georgian (transit)
and EU (import) authorities' nodes each take in what was sealed to them, and their signed
receipts come back to the shipper's node. The transit authority's node, scanned whole, holds
nothing that names the consignor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2 as httpx
import sqlalchemy as sa

from tests.exchange.conftest import HOLDER, NODES, served_corridor, sign_transit
from tests.factories import STORY
from tests.servers import NatsServer, until


def test_served_nodes_exchange_over_an_authenticating_broker(
    tmp_path: Path, authenticating_nats: NatsServer
) -> None:
    with served_corridor(tmp_path, authenticating_nats.url) as served:
        keys = served.keys
        url = {name: served.url(name) for name in NODES}
        auth = {"Authorization": f"Bearer {keys['shipper']}"}
        draft = STORY.draft("PROC-1").model_dump(mode="json")
        created = httpx.post(f"{url['shipper']}/shipments", json=draft, headers=auth, timeout=30)
        assert created.status_code == 201, created.text
        sid = created.json()["id"]
        disclose = f"{url['shipper']}/shipments/{sid}/disclose"
        # The consignor runs this node: without the holder's transit declaration, the
        # transit authority would hear from the consignor. Refused, nothing sent.
        early = httpx.post(disclose, headers=auth, timeout=30)
        assert early.status_code == 422, early.text
        assert "holder of the transit procedure" in early.json()["detail"]
        # The holder (a forwarder hosted on this node) signs the transit declaration.
        sign_transit(url["shipper"], created.json(), keys[HOLDER])
        sent = httpx.post(disclose, headers=auth, timeout=30)
        assert sent.status_code == 200, sent.text
        assert len(sent.json()["envelopes"]) == 3  # the three authorities running
        assert sent.json()["clock_warning"] is None

        # Each authority's own process stored what was sealed to it, and only that.
        senders = {}
        for name in ("kz", "ge", "eu"):
            own = {"Authorization": f"Bearer {keys[name]}"}

            def inbox(n: str = name, h: dict[str, str] = own) -> list[Any]:
                r = httpx.get(f"{url[n]}/exchange/inbox", headers=h, timeout=10)
                return list(r.json()) if r.status_code == 200 else []

            received = until(inbox, 30)
            assert [item["shipment_id"] for item in received] == [sid], (name, received)
            senders[name] = received[0]["sender"]
        # The transit authority heard from the holder; the others from the node's own.
        assert senders == {"kz": NODES["shipper"], "ge": HOLDER, "eu": NODES["shipper"]}

        # Their signed receipts travel back to the shipper's process, which notes each in
        # the shipment's ledger as witnessed by that node.
        def witnesses() -> set[str]:
            r = httpx.get(f"{url['shipper']}/shipments/{sid}/ledger", headers=auth, timeout=10)
            entries = r.json()["entries"] if r.status_code == 200 else []
            return {e["body"]["by"] for e in entries if e["kind"] == "witnessed"}

        assert until(lambda: witnesses() == {"kz", "ge", "eu"}, 30), witnesses()
        # The transit authority's whole store, read as bytes: no word of the consignor.
        _scan_for_consignor(tmp_path / "ge")


def _scan_for_consignor(folder: Path) -> None:
    """Every table of a node's store, dumped as text, holds neither the consignor's id,
    name nor tax number (but for the public directories of organisations and keys)."""
    consignor = next(o for o in STORY.organisations if o.id == NODES["shipper"])
    secrets = [consignor.id, consignor.name, *([consignor.tax_id] if consignor.tax_id else [])]
    database = folder / "node.db"
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            dump = "\n".join(
                repr(row)
                for table in tables
                # The organisation directory is public (every node holds every name).
                if table not in ("organisations", "trusted_keys")
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"'))
            )
    finally:
        engine.dispose()
    for secret in secrets:
        assert secret not in dump, f"the transit authority's store names {secret!r}"
