"""The NATS JetStream adapter of the bus: a file-backed stream holds every node's subject;
each node reads through its own durable pull consumer (and its dead letters through another),
acknowledging a message only after it is stored. See `corridor.exchange.bus` for the names
on the broker and the interface this implements."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from corridor.exceptions import StoreUnavailable
from corridor.exchange.bus import (
    Delivery,
    bucket_name,
    consumer_name,
    dead_consumer_name,
    dead_subject,
    inbox_subject,
    reply_prefix,
)

log = logging.getLogger("corridor.exchange")
T = TypeVar("T")
# How long one attempt to connect may take (the client itself would retry for ever).
CONNECT_WITHIN_S = 10.0
# A hung server (alive, its sockets open, answering nothing): pinged every second and given
# up after 3 unanswered pings, so the node's health says "down" within 4 s and the client
# moves to another server of the cluster. A JetStream request waits 5 s, and 3 timed-out
# requests in a row also move the client.
PING_INTERVAL_S = 1
MAX_OUTSTANDING_PINGS = 3
REQUEST_S = 5.0
STALLED_AFTER = 3


class NatsBus:
    """NATS JetStream adapter."""

    def __init__(
        self,
        url: str = "nats://127.0.0.1:4222",
        stream: str = "CORRIDOR",
        prefix: str = "corridor",
        ack_wait_s: float = 30.0,
        replicas: int = 1,
        node: str | None = None,
        nkey_seed: Path | None = None,
    ) -> None:
        # ack_wait: how long JetStream waits for an acknowledgement before delivering the
        # message again (to this node's next fetch, e.g. after a crash and restart).
        # node and nkey_seed: the node this connection serves and its broker user; replies
        # then come to the node's own inbox prefix, the only one its user may read.
        self.url, self.stream, self.prefix = url, stream, prefix
        self.servers = [u.strip() for u in url.split(",") if u.strip()]
        self.ack_wait_s = ack_wait_s
        self.replicas = replicas
        self.node, self.nkey_seed = node, nkey_seed
        self._nc: Any = None
        self._js: Any = None
        self._kv: Any = None
        self._subs: dict[str, Any] = {}
        self._timeouts = 0

    async def connect(self) -> NatsBus:
        """Connect and make sure the stream exists."""
        import nats
        from nats.errors import Error as NatsError
        from nats.js.api import StorageType, StreamConfig
        from nats.js.errors import NotFoundError

        credentials: dict[str, Any] = {}
        if self.node:
            credentials["inbox_prefix"] = reply_prefix(self.node)
        if self.nkey_seed:
            credentials["nkeys_seed"] = str(self.nkey_seed)
        refusals: list[str] = []

        async def on_error(exc: Exception) -> None:
            # An authorization violation, a permissions violation, a dropped connection.
            refusals.append(f"{type(exc).__name__}: {exc}")
            log.warning("NATS: %s", exc)

        try:
            # A server that refuses this node's user is retried for ever by the client:
            # give up on this attempt after a while, saying why; the caller tries again.
            self._nc = await asyncio.wait_for(
                nats.connect(
                    servers=self.servers,
                    connect_timeout=2,
                    # Reconnect for ever: a node must drain its outbox after any outage.
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=2,
                    # A hung server (alive but silent) is found within 4 s and left for
                    # another server of the cluster, instead of nats-py's 4 minutes.
                    ping_interval=PING_INTERVAL_S,
                    max_outstanding_pings=MAX_OUTSTANDING_PINGS,
                    error_cb=on_error,
                    **credentials,
                ),
                CONNECT_WITHIN_S,
            )
            self._js = self._nc.jetstream()
            self._subs = {}
            config = StreamConfig(
                name=self.stream,
                subjects=[inbox_subject(self.prefix, ">"), dead_subject(self.prefix, ">")],
                storage=StorageType.FILE,
                duplicate_window=600.0,
                num_replicas=self.replicas,
            )
            # Look first: a node's broker user may read the stream but not create or change
            # it (the broker operator's admin user does).
            try:
                info = await self._js.stream_info(self.stream)
            except NotFoundError:
                await self._js.add_stream(config)
            else:
                if set(info.config.subjects or ()) != set(config.subjects or ()):
                    await self._js.update_stream(config)  # an older stream without dead letters
        except (TimeoutError, OSError, NatsError) as exc:
            await self._drop()
            # The server's own refusal says more than the reset that follows it.
            told = [r for r in refusals if "violation" in r.lower()] or refusals
            why = told[-1] if told else f"{type(exc).__name__} {exc}".strip()
            raise StoreUnavailable(
                f"the NATS server at {self.url} is unreachable or refused this node ({why}); "
                "check the URL and, where the broker authenticates nodes, CORRIDOR_NATS_NKEY"
            ) from exc
        return self

    def subject(self, node: str) -> str:
        """The subject a node receives on."""
        return inbox_subject(self.prefix, node)

    async def _drop(self) -> None:
        if self._nc is not None and not self._nc.is_closed:
            # Closing a broken connection: there is nothing to keep from its failure.
            with contextlib.suppress(Exception):
                await self._nc.close()
        self._nc, self._js, self._kv, self._subs = None, None, None, {}

    async def _ready(self) -> Any:
        # Connect in the loop that uses the bus; replace a connection that has closed.
        if self._js is None or self._nc is None or self._nc.is_closed:
            await self._drop()
            await self.connect()
        return self._js

    @property
    def connected(self) -> bool:
        """Whether the client holds an open connection to the broker now."""
        return self._nc is not None and self._nc.is_connected

    @property
    def server(self) -> str | None:
        """The server of the cluster the client is connected to now (host:port)."""
        if not self.connected:
            return None
        where = self._nc.connected_url
        return f"{where.hostname}:{where.port}"

    async def _stalled(self, exc: Exception) -> None:
        """A JetStream request that timed out: the server may hang while the connection
        looks alive; after a few in a row, move to another server of the cluster."""
        self._timeouts += 1
        if self._timeouts >= STALLED_AFTER and self._nc is not None and not self._nc.is_closed:
            log.warning("NATS: %d requests timed out (%s); reconnecting", self._timeouts, exc)
            self._timeouts = 0
            with contextlib.suppress(Exception):
                await self._nc.force_reconnect()

    async def publish(self, node: str, msg_id: str, data: bytes) -> None:
        from nats.errors import TimeoutError as NatsTimeout

        js = await self._ready()
        try:
            await js.publish(
                self.subject(node), data, headers={"Nats-Msg-Id": msg_id}, timeout=REQUEST_S
            )
        except (TimeoutError, NatsTimeout) as exc:
            await self._stalled(exc)
            raise
        self._timeouts = 0

    async def dead_letter(self, node: str, data: bytes) -> None:
        js = await self._ready()
        await js.publish(dead_subject(self.prefix, node), data)

    async def _consumer(self, durable: str, subject: str) -> Any:
        """A pull subscription through this node's durable consumer of one subject, made
        on first use. Named with its filter in the request subject, so a broker user can be
        allowed this one consumer on its own subject and nothing else."""
        sub = self._subs.get(durable)
        if sub is None:
            from nats.js.api import ConsumerConfig

            js = await self._ready()
            config = ConsumerConfig(
                name=durable,
                durable_name=durable,
                filter_subject=subject,
                ack_wait=self.ack_wait_s,
            )
            await js.add_consumer(self.stream, config)
            sub = await js.pull_subscribe_bind(durable, stream=self.stream)
            self._subs[durable] = sub
        return sub

    async def _take(self, sub: Any, batch: int, timeout: float) -> list[Delivery]:
        from nats.errors import TimeoutError as NatsTimeout

        try:
            msgs = await sub.fetch(batch, timeout=timeout)
        except (TimeoutError, NatsTimeout):
            return []  # nothing waiting: not an error
        return [Delivery(m.data, m.ack, _attempts(m), _since(m)) for m in msgs]

    async def fetch(self, node: str, batch: int, timeout: float) -> list[Delivery]:
        await self._ready()
        sub = await self._consumer(consumer_name(node), self.subject(node))
        return await self._take(sub, batch, timeout)

    async def _dead_sub(self, node: str) -> Any:
        await self._ready()
        return await self._consumer(dead_consumer_name(node), dead_subject(self.prefix, node))

    async def take_dead(self, node: str, batch: int, timeout: float) -> list[Delivery]:
        return await self._take(await self._dead_sub(node), batch, timeout)

    async def peek_dead(self, node: str, limit: int) -> list[Delivery]:
        from nats.errors import TimeoutError as NatsTimeout

        sub = await self._dead_sub(node)
        try:
            msgs = await sub.fetch(limit, timeout=0.5)
        except (TimeoutError, NatsTimeout):
            return []
        out = [Delivery(m.data, m.ack, _attempts(m), _since(m)) for m in msgs]
        for m in msgs:  # handed back at once: listing them replays nothing
            await m.nak()
        return out

    async def dead_count(self, node: str) -> int:
        sub = await self._dead_sub(node)
        info = await sub.consumer_info()
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)

    async def drop_stream(self) -> None:
        """Delete the stream (tests and teardown)."""
        assert self._js is not None
        await self._js.delete_stream(self.stream)

    async def raw_messages(self, subject: str | None = None) -> list[bytes]:
        """Every message the broker holds in the stream (or on one subject of it), as
        stored, to audit what it sees."""
        assert self._js is not None
        info = await self._js.stream_info(self.stream)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await self._js.get_msg(self.stream, seq)
            if subject is None or msg.subject == subject:
                out.append(msg.data or b"")
        return out

    async def _bucket(self) -> Any:
        from nats.errors import Error as NatsError
        from nats.js.api import KeyValueConfig
        from nats.js.errors import BucketNotFoundError

        js = await self._ready()
        if self._kv is None:
            name = bucket_name(self.stream)
            try:
                self._kv = await js.key_value(name)
            except BucketNotFoundError:  # made by the first node (or the broker operator)
                try:
                    self._kv = await js.create_key_value(
                        KeyValueConfig(bucket=name, history=1, replicas=self.replicas)
                    )
                except NatsError:
                    # Another node created it at the same moment (or this node's user may
                    # not create it): use the bucket that is there.
                    self._kv = await js.key_value(name)
        return self._kv

    async def directory_put(self, key: str, value: bytes) -> None:
        kv = await self._bucket()
        await _once_answered(lambda: kv.put(key, value))

    async def directory_all(self) -> list[bytes]:
        from nats.js.errors import NoKeysError

        kv = await self._bucket()
        try:
            keys = await _once_answered(kv.keys)
        except NoKeysError:
            return []
        out = []
        for key in keys:
            entry = await _once_answered(functools.partial(kv.get, key))
            if entry.value:
                out.append(entry.value)
        return out

    async def drop_directory(self) -> None:
        """Delete the directory bucket (tests and teardown)."""
        js = await self._ready()
        with contextlib.suppress(Exception):
            await js.delete_key_value(bucket_name(self.stream))
        self._kv = None

    async def dead_letters(self, node: str) -> list[bytes]:
        """The messages set aside for `node`."""
        return await self.raw_messages(dead_subject(self.prefix, node))

    async def close(self) -> None:
        """Flush what was published and disconnect, within a few seconds whatever the broker
        does (a closing node must not hang on a broker that is down)."""
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.flush(timeout=2), 3)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.close(), 5)
            self._nc, self._js, self._kv, self._subs = None, None, None, {}


def _since(msg: Any) -> float | None:
    try:
        return float(msg.metadata.timestamp.timestamp())
    except (AttributeError, ValueError, TypeError):
        return None


def _attempts(msg: Any) -> int:
    try:
        return int(msg.metadata.num_delivered)
    except (AttributeError, ValueError, TypeError):
        return 1


async def _once_answered(call: Callable[[], Awaitable[T]]) -> T:
    """Run a directory call, trying again for about two seconds on "no responders": a bucket
    made a moment ago (by this node or another) does not answer until its stream has a
    leader. Anything longer is left to the next turn."""
    from nats.js.errors import NoStreamResponseError

    for wait in (0.05, 0.1, 0.2, 0.4, 0.8):
        try:
            return await call()
        except NoStreamResponseError:
            await asyncio.sleep(wait)
    return await call()
