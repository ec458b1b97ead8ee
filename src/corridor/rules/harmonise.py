"""The harmonisation view: who asks for what along a route, and where they differ."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from corridor.rules.loader import PackSet
from corridor.rules.schema import Rule


class Requirement(BaseModel):
    """One rule's substance in parts a page can put in the reader's words."""

    hours_before: float | None = None
    lodged_by: str | None = None
    pre_arrival: bool = False
    optional: bool = False
    documents: list[str] = []
    fields: list[str] = []
    procedures: list[str]
    hs: list[str] = []
    modes: list[str] = []
    blocking: bool


class MatrixRow(BaseModel):
    """One requirement topic across jurisdictions; a missing cell means 'not required'.

    `state`: `same` where every jurisdiction asks the same (or none asks), `some` where those
    that ask, ask the same and the others ask nothing, `differs` where at least two ask
    differently."""

    topic: str
    cells: dict[str, str | None]
    agree: bool
    state: Literal["same", "some", "differs"]
    detail: dict[str, list[Requirement]] = {}


class Matrix(BaseModel):
    """Requirements of several jurisdictions side by side."""

    date: date
    jurisdictions: list[str]
    rows: list[MatrixRow]
    # Topics asked differently by at least two jurisdictions; topics asked by some only.
    differing: int
    partial: int = 0


def describe(rule: Rule) -> str:
    """A rule's substance without its wording, so equal requirements compare equal."""
    parts: list[str] = []
    req = rule.requires
    if req.pre_arrival:
        pa = req.pre_arrival
        when = f"{pa.hours_before:g} h before" if pa.hours_before is not None else "deadline ?"
        parts.append(
            f"{when}, by {pa.lodged_by.replace('_', ' ')}" + ("" if pa.mandatory else ", optional")
        )
    if req.documents:
        parts.append(" + ".join(sorted(d.value for d in req.documents)))
    if req.fields:
        parts.append("fields " + ", ".join(sorted(req.fields)))
    scope = "/".join(sorted(p.value for p in rule.procedures))
    if rule.when.hs:
        scope += " HS " + ",".join(rule.when.hs)
    if rule.when.modes:
        scope += " by " + "/".join(sorted(m.value for m in rule.when.modes))
    text = f"{'; '.join(parts)} [{scope}]"
    if rule.severity.value == "blocking":
        text += " (blocking)"
    return text


def requirement(rule: Rule) -> Requirement:
    """A rule's substance in parts (what `describe` says in one line)."""
    req, pa = rule.requires, rule.requires.pre_arrival
    return Requirement(
        hours_before=pa.hours_before if pa else None,
        lodged_by=pa.lodged_by if pa else None,
        pre_arrival=pa is not None,
        optional=bool(pa and not pa.mandatory),
        documents=sorted(d.value for d in req.documents),
        fields=sorted(req.fields),
        procedures=sorted(p.value for p in rule.procedures),
        hs=list(rule.when.hs),
        modes=sorted(m.value for m in rule.when.modes),
        blocking=rule.severity.value == "blocking",
    )


def _state(values: list[str | None]) -> Literal["same", "some", "differs"]:
    asked = {v for v in values if v}
    if len(asked) > 1:
        return "differs"
    return "some" if asked and None in values else "same"


def matrix(packs: PackSet, jurisdictions: list[str], day: date) -> Matrix:
    """The requirement matrix of the packs in force on `day`."""
    in_force = {j: packs.in_force(j, day) for j in jurisdictions}
    cells: dict[str, dict[str, list[str]]] = {}
    detail: dict[str, dict[str, list[Requirement]]] = {}
    for j, pack in in_force.items():
        if pack is None:
            continue
        cells.setdefault("languages", {})[j] = [", ".join(pack.languages)]
        cells.setdefault("transit_systems", {})[j] = [", ".join(pack.transit_systems) or "-"]
        for rule in pack.rules:
            if (rule.effective_from and day < rule.effective_from) or (
                rule.effective_to and day >= rule.effective_to
            ):
                continue
            cells.setdefault(rule.topic, {}).setdefault(j, []).append(describe(rule))
            detail.setdefault(rule.topic, {}).setdefault(j, []).append(requirement(rule))
    rows = []
    for topic in sorted(cells):
        row = {
            j: ("; ".join(sorted(cells[topic][j])) if j in cells[topic] else None)
            for j in jurisdictions
            if in_force[j] is not None
        }
        values = list(row.values())
        state = _state(values)
        rows.append(
            MatrixRow(
                topic=topic,
                cells=row,
                agree=state == "same",
                state=state,
                detail=detail.get(topic, {}),
            )
        )
    return Matrix(
        date=day,
        jurisdictions=jurisdictions,
        rows=rows,
        differing=sum(r.state == "differs" for r in rows),
        partial=sum(r.state == "some" for r in rows),
    )


def route_jurisdictions(packs: PackSet, countries: list[str]) -> list[str]:
    """Jurisdictions of a route's countries, in route order, each once."""
    out: list[str] = []
    for country in countries:
        j = packs.jurisdiction_for(country)
        if j and j not in out:
            out.append(j)
    return out
