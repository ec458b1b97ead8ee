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
    # time makes it slightly negative), by the node that made each: a large value means a
    # clock is off, here or there.
    offsets: deque[tuple[str, float]] = field(default_factory=lambda: deque(maxlen=200))

    def heard(self, peer: str, offset: float) -> None:
        """Note how far ahead of this node's clock an envelope from `peer` was made."""
        self.offsets.append((peer, offset))

    def peer_offsets(self) -> dict[str, float]:
        """Each peer's clock against this node's: the freshest of its recent envelopes
        (the largest offset). A delivery held up by an outage only makes an envelope look
        older, never newer, so a backlog never passes for a clock that runs behind."""
        freshest: dict[str, float] = {}
        for peer, offset in self.offsets:
            freshest[peer] = max(offset, freshest.get(peer, offset))
        return freshest

    def clock_offset(self) -> float | None:
        """The median over the peers of how far their clocks run ahead of this node's (a
        negative value: this node's clock is fast), or None before any envelope came in."""
        ordered = sorted(self.peer_offsets().values())
        return ordered[len(ordered) // 2] if ordered else None

    def clock_warning(self) -> str | None:
        """What to tell someone about to send, when this node's clock is off its peers' by
        half the window a receiver allows or more: this node's own clock when at least two
        peers agree on it, else the one peer whose clock is off. None when neither is known."""
        peers = self.peer_offsets()
        off = {p: o for p, o in peers.items() if abs(o) >= CLOCK_SKEW_S / 2}
        if not off:
            return None
        offset = self.clock_offset()
        if len(peers) >= 2 and offset is not None and abs(offset) >= CLOCK_SKEW_S / 2:
            side = "ahead of" if offset < 0 else "behind"
            return (
                f"this node's clock runs about {abs(offset):.0f} s {side} its peers' (by the "
                f"freshest envelopes of {len(peers)} nodes); receivers refuse envelopes made "
                f"more than {CLOCK_SKEW_S} s in their future: correct the clock, then send"
            )
        return "; ".join(
            f"node {p}'s clock runs about {abs(o):.0f} s {'ahead of' if o > 0 else 'behind'} "
            "this node's (the others agree with this node): that node's clock needs correcting"
            for p, o in sorted(off.items())
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
