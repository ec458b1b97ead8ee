"""The node under load over HTTP, as a ratio to a bare FastAPI + SQLAlchemy + JSONB service
measured in the same run (`_apps.baseline`): same uvicorn, pool and thread settings, same
PostgreSQL, same load generator.

Each server runs in a process of its own (uvicorn, one worker); CLIENTS concurrent clients
send one kind of request for a few seconds, baseline and corridor alternating, twice. The
node's store holds 10,000 shipments (a shipper on ~1%) and the baseline's table as many
rows. Reported per operation: requests per second of each, their ratio, and the server's
CPU milliseconds per request (from /proc) beside it.

Targets: writes >= 0.5x, reads >= 0.7x of the baseline, and every read's p99 within 2x its
p50.

    python bench/bench_api.py [--clients 20] [--seconds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import httpx2 as httpx
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import bulk
from tests.conftest import ORGS
from tests.servers import free_port, listening

from corridor import demo
from corridor.config import Settings
from corridor.demo.story import documents_for
from corridor.model import DocumentKind
from corridor.services import Context, papers, shipments

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get(
    "CORRIDOR_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROWS = 10_000
NOW = datetime.now(UTC)
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
console = Console()


@contextmanager
def database() -> Iterator[str]:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"corridor_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def server(factory: str, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """uvicorn serving `factory` from bench/_apps.py in its own process: (URL, pid)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            f"_apps:{factory}",
            "--factory",
            "--app-dir",
            str(ROOT / "bench"),
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={**os.environ, **env},
    )
    try:
        if not listening(port, 60):
            raise RuntimeError(f"the {factory} server did not start")
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_MS


Request = Callable[[httpx.AsyncClient, int], Any]


async def _load(base: str, make: Request, clients: int, seconds: float) -> list[float]:
    """The latency of every request the clients made in `seconds` (seconds each)."""
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def one_client(k: int) -> None:
            i = 0
            while time.monotonic() < stop:
                t = time.perf_counter()
                r = await make(client, k * 1_000_000 + i)
                if r.status_code >= 400:
                    raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text[:200]}")
                latencies.append(time.perf_counter() - t)
                i += 1

        await asyncio.gather(*(one_client(k) for k in range(clients)))
    return latencies


class Load(NamedTuple):
    """One load run: requests per second, server CPU ms per request, and the latencies."""

    rate: float
    cpu_ms: float
    latencies: list[float]


def run(base: str, pid: int, make: Request, clients: int, seconds: float) -> Load:
    before, t = cpu_ms(pid), time.perf_counter()
    latencies = asyncio.run(_load(base, make, clients, seconds))
    elapsed = time.perf_counter() - t
    n = len(latencies)
    return Load(n / elapsed, (cpu_ms(pid) - before) / max(n, 1), latencies)


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


async def _mixed(
    base: str, ops: list[tuple[str, Request]], clients: int, seconds: float
) -> tuple[dict[str, list[float]], int]:
    """Each client sends the operations in turn (client k starts at the k-th) until time
    is up: latencies in ms per operation, and the number of error answers."""
    taken: dict[str, list[float]] = {name: [] for name, _ in ops}
    errors = 0
    first_error: dict[str, str] = {}
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def one_client(k: int) -> None:
            nonlocal errors
            i = k
            while time.monotonic() < stop:
                name, make = ops[i % len(ops)]
                t = time.perf_counter()
                r = await make(client, k * 1_000_000 + i)
                taken[name].append((time.perf_counter() - t) * 1000)
                if r.status_code >= 400:
                    errors += 1
                    first_error.setdefault(name, f"{r.status_code} {r.text[:300]}")
                i += 1

        await asyncio.gather(*(one_client(k) for k in range(clients)))
    for name, what in first_error.items():
        console.print(f"[red]{name} failed[/]: {what}")
    return taken, errors


def mixed_table(
    title: str,
    ours: tuple[dict[str, list[float]], int],
    bare: tuple[dict[str, list[float]], int],
    seconds: float,
    names: list[tuple[str, str]],
) -> Table:
    """Requests per second, p50 and p99 per operation of both servers, side by side."""
    table = Table(title=title)
    for col in ("operation", "corridor req/s", "p50 ms", "p99 ms", "baseline (as)", "req/s"):
        table.add_column(col, justify="left" if col in ("operation", "baseline (as)") else "right")
    table.add_column("p50 / p99 ms", justify="right")
    for mine, theirs in names:
        a, b = ours[0][mine], bare[0][theirs]
        qa, qb = statistics.quantiles(a, n=100), statistics.quantiles(b, n=100)
        table.add_row(
            mine,
            f"{len(a) / seconds:.0f}",
            f"{qa[49]:.1f}",
            f"{qa[98]:.1f}",
            theirs,
            f"{len(b) / seconds:.0f}",
            f"{qb[49]:.1f} / {qb[98]:.1f}",
        )
    total = sum(len(v) for v in ours[0].values()) / max(1, sum(len(v) for v in bare[0].values()))
    table.caption = (
        f"errors: corridor {ours[1]}, baseline {bare[1]}; all requests, corridor / baseline: "
        f"{total:.2f}x"
    )
    return table


def seed_corridor(url: str, folder: Path) -> dict[str, Any]:
    ctx = Context.open(Settings(data_dir=folder, database_url=url))
    try:
        keys = demo.seed(ctx, NOW - timedelta(days=1))
        bulk.register(ctx, NOW)
        shipper = ORGS[bulk.SHIPPER]
        real = shipments.submit(ctx, shipper, demo.draft("LOAD-1"), NOW)
        fields = documents_for(real)[DocumentKind.COMMERCIAL_INVOICE]
        signed = papers.issue_signed(
            ctx, shipper, real.id, DocumentKind.COMMERCIAL_INVOICE, fields, NOW
        )
        # Signing in the mixed traffic adds documents to shipments of their own, one per
        # ten clients (parties rarely sign for one shipment at the same moment).
        signing = [
            shipments.submit(ctx, shipper, demo.draft(f"LOAD-S{n}"), NOW).id for n in range(5)
        ]
        bulk.grow(ctx, real.id, ROWS)
        return {
            "sign_ids": signing,
            "key": keys[bulk.SHIPPER],
            "id": real.id,
            "token": signed.token,
            "fields": json.loads(json.dumps(fields, default=str)),
        }
    finally:
        ctx.close()


def seed_baseline(url: str, body: dict[str, Any]) -> str:
    sys.path.insert(0, str(ROOT / "bench"))
    from _apps import items, metadata

    engine = sa.create_engine(url)
    metadata.create_all(engine)
    first = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            items.insert(),
            [
                {
                    "id": first if i == 0 else str(uuid.uuid4()),
                    "owner": f"o{i % 100}",
                    "created_at": NOW - timedelta(seconds=i),
                    "body": body,
                }
                for i in range(ROWS)
            ],
        )
        conn.execute(sa.text("ANALYZE bench_items"))
    engine.dispose()
    return first


def mixed_operations(
    node: dict[str, Any],
    draft: dict[str, Any],
    item: str,
    auth: dict[str, str],
    verify: dict[str, str],
) -> tuple[list[tuple[str, Request]], list[tuple[str, Request]]]:
    """The mixed traffic on the node (submit, list, readiness, sign, verify) and what the
    bare service does in their place (insert for the writes, list and get for the reads)."""
    sid = node["id"]
    as_json = {**auth, "Content-Type": "application/json"}
    sign = json.dumps({"kind": "commercial_invoice", "fields": node["fields"]})
    signers = node["sign_ids"]

    def submit(c: httpx.AsyncClient, i: int) -> Any:
        body = {**draft, "reference": f"M-{uuid.uuid4().hex[:12]}"}
        return c.post("/shipments", content=json.dumps(body), headers=as_json)

    ours: list[tuple[str, Request]] = [
        ("submit", submit),
        ("list", lambda c, i: c.get("/shipments", headers=auth)),
        ("readiness", lambda c, i: c.get(f"/shipments/{sid}/readiness", headers=auth)),
        (
            "sign",
            lambda c, i: c.post(
                f"/shipments/{signers[(i // 1_000_000) % len(signers)]}/documents/signed",
                content=sign,
                headers=as_json,
            ),
        ),
        ("verify", lambda c, i: c.post("/verify", content=node["token"], headers=verify)),
    ]
    body = json.dumps(draft)
    plain = {"Content-Type": "application/json"}

    def insert(c: httpx.AsyncClient, i: int) -> Any:
        return c.post("/items", content=body, params={"owner": "o1"}, headers=plain)

    bare: list[tuple[str, Request]] = [
        ("insert (for submit)", insert),
        ("list", lambda c, i: c.get("/items", params={"owner": "o1"})),
        ("get (for readiness)", lambda c, i: c.get(f"/items/{item}")),
        ("insert (for sign)", insert),
        ("get (for verify)", lambda c, i: c.get(f"/items/{item}")),
    ]
    return ours, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument(
        "--only", action="append", default=[], help="run the operations whose name has this"
    )
    parser.add_argument("--mixed-clients", type=int, default=50)
    parser.add_argument("--mixed-seconds", type=float, default=60.0)
    args = parser.parse_args()
    draft = demo.draft("X").model_dump(mode="json")
    with (
        database() as node_url,
        database() as base_url,
        tempfile.TemporaryDirectory() as folder,
    ):
        with console.status("seeding both stores"):
            node = seed_corridor(node_url, Path(folder))
            item = seed_baseline(base_url, draft)
        env = {
            "CORRIDOR_DATA_DIR": folder,
            "CORRIDOR_DATABASE_URL": node_url,
            "BENCH_BASELINE_URL": base_url,
        }
        auth = {"Authorization": f"Bearer {node['key']}"}
        as_json = {"Content-Type": "application/json"}
        sid = node["id"]

        def submit(c: httpx.AsyncClient, i: int) -> Any:
            body = {**draft, "reference": f"L-{uuid.uuid4().hex[:12]}"}
            return c.post("/shipments", content=json.dumps(body), headers={**auth, **as_json})

        def insert(c: httpx.AsyncClient, i: int) -> Any:
            return c.post(
                "/items", content=json.dumps(draft), params={"owner": "o1"}, headers=as_json
            )

        verify = {"Content-Type": papers.MEDIA_TYPE}
        pairs: list[tuple[str, Request, Request, float]] = [
            ("POST /shipments (write)", submit, insert, 0.5),
            (
                "GET /shipments (list, 100)",
                lambda c, i: c.get("/shipments", headers=auth),
                lambda c, i: c.get("/items", params={"owner": "o1"}),
                0.7,
            ),
            (
                "GET /shipments/{id}",
                lambda c, i: c.get(f"/shipments/{sid}", headers=auth),
                lambda c, i: c.get(f"/items/{item}"),
                0.7,
            ),
            (
                "GET …/readiness (vs get)",
                lambda c, i: c.get(f"/shipments/{sid}/readiness", headers=auth),
                lambda c, i: c.get(f"/items/{item}"),
                0.7,
            ),
            (
                "POST /verify (vs get)",
                lambda c, i: c.post("/verify", content=node["token"], headers=verify),
                lambda c, i: c.get(f"/items/{item}"),
                0.7,
            ),
        ]
        table = Table(title=f"{args.clients} clients, PostgreSQL, one uvicorn worker each")
        for col in ("operation", "corridor req/s", "baseline req/s", "ratio", "target"):
            table.add_column(col, justify="left" if col == "operation" else "right")
        table.add_column("CPU ms/request (baseline)", justify="right")
        table.add_column("p50 / p99 ms (p99/p50)", justify="right")
        table.add_column("baseline p50 / p99", justify="right")
        with (
            server("corridor", env) as (ours, ours_pid),
            server("baseline", env) as (bare, bare_pid),
        ):
            for name, mine, theirs, target in pairs:
                if args.only and not any(word in name for word in args.only):
                    continue
                with console.status(name):
                    # Warm both up first (statement caches, prepared statements, pools).
                    run(ours, ours_pid, mine, args.clients, 1.0)
                    run(bare, bare_pid, theirs, args.clients, 1.0)
                    o1 = run(ours, ours_pid, mine, args.clients, args.seconds)
                    b1 = run(bare, bare_pid, theirs, args.clients, args.seconds)
                    o2 = run(ours, ours_pid, mine, args.clients, args.seconds)
                    b2 = run(bare, bare_pid, theirs, args.clients, args.seconds)
                ours_rate, base_rate = (o1.rate + o2.rate) / 2, (b1.rate + b2.rate) / 2
                ratio = ours_rate / base_rate
                p50, p99 = percentiles(o1.latencies + o2.latencies)
                b50, b99 = percentiles(b1.latencies + b2.latencies)
                table.add_row(
                    name,
                    f"{ours_rate:.0f}",
                    f"{base_rate:.0f}",
                    f"[{'green' if ratio >= target else 'red'}]{ratio:.2f}x[/]",
                    f">= {target}x",
                    f"{(o1.cpu_ms + o2.cpu_ms) / 2:.1f} ({(b1.cpu_ms + b2.cpu_ms) / 2:.1f})",
                    f"{p50:.1f} / {p99:.1f} ({p99 / p50:.2f}x)",
                    f"{b50:.1f} / {b99:.1f}",
                )
            if not args.only:
                ops, base_ops = mixed_operations(node, draft, item, auth, verify)
                with console.status(f"mixed traffic, {args.mixed_clients} clients"):
                    run(ours, ours_pid, ops[0][1], args.clients, 1.0)
                    mine_mixed = asyncio.run(
                        _mixed(ours, ops, args.mixed_clients, args.mixed_seconds)
                    )
                    theirs_mixed = asyncio.run(
                        _mixed(bare, base_ops, args.mixed_clients, args.mixed_seconds)
                    )
        console.print(table)
        if not args.only:
            console.print(
                mixed_table(
                    f"mixed traffic: {args.mixed_clients} clients for {args.mixed_seconds:.0f} s",
                    mine_mixed,
                    theirs_mixed,
                    args.mixed_seconds,
                    [(name, theirs) for (name, _), (theirs, _) in zip(ops, base_ops, strict=True)],
                )
            )
            if mine_mixed[1]:
                raise SystemExit(f"{mine_mixed[1]} requests failed under mixed load")


if __name__ == "__main__":
    main()
