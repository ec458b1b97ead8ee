"""Throttling failed authentications: each failure counts against the key id tried, the
address it came from and, where the key id names one, the organisation; past the limit in
the window, every attempt for that subject is refused with when to try again, whether the
key is right or not. The node's counters are shown on /metrics."""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field

from corridor.exceptions import TooManyAttempts

__all__ = ["LIMITS", "Throttle"]

# Failures allowed per subject kind in the window (seconds): a key id is guessed at, an
# address tries many ids, an organisation is one target.
LIMITS = {"key": 5, "ip": 30, "org": 20}
WINDOW_S = 60.0


@dataclass
class Throttle:
    """Failed authentications in a sliding window, per subject ("key:<id>", "ip:<addr>",
    "org:<id>")."""

    window_s: float = WINDOW_S
    failed_total: int = 0
    refused_total: int = 0
    _failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, subjects: list[str], now_s: float) -> None:
        """TooManyAttempts, saying when to retry, if any subject is over its limit."""
        with self._lock:
            for subject in subjects:
                seen = self._failures.get(subject)
                if not seen:
                    continue
                while seen and seen[0] <= now_s - self.window_s:
                    seen.popleft()
                if len(seen) >= LIMITS[subject.split(":", 1)[0]]:
                    self.refused_total += 1
                    wait = max(1, math.ceil(seen[0] + self.window_s - now_s))
                    raise TooManyAttempts(
                        f"too many failed attempts to authenticate; try again in {wait} s",
                        retry_after=wait,
                    )

    def failed(self, subjects: list[str], now_s: float) -> None:
        """Count one failure against each subject."""
        with self._lock:
            self.failed_total += 1
            for subject in subjects:
                self._failures[subject].append(now_s)
