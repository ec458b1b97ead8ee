"""A rule pack as the readiness check reads it: each rule flattened into plain attributes
with its words written once and its HS ranges split per chapter, and each pack's rules for a
procedure and a mode of entry indexed by the chapters they name, so that a check meets only
the rules its goods can meet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from corridor.model import DocumentKind
from corridor.network import Mode
from corridor.rules.schema import Rule, Severity, hs_bounds

__all__ = [
    "DOC_WORDS",
    "FIELD_WORDS",
    "Bucket",
    "Compiled",
    "by_chapter",
    "compile_rule",
    "unmet_words",
]


@dataclass(frozen=True, slots=True)
class Compiled:
    """A rule flattened for the hot path: plain attributes, no enum or model lookups."""

    rule: Rule
    id: str
    modes: frozenset[Mode]
    # The HS ranges as (chapter, low, high) per chapter they cover: a goods code is only
    # compared with the ranges of its own chapter.
    hs: tuple[tuple[str, str, str], ...]
    documents: tuple[DocumentKind, ...]
    any_of: tuple[tuple[DocumentKind, ...], ...]
    fields: tuple[str, ...]
    effective_from: date | None
    effective_to: date | None
    blocking: bool
    # Why this rule accepts evidence the corridor cannot verify (None: it does not).
    accepts_unverified: str | None
    extra_conditions: bool
    topic: str
    title: str
    legal_status: str
    source: str | None
    reviewed: date | None
    # The documents the rule needs, every one (a set, checked at once against what is held).
    needed: frozenset[DocumentKind]
    # The words of a result: "<title>: in order (" and what not meeting it does.
    in_order: str
    verb: str
    # Every document the rule can count, named once (what unverified evidence it rests on).
    named: tuple[DocumentKind, ...]
    # Pre-arrival data: how early, and the words before its deadline (None: none asked).
    lead: timedelta | None
    pre_words: str | None


DOC_WORDS = {k: k.value.replace("_", " ") for k in DocumentKind}
FIELD_WORDS = {
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


def compile_rule(rule: Rule) -> Compiled:
    """A rule flattened for the hot path, its words written once."""
    w = rule.when
    return Compiled(
        rule=rule,
        id=rule.id,
        modes=frozenset(w.modes),
        hs=by_chapter(hs_bounds(s) for s in w.hs),
        documents=tuple(rule.requires.documents),
        any_of=tuple(tuple(g) for g in rule.requires.any_of),
        fields=tuple(rule.requires.fields),
        effective_from=rule.effective_from,
        effective_to=rule.effective_to,
        blocking=rule.severity is Severity.BLOCKING,
        accepts_unverified=rule.requires.accepts_unverified,
        extra_conditions=bool(w.equipment or w.gross_kg_over or w.value_over or w.origin_not_in),
        topic=rule.topic,
        title=rule.title,
        legal_status=rule.legal.status.value,
        source=rule.legal.source,
        reviewed=rule.legal.reviewed,
        needed=frozenset(rule.requires.documents),
        in_order=f"{rule.title}: in order (",
        verb="stops the shipment" if rule.severity is Severity.BLOCKING else "is required",
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


class Bucket:
    """The rules of one pack, procedure and mode of entry, sorted by id, indexed by the HS
    chapters they name: a check meets the rules without goods conditions and those of its
    goods' chapters, never the rest."""

    __slots__ = ("_by_chapter", "_chapters", "_plain", "rules")

    def __init__(self, rules: list[Compiled]) -> None:
        self.rules = rules
        self._plain = [i for i, c in enumerate(rules) if not c.hs]
        by_chapter: dict[str, list[int]] = {}
        for i, c in enumerate(rules):
            for chapter in dict.fromkeys(ch for ch, _, _ in c.hs):
                by_chapter.setdefault(chapter, []).append(i)
        self._by_chapter = by_chapter
        self._chapters = frozenset(by_chapter)

    def meeting(self, chapters: frozenset[str]) -> list[Compiled]:
        """The rules a shipment with goods of `chapters` can meet, in id order."""
        if not self._by_chapter:
            return self.rules
        at = set(self._plain)
        by_chapter = self._by_chapter
        for chapter in self._chapters & chapters:
            at.update(by_chapter[chapter])
        rules = self.rules
        return [rules[i] for i in sorted(at)]


def by_chapter(bounds: Iterable[tuple[str, str]]) -> tuple[tuple[str, str, str], ...]:
    """Inclusive 6-digit HS bounds split per chapter: (chapter, low, high) for each."""
    out: list[tuple[str, str, str]] = []
    for lo, hi in bounds:
        for n in range(int(lo[:2]), int(hi[:2]) + 1):
            chapter = f"{n:02d}"
            out.append((chapter, max(lo, chapter + "0000"), min(hi, chapter + "9999")))
    return tuple(out)


def unmet_words(
    lacking: tuple[DocumentKind, ...],
    unmet: tuple[tuple[DocumentKind, ...], ...],
    empty: tuple[str, ...],
) -> tuple[str, str, tuple[DocumentKind, ...]]:
    """What a rule misses, in words (the same for every rule missing the same things): the
    things wanted, what to do, and the documents it lacks."""
    wanted = (
        [DOC_WORDS[d] for d in lacking]
        + [" or ".join(DOC_WORDS[d] for d in g) for g in unmet]
        + [FIELD_WORDS[f] for f in empty]
    )
    provide = "; ".join(
        [f"attach a '{d.value}' document" for d in lacking]
        + ["attach one of " + " or ".join(f"'{d.value}'" for d in g) + " documents" for g in unmet]
        + [f"fill in {FIELD_WORDS[f]}" for f in empty]
    )
    return ", ".join(wanted), provide.capitalize() + ".", (*lacking, *(d for g in unmet for d in g))
