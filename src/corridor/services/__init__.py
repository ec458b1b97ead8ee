"""One home per workflow: the only implementation of each thing a user can do.

The doors (`api`, `cli`, `web`) call these modules and nothing below them. Each public
function is one transaction, takes the caller's identity (an `Organisation`, or
`NODE_ADMIN` for the person at the node's own shell) and the time, and refuses a request
before anything is written, or rolls everything back (rows and files alike).

    context        the running node: store, network, rule engine, key store, exchange
    organisations  members of the node and the public directory of organisations
    credentials    enrolment, API keys, suspension, key-event ledgers
    authentication which organisation (or officer) an API key stands for
    keystore       private key files and trust-list rows (KeyStore)
    keys           rotating and revoking signing keys, the trust list a node verifies with
    federation     country roots, node requests and certificates, what a node publishes
    shipments      submission, access by party, the stored view
    timeline       a shipment's steps and movements in time order, and its status
    readiness      a shipment re-checked against every border with the papers that count
    listing        a party's shipments a page at a time (keyset cursor), as summaries
    ledgers        a shipment's ledger, verified against its documents and witnesses
    papers         signed and raw documents, paper copies, verification
    rules          checking drafts, the harmonisation matrix, rule packs
    disclosure     pre-arrival data to the route's authorities, the inbox, the directory
    inbound        the exchange's turns: sending, taking in, and the customs assessment
    backlog        what the exchange has not yet taken in: dead letters, held envelopes
    node_health    the node's health: store, exchange, clocks, what waits
    network        the corridor's nodes and routes
    capture        EPCIS 2.0 documents checked, entitled and stored whole or not at all
    tracking       custody events (EPCIS 2.0): recording a hand-over, importing rows
    event_query    the EPCIS events query, by entitlement
    arrival        arrival estimates from the last event, and their backtest
    emissions      ISO 14083 / GLEC statements and route alternatives by CO2e
    simulation     the corridor simulator's runs and reports
"""

from corridor.services.context import NODE_ADMIN, Administrator, Caller, Context

__all__ = ["NODE_ADMIN", "Administrator", "Caller", "Context"]
