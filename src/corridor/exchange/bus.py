"""The bus between nodes: one interface, two adapters.

`InProcessBus` keeps messages in memory (the embedded default: `make run` needs no server).
`NatsBus` uses NATS JetStream: a file-backed stream holds every node's subject
(``<prefix>.to.<node>``); each node reads through its own durable pull consumer and
acknowledges a message only after it is stored, so nothing is lost when a node stops
between delivery and storage (it is delivered again, and the inbox ignores the repeat).
Publishing sets ``Nats-Msg-Id`` to the envelope id, so a relay that re-sends after a crash
does not create a second copy within the stream's duplicate window.

Against a cluster, `url` lists several servers (comma-separated) and `replicas` (at most the
cluster's size) keeps each message and the directory on that many servers, so losing one
server loses nothing. The client reconnects for ever (with a growing wait) after any broker
outage, to whichever server of the cluster answers; a connection
that closed anyway is replaced on the next call. A message that could not be stored for
`DEAD_AFTER_S` is moved to the node's dead-letter subject (``<prefix>.dead.<node>``) and
acknowledged, so it cannot hold up what comes after it; the node reads its dead letters back
through a consumer of its own and replays them once its store is back.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("corridor.exchange")
# The retry budget, in time: a message the node's store could not take is delivered again
# and again for this long (a realistic store outage lasts minutes to hours), then set aside
# on the node's dead letters, which the node replays once its store is back.
DEAD_AFTER_S = 6 * 3600.0


# The names on the broker, in one place: the bus uses them, and a node's broker user is
# allowed exactly these (`broker.node_permissions`).
def inbox_subject(prefix: str, node: str) -> str:
    """The subject a node receives on ('*' for every node's)."""
    return f"{prefix}.to.{node}"


def dead_subject(prefix: str, node: str) -> str:
    """Where a node sets aside what it could not store ('>' for every node's)."""
    return f"{prefix}.dead.{node}"


def consumer_name(node: str) -> str:
    """A node's durable consumer of its own subject."""
    return f"node-{node}"


def dead_consumer_name(node: str) -> str:
    """A node's durable consumer of its own dead letters."""
    return f"node-{node}-dead"


def reply_prefix(node: str) -> str:
    """The inbox prefix a node's replies come to."""
    return f"_INBOX_{node}"


def bucket_name(stream: str) -> str:
    """The directory bucket kept beside a stream."""
    return f"{stream}_DIRECTORY"


@dataclass
class Delivery:
    """A message handed to a node, with its acknowledgement and how often it was delivered."""

    data: bytes
    ack: Callable[[], Awaitable[None]]
    attempts: int = 1
    # When the bus first held the message (epoch seconds), where it says.
    since: float | None = None


class Bus(Protocol):
    """What the exchange needs from a message bus."""

    async def publish(self, node: str, msg_id: str, data: bytes) -> None:
        """Send `data` to `node`'s subject."""

    async def fetch(self, node: str, batch: int, timeout: float) -> list[Delivery]:
        """Up to `batch` messages for `node`, waiting at most `timeout` seconds."""

    async def dead_letter(self, node: str, data: bytes) -> None:
        """Set aside a message `node` could not store within the retry budget."""

    async def take_dead(self, node: str, batch: int, timeout: float) -> list[Delivery]:
        """Up to `batch` of `node`'s dead letters, to replay (each acknowledged once
        stored or refused)."""

    async def dead_count(self, node: str) -> int:
        """How many dead letters wait for `node`."""

    async def peek_dead(self, node: str, limit: int) -> list[Delivery]:
        """Up to `limit` of `node`'s dead letters, left where they are (to list them)."""

    async def directory_put(self, key: str, value: bytes) -> None:
        """Publish one signed directory statement under its key (kind.subject)."""

    async def directory_all(self) -> list[bytes]:
        """Every directory statement held by the bus."""


class InProcessBus:
    """Messages in memory, for one process holding several nodes (and for tests)."""

    def __init__(self) -> None:
        self.queues: dict[str, deque[bytes]] = defaultdict(deque)
        self.published: list[bytes] = []
        self.dead: dict[str, list[bytes]] = defaultdict(list)
        self.directory: dict[str, bytes] = {}

    async def dead_letter(self, node: str, data: bytes) -> None:
        self.dead[node].append(data)

    async def take_dead(self, node: str, batch: int, timeout: float) -> list[Delivery]:
        # Each leaves the dead letters only when acknowledged (stored or refused).
        def ack_of(data: bytes) -> Callable[[], Awaitable[None]]:
            async def ack() -> None:
                self.dead[node].remove(data)

            return ack

        return [Delivery(d, ack_of(d)) for d in list(self.dead[node][:batch])]

    async def dead_count(self, node: str) -> int:
        return len(self.dead[node])

    async def peek_dead(self, node: str, limit: int) -> list[Delivery]:
        return [Delivery(d, _noop) for d in self.dead[node][:limit]]

    async def directory_put(self, key: str, value: bytes) -> None:
        self.directory[key] = value

    async def directory_all(self) -> list[bytes]:
        return list(self.directory.values())

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
