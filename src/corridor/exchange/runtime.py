"""A national node's exchange at run time: the signed directory and the background loop.

Each node publishes its own statements (its certificate and the key entries of the
organisations it hosts, signed by its node key) to the directory the bus holds (a JetStream
key-value bucket, or the in-process bus's map), whenever they change; it reads every other
node's statements and keeps what checks out against its pinned roots. It also keeps its last
good copy on disk, so a node that starts while the bus is down still knows the corridor.
Nothing is written by one node for another: there is no shared file to race on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corridor.documents.trust import TrustList
from corridor.exceptions import InvalidInput
from corridor.exchange import checkpoint, hold
from corridor.exchange.bus import Bus
from corridor.exchange.directory import Directory, Statement
from corridor.exchange.envelope import NodeAddress
from corridor.exchange.intake import pump, release, replay
from corridor.exchange.node import LocalNode
from corridor.exchange.outbox import relay, waiting
from corridor.exchange.receipts import Replier

log = logging.getLogger("corridor.exchange")


@dataclass
class Exchange:
    """One node's exchange: the node, its bus, the directory it trusts, and its own
    statements (`own_version` changes whenever `own` would give something new)."""

    node: LocalNode
    bus: Bus
    directory: Directory
    own: Callable[[], list[Statement]]
    own_version: Callable[[], object]
    cache_path: Path
    interval_s: float = 1.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    last_error: str | None = None
    # The organisations this node hosts (its certificate's members): their keys are this
    # node's own, trusted here from its own store before the directory carries them.
    hosted: frozenset[str] = frozenset()
    # The background loop that runs the node's turns (services.inbound), while it runs.
    task: asyncio.Task[Any] | None = None
    # Dead letters waiting to be replayed, as last counted.
    dead_waiting: int = 0
    _published: object = None
    _looked: datetime | None = None
    _warned: str | None = None

    def trust(self) -> TrustList:
        """Every key the node accepts: the directory's, as the pinned roots allow."""
        return self.directory.trust()

    def replier(self) -> Replier:
        """Answers each envelope to the node that sent it."""
        certs = self.directory.certificates()

        def address_of(node: str) -> NodeAddress | None:
            cert = certs.get(node)
            return cert.address() if cert else None

        return Replier(self.node, address_of)

    def authorities(self) -> list[NodeAddress]:
        """The sovereign nodes, other than this one."""
        return [a for a in self.directory.authorities() if a.node != self.node.node]

    def load_cache(self) -> None:
        """Merge the node's last good copy of the directory."""
        with contextlib.suppress(OSError):
            self.directory.load_json(self.cache_path.read_text("utf-8"))

    async def publish(self) -> bool:
        """Put this node's statements on the bus if they changed; True if it did."""
        # The node's own statements come from its store: read in a worker thread.
        version = await asyncio.to_thread(self.own_version)
        if version == self._published:
            return False
        statements = await asyncio.to_thread(self.own)
        # Known here at once, even while the broker is away; put on the bus for the others
        # (tried again next turn until it succeeds).
        self.directory.merge(statements)
        for st in statements:
            # Under the node's own id: the only keys its broker user may write.
            key = f"{self.node.node}.{st.kind}.{st.subject}"
            await self.bus.directory_put(key, st.to_json().encode())
        self._published = version
        await asyncio.to_thread(self._save)
        return True

    async def refresh(self) -> int:
        """Merge what the bus holds; returns how many statements changed."""
        incoming = []
        for raw in await self.bus.directory_all():
            with contextlib.suppress(InvalidInput):
                incoming.append(Statement.from_json(raw))
        changed = self.directory.merge(incoming)
        if changed:
            await asyncio.to_thread(self._save)
        return changed

    def _save(self) -> None:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_path.with_name(f".{self.cache_path.name}.{os.getpid()}.tmp")
        tmp.write_text(self.directory.to_json(), "utf-8")
        os.replace(tmp, self.cache_path)

    async def step(self) -> dict[str, int]:
        """Publish and refresh the directory, send the outbox, take in what is waiting
        (what the node then does with it is the services' concern: services.inbound)."""
        await self.publish()
        await self.refresh()
        warning = self.node.clock_warning()
        if warning and warning != self._warned:
            log.warning("node %s sends with a clock off its peers: %s", self.node.node, warning)
        self._warned = warning
        trust, replier = self.trust(), self.replier()
        # Once a minute: ask a peer to witness every ledger head left unwitnessed too long.
        at = self.clock()
        if self._looked is None or (at - self._looked).total_seconds() >= checkpoint.LOOK_EVERY_S:
            await asyncio.to_thread(checkpoint.send, self.node, replier.address_of, at)
            self._looked = at
        sent = await relay(self.node.db, self.bus, self.clock)
        got = await pump(
            self.node,
            self.bus,
            trust,
            self.clock,
            timeout=0.2,
            hosts=self.directory.host_of,
            replier=replier,
        )
        # What was held for the clock and whose time has come.
        released = await asyncio.to_thread(
            release, self.node, trust, self.clock(), self.directory.host_of, replier
        )
        _tally(got, "released", {k: n for k, n in released.items() if k != "held"})
        # The store took what was waiting: take back what was set aside during an outage
        # (the dead letters are counted each turn, fetched only when some wait).
        self.dead_waiting = await self.bus.dead_count(self.node.node)
        if self.dead_waiting:
            replayed = await replay(
                self.node,
                self.bus,
                trust,
                self.clock,
                hosts=self.directory.host_of,
                replier=replier,
            )
            self.dead_waiting = await self.bus.dead_count(self.node.node)
            _tally(got, "replayed", replayed)
        return {"sent": sent, **got}

    def health(self) -> dict[str, Any]:
        """Whether the loop runs, the bus is connected, how many envelopes wait to be sent,
        and the last failure."""
        connected = getattr(self.bus, "connected", True)
        median, warning = self.node.clock_offset(), self.node.clock_warning()
        return {
            "node": self.node.node,
            "running": self.task is not None and not self.task.done(),
            # The broker connection as the client holds it now; a failing turn (the broker
            # or the store) is `loop_error`, cleared by the next turn that succeeds.
            "bus": "up" if connected else "down",
            "loop_error": self.last_error,
            "waiting": waiting(self.node.db),
            # Envelopes set aside after the retry budget: replayed once the store is back.
            "dead_letters": self.dead_waiting,
            # Envelopes made ahead of this node's clock: taken in once the clocks agree.
            "held": hold.count(self.node.db),
            "nodes_known": len(self.directory.certificates()),
            "keys_trusted": len(self.trust().entries),
            # Median of how far ahead of this node's clock recent envelopes were made.
            "peer_clock_offset_s": None if median is None else round(median, 1),
            "clock_ok": warning is None,
            "clock_warning": warning,
        }

    async def directory_turn(self) -> None:
        """Publish this node's statements, then read what the others published."""
        await self.publish()
        await self.refresh()


def _tally(got: dict[str, int], source: str, outcomes: dict[str, int]) -> None:
    """Add a second source's outcomes to a turn's counts (`replayed_stored`, …); what it
    stored counts as stored too, so the services assess it."""
    for outcome, n in outcomes.items():
        got[f"{source}_{outcome}"] = got.get(f"{source}_{outcome}", 0) + n
        if outcome == "stored":
            got["stored"] = got.get("stored", 0) + n
