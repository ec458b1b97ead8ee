"""Domain exceptions shared by every corridor package.

The tree::

    CorridorError
     ├── InvalidInput            input is wrong; the message says what to send instead
     │    ├── UnknownNode        a node id that is not in the corridor network
     │    ├── UnknownOrganisation a party id that is not registered on this node
     │    ├── MalformedJson  a body that is not JSON at all
     │    └── RulePackError      a rule pack is malformed; nothing from it was loaded
     │         └── ProfileError  a targeting profile set is malformed
     ├── NoRoute                 the network has no path between two nodes
     ├── NotReady                a shipment would be held at a border: something is missing
     ├── NotFound                the thing does not exist, or the caller may not know it does
     ├── Conflict                the request clashes with what is already stored
     │    └── ExchangeDisabled   the node runs without an exchange (its state, not the input)
     ├── InvalidTransition       a movement cannot take that step from its current state
     ├── AuthenticationFailed    no credentials, or credentials that are not valid
     ├── PermissionDenied        valid credentials without the right to do this
     ├── PayloadTooLarge         a body or file over the size limit
     ├── VerificationFailed      a document is not valid; one reason code says why
     ├── LedgerBroken            a shipment's ledger fails verification at one entry
     ├── EnvelopeRejected        a node-to-node envelope is refused; one reason code says why
     └── StoreUnavailable        the database cannot be reached or refused the operation

Domain code raises these. `HTTP_STATUS` gives each its HTTP status, one table for both
HTTP doors (the API's problem responses in ``corridor.api.problems``, the web UI's error
pages); the CLI maps them to exit codes in ``corridor.cli``. Messages never name an
HTTP route or a command: an error that has a next step carries a `hint` (one of `HINTS`),
and each door words that step its own way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field; `said` is the message's code and parameters
    (`corridor.messages`) when it has them, so a door can word it in its reader's language."""

    field: str
    message: str
    said: tuple[str, dict[str, str]] | None = None


# The next steps an error may point to; each door (API, CLI, web) says how to take them.
HINTS = ("list_nodes", "list_organisations", "rotate_key", "run_as_node")


class CorridorError(Exception):
    """Base class of every error the corridor raises on purpose."""

    code = "corridor-error"
    title = "Corridor error"
    hint: str | None = None

    def __init__(
        self,
        detail: str,
        errors: list[FieldError] | None = None,
        hint: str | None = None,
        said: tuple[str, dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        # The detail's message code and parameters (`corridor.messages`), when it has them.
        self.said = said
        if hint is not None:
            if hint not in HINTS:
                raise ValueError(f"unknown hint {hint!r}")
            self.hint = hint


class InvalidInput(CorridorError):
    """Input is wrong; the message says what to send instead."""

    code = "invalid-input"
    title = "Invalid input"


class UnknownNode(InvalidInput):
    """A node id that is not in the corridor network."""

    code = "unknown-node"
    title = "Unknown corridor node"
    hint = "list_nodes"


class MalformedJson(InvalidInput):
    """A request body that is not JSON at all (as against JSON with wrong fields)."""

    code = "malformed-json"
    title = "Malformed JSON"


class UnknownOrganisation(InvalidInput):
    """A party id that is not registered on this node."""

    code = "unknown-organisation"
    title = "Unknown organisation"
    hint = "list_organisations"


class RulePackError(InvalidInput):
    """A rule pack (or set of packs) is malformed; nothing from it was loaded."""

    code = "invalid-rule-pack"
    title = "Invalid rule pack"


class ProfileError(RulePackError):
    """A targeting profile set is malformed; nothing from it was loaded."""

    code = "invalid-profiles"
    title = "Invalid targeting profiles"


class InvalidTransition(CorridorError):
    """A transit movement cannot take this step from the state it is in."""

    code = "invalid-transition"
    title = "Invalid transition"


class NotReady(CorridorError):
    """A shipment would be held at a border: documents or fields are missing."""

    code = "not-ready"
    title = "Shipment not ready"


class NoRoute(CorridorError):
    """The network has no path between two nodes."""

    code = "no-route"
    title = "No route"


class NotFound(CorridorError):
    """The thing does not exist, or the caller may not know that it does."""

    code = "not-found"
    title = "Not found"


class Conflict(CorridorError):
    """The request clashes with what is already stored."""

    code = "conflict"
    title = "Conflict"


class ExchangeDisabled(Conflict):
    """The node runs without an exchange, so it cannot send or receive pre-arrival data."""

    code = "exchange-disabled"
    title = "Exchange not running"
    hint = "run_as_node"


class AuthenticationFailed(CorridorError):
    """No credentials, or credentials that are not valid."""

    code = "authentication-failed"
    title = "Authentication failed"


class TooManyAttempts(AuthenticationFailed):
    """Too many failed authentications for one key, address or organisation: wait."""

    code = "too-many-attempts"
    title = "Too many attempts"

    def __init__(self, detail: str, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PermissionDenied(CorridorError):
    """Valid credentials without the right to do this."""

    code = "permission-denied"
    title = "Permission denied"


class PayloadTooLarge(CorridorError):
    """A body or file over the size limit."""

    code = "payload-too-large"
    title = "Payload too large"


class VerificationFailed(CorridorError):
    """A document is not valid; `reason` is one code from `REASONS`."""

    code = "verification-failed"
    title = "Document not valid"
    REASONS = (
        "malformed",
        "bad_signature",
        "unknown_issuer",
        "wrong_role",
        "revoked_key",
        "tampered_disclosure",
        "expired",
    )

    def __init__(self, reason: str, detail: str) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown verification reason {reason!r}")
        super().__init__(detail)
        self.reason = reason


class LedgerBroken(CorridorError):
    """A shipment's ledger fails verification; `seq` is the first bad entry."""

    code = "ledger-broken"
    title = "Ledger broken"
    REASONS = (
        "bad_hash",
        "bad_link",
        "bad_signature",
        "unknown_key",
        "gap",
        "invalid_key",
        "time_order",
        "document_changed",
        "event_changed",
        "truncated",
        "rewritten",
    )

    def __init__(self, seq: int, reason: str, detail: str) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown ledger reason {reason!r}")
        super().__init__(detail)
        self.seq = seq
        self.reason = reason


class EnvelopeRejected(CorridorError):
    """A node-to-node envelope is refused; `reason` is one code from `REASONS`."""

    code = "envelope-rejected"
    title = "Envelope rejected"
    REASONS = (
        "malformed",
        "forged",
        "expired",
        "misaddressed",
        "replayed",
        "clock_skew",
        # The sender may not make this statement (admission: the wrong node or authority).
        "not_entitled",
        # An answer to an envelope this node never sent: someone sent one in its name.
        "unsolicited",
    )

    def __init__(
        self, reason: str, detail: str, envelope_id: str | None = None, opened: object = None
    ) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown envelope reason {reason!r}")
        super().__init__(detail)
        self.reason = reason
        self.envelope_id = envelope_id
        # The checked envelope, when the refusal came after its sender was verified: the
        # sender can then be told.
        self.opened = opened
        # A key the envelope relies on that this node's directory does not carry (yet): a
        # key made a moment ago may still be on its way.
        self.unknown_kid: str | None = None


class QueryParameterInvalid(InvalidInput):
    """An EPCIS query parameter this repository does not know, or a value it cannot take
    (the binding's QueryParameterException)."""

    code = "epcisException:QueryParameterException"
    title = "Query parameter exception"


class QueryTooLarge(CorridorError):
    """More events match than the query's maxEventCount allows (the binding's
    QueryTooLargeException)."""

    code = "epcisException:QueryTooLargeException"
    title = "Query too large"


class NotAcceptable(CorridorError):
    """The client accepts no media type this resource is given in."""

    code = "not-acceptable"
    title = "Not acceptable"


class StoreUnavailable(CorridorError):
    """The database cannot be reached or refused the operation."""

    code = "store-unavailable"
    title = "Store unavailable"
