"""The harmonisation view: who asks for what along a route, and where they differ."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from corridor.rules.loader import PackSet
from corridor.rules.schema import Rule


class MatrixRow(BaseModel):
    """One requirement topic across jurisdictions; a missing cell means 'not required'."""

    topic: str
    cells: dict[str, str | None]
    agree: bool


class Matrix(BaseModel):
    """Requirements of several jurisdictions side by side."""

    date: date
    jurisdictions: list[str]
    rows: list[MatrixRow]
    differing: int


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


def matrix(packs: PackSet, jurisdictions: list[str], day: date) -> Matrix:
    """The requirement matrix of the packs in force on `day`."""
    in_force = {j: packs.in_force(j, day) for j in jurisdictions}
    cells: dict[str, dict[str, list[str]]] = {}
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
    rows = []
    for topic in sorted(cells):
        row = {
            j: ("; ".join(sorted(cells[topic][j])) if j in cells[topic] else None)
            for j in jurisdictions
            if in_force[j] is not None
        }
        values = list(row.values())
        rows.append(MatrixRow(topic=topic, cells=row, agree=all(v == values[0] for v in values)))
    return Matrix(
        date=day, jurisdictions=jurisdictions, rows=rows, differing=sum(not r.agree for r in rows)
    )


def route_jurisdictions(packs: PackSet, countries: list[str]) -> list[str]:
    """Jurisdictions of a route's countries, in route order, each once."""
    out: list[str] = []
    for country in countries:
        j = packs.jurisdiction_for(country)
        if j and j not in out:
            out.append(j)
    return out
