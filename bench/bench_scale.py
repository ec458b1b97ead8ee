"""Flat costs as the store grows: p50/p99 of a party's everyday requests on PostgreSQL at
10k, 100k and 1M shipments, and of /verify and /health with 1,000 trusted keys.

The store grows by COPY (`tests.bulk`: a shipper on ~1% of shipments, a carrier on ~15%)
in a database of its own, dropped afterwards. Requests go through the whole app (routing,
API key, service, store, JSON) in process. Each size reports, per operation, p50 and p99 in
milliseconds and p99 as a ratio to the same run's p99 at the smallest size; the last table
fits the growth exponent b of p99 ~ n^b (0 = flat). Baseline, measured at each size in the
same run: a bare primary-key SELECT of one shipment's JSON.

    python bench/bench_scale.py [--sizes 10000,100000,1000000] [--samples 200]
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from _scratch import scratch_database
from fastapi.testclient import TestClient
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import bulk
from tests.conftest import ORGS

from corridor import demo
from corridor.asgi import create_app
from corridor.config import Settings
from corridor.demo.story import documents_for
from corridor.model import DocumentKind
from corridor.services import Context, keys, papers, shipments

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
console = Console()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Bench:
    def __init__(self, url: str, folder: Path) -> None:
        settings = Settings(data_dir=folder, database_url=url)
        self.ctx = Context.open(settings, clock=lambda: NOW)
        self.api_keys = demo.seed(self.ctx, NOW)
        bulk.register(self.ctx, NOW)
        shipper = ORGS[bulk.SHIPPER]
        real = shipments.submit(self.ctx, shipper, demo.draft("SCALE-1"), NOW)
        fields = documents_for(real)[DocumentKind.COMMERCIAL_INVOICE]
        signed = papers.issue_signed(
            self.ctx, shipper, real.id, DocumentKind.COMMERCIAL_INVOICE, fields, NOW
        )
        self.sid, self.token = real.id, signed.token.encode()
        self.client = TestClient(create_app(self.ctx))
        self.client.__enter__()

    def operations(self) -> dict[str, Callable[[], object]]:
        c, sid = self.client, self.sid
        h = {"Authorization": f"Bearer {self.api_keys[bulk.SHIPPER]}"}
        carrier = {"Authorization": f"Bearer {self.api_keys[bulk.CARRIER]}"}
        deep_s = bulk.deep_cursor(self.ctx, bulk.SHIPPER)
        deep_c = bulk.deep_cursor(self.ctx, bulk.CARRIER)
        verify = {"Content-Type": papers.MEDIA_TYPE}

        def ok(r: object) -> object:
            status = getattr(r, "status_code", 0)
            if status != 200:
                raise RuntimeError(f"{status}: {getattr(r, 'text', '')[:300]}")
            return r

        return {
            "list shipper, first page": lambda: ok(c.get("/shipments", headers=h)),
            "list shipper, deep page": lambda: ok(
                c.get("/shipments", params={"after": deep_s}, headers=h)
            ),
            "list carrier, first page": lambda: ok(c.get("/shipments", headers=carrier)),
            "list carrier, deep page": lambda: ok(
                c.get("/shipments", params={"after": deep_c}, headers=carrier)
            ),
            "get": lambda: ok(c.get(f"/shipments/{sid}", headers=h)),
            "events": lambda: ok(c.get(f"/shipments/{sid}/events", headers=h)),
            "ledger": lambda: ok(c.get(f"/shipments/{sid}/ledger", headers=h)),
            "readiness": lambda: ok(c.get(f"/shipments/{sid}/readiness", headers=h)),
            "verify": lambda: ok(c.post("/verify", content=self.token, headers=verify)),
            "health": lambda: ok(c.get("/health")),
        }

    def baseline(self) -> Callable[[], object]:
        stmt = sa.text("SELECT payload FROM shipments WHERE id = :id")

        def bare() -> object:
            with self.ctx.db.engine.connect() as conn:
                return conn.execute(stmt, {"id": self.sid}).scalar_one()

        return bare

    def measure(self, samples: int) -> tuple[dict[str, list[float]], list[float]]:
        ops = self.operations()
        base = self.baseline()
        for fn in (*ops.values(), base):  # warm caches and the pool
            for _ in range(5):
                fn()
        times: dict[str, list[float]] = {name: [] for name in ops}
        base_t: list[float] = []
        # What set-up left behind is not the requests' garbage: keep the collector off it.
        gc.collect()
        gc.freeze()
        for _ in range(samples):
            for name, fn in ops.items():
                t = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            base()
            base_t.append((time.perf_counter() - t) * 1000)
        return times, base_t

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        self.ctx.close()


def exponent(sizes: list[int], values: list[float]) -> float:
    """Least-squares slope of log(value) over log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(v) for v in values]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--keys", type=int, default=1000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    p99: dict[str, list[float]] = {}
    with (
        scratch_database("corridor_scale", console) as url,
        tempfile.TemporaryDirectory() as folder,
    ):
        bench = Bench(url, Path(folder))
        try:
            run(bench, sizes, args.samples, args.keys, p99)
        finally:
            bench.close()
    summary(sizes, p99)


def run(
    bench: Bench, sizes: list[int], samples: int, key_count: int, p99: dict[str, list[float]]
) -> None:
    for i, size in enumerate(sizes):
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"growing the store to {size:,} shipments", total=size)
            progress.update(task, completed=bulk.count(bench.ctx))
            bulk.grow(bench.ctx, bench.sid, size, lambda n, t=task: progress.advance(t, n))
        if i == 0:
            trusted = len(keys.trust_list(bench.ctx).entries)
            times, base = bench.measure(samples)
            report(f"{size:,} shipments, {trusted} trusted keys", times, base, None)
            few = {k: percentile(times[k], 0.99) for k in ("verify", "health")}
            with console.status(f"making {key_count} trusted keys"):
                bulk.grow_keys(bench.ctx, key_count, NOW)
        times, base = bench.measure(samples)
        trusted = len(keys.trust_list(bench.ctx).entries)
        for name, values in times.items():
            p99.setdefault(name, []).append(percentile(values, 0.99))
        report(
            f"{size:,} shipments, {trusted} trusted keys",
            times,
            base,
            {k: v[0] for k, v in p99.items()},
        )
        if i == 0:
            for k, before in few.items():
                console.print(
                    f"{k}: p99 with {trusted} keys is {p99[k][0] / before:.2f}x its p99 with "
                    f"the demo's keys"
                )


def report(
    title: str,
    times: dict[str, list[float]],
    base: list[float],
    first: dict[str, float] | None,
) -> None:
    table = Table(title=title)
    for col in ("operation", "p50 ms", "p99 ms", "p50 / bare SELECT", "p99 / p99 at first size"):
        table.add_column(col, justify="right" if col != "operation" else "left")
    b50 = percentile(base, 0.5)
    for name, values in times.items():
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        growth = f"{p99 / first[name]:.2f}x" if first else "—"
        table.add_row(name, f"{p50:.2f}", f"{p99:.2f}", f"{p50 / b50:.1f}x", growth)
    table.add_row("bare SELECT (baseline)", f"{b50:.3f}", f"{percentile(base, 0.99):.3f}", "1x", "")
    console.print(table)


def summary(sizes: list[int], p99: dict[str, list[float]]) -> None:
    if len(sizes) < 2:
        return
    table = Table(title="growth of p99 with the store (target: within 1.5x, exponent ~ 0)")
    table.add_column("operation")
    table.add_column(f"p99 at {sizes[-1]:,} / at {sizes[0]:,}", justify="right")
    table.add_column("exponent b (p99 ~ n^b)", justify="right")
    for name, values in p99.items():
        table.add_row(name, f"{values[-1] / values[0]:.2f}x", f"{exponent(sizes, values):+.3f}")
    console.print(table)


if __name__ == "__main__":
    main()
