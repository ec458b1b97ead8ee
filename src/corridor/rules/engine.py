"""The readiness engine: shipment + route + documents + date -> readiness report.

For every country on the route it picks the procedure (export where the route starts, import
where it ends, transit between), the jurisdiction's pack in force on the crossing date, and
evaluates each applicable rule. Results are sorted by rule id, so the report does not depend
on the order rules are written in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from corridor.model import DocumentKind, ShipmentDraft
from corridor.network import Mode, Network, Route
from corridor.rules.compiled import Bucket, Compiled, compile_rule, unmet_words
from corridor.rules.conditions import conditions_hold, field_present
from corridor.rules.evidence import Holdings, Said
from corridor.rules.loader import PackSet
from corridor.rules.report import CrossingReport, Outcome, ReadinessReport, RuleResult
from corridor.rules.schema import Pack, Procedure


@dataclass(frozen=True, slots=True)
class Segment:
    """One country on a route: the procedure it applies, where and when it is entered."""

    country: str
    procedure: Procedure
    node: str
    mode: Mode | None
    at: datetime


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
        self._compiled: dict[tuple[int, Procedure], dict[Mode | None, Bucket]] = {}
        # Segment offsets depend only on the route's nodes; shipments share few routes.
        self._offsets: dict[tuple[str, ...], list[tuple[str, Procedure, str, Mode, float]]] = {}
        # The jurisdiction and pack in force for a country on a day.
        self._pack_on: dict[tuple[str, date], tuple[str | None, Pack | None]] = {}
        # The words of a rule not met, per what it misses (few combinations recur).
        self._words: dict[tuple[object, ...], tuple[str, str, tuple[DocumentKind, ...]]] = {}
        for p in packs.packs:
            for proc in Procedure:
                rules = sorted((r for r in p.rules if proc in r.procedures), key=lambda r: r.id)
                compiled = [compile_rule(r) for r in rules]
                self._compiled[id(p), proc] = {
                    mode: Bucket([c for c in compiled if not c.modes or mode in c.modes])
                    for mode in (*Mode, None)
                }

    def check(
        self,
        draft: ShipmentDraft,
        route: Route,
        documents: Collection[DocumentKind],
        departure: datetime | date | None = None,
        unverified: Mapping[DocumentKind, str] | None = None,
        said: Mapping[DocumentKind, Said] | None = None,
    ) -> ReadinessReport:
        """The readiness report of a shipment leaving at `departure` with `documents`
        (verified) and `unverified` evidence (kind -> what it is and who attached it, or why
        it does not count; `said`: the same as message codes): a rule counts unverified
        evidence only where it says why it may."""
        start = _as_datetime(departure or draft.departure or datetime.now(UTC).date())
        have = Holdings(frozenset(documents), unverified or {}, said or {})
        key = tuple(route.nodes)
        offsets = self._offsets.get(key)
        if offsets is None:
            if len(self._offsets) > 4096:
                self._offsets.clear()
            offsets = self._offsets[key] = _offsets(route, self.network)
        look = _Look(draft, have)
        crossings = [
            self._crossing(c, proc, node, mode, start + timedelta(hours=h), look)
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

    def _crossing(
        self,
        country: str,
        procedure: Procedure,
        node: str,
        mode: Mode | None,
        at: datetime,
        look: _Look,
    ) -> CrossingReport:
        """One country's crossing: its pack in force on the day, and its rules' results."""
        day = at.date()
        found = self._pack_on.get((country, day))
        if found is None:
            if len(self._pack_on) > 4096:
                self._pack_on.clear()
            jurisdiction = self.packs.jurisdiction_for(country)
            pack = self.packs.in_force(jurisdiction, day) if jurisdiction else None
            found = self._pack_on[country, day] = (jurisdiction, pack)
        jurisdiction, pack = found
        if pack is None:
            note = (
                f"No rule pack covers {country}; its requirements are not checked."
                if jurisdiction is None
                else f"No {jurisdiction} pack is in force on {day}."
            )
            return CrossingReport(country, jurisdiction, procedure, node, mode, at, None, [], note)
        where = f"{pack.jurisdiction} {procedure.value}"
        results = [
            r
            for c in self._compiled[id(pack), procedure][mode].meeting(look.chapters)
            if (r := self._evaluate(c, day, at, where, look)) is not None
        ]
        return CrossingReport(
            country, jurisdiction, procedure, node, mode, at, pack.version, results, None
        )

    def _evaluate(
        self, c: Compiled, day: date, at: datetime, where: str, look: _Look
    ) -> RuleResult | None:
        if (c.effective_from and day < c.effective_from) or (
            c.effective_to and day >= c.effective_to
        ):
            return None
        if c.hs:
            hit = look.hits(c.hs)
            if not hit:
                return None
            where = f"{where} for {look.items(hit)}"
        if c.extra_conditions and not conditions_hold(c.rule, look.draft):
            return None
        have = look.have
        present = have.with_evidence if c.accepts_unverified is not None else have.verified
        due = at - c.lead if c.lead is not None else None
        if (
            not present.issuperset(c.needed)
            or (c.any_of and any(present.isdisjoint(g) for g in c.any_of))
            or (c.fields and not all(map(look.filled, c.fields)))
        ):
            return self._unmet(c, where, due, look, present)
        if c.pre_words is not None:
            # isoformat is several times faster than strftime on this hot path.
            message = c.pre_words + (
                f"by {due.isoformat(' ', 'minutes')[:16]} UTC."
                if due
                else "(deadline not confirmed)."
            )
        else:
            message = f"{c.in_order}{where})."
        resting: list[str] = []
        rests_on: list[DocumentKind] = []
        if c.accepts_unverified is not None and have.notes:
            rests_on = [d for d in c.named if d in have.notes and d not in have.verified]
            resting = [have.notes[d] for d in rests_on]
            if resting:
                message += f" On unverified evidence ({'; '.join(resting)}): {c.accepts_unverified}"
        return RuleResult(
            c.id,
            c.topic,
            c.title,
            Outcome.PASSED,
            message,
            None,
            due,
            c.legal_status,
            c.source,
            c.reviewed,
            [],
            resting,
            accepts_unverified=c.accepts_unverified if resting else None,
            unverified_said=[have.said.get(d) for d in rests_on],
        )

    def _unmet(
        self,
        c: Compiled,
        where: str,
        due: datetime | None,
        look: _Look,
        present: frozenset[DocumentKind],
    ) -> RuleResult:
        """A rule not met: what is missing, what to do, and what was attached but not counted."""
        lacking = tuple([d for d in c.documents if d not in present])
        unmet = tuple([g for g in c.any_of if present.isdisjoint(g)]) if c.any_of else ()
        empty = tuple([f for f in c.fields if not look.filled(f)]) if c.fields else ()
        key = (lacking, unmet, empty)
        words = self._words.get(key)
        if words is None:
            if len(self._words) > 65536:
                self._words.clear()
            words = self._words[key] = unmet_words(lacking, unmet, empty)
        wanted, provide, missing = words
        # What was attached but does not count here, and why: said in place.
        notes = look.have.notes
        not_counted = [d for d in missing if d in notes] if notes else []
        refused = [notes[d] for d in not_counted]
        why = f" Attached but not counted: {'; '.join(refused)}." if refused else ""
        return RuleResult(
            c.id,
            c.topic,
            c.title,
            Outcome.BLOCKING if c.blocking else Outcome.MISSING,
            f"{c.title}: {wanted} missing ({where}); this {c.verb}.{why}",
            provide,
            due,
            c.legal_status,
            c.source,
            c.reviewed,
            list(missing),
            refused,
            list(lacking),
            [list(g) for g in unmet],
            list(empty),
            unverified_said=[look.have.said.get(d) for d in not_counted],
        )


class _Look:
    """What one check's rules read of the shipment, each worked out once for all of them:
    the goods codes, which fields are filled in, the goods items named, the documents held."""

    __slots__ = ("_filled", "_hits", "_items", "by_chapter", "chapters", "codes", "draft", "have")

    def __init__(self, draft: ShipmentDraft, have: Holdings) -> None:
        self.codes = [g.hs_code for g in draft.goods]
        self.by_chapter: dict[str, list[tuple[int, str]]] = {}
        for i, code in enumerate(self.codes):
            self.by_chapter.setdefault(code[:2], []).append((i, code))
        self.chapters = frozenset(self.by_chapter)
        self.draft = draft
        self.have = have
        self._filled: dict[str, bool] = {}
        self._items: dict[tuple[int, ...], str] = {}
        self._hits: dict[tuple[tuple[str, str, str], ...], tuple[int, ...]] = {}

    def filled(self, path: str) -> bool:
        known = self._filled.get(path)
        if known is None:
            known = self._filled[path] = field_present(self.draft, path)
        return known

    def hits(self, bounds: tuple[tuple[str, str, str], ...]) -> tuple[int, ...]:
        """The goods items whose code falls in any of a rule's HS ranges, in goods order."""
        found = self._hits.get(bounds)
        if found is None:
            chapters = self.by_chapter
            if len(bounds) == 1:
                ((chapter, lo, hi),) = bounds
                found = tuple([i for i, code in chapters.get(chapter, ()) if lo <= code <= hi])
            else:
                found = tuple(
                    sorted(
                        {
                            i
                            for chapter, lo, hi in bounds
                            for i, code in chapters.get(chapter, ())
                            if lo <= code <= hi
                        }
                    )
                )
            self._hits[bounds] = found
        return found

    def items(self, hit: tuple[int, ...]) -> str:
        """The words naming the goods items a rule applies to."""
        words = self._items.get(hit)
        if words is None:
            words = self._items[hit] = ", ".join(f"item {i + 1} (HS {self.codes[i]})" for i in hit)
        return words


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0, 0), tzinfo=UTC)
