"""The bus between nodes: one interface, two adapters.

`InProcessBus` keeps messages in memory (the embedded default: `make run` needs no server).
`NatsBus` uses NATS JetStream: a file-backed stream holds every node's subject
(``<prefix>.to.<node>``); each node reads through its own durable pull consumer and
acknowledges a message only after it is stored, so nothing is lost when a node stops
between delivery and storage (it is delivered again, and the inbox ignores the repeat).
Publishing sets ``Nats-Msg-Id`` to the envelope id, so a relay that re-sends after a crash
does not create a second copy within the stream's duplicate window.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from corridor.exceptions import StoreUnavailable


@dataclass
class Delivery:
    """A message handed to a node, with its acknowledgement."""

    data: bytes
    ack: Callable[[], Awaitable[None]]


class Bus(Protocol):
    """What the exchange needs from a message bus."""

    async def publish(self, node: str, msg_id: str, data: bytes) -> None:
        """Send `data` to `node`'s subject."""

    async def fetch(self, node: str, batch: int, timeout: float) -> list[Delivery]:
        """Up to `batch` messages for `node`, waiting at most `timeout` seconds."""


class InProcessBus:
    """Messages in memory, for one process holding several nodes (and for tests)."""

    def __init__(self) -> None:
        self.queues: dict[str, deque[bytes]] = defaultdict(deque)
        self.published: list[bytes] = []

    async def publish(self, node: str, msg_id: str, data: bytes) -> None:
        self.published.append(data)
        self.queues[node].append(data)

    async def fetch(self, node: str, batch: int, timeout: float) -> list[Delivery]:
        queue = self.queues[node]
        out: list[Delivery] = []
        while queue and len(out) < batch:
            out.append(Delivery(queue.popleft(), _noop))
        return out


async def _noop() -> None:
    return None


class NatsBus:
    """NATS JetStream adapter."""

    def __init__(
        self,
        url: str = "nats://127.0.0.1:4222",
        stream: str = "CORRIDOR",
        prefix: str = "corridor",
        ack_wait_s: float = 30.0,
    ) -> None:
        # ack_wait: how long JetStream waits for an acknowledgement before delivering the
        # message again (to this node's next fetch, e.g. after a crash and restart).
        self.url, self.stream, self.prefix = url, stream, prefix
        self.ack_wait_s = ack_wait_s
        self._nc: Any = None
        self._js: Any = None
        self._subs: dict[str, Any] = {}

    async def connect(self) -> NatsBus:
        """Connect and make sure the stream exists."""
        import nats
        from nats.errors import Error as NatsError
        from nats.js.api import StorageType, StreamConfig

        try:
            self._nc = await nats.connect(
                self.url, connect_timeout=2, max_reconnect_attempts=30, reconnect_time_wait=1
            )
            self._js = self._nc.jetstream()
            config = StreamConfig(
                name=self.stream,
                subjects=[f"{self.prefix}.to.>"],
                storage=StorageType.FILE,
                duplicate_window=600.0,
            )
            await self._js.add_stream(config)
        except (OSError, NatsError) as exc:
            raise StoreUnavailable(
                f"the NATS server at {self.url} is unreachable: {type(exc).__name__}"
            ) from exc
        return self

    def subject(self, node: str) -> str:
        """The subject a node receives on."""
        return f"{self.prefix}.to.{node}"

    async def publish(self, node: str, msg_id: str, data: bytes) -> None:
        if self._js is None:  # connect in the loop that uses the bus
            await self.connect()
        await self._js.publish(self.subject(node), data, headers={"Nats-Msg-Id": msg_id})

    async def fetch(self, node: str, batch: int, timeout: float) -> list[Delivery]:
        from nats.errors import TimeoutError as NatsTimeout

        if self._js is None:
            await self.connect()
        sub = self._subs.get(node)
        if sub is None:
            from nats.js.api import ConsumerConfig

            sub = await self._js.pull_subscribe(
                self.subject(node),
                durable=f"node-{node}",
                stream=self.stream,
                config=ConsumerConfig(ack_wait=self.ack_wait_s),
            )
            self._subs[node] = sub
        try:
            msgs = await sub.fetch(batch, timeout=timeout)
        except NatsTimeout:
            return []
        return [Delivery(m.data, m.ack) for m in msgs]

    async def drop_stream(self) -> None:
        """Delete the stream (tests and teardown)."""
        assert self._js is not None
        await self._js.delete_stream(self.stream)

    async def raw_messages(self) -> list[bytes]:
        """Every message the broker holds in the stream, as stored (to audit what it sees)."""
        assert self._js is not None
        info = await self._js.stream_info(self.stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await self._js.get_msg(self.stream, seq)
            out.append(msg.data or b"")
        return out

    async def close(self) -> None:
        """Flush what was published and disconnect."""
        if self._nc is not None:
            await self._nc.flush()
            await self._nc.close()
            self._nc = None
