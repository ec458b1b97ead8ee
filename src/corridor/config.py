"""Node settings, read from the environment once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_threads() -> int:
    """Two request threads a CPU, at least four."""
    return max(4, 2 * (os.cpu_count() or 2))


@dataclass(frozen=True)
class Settings:
    """Where the node keeps its data and how much it accepts."""

    data_dir: Path
    database_url: str
    max_json_bytes: int = 1 << 20
    max_document_bytes: int = 10 << 20
    # Requests served at once (worker threads); the store's connection pool is sized to
    # them, plus a few for the exchange loop, so no request waits for a connection. By
    # default two a CPU (at least four): on two cores, four gave the throughput of sixteen
    # with a shorter tail.
    threads: int = 16
    # Keep what start-up built out of the garbage collector's reach once the app has started
    # (a served node; tests that build many apps in one process leave it off).
    freeze_heap: bool = False
    # Servers of the NATS cluster that keep each exchanged message (1: a single server).
    nats_replicas: int = 1
    # This node's broker user (an nkey seed file), when the broker asks for one.
    nats_nkey: Path | None = None

    @property
    def pool_size(self) -> int:
        """Database connections the node keeps: one per worker thread, and the exchange's."""
        return self.threads + 4

    @classmethod
    def from_env(cls) -> Settings:
        """CORRIDOR_DATA_DIR (default ./var), CORRIDOR_DATABASE_URL (default: SQLite there),
        CORRIDOR_THREADS (requests served at once, default two a CPU, at least four),
        CORRIDOR_FREEZE_HEAP (0 keeps start-up's objects within the collector's reach; by
        default a served node freezes them), CORRIDOR_NATS_REPLICAS (copies of each message
        in a NATS cluster, default 1) and
        CORRIDOR_NATS_NKEY (the node's broker user seed file, when the broker authenticates
        nodes)."""
        data_dir = Path(os.environ.get("CORRIDOR_DATA_DIR", "var")).resolve()
        url = os.environ.get("CORRIDOR_DATABASE_URL") or f"sqlite:///{data_dir / 'corridor.db'}"
        threads = int(os.environ.get("CORRIDOR_THREADS") or default_threads())
        replicas = int(os.environ.get("CORRIDOR_NATS_REPLICAS") or cls.nats_replicas)
        nkey = os.environ.get("CORRIDOR_NATS_NKEY")
        return cls(
            data_dir=data_dir,
            database_url=url,
            threads=max(1, threads),
            freeze_heap=os.environ.get("CORRIDOR_FREEZE_HEAP", "1") != "0",
            nats_replicas=min(5, max(1, replicas)),
            nats_nkey=Path(nkey).resolve() if nkey else None,
        )
