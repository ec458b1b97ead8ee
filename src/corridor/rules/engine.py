"""The readiness engine: shipment + route + documents + date -> readiness report.

For every country on the route it picks the procedure (export where the route starts, import
where it ends, transit between), the jurisdiction's pack in force on the crossing date, and
evaluates each applicable rule. Results are sorted by rule id, so the report does not depend
on the order rules are written in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from corridor.model import DocumentKind, ShipmentDraft
from corridor.network import Mode, Network, Route
from corridor.rules.conditions import conditions_hold, field_present
from corridor.rules.evidence import Holdings
from corridor.rules.loader import PackSet
from corridor.rules.schema import Pack, Procedure, Rule, Severity, hs_bounds


class Outcome(StrEnum):
    """What a rule found."""

    PASSED = "passed"
    MISSING = "missing"
    BLOCKING = "blocking"


@dataclass(slots=True)
class RuleResult:
    """One applicable rule's verdict, in words a shipper understands.

    A plain dataclass: a check makes dozens of these, and pydantic validates them only when
    a stored report is read back.
    """

    rule_id: str
    topic: str
    title: str
    outcome: Outcome
    message: str
    provide: str | None
    due: datetime | None
    legal_status: str
    source: str | None
    # When the rule was last checked against its source: how far the user may rely on it.
    reviewed: date | None = None
    # The documents whose absence this result reports (what a form offers to issue).
    lacking: list[DocumentKind] = field(default_factory=list)
    # Evidence this result rests on or refused that was attached, not verified here: each
    # says what it is and who attached it (the rule accepts it only if it says why).
    unverified: list[str] = field(default_factory=list)


@dataclass(slots=True)
class CrossingReport:
    """One country on the route, the procedure it applies and its rules' results."""

    country: str
    jurisdiction: str | None
    procedure: Procedure
    node: str
    mode: Mode | None
    at: datetime
    pack_version: str | None
    results: list[RuleResult]
    note: str | None


class ReadinessReport(BaseModel):
    """Whether a shipment can leave with nothing missing at any border."""

    reference: str
    departure: datetime
    ready: bool
    passed: int
    missing: int
    blocking: int
    crossings: list[CrossingReport]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A rule flattened for the hot path: plain attributes, no enum or model lookups."""

    rule: Rule
    id: str
    modes: frozenset[Mode]
    hs: tuple[tuple[str, str], ...]
    documents: tuple[DocumentKind, ...]
    any_of: tuple[tuple[DocumentKind, ...], ...]
    fields: tuple[str, ...]
    effective_from: date | None
    effective_to: date | None
    blocking: bool
    # Why this rule accepts evidence the corridor cannot verify (None: it does not).
    accepts_unverified: str | None
    extra_conditions: bool
    common: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Segment:
    """One country on a route: the procedure it applies, where and when it is entered."""

    country: str
    procedure: Procedure
    node: str
    mode: Mode | None
    at: datetime
    day: date = field(init=False)
    procedure_name: str = field(init=False)

    def __post_init__(self) -> None:
        # Looked up once per crossing rather than once per rule.
        object.__setattr__(self, "day", self.at.date())
        object.__setattr__(self, "procedure_name", self.procedure.value)


_DOC_WORDS = {k: k.value.replace("_", " ") for k in DocumentKind}
_FIELD_WORDS = {
    "forwarder": "the forwarder",
    "departure": "the planned departure date",
    "destination_country": "the country of destination",
    "carriers": "the carriers",
    "goods[].origin_country": "each goods item's country of origin",
    "goods[].package_type": "each goods item's package type",
    "goods[].description": "each goods item's description",
    "containers[].seal": "each container's seal number",
    "wagons[].seal": "each wagon's seal number",
}


def _offsets(route: Route, network: Network) -> list[tuple[str, Procedure, str, Mode, float]]:
    """Countries in route order: procedure, entry node, mode and hours after departure."""
    hours = 0.0
    out: list[tuple[str, Procedure, str, Mode, float]] = []
    origin = network.nodes[route.origin]
    for i, leg in enumerate(route.legs):
        a, b = network.nodes[leg.origin], network.nodes[leg.destination]
        if i:
            hours += a.dwell_h
        if a.country != b.country and not out:
            out.append((origin.country, Procedure.EXPORT, a.id, leg.mode, hours))
        hours += leg.hours
        if a.country != b.country:
            out.append((b.country, Procedure.TRANSIT, b.id, leg.mode, hours))
    if out:
        country, _, node, mode, at = out[-1]
        out[-1] = (country, Procedure.IMPORT, node, mode, at)
    return out


def segments(route: Route, network: Network, departure: datetime) -> list[Segment]:
    """Countries in route order with their procedure, entry node, mode and crossing time."""
    return [
        Segment(country, proc, node, mode, departure + timedelta(hours=h))
        for country, proc, node, mode, h in _offsets(route, network)
    ]


class Engine:
    """Rule packs compiled for fast, repeatable checks."""

    def __init__(self, packs: PackSet, network: Network) -> None:
        self.packs = packs
        self.network = network
        # Rules bucketed by pack and procedure, sorted by id: a check only walks the rules
        # that can apply, and results come out in a fixed order whatever the file order.
        self._compiled: dict[tuple[int, Procedure], list[_Compiled]] = {}
        # Segment offsets depend only on the route's nodes; shipments share few routes.
        self._offsets: dict[tuple[str, ...], list[tuple[str, Procedure, str, Mode, float]]] = {}
        for p in packs.packs:
            for proc in Procedure:
                rules = sorted((r for r in p.rules if proc in r.procedures), key=lambda r: r.id)
                self._compiled[id(p), proc] = [self._compile(r) for r in rules]

    @staticmethod
    def _compile(rule: Rule) -> _Compiled:
        w = rule.when
        return _Compiled(
            rule=rule,
            id=rule.id,
            modes=frozenset(w.modes),
            hs=tuple(hs_bounds(s) for s in w.hs),
            documents=tuple(rule.requires.documents),
            any_of=tuple(tuple(g) for g in rule.requires.any_of),
            fields=tuple(rule.requires.fields),
            effective_from=rule.effective_from,
            effective_to=rule.effective_to,
            blocking=rule.severity is Severity.BLOCKING,
            accepts_unverified=rule.requires.accepts_unverified,
            extra_conditions=bool(
                w.equipment or w.gross_kg_over or w.value_over or w.origin_not_in
            ),
            common={
                "rule_id": rule.id,
                "topic": rule.topic,
                "title": rule.title,
                "legal_status": rule.legal.status.value,
                "source": rule.legal.source,
                "reviewed": rule.legal.reviewed,
            },
        )

    def check(
        self,
        draft: ShipmentDraft,
        route: Route,
        documents: Collection[DocumentKind],
        departure: datetime | date | None = None,
        unverified: Mapping[DocumentKind, str] | None = None,
    ) -> ReadinessReport:
        """The readiness report of a shipment leaving at `departure` with `documents`
        (verified) and `unverified` evidence (kind -> what it is and who attached it, or why
        it does not count): a rule counts unverified evidence only where it says why it may."""
        start = _as_datetime(departure or draft.departure or datetime.now(UTC).date())
        have = Holdings(frozenset(documents), unverified or {})
        key = tuple(route.nodes)
        offsets = self._offsets.get(key)
        if offsets is None:
            if len(self._offsets) > 4096:
                self._offsets.clear()
            offsets = self._offsets[key] = _offsets(route, self.network)
        crossings = [
            self._crossing(Segment(c, proc, node, mode, start + timedelta(hours=h)), draft, have)
            for c, proc, node, mode, h in offsets
        ]
        counts = dict.fromkeys(Outcome, 0)
        for c in crossings:
            for r in c.results:
                counts[r.outcome] += 1
        return ReadinessReport.model_construct(
            reference=draft.reference,
            departure=start,
            ready=counts[Outcome.MISSING] == counts[Outcome.BLOCKING] == 0,
            passed=counts[Outcome.PASSED],
            missing=counts[Outcome.MISSING],
            blocking=counts[Outcome.BLOCKING],
            crossings=crossings,
        )

    def _crossing(self, seg: Segment, draft: ShipmentDraft, have: Holdings) -> CrossingReport:
        jurisdiction = self.packs.jurisdiction_for(seg.country)
        pack = self.packs.in_force(jurisdiction, seg.at.date()) if jurisdiction else None
        base: dict[str, Any] = {
            "country": seg.country,
            "jurisdiction": jurisdiction,
            "procedure": seg.procedure,
            "node": seg.node,
            "mode": seg.mode,
            "at": seg.at,
        }
        if pack is None:
            note = (
                f"No rule pack covers {seg.country}; its requirements are not checked."
                if jurisdiction is None
                else f"No {jurisdiction} pack is in force on {seg.at.date()}."
            )
            return CrossingReport(**base, pack_version=None, results=[], note=note)
        codes = [g.hs_code for g in draft.goods]
        results = [
            r
            for c in self._compiled[id(pack), seg.procedure]
            if (r := self._evaluate(c, pack, seg, draft, codes, have)) is not None
        ]
        return CrossingReport(**base, pack_version=pack.version, results=results, note=None)

    def _evaluate(
        self,
        c: _Compiled,
        pack: Pack,
        seg: Segment,
        draft: ShipmentDraft,
        codes: list[str],
        have: Holdings,
    ) -> RuleResult | None:
        day = seg.day
        if (c.effective_from and day < c.effective_from) or (
            c.effective_to and day >= c.effective_to
        ):
            return None
        if c.modes and seg.mode not in c.modes:
            return None
        if not c.hs:
            goods_hit: list[int] = []
        else:
            goods_hit = []
            for i, code in enumerate(codes):
                for lo, hi in c.hs:
                    if lo <= code <= hi:
                        goods_hit.append(i)
                        break

        if c.hs and not goods_hit:
            return None
        if c.extra_conditions and not conditions_hold(c.rule, draft):
            return None
        rule = c.rule
        where = f"{pack.jurisdiction} {seg.procedure_name}"
        if goods_hit:
            items = ", ".join(f"item {i + 1} (HS {codes[i]})" for i in goods_hit)
            where += f" for {items}"
        present = have.counted(c.accepts_unverified is not None)
        lacking = [d for d in c.documents if d not in present]
        unmet = [g for g in c.any_of if not any(d in present for d in g)]
        empty = [f for f in c.fields if not field_present(draft, f)]
        pre = rule.requires.pre_arrival
        due = (
            seg.at - timedelta(hours=pre.hours_before)
            if pre and pre.hours_before is not None
            else None
        )
        if lacking or unmet or empty:
            wanted = (
                [_DOC_WORDS[d] for d in lacking]
                + [" or ".join(_DOC_WORDS[d] for d in g) for g in unmet]
                + [_FIELD_WORDS[f] for f in empty]
            )
            outcome = Outcome.BLOCKING if c.blocking else Outcome.MISSING
            verb = "stops the shipment" if c.blocking else "is required"
            provide = "; ".join(
                [f"attach a '{d.value}' document" for d in lacking]
                + [
                    "attach one of " + " or ".join(f"'{d.value}'" for d in g) + " documents"
                    for g in unmet
                ]
                + [f"fill in {_FIELD_WORDS[f]}" for f in empty]
            )
            missing = lacking + [d for g in unmet for d in g]
            # What was attached but does not count here, and why: said in place.
            refused = [have.notes[d] for d in missing if d in have.notes]
            why = f" Attached but not counted: {'; '.join(refused)}." if refused else ""
            return RuleResult(
                **c.common,
                due=due,
                outcome=outcome,
                provide=provide.capitalize() + ".",
                lacking=missing,
                message=f"{rule.title}: {', '.join(wanted)} missing ({where}); this {verb}.{why}",
                unverified=refused,
            )
        resting = (
            [
                have.notes[d]
                for d in (*c.documents, *(d for g in c.any_of for d in g))
                if d in have.notes and d not in have.verified
            ]
            if c.accepts_unverified is not None
            else []
        )
        message = f"{rule.title}: in order ({where})."
        if pre:
            # isoformat is several times faster than strftime on this hot path.
            when = (
                f"by {due.isoformat(' ', 'minutes')[:16]} UTC"
                if due
                else "(deadline not confirmed)"
            )
            kind = "mandatory" if pre.mandatory else "optional"
            message = (
                f"{rule.title}: {kind} pre-arrival data to {pre.system}, lodged by the "
                f"{pre.lodged_by.replace('_', ' ')} {when}."
            )
        if resting:
            message += f" On unverified evidence ({'; '.join(resting)}): {c.accepts_unverified}"
        return RuleResult(
            **c.common,
            due=due,
            outcome=Outcome.PASSED,
            provide=None,
            message=message,
            unverified=resting,
        )


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0, 0), tzinfo=UTC)
