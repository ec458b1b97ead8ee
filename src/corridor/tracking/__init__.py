"""Custody tracking: GS1 EPCIS 2.0 events with CBV 2.0 hash-based ids, and arrival estimates.

The events are the corridor's own record of every hand-over (stuffing, loading on a wagon or
a vessel, departing, arriving, crossing a border, seal checks, customs holds and releases),
kept as EPCIS 2.0 JSON-LD so any EPCIS repository or accessing application reads them.
"""

# The package's face is its modules, each imported by name.
__all__ = [
    "digital_link",
    "epcis",
    "eta",
    "eventhash",
    "jsonld",
    "validation",
]
