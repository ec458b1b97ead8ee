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
from typing import Any

from corridor.model import DocumentKind, ShipmentDraft
from corridor.network import Mode, Network, Route
from corridor.rules.conditions import conditions_hold, field_present
from corridor.rules.evidence import Holdings
from corridor.rules.loader import PackSet
from corridor.rules.report import CrossingReport, Outcome, ReadinessReport, RuleResult
from corridor.rules.schema import Procedure, Rule, Severity, hs_bounds


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
    # Every document the rule can count, named once (what unverified evidence it rests on).
    named: tuple[DocumentKind, ...]
    # Pre-arrival data: how early, and the words before its deadline (None: none asked).
    lead: timedelta | None
    pre_words: str | None


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
        # Within a bucket, one list per mode of entry holds the rules that mode can meet.
        self._compiled: dict[tuple[int, Procedure], dict[Mode | None, list[_Compiled]]] = {}
        # Segment offsets depend only on the route's nodes; shipments share few routes.
        self._offsets: dict[tuple[str, ...], list[tuple[str, Procedure, str, Mode, float]]] = {}
        for p in packs.packs:
            for proc in Procedure:
                rules = sorted((r for r in p.rules if proc in r.procedures), key=lambda r: r.id)
                compiled = [self._compile(r) for r in rules]
                self._compiled[id(p), proc] = {
                    mode: [c for c in compiled if not c.modes or mode in c.modes]
                    for mode in (*Mode, None)
                }

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
            named=(*rule.requires.documents, *(d for g in rule.requires.any_of for d in g)),
            lead=timedelta(hours=pre.hours_before)
            if (pre := rule.requires.pre_arrival) and pre.hours_before is not None
            else None,
            pre_words=(
                f"{rule.title}: {'mandatory' if pre.mandatory else 'optional'} pre-arrival "
                f"data to {pre.system}, lodged by the {pre.lodged_by.replace('_', ' ')} "
            )
            if pre
            else None,
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
        look = _Look(draft, have)
        crossings = [
            self._crossing(Segment(c, proc, node, mode, start + timedelta(hours=h)), look)
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

    def _crossing(self, seg: Segment, look: _Look) -> CrossingReport:
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
        where = f"{pack.jurisdiction} {seg.procedure_name}"
        results = [
            r
            for c in self._compiled[id(pack), seg.procedure][seg.mode]
            if (r := self._evaluate(c, seg, where, look)) is not None
        ]
        return CrossingReport(**base, pack_version=pack.version, results=results, note=None)

    @staticmethod
    def _evaluate(c: _Compiled, seg: Segment, where: str, look: _Look) -> RuleResult | None:
        day = seg.day
        if (c.effective_from and day < c.effective_from) or (
            c.effective_to and day >= c.effective_to
        ):
            return None
        if c.hs:
            hit: list[int] = []
            for i, code in enumerate(look.codes):
                for lo, hi in c.hs:
                    if lo <= code <= hi:
                        hit.append(i)
                        break
            if not hit:
                return None
            where = f"{where} for {look.items(tuple(hit))}"
        if c.extra_conditions and not conditions_hold(c.rule, look.draft):
            return None
        have = look.have
        present = have.with_evidence if c.accepts_unverified is not None else have.verified
        lacking = [d for d in c.documents if d not in present]
        unmet = [g for g in c.any_of if not any(d in present for d in g)]
        empty = [f for f in c.fields if not look.filled(f)]
        due = seg.at - c.lead if c.lead is not None else None
        if lacking or unmet or empty:
            return _unmet(c, where, due, have, lacking, unmet, empty)
        if c.pre_words is not None:
            # isoformat is several times faster than strftime on this hot path.
            message = c.pre_words + (
                f"by {due.isoformat(' ', 'minutes')[:16]} UTC."
                if due
                else "(deadline not confirmed)."
            )
        else:
            message = f"{c.rule.title}: in order ({where})."
        resting: list[str] = []
        if c.accepts_unverified is not None and have.notes:
            resting = [have.notes[d] for d in c.named if d in have.notes and d not in have.verified]
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


class _Look:
    """What one check's rules read of the shipment, each worked out once for all of them:
    the goods codes, which fields are filled in, the goods items named, the documents held."""

    __slots__ = ("_filled", "_items", "codes", "draft", "have")

    def __init__(self, draft: ShipmentDraft, have: Holdings) -> None:
        self.codes = [g.hs_code for g in draft.goods]
        self.draft = draft
        self.have = have
        self._filled: dict[str, bool] = {}
        self._items: dict[tuple[int, ...], str] = {}

    def filled(self, path: str) -> bool:
        known = self._filled.get(path)
        if known is None:
            known = self._filled[path] = field_present(self.draft, path)
        return known

    def items(self, hit: tuple[int, ...]) -> str:
        """The words naming the goods items a rule applies to."""
        words = self._items.get(hit)
        if words is None:
            words = self._items[hit] = ", ".join(f"item {i + 1} (HS {self.codes[i]})" for i in hit)
        return words


def _unmet(
    c: _Compiled,
    where: str,
    due: datetime | None,
    have: Holdings,
    lacking: list[DocumentKind],
    unmet: list[tuple[DocumentKind, ...]],
    empty: list[str],
) -> RuleResult:
    """A rule not met: what is missing, what to do, and what was attached but not counted."""
    wanted = (
        [_DOC_WORDS[d] for d in lacking]
        + [" or ".join(_DOC_WORDS[d] for d in g) for g in unmet]
        + [_FIELD_WORDS[f] for f in empty]
    )
    verb = "stops the shipment" if c.blocking else "is required"
    provide = "; ".join(
        [f"attach a '{d.value}' document" for d in lacking]
        + ["attach one of " + " or ".join(f"'{d.value}'" for d in g) + " documents" for g in unmet]
        + [f"fill in {_FIELD_WORDS[f]}" for f in empty]
    )
    missing = lacking + [d for g in unmet for d in g]
    # What was attached but does not count here, and why: said in place.
    refused = [have.notes[d] for d in missing if d in have.notes]
    why = f" Attached but not counted: {'; '.join(refused)}." if refused else ""
    return RuleResult(
        **c.common,
        due=due,
        outcome=Outcome.BLOCKING if c.blocking else Outcome.MISSING,
        provide=provide.capitalize() + ".",
        lacking=missing,
        message=f"{c.rule.title}: {', '.join(wanted)} missing ({where}); this {verb}.{why}",
        unverified=refused,
    )


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0, 0), tzinfo=UTC)
