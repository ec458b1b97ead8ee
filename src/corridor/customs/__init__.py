"""Customs at the border: targeting profiles and selectivity, the transit operation's
state machine, MRN/GRN references, and NCTS Phase 5 messages. Runs on an authority's own
node; nothing here leaves it except the messages a trader is meant to receive."""

# The package's face is its modules, each imported by name.
__all__ = [
    "chain",
    "declarations",
    "messages",
    "movements",
    "ncts",
    "profiles",
    "references",
    "selectivity",
    "trader_interface",
    "transit",
]
