"""Readiness checks per second for a Dostyk -> Constanța shipment with 10 goods items, and how
the cost grows with the number of rules.

The figure is printed as a ratio to a baseline measured in the same run: pydantic
validation of the same shipment (the work every submission already does), the two timed in
turn over 30 short rounds, so machine noise cancels out; the median ratio is the figure.
Target: >= 1.3x the baseline, with a cost sub-linear in the rules per pack.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from datetime import date

from corridor.demo import COMPLETING, draft
from corridor.model import DocumentKind, ShipmentDraft
from corridor.network import corridor
from corridor.rules import Engine, shipped_packs
from corridor.rules.loader import PackSet
from corridor.rules.schema import Pack, Rule

HS = [
    "720241",
    "720221",
    "261210",
    "740311",
    "710812",
    "284410",
    "100199",
    "020110",
    "760110",
    "810194",
]


def shipment() -> ShipmentDraft:
    base = draft("BENCH").model_dump(mode="json")
    item = base["goods"][0]
    # Ten lines that together still fit the two boxes.
    line = {**item, "gross_kg": "2020", "net_kg": "2000"}
    base["goods"] = [{**line, "hs_code": hs, "description": f"Goods {hs}"} for hs in HS]
    return ShipmentDraft.model_validate(base)


def rate(fn: Callable[[], object], seconds: float = 1.0) -> float:
    """Calls per second, best of three timed runs."""
    n = 1
    while True:  # calibrate a batch of about 0.1 s
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t > 0.1:
            break
        n *= 2
    best = 0.0
    for _ in range(3):
        t = time.perf_counter()
        count = 0
        while time.perf_counter() - t < seconds / 3:
            for _ in range(n):
                fn()
            count += n
        best = max(best, count / (time.perf_counter() - t))
    return best


def per_call(fn: Callable[[], object], calls: int = 400) -> float:
    """Seconds per call over one short round."""
    t = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t) / calls


def scaled(packs: PackSet, per_pack: int) -> PackSet:
    """Each pack padded with synthetic HS-conditioned rules up to `per_pack` rules."""
    out: list[Pack] = []
    for pack in packs.packs:
        rules: list[Rule] = list(pack.rules)
        template = rules[0]
        i = 0
        while len(rules) < per_pack:
            chapter = 1 + (i * 7) % 97 or 1
            chapter = 1 if chapter == 77 else chapter
            rules.append(
                template.model_copy(
                    update={
                        "id": f"{pack.jurisdiction}-SYN-{i}",
                        "when": template.when.model_copy(
                            update={"hs": [f"{chapter:02d}"], "modes": []}
                        ),
                    }
                )
            )
            i += 1
        out.append(pack.model_copy(update={"rules": rules}))
    return PackSet(tuple(out))


def main() -> None:
    net = corridor()
    s = shipment()
    payload = s.model_dump(mode="json")
    route = net.route("dostyk", "constanta", via=["aktau"])
    docs = {DocumentKind.COMMERCIAL_INVOICE, DocumentKind.PACKING_LIST, *(k for k, _ in COMPLETING)}
    day = date(2026, 3, 2)
    engine = Engine(shipped_packs(), net)

    ratios, bases, checks = [], [], []
    for _ in range(30):
        bases.append(per_call(lambda: ShipmentDraft.model_validate(payload)))
        checks.append(per_call(lambda: engine.check(s, route, docs, day)))
        ratios.append(bases[-1] / checks[-1])
    ratio = statistics.median(ratios)
    print(
        f"baseline  pydantic validation of the shipment: {1 / statistics.median(bases):10,.0f} /s"
    )
    print(
        f"readiness checks (10 goods, 4 countries):      {1 / statistics.median(checks):10,.0f} /s"
        f"  ratio {ratio:.2f}x baseline (median of 30 rounds in turn, "
        f"{min(ratios):.2f}-{max(ratios):.2f}; target >= 1.3x: "
        f"{'met' if ratio >= 1.3 else 'NOT met'})"
    )

    sizes = [10, 20, 40, 80, 160, 320]
    xs, ys = [], []
    for n in sizes:
        e = Engine(scaled(shipped_packs(), n), net)
        per_check = 1 / rate(lambda e=e: e.check(s, route, docs, day), seconds=0.6)
        xs.append(math.log(n))
        ys.append(math.log(per_check))
        print(f"  {n:4d} rules per pack: {per_check * 1e6:8.1f} us per check")
    slope, _ = statistics.linear_regression(xs, ys)
    print(
        f"fitted exponent of cost vs rules per pack: {slope:.2f} (1.0 = linear; the synthetic "
        "rules each name one HS chapter, and a check meets only its goods' chapters)"
    )


if __name__ == "__main__":
    main()
