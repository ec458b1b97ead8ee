"""A shipment's customs journey as a chain of legs, each under one regime and one authority.

The chain is worked out from the route by the rules in `regimes.yaml`: each country the route
crosses is its export, transit or import country, and the first rule that matches it names
its regime. A transit country that is a party to the common transit convention runs its own
NCTS leg, then a T1 into the next party (option A), or one T1 from its entry (option B).
Each leg is opened, decided and ended by the customs authority of its country only, and
its end is proved to the authority of the next leg.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from corridor.exceptions import InvalidInput
from corridor.network import Network, Route

Option = Literal["A", "B"]
_STRICT = ConfigDict(extra="forbid", frozen=True)


class Guarantee(BaseModel):
    """Whether the regime asks for a guarantee: none, required, only for listed goods, or
    UNCONFIRMED; with what is known."""

    model_config = _STRICT

    status: Literal["none", "required", "listed-goods", "UNCONFIRMED"]
    note: str


class Regime(BaseModel):
    """One customs regime a leg can be under, with its sources."""

    model_config = _STRICT

    name: str
    system: str
    declaration: str
    declarant: str
    opens: str
    ends: str
    proof_of_end: str
    guarantee: Guarantee
    time_limit: str
    sources: list[str] = Field(min_length=1)
    ncts: bool = False


class ChainRule(BaseModel):
    """Which regime a country's part of the route is under (first match wins)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    procedure: Literal["export", "transit", "import"]
    regime: str
    country: str | None = None
    modes: list[str] = Field(default_factory=list)
    ctc: bool | None = None
    # Whether the goods travel on a truck (every leg by road, or the truck on a ferry).
    truck: bool | None = None
    then_t1: str | None = None


class CtcParties(BaseModel):
    model_config = _STRICT

    countries: list[str]
    source: str
    unconfirmed: str | None = None


class Regimes(BaseModel):
    """The regimes file, checked: every rule names a known regime, every source a key."""

    model_config = _STRICT

    version: int
    ctc_parties: CtcParties
    regimes: dict[str, Regime]
    chain: list[ChainRule]
    sources: dict[str, str]

    def model_post_init(self, _: object) -> None:
        for rule in self.chain:
            for name in (rule.regime, rule.then_t1):
                if name is not None and name not in self.regimes:
                    raise ValueError(f"chain rule names unknown regime {name!r}")
        for key, regime in self.regimes.items():
            unknown = [s for s in regime.sources if s not in self.sources]
            if unknown:
                raise ValueError(f"regime {key} cites unknown sources {unknown}")

    def ncts_countries(self, countries: Iterable[str]) -> list[str]:
        """Of `countries`, the convention parties (those with a national NCTS)."""
        return sorted({c for c in countries if self.is_ctc(c)})

    def is_ctc(self, country: str) -> bool:
        """Whether `country` is a party to the common transit convention (runs NCTS)."""
        return country in self.ctc_parties.countries


@cache
def shipped() -> Regimes:
    """The regimes shipped with the package."""
    text = resources.files("corridor.customs").joinpath("regimes.yaml").read_text("utf-8")
    return Regimes.model_validate(yaml.safe_load(text))


class Leg(BaseModel):
    """One leg of the chain: its regime, the authority that holds it (opens, decides and
    ends it on its own node), where and when it starts and ends, what is lodged, by whom,
    under which guarantee, and what proves it ended."""

    # Titled apart from the network's legs, for readers of the API's schemas.
    model_config = ConfigDict(**_STRICT, title="CustomsLeg")

    index: int
    regime: str
    name: str
    country: str
    ends_in: str
    procedure: Literal["export", "transit", "import"]
    starts_at: str
    ends_at: str
    opens: datetime
    closes: datetime
    # When the goods leave the authority's country (for a T1 into the next party, before
    # the leg closes there): when the authority hands the goods over.
    leaves: datetime
    system: str
    declaration: str
    declarant: str
    guarantee: Guarantee
    time_limit: str
    proof_of_end: str
    ncts: bool
    sources: list[str]
    option: Option | None = None

    @property
    def unconfirmed(self) -> bool:
        """Whether any fact of this leg is not confirmed by a source."""
        text = " ".join((self.declarant, self.proof_of_end, self.time_limit, self.guarantee.note))
        return "UNCONFIRMED" in text or self.guarantee.status == "UNCONFIRMED"


class _Run(BaseModel):
    country: str
    procedure: Literal["export", "transit", "import"]
    entry: str
    exit: str
    mode: str
    entered: datetime
    left: datetime


def _runs(route: Route, network: Network, departure: datetime) -> list[_Run]:
    """The countries in route order: where and when the goods enter and leave each."""
    nodes = route.nodes
    # Arrival at each node and departure from it (after its dwell; none at the ends).
    at = {nodes[0]: departure}
    leaves = {nodes[0]: departure}
    hours = 0.0
    for i, leg in enumerate(route.legs):
        if i:
            hours += network.nodes[leg.origin].dwell_h
            leaves[leg.origin] = departure + timedelta(hours=hours)
        hours += leg.hours
        at[leg.destination] = departure + timedelta(hours=hours)
    leaves.setdefault(nodes[-1], at[nodes[-1]])
    runs: list[dict[str, object]] = []
    for i, node in enumerate(nodes):
        country = network.nodes[node].country
        mode = route.legs[i - 1].mode.value if i else route.legs[0].mode.value
        if runs and runs[-1]["country"] == country:
            runs[-1]["exit"], runs[-1]["left"] = node, leaves[node]
        else:
            runs.append(
                {"country": country, "entry": node, "exit": node, "mode": mode}
                | {"entered": at[node], "left": leaves[node]}
            )
    out = []
    for i, r in enumerate(runs):
        procedure = "export" if i == 0 else "import" if i == len(runs) - 1 else "transit"
        out.append(_Run.model_validate({**r, "procedure": procedure}))
    return out


def _rule(regimes: Regimes, run: _Run, truck: bool) -> ChainRule:
    for rule in regimes.chain:
        if rule.truck is not None and rule.truck != truck:
            continue
        if rule.procedure != run.procedure:
            continue
        if rule.country is not None and rule.country != run.country:
            continue
        if rule.modes and run.mode not in rule.modes:
            continue
        if rule.ctc is not None and rule.ctc != regimes.is_ctc(run.country):
            continue
        return rule
    raise InvalidInput(
        f"no customs regime is known for {run.procedure} in {run.country}; add a chain rule "
        "to regimes.yaml"
    )


def work_out(
    route: Route,
    network: Network,
    departure: datetime,
    option: Option = "A",
    regimes: Regimes | None = None,
) -> list[Leg]:
    """The chain of legs for a shipment leaving at `departure` along `route`. `option`
    chooses, where a transit country is a CTC party followed by another, between its own
    NCTS leg and a new T1 (A) or one T1 from its entry (B)."""
    data = regimes or shipped()
    runs = _runs(route, network, departure)
    modes = {leg.mode.value for leg in route.legs}
    truck = "road" in modes and modes <= {"road", "ferry"}
    legs: list[Leg] = []

    def add(
        regime: str, run: _Run, end: _Run, start: str, opens: datetime, opt: Option | None
    ) -> None:
        r = data.regimes[regime]
        legs.append(
            Leg(
                index=len(legs),
                regime=regime,
                name=r.name,
                country=run.country,
                ends_in=end.country,
                procedure=run.procedure,
                starts_at=start,
                ends_at=end.entry if end is not run else run.exit,
                opens=opens,
                closes=end.entered if end is not run else run.left,
                leaves=run.left,
                system=r.system,
                declaration=r.declaration,
                declarant=r.declarant,
                guarantee=r.guarantee,
                time_limit=r.time_limit,
                proof_of_end=r.proof_of_end,
                ncts=r.ncts,
                sources=[f"[{s}] {data.sources[s]}" for s in r.sources],
                option=opt,
            )
        )

    for i, run in enumerate(runs):
        rule = _rule(data, run, truck)
        following = runs[i + 1] if i + 1 < len(runs) else None
        t1 = rule.then_t1 and following is not None and data.is_ctc(following.country)
        if not t1:
            add(rule.regime, run, run, run.entry, run.entered, None)
            continue
        assert rule.then_t1 is not None
        assert following is not None
        if option == "A":
            add(rule.regime, run, run, run.entry, run.entered, "A")
            add(rule.then_t1, run, following, run.exit, run.left, "A")
        else:
            add(rule.then_t1, run, following, run.entry, run.entered, "B")
    return legs


def previous(legs: list[Leg], country: str, procedure: str) -> Leg | None:
    """The leg before the one `country`'s authority holds for `procedure`, if any: the leg
    whose proof of end that authority must have verified before accepting the goods."""
    for i, leg in enumerate(legs):
        if leg.country == country and leg.procedure == procedure:
            return legs[i - 1] if i else None
    return None
