"""Timing shared by the benchmarks: interleaved rounds, so machine noise hits both sides."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def paired(
    ours: Callable[[], object], base: Callable[[], object], rounds: int = 41, batch: int = 40
) -> tuple[float, float, float]:
    """Each round times a batch of `base` then a batch of `ours`. Returns (ours per second,
    base per second, median of the per-round ratios ours/base in throughput)."""
    ratios, ours_t, base_t = [], [], []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(batch):
            base()
        b = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(batch):
            ours()
        o = time.perf_counter() - t
        ratios.append(b / o)
        ours_t.append(o)
        base_t.append(b)
    return (
        batch / statistics.median(ours_t),
        batch / statistics.median(base_t),
        statistics.median(ratios),
    )
