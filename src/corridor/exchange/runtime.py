"""A node's exchange at run time: the shared directory file and the background loops.

The directory (JSON) lists every node's address (X25519 public key, country, operator) and
every node's public signing keys, so nodes can seal to and verify each other. Each node adds
its own entries when it starts. In a real deployment the authorities exchange and pin this
file; here it is a path every node of a corridor can read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corridor.documents.trust import TrustList
from corridor.exchange.bus import Bus
from corridor.exchange.delivery import pump, relay, waiting
from corridor.exchange.envelope import NodeAddress
from corridor.exchange.node import LocalNode, merged_trust

log = logging.getLogger("corridor.exchange")


@dataclass
class Directory:
    """Node addresses and public trust entries, kept in one JSON file."""

    path: Path
    nodes: dict[str, NodeAddress] = field(default_factory=dict)
    trust: TrustList = field(default_factory=lambda: TrustList([]))

    @classmethod
    def load(cls, path: Path) -> Directory:
        """The directory at `path` (empty if the file does not exist yet)."""
        if not path.exists():
            return cls(path)
        raw = json.loads(path.read_text("utf-8"))
        nodes = {k: NodeAddress(**v) for k, v in raw.get("nodes", {}).items()}
        trust = TrustList.from_json(json.dumps({"keys": raw.get("keys", [])}))
        return cls(path, nodes, trust)

    def publish(self, node: LocalNode) -> None:
        """Add (or refresh) a node's address and public keys, and write the file."""
        self.nodes[node.node] = node.address()
        self.trust = merged_trust([self.trust, node.own_trust()])
        keys = json.loads(self.trust.to_json())["keys"]
        body = {"nodes": {k: asdict(v) for k, v in sorted(self.nodes.items())}, "keys": keys}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body, ensure_ascii=False, indent=2), "utf-8")
        os.replace(tmp, self.path)

    def addresses(self) -> list[NodeAddress]:
        """Every node's address."""
        return list(self.nodes.values())

    def authorities(self) -> list[NodeAddress]:
        """The nodes run by a customs authority (by the trust list's role of their operator):
        where pre-arrival data goes. A forwarder's node in the same country is not one."""
        customs = {e.organisation_id for e in self.trust.entries.values() if e.role == "customs"}
        return [a for a in self.nodes.values() if a.organisation_id in customs]


@dataclass
class Exchange:
    """One node's exchange: the node, its bus and the directory."""

    node: LocalNode
    bus: Bus
    directory_path: Path
    interval_s: float = 1.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    last_error: str | None = None
    _task: asyncio.Task[Any] | None = None

    def directory(self) -> Directory:
        """The directory as it is on disk now."""
        return Directory.load(self.directory_path)

    def trust(self) -> TrustList:
        """Every key the node accepts: the directory's and its own."""
        return merged_trust([self.directory().trust, self.node.own_trust()])

    async def step(self) -> dict[str, int]:
        """Publish the outbox and take in what is waiting for this node, once."""
        sent = await relay(self.node.db, self.bus, self.clock)
        got = await pump(self.node, self.bus, self.trust(), self.clock, timeout=0.2)
        return {"sent": sent, **got}

    async def _loop(self) -> None:
        failures = 0
        while True:
            try:
                await self.step()
                failures, self.last_error = 0, None
            except Exception as exc:  # a broker or store outage: log, wait, try again
                failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:300]
                if failures == 1:
                    log.exception("exchange step failed on node %s", self.node.node)
                else:
                    log.warning("exchange still failing on node %s: %s", self.node.node, exc)
            # Back off while the broker or store is down, up to 30 s between tries.
            await asyncio.sleep(min(self.interval_s * 2**failures, 30.0))

    def health(self) -> dict[str, Any]:
        """Whether the loop runs, the bus is connected, how many envelopes wait to be sent,
        and the last failure."""
        connected = getattr(self.bus, "connected", True)
        return {
            "node": self.node.node,
            "running": self._task is not None and not self._task.done(),
            "bus": "up" if connected and self.last_error is None else "down",
            "waiting": waiting(self.node.db),
            "last_error": self.last_error,
        }

    def publish(self) -> None:
        """Add this node's address and public keys to the directory."""
        Directory.load(self.directory_path).publish(self.node)

    def start(self) -> None:
        """Publish this node to the directory and run the loop in the background."""
        self.publish()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Stop the background loop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
