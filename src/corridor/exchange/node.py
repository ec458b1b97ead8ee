"""This node as the exchange sees it: its id, the organisation running it, its store, its
encryption key and its signing key."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nacl.public import PrivateKey

from corridor.documents import Signer, TrustList, signing
from corridor.exchange.envelope import CLOCK_SKEW_S, NodeAddress
from corridor.model import Organisation
from corridor.store.db import Database


@dataclass
class LocalNode:
    """One national node: who runs it, its own store, encryption key and signing key.

    `own_trust` reads the node's own trust list; the directory adds the other nodes' keys.
    """

    node: str
    organisation: Organisation
    db: Database
    box: PrivateKey
    signer: Signer
    own_trust: Callable[[], TrustList]
    # How far ahead of this node's clock the latest envelopes were made (seconds; transit
    # time makes it slightly negative): a large value means a clock is off, here or there.
    offsets: deque[float] = field(default_factory=lambda: deque(maxlen=100))

    def clock_offset(self) -> float | None:
        """The median of `offsets`: how far the peers' clocks run ahead of this node's (a
        negative value: this node's clock is fast), or None before any envelope came in."""
        ordered = sorted(self.offsets)
        return ordered[len(ordered) // 2] if ordered else None

    def clock_warning(self) -> str | None:
        """What to tell someone about to send, when this node's clock is off its peers' by
        half the window a receiver allows or more; None when it is not known to be."""
        offset = self.clock_offset()
        if offset is None or abs(offset) < CLOCK_SKEW_S / 2:
            return None
        side = "ahead of" if offset < 0 else "behind"
        return (
            f"this node's clock runs about {abs(offset):.0f} s {side} its peers' (from the "
            f"last {len(self.offsets)} envelopes received); receivers refuse envelopes made "
            f"more than {CLOCK_SKEW_S} s in their future: correct the clock, then send"
        )

    def address(self) -> NodeAddress:
        """This node's directory entry."""
        return NodeAddress(
            self.node,
            self.organisation.country,
            self.organisation.id,
            signing.b64encode(bytes(self.box.public_key)),
        )


def merged_trust(lists: Iterable[TrustList]) -> TrustList:
    """One corridor trust list from each node's own."""
    entries = {kid: e for tl in lists for kid, e in tl.entries.items()}
    return TrustList(list(entries.values()))
