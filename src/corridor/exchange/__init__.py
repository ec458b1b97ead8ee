"""Sovereign exchange between national nodes: disclosure policy, sealed and signed envelopes,
transactional outbox, idempotent inbox, and a bus with in-process and NATS JetStream
adapters."""
