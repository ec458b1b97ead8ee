"""Envelope exchange over NATS JetStream, end to end, against raw nats-py in the same run.

Ours, per message: seal (sign + encrypt to the recipient), publish to JetStream, fetch
through the recipient's durable consumer, verify the sender's signature, decrypt, store in
the inbox with a signed ledger entry, acknowledge. Baseline, per message: raw nats-py
JetStream publish of the same number of bytes, fetch through a durable consumer, acknowledge.
Both run message by message (the latency a border post sees), alternating one corridor
envelope with one raw message so machine noise hits both alike; the ratio is the median of
the per-pair ratios.
Then batched, as a node takes in a backlog: BATCH envelopes sealed and published at once
(publishes pipelined), then taken in by the node's own intake (`intake.take_in`: a fetch of the
batch, each envelope verified, opened and stored in a worker thread, acknowledged once
stored); against raw nats-py publishing as many messages at once, fetching them in one batch
and acknowledging each. Rounds alternate; the ratio is the median of the per-round ratios.
Targets: message by message >= 0.4x, batched >= 0.6x. Needs the NATS server at
127.0.0.1:4222.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corridor import demo
from corridor.exchange.delivery import KIND, receive
from corridor.exchange.envelope import seal
from corridor.exchange.intake import take_in
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.node import LocalNode, merged_trust

MESSAGES = 300
BATCH = 50
ROUNDS = 9
PAYLOAD = {
    "shipment": "bench",
    "procedure": "transit",
    "documents": {},
    "padding": "x" * 4000,
}  # about the size of a transit authority's presentations


def percentile(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(q / 100 * len(data)))]


@asynccontextmanager
async def raw_stream(subject: str) -> AsyncIterator[tuple[Any, Any]]:
    """A JetStream stream of its own for the raw baseline's messages on `subject`.x, with a
    durable pull consumer: (JetStream context, subscription); deleted after."""
    import nats
    from nats.js.api import StreamConfig

    nc = await nats.connect("nats://127.0.0.1:4222")
    js = nc.jetstream()
    stream = subject.upper()
    await js.add_stream(StreamConfig(name=stream, subjects=[f"{subject}.>"]))
    try:
        yield js, await js.pull_subscribe(f"{subject}.x", durable=subject, stream=stream)
    finally:
        await js.delete_stream(stream)
        await nc.close()


async def run(
    sender: LocalNode, receiver: LocalNode, bus: NatsBus, tag: str
) -> tuple[list[float], list[float], list[float], int]:
    """Alternate one corridor envelope and one raw message, so both see the same machine
    load. Returns (ours, raw, per-pair ratios raw/ours, envelope size)."""
    trust = merged_trust([sender.own_trust(), receiver.own_trust()])
    signer = sender.signer
    to = receiver.address()
    mine, base, ratios = [], [], []
    size = 0
    async with raw_stream(f"raw{tag}") as (js, raw_sub):
        for _ in range(MESSAGES):
            t = time.perf_counter()
            now = datetime.now(UTC)
            env_id, body = seal(PAYLOAD, to, sender.node, sender.organisation.id, signer, KIND, now)
            await bus.publish(receiver.node, env_id, body)
            (delivery,) = await bus.fetch(receiver.node, 1, 5.0)
            assert receive(receiver, delivery.data, trust, now) == "stored"
            await delivery.ack()
            ours_s = time.perf_counter() - t
            size = len(body)
            data = b"y" * size
            t = time.perf_counter()
            await js.publish(f"raw{tag}.x", data)
            (msg,) = await raw_sub.fetch(1, timeout=5.0)
            await msg.ack()
            raw_s = time.perf_counter() - t
            mine.append(ours_s)
            base.append(raw_s)
            ratios.append(raw_s / ours_s)
    return mine, base, ratios, size


async def batched(
    sender: LocalNode, receiver: LocalNode, bus: NatsBus, tag: str
) -> tuple[list[float], list[float], list[float]]:
    """Alternate a round of BATCH corridor envelopes and one of BATCH raw messages. Returns
    (ours, raw, per-round ratios raw/ours), times per round."""
    trust = merged_trust([sender.own_trust(), receiver.own_trust()])
    to = receiver.address()
    mine, base, ratios = [], [], []
    async with raw_stream(f"rawb{tag}") as (js, raw_sub):
        for _ in range(ROUNDS):
            t = time.perf_counter()
            now = datetime.now(UTC)
            sealed = [
                seal(PAYLOAD, to, sender.node, sender.organisation.id, sender.signer, KIND, now)
                for _ in range(BATCH)
            ]
            await asyncio.gather(*(bus.publish(receiver.node, i, body) for i, body in sealed))
            took: dict[str, int] = {}
            while sum(took.values()) < BATCH:
                fetched = await bus.fetch(receiver.node, BATCH, 5.0)
                await take_in(receiver, bus, fetched, trust, lambda: datetime.now(UTC), took)
            assert took == {"stored": BATCH}, took
            ours_s = time.perf_counter() - t
            data = b"y" * len(sealed[0][1])
            t = time.perf_counter()
            await asyncio.gather(*(js.publish(f"rawb{tag}.x", data) for _ in range(BATCH)))
            got = 0
            while got < BATCH:
                msgs = await raw_sub.fetch(BATCH - got, timeout=5.0)
                for msg in msgs:
                    await msg.ack()
                got += len(msgs)
            raw_s = time.perf_counter() - t
            mine.append(ours_s)
            base.append(raw_s)
            ratios.append(raw_s / ours_s)
    return mine, base, ratios


async def main() -> None:
    tag = uuid.uuid4().hex[:8]
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        nodes: list[LocalNode] = []
        for name, org in (("shipper", "kz-ferroalloy"), ("az", "az-customs")):
            ctx = demo.national_node(Path(folder) / name, name, org, now)
            assert ctx.exchange is not None
            nodes.append(ctx.exchange.node)
        try:
            bus = await NatsBus(stream=f"BENCH_{tag}", prefix=f"bench{tag}").connect()
        except Exception as exc:
            print(f"skipped: NATS JetStream not reachable at 127.0.0.1:4222 ({exc})")
            return
        try:
            mine, base, ratios, size = await run(nodes[0], nodes[1], bus, tag)
            b_mine, b_base, b_ratios = await batched(nodes[0], nodes[1], bus, tag)
        finally:
            await bus.drop_stream()
            await bus.close()
        for n in nodes:
            n.db.close()
    ratio = statistics.median(ratios)
    print(f"{MESSAGES} envelopes of {size} bytes, one at a time, interleaved with raw messages")
    for name, times in (("raw nats-py", base), ("corridor", mine)):
        p50, p99 = percentile(times, 50) * 1e3, percentile(times, 99) * 1e3
        print(
            f"{name:12} {1 / statistics.mean(times):8,.0f}/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
        )
    print(f"throughput ratio {ratio:.2f} (median of per-message ratios; target >= 0.4)")
    print(f"{ROUNDS} rounds of {BATCH} envelopes at once, interleaved with rounds of raw messages")
    for name, times in (("raw nats-py", b_base), ("corridor", b_mine)):
        print(f"{name:12} {BATCH / statistics.median(times):8,.0f}/s")
    print(
        f"throughput ratio {statistics.median(b_ratios):.2f} "
        "(median of per-round ratios; target >= 0.6)"
    )


if __name__ == "__main__":
    asyncio.run(main())
