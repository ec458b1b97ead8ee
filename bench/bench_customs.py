"""Risk assessment of one declaration against the authority's targeting profiles, as a ratio
to pydantic validation of the same declaration (the parsing the node does anyway), and how
its cost grows with the number of profiles.

Targets: at 500 profiles, assessment runs at >= 1x the rate of validating the declaration
(it must cost less than parsing it); the cost is sub-linear in the number of profiles (the
profiles are indexed by HS prefix and origin). The fitted exponent is printed.
"""

from __future__ import annotations

import math
import statistics
from datetime import date

from _timing import paired

from corridor.customs.declarations import from_content, synthetic, synthetic_profiles
from corridor.customs.profiles import LaneRates, Office, ProfileIndex
from corridor.customs.selectivity import assess, calibrate
from corridor.documents.kinds import TransitDeclaration

OFFICE = Office(
    reference="KZAKT001",
    name="Aktau port customs",
    rates=LaneRates(red=1.0, yellow=20.1, blue=0.4),
    min_random=LaneRates(red=0.2, yellow=2.0, blue=0.1),
)
SECRET = b"bench-secret-32-bytes-long......"
DAY = date(2026, 3, 1)
CLAIMS = {
    "document_number": "26KZ00000012345678",
    "issue_date": "2026-03-01",
    "declarant": {"name": "Ақтөбе Ферроқорытпа Экспорт ЖШС", "country": "KZ", "tax_id": "KZ1"},
    "office_of_departure": "Aktau port customs",
    "office_of_destination": "Constanța Sud customs",
    "countries_of_routing": ["KZ", "AZ", "GE", "RO"],
    "guarantee_reference": "26KZ000000000001X0",
    "goods": [
        {
            "sequence": 1,
            "hs_code": "720241",
            "description": "Ferro-chromium, >4% carbon, lumps 10-80 mm",
            "packages": 40,
            "gross_kg": "40400",
            "net_kg": "40000",
            "value": "58000.00",
            "currency": "USD",
            "origin_country": "KZ",
        },
        {
            "sequence": 2,
            "hs_code": "720221",
            "description": "Ferro-silicon, >55% silicon",
            "packages": 20,
            "gross_kg": "20200",
            "net_kg": "20000",
            "value": "27000.00",
            "currency": "USD",
            "origin_country": "KZ",
        },
    ],
    "equipment": [{"number": "CSQU3054383", "seal": "KZ0012345"}],
}


def main() -> None:
    content = {"transit_declaration": CLAIMS}
    aeo: frozenset[str] = frozenset()

    def setup(n: int) -> tuple[ProfileIndex, object]:
        index = ProfileIndex(synthetic_profiles(n, OFFICE, seed=7).profiles, DAY)
        cal = calibrate(synthetic(2000, seed=1, procedure="export"), index, OFFICE, SECRET)
        return index, cal.rates

    index, rates = setup(500)

    def ours() -> object:
        # Reading the facts from the received data is part of the assessment.
        d = from_content("shipment-1:export", "export", content, aeo, 0)
        return assess(d, index, OFFICE, rates, SECRET)  # type: ignore[arg-type]

    def base() -> object:
        return TransitDeclaration.model_validate(CLAIMS)

    ours_rate, base_rate, ratio = paired(ours, base)
    print(f"baseline  pydantic validation of the declaration: {base_rate:10,.0f} /s")
    print(
        f"assessment against 500 profiles:                 {ours_rate:10,.0f} /s  "
        f"ratio {ratio:.2f}x baseline (target >= 1x: {'met' if ratio >= 1 else 'NOT met'})"
    )

    # Cost against the number of profiles, over a spread of synthetic declarations.
    sample = list(synthetic(400, seed=3, procedure="export"))
    xs, ys = [], []
    for n in (50, 200, 500, 2000, 5000):
        idx, r = setup(n)

        def batch(idx: ProfileIndex = idx, r: object = r) -> None:
            for d in sample:
                assess(d, idx, OFFICE, r, SECRET)  # type: ignore[arg-type]

        per, _, _ = paired(batch, lambda: None, rounds=7, batch=1)
        per_decl = 1 / (per * len(sample))
        xs.append(math.log(n))
        ys.append(math.log(per_decl))
        print(f"  {n:5d} profiles: {per_decl * 1e6:7.1f} us per declaration")
    slope, _ = statistics.linear_regression(xs, ys)
    print(
        f"fitted exponent of cost vs profiles: {slope:.2f} (1.0 = linear; target < 1: "
        f"{'met' if slope < 1 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
