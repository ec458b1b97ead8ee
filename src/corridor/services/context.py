"""The running node as the services see it, and who may call them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from corridor.config import Settings
from corridor.customs import chain
from corridor.customs.trader_interface import Folder, NationalNcts
from corridor.exceptions import ExchangeDisabled
from corridor.memo import Memo
from corridor.model import Organisation
from corridor.network import Network, corridor
from corridor.rules import Engine, default_engine, shipped_packs
from corridor.services.keystore import KeyStore
from corridor.services.throttle import Throttle
from corridor.sim.fit import LogNormal
from corridor.store.db import Database

if TYPE_CHECKING:
    from corridor.exchange.runtime import Exchange


@dataclass(frozen=True)
class Administrator:
    """The person at the node's own shell (set-up, key rotation, audits): no organisation,
    and never reachable over the network."""

    id: str = "node-administrator"


NODE_ADMIN = Administrator()
Caller = Organisation | Administrator


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


@dataclass
class Context:
    """One node: its store, network, rule engine, signing keys and (when it runs as a
    national node) its exchange. The doors build one and hand it to every service call."""

    settings: Settings
    db: Database
    network: Network
    engine: Engine
    keys: KeyStore
    exchange: Exchange | None = None
    clock: Callable[[], datetime] = field(default=utc_now)
    # Each registered organisation's role, once read: a role never changes after
    # registration (and an organisation is never deleted), so this cannot go stale.
    # Each organisation's role and the nodes it works at (comma-separated), once read.
    roles: Memo[str, tuple[str, str]] = field(default_factory=lambda: Memo(65_536))
    # The arrival estimates' hop fits (monotonic time fitted, fits), refitted now and then
    # by `corridor.services.arrival`.
    hop_fits: tuple[float, dict[tuple[str, str], LogNormal]] | None = None
    # The national NCTS trader interfaces this node's holders speak to, by country (files
    # in and out by default; a conformance double in the tests and the demo).
    ncts: dict[str, NationalNcts] = field(default_factory=dict)
    # Failed authentications, throttled per key, address and organisation.
    throttle: Throttle = field(default_factory=Throttle)

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        db: Database | None = None,
        network: Network | None = None,
        engine: Engine | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Context:
        """The node over `settings` (its store is opened and migrated unless given)."""
        db = db or Database.open(settings.database_url, pool_size=settings.pool_size)
        if engine is None:
            engine = default_engine() if network is None else Engine(shipped_packs(), network)
        network = network or corridor()
        countries = (n.country for n in network.nodes.values())
        links: dict[str, NationalNcts] = {
            c: Folder(c, settings.data_dir / "ncts")
            for c in chain.shipped().ncts_countries(countries)
        }
        return cls(
            settings=settings,
            db=db,
            network=network,
            engine=engine,
            keys=KeyStore(db, settings.data_dir),
            clock=clock or utc_now,
            ncts=links,
        )

    def close(self) -> None:
        """Release the store's connections."""
        self.db.close()

    @property
    def zone(self) -> ZoneInfo:
        """The time zone this node shows times in: its country's, when it is a national node
        (the country of the organisation running it), else UTC."""
        country = self.exchange.node.organisation.country if self.exchange else None
        return self.network.zone(country)

    def running_exchange(self) -> Exchange:
        """The node's exchange, or ExchangeDisabled when it runs without one."""
        if self.exchange is None:
            raise ExchangeDisabled("this node runs without an exchange; run it as a national node")
        return self.exchange
