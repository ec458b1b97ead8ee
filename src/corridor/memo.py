"""A bounded memo for values that never change once computed (a validated stored draft,
a found route, an organisation's role): lock-free reads, and when full it starts afresh
rather than tracking use, so a hit costs one dictionary lookup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most `size` remembered values, by key."""

    __slots__ = ("_kept", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        """The remembered value, if any."""
        return self._kept.get(key)

    def put(self, key: K, value: V) -> V:
        """Remember `value` (forgetting everything first when full) and return it."""
        if len(self._kept) >= self.size:
            self._kept.clear()
        self._kept[key] = value
        return value

    def get_or(self, key: K, compute: Callable[[], V]) -> V:
        """The remembered value, or `compute()` remembered."""
        found = self._kept.get(key)
        return self.put(key, compute()) if found is None else found

    def __len__(self) -> int:
        return len(self._kept)
