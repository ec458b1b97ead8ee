"""Sovereign exchange between national nodes: disclosure policy, sealed and signed envelopes,
transactional outbox, idempotent inbox, and a bus with in-process and NATS JetStream
adapters."""

# The package's face is its modules, each imported by name.
__all__ = [
    "admission",
    "broker",
    "bus",
    "checkpoint",
    "delivery",
    "directory",
    "envelope",
    "hold",
    "intake",
    "jetstream",
    "node",
    "outbox",
    "payload",
    "policy",
    "receipts",
    "runtime",
    "witness",
]
